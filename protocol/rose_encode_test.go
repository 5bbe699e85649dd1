package protocol

import (
	"encoding/json"
	"testing"
)

// TestAppendEnvelopes checks the exact bytes of each envelope form.
func TestAppendEnvelopes(t *testing.T) {
	getAndSubscribe := mustOperation(t, OperationGetAndSubscribePresenceV2)
	unsubscribe := mustOperation(t, OperationUnsubscribePresence)
	legacyUpdate, _ := OperationByName("asnUpdatePresence")

	invoke, err := AppendInvoke(nil, 2, getAndSubscribe,
		&AsnGetAndSubscribePresenceArgument{ContactIDs: List[string]{"sip:alice@example.com"}, EventFlagsToSubscribe: Some[int64](1023)}, false)
	assertJSON(t, "invoke", invoke, err,
		`{"invoke":{"invokeID":2,"operationID":4505,"operationName":"asnGetAndSubscribePresenceV2","argument":{"_type":"AsnGetAndSubscribePresenceArgument","seqContactIDs":["sip:alice@example.com"],"iEventFlagsToSubscribe":1023}}}`)

	event, err := AppendEvent([]byte("prefix:"), mustOperation(t, OperationLogoff), nil, true)
	assertJSON(t, "empty event wrapped", event, err,
		`prefix:[{"invoke":{"invokeID":99999,"operationID":1001,"operationName":"asnLogoff","argument":{"_type":"AsnLogoffArgument"}}}]`)

	legacy, err := AppendEvent(nil, legacyUpdate, &AsnUpdatePresenceArgument{Presence: AsnPresence{ContactID: "x"}, ChangedFlags: 1}, false)
	assertJSON(t, "legacy event", legacy, err,
		`{"invoke":{"invokeID":99999,"operationID":0,"operationName":"asnUpdatePresence","argument":{"_type":"AsnUpdatePresenceArgument","presence":{"u8sContactId":"x"},"iChangedFlags":1}}}`)

	raw, err := AppendEvent(nil, mustOperation(t, OperationTransportKeepAlive), json.RawMessage(` {"dummy":null} `), false)
	assertJSON(t, "raw argument", raw, err,
		`{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"_type":"AsnTransportKeepAliveArgument","dummy":null}}}`)
	if _, err := AppendEvent(nil, mustOperation(t, OperationTransportKeepAlive), json.RawMessage(`{`), false); err == nil {
		t.Errorf("invalid raw JSON must fail")
	}

	result, err := AppendResult(nil, 3, unsubscribe, &AsnUnsubscribePresenceResult{}, true)
	assertJSON(t, "result", result, err,
		`[{"result":{"invokeID":3,"result":{"resultValue":0,"result":{"_type":"AsnUnsubscribePresenceResult","iResult":0}}}}]`)

	emptyResult, err := AppendResult(nil, 4, mustOperation(t, OperationResetUserAbsentState), &AsnResetUserAbsentStateResult{}, false)
	assertJSON(t, "empty result", emptyResult, err,
		`{"result":{"invokeID":4,"result":{"resultValue":0,"result":{"_type":"AsnResetUserAbsentStateResult"}}}}`)

	errorBytes := AppendError(nil, 7, &AsnRequestError{ErrorDetail: 1, ErrorString: `permission "denied"`}, false)
	assertJSON(t, "error", errorBytes, nil,
		`{"error":{"invokedID":7,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":1,"u8sErrorString":"permission \"denied\""}}}`)

	reject := RejectFor(8, ErrUnknownOperation)
	assertJSON(t, "reject", AppendReject(nil, &reject, false), nil,
		`{"reject":{"invokedID":{"invokedID":8},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}`)
	nullReject := Reject{InvokedNull: true, SessionID: Some("s"), Problem: &RejectProblem{Kind: GeneralProblem, Code: 2},
		Authentication: &ROSEAuthResult{AuthList: List[ROSEAuth]{{Method: "NTLM", AuthData: OctetString{0, 1}}}, Context: Some("c")}}
	assertJSON(t, "reject invokednull", AppendReject(nil, &nullReject, true), nil,
		`[{"reject":{"sessionID":"s","invokedID":{"invokednull":null},"reject":{"generalProblem":2},"authentication":{"authList":[{"method":"NTLM","authdata":"AAE="}],"context":"c"}}}]`)
	bareReject := Reject{InvokedID: 9}
	assertJSON(t, "bare reject", AppendReject(nil, &bareReject, false), nil, `{"reject":{"invokedID":{"invokedID":9}}}`)
}

// assertJSON checks the bytes, and that they are valid JSON (after any prefix).
func assertJSON(t *testing.T, name string, got []byte, err error, want string) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if string(got) != want {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

// TestEncodedEnvelopesDecode feeds every encoder's output back to DecodeMessage.
func TestEncodedEnvelopesDecode(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		invoke, _ := AppendInvoke(nil, 12, mustOperation(t, OperationCustomNoteSet),
			&AsnCustomNoteSetArgument{CustomNote: AsnCustomNote{ContactID: "c", Username: "u", Note: "n"}}, wrapped)
		message := mustDecodeMessage(t, invoke)
		if message.ArrayWrapped != wrapped || message.Invoke.InvokeID != 12 || message.Invoke.Operation.ID != OperationCustomNoteSet {
			t.Errorf("invoke round trip: %+v", message.Invoke)
		}
		argument, err := DecodeArgument(message.Invoke.Operation, message.Invoke.Argument)
		if err != nil || argument.(*AsnCustomNoteSetArgument).CustomNote.Note != "n" {
			t.Errorf("argument round trip: %v %+v", err, argument)
		}

		result, _ := AppendResult(nil, 13, mustOperation(t, OperationSetUserAbsentState), &AsnSetUserAbsentStateResult{Success: true}, wrapped)
		message = mustDecodeMessage(t, result)
		if message.ArrayWrapped != wrapped || message.Result.InvokeID != 13 || string(message.Result.Value) != `{"_type":"AsnSetUserAbsentStateResult","bSuccess":true}` {
			t.Errorf("result round trip: %+v", message.Result)
		}

		errorMessage := mustDecodeMessage(t, AppendError(nil, 14, &AsnRequestError{ErrorDetail: 3, ErrorString: "x"}, wrapped))
		if errorMessage.Error.InvokedID != 14 || errorMessage.Error.ErrorValue != 0 {
			t.Errorf("error round trip: %+v", errorMessage.Error)
		}

		reject := RejectFor(15, ErrAuthenticationFailed)
		rejectMessage := mustDecodeMessage(t, AppendReject(nil, &reject, wrapped))
		if rejectMessage.Reject.InvokedID != 15 || rejectMessage.Reject.Problem.Code != 10 || rejectMessage.Reject.Details.Value != "authenticationFailed" {
			t.Errorf("reject round trip: %+v", rejectMessage.Reject)
		}
	}
}

// TestRejectErrorAnswersInSameForm checks that a reject produced by the decoder
// goes back in the form the client used.
func TestRejectErrorAnswersInSameForm(t *testing.T) {
	_, err := DecodeMessage([]byte(`[{"invoke":{"invokeID":21,"operationName":"asnNope"}}]`))
	rejectError, ok := err.(*RejectError)
	if !ok {
		t.Fatalf("want *RejectError, got %v", err)
	}
	got := AppendReject(nil, &rejectError.Reject, rejectError.ArrayWrapped)
	want := `[{"reject":{"invokedID":{"invokedID":21},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}]`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// TestAppendInvokeNilPointerArgument checks that a nil pointer argument is an
// empty SEQUENCE, not null.
func TestAppendInvokeNilPointerArgument(t *testing.T) {
	encoded, err := AppendEvent(nil, mustOperation(t, OperationLogoff), (*AsnLogoffArgument)(nil), false)
	assertJSON(t, "nil pointer", encoded, err,
		`{"invoke":{"invokeID":99999,"operationID":1001,"operationName":"asnLogoff","argument":{"_type":"AsnLogoffArgument"}}}`)
}
