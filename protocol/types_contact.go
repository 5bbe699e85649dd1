package protocol

// Types of ENetUC_Common_AsnContact.asn1, ENetUC_Common_Appointments.asn1 and
// ENetUC_Common_SIPCTI.asn1 that the presence interface reaches.

// AsnUserDynamicRights is one entry of a user's access rights list.
type AsnUserDynamicRights struct {
	// ObjectID is the contact id the rights apply to.
	ObjectID string `json:"u8sObjectID"`
	// PresenceRights holds AsnPresenceRightsFlags bits.
	PresenceRights int64 `json:"iPresenceRights"`
	// PhoneControlRightsPrimary holds AsnPhoneControlRightsFlags bits (first line).
	PhoneControlRightsPrimary int64 `json:"iPhoneControlRightsPrimary"`
	// PhoneControlRightsSecondary holds AsnPhoneControlRightsFlags bits (other lines).
	PhoneControlRightsSecondary int64 `json:"iPhoneControlRightsSecondary"`
}

// AsnExternalPresenceState is the state of an external presence provider.
type AsnExternalPresenceState struct {
	UserName string `json:"u8sUserName"`
	State    int64  `json:"iState"`
	// Type is an AsnExternalPresenceType (0 eMSTeams).
	Type int64 `json:"eType"`
}

// AsnAbsentStateV2 is the manual presence ("absent state") of a user.
type AsnAbsentStateV2 struct {
	// ContactID is the contact id of the user (wire name u8sContactId).
	ContactID string `json:"u8sContactId"`
	// AbsentState is an AsnAbsentStateEnum value (AbsentState* constants).
	AbsentState int64 `json:"eAbsentState"`
	// PresenceState is the server-calculated presence ([0]).
	PresenceState Optional[int64] `json:"iPresenceState,omitzero"`
	// TimeFrom is the start of validity ([1]).
	TimeFrom Optional[SystemTime] `json:"stTimeFrom,omitzero"`
	// TimeTo is the end of validity ([2]).
	TimeTo Optional[SystemTime] `json:"stTimeTo,omitzero"`
	// Reachability is an AsnReachabilityEnum value ([3]).
	Reachability Optional[int64] `json:"eReachability,omitzero"`
	// ExternalPresenceStates lists external providers ([4]).
	ExternalPresenceStates []AsnExternalPresenceState `json:"externalPresenceStates,omitzero"`
}

// AsnCustomNote is the note of a user.
type AsnCustomNote struct {
	// ContactID is the contact id of the user (wire name u8sContactID).
	ContactID string `json:"u8sContactID"`
	// Username is the display name of the user.
	Username string `json:"u8sUsername"`
	// Note is the text the user has set.
	Note string `json:"u8sNote"`
}

// AsnAppointmentEntry is a calendar appointment.
type AsnAppointmentEntry struct {
	EntryID    string     `json:"u8sEntryID"`
	Owner      string     `json:"u8sOwner"`
	DataSource string     `json:"u8sDataSource"`
	Start      SystemTime `json:"stStart"`
	End        SystemTime `json:"stEnd"`
	Duration   int64      `json:"iDuration"`
	Subject    string     `json:"u8sSubject"`
	Text       string     `json:"u8sText"`
	AllDay     bool       `json:"bAllDay"`
	// Status is an EnumAppointmentState value.
	Status   int64  `json:"iStatus"`
	Category string `json:"u8sCategory"`
	// Importance is an EnumAppointmentImportance value.
	Importance int64 `json:"iImportance"`
	// Sensitivity is an EnumAppointmentSensitivity value.
	Sensitivity int64 `json:"iSensitivity"`
	IsValid     bool  `json:"bIsValid"`
	// OptionalParams is untagged OPTIONAL (key "Location").
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnLineForward is a forward set on a phone line (AsnContactPhoneLineV2).
type AsnLineForward struct {
	InternalID        int64        `json:"iInternalID"`
	ForwardController int64        `json:"iForwardController"`
	ForwardMode       int64        `json:"iForwardMode"`
	BackEndSpecific   int64        `json:"iBackEndSpecific"`
	NoAnswerTime      int64        `json:"iNoAnswerTime"`
	Destination       string       `json:"u8sDestination"`
	CallerIDList      List[string] `json:"u8sCallerIDList"`
}

// AsnContactCallInformationV2 is a call on a line of the logged-in contact.
type AsnContactCallInformationV2 struct {
	ContactChangedID     string                 `json:"u8sContactChangedId"`
	PresenceState        int64                  `json:"iPresenceState"`
	ConnectionID         string                 `json:"u8sConnectionID"`
	LinePhoneNumber      string                 `json:"u8sLinePhoneNumber"`
	CallState            int64                  `json:"iCallState"`
	DisconnectedReason   int64                  `json:"iDisconnectedReason"`
	Features             int64                  `json:"iFeatures"`
	Outbound             bool                   `json:"bOutbound"`
	Internal             bool                   `json:"bInternal"`
	Private              bool                   `json:"bPrivate"`
	CallRecordingState   int64                  `json:"iCallRecordingState"`
	ConferenceController bool                   `json:"bConferenceCtlr"`
	CurrentNumberSC      string                 `json:"u8sCurrentNumberSC"`
	TrackerID            string                 `json:"u8sTrackerID"`
	LocalCurrentNumberSC string                 `json:"u8sLocalCurrentNumberSC"`
	RedirectingNumber    Optional[string]       `json:"u8sRedirectingNumber,omitzero"` // [0]
	RemoteContact        *AsnNetDatabaseContact `json:"remoteContact,omitzero"`        // [1]
}

// AsnSIPLineDetails holds SIP settings of a line.
type AsnSIPLineDetails struct {
	SIPAVMediaMode   int64       `json:"iSIPAVMediaMode"`
	SIPAVAudioCodecs List[int64] `json:"iSIPAVAudioCodecs"`
	MinPort          int64       `json:"iMinPort"`
	MaxPort          int64       `json:"iMaxPort"`
}

// AsnContactPhoneLineV2 is a phone line of the logged-in contact.
type AsnContactPhoneLineV2 struct {
	// Type is an AsnContactPhoneLineType value.
	Type            int64                             `json:"iType"`
	LinePhoneNumber string                            `json:"u8sLinePhoneNumber"`
	Descriptor      string                            `json:"u8sDescriptor"`
	Number          string                            `json:"u8sNumber"`
	Calls           List[AsnContactCallInformationV2] `json:"seqCalls"`
	LineForwards    List[AsnLineForward]              `json:"seqLineForwards"`
	// State is an AsnContactPhoneLineState value (0 offline, 1 online).
	State               int64              `json:"iState"`
	DoNotDisturb        bool               `json:"bDoNotDisturb"`
	ForwardFeaturesPBX  int64              `json:"iForwardFeaturesPBX"`
	AddressNames        List[string]       `json:"u8sAddressNames"`
	AddressCaps         string             `json:"u8sAddressCaps"`
	CTIFeatureCodes     string             `json:"u8sCTIFeatureCodes"`
	IsPrivateLine       Optional[bool]     `json:"bIsPrivateLine,omitzero"`       // [0]
	IsVoiceServicesLine Optional[bool]     `json:"bIsVoiceServicesLine,omitzero"` // [1]
	SIPLineDetails      *AsnSIPLineDetails `json:"sipLineDetails,omitzero"`       // [2]
}

// AsnContactV2 is the full data of the logged-in contact (asnGetLoggedInContactV2,
// asnUpdateMyContactConfigurationV2). Every member is mandatory.
type AsnContactV2 struct {
	// ContactID is the contact id (wire name u8sContactId).
	ContactID           string                      `json:"u8sContactId"`
	ContactFeatureSet   int64                       `json:"iContactFeatureSet"`
	PresenceState       int64                       `json:"iPresenceState"`
	StaticRights        int64                       `json:"iStaticRights"`
	StaticRights2       int64                       `json:"iStaticRights2"`
	MonitorAccessRights int64                       `json:"iMonitorAccessRights"`
	RemoteContact       AsnNetDatabaseContact       `json:"asnRemoteContact"`
	PhoneLines          List[AsnContactPhoneLineV2] `json:"seqPhoneLines"`
	AbsentState         AsnAbsentStateV2            `json:"asnAbsentState"`
	CustomNote          AsnCustomNote               `json:"asnCustomNote"`
	ActualAppointments  List[AsnAppointmentEntry]   `json:"seqActualAppointments"`
	NextAppointment     AsnAppointmentEntry         `json:"asnNextAppointment"`
	UserPropertyBag     AsnUserPropertyBag          `json:"asnUserPropertyBag"`
}
