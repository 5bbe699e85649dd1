package protocol

// Types of ENetUC_PresenceV2.asn1 and ENetUC_ClientCapabilities.asn1 reachable
// from AsnPresenceV2.

// AsnPresenceLine is a phone line of a contact.
type AsnPresenceLine struct {
	// LinePhoneNumber is the line URI.
	LinePhoneNumber string `json:"u8sLinePhoneNumber"`
	// LineNumber is the readable number extracted from the line URI.
	LineNumber string `json:"u8sLineNumber"`
	// State is the line state (inferred: AsnContactPhoneLineState, 0 offline, 1 online).
	State int64 `json:"iState"`
	// DoNotDisturb is 1 when the line is on do-not-disturb, else 0.
	DoNotDisturb int64 `json:"iDoNotDisturb"`
	// ForwardFeaturesPBX says which forwards the line supports.
	ForwardFeaturesPBX int64 `json:"iForwardFeaturesPBX"`
}

// AsnPresenceCallV2 is a call on a phone line of a contact.
type AsnPresenceCallV2 struct {
	// Action is 0 added, 1 changed, 2 deleted (AsnPresenceAction).
	Action          int64  `json:"iAction"`
	ConnectionID    string `json:"u8sConnectionID"`
	LinePhoneNumber string `json:"u8sLinePhoneNumber"`
	LineNumber      string `json:"u8sLineNumber"`
	// CurrentNumberSC is the remote number in supercanonic notation.
	CurrentNumberSC string `json:"u8sCurrentNumberSC"`
	TrackerID       string `json:"u8sTrackerID"`
	// CallState is an EAsnCallState value.
	CallState int64 `json:"eCallState"`
	// Features holds EnumCallFeatures bits.
	Features int64 `json:"iFeatures"`
	Outbound bool  `json:"bOutbound"`
	Internal bool  `json:"bInternal"`
	// CallType is an EAsnCallType value.
	CallType int64 `json:"eCallType"`
	// JournalCallType is an EAsnJournalCallType value.
	JournalCallType int64 `json:"eJournalCallType"`
	// RemoteContact is what is known of the remote party ([0]).
	RemoteContact *AsnNetDatabaseContact `json:"remoteContact,omitzero"`
}

// AsnPresenceForward is a forward set on a phone line of a contact.
type AsnPresenceForward struct {
	LinePhoneNumber string `json:"u8sLinePhoneNumber"`
	LineNumber      string `json:"u8sLineNumber"`
	InternalID      int64  `json:"iInternalID"`
	Destination     string `json:"u8sDestination"`
	ForwardMode     int64  `json:"iForwardMode"`
	// NoAnswerTime is the no-answer delay in seconds ([0]).
	NoAnswerTime Optional[int64] `json:"iNoAnswerTime,omitzero"`
}

// AsnActualUserDynamicRights tells the watcher which rights it may still set.
type AsnActualUserDynamicRights struct {
	MinPossibleRights AsnUserDynamicRights `json:"asnMinPossibleRights"`
	MaxPossibleRights AsnUserDynamicRights `json:"asnMaxPossibleRights"`
	// CurrentRights is absent when no rights are set yet ([0]).
	CurrentRights *AsnUserDynamicRights `json:"asnCurrentRights,omitzero"`
}

// AsnAgentState is the agent state of a contact.
type AsnAgentState struct {
	// State is an AsnAgentStateEnum value.
	State int64 `json:"dwState"`
	// Details is the agent group list with states ([0]).
	Details []AsnStringIntegerPair `json:"mapDetails,omitzero"`
}

// AsnMonitorGroupingAttribute is the monitor grouping attribute ("future use").
type AsnMonitorGroupingAttribute struct {
	AttributeGUID  Optional[string] `json:"u8sAttributeGUID,omitzero"`  // [0]
	AttributeShort Optional[string] `json:"u8sAttributeShort,omitzero"` // [1]
	AttributeLong  Optional[string] `json:"u8sAttributeLong,omitzero"`  // [2]
	AdditionalText Optional[string] `json:"u8sAdditionalText,omitzero"` // [3]
}

// AsnClientCapabilitiesV2 is the sum of the capabilities of a contact's clients.
type AsnClientCapabilitiesV2 struct {
	// ClientCapabilities holds AsnClientCapabilityEnum values.
	ClientCapabilities List[int64]         `json:"eClientCapabilities"`
	CustomCapabilities List[AsnStringPair] `json:"customCapabilities"`
}

// AsnPresenceV2 is the presence of a contact: its data and service states. In a
// subscription result it holds what the watcher asked for and may see; in an
// update event only the changed sections (absent means unchanged). The comment
// gives the ASN.1 tag; tag 13 is unused in V2.
type AsnPresenceV2 struct {
	// ContactID is the contact id, e.g. "sip:user@domain" (wire name u8sContactId).
	ContactID                string                       `json:"u8sContactId"`
	PresenceState            Optional[int64]              `json:"iPresenceState,omitzero"`              // [0]
	RemoteContact            *AsnNetDatabaseContact       `json:"asnRemoteContact,omitzero"`            // [1]
	UserPropertyBag          *AsnUserPropertyBag          `json:"asnUserPropertyBag,omitzero"`          // [2]
	ContactFeatureSet        Optional[int64]              `json:"iContactFeatureSet,omitzero"`          // [3]
	StaticRights             Optional[int64]              `json:"iStaticRights,omitzero"`               // [4]
	MonitorAccessRights      Optional[int64]              `json:"iMonitorAccessRights,omitzero"`        // [5]
	AbsentState              *AsnAbsentStateV2            `json:"asnAbsentState,omitzero"`              // [6]
	CustomNote               *AsnCustomNote               `json:"asnCustomNote,omitzero"`               // [7]
	ActualAppointments       []AsnAppointmentEntry        `json:"seqActualAppointments,omitzero"`       // [8]
	NextAppointment          *AsnAppointmentEntry         `json:"asnNextAppointment,omitzero"`          // [9]
	PhoneLines               []AsnPresenceLine            `json:"seqPhoneLines,omitzero"`               // [10]
	Calls                    []AsnPresenceCallV2          `json:"seqCalls,omitzero"`                    // [11]
	LineForwards             []AsnPresenceForward         `json:"seqLineForwards,omitzero"`             // [12]
	ContactCapabilitiesEx    *AsnClientCapabilitiesV2     `json:"asnContactCapabilitiesEx,omitzero"`    // [14]
	CurrentUserDynamicRights *AsnActualUserDynamicRights  `json:"asnCurrentUserDynamicRights,omitzero"` // [15]
	StaticRights2            Optional[int64]              `json:"iStaticRights2,omitzero"`              // [16]
	AgentState               *AsnAgentState               `json:"asnAgentState,omitzero"`               // [17]
	MonitorGroupingAttribute *AsnMonitorGroupingAttribute `json:"asnMonitorGroupingAttribute,omitzero"` // [18]
	NextAppointments         []AsnAppointmentEntry        `json:"asnNextAppointments,omitzero"`         // [19]
}
