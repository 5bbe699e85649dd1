package wire

import (
	"math"

	"github.com/ucpresence/presence/internal/jsonscan"
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
// members the oracle compares (mergeWire), on the module's pull scanner
// (internal/jsonscan, shared with the ingest API's decoder): it walks the
// JSON once, skips every other member, and reuses its slices and section structs from one
// event to the next. Anything it does not expect (another operation, a
// number with a fraction, a malformed frame) makes it give up, and the
// reader falls back to protocol.DecodeMessage, which reports the error.
// Every eventCrossCheck-th event is decoded both ways and compared, so a
// decoder bug shows up as an error count, not as silently wrong oracle
// verdicts.
type eventDecoder struct {
	s      jsonscan.Scanner
	data   []byte // the frame being decoded
	arg    protocol.AsnUpdatePresenceV2Argument
	op     int64
	byName bool // operationName was "asnUpdatePresenceV2"

	absent protocol.AsnAbsentStateV2
	note   protocol.AsnCustomNote
	agent  protocol.AsnAgentState

	// A ROSE result read by the same pass (decode returned false and
	// isResult is set): its invoke id and its inner value, a slice of
	// the frame (the reader's frames are not reused).
	isResult   bool
	resultRead bool // resultObject read a well-formed result member
	result     protocol.Result
	members    int // top-level members seen (exactly one: "result")
}

// eventCrossCheck is how often (1 in N events) the fast decoder's result
// is compared with encoding/json's.
const eventCrossCheck = 97

// decode reads an asnUpdatePresenceV2 event from data into d.arg. It
// returns false when data is anything else or not what the decoder
// expects; d.arg is then undefined.
func (d *eventDecoder) decode(data []byte) bool {
	s := &d.s
	s.Reset(data)
	d.data = data
	d.op, d.byName = 0, false
	d.isResult, d.resultRead, d.members, d.result = false, false, 0, protocol.Result{}
	d.reset()
	wrapped := s.Peek() == '['
	if wrapped {
		if ok, err := d.element(true); err != nil || !ok {
			return false
		}
	}
	err := d.object(func(key []byte) error {
		d.members++
		switch string(key) {
		case "invoke":
			return d.object(d.invokeMember)
		case "result":
			return d.resultObject()
		}
		return s.SkipValue()
	})
	if err != nil {
		return false
	}
	if wrapped {
		if more, err := d.element(false); err != nil || more {
			return false
		}
	}
	if s.End() != nil {
		return false
	}
	if d.resultRead {
		d.isResult = d.members == 1 // set only once the whole frame is read
		return false
	}
	switch {
	case d.op == int64(protocol.OperationUpdatePresenceV2):
	case d.op == 0 && d.byName:
	default:
		return false
	}
	return d.arg.Presence.ContactID != ""
}

// element opens the array on the first call (first == true) and advances
// to its next element, or returns false after its closing bracket.
func (d *eventDecoder) element(first bool) (bool, error) {
	if first {
		if err := d.s.Open('[', "'['"); err != nil {
			return false, err
		}
	}
	return d.s.NextElement(first)
}

// object reads an object, calling member with each key (unescaped bytes,
// valid until the next call); member must read the value.
func (d *eventDecoder) object(member func(key []byte) error) error {
	s := &d.s
	if err := s.OpenValue('{', "'{'"); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, ok, err := s.NextKey(first)
		if err != nil || !ok {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
}

// array reads an array (null: no elements), calling elem for each
// element; elem must read it.
func (d *eventDecoder) array(elem func() error) error {
	if d.s.Null() {
		return nil
	}
	if d.s.Peek() != '[' {
		return d.s.Mismatch("array")
	}
	for first := true; ; first = false {
		more, err := d.element(first)
		if err != nil || !more {
			return err
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

// integer reads a protocol INTEGER (no fraction, no exponent).
func (d *eventDecoder) integer(v *int64) error {
	var err error
	*v, err = d.s.Integer(math.MinInt64, math.MaxInt64)
	return err
}

// text reads a string.
func (d *eventDecoder) text(v *string) error {
	var err error
	*v, err = d.s.Text()
	return err
}

// time reads an AsnSystemTime: a string through protocol.ParseSystemTime
// without a copy, any other form (a number of days, null) through
// SystemTime.UnmarshalJSON, which accepts them.
func (d *eventDecoder) time(t *protocol.SystemTime) error {
	s := &d.s
	if s.Peek() == '"' {
		b, err := s.StringValue()
		if err != nil {
			return err
		}
		*t, err = protocol.ParseSystemTime(string(b))
		return err
	}
	start := s.Offset()
	if err := s.SkipValue(); err != nil {
		return err
	}
	return t.UnmarshalJSON(d.data[start:s.Offset()])
}

// invokeMember reads one member of the invoke.
func (d *eventDecoder) invokeMember(key []byte) error {
	s := &d.s
	switch string(key) {
	case "operationID":
		return d.integer(&d.op)
	case "operationName":
		name, err := s.StringValue()
		d.byName = string(name) == "asnUpdatePresenceV2"
		return err
	case "argument":
		return d.object(func(key []byte) error {
			switch string(key) {
			case "presence":
				return d.presence()
			case "iChangedFlags":
				return d.integer(&d.arg.ChangedFlags)
			default:
				return s.SkipValue()
			}
		})
	default:
		return s.SkipValue()
	}
}

// answer returns the ROSE result that the last decode read, if it was one
// the fast path understood; otherwise the reader falls back to
// protocol.DecodeMessage.
//
// A subscribe result of 50 contacts is about 60 KB. protocol.DecodeMessage
// walks it three times with encoding/json (validity, the envelope's raw
// members, the raw result) and copies it: in the login storm
// (scripts/login-storm.sh) that was 64 % of the simulator's CPU, which
// shares the two cores with presenced. Here it is one jsonscan pass that
// validates the value and slices it out of the frame.
func (d *eventDecoder) answer() (*protocol.Result, bool) {
	if !d.isResult {
		return nil, false
	}
	r := d.result
	return &r, true
}

// resultObject reads ROSEResult {"sessionID"?, "invokeID", "result"?:
// {"resultValue", "result"}} into d.result; anything else makes the fast
// path give up (the fallback reports the error).
func (d *eventDecoder) resultObject() error {
	s := &d.s
	haveID := false
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "invokeID":
			haveID = true
			return d.integer(&d.result.InvokeID)
		case "result":
			if s.Null() {
				return nil
			}
			d.result.HasValue = true
			return d.object(func(key []byte) error {
				switch string(key) {
				case "resultValue":
					if s.Null() {
						return nil
					}
					return d.integer(&d.result.ResultValue)
				case "result":
					if s.Null() {
						return nil
					}
					s.Peek() // skips white space: the value starts here
					start := s.Offset()
					if err := s.SkipValue(); err != nil {
						return err
					}
					d.result.Value = d.data[start:s.Offset():s.Offset()]
					return nil
				}
				return s.SkipValue()
			})
		case "sessionID":
			if s.Null() {
				return nil
			}
			v, err := s.Text()
			d.result.SessionID = protocol.Some(v)
			return err
		}
		return s.SkipValue()
	})
	d.resultRead = err == nil && haveID
	return err
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

func (d *eventDecoder) presence() error {
	s := &d.s
	p := &d.arg.Presence
	return d.object(func(key []byte) error {
		switch string(key) {
		case "u8sContactId":
			return d.text(&p.ContactID)
		case "iPresenceState":
			var state int64
			err := d.integer(&state)
			p.PresenceState = protocol.Some(state)
			return err
		case "asnAbsentState":
			d.absent = protocol.AsnAbsentStateV2{}
			p.AbsentState = &d.absent
			return d.object(func(key []byte) error {
				if string(key) == "eAbsentState" {
					return d.integer(&d.absent.AbsentState)
				}
				return s.SkipValue()
			})
		case "asnCustomNote":
			d.note = protocol.AsnCustomNote{}
			p.CustomNote = &d.note
			return d.object(func(key []byte) error {
				if string(key) == "u8sNote" {
					return d.text(&d.note.Note)
				}
				return s.SkipValue()
			})
		case "asnAgentState":
			d.agent = protocol.AsnAgentState{}
			p.AgentState = &d.agent
			return d.object(func(key []byte) error {
				if string(key) == "dwState" {
					return d.integer(&d.agent.State)
				}
				return s.SkipValue()
			})
		case "seqActualAppointments":
			return d.array(func() error {
				p.ActualAppointments = append(p.ActualAppointments, protocol.AsnAppointmentEntry{})
				a := &p.ActualAppointments[len(p.ActualAppointments)-1]
				return d.object(func(key []byte) error {
					switch string(key) {
					case "u8sEntryID":
						return d.text(&a.EntryID)
					case "iStatus":
						return d.integer(&a.Status)
					case "bAllDay":
						var err error
						a.AllDay, err = s.Boolean()
						return err
					case "stStart":
						return d.time(&a.Start)
					case "stEnd":
						return d.time(&a.End)
					default:
						return s.SkipValue()
					}
				})
			})
		case "seqPhoneLines":
			return d.array(func() error {
				p.PhoneLines = append(p.PhoneLines, protocol.AsnPresenceLine{})
				l := &p.PhoneLines[len(p.PhoneLines)-1]
				return d.object(func(key []byte) error {
					switch string(key) {
					case "u8sLinePhoneNumber":
						return d.text(&l.LinePhoneNumber)
					case "iState":
						return d.integer(&l.State)
					case "iDoNotDisturb":
						return d.integer(&l.DoNotDisturb)
					default:
						return s.SkipValue()
					}
				})
			})
		case "seqCalls":
			return d.array(func() error {
				p.Calls = append(p.Calls, protocol.AsnPresenceCallV2{})
				c := &p.Calls[len(p.Calls)-1]
				return d.object(func(key []byte) error {
					switch string(key) {
					case "iAction":
						return d.integer(&c.Action)
					case "u8sConnectionID":
						return d.text(&c.ConnectionID)
					case "eCallState":
						return d.integer(&c.CallState)
					default:
						return s.SkipValue()
					}
				})
			})
		case "seqLineForwards":
			return d.array(func() error {
				p.LineForwards = append(p.LineForwards, protocol.AsnPresenceForward{})
				f := &p.LineForwards[len(p.LineForwards)-1]
				return d.object(func(key []byte) error {
					switch string(key) {
					case "u8sLinePhoneNumber":
						return d.text(&f.LinePhoneNumber)
					case "iInternalID":
						return d.integer(&f.InternalID)
					case "u8sDestination":
						return d.text(&f.Destination)
					default:
						return s.SkipValue()
					}
				})
			})
		default:
			return s.SkipValue()
		}
	})
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
