package wire

import (
	"encoding/json"
	"errors"

	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/oracle"
)

// The wire driver's readers decode every asnUpdatePresenceV2 event they
// receive, and with encoding/json that cost about 20 µs of the
// simulator's CPU per event (the envelope scanned three times: validity,
// the RawMessage argument, then the argument again). On a 2-core machine
// that, not presenced, decided the wire knee: the simulator could not
// read a 10:00 burst of a few thousand events in less than 70 ms.
//
// eventDecoder is a single-pass, reflection-free reader of exactly the
// members the oracle compares (mergeWire): it walks the JSON once, skips
// every other member, and reuses its slices and section structs from one
// event to the next. Anything it does not expect (another operation, a
// number with a fraction, a malformed frame) makes it give up, and the
// reader falls back to protocol.DecodeMessage, which reports the error.
// Every eventCrossCheck-th event is decoded both ways and compared, so a
// decoder bug shows up as an error count, not as silently wrong oracle
// verdicts.
type eventDecoder struct {
	s   scanner
	arg protocol.AsnUpdatePresenceV2Argument
	op  int64
	opn []byte

	absent protocol.AsnAbsentStateV2
	note   protocol.AsnCustomNote
	agent  protocol.AsnAgentState
}

// eventCrossCheck is how often (1 in N events) the fast decoder's result
// is compared with encoding/json's.
const eventCrossCheck = 97

var errUnexpected = errors.New("unexpected JSON")

// decode reads an asnUpdatePresenceV2 event from data into d.arg. It
// returns false when data is anything else or not what the decoder
// expects; d.arg is then undefined.
func (d *eventDecoder) decode(data []byte) bool {
	d.s = scanner{b: data}
	d.op = 0
	d.opn = nil
	d.reset()
	s := &d.s
	s.ws()
	wrapped := s.peek() == '['
	if wrapped {
		s.i++
	}
	s.object(func(key []byte) {
		if string(key) == "invoke" {
			s.object(d.invokeMember)
		} else {
			s.skip()
		}
	})
	if wrapped {
		s.ws()
		s.expect(']')
	}
	s.ws()
	if s.err != nil || s.i != len(s.b) {
		return false
	}
	switch {
	case d.op == int64(protocol.OperationUpdatePresenceV2):
	case d.op == 0 && string(d.opn) == `"asnUpdatePresenceV2"`:
	default:
		return false
	}
	return d.arg.Presence.ContactID != ""
}

// invokeMember reads one member of the invoke.
func (d *eventDecoder) invokeMember(key []byte) {
	s := &d.s
	switch string(key) {
	case "operationID":
		d.op = s.int()
	case "operationName":
		d.opn = s.raw()
	case "argument":
		s.object(func(key []byte) {
			switch string(key) {
			case "presence":
				d.presence()
			case "iChangedFlags":
				d.arg.ChangedFlags = s.int()
			default:
				s.skip()
			}
		})
	default:
		s.skip()
	}
}

func (d *eventDecoder) reset() {
	p := &d.arg.Presence
	*p = protocol.AsnPresenceV2{
		ActualAppointments: p.ActualAppointments[:0],
		PhoneLines:         p.PhoneLines[:0],
		Calls:              p.Calls[:0],
		LineForwards:       p.LineForwards[:0],
	}
	d.arg.ChangedFlags = 0
}

func (d *eventDecoder) presence() {
	s := &d.s
	p := &d.arg.Presence
	s.object(func(key []byte) {
		switch string(key) {
		case "u8sContactId":
			p.ContactID = s.str()
		case "iPresenceState":
			p.PresenceState = protocol.Some(s.int())
		case "asnAbsentState":
			d.absent = protocol.AsnAbsentStateV2{}
			p.AbsentState = &d.absent
			s.object(func(key []byte) {
				if string(key) == "eAbsentState" {
					d.absent.AbsentState = s.int()
				} else {
					s.skip()
				}
			})
		case "asnCustomNote":
			d.note = protocol.AsnCustomNote{}
			p.CustomNote = &d.note
			s.object(func(key []byte) {
				if string(key) == "u8sNote" {
					d.note.Note = s.str()
				} else {
					s.skip()
				}
			})
		case "asnAgentState":
			d.agent = protocol.AsnAgentState{}
			p.AgentState = &d.agent
			s.object(func(key []byte) {
				if string(key) == "dwState" {
					d.agent.State = s.int()
				} else {
					s.skip()
				}
			})
		case "seqActualAppointments":
			s.array(func() {
				p.ActualAppointments = append(p.ActualAppointments, protocol.AsnAppointmentEntry{})
				a := &p.ActualAppointments[len(p.ActualAppointments)-1]
				s.object(func(key []byte) {
					switch string(key) {
					case "u8sEntryID":
						a.EntryID = s.str()
					case "iStatus":
						a.Status = s.int()
					case "bAllDay":
						a.AllDay = s.bool()
					case "stStart":
						s.time(&a.Start)
					case "stEnd":
						s.time(&a.End)
					default:
						s.skip()
					}
				})
			})
		case "seqPhoneLines":
			s.array(func() {
				p.PhoneLines = append(p.PhoneLines, protocol.AsnPresenceLine{})
				l := &p.PhoneLines[len(p.PhoneLines)-1]
				s.object(func(key []byte) {
					switch string(key) {
					case "u8sLinePhoneNumber":
						l.LinePhoneNumber = s.str()
					case "iState":
						l.State = s.int()
					case "iDoNotDisturb":
						l.DoNotDisturb = s.int()
					default:
						s.skip()
					}
				})
			})
		case "seqCalls":
			s.array(func() {
				p.Calls = append(p.Calls, protocol.AsnPresenceCallV2{})
				c := &p.Calls[len(p.Calls)-1]
				s.object(func(key []byte) {
					switch string(key) {
					case "iAction":
						c.Action = s.int()
					case "u8sConnectionID":
						c.ConnectionID = s.str()
					case "eCallState":
						c.CallState = s.int()
					default:
						s.skip()
					}
				})
			})
		case "seqLineForwards":
			s.array(func() {
				p.LineForwards = append(p.LineForwards, protocol.AsnPresenceForward{})
				f := &p.LineForwards[len(p.LineForwards)-1]
				s.object(func(key []byte) {
					switch string(key) {
					case "u8sLinePhoneNumber":
						f.LinePhoneNumber = s.str()
					case "iInternalID":
						f.InternalID = s.int()
					case "u8sDestination":
						f.Destination = s.str()
					default:
						s.skip()
					}
				})
			})
		default:
			s.skip()
		}
	})
}

// scanner is a minimal JSON reader over one message. The first error
// sticks; every method is a no-op after it.
type scanner struct {
	b   []byte
	i   int
	err error
}

func (s *scanner) fail() {
	if s.err == nil {
		s.err = errUnexpected
	}
	s.i = len(s.b)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) {
	if s.peek() != c {
		s.fail()
		return
	}
	s.i++
}

// object reads an object, calling member with each key (unescaped bytes,
// valid until the next call); member must read the value.
func (s *scanner) object(member func(key []byte)) {
	s.ws()
	s.expect('{')
	s.ws()
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.err == nil {
		s.ws()
		key := s.raw()
		if len(key) < 2 || key[0] != '"' {
			s.fail()
			return
		}
		s.ws()
		s.expect(':')
		s.ws()
		member(key[1 : len(key)-1])
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.fail()
		}
	}
}

// array reads an array, calling elem for each element; elem must read it.
func (s *scanner) array(elem func()) {
	s.ws()
	if s.peek() == 'n' { // null: no elements
		s.skip()
		return
	}
	s.expect('[')
	s.ws()
	if s.peek() == ']' {
		s.i++
		return
	}
	for s.err == nil {
		elem()
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.fail()
		}
	}
}

// raw returns the bytes of the next string (quotes included) or number
// or literal, without interpreting them.
func (s *scanner) raw() []byte {
	start := s.i
	if s.peek() == '"' {
		s.i++
		for s.i < len(s.b) {
			switch c := s.b[s.i]; {
			case c == '"':
				s.i++
				return s.b[start:s.i]
			case c == '\\':
				s.i += 2
			case c < 0x20:
				s.fail()
				return nil
			default:
				s.i++
			}
		}
		s.fail()
		return nil
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
			if s.i == start {
				s.fail()
			}
			return s.b[start:s.i]
		}
		s.i++
	}
	if s.i == start {
		s.fail()
	}
	return s.b[start:s.i]
}

// str reads a string; escapes are rare and left to encoding/json.
func (s *scanner) str() string {
	r := s.raw()
	if len(r) < 2 || r[0] != '"' {
		s.fail()
		return ""
	}
	body := r[1 : len(r)-1]
	for _, c := range body {
		if c == '\\' || c >= 0x80 {
			var v string
			if json.Unmarshal(r, &v) != nil {
				s.fail()
			}
			return v
		}
	}
	return string(body)
}

// int reads an integer (no fraction, no exponent: a protocol INTEGER).
func (s *scanner) int() int64 {
	r := s.raw()
	neg := len(r) > 0 && r[0] == '-'
	if neg {
		r = r[1:]
	}
	if len(r) == 0 || len(r) > 18 {
		s.fail()
		return 0
	}
	var v int64
	for _, c := range r {
		if c < '0' || c > '9' {
			s.fail()
			return 0
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v
}

func (s *scanner) bool() bool {
	switch r := s.raw(); string(r) {
	case "true":
		return true
	case "false":
		return false
	default:
		s.fail()
		return false
	}
}

// time reads an AsnSystemTime (protocol.SystemTime accepts its forms).
func (s *scanner) time(t *protocol.SystemTime) {
	if s.err != nil {
		return
	}
	r := s.raw()
	if len(r) >= 2 && r[0] == '"' {
		plain := true
		for _, c := range r[1 : len(r)-1] {
			plain = plain && c != '\\'
		}
		if plain {
			v, err := protocol.ParseSystemTime(string(r[1 : len(r)-1]))
			if err != nil {
				s.fail()
			}
			*t = v
			return
		}
	}
	if err := t.UnmarshalJSON(r); err != nil {
		s.fail()
	}
}

// skip reads any value.
func (s *scanner) skip() {
	s.ws()
	switch s.peek() {
	case '{':
		s.object(func([]byte) { s.skip() })
	case '[':
		s.array(func() { s.skip() })
	default:
		s.raw()
	}
}

// sameDigest reports whether a and b give the oracle the same view: the
// fast decoder's cross-check against encoding/json compares what
// mergeWire makes of each (every section, whatever the changed flags).
func sameDigest(a, b *protocol.AsnUpdatePresenceV2Argument) bool {
	if a.ChangedFlags != b.ChangedFlags || a.Presence.ContactID != b.Presence.ContactID {
		return false
	}
	var x, y oracle.SubView
	MergePresence(&x, &a.Presence, oracle.PrintSections)
	MergePresence(&y, &b.Presence, oracle.PrintSections)
	return x.Print.Differs(&y.Print, oracle.PrintSections) == 0
}
