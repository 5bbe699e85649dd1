package protocol

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// updateGolden rewrites testdata/golden from the current encoders:
// go test ./protocol -run TestGolden -update
var updateGolden = flag.Bool("update", false, "rewrite the golden files")

// goldenMessages builds one message per event (and the answer forms). The
// files pin the exact bytes, so an encoder change shows up in review.
func goldenMessages(t *testing.T) map[string][]byte {
	full, small := benchmarkPresences()
	note := &AsnCustomNote{ContactID: "sip:alice@example.com", Username: "Alice", Note: "back at 3"}
	absentState := &AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: AbsentStateDoNotDisturb,
		PresenceState: Some[int64](PresenceStateDoNotDisturb), TimeFrom: Some(NewSystemTime(time.Date(2024, 9, 16, 8, 0, 0, 0, time.UTC))),
		TimeTo: Some(NewSystemTime(time.Date(2024, 9, 16, 9, 15, 30, 500_000_000, time.UTC)))}
	contact := AsnContactV2{ContactID: "sip:alice@example.com", PresenceState: PresenceStateAvailable,
		RemoteContact: AsnNetDatabaseContact{DisplayName: Some("Alice")},
		PhoneLines: List[AsnContactPhoneLineV2]{{Type: 1, LinePhoneNumber: "tel:+4981513681100", Number: "100", State: 1,
			Calls: List[AsnContactCallInformationV2]{}, LineForwards: List[AsnLineForward]{}, AddressNames: List[string]{"100"}}},
		AbsentState: AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: AbsentStateNotSet},
		CustomNote:  AsnCustomNote{ContactID: "sip:alice@example.com", Username: "Alice"}}
	legacyPresence := LegacyPresence(small, "Alice")
	messages := map[string][]byte{}
	add := func(name string, encoded []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		messages[name] = encoded
	}
	add("asnUpdatePresenceV2_full.json", AppendUpdatePresenceV2Event(nil, full, 0x3FF, true), nil)
	add("asnUpdatePresenceV2_small.json", AppendUpdatePresenceV2Event(nil, small, SubscriptionPresence|SubscriptionAbsentState, false), nil)
	add("asnRemovePresence.json", AppendRemovePresenceEvent(nil, "sip:bob@example.com", false), nil)
	add("asnUpdateMyAbsentStateV2.json", AppendUpdateMyAbsentStateV2Event(nil, absentState, false), nil)
	add("asnUpdateMyCustomNote.json", AppendUpdateMyCustomNoteEvent(nil, note, false), nil)
	encoded, err := AppendEvent(nil, mustOperation(t, OperationUpdateMyContactConfigurationV2),
		&AsnUpdateMyContactConfigurationV2Argument{ContactChanged: contact}, false)
	add("asnUpdateMyContactConfigurationV2.json", encoded, err)
	encoded, err = AppendEvent(nil, mustOperation(t, OperationTransportKeepAlive), &AsnTransportKeepAliveArgument{}, false)
	add("asnTransportKeepAlive.json", encoded, err)
	encoded, err = AppendEvent(nil, mustOperation(t, OperationKeepAlive), &AsnKeepAliveArgument{}, false)
	add("asnKeepAlive.json", encoded, err)
	encoded, err = AppendEvent(nil, mustOperation(t, OperationLogoff), &AsnLogoffArgument{}, false)
	add("asnLogoff.json", encoded, err)
	legacyUpdate, _ := OperationByName("asnUpdatePresence")
	encoded, err = AppendEvent(nil, legacyUpdate, &AsnUpdatePresenceArgument{Presence: legacyPresence, ChangedFlags: 17}, true)
	add("asnUpdatePresence_v1.json", encoded, err)
	legacyAbsent, _ := OperationByName("asnUpdateMyAbsentState")
	encoded, err = AppendEvent(nil, legacyAbsent, &AsnUpdateMyAbsentStateArgument{AbsentState: LegacyAbsentState(absentState, "Alice")}, false)
	add("asnUpdateMyAbsentState_v1.json", encoded, err)
	add("result_asnGetAndSubscribePresenceV2.json", AppendGetAndSubscribePresenceV2Result(nil, 2, []AsnPresenceV2{*small}, true), nil)
	encoded, err = AppendResult(nil, 3, mustOperation(t, OperationLoginV2),
		&AsnLoginV2Result{Succeeded: &AsnLoginV2ResultSuccess{LoggedInUser: Some("alice"), Token: &AsnLoginV2Token{JWT: Some("eyJ")}}}, false)
	add("result_asnLoginV2.json", encoded, err)
	add("error.json", AppendError(nil, 7, &AsnRequestError{ErrorDetail: DynamicRightsErrorPermissionDenied, ErrorString: "permission denied"}, false), nil)
	reject := RejectFor(8, ErrUnknownOperation)
	add("reject.json", AppendReject(nil, &reject, false), nil)
	return messages
}

// TestGolden compares every message with its file in testdata/golden.
func TestGolden(t *testing.T) {
	directory := filepath.Join("testdata", "golden")
	for name, encoded := range goldenMessages(t) {
		path := filepath.Join(directory, name)
		if *updateGolden {
			if err := os.MkdirAll(directory, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(encoded, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run with -update to create it)", name, err)
			continue
		}
		if !bytes.Equal(encoded, bytes.TrimSuffix(want, []byte("\n"))) {
			t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, encoded, want)
		}
		if _, err := DecodeMessage(encoded); err != nil {
			t.Errorf("%s does not decode: %v", name, err)
		}
	}
}

// TestReferenceExamples encodes the JSON examples of the wire reference (§4.13)
// and compares them with the reference text, ignoring member order.
func TestReferenceExamples(t *testing.T) {
	from := NewSystemTime(time.Date(2024, 9, 16, 8, 0, 0, 0, time.UTC))
	event := AppendUpdatePresenceV2Event(nil, &AsnPresenceV2{ContactID: "sip:alice@example.com", PresenceState: Some[int64](4),
		AbsentState: &AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: 3, PresenceState: Some[int64](4), TimeFrom: Some(from)}}, 17, false)
	assertCanonical(t, "update event", event, `{"invoke":{"invokeID":99999,"operationID":4504,"operationName":"asnUpdatePresenceV2",
 "argument":{"_type":"AsnUpdatePresenceV2Argument","iChangedFlags":17,
  "presence":{"u8sContactId":"sip:alice@example.com","iPresenceState":4,
   "asnAbsentState":{"u8sContactId":"sip:alice@example.com","eAbsentState":3,"iPresenceState":4,
    "stTimeFrom":"2024-09-16T08:00:00Z"}}}}}`)

	result := AppendGetAndSubscribePresenceV2Result(nil, 2, []AsnPresenceV2{{ContactID: "sip:alice@example.com", PresenceState: Some[int64](33554434),
		AbsentState: &AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: 4},
		CustomNote:  &AsnCustomNote{ContactID: "sip:alice@example.com", Username: "Alice", Note: "in a meeting"}}}, true)
	assertCanonical(t, "subscription result", result, `[{"result":{"invokeID":2,"result":{"resultValue":0,"result":{"_type":"AsnGetAndSubscribePresenceV2Result",
 "seqSubscribedPresence":[{"u8sContactId":"sip:alice@example.com","iPresenceState":33554434,
  "asnAbsentState":{"u8sContactId":"sip:alice@example.com","eAbsentState":4},
  "asnCustomNote":{"u8sContactID":"sip:alice@example.com","u8sUsername":"Alice","u8sNote":"in a meeting"}}]}}}}]`)

	assertCanonical(t, "error", AppendError(nil, 7, &AsnRequestError{ErrorDetail: 1, ErrorString: "permission denied"}, false),
		`{"error":{"invokedID":7,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":1,"u8sErrorString":"permission denied"}}}`)
	reject := RejectFor(8, ErrUnknownOperation)
	assertCanonical(t, "reject", AppendReject(nil, &reject, false),
		`{"reject":{"invokedID":{"invokedID":8},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}`)
	assertCanonical(t, "removal", AppendRemovePresenceEvent(nil, "sip:bob@example.com", false),
		`{"invoke":{"invokeID":99999,"operationID":4501,"operationName":"asnRemovePresence","argument":{"_type":"AsnRemovePresenceArgument","u8sContactID":"sip:bob@example.com"}}}`)

	invoke, err := AppendInvoke(nil, 5, mustOperation(t, OperationSetUserAbsentState),
		&AsnSetUserAbsentStateArgument{AbsentState: AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: 2}}, false)
	if err != nil {
		t.Fatal(err)
	}
	assertCanonical(t, "set absent state", invoke, `{"invoke":{"invokeID":5,"operationID":1128,"operationName":"asnSetUserAbsentState",
 "argument":{"_type":"AsnSetUserAbsentStateArgument","absentstate":{"u8sContactId":"sip:alice@example.com","eAbsentState":2}}}}`)
}

// assertCanonical compares two JSON texts ignoring member order and white space.
func assertCanonical(t *testing.T, name string, got []byte, want string) {
	t.Helper()
	if canonicalJSON(t, got) != canonicalJSON(t, []byte(want)) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}
