package protocol

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; the f.Add seeds below cover
// the forms of the reference.

// FuzzDecodeEnvelope checks that DecodeMessage never panics, that every
// accepted message survives a re-encoding with the package's encoders, and that
// every reject it asks for encodes and decodes.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, seed := range []string{
		`{"invoke":{"invokeID":2,"operationID":4505,"operationName":"asnGetAndSubscribePresenceV2","argument":{"seqContactIDs":["sip:a@b"]}}}`,
		`[{"invoke":{"invokeID":3,"operationID":0,"operationName":"asnCustomNoteSet","argument":{"customnote":{"u8sContactID":"a","u8sUsername":"b","u8sNote":"c"}}}}]`,
		`{"invoke":{"invokeID":99999,"operationID":1706,"argument":{"dummy":null}}}`,
		`{"invoke":{"invokeID":"7","operationID":4242}}`,
		`{"result":{"invokeID":2,"result":{"resultValue":0,"result":{}}}}`,
		`{"error":{"invokedID":7,"error_value":0,"error":{"iErrorDetail":1,"u8sErrorString":"x"}}}`,
		`{"reject":{"invokedID":{"invokednull":null},"reject":{"generalProblem":2},"details":"d","authentication":{"authList":[]}}}`,
		`[]`, `{}`, `null`, `[{"invoke":{}}]`,
	} {
		f.Add([]byte(seed))
	}
	getLoggedInContact, _ := OperationByID(OperationGetLoggedInContactV2)
	f.Fuzz(func(t *testing.T, data []byte) {
		message, err := DecodeMessage(data)
		if err != nil {
			var rejectError *RejectError
			if errors.As(err, &rejectError) {
				encoded := AppendReject(nil, &rejectError.Reject, rejectError.ArrayWrapped)
				decoded, decodeErr := DecodeMessage(encoded)
				if decodeErr != nil || decoded.Reject.InvokedID != rejectError.Reject.InvokedID {
					t.Fatalf("reject %s does not decode back: %v", encoded, decodeErr)
				}
			} else if !errors.Is(err, ErrMalformedMessage) && !errors.Is(err, ErrMissingMember) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if countTrue(message.Invoke != nil, message.Result != nil, message.Error != nil, message.Reject != nil) != 1 {
			t.Fatalf("not exactly one alternative: %+v", message)
		}
		var encoded []byte
		switch message.Kind() {
		case KindInvoke:
			if message.Invoke.Operation == nil {
				t.Fatalf("invoke without operation")
			}
			var argument any
			if message.Invoke.Argument != nil {
				argument = message.Invoke.Argument
			}
			encoded, err = AppendInvoke(nil, message.Invoke.InvokeID, message.Invoke.Operation, argument, message.ArrayWrapped)
		case KindResult:
			var value any
			if message.Result.Value != nil {
				value = message.Result.Value
			}
			encoded, err = AppendResult(nil, message.Result.InvokeID, getLoggedInContact, value, message.ArrayWrapped)
		case KindError:
			encoded = AppendError(nil, message.Error.InvokedID, &AsnRequestError{}, message.ArrayWrapped)
		case KindReject:
			encoded = AppendReject(nil, message.Reject, message.ArrayWrapped)
		}
		if err != nil {
			t.Fatalf("re-encoding failed: %v", err)
		}
		again, err := DecodeMessage(encoded)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%s", err, encoded)
		}
		if again.Kind() != message.Kind() || again.ArrayWrapped != message.ArrayWrapped {
			t.Fatalf("kind or form changed: %s", encoded)
		}
		switch message.Kind() {
		case KindInvoke:
			if again.Invoke.InvokeID != message.Invoke.InvokeID || again.Invoke.Operation != message.Invoke.Operation {
				t.Fatalf("invoke changed: %+v -> %+v", message.Invoke, again.Invoke)
			}
		case KindResult:
			if again.Result.InvokeID != message.Result.InvokeID {
				t.Fatalf("result changed")
			}
		case KindError:
			if again.Error.InvokedID != message.Error.InvokedID {
				t.Fatalf("error changed")
			}
		case KindReject:
			if !reflect.DeepEqual(again.Reject, message.Reject) {
				t.Fatalf("reject changed: %+v -> %+v", message.Reject, again.Reject)
			}
		}
	})
}

// FuzzReadFrame checks that ReadFrame never panics, never returns more than
// max bytes, and that an accepted frame is exactly what AppendFrame writes.
func FuzzReadFrame(f *testing.F) {
	for _, seed := range []string{"J0000002{}", "J0000000", "J0000003{}\nJ0000002[]", "\xa1\x03\x02\x01\x01", "J12", "J99999999", "{}"} {
		f.Add([]byte(seed))
	}
	const limit = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte) {
		reader := bufio.NewReader(bytes.NewReader(data))
		consumed := 0
		for {
			payload, err := ReadFrame(reader, limit)
			if err != nil {
				if errors.Is(err, ErrBERFrame) && (data[consumed] < 0xA1 || data[consumed] > 0xA4) {
					t.Fatalf("ErrBERFrame for first byte 0x%02x", data[consumed])
				}
				return
			}
			if len(payload) > limit {
				t.Fatalf("payload of %d bytes over the limit %d", len(payload), limit)
			}
			frame, err := AppendFrame(nil, payload)
			if err != nil || !bytes.Equal(frame, data[consumed:consumed+len(frame)]) {
				t.Fatalf("frame %q is not the input %q", frame, data[consumed:])
			}
			consumed += len(frame)
		}
	})
}

// FuzzDecodeArgument fuzzes the argument decoding of asnGetAndSubscribePresenceV2
// (setDynamicRights false) and asnSetDynamicRights (true): no panic, and an
// accepted argument encodes to JSON that decodes again to the same encoding.
func FuzzDecodeArgument(f *testing.F) {
	for _, seed := range []struct {
		setDynamicRights bool
		argument         string
	}{
		{false, `{"seqContactIDs":["sip:a@b"],"iEventFlagsToSubscribe":1023}`},
		{false, `{"_type":"AsnGetAndSubscribePresenceArgument","seqContactIDs":[],"bDontRequestPermissions":true}`},
		{true, `{"u8sOwnerContactID":"a","u8sRemoteContactID":"b","iDynamicRights":262144}`},
		{true, `{"u8sOwnerContactID":"a","u8sRemoteContactID":"b","iDynamicRights":0,"dynamicRights":{"u8sObjectID":"b","iPresenceRights":1,"iPhoneControlRightsPrimary":0,"iPhoneControlRightsSecondary":0}}`},
	} {
		f.Add(seed.setDynamicRights, []byte(seed.argument))
	}
	subscribe, _ := OperationByID(OperationGetAndSubscribePresenceV2)
	setRights, _ := OperationByID(OperationSetDynamicRights)
	f.Fuzz(func(t *testing.T, setDynamicRights bool, data []byte) {
		operation := subscribe
		if setDynamicRights {
			operation = setRights
		}
		argument, err := DecodeArgument(operation, data)
		if err != nil {
			if !errors.Is(err, ErrMistypedArgument) && !errors.Is(err, ErrArgumentMissing) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		encoded, err := json.Marshal(argument)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := DecodeArgument(operation, encoded)
		if err != nil {
			t.Fatalf("re-encoded argument does not decode: %v\n%s", err, encoded)
		}
		reencoded, _ := json.Marshal(again)
		if !bytes.Equal(encoded, reencoded) {
			t.Fatalf("encoding not stable:\n%s\n%s", encoded, reencoded)
		}
	})
}
