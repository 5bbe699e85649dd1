package protocol

import (
	"errors"
	"testing"
)

// TestDecodeArgument covers the argument rules: mandatory members at every
// depth, exact case, null, missing argument, _type and unknown members.
func TestDecodeArgument(t *testing.T) {
	cases := []struct {
		name      string
		operation OperationID
		input     string
		wantErr   error
	}{
		{"minimal subscribe", OperationGetAndSubscribePresenceV2, `{"seqContactIDs":["sip:a@b"]}`, nil},
		{"subscribe with all options and _type", OperationGetAndSubscribePresenceV2,
			`{"_type":"AsnGetAndSubscribePresenceArgument","seqContactIDs":[],"iEventFlagsToSubscribe":0,"iContactDetailsReturnFilter":65535,"bOpenOnlyInternalContacts":true,"bDontRequestPermissions":false,"unknown":1}`, nil},
		{"subscribe without contact list", OperationGetAndSubscribePresenceV2, `{"iEventFlagsToSubscribe":1}`, ErrMistypedArgument},
		{"subscribe with null contact list", OperationGetAndSubscribePresenceV2, `{"seqContactIDs":null}`, ErrMistypedArgument},
		{"subscribe with number in list", OperationGetAndSubscribePresenceV2, `{"seqContactIDs":[1]}`, ErrMistypedArgument},
		{"subscribe with string flags", OperationGetAndSubscribePresenceV2, `{"seqContactIDs":[],"iEventFlagsToSubscribe":"1"}`, ErrMistypedArgument},
		{"subscribe as array", OperationGetAndSubscribePresenceV2, `[]`, ErrMistypedArgument},
		{"subscribe missing argument", OperationGetAndSubscribePresenceV2, ``, ErrArgumentMissing},
		{"subscribe null argument", OperationGetAndSubscribePresenceV2, `null`, ErrArgumentMissing},
		{"rights level", OperationSetDynamicRights, `{"u8sOwnerContactID":"a","u8sRemoteContactID":"b","iDynamicRights":262144}`, nil},
		{"rights explicit", OperationSetDynamicRights,
			`{"u8sOwnerContactID":"a","u8sRemoteContactID":"b","iDynamicRights":0,"dynamicRights":{"u8sObjectID":"b","iPresenceRights":1,"iPhoneControlRightsPrimary":0,"iPhoneControlRightsSecondary":0}}`, nil},
		{"rights explicit incomplete", OperationSetDynamicRights,
			`{"u8sOwnerContactID":"a","u8sRemoteContactID":"b","iDynamicRights":0,"dynamicRights":{"u8sObjectID":"b"}}`, ErrMistypedArgument},
		{"rights wrong case", OperationSetDynamicRights, `{"u8sOwnerContactId":"a","u8sRemoteContactID":"b","iDynamicRights":0}`, ErrMistypedArgument},
		{"rights without level", OperationSetDynamicRights, `{"u8sOwnerContactID":"a","u8sRemoteContactID":"b"}`, ErrMistypedArgument},
		{"set absent state", OperationSetUserAbsentState, `{"absentstate":{"u8sContactId":"sip:a@b","eAbsentState":2,"stTimeFrom":"2024-09-16T08:00:00Z"}}`, nil},
		{"absent state with note-style id", OperationSetUserAbsentState, `{"absentstate":{"u8sContactID":"sip:a@b","eAbsentState":2}}`, ErrMistypedArgument},
		{"absent state bad time", OperationSetUserAbsentState, `{"absentstate":{"u8sContactId":"a","eAbsentState":2,"stTimeTo":"tomorrow"}}`, ErrMistypedArgument},
		{"get absent state", OperationGetUserAbsentState, `{"contactId":"sip:a@b"}`, nil},
		{"note", OperationCustomNoteSet, `{"customnote":{"u8sContactID":"a","u8sUsername":"A","u8sNote":"back at 3"}}`, nil},
		{"note without text", OperationCustomNoteSet, `{"customnote":{"u8sContactID":"a","u8sUsername":"A"}}`, ErrMistypedArgument},
		{"keepalive dummy null", OperationTransportKeepAlive, `{"dummy":null}`, nil},
		{"keepalive dummy 0 (C++)", OperationTransportKeepAlive, `{"dummy":0}`, nil},
		{"keepalive empty", OperationTransportKeepAlive, `{}`, nil},
		{"keepalive missing argument", OperationKeepAlive, ``, nil},
		{"logged-in contact empty", OperationGetLoggedInContactV2, `{}`, nil},
		{"login without auth", OperationLoginV2, `{}`, nil},
		{"login basic", OperationLoginV2, `{"auth":{"authBasic":{"credential":"dTpw"}}}`, nil},
		{"image by id", OperationRequestContactImage, `{"netDatabaseContactID":{"u8sEntryID":"1","u8sEntryIDDB":"2","u8sEntryIDStore":""},"u8sKnownHash":""}`, nil},
		{"image by incomplete id", OperationRequestContactImage, `{"netDatabaseContactID":{"u8sEntryID":"1"},"u8sKnownHash":""}`, ErrMistypedArgument},
		{"negotiate", OperationNegotiateServerConnectionV2,
			`{"u8sMinSupportedInterfaceVersion":"8","u8sMaxSupportedInterfaceVersion":"8","u8sClientDeviceId":"d","u8sClientVersion":"1","eClientAppID":15,"u8sClientDeviceName":"n","iClientCapabilities":4}`, nil},
	}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			argument, err := DecodeArgument(mustOperation(t, testCase.operation), []byte(testCase.input))
			if testCase.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if argument == nil {
					t.Fatalf("nil argument")
				}
				return
			}
			if !errors.Is(err, testCase.wantErr) {
				t.Fatalf("error %v, want %v", err, testCase.wantErr)
			}
		})
	}
}

// TestDecodeArgumentValues checks decoded content, including the optional
// members' presence.
func TestDecodeArgumentValues(t *testing.T) {
	argument, err := DecodeArgument(mustOperation(t, OperationGetAndSubscribePresenceV2),
		[]byte(`{"seqContactIDs":["sip:a@b","sip:c@d"],"iEventFlagsToSubscribe":0}`))
	if err != nil {
		t.Fatal(err)
	}
	subscribe := argument.(*AsnGetAndSubscribePresenceArgument)
	if len(subscribe.ContactIDs) != 2 || subscribe.ContactIDs[1] != "sip:c@d" ||
		subscribe.EventFlagsToSubscribe != Some[int64](0) || subscribe.ContactDetailsReturnFilter.Present || subscribe.DontRequestPermissions.Present {
		t.Errorf("got %+v", subscribe)
	}
	argument, err = DecodeArgument(mustOperation(t, OperationSetUserAbsentState),
		[]byte(`{"absentstate":{"u8sContactId":"a","eAbsentState":1,"stTimeFrom":"2024-09-16T08:00:00.250+02:00","eReachability":0}}`))
	if err != nil {
		t.Fatal(err)
	}
	state := argument.(*AsnSetUserAbsentStateArgument).AbsentState
	if state.TimeFrom.Value.Format("2006-01-02T15:04:05.000Z07:00") != "2024-09-16T06:00:00.250Z" || state.Reachability != Some[int64](0) || state.TimeTo.Present {
		t.Errorf("got %+v", state)
	}
}
