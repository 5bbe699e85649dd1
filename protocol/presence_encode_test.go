package protocol

import (
	"encoding/json"
	"testing"
	"time"
)

// TestFastEncodersMatchEncodingJSON checks, on random values with invalid
// UTF-8, control characters and every optional member either way, that the
// hand-written encoders produce exactly the bytes of the generic encoders
// (encoding/json without HTML escaping) and the same JSON as json.Marshal.
func TestFastEncodersMatchEncodingJSON(t *testing.T) {
	updatePresence := mustOperation(t, OperationUpdatePresenceV2)
	removePresence := mustOperation(t, OperationRemovePresence)
	updateAbsentState := mustOperation(t, OperationUpdateMyAbsentStateV2)
	updateNote := mustOperation(t, OperationUpdateMyCustomNote)
	subscribe := mustOperation(t, OperationGetAndSubscribePresenceV2)
	for seed := uint64(0); seed < 400; seed++ {
		filler := newRandomFiller(seed, true)
		wrapped := seed%2 == 0
		var presence AsnPresenceV2
		filler.fillStruct(reflectValue(&presence), 0)
		flags := uint32(filler.rng.Uint32() >> 1)

		fast := AppendUpdatePresenceV2Event(nil, &presence, flags, wrapped)
		generic, err := AppendEvent(nil, updatePresence, &AsnUpdatePresenceV2Argument{Presence: presence, ChangedFlags: int64(flags)}, wrapped)
		compareEncodings(t, seed, "asnUpdatePresenceV2", fast, generic, err)
		naive, _ := json.Marshal(naiveUpdateEvent(&presence, flags))
		if !wrapped && canonicalJSON(t, fast) != canonicalJSON(t, naive) {
			t.Fatalf("seed %d: fast and json.Marshal differ\nfast  %s\nnaive %s", seed, fast, naive)
		}

		fast = AppendRemovePresenceEvent(nil, presence.ContactID, wrapped)
		generic, err = AppendEvent(nil, removePresence, &AsnRemovePresenceArgument{ContactID: presence.ContactID}, wrapped)
		compareEncodings(t, seed, "asnRemovePresence", fast, generic, err)

		var absentState AsnAbsentStateV2
		filler.fillStruct(reflectValue(&absentState), 0)
		fast = AppendUpdateMyAbsentStateV2Event(nil, &absentState, wrapped)
		generic, err = AppendEvent(nil, updateAbsentState, &AsnUpdateMyAbsentStateV2Argument{AbsentState: absentState}, wrapped)
		compareEncodings(t, seed, "asnUpdateMyAbsentStateV2", fast, generic, err)

		var note AsnCustomNote
		filler.fillStruct(reflectValue(&note), 0)
		fast = AppendUpdateMyCustomNoteEvent(nil, &note, wrapped)
		generic, err = AppendEvent(nil, updateNote, &AsnUpdateMyCustomNoteArgument{CustomNote: note}, wrapped)
		compareEncodings(t, seed, "asnUpdateMyCustomNote", fast, generic, err)

		presences := make([]AsnPresenceV2, filler.rng.IntN(3))
		for index := range presences {
			filler.fillStruct(reflectValue(&presences[index]), 0)
		}
		fast = AppendGetAndSubscribePresenceV2Result(nil, int64(seed), presences, wrapped)
		generic, err = AppendResult(nil, int64(seed), subscribe, &AsnGetAndSubscribePresenceV2Result{SubscribedPresence: presences}, wrapped)
		compareEncodings(t, seed, "AsnGetAndSubscribePresenceV2Result", fast, generic, err)
	}
}

// compareEncodings fails when the fast and the generic bytes differ or do not
// decode as a message.
func compareEncodings(t *testing.T, seed uint64, name string, fast, generic []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("seed %d %s: generic encoder: %v", seed, name, err)
	}
	if string(fast) != string(generic) {
		t.Fatalf("seed %d %s: encodings differ\nfast    %s\ngeneric %s", seed, name, fast, generic)
	}
	if _, err := DecodeMessage(fast); err != nil {
		t.Fatalf("seed %d %s: output does not decode: %v\n%s", seed, name, err, fast)
	}
}

// TestUpdatePresenceV2EventDecodesBack checks that a decoded event carries the
// same presence (valid UTF-8 only, since invalid bytes become U+FFFD).
func TestUpdatePresenceV2EventDecodesBack(t *testing.T) {
	for seed := uint64(0); seed < 100; seed++ {
		var presence AsnPresenceV2
		newRandomFiller(seed, false).fillStruct(reflectValue(&presence), 0)
		message := mustDecodeMessage(t, AppendUpdatePresenceV2Event(nil, &presence, 17, true))
		if message.Invoke.Operation.ID != OperationUpdatePresenceV2 || !message.Invoke.IsEvent() || !message.ArrayWrapped {
			t.Fatalf("seed %d: envelope %+v", seed, message.Invoke)
		}
		argument, err := DecodeArgument(message.Invoke.Operation, message.Invoke.Argument)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		update := argument.(*AsnUpdatePresenceV2Argument)
		again := AppendPresenceV2(nil, &update.Presence)
		if string(again) != string(AppendPresenceV2(nil, &presence)) || update.ChangedFlags != 17 {
			t.Fatalf("seed %d: presence changed in the round trip", seed)
		}
	}
}

// TestFastEncodersDoNotAllocate guards the hot path: no allocation when dst has room.
func TestFastEncodersDoNotAllocate(t *testing.T) {
	full, small := benchmarkPresences()
	buffer := make([]byte, 0, 64<<10)
	for name, encode := range map[string]func(){
		"full update":  func() { buffer = AppendUpdatePresenceV2Event(buffer[:0], full, 0x3FF, true) },
		"small update": func() { buffer = AppendUpdatePresenceV2Event(buffer[:0], small, 1, false) },
		"remove":       func() { buffer = AppendRemovePresenceEvent(buffer[:0], "sip:bob@example.com", true) },
		"result": func() {
			buffer = AppendGetAndSubscribePresenceV2Result(buffer[:0], 5, []AsnPresenceV2{*full, *small}, true)
		},
	} {
		if allocations := testing.AllocsPerRun(100, encode); allocations != 0 {
			t.Errorf("%s: %.1f allocations per run, want 0", name, allocations)
		}
	}
}

// benchmarkPresences returns a full presence (what a subscription result or a
// first event holds) and a small update (state and absent state changed).
func benchmarkPresences() (full, small *AsnPresenceV2) {
	start := NewSystemTime(time.Date(2024, 9, 16, 8, 0, 0, 0, time.UTC))
	end := NewSystemTime(time.Date(2024, 9, 16, 9, 30, 0, 0, time.UTC))
	appointment := AsnAppointmentEntry{EntryID: "AAMkAGI2", Owner: "sip:alice@example.com", DataSource: "EWS",
		Start: start, End: end, Duration: 90, Subject: "Weekly sync", Text: "", Status: 2, Category: "Blue",
		Importance: 1, IsValid: true, OptionalParams: AsnOptionalParameters{StringParam("Location", "Room 4")}}
	full = &AsnPresenceV2{
		ContactID:     "sip:alice@example.com",
		PresenceState: Some[int64](PresenceStateBusy | PresenceFlagCall | PresenceFlagAppointment),
		RemoteContact: &AsnNetDatabaseContact{DisplayName: Some("Alice Müller"), FirstName: Some("Alice"),
			LastName: Some("Müller"), Company: Some("Example GmbH"), EMail: Some("alice@example.com"),
			SIPAddress: Some("sip:alice@example.com"), PhoneBusiness: Some("+49 8151 3681 100"),
			PhoneMobile: Some("+49 170 1234567"), JobTitle: Some("Engineer"), Department: Some("R&D"),
			OptionalParams: AsnOptionalParameters{StringParam("jpegPhotoHash", "5d41402abc4b2a76b9719d911017c592")}},
		UserPropertyBag:     &AsnUserPropertyBag{Properties: List[AsnStringPair]{{Key: "Location", Value: "Starnberg"}}},
		ContactFeatureSet:   Some[int64](0x7FF),
		StaticRights:        Some[int64](0x0E000B4F),
		MonitorAccessRights: Some[int64](0),
		AbsentState: &AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: AbsentStateBusy,
			PresenceState: Some[int64](PresenceStateBusy), TimeFrom: Some(start), TimeTo: Some(end), Reachability: Some[int64](0)},
		CustomNote:         &AsnCustomNote{ContactID: "sip:alice@example.com", Username: "Alice Müller", Note: "in a \"meeting\" until 9:30"},
		ActualAppointments: []AsnAppointmentEntry{appointment},
		NextAppointment:    &appointment,
		PhoneLines: []AsnPresenceLine{{LinePhoneNumber: "tel:+4981513681100", LineNumber: "100", State: 1, ForwardFeaturesPBX: 7},
			{LinePhoneNumber: "tel:+491701234567", LineNumber: "0170 1234567", State: 1}},
		Calls: []AsnPresenceCallV2{{Action: CallActionAdded, ConnectionID: "1234-5678", LinePhoneNumber: "tel:+4981513681100",
			LineNumber: "100", CurrentNumberSC: "+4989123456", TrackerID: "T-1", CallState: 32, Features: 0x3021,
			Outbound: true, CallType: 0, JournalCallType: 0}},
		LineForwards:          []AsnPresenceForward{},
		ContactCapabilitiesEx: &AsnClientCapabilitiesV2{ClientCapabilities: List[int64]{1, 2, 3}, CustomCapabilities: List[AsnStringPair]{}},
		CurrentUserDynamicRights: &AsnActualUserDynamicRights{
			MinPossibleRights: AsnUserDynamicRights{ObjectID: "sip:bob@example.com", PresenceRights: PresenceRightsPublic},
			MaxPossibleRights: AsnUserDynamicRights{ObjectID: "sip:bob@example.com", PresenceRights: PresenceRightsPersonal,
				PhoneControlRightsPrimary: PhoneRightsPrimaryPersonal, PhoneControlRightsSecondary: PhoneRightsSecondaryPersonal}},
		StaticRights2: Some[int64](0xE00),
	}
	small = &AsnPresenceV2{
		ContactID:     "sip:alice@example.com",
		PresenceState: Some[int64](PresenceStateDoNotDisturb),
		AbsentState: &AsnAbsentStateV2{ContactID: "sip:alice@example.com", AbsentState: AbsentStateDoNotDisturb,
			PresenceState: Some[int64](PresenceStateDoNotDisturb), TimeFrom: Some(start)},
	}
	return full, small
}

// naiveEnvelope is the straightforward encoding/json way of writing the event:
// the baseline of the benchmarks.
type naiveEnvelope struct {
	Invoke naiveInvoke `json:"invoke"`
}

type naiveInvoke struct {
	InvokeID      int64               `json:"invokeID"`
	OperationID   int64               `json:"operationID"`
	OperationName string              `json:"operationName"`
	Argument      naiveUpdateArgument `json:"argument"`
}

type naiveUpdateArgument struct {
	Type string `json:"_type"`
	AsnUpdatePresenceV2Argument
}

// naiveUpdateEvent builds the baseline envelope.
func naiveUpdateEvent(presence *AsnPresenceV2, flags uint32) *naiveEnvelope {
	return &naiveEnvelope{Invoke: naiveInvoke{InvokeID: EventInvokeID, OperationID: 4504, OperationName: "asnUpdatePresenceV2",
		Argument: naiveUpdateArgument{Type: "AsnUpdatePresenceV2Argument",
			AsnUpdatePresenceV2Argument: AsnUpdatePresenceV2Argument{Presence: *presence, ChangedFlags: int64(flags)}}}}
}

// BenchmarkUpdatePresenceV2Event compares the hand-written encoder with the
// naive json.Marshal baseline, for a small update and a full presence.
func BenchmarkUpdatePresenceV2Event(b *testing.B) {
	full, small := benchmarkPresences()
	for _, size := range []struct {
		name     string
		presence *AsnPresenceV2
	}{{"small", small}, {"full", full}} {
		b.Run(size.name+"/fast", func(b *testing.B) {
			buffer := make([]byte, 0, 16<<10)
			b.ReportAllocs()
			for b.Loop() {
				buffer = AppendUpdatePresenceV2Event(buffer[:0], size.presence, 17, true)
			}
			b.SetBytes(int64(len(buffer)))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
		b.Run(size.name+"/encoding_json", func(b *testing.B) {
			var encoded []byte
			b.ReportAllocs()
			for b.Loop() {
				encoded, _ = json.Marshal(naiveUpdateEvent(size.presence, 17))
			}
			b.SetBytes(int64(len(encoded)))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRemovePresenceEvent measures the removal event.
func BenchmarkRemovePresenceEvent(b *testing.B) {
	buffer := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buffer = AppendRemovePresenceEvent(buffer[:0], "sip:bob@example.com", true)
	}
}
