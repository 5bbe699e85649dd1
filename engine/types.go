package engine

import "time"

// StringPair is a key/value pair (property bag entries, custom fields,
// custom capabilities).
type StringPair struct {
	Key   string
	Value string
}

// StringIntPair is a name/number pair (agent group details).
type StringIntPair struct {
	Name  string
	Value int32
}

// Address is a postal address.
type Address struct {
	Street, PostalCode, City, State, Country string
}

// ContactData is the directory data of a contact (AsnNetDatabaseContact).
// Values are immutable once handed to the engine.
type ContactData struct {
	Found, DatabaseName, EntryIDDB, EntryIDStore, EntryID string
	CTIServerUserName                                     string
	DisplayName, FirstName, LastName                      string
	JobTitle, Company, Department, OfficeRoomNumber       string
	CustomerID                                            string
	BusinessAddress, PrivateAddress, OtherAddress         Address
	EMail, EMail2, EMail3, SIPAddress, WebPageURL         string
	PhoneBusiness, PhoneBusiness2, CompanyMainPhone       string
	AssistantPhone, PhoneHome, PhoneHome2, PrimaryPhone   string
	PhoneMobile, CarPhone, RadioPhone, PagerPhone         string
	OtherPhone, CallbackPhone, ISDNPhone, TTYTDDPhone     string
	FaxBusiness, FaxHome, Body, DirectWebLink             string
	CustomFields                                          []StringPair
	Valid                                                 bool
	PrivateContact, CTIServerUser                         int32
}

// Image is a picture of a contact and its hash. Data is immutable.
type Image struct {
	Data []byte
	Hash string
}

// AbsentKind is the manual absent state (AsnAbsentStateEnum).
type AbsentKind int32

// Manual absent states.
const (
	AbsentAvailable    AbsentKind = 0 // eABSENTSTATENOTABSENT: manually available
	AbsentOutOfOffice  AbsentKind = 1
	AbsentBusy         AbsentKind = 2
	AbsentDoNotDisturb AbsentKind = 3
	AbsentNotSet       AbsentKind = 4 // no manual state
)

// Reachability is the optional availability detail (AsnReachabilityEnum).
type Reachability int32

// Reachability values.
const (
	ReachabilityNormal Reachability = iota
	ReachabilityPause
	ReachabilityBusinessTrip
	ReachabilityHomeOffice
	ReachabilityVacation
	ReachabilityUnreachable
)

// ExternalPresence is a presence state reported by an external system
// (AsnExternalPresenceState; type 0 is Microsoft Teams).
type ExternalPresence struct {
	UserName string
	State    int32
	Type     int32
}

// AbsentState is a manual absent state. Zero From/To mean "no bound".
type AbsentState struct {
	Kind            AbsentKind
	From, To        time.Time
	Reachability    Reachability
	HasReachability bool
	External        []ExternalPresence
	SetAt           time.Time // when it was set (engine clock)
}

// Note is the custom note of a contact; Text == "" means no note.
type Note struct {
	Text  string
	SetAt time.Time
}

// AppointmentStatus is EnumAppointmentState.
type AppointmentStatus int32

// Appointment states.
const (
	AppointmentFree AppointmentStatus = iota
	AppointmentTentative
	AppointmentBusy
	AppointmentOutOfOffice
)

// Sensitivity of an appointment (EnumAppointmentSensitivity). Personal,
// Private and Confidential appointments are "private" for rights filtering.
type Sensitivity int32

// Sensitivities.
const (
	SensitivityNormal Sensitivity = iota
	SensitivityPersonal
	SensitivityPrivate
	SensitivityConfidential
)

// Appointment is one calendar entry (AsnAppointmentEntry).
type Appointment struct {
	EntryID     string
	Owner       string
	DataSource  string
	Start, End  time.Time
	Subject     string
	Text        string
	Location    string
	AllDay      bool
	Status      AppointmentStatus
	Category    string
	Importance  int32
	Sensitivity Sensitivity
}

// IsPrivate reports whether only Personal-level watchers may see details.
func (a *Appointment) IsPrivate() bool { return a.Sensitivity != SensitivityNormal }

// LineState is AsnContactPhoneLineState.
type LineState int32

// Line states.
const (
	LineOffline LineState = 0
	LineOnline  LineState = 1
)

// Line is a phone line of a contact (AsnPresenceLine). Primary marks the
// first line, which rights treat differently from further lines.
type Line struct {
	URI             string // line URI, e.g. tel:+4981511234
	Number          string // readable number
	State           LineState
	DoNotDisturb    bool
	ForwardFeatures int32 // iForwardFeaturesPBX
	Primary         bool
}

// CallState is EAsnCallState.
type CallState int32

// Call states.
const (
	CallUnknown      CallState = 0
	CallDestroyed    CallState = 1
	CallOffering     CallState = 2
	CallDialing      CallState = 4
	CallRingback     CallState = 8
	CallBusy         CallState = 16
	CallConnected    CallState = 32
	CallConferenced  CallState = 64
	CallHold         CallState = 128
	CallDisconnected CallState = 256
	CallPrepare      CallState = 512
)

// CallType is EAsnCallType.
type CallType int32

// Call types.
const (
	CallTypeNormal CallType = iota
	CallTypeConsult
	CallTypeConferenceController
	CallTypeCallback
	CallTypeConferenceMember
	CallTypeConferenceControllerPending
	CallTypeConferenceMemberPending
)

// JournalCallType is EAsnJournalCallType: it tells a CTI call from an
// audio/video chat, a softphone (SIP A/V) call or a Bluetooth-headset call.
type JournalCallType int32

// Journal call types.
const (
	JournalCTI JournalCallType = iota
	JournalVideoChat
	JournalAudioChat
	JournalAudioVideoChat
	JournalIM
	JournalBluetoothMobile
	JournalBluetoothMobileUnknownDuration
	JournalSIPAVCall
	JournalSMS
	JournalScreenSharing
	JournalRequestedScreenSharing
)

// Call is one call of a contact (AsnPresenceCallV2 without iAction). A
// Call value is immutable once handed to the engine: a change is a new value.
// Calls without a LineURI (A/V, softphone, Bluetooth) are device calls.
type Call struct {
	ConnectionID string
	LineURI      string
	LineNumber   string
	RemoteNumber string // u8sCurrentNumberSC (supercanonical)
	TrackerID    string
	State        CallState
	Features     int32
	Outbound     bool
	Internal     bool
	Type         CallType
	JournalType  JournalCallType
	Remote       *ContactData
}

// Forward is an active forward on a line (AsnPresenceForward).
type Forward struct {
	LineURI      string
	LineNumber   string
	InternalID   int32
	Destination  string
	Mode         int32
	NoAnswerTime int32 // seconds; 0 = not given
}

// Capability is AsnClientCapabilityEnum.
type Capability int32

// Capabilities is what the connected clients of a contact can do; the
// contact shows the sum over its connected clients.
type Capabilities struct {
	Values []Capability
	Custom []StringPair
}

// AgentStateKind is AsnAgentStateEnum.
type AgentStateKind int32

// Agent states.
const (
	AgentNone AgentStateKind = iota
	AgentNotReady
	AgentReady
	AgentBusy
	AgentWorkingAfterCall
)

// AgentState is the contact-center state of a contact.
type AgentState struct {
	State   AgentStateKind
	Details []StringIntPair
}

// GroupingAttribute is AsnMonitorGroupingAttribute ("future use").
type GroupingAttribute struct {
	GUID, Short, Long, AdditionalText string
}

// Device is the kind of a client session.
type Device uint8

// Devices.
const (
	DeviceDesktop Device = iota
	DeviceWeb
	DeviceMobile
)

// ContactEntry is what the directory says about a contact.
type ContactEntry struct {
	Data          *ContactData
	PropertyBag   []StringPair
	FeatureSet    uint32
	StaticRights  uint32
	StaticRights2 uint32
	MonitorRights uint32
	Groups        []string // rights groups the contact belongs to
	Administrator bool     // may change every rights list
}
