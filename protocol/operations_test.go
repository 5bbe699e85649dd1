package protocol

import (
	"reflect"
	"testing"
)

// TestOperationTable checks the ids and names the brief and the reference
// require, both lookups, and the event flag.
func TestOperationTable(t *testing.T) {
	want := []struct {
		id    OperationID
		name  string
		event bool
	}{
		{4505, "asnGetAndSubscribePresenceV2", false},
		{4503, "asnUnsubscribePresence", false},
		{4504, "asnUpdatePresenceV2", true},
		{4501, "asnRemovePresence", true},
		{4510, "asnSetDynamicRights", false},
		{4511, "asnRemoveDynamicRights", false},
		{1601, "asnRequestLargeProfileImage", false},
		{1602, "asnRequestContactImage", false},
		{1128, "asnSetUserAbsentState", false},
		{1129, "asnGetUserAbsentState", false},
		{1130, "asnResetUserAbsentState", false},
		{1313, "asnUpdateMyAbsentStateV2", true},
		{1510, "asnCustomNoteSet", false},
		{1511, "asnUpdateMyCustomNote", true},
		{1706, "asnTransportKeepAlive", true},
		{100, "asnKeepAlive", true},
		{1001, "asnLogoff", true},
		{1005, "asnLoginV2", false},
		{1006, "asnNegotiateServerConnectionV2", false},
		{1007, "asnGetUserTokenV2", false},
		{1008, "asnGetLoggedInContactV2", false},
		{1309, "asnUpdateMyContactConfigurationV2", true},
		{703, "asnSubscribeServices", false},
		{1103, "asnStartTLS", false},
	}
	for _, expected := range want {
		byID, ok := OperationByID(expected.id)
		if !ok || byID.Name != expected.name || byID.IsEvent() != expected.event || byID.Legacy {
			t.Errorf("OperationByID(%d) = %+v, %v", expected.id, byID, ok)
			continue
		}
		if byName, ok := OperationByName(expected.name); !ok || byName != byID {
			t.Errorf("OperationByName(%s) differs", expected.name)
		}
	}
	for _, legacy := range []string{"asnGetAndSubscribePresence", "asnUpdatePresence", "asnAbsentStateSetUser",
		"asnAbsentStateSetUserV2", "asnAbsentStateGetUser", "asnAbsentStateGetUserV2", "asnAbsentStateReset", "asnUpdateMyAbsentState",
		"asnGetLoggedInContact", "asnGetUserToken",
		"asnGetSettingsDynamicRights", "asnRequestMyPresenceRightsChallenge", "asnMyPresenceRightsChallenge"} {
		operation, ok := OperationByName(legacy)
		if !ok || operation.ID != 0 || !operation.Legacy {
			t.Errorf("legacy %s: %+v %v", legacy, operation, ok)
		}
	}
	if _, ok := OperationByID(0); ok {
		t.Errorf("id 0 must not resolve")
	}
	if len(Operations()) != len(want)+13 {
		t.Errorf("Operations() has %d entries, want %d", len(Operations()), len(want)+13)
	}
}

// TestOperationTypesMatchTable checks that NewArgument/NewResult return the Go
// types named by ArgumentType/ResultType (Go type names are the ASN.1 names).
func TestOperationTypesMatchTable(t *testing.T) {
	for _, operation := range Operations() {
		if got := reflect.TypeOf(operation.NewArgument()).Elem().Name(); got != operation.ArgumentType {
			t.Errorf("%s: argument type %s, table says %s", operation.Name, got, operation.ArgumentType)
		}
		result := operation.NewResult()
		if operation.IsEvent() {
			if result != nil || operation.ErrorType != "" {
				t.Errorf("%s: event with result or error type", operation.Name)
			}
			continue
		}
		if got := reflect.TypeOf(result).Elem().Name(); got != operation.ResultType {
			t.Errorf("%s: result type %s, table says %s", operation.Name, got, operation.ResultType)
		}
		if operation.ErrorType != "AsnRequestError" {
			t.Errorf("%s: error type %q", operation.Name, operation.ErrorType)
		}
	}
}

// TestOperationsOrder checks the documented order: by id, legacy names last.
func TestOperationsOrder(t *testing.T) {
	operations := Operations()
	for index := 1; index < len(operations); index++ {
		previous, current := operations[index-1], operations[index]
		if previous.ID == 0 && current.ID != 0 {
			t.Fatalf("legacy %s before %s", previous.Name, current.Name)
		}
		if current.ID != 0 && previous.ID >= current.ID {
			t.Fatalf("%s (%d) before %s (%d)", previous.Name, previous.ID, current.Name, current.ID)
		}
	}
	operations[0] = nil
	if Operations()[0] == nil {
		t.Fatalf("Operations must return a copy")
	}
}
