package protocol

// Deprecated V1 types, from the SDK's asndoc pages (they are not in the V2
// ASN.1 files). They serve clients that call the V1 operation names and get the
// V1 asnUpdatePresence event. Tags are not published for them; member order
// follows the asndoc tables.

// AsnAbsentState is the V1 manual presence (DEPRECATED; V2: AsnAbsentStateV2).
type AsnAbsentState struct {
	// ContactID is the contact id (wire name u8sContactId).
	ContactID string     `json:"u8sContactId"`
	Username  string     `json:"u8sUsername"`
	TimeFrom  SystemTime `json:"stTimeFrom"`
	TimeTo    SystemTime `json:"stTimeTo"`
	// AbsentState is an AsnAbsentStateEnum value.
	AbsentState int64 `json:"iAbsentState"`
	// Message is deprecated and should be empty.
	Message string `json:"u8sMessage"`
	// AbsentReason is deprecated and should be empty.
	AbsentReason string `json:"u8sAbsentReason"`
	// PresenceState is the calculated presence when sent by the server; ignored from clients.
	PresenceState int64 `json:"iPresenceState"`
	// OptionalParams may hold "iReachability" (integer, AsnReachabilityEnum).
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnContactCapabilities is the V1 capabilities summary (DEPRECATED; V2:
// AsnClientCapabilitiesV2).
type AsnContactCapabilities struct {
	Audio            bool `json:"bAudio"`
	Video            bool `json:"bVideo"`
	ScreenShare      bool `json:"bScreenShare"`
	ExchangeCalendar bool `json:"bExchangeCalendar"`
	NotesCalendar    bool `json:"bNotesCalendar"`
	CamControl       bool `json:"bCamControl"`
}

// AsnClientCapabilities is the V1 client capabilities record of the deprecated
// asnClientCapabilitiesChanged (2135) family (PRIVATE, DEPRECATED).
type AsnClientCapabilities struct {
	// ContactID is the contact whose capabilities changed (wire name u8sContactID).
	ContactID string `json:"u8sContactID"`
	// XMLContent is the capabilities XML. The "os" prefix marks an OCTET STRING
	// (inferred; asndoc shows OCTET STRING members as "string" too).
	XMLContent     OctetString           `json:"osXMLContent"`
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnPresenceCall is the V1 call record (DEPRECATED; V2: AsnPresenceCallV2).
type AsnPresenceCall struct {
	Action          int64  `json:"iAction"`
	ConnectionID    string `json:"u8sConnectionID"`
	LinePhoneNumber string `json:"u8sLinePhoneNumber"`
	LineNumber      string `json:"u8sLineNumber"`
	CurrentNumberSC string `json:"u8sCurrentNumberSC"`
	CallState       int64  `json:"iCallState"`
	Features        int64  `json:"iFeatures"`
	// Outbound is 1 for outbound, 0 for inbound.
	Outbound int64 `json:"iOutbound"`
	// Internal is 1 for an internal partner, 0 for an external one.
	Internal int64 `json:"iInternal"`
	// CallType is an EAsnCallType value.
	CallType      int64                  `json:"iCallType"`
	RemoteContact *AsnNetDatabaseContact `json:"remoteContact,omitzero"`
	// OptionalParams may hold "TrackerID" (string) and "eJournalCallType" (integer).
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnPresence is the V1 presence (DEPRECATED; V2: AsnPresenceV2).
type AsnPresence struct {
	// ContactID is the contact id (wire name u8sContactId).
	ContactID                string                       `json:"u8sContactId"`
	PresenceState            Optional[int64]              `json:"iPresenceState,omitzero"`
	RemoteContact            *AsnNetDatabaseContact       `json:"asnRemoteContact,omitzero"`
	UserPropertyBag          *AsnUserPropertyBag          `json:"asnUserPropertyBag,omitzero"`
	ContactFeatureSet        Optional[int64]              `json:"iContactFeatureSet,omitzero"`
	StaticRights             Optional[int64]              `json:"iStaticRights,omitzero"`
	MonitorAccessRights      Optional[int64]              `json:"iMonitorAccessRights,omitzero"`
	AbsentState              *AsnAbsentState              `json:"asnAbsentState,omitzero"`
	CustomNote               *AsnCustomNote               `json:"asnCustomNote,omitzero"`
	ActualAppointments       []AsnAppointmentEntry        `json:"seqActualAppointments,omitzero"`
	NextAppointment          *AsnAppointmentEntry         `json:"asnNextAppointment,omitzero"`
	PhoneLines               []AsnPresenceLine            `json:"seqPhoneLines,omitzero"`
	Calls                    []AsnPresenceCall            `json:"seqCalls,omitzero"`
	LineForwards             []AsnPresenceForward         `json:"seqLineForwards,omitzero"`
	ContactCapabilities      *AsnContactCapabilities      `json:"asnContactCapabilities,omitzero"`
	ContactCapabilitiesEx    *AsnClientCapabilitiesV2     `json:"asnContactCapabilitiesEx,omitzero"`
	CurrentUserDynamicRights *AsnActualUserDynamicRights  `json:"asnCurrentUserDynamicRights,omitzero"`
	StaticRights2            Optional[int64]              `json:"iStaticRights2,omitzero"`
	AgentState               *AsnAgentState               `json:"asnAgentState,omitzero"`
	MonitorGroupingAttribute *AsnMonitorGroupingAttribute `json:"asnMonitorGroupingAttribute,omitzero"`
	// OptionalParams may hold "iStaticRights2" (integer) and "NextAppointments"
	// (binary, BER-encoded SEQAppointmentList).
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnUpdatePresenceArgument is the argument of the V1 asnUpdatePresence event.
type AsnUpdatePresenceArgument struct {
	Presence       AsnPresence           `json:"presence"`
	ChangedFlags   int64                 `json:"iChangedFlags"`
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnGetAndSubscribePresenceResult is the result of the V1 asnGetAndSubscribePresence.
type AsnGetAndSubscribePresenceResult struct {
	SubscribedPresence List[AsnPresence]     `json:"seqSubscribedPresence"`
	OptionalParams     AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnAbsentStateSetUserArgument is the argument of the V1 asnAbsentStateSetUser.
type AsnAbsentStateSetUserArgument struct {
	AbsentState AsnAbsentState `json:"absentstate"`
}

// AsnAbsentStateSetUserResult is the result of the V1 asnAbsentStateSetUser.
type AsnAbsentStateSetUserResult struct {
	Success        bool                  `json:"bSuccess"`
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnAbsentStateSetUserV2Argument is the argument of asnAbsentStateSetUserV2.
type AsnAbsentStateSetUserV2Argument struct {
	AbsentState AsnAbsentStateV2 `json:"absentstate"`
}

// AsnAbsentStateSetUserV2Result is the result of asnAbsentStateSetUserV2.
type AsnAbsentStateSetUserV2Result struct {
	Success bool `json:"bSuccess"`
}

// AsnAbsentStateGetUserArgument is the argument of the V1 asnAbsentStateGetUser.
type AsnAbsentStateGetUserArgument struct {
	// ContactID is the user (wire name contactId).
	ContactID string `json:"contactId"`
}

// AsnAbsentStateGetUserResult is the result of the V1 asnAbsentStateGetUser.
type AsnAbsentStateGetUserResult struct {
	AbsentState AsnAbsentState `json:"absentstate"`
}

// AsnAbsentStateGetUserV2Argument is the argument of asnAbsentStateGetUserV2.
type AsnAbsentStateGetUserV2Argument struct {
	// ContactID is the user (wire name contactId).
	ContactID string `json:"contactId"`
}

// AsnAbsentStateGetUserV2Result is the result of asnAbsentStateGetUserV2.
type AsnAbsentStateGetUserV2Result struct {
	AbsentState AsnAbsentStateV2 `json:"absentstate"`
}

// AsnAbsentStateResetArgument is the argument of the V1 asnAbsentStateReset.
type AsnAbsentStateResetArgument struct {
	// ContactID is the user (wire name u8sContactId).
	ContactID string `json:"u8sContactId"`
}

// AsnAbsentStateResetResult is the (empty) result of the V1 asnAbsentStateReset.
type AsnAbsentStateResetResult struct{}

// AsnUpdateMyAbsentStateArgument is the argument of the V1 asnUpdateMyAbsentState event.
type AsnUpdateMyAbsentStateArgument struct {
	AbsentState AsnAbsentState `json:"absentstate"`
}
