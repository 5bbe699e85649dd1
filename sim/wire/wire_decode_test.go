package wire

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/protocol"
)

// randomPresence returns a presence with every section the oracle reads,
// plus members it skips (contact data, property bag, capabilities), with
// strings that need escaping now and then.
func randomPresence(r *rand.Rand) *protocol.AsnPresenceV2 {
	str := func() string {
		parts := []string{"sip:a@example.com", "Ünïcödé ✓", `quote " back \ slash`, "tab\tnewline\n", "<b>&amp;</b>", "", "\u2028x"}
		return parts[r.IntN(len(parts))] + strings.Repeat("x", r.IntN(4))
	}
	at := func() protocol.SystemTime {
		return protocol.NewSystemTime(time.Date(2026, 11, 25, r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000)*int(time.Millisecond), time.UTC))
	}
	p := &protocol.AsnPresenceV2{ContactID: "sip:user" + str() + "@example.com"}
	if r.IntN(2) == 0 {
		p.PresenceState = protocol.Some(int64(r.IntN(1 << 20)))
	}
	if r.IntN(3) == 0 {
		p.AbsentState = &protocol.AsnAbsentStateV2{ContactID: p.ContactID, AbsentState: int64(r.IntN(12)), TimeFrom: protocol.Some(at()),
			PresenceState: protocol.Some(int64(r.IntN(9)))}
	}
	if r.IntN(3) == 0 {
		p.CustomNote = &protocol.AsnCustomNote{ContactID: p.ContactID, Note: str()}
	}
	if r.IntN(4) == 0 {
		p.AgentState = &protocol.AsnAgentState{State: int64(r.IntN(5))}
	}
	if r.IntN(4) == 0 {
		p.RemoteContact = &protocol.AsnNetDatabaseContact{DisplayName: protocol.Some(str()), Company: protocol.Some(str())}
	}
	for range r.IntN(3) {
		p.ActualAppointments = append(p.ActualAppointments, protocol.AsnAppointmentEntry{EntryID: str(), Subject: str(),
			Start: at(), End: at(), Status: int64(r.IntN(4)), AllDay: r.IntN(2) == 0, IsValid: true,
			OptionalParams: protocol.AsnOptionalParameters{protocol.StringParam("Location", str())}})
	}
	for range r.IntN(3) {
		p.PhoneLines = append(p.PhoneLines, protocol.AsnPresenceLine{LinePhoneNumber: str(), State: int64(r.IntN(2)), DoNotDisturb: int64(r.IntN(2))})
	}
	for range r.IntN(4) {
		p.Calls = append(p.Calls, protocol.AsnPresenceCallV2{Action: int64(r.IntN(3)), ConnectionID: str(), LinePhoneNumber: str(),
			CallState: int64(r.IntN(1 << 12))})
	}
	for range r.IntN(3) {
		p.LineForwards = append(p.LineForwards, protocol.AsnPresenceForward{LinePhoneNumber: str(), InternalID: int64(r.IntN(9)), Destination: str()})
	}
	return p
}

// slowDecode is the reference: the envelope and the argument through
// encoding/json.
func slowDecode(t *testing.T, frame []byte) *protocol.AsnUpdatePresenceV2Argument {
	t.Helper()
	m, err := protocol.DecodeMessage(frame)
	if err != nil || m.Invoke == nil {
		t.Fatalf("reference decode of %s: %v", frame, err)
	}
	var arg protocol.AsnUpdatePresenceV2Argument
	if err := json.Unmarshal(m.Invoke.Argument, &arg); err != nil {
		t.Fatal(err)
	}
	return &arg
}

// TestEventDecoderMatchesEncodingJSON: random events, encoded by the
// server's encoder and by the reflection encoder (another member order),
// array-wrapped or not, decode to the same digest both ways.
func TestEventDecoderMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var d eventDecoder
	operation, _ := protocol.OperationByName("asnUpdatePresenceV2")
	for i := range 2000 {
		p := randomPresence(r)
		flags := uint32(r.IntN(1 << 18))
		wrapped := i%2 == 0
		var frame []byte
		if i%3 == 0 {
			var err error
			frame, err = protocol.AppendEvent(nil, operation, &protocol.AsnUpdatePresenceV2Argument{Presence: *p, ChangedFlags: int64(flags)}, wrapped)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			frame = protocol.AppendUpdatePresenceV2Event(nil, p, flags, wrapped)
		}
		if !d.decode(frame) {
			t.Fatalf("event %d not decoded: %s", i, frame)
		}
		if want := slowDecode(t, frame); !sameDigest(&d.arg, want) {
			t.Fatalf("event %d: fast %+v\nreference %+v\nframe %s", i, d.arg, *want, frame)
		}
	}
}

// TestEventDecoderGivesUp: anything but a well-formed asnUpdatePresenceV2
// event is left to the reference decoder.
func TestEventDecoderGivesUp(t *testing.T) {
	p := &protocol.AsnPresenceV2{ContactID: "sip:a@example.com", PresenceState: protocol.Some[int64](65)}
	good := protocol.AppendUpdatePresenceV2Event(nil, p, 1, true)
	remove := protocol.AppendRemovePresenceEvent(nil, "sip:a@example.com", false)
	note := protocol.AppendUpdateMyCustomNoteEvent(nil, &protocol.AsnCustomNote{Note: "x"}, false)
	var d eventDecoder
	if !d.decode(good) {
		t.Fatal("good event refused")
	}
	for name, frame := range map[string][]byte{
		"remove":        remove,
		"other event":   note,
		"truncated":     good[:len(good)-3],
		"trailing":      append(append([]byte(nil), good...), '}'),
		"fraction":      []byte(strings.Replace(string(good), `"iChangedFlags":1`, `"iChangedFlags":1.5`, 1)),
		"unquoted key":  []byte(strings.Replace(string(good), `"iChangedFlags"`, `iChangedFlags`, 1)),
		"no contact":    []byte(`{"invoke":{"invokeID":99999,"operationID":4504,"argument":{"presence":{},"iChangedFlags":1}}}`),
		"result":        []byte(`{"result":{"invokeID":3,"result":{"resultValue":0}}}`),
		"empty":         nil,
		"control chars": []byte("{\"invoke\":{\"invokeID\":99999,\"operationID\":4504,\"argument\":{\"presence\":{\"u8sContactId\":\"a\x01\"}}}}"),
	} {
		if d.decode(frame) {
			t.Errorf("%s: decoded %s", name, frame)
		}
	}
	// By name when the id is 0 or missing, as the server accepts invokes.
	byName := []byte(`{"invoke":{"invokeID":99999,"operationName":"asnUpdatePresenceV2","argument":{"_type":"AsnUpdatePresenceV2Argument","presence":{"u8sContactId":"sip:b@example.com","seqCalls":null},"iChangedFlags":2048}}}`)
	if !d.decode(byName) || d.arg.Presence.ContactID != "sip:b@example.com" || d.arg.ChangedFlags != 2048 {
		t.Errorf("by name: %+v", d.arg)
	}
}

func BenchmarkEventDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	frames := make([][]byte, 64)
	for i := range frames {
		frames[i] = protocol.AppendUpdatePresenceV2Event(nil, randomPresence(r), 1<<11, true)
	}
	b.Run("fast", func(b *testing.B) {
		var d eventDecoder
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if !d.decode(frames[i%len(frames)]) {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("naive=encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m, err := protocol.DecodeMessage(frames[i%len(frames)])
			if err != nil {
				b.Fatal(err)
			}
			var arg protocol.AsnUpdatePresenceV2Argument
			if err := json.Unmarshal(m.Invoke.Argument, &arg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzEventDecoder: on arbitrary frames the fast decoder never panics,
// and whatever it accepts that encoding/json also reads gives the oracle
// the same view both ways. Run with
// go test -run '^$' -fuzz FuzzEventDecoder -fuzztime 30s ./sim/wire.
func FuzzEventDecoder(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 8 {
		f.Add(protocol.AppendUpdatePresenceV2Event(nil, randomPresence(r), uint32(r.IntN(1<<18)), i%2 == 0))
	}
	f.Add([]byte(`{"invoke":{"invokeID":99999,"operationName":"asnUpdatePresenceV2","argument":{"presence":{"u8sContactId":"sip:b@example.com","seqCalls":null},"iChangedFlags":2048}}}`))
	// A member name in another case: the protocol's names are
	// case-sensitive (the JavaScript clients read them exactly), encoding/json
	// is not; the fast decoder is the protocol's reading.
	f.Add([]byte(`{"invoke":{"invokeID":1,"operationName":"asnUpdatePresenceV2","argument":{"presence":{"u8sContactId":"sip:b@example.com","seqACtuAlAppointments":[{"u8sEntryID":"x"}]},"iChangedFlags":64}}}`))
	names := memberNames(reflect.TypeFor[protocol.AsnUpdatePresenceV2Argument](), map[string]bool{})
	var d eventDecoder
	f.Fuzz(func(t *testing.T, frame []byte) {
		if !d.decode(frame) {
			return
		}
		m, err := protocol.DecodeMessage(frame)
		if err != nil || m.Invoke == nil {
			return
		}
		if caseFoldedMember(m.Invoke.Argument, names) {
			return // encoding/json would read it, the protocol does not
		}
		var want protocol.AsnUpdatePresenceV2Argument
		if json.Unmarshal(m.Invoke.Argument, &want) != nil {
			return
		}
		if !sameDigest(&d.arg, &want) {
			t.Fatalf("fast %+v\nreference %+v\nframe %s", d.arg, want, frame)
		}
	})
}

// memberNames adds the JSON member names of t and of every struct type it
// contains to names.
func memberNames(t reflect.Type, names map[string]bool) map[string]bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return names
	}
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name == "" {
			name = field.Name
		}
		if !names[name] {
			names[name] = true
			memberNames(field.Type, names)
		}
	}
	return names
}

// caseFoldedMember reports whether the JSON document has an object member
// whose name equals one of names only when case is ignored.
func caseFoldedMember(document []byte, names map[string]bool) bool {
	decoder := json.NewDecoder(bytes.NewReader(document))
	type container struct{ object, expectKey bool }
	var open []container
	valueDone := func() { // a value ended: in an object, a member name follows
		if n := len(open); n > 0 && open[n-1].object {
			open[n-1].expectKey = true
		}
	}
	for {
		token, err := decoder.Token()
		if err != nil {
			return false
		}
		n := len(open)
		switch {
		case token == json.Delim('}') || token == json.Delim(']'):
			open = open[:n-1]
			valueDone()
		case n > 0 && open[n-1].expectKey:
			key, _ := token.(string)
			open[n-1].expectKey = false
			if !names[key] {
				for name := range names {
					if strings.EqualFold(name, key) {
						return true
					}
				}
			}
		case token == json.Delim('{'):
			open = append(open, container{object: true, expectKey: true})
		case token == json.Delim('['):
			open = append(open, container{})
		default:
			valueDone()
		}
	}
}

// resultFrames are ROSE results as presenced sends them: subscribe results
// of random presences (plain and array-wrapped) and the small answers.
func resultFrames(r *rand.Rand) [][]byte {
	var frames [][]byte
	for i := range 16 {
		list := make([]protocol.AsnPresenceV2, r.IntN(60))
		for j := range list {
			list[j] = *randomPresence(r)
		}
		frames = append(frames, protocol.AppendGetAndSubscribePresenceV2Result(nil, int64(r.IntN(1<<30)), list, i%2 == 0))
	}
	return append(frames,
		[]byte(`{"result":{"invokeID":3,"result":{"resultValue":0}}}`),
		[]byte(`{"result":{"invokeID":3}}`),
		[]byte(`{"result":{"invokeID":3,"result":null}}`),
		[]byte(`{"result":{"sessionID":"s\u00e4","invokeID":-7,"result":{"resultValue":2,"result":{"a":[1,2,{"b":"c"}]}}}}`),
		[]byte(` [ {"result" : {"invokeID" : 4 , "result" : { "result" : "x" , "resultValue" : 0 } } } ] `),
	)
}

// TestResultDecoderMatchesDecodeMessage: every result frame the fast path
// accepts decodes to exactly what protocol.DecodeMessage gives.
func TestResultDecoderMatchesDecodeMessage(t *testing.T) {
	var d eventDecoder
	for i, frame := range resultFrames(rand.New(rand.NewPCG(7, 8))) {
		if d.decode(frame) {
			t.Fatalf("frame %d decoded as an event", i)
		}
		got, ok := d.answer()
		if !ok {
			t.Fatalf("frame %d: the fast path gave up on %.200s", i, frame)
		}
		m, err := protocol.DecodeMessage(frame)
		if err != nil || m.Result == nil {
			t.Fatalf("frame %d: reference: %v", i, err)
		}
		if !sameResult(got, m.Result) {
			t.Fatalf("frame %d: fast %+v, reference %+v", i, got, m.Result)
		}
	}
}

// TestResultDecoderGivesUp: what the fast path does not read exactly is
// left to protocol.DecodeMessage (which decodes or reports it).
func TestResultDecoderGivesUp(t *testing.T) {
	var d eventDecoder
	good := []byte(`{"result":{"invokeID":3,"result":{"resultValue":0,"result":{"x":1}}}}`)
	if d.decode(good) {
		t.Fatal("decoded as an event")
	}
	if _, ok := d.answer(); !ok {
		t.Fatal("good result refused")
	}
	for name, frame := range map[string][]byte{
		"id as a string":  []byte(`{"result":{"invokeID":"3","result":{"resultValue":0}}}`),
		"no id":           []byte(`{"result":{"result":{"resultValue":0}}}`),
		"truncated":       good[:len(good)-2],
		"trailing":        append(append([]byte(nil), good...), '}'),
		"bad inner value": []byte(`{"result":{"invokeID":3,"result":{"resultValue":0,"result":{"x":}}}}`),
		"two members":     []byte(`{"result":{"invokeID":3},"invoke":{"invokeID":4,"operationID":1}}`),
		"error":           []byte(`{"error":{"invokedID":3,"error_value":0,"error":{"u8sErrorString":"x"}}}`),
		"reject":          []byte(`{"reject":{"invokedID":{"invokedID":3},"reject":{"invokeProblem":1}}}`),
		"event":           protocol.AppendRemovePresenceEvent(nil, "sip:a@example.com", false),
	} {
		d.decode(frame)
		if r, ok := d.answer(); ok {
			t.Errorf("%s: accepted %s as %+v", name, frame, r)
		}
	}
}

// BenchmarkResultDecode: a subscribe result of 50 contacts (the login
// storm's) read by the reader's fast path against protocol.DecodeMessage.
func BenchmarkResultDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	list := make([]protocol.AsnPresenceV2, 50)
	for j := range list {
		list[j] = *randomPresence(r)
	}
	frame := protocol.AppendGetAndSubscribePresenceV2Result(nil, 12, list, false)
	b.Run("fast", func(b *testing.B) {
		var d eventDecoder
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			if d.decode(frame) {
				b.Fatal("an event?")
			}
			if _, ok := d.answer(); !ok {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("naive=DecodeMessage", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := protocol.DecodeMessage(frame); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzResultDecoder: a result frame the fast path accepts is exactly what
// protocol.DecodeMessage reads from it. Run with
// go test -run '^$' -fuzz FuzzResultDecoder -fuzztime 30s ./sim/wire.
func FuzzResultDecoder(f *testing.F) {
	for _, frame := range resultFrames(rand.New(rand.NewPCG(11, 12)))[12:] {
		f.Add(frame)
	}
	var d eventDecoder
	f.Fuzz(func(t *testing.T, frame []byte) {
		if d.decode(frame) {
			return
		}
		got, ok := d.answer()
		if !ok {
			return
		}
		m, err := protocol.DecodeMessage(frame)
		if err != nil || m.Result == nil || !sameResult(got, m.Result) {
			t.Fatalf("fast %+v, reference %+v (%v); frame %s", got, m, err, frame)
		}
	})
}
