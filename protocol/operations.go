package protocol

import (
	"reflect"
	"sort"
)

// OperationID is a ROSE operation id (the "::= n" of an ASN.1 OPERATION).
type OperationID int64

// Operation ids, from the ASN.1 files (module in the comment).
const (
	OperationKeepAlive                      OperationID = 100  // asnKeepAlive (ENetROSEInterface)
	OperationSubscribeServices              OperationID = 703  // asnSubscribeServices (ENetROSEInterface)
	OperationLogoff                         OperationID = 1001 // asnLogoff (ENetUC_Auth)
	OperationLoginV2                        OperationID = 1005 // asnLoginV2 (ENetUC_Auth)
	OperationNegotiateServerConnectionV2    OperationID = 1006 // asnNegotiateServerConnectionV2 (ENetUC_Auth)
	OperationGetUserTokenV2                 OperationID = 1007 // asnGetUserTokenV2 (ENetUC_Auth)
	OperationGetLoggedInContactV2           OperationID = 1008 // asnGetLoggedInContactV2 (ENetUC_Auth)
	OperationStartTLS                       OperationID = 1103 // asnStartTLS (ENetUC_Transport)
	OperationSetUserAbsentState             OperationID = 1128 // asnSetUserAbsentState (ENetROSEInterface)
	OperationGetUserAbsentState             OperationID = 1129 // asnGetUserAbsentState (ENetROSEInterface)
	OperationResetUserAbsentState           OperationID = 1130 // asnResetUserAbsentState (ENetROSEInterface)
	OperationUpdateMyContactConfigurationV2 OperationID = 1309 // asnUpdateMyContactConfigurationV2 (ENetROSEInterface)
	OperationUpdateMyAbsentStateV2          OperationID = 1313 // asnUpdateMyAbsentStateV2 (ENetROSEInterface)
	OperationCustomNoteSet                  OperationID = 1510 // asnCustomNoteSet (ENetROSEInterface)
	OperationUpdateMyCustomNote             OperationID = 1511 // asnUpdateMyCustomNote (ENetROSEInterface)
	OperationRequestLargeProfileImage       OperationID = 1601 // asnRequestLargeProfileImage (ENetUC_PresenceV2)
	OperationRequestContactImage            OperationID = 1602 // asnRequestContactImage (ENetUC_PresenceV2)
	OperationTransportKeepAlive             OperationID = 1706 // asnTransportKeepAlive (ENetUC_Transport)
	OperationRemovePresence                 OperationID = 4501 // asnRemovePresence (ENetUC_PresenceV2)
	OperationUnsubscribePresence            OperationID = 4503 // asnUnsubscribePresence (ENetUC_PresenceV2)
	OperationUpdatePresenceV2               OperationID = 4504 // asnUpdatePresenceV2 (ENetUC_PresenceV2)
	OperationGetAndSubscribePresenceV2      OperationID = 4505 // asnGetAndSubscribePresenceV2 (ENetUC_PresenceV2)
	OperationSetDynamicRights               OperationID = 4510 // asnSetDynamicRights (ENetUC_PresenceV2)
	OperationRemoveDynamicRights            OperationID = 4511 // asnRemoveDynamicRights (ENetUC_PresenceV2)
)

// Direction says who sends an operation's invoke.
type Direction uint8

// Directions of an operation.
const (
	// ClientToServer operations are invoked by the client.
	ClientToServer Direction = iota
	// ServerToClient operations are events the server sends.
	ServerToClient
	// BothDirections operations may be sent by either side (keepalives).
	BothDirections
)

// String returns the direction's name.
func (d Direction) String() string {
	switch d {
	case ClientToServer:
		return "client-to-server"
	case ServerToClient:
		return "server-to-client"
	case BothDirections:
		return "both"
	}
	return "unknown"
}

// Operation describes one ROSE operation: its id, its name, and the ASN.1 type
// names of its argument and result (written as "_type"). An Operation from the
// table is shared and immutable.
type Operation struct {
	// ID is the operation id; 0 for the legacy names that have no published id
	// (they resolve by name only and are sent with operationID 0).
	ID OperationID
	// Name is the operationName.
	Name string
	// ArgumentType is the ASN.1 type name of the argument.
	ArgumentType string
	// ResultType is the ASN.1 type name of the result; "" for an event.
	ResultType string
	// ErrorType is the ASN.1 type name of the error ("AsnRequestError"); "" for an event.
	ErrorType string
	// Direction says who invokes the operation.
	Direction Direction
	// Legacy marks the deprecated V1 names.
	Legacy bool

	newArgument func() any
	newResult   func() any
}

// IsEvent reports whether the operation has no RESULT: it is sent with invoke
// id 99999 and never answered.
func (o *Operation) IsEvent() bool {
	return o.ResultType == ""
}

// NewArgument returns a pointer to a new zero argument value (e.g.
// *AsnGetAndSubscribePresenceArgument).
func (o *Operation) NewArgument() any {
	return o.newArgument()
}

// NewResult returns a pointer to a new zero result value, or nil for an event.
func (o *Operation) NewResult() any {
	if o.newResult == nil {
		return nil
	}
	return o.newResult()
}

// invokeOperation builds a table entry for an operation with a result.
func invokeOperation[Argument, Result any](id OperationID, name, argumentType, resultType string, legacy bool) *Operation {
	return &Operation{
		ID: id, Name: name, ArgumentType: argumentType, ResultType: resultType,
		ErrorType: "AsnRequestError", Direction: ClientToServer, Legacy: legacy,
		newArgument: func() any { return new(Argument) },
		newResult:   func() any { return new(Result) },
	}
}

// eventOperation builds a table entry for an event (no result).
func eventOperation[Argument any](id OperationID, name, argumentType string, direction Direction, legacy bool) *Operation {
	return &Operation{
		ID: id, Name: name, ArgumentType: argumentType, Direction: direction, Legacy: legacy,
		newArgument: func() any { return new(Argument) },
	}
}

// operationTable holds every operation the codec knows. Ids and type names are
// read from the ASN.1 files; the legacy names from the SDK's asndoc pages.
var operationTable = []*Operation{
	// Presence V2 (ENetUC_PresenceV2.asn1).
	invokeOperation[AsnGetAndSubscribePresenceArgument, AsnGetAndSubscribePresenceV2Result](
		OperationGetAndSubscribePresenceV2, "asnGetAndSubscribePresenceV2",
		"AsnGetAndSubscribePresenceArgument", "AsnGetAndSubscribePresenceV2Result", false),
	invokeOperation[AsnUnsubscribePresenceArgument, AsnUnsubscribePresenceResult](
		OperationUnsubscribePresence, "asnUnsubscribePresence",
		"AsnUnsubscribePresenceArgument", "AsnUnsubscribePresenceResult", false),
	eventOperation[AsnUpdatePresenceV2Argument](
		OperationUpdatePresenceV2, "asnUpdatePresenceV2", "AsnUpdatePresenceV2Argument", ServerToClient, false),
	eventOperation[AsnRemovePresenceArgument](
		OperationRemovePresence, "asnRemovePresence", "AsnRemovePresenceArgument", ServerToClient, false),
	invokeOperation[AsnSetDynamicRightsArgument, AsnSetDynamicRightsResult](
		OperationSetDynamicRights, "asnSetDynamicRights",
		"AsnSetDynamicRightsArgument", "AsnSetDynamicRightsResult", false),
	invokeOperation[AsnRemoveDynamicRightsArgument, AsnRemoveDynamicRightsResult](
		OperationRemoveDynamicRights, "asnRemoveDynamicRights",
		"AsnRemoveDynamicRightsArgument", "AsnRemoveDynamicRightsResult", false),
	invokeOperation[AsnRequestLargeProfileImageArgument, AsnRequestLargeProfileImageResult](
		OperationRequestLargeProfileImage, "asnRequestLargeProfileImage",
		"AsnRequestLargeProfileImageArgument", "AsnRequestLargeProfileImageResult", false),
	invokeOperation[AsnRequestContactImageArgument, AsnRequestContactImageResult](
		OperationRequestContactImage, "asnRequestContactImage",
		"AsnRequestContactImageArgument", "AsnRequestContactImageResult", false),

	// Own state and note (ENetROSEInterface.asn1).
	invokeOperation[AsnSetUserAbsentStateArgument, AsnSetUserAbsentStateResult](
		OperationSetUserAbsentState, "asnSetUserAbsentState",
		"AsnSetUserAbsentStateArgument", "AsnSetUserAbsentStateResult", false),
	invokeOperation[AsnGetUserAbsentStateArgument, AsnGetUserAbsentStateResult](
		OperationGetUserAbsentState, "asnGetUserAbsentState",
		"AsnGetUserAbsentStateArgument", "AsnGetUserAbsentStateResult", false),
	invokeOperation[AsnResetUserAbsentStateArgument, AsnResetUserAbsentStateResult](
		OperationResetUserAbsentState, "asnResetUserAbsentState",
		"AsnResetUserAbsentStateArgument", "AsnResetUserAbsentStateResult", false),
	eventOperation[AsnUpdateMyAbsentStateV2Argument](
		OperationUpdateMyAbsentStateV2, "asnUpdateMyAbsentStateV2", "AsnUpdateMyAbsentStateV2Argument", ServerToClient, false),
	invokeOperation[AsnCustomNoteSetArgument, AsnCustomNoteSetResult](
		OperationCustomNoteSet, "asnCustomNoteSet", "AsnCustomNoteSetArgument", "AsnCustomNoteSetResult", false),
	eventOperation[AsnUpdateMyCustomNoteArgument](
		OperationUpdateMyCustomNote, "asnUpdateMyCustomNote", "AsnUpdateMyCustomNoteArgument", ServerToClient, false),
	eventOperation[AsnUpdateMyContactConfigurationV2Argument](
		OperationUpdateMyContactConfigurationV2, "asnUpdateMyContactConfigurationV2",
		"AsnUpdateMyContactConfigurationV2Argument", ServerToClient, false),
	eventOperation[AsnKeepAliveArgument](
		OperationKeepAlive, "asnKeepAlive", "AsnKeepAliveArgument", BothDirections, false),
	invokeOperation[AsnSubscribeServicesArgument, AsnSubscribeServicesResult](
		OperationSubscribeServices, "asnSubscribeServices",
		"AsnSubscribeServicesArgument", "AsnSubscribeServicesResult", false),

	// Transport (ENetUC_Transport.asn1).
	eventOperation[AsnTransportKeepAliveArgument](
		OperationTransportKeepAlive, "asnTransportKeepAlive", "AsnTransportKeepAliveArgument", BothDirections, false),
	invokeOperation[AsnStartTLSArgument, AsnStartTLSResult](
		OperationStartTLS, "asnStartTLS", "AsnStartTLSArgument", "AsnStartTLSResult", false),

	// Login (ENetUC_Auth.asn1).
	eventOperation[AsnLogoffArgument](
		OperationLogoff, "asnLogoff", "AsnLogoffArgument", ClientToServer, false),
	invokeOperation[AsnLoginV2Argument, AsnLoginV2Result](
		OperationLoginV2, "asnLoginV2", "AsnLoginV2Argument", "AsnLoginV2Result", false),
	invokeOperation[AsnNegotiateServerConnectionV2Argument, AsnNegotiateServerConnectionV2ResultChoice](
		OperationNegotiateServerConnectionV2, "asnNegotiateServerConnectionV2",
		"AsnNegotiateServerConnectionV2Argument", "AsnNegotiateServerConnectionV2ResultChoice", false),
	invokeOperation[AsnGetLoggedInContactArgument, AsnGetLoggedInContactV2Result](
		OperationGetLoggedInContactV2, "asnGetLoggedInContactV2",
		"AsnGetLoggedInContactArgument", "AsnGetLoggedInContactV2Result", false),
	invokeOperation[AsnGetUserTokenArgument, AsnGetUserTokenV2Result](
		OperationGetUserTokenV2, "asnGetUserTokenV2", "AsnGetUserTokenArgument", "AsnGetUserTokenV2Result", false),

	// Legacy V1 names without published ids (SDK asndoc): resolved by name only.
	invokeOperation[AsnGetAndSubscribePresenceArgument, AsnGetAndSubscribePresenceResult](
		0, "asnGetAndSubscribePresence", "AsnGetAndSubscribePresenceArgument", "AsnGetAndSubscribePresenceResult", true),
	eventOperation[AsnUpdatePresenceArgument](
		0, "asnUpdatePresence", "AsnUpdatePresenceArgument", ServerToClient, true),
	invokeOperation[AsnAbsentStateSetUserArgument, AsnAbsentStateSetUserResult](
		0, "asnAbsentStateSetUser", "AsnAbsentStateSetUserArgument", "AsnAbsentStateSetUserResult", true),
	invokeOperation[AsnAbsentStateSetUserV2Argument, AsnAbsentStateSetUserV2Result](
		0, "asnAbsentStateSetUserV2", "AsnAbsentStateSetUserV2Argument", "AsnAbsentStateSetUserV2Result", true),
	invokeOperation[AsnAbsentStateGetUserArgument, AsnAbsentStateGetUserResult](
		0, "asnAbsentStateGetUser", "AsnAbsentStateGetUserArgument", "AsnAbsentStateGetUserResult", true),
	invokeOperation[AsnAbsentStateGetUserV2Argument, AsnAbsentStateGetUserV2Result](
		0, "asnAbsentStateGetUserV2", "AsnAbsentStateGetUserV2Argument", "AsnAbsentStateGetUserV2Result", true),
	invokeOperation[AsnAbsentStateResetArgument, AsnAbsentStateResetResult](
		0, "asnAbsentStateReset", "AsnAbsentStateResetArgument", "AsnAbsentStateResetResult", true),
	eventOperation[AsnUpdateMyAbsentStateArgument](
		0, "asnUpdateMyAbsentState", "AsnUpdateMyAbsentStateArgument", ServerToClient, true),
	// The SDK's browser samples call asnGetLoggedInContact first to learn
	// their contact id (documentation/html/examples).
	invokeOperation[AsnGetLoggedInContactArgument, AsnGetLoggedInContactResult](
		0, "asnGetLoggedInContact", "AsnGetLoggedInContactArgument", "AsnGetLoggedInContactResult", true),
	// createsession?token= documents its token as coming from asnGetUserToken.
	invokeOperation[AsnGetUserTokenArgument, AsnGetUserTokenResult](
		0, "asnGetUserToken", "AsnGetUserTokenArgument", "AsnGetUserTokenResult", true),
	// Rights list and challenge (types_rights_settings.go).
	invokeOperation[AsnGetSettingsDynamicRightsArgument, AsnGetSettingsDynamicRightsResult](
		0, "asnGetSettingsDynamicRights", "AsnGetSettingsDynamicRightsArgument", "AsnGetSettingsDynamicRightsResult", true),
	eventOperation[AsnRequestMyPresenceRightsChallengeArgument](
		0, "asnRequestMyPresenceRightsChallenge", "AsnRequestMyPresenceRightsChallengeArgument", ClientToServer, true),
	eventOperation[AsnMyPresenceRightsChallengeArgument](
		0, "asnMyPresenceRightsChallenge", "AsnMyPresenceRightsChallengeArgument", ServerToClient, true),
}

// Lookup indexes, built once from operationTable; read-only afterwards.
var (
	operationsByID   = map[OperationID]*Operation{}
	operationsByName = map[string]*Operation{}
)

func init() {
	for _, operation := range operationTable {
		if _, duplicate := operationsByName[operation.Name]; duplicate {
			panic("BUG: duplicate operation name " + operation.Name)
		}
		operationsByName[operation.Name] = operation
		if operation.ID == 0 {
			continue
		}
		if _, duplicate := operationsByID[operation.ID]; duplicate {
			panic("BUG: duplicate operation id for " + operation.Name)
		}
		operationsByID[operation.ID] = operation
	}
	for _, operation := range operationTable {
		// Build the member schemas now so that decoding never builds them concurrently.
		schemaOf(reflect.TypeOf(operation.newArgument()).Elem())
		if result := operation.NewResult(); result != nil {
			schemaOf(reflect.TypeOf(result).Elem())
		}
	}
}

// OperationByID returns the operation with the given id.
func OperationByID(id OperationID) (*Operation, bool) {
	operation, ok := operationsByID[id]
	return operation, ok
}

// OperationByName returns the operation with the given (case-sensitive) name.
func OperationByName(name string) (*Operation, bool) {
	operation, ok := operationsByName[name]
	return operation, ok
}

// Operations returns every known operation, ordered by id (legacy names last,
// by name). The slice is new; the operations are shared and must not be changed.
func Operations() []*Operation {
	result := append([]*Operation(nil), operationTable...)
	sort.Slice(result, func(i, j int) bool {
		left, right := result[i], result[j]
		if (left.ID == 0) != (right.ID == 0) {
			return right.ID == 0
		}
		if left.ID != right.ID {
			return left.ID < right.ID
		}
		return left.Name < right.Name
	})
	return result
}

// resolveOperation finds the operation of an inbound invoke. A known non-zero id
// wins (the name is not checked against it, as the C++ runtime dispatches by id);
// an id of 0, a missing id or an unknown id falls back to the name.
func resolveOperation(id OperationID, name string) (*Operation, bool) {
	if id != 0 {
		if operation, ok := operationsByID[id]; ok {
			return operation, true
		}
	}
	if name == "" {
		return nil, false
	}
	return OperationByName(name)
}
