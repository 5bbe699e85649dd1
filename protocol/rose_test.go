package protocol

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeMessageInvokeForms covers the invoke forms clients send: plain and
// array-wrapped, id only, name only, id 0 with name, all envelope members.
func TestDecodeMessageInvokeForms(t *testing.T) {
	cases := []struct {
		name          string
		input         string
		wantWrapped   bool
		wantInvokeID  int64
		wantOperation string
		wantArgument  string
	}{
		{"id and name", `{"invoke":{"invokeID":2,"operationID":4505,"operationName":"asnGetAndSubscribePresenceV2","argument":{"seqContactIDs":["sip:a@b"]}}}`,
			false, 2, "asnGetAndSubscribePresenceV2", `{"seqContactIDs":["sip:a@b"]}`},
		{"array wrapped", ` [ {"invoke":{"invokeID":3,"operationID":4503,"argument":{"seqContactIDs":[]}}} ] `,
			true, 3, "asnUnsubscribePresence", `{"seqContactIDs":[]}`},
		{"id 0 resolves by name", `{"invoke":{"invokeID":4,"operationID":0,"operationName":"asnCustomNoteSet","argument":{}}}`,
			false, 4, "asnCustomNoteSet", `{}`},
		{"missing id resolves by name", `{"invoke":{"invokeID":5,"operationName":"asnSetDynamicRights","argument":{}}}`,
			false, 5, "asnSetDynamicRights", `{}`},
		{"legacy name without id", `[{"invoke":{"invokeID":6,"operationID":0,"operationName":"asnGetAndSubscribePresence","argument":{}}}]`,
			true, 6, "asnGetAndSubscribePresence", `{}`},
		{"known id wins over name", `{"invoke":{"invokeID":7,"operationID":1129,"operationName":"asnCustomNoteSet"}}`,
			false, 7, "asnGetUserAbsentState", ``},
		{"unknown id falls back to name", `{"invoke":{"invokeID":8,"operationID":4500,"operationName":"asnGetAndSubscribePresence"}}`,
			false, 8, "asnGetAndSubscribePresence", ``},
		{"event keepalive", `{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"dummy":null}}}`,
			false, 99999, "asnTransportKeepAlive", `{"dummy":null}`},
		{"null argument is absent", `{"invoke":{"invokeID":9,"operationID":1008,"argument":null}}`,
			false, 9, "asnGetLoggedInContactV2", ``},
		{"numeric strings (C++ atoll)", `{"invoke":{"invokeID":"10","operationID":"1008"}}`,
			false, 10, "asnGetLoggedInContactV2", ``},
		{"TS _type members ignored", `{"_type":"ROSEMessage","invoke":{"_type":"ROSEInvoke","invokeID":11,"operationID":1128,"argument":{"_type":"AsnSetUserAbsentStateArgument"}}}`,
			false, 11, "asnSetUserAbsentState", `{"_type":"AsnSetUserAbsentStateArgument"}`},
		{"byte order mark and other members null", "\xef\xbb\xbf{\"invoke\":{\"invokeID\":12,\"operationID\":100},\"result\":null}",
			false, 12, "asnKeepAlive", ``},
	}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			message := mustDecodeMessage(t, []byte(testCase.input))
			if message.Kind() != KindInvoke || message.Invoke == nil {
				t.Fatalf("kind %v", message.Kind())
			}
			invoke := message.Invoke
			if message.ArrayWrapped != testCase.wantWrapped {
				t.Errorf("ArrayWrapped = %v", message.ArrayWrapped)
			}
			if invoke.InvokeID != testCase.wantInvokeID {
				t.Errorf("InvokeID = %d", invoke.InvokeID)
			}
			if invoke.Operation.Name != testCase.wantOperation {
				t.Errorf("Operation = %s", invoke.Operation.Name)
			}
			if string(invoke.Argument) != testCase.wantArgument {
				t.Errorf("Argument = %q", invoke.Argument)
			}
			if invoke.IsEvent() != (testCase.wantInvokeID == EventInvokeID) {
				t.Errorf("IsEvent = %v", invoke.IsEvent())
			}
		})
	}
}

// TestDecodeMessageInvokeOptionalMembers checks sessionID, linked_ID and the
// per-invoke authentication.
func TestDecodeMessageInvokeOptionalMembers(t *testing.T) {
	message := mustDecodeMessage(t, []byte(`{"invoke":{"sessionID":"S1","invokeID":1,"linked_ID":0,
		"authentication":{"auth":{"method":"Basic","authdata":"dXNlcjpwYXNz"},"context":"c"},
		"operationID":1008,"argument":{}}}`))
	invoke := message.Invoke
	if invoke.SessionID != Some("S1") || invoke.LinkedID != Some[int64](0) {
		t.Errorf("sessionID %+v linked %+v", invoke.SessionID, invoke.LinkedID)
	}
	if invoke.Authentication == nil || invoke.Authentication.Auth.Method != "Basic" ||
		string(invoke.Authentication.Auth.AuthData) != "user:pass" || invoke.Authentication.Context != Some("c") {
		t.Errorf("authentication %+v", invoke.Authentication)
	}
	plain := mustDecodeMessage(t, []byte(`{"invoke":{"invokeID":1,"operationID":1008}}`)).Invoke
	if plain.SessionID.Present || plain.LinkedID.Present || plain.Authentication != nil || plain.Argument != nil {
		t.Errorf("absent members decoded as present: %+v", plain)
	}
}

// TestDecodeMessageRejectable checks the invokes that decode far enough to be
// answered with a reject, and the reject they map to.
func TestDecodeMessageRejectable(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		wantErr     error
		wantID      int64
		wantCode    int64
		wantWrapped bool
		wantSend    bool
	}{
		{"unknown id", `{"invoke":{"invokeID":8,"operationID":4242}}`, ErrUnknownOperation, 8, 1, false, true},
		{"unknown name", `[{"invoke":{"invokeID":9,"operationID":0,"operationName":"asnNoSuchThing"}}]`, ErrUnknownOperation, 9, 1, true, true},
		{"no id and no name", `{"invoke":{"invokeID":10}}`, ErrUnknownOperation, 10, 1, false, true},
		{"name is case-sensitive", `{"invoke":{"invokeID":11,"operationName":"ASNKEEPALIVE"}}`, ErrUnknownOperation, 11, 1, false, true},
		{"unknown event is not answered", `{"invoke":{"invokeID":99999,"operationID":4242}}`, ErrUnknownOperation, 99999, 1, false, false},
		{"mistyped operationName", `{"invoke":{"invokeID":12,"operationName":17}}`, ErrMistypedEnvelope, 12, 2, false, true},
		{"mistyped operationID", `{"invoke":{"invokeID":13,"operationID":"x"}}`, ErrMistypedEnvelope, 13, 2, false, true},
		{"mistyped sessionID", `{"invoke":{"invokeID":14,"operationID":100,"sessionID":5}}`, ErrMistypedEnvelope, 14, 2, false, true},
		{"mistyped authentication", `{"invoke":{"invokeID":15,"operationID":100,"authentication":{"auth":{"method":"Basic","authdata":"%%%"}}}}`, ErrMistypedEnvelope, 15, 2, false, true},
	}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			message, err := DecodeMessage([]byte(testCase.input))
			if message != nil {
				t.Fatalf("want no message, got %+v", message)
			}
			var rejectError *RejectError
			if !errors.As(err, &rejectError) {
				t.Fatalf("want *RejectError, got %v", err)
			}
			if !errors.Is(err, testCase.wantErr) {
				t.Errorf("error %v, want %v", err, testCase.wantErr)
			}
			reject := rejectError.Reject
			if reject.InvokedID != testCase.wantID || reject.Problem == nil || reject.Problem.Kind != InvokeProblem || reject.Problem.Code != testCase.wantCode {
				t.Errorf("reject %+v problem %+v", reject, reject.Problem)
			}
			if rejectError.ArrayWrapped != testCase.wantWrapped || rejectError.ShouldSend() != testCase.wantSend {
				t.Errorf("wrapped %v send %v", rejectError.ArrayWrapped, rejectError.ShouldSend())
			}
		})
	}
}

// TestDecodeMessageUnanswerable checks input that cannot be answered.
func TestDecodeMessageUnanswerable(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		wantErr error
	}{
		{"empty", ``, ErrMalformedMessage},
		{"white space", " \n\t", ErrMalformedMessage},
		{"bad JSON", `{"invoke":{"invokeID":1,`, ErrMalformedMessage},
		{"trailing garbage", `{"invoke":{"invokeID":1,"operationID":100}} x`, ErrMalformedMessage},
		{"not an object", `42`, ErrMalformedMessage},
		{"string", `"invoke"`, ErrMalformedMessage},
		{"empty array", `[]`, ErrMalformedMessage},
		{"two-element array", `[{"invoke":{"invokeID":1,"operationID":100}},{"invoke":{"invokeID":2,"operationID":100}}]`, ErrMalformedMessage},
		{"array of number", `[1]`, ErrMalformedMessage},
		{"nested array", `[[{"invoke":{"invokeID":1,"operationID":100}}]]`, ErrMalformedMessage},
		{"empty object", `{}`, ErrMalformedMessage},
		{"unknown member only", `{"notify":{}}`, ErrMalformedMessage},
		{"two alternatives", `{"invoke":{"invokeID":1,"operationID":100},"result":{"invokeID":1}}`, ErrMalformedMessage},
		{"invoke null", `{"invoke":null}`, ErrMalformedMessage},
		{"invoke not an object", `{"invoke":[1]}`, ErrMalformedMessage},
		{"invoke without invokeID", `{"invoke":{"operationID":100}}`, ErrMissingMember},
		{"invokeID null", `{"invoke":{"invokeID":null,"operationID":100}}`, ErrMissingMember},
		{"invokeID fraction", `{"invoke":{"invokeID":1.5,"operationID":100}}`, ErrMalformedMessage},
		{"invokeID object", `{"invoke":{"invokeID":{},"operationID":100}}`, ErrMalformedMessage},
		{"result without invokeID", `{"result":{"result":{"resultValue":0,"result":{}}}}`, ErrMissingMember},
		{"error without invokedID", `{"error":{"error_value":0}}`, ErrMissingMember},
		{"error without error_value", `{"error":{"invokedID":1}}`, ErrMissingMember},
		{"reject without invokedID", `{"reject":{"reject":{"invokeProblem":1}}}`, ErrMissingMember},
		{"reject with both invokedID choices", `{"reject":{"invokedID":{"invokedID":1,"invokednull":null}}}`, ErrMalformedMessage},
		{"reject with unknown problem", `{"reject":{"invokedID":{"invokedID":1},"reject":{"someProblem":1}}}`, ErrMalformedMessage},
	}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			message, err := DecodeMessage([]byte(testCase.input))
			if err == nil {
				t.Fatalf("want an error, got %+v", message)
			}
			if !errors.Is(err, testCase.wantErr) {
				t.Errorf("error %v, want %v", err, testCase.wantErr)
			}
			var rejectError *RejectError
			if errors.As(err, &rejectError) {
				t.Errorf("unanswerable input produced a reject: %v", err)
			}
		})
	}
}

// TestDecodeMessageResultErrorReject covers the three answer alternatives.
func TestDecodeMessageResultErrorReject(t *testing.T) {
	result := mustDecodeMessage(t, []byte(`[{"result":{"invokeID":2,"result":{"resultValue":0,"result":{"_type":"X","iResult":0}}}}]`))
	if result.Kind() != KindResult || !result.ArrayWrapped || result.Result.InvokeID != 2 || !result.Result.HasValue ||
		string(result.Result.Value) != `{"_type":"X","iResult":0}` {
		t.Errorf("result %+v", result.Result)
	}
	bare := mustDecodeMessage(t, []byte(`{"result":{"invokeID":3}}`))
	if bare.Result.HasValue || bare.Result.Value != nil {
		t.Errorf("result without value %+v", bare.Result)
	}

	errorMessage := mustDecodeMessage(t, []byte(`{"error":{"invokedID":7,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":1,"u8sErrorString":"permission denied"}}}`))
	var requestError AsnRequestError
	if errorMessage.Kind() != KindError || errorMessage.Error.InvokedID != 7 ||
		DecodeValue(errorMessage.Error.Value, &requestError) != nil || requestError.ErrorDetail != 1 {
		t.Errorf("error %+v %+v", errorMessage.Error, requestError)
	}

	reject := mustDecodeMessage(t, []byte(`{"reject":{"invokedID":{"invokedID":8},"reject":{"invokeProblem":1},"details":"unrecognisedOperation"}}`))
	if reject.Kind() != KindReject || reject.Reject.InvokedID != 8 || reject.Reject.InvokedNull ||
		*reject.Reject.Problem != (RejectProblem{Kind: InvokeProblem, Code: 1}) || reject.Reject.Details != Some("unrecognisedOperation") {
		t.Errorf("reject %+v", reject.Reject)
	}
	null := mustDecodeMessage(t, []byte(`{"reject":{"invokedID":{"invokednull":0},"reject":{"generalProblem":2},
		"authentication":{"authList":[{"method":"NTLM","authdata":"AAE="}],"context":"ctx"}}}`))
	if !null.Reject.InvokedNull || null.Reject.Problem.Kind != GeneralProblem || null.Reject.Problem.Code != 2 ||
		null.Reject.Authentication == nil || string(null.Reject.Authentication.AuthList[0].AuthData) != "\x00\x01" {
		t.Errorf("reject with invokednull %+v", null.Reject)
	}
	bareNumber := mustDecodeMessage(t, []byte(`{"reject":{"invokedID":9}}`))
	if bareNumber.Reject.InvokedID != 9 || bareNumber.Reject.Problem != nil {
		t.Errorf("bare invokedID %+v", bareNumber.Reject)
	}
}

// TestRejectFor checks the mapping of errors to problem codes and details.
func TestRejectFor(t *testing.T) {
	cases := []struct {
		err         error
		wantCode    int64
		wantDetails string
	}{
		{ErrUnknownOperation, 1, "unrecognisedOperation"},
		{ErrArgumentMissing, 2, "argumentMissing"},
		{ErrFunctionMissing, 3, "functionMissing"},
		{ErrResponseTooBig, 3, "responseIsTooBig"},
		{ErrInvalidSessionID, 8, "invalidSessionID"},
		{ErrAuthenticationIncomplete, 9, "authenticationIncomplete"},
		{ErrAuthenticationFailed, 10, "authenticationFailed"},
		{ErrServerBusy, 10, "serverBusy"},
		{errors.New("boom"), 1, "otherError: boom"},
	}
	for _, testCase := range cases {
		reject := RejectFor(5, testCase.err)
		if reject.Problem.Code != testCase.wantCode || reject.Details.Value != testCase.wantDetails || reject.InvokedNull {
			t.Errorf("%v: got code %d details %q", testCase.err, reject.Problem.Code, reject.Details.Value)
		}
	}
	_, err := DecodeArgument(mustOperation(t, OperationSetDynamicRights), []byte(`{"u8sOwnerContactID":1}`))
	reject := RejectFor(6, err)
	if reject.Problem.Code != ProblemMistypedArgument || !strings.Contains(reject.Details.Value, "AsnSetDynamicRightsArgument") {
		t.Errorf("mistyped argument: %+v %q", reject.Problem, reject.Details.Value)
	}
	if zero := RejectFor(0, ErrUnknownOperation); !zero.InvokedNull {
		t.Errorf("invoke id 0 must use invokednull")
	}
}

// mustOperation looks an operation up by id or fails the test.
func mustOperation(t testing.TB, id OperationID) *Operation {
	t.Helper()
	operation, ok := OperationByID(id)
	if !ok {
		t.Fatalf("no operation %d", id)
	}
	return operation
}

// BenchmarkDecodeMessage measures the inbound path: envelope plus argument of a
// keepalive (the most frequent client message) and of a subscription.
func BenchmarkDecodeMessage(b *testing.B) {
	inputs := map[string][]byte{
		"keepalive": []byte(`{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"dummy":null}}}`),
		"subscribe": []byte(`[{"invoke":{"invokeID":2,"operationID":4505,"operationName":"asnGetAndSubscribePresenceV2","argument":{"seqContactIDs":["sip:alice@example.com","sip:bob@example.com","sip:carol@example.com"],"iEventFlagsToSubscribe":1023}}}]`),
	}
	for name, input := range inputs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				message, err := DecodeMessage(input)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := DecodeArgument(message.Invoke.Operation, message.Invoke.Argument); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
