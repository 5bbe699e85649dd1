package protocol

import "encoding/json"

// Operations a session-only (UCWeb) or V1-era client calls besides presence:
// the V1 asnGetLoggedInContact of the SDK's browser samples and
// asnGetUserTokenV2 (1007), which gives a session-only client a token for
// createsession?token=.

// AsnContactPhoneLine is the V1 phone line of AsnContact (DEPRECATED; V2:
// AsnContactPhoneLineV2). Calls and forwards use the V2 member types: the
// asndoc tables list the same members for both.
type AsnContactPhoneLine struct {
	// Type is an AsnContactPhoneLineType value.
	Type               int64                             `json:"iType"`
	LinePhoneNumber    string                            `json:"u8sLinePhoneNumber"`
	Descriptor         string                            `json:"u8sDescriptor"`
	Number             string                            `json:"u8sNumber"`
	Calls              List[AsnContactCallInformationV2] `json:"seqCalls"`
	LineForwards       List[AsnLineForward]              `json:"seqLineForwards"`
	State              int64                             `json:"iState"`
	DoNotDisturb       bool                              `json:"bDoNotDisturb"`
	ForwardFeaturesPBX int64                             `json:"iForwardFeaturesPBX"`
	// OptionalParams may hold "PrivateLine" (bool).
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnContact is the V1 full contact of the logged-in user (DEPRECATED; V2:
// AsnContactV2). It differs from V2 by the V1 absent state and phone lines
// and by carrying iStaticRights2 in optionalParams.
type AsnContact struct {
	// ContactID is the contact id (wire name u8sContactId).
	ContactID           string                    `json:"u8sContactId"`
	ContactFeatureSet   int64                     `json:"iContactFeatureSet"`
	PresenceState       int64                     `json:"iPresenceState"`
	StaticRights        int64                     `json:"iStaticRights"`
	MonitorAccessRights int64                     `json:"iMonitorAccessRights"`
	RemoteContact       AsnNetDatabaseContact     `json:"asnRemoteContact"`
	PhoneLines          List[AsnContactPhoneLine] `json:"seqPhoneLines"`
	AbsentState         AsnAbsentState            `json:"asnAbsentState"`
	CustomNote          AsnCustomNote             `json:"asnCustomNote"`
	ActualAppointments  List[AsnAppointmentEntry] `json:"seqActualAppointments"`
	NextAppointment     AsnAppointmentEntry       `json:"asnNextAppointment"`
	UserPropertyBag     AsnUserPropertyBag        `json:"asnUserPropertyBag"`
	// OptionalParams may hold "iStaticRights2" (integer).
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnGetLoggedInContactResult is the result of the V1 asnGetLoggedInContact.
type AsnGetLoggedInContactResult struct {
	LoggedInUser string     `json:"u8sLoggedInUser"`
	OwnContact   AsnContact `json:"ownContact"`
}

// AsnGetUserTokenArgument is the argument of asnGetUserTokenV2 (1007). The
// interface's lstProfileAttributes and adminLogin members are accepted as
// raw JSON and not used: presenced adds no profile claims and issues no
// administrator tokens.
type AsnGetUserTokenArgument struct {
	// Type is an AsnUserTokenType value: 0 external (default), 1 login.
	Type Optional[int64] `json:"iType,omitzero"` // [0]
	// TTL is the wanted lifetime in seconds (default 24 hours).
	TTL          Optional[int64] `json:"iTTL,omitzero"`           // [1]
	ServiceTypes List[string]    `json:"lstServiceType,omitzero"` // [2]
	// ProfileAttributes (AsnProfileAttributeList) is accepted and ignored.
	ProfileAttributes json.RawMessage `json:"lstProfileAttributes,omitzero"` // [3]
	// AdminLogin (AsnAdminLogin) is accepted and ignored: no admin tokens.
	AdminLogin json.RawMessage `json:"adminLogin,omitzero"` // [4]
}

// AsnGetUserTokenV2Result is the result of asnGetUserTokenV2.
type AsnGetUserTokenV2Result struct {
	Token string `json:"sToken"`
}

// AsnGetUserTokenResult is the result of the V1 asnGetUserToken (DEPRECATED;
// the same member as AsnGetUserTokenV2Result).
type AsnGetUserTokenResult struct {
	Token string `json:"sToken"`
}
