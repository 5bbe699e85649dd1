package ingest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

func TestDecodeExamplesCoverEveryOp(t *testing.T) {
	var d Decoder
	var ev Event
	for op := OpPutContact; op < opCount; op++ {
		line, ok := exampleLines[op]
		if !ok {
			t.Errorf("no example line for %s", op)
			continue
		}
		if err := d.Decode([]byte(line), &ev); err != nil {
			t.Errorf("%s: %v", op, err)
			continue
		}
		if ev.Op != op || ev.Contact != "bob" {
			t.Errorf("%s: decoded op %s contact %q", op, ev.Op, ev.Contact)
		}
	}
}

func TestDecodeCall(t *testing.T) {
	var d Decoder
	var ev Event
	if err := d.Decode([]byte(exampleLines[OpPutCall]), &ev); err != nil {
		t.Fatal(err)
	}
	want := engine.Call{
		ConnectionID: "c-17", LineURI: "tel:+4981511234", LineNumber: "+49 8151 1234",
		RemoteNumber: "+4930123456", TrackerID: "t-17", State: engine.CallConnected, Features: 3,
		Outbound: true, Type: engine.CallTypeNormal, JournalType: engine.JournalCTI,
		Remote: &engine.ContactData{DisplayName: "Alice"},
	}
	if !reflect.DeepEqual(ev.Call, want) {
		t.Errorf("call = %+v, want %+v", ev.Call, want)
	}
	if ev.ID != "call-17-connected" {
		t.Errorf("id = %q", ev.ID)
	}
	// Enums by number are the same as by name.
	line := `{"op":"putCall","contact":"bob","call":{"connectionId":"c","state":32,"type":1,"journalType":7}}`
	if err := d.Decode([]byte(line), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Call.State != engine.CallConnected || ev.Call.Type != engine.CallTypeConsult || ev.Call.JournalType != engine.JournalSIPAVCall {
		t.Errorf("numeric enums: %+v", ev.Call)
	}
}

func TestDecodeAppointmentsAndAbsent(t *testing.T) {
	var d Decoder
	var ev Event
	if err := d.Decode([]byte(exampleLines[OpSetAppointments]), &ev); err != nil {
		t.Fatal(err)
	}
	want := []engine.Appointment{{
		EntryID: "a1", Subject: "Standup", Location: "Room 1", Status: engine.AppointmentBusy,
		Start: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC),
	}}
	if !reflect.DeepEqual(ev.Appointments, want) {
		t.Errorf("appointments = %+v", ev.Appointments)
	}
	// An offset is converted to UTC.
	line := `{"op":"setAbsent","contact":"bob","absent":{"kind":3,"from":"2025-03-14T13:00:00+01:00"}}`
	if err := d.Decode([]byte(line), &ev); err != nil {
		t.Fatal(err)
	}
	if !ev.Absent.From.Equal(time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)) || ev.Absent.From.Location() != time.UTC {
		t.Errorf("from = %v", ev.Absent.From)
	}
	if ev.Absent.Kind != engine.AbsentDoNotDisturb || ev.Absent.HasReachability {
		t.Errorf("absent = %+v", ev.Absent)
	}
}

// TestRoundTrip: AppendEvent then Decode gives the event back, for every
// example and for events with many fields set (every field of the contact
// record: TestContactDataEveryFieldRoundTrips).
func TestRoundTrip(t *testing.T) {
	var d Decoder
	events := []Event{}
	for op := OpPutContact; op < opCount; op++ {
		var ev Event
		if err := d.Decode([]byte(exampleLines[op]), &ev); err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	full := &engine.ContactData{DisplayName: "Ä \"quoted\" \\ \n\t\u2028", EMail: "x@y", Valid: true, PrivateContact: -3,
		CustomFields: []engine.StringPair{{Key: "k", Value: "v"}}, OtherAddress: engine.Address{Street: "Main St 1"}}
	events = append(events,
		Event{Op: OpPutContact, Contact: "c", ID: "i", Entry: engine.ContactEntry{Data: full,
			PropertyBag: []engine.StringPair{{Key: "a", Value: "b"}}, FeatureSet: 1 << 31, StaticRights: 2, StaticRights2: 3,
			MonitorRights: 4, Groups: []string{"g1", "g2"}, Administrator: true}},
		Event{Op: OpPutCall, Contact: "c", Call: engine.Call{ConnectionID: "x", State: engine.CallState(12345),
			Type: engine.CallTypeConferenceMemberPending, JournalType: engine.JournalRequestedScreenSharing,
			Internal: true, Remote: full}},
		Event{Op: OpSetAbsent, Contact: "c", Absent: engine.AbsentState{Kind: engine.AbsentBusy, HasReachability: true,
			Reachability: engine.ReachabilityNormal, To: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC),
			External: []engine.ExternalPresence{{UserName: "u", State: 2, Type: 0}}}},
		Event{Op: OpClientLogin, Contact: "c", Client: "m", Device: engine.DeviceMobile},
		Event{Op: OpSetNote, Contact: "c", Note: ""},
		Event{Op: OpSetAppointments, Contact: "c", Appointments: []engine.Appointment{{
			Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
			AllDay: true, Importance: -1, Sensitivity: engine.SensitivityConfidential, Category: "c", DataSource: "ews"}}},
	)
	for i := range events {
		want := &events[i]
		line := AppendEvent(nil, want)
		var got Event
		if err := d.Decode(line[:len(line)-1], &got); err != nil {
			t.Fatalf("%s: %v\n%s", want.Op, err, line)
		}
		if !reflect.DeepEqual(normalize(got), normalize(*want)) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v\nline %s", want.Op, got, *want, line)
		}
	}
}

// normalize makes empty slices nil, so that DeepEqual compares contents.
func normalize(ev Event) Event {
	if len(ev.Appointments) == 0 {
		ev.Appointments = nil
	}
	if len(ev.Capabilities.Values) == 0 {
		ev.Capabilities.Values = nil
	}
	if len(ev.Capabilities.Custom) == 0 {
		ev.Capabilities.Custom = nil
	}
	if len(ev.Absent.External) == 0 {
		ev.Absent.External = nil
	}
	if len(ev.Agent.Details) == 0 {
		ev.Agent.Details = nil
	}
	if len(ev.Entry.Groups) == 0 {
		ev.Entry.Groups = nil
	}
	if len(ev.SmallImage) == 0 {
		ev.SmallImage = nil
	}
	if len(ev.LargeImage) == 0 {
		ev.LargeImage = nil
	}
	return ev
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		line   string
		want   error
		text   string // substring of the message
		wantID string
	}{
		{`{"op":"setNote","contact":"bob","note":"x"`, ErrMalformed, "end of line", ""},
		{`not json`, ErrMalformed, "expected value", ""},
		{`[1,2]`, ErrInvalidEvent, "expected a JSON object", ""},
		{`[1,2] x`, ErrMalformed, "end of line", ""},
		{`{"op":"setNote","contact":"bob","note":"x"} trailing`, ErrMalformed, "end of line", ""},
		{`{"op":"setNote","contact":"bob","note":"x",}`, ErrMalformed, "", ""},
		{`{"op":"setNote","contact":"bob","note":"a` + "\x01" + `"}`, ErrMalformed, "control", ""},
		{`{"op":"setNote","contact":"bob","note":"` + "\xff" + `"}`, ErrMalformed, "UTF-8", ""},
		{`{"op":"setNote","contact":"bob","note":"\x"}`, ErrMalformed, "escape", ""},
		{`{"a":[[[[[[[[[[1]]]]]]]]]]}`, ErrMalformed, "nesting", ""},
		{`{"op":"flyToMoon","contact":"bob","id":"7"}`, ErrUnknownOp, `"flyToMoon"`, "7"},
		{`{"contact":"bob","id":"8"}`, ErrInvalidEvent, `missing field "op"`, "8"},
		{`{"op":"setNote","id":"9","note":"x"}`, ErrInvalidEvent, `needs field "contact"`, "9"},
		{`{"op":"setNote","contact":"bob"}`, ErrInvalidEvent, `needs field "note"`, ""},
		{`{"op":"setNote","contact":"bob","note":null}`, ErrInvalidEvent, `needs field "note"`, ""},
		{`{"op":"setNote","contact":"bob","note":"x","idle":true}`, ErrInvalidEvent, `does not use field "idle"`, ""},
		{`{"op":"setNote","contact":"bob","colour":{"a":[1,2]},"id":"10","note":"x"}`, ErrInvalidEvent, `unknown field "colour"`, "10"},
		{`{"op":"clientIdle","contact":"bob","client":"d","idle":"yes","id":"11"}`, ErrInvalidEvent, "expected true or false", "11"},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","state":"ringing"},"id":"12"}`, ErrInvalidEvent, `unknown call state "ringing"`, "12"},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","features":1.5},"id":"13"}`, ErrInvalidEvent, "expected an integer", "13"},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","features":2147483648}}`, ErrInvalidEvent, "out of range", ""},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","features":99999999999999999999999}}`, ErrInvalidEvent, "out of range", ""},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","features":01}}`, ErrMalformed, "number", ""},
		{`{"op":"putCall","contact":"bob","call":"c-17","id":"14"}`, ErrInvalidEvent, "expected object", "14"},
		{`{"op":"putCall","contact":"bob","call":{"connectionId":"c","pbx":1}}`, ErrInvalidEvent, `unknown field "pbx" in call`, ""},
		{`{"op":"setAppointments","contact":"bob","appointments":[{"start":"2025-03-14T09:00:00Z"}]}`, ErrInvalidEvent, `needs "start" and "end"`, ""},
		{`{"op":"setAppointments","contact":"bob","appointments":[{"start":"yesterday","end":"2025-03-14T09:00:00Z"}]}`, ErrInvalidEvent, "RFC 3339", ""},
		{`{"op":"setAbsent","contact":"bob","absent":{"from":"2025-03-14T09:00:00Z"}}`, ErrInvalidEvent, `needs "kind"`, ""},
		{`{"op":"setImages","contact":"bob","smallImage":"***"}`, ErrInvalidEvent, "base64", ""},
		{`{"op":"clientCapabilities","contact":"bob","client":"d","capabilities":{"values":["a"]}}`, ErrInvalidEvent, "integer", ""},
		{`{"op":"setNote","contact":"bob","note":"x","id":"15"`, ErrMalformed, "", "15"},
	}
	var d Decoder
	var ev Event
	for _, tt := range tests {
		err := d.Decode([]byte(tt.line), &ev)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s\n  error %v, want %v containing %q", tt.line, err, tt.want, tt.text)
		}
		if ev.ID != tt.wantID {
			t.Errorf("%s\n  id %q, want %q", tt.line, ev.ID, tt.wantID)
		}
	}
}

// TestDecodeStringsLikeEncodingJSON compares string unescaping with
// encoding/json on escapes, non-ASCII and surrogates.
func TestDecodeStringsLikeEncodingJSON(t *testing.T) {
	literals := []string{
		`""`, `"plain"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u00e4\u00DF"`, `"Grüße"`,
		`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"日本"`, `"\u0000"`,
	}
	var d Decoder
	var ev Event
	for _, lit := range literals {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		line := `{"op":"setNote","contact":"bob","note":` + lit + `}`
		if err := d.Decode([]byte(line), &ev); err != nil {
			t.Errorf("%s: %v", lit, err)
			continue
		}
		if ev.Note != want {
			t.Errorf("%s: got %q, want %q", lit, ev.Note, want)
		}
	}
}

func TestDecodeIntegers(t *testing.T) {
	var d Decoder
	var ev Event
	for _, tt := range []struct {
		lit  string
		want int32
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"2147483647", 1<<31 - 1, true}, {"-2147483648", -1 << 31, true},
		{"2147483648", 0, false}, {"-2147483649", 0, false}, {"1e3", 0, false}, {"-", 0, false}, {"9223372036854775808", 0, false},
	} {
		line := `{"op":"clearForward","contact":"bob","lineUri":"l","internalId":` + tt.lit + `}`
		err := d.Decode([]byte(line), &ev)
		if (err == nil) != tt.ok || (tt.ok && ev.InternalID != tt.want) {
			t.Errorf("%s: got %d, %v", tt.lit, ev.InternalID, err)
		}
	}
}

// TestDecodeAllocations guards the hot path: a call state change costs its
// strings, the Remote record and nothing else; an idle change costs its two
// strings.
func TestDecodeAllocations(t *testing.T) {
	var d Decoder
	var ev Event
	idle := []byte(`{"op":"clientIdle","contact":"sip:u1234@example.com","client":"desk","idle":true}`)
	call := []byte(`{"op":"putCall","contact":"sip:u1234@example.com","call":{"connectionId":"c-1","lineUri":"tel:+491234","state":"connected","remoteNumber":"+4930123","remoteDisplayName":"Alice"}}`)
	for _, tt := range []struct {
		line []byte
		max  float64
	}{{idle, 2}, {call, 7}} {
		got := testing.AllocsPerRun(200, func() {
			if err := d.Decode(tt.line, &ev); err != nil {
				t.Fatal(err)
			}
		})
		if got > tt.max {
			t.Errorf("%s: %.1f allocations, want at most %.0f", tt.line, got, tt.max)
		}
	}
}
