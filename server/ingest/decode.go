package ingest

import (
	"errors"
	"fmt"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/internal/jsonscan"
)

// maxDepth bounds nesting; the schema needs 4 (event, entry, data, address).
const maxDepth = 8

// resetScanner points s at line with the ingest API's nesting bound and
// its error sentinels: syntax errors wrap ErrMalformed, values of the
// wrong type or range ErrInvalidEvent.
func resetScanner(s *jsonscan.Scanner, line []byte) {
	s.MaxDepth, s.Malformed, s.Invalid = maxDepth, ErrMalformed, ErrInvalidEvent
	s.Reset(line)
}

// Decoder decodes event lines (one JSON object each) into Events. It reads
// them with the module's pull scanner (internal/jsonscan) rather than
// encoding/json: see BenchmarkDecode and BenchmarkDecodeStdlib for the
// figures. It keeps scratch space between
// calls: not safe for concurrent use; use one per goroutine.
type Decoder struct {
	s jsonscan.Scanner
	// deferred is the first schema error of the current line: decoding goes
	// on after it so that the event's id is known when it is reported.
	deferred error
}

// Decode decodes one line (without its newline) into ev, which it resets
// first. Unknown fields, fields the op does not use and missing required
// fields are errors; a null value counts as a missing field. On error ev
// holds what was decoded, in particular ev.ID when the line got that far.
func (d *Decoder) Decode(line []byte, ev *Event) error {
	ev.reset()
	d.deferred = nil
	s := &d.s
	resetScanner(s, line)
	if s.Peek() != '{' {
		// Valid JSON of another kind is an invalid event; anything else
		// is malformed.
		err := s.Mismatch("a JSON object")
		if errors.Is(err, ErrInvalidEvent) {
			if endErr := s.End(); endErr != nil {
				return endErr
			}
		}
		return err
	}
	if err := s.Open('{', "a JSON object"); err != nil {
		return err
	}
	var seen field
	for first := true; ; first = false {
		key, ok, err := s.NextKey(first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if s.Null() {
			continue
		}
		f, err := d.eventField(key, ev)
		if err != nil {
			return err
		}
		seen |= f
	}
	if err := s.End(); err != nil {
		return err
	}
	if d.deferred != nil {
		return d.deferred
	}
	if seen&fieldOp == 0 {
		return fmt.Errorf("%w: missing field \"op\"", ErrInvalidEvent)
	}
	spec := opSchema[ev.Op]
	if missing := spec.required &^ seen; missing != 0 {
		return fmt.Errorf("%w: op %s needs field %q", ErrInvalidEvent, ev.Op, firstField(missing))
	}
	if extra := seen &^ (spec.required | spec.optional | fieldID); extra != 0 {
		return fmt.Errorf("%w: op %s does not use field %q", ErrInvalidEvent, ev.Op, firstField(extra))
	}
	return nil
}

// note keeps the first schema error (the value was consumed, decoding can
// go on) and returns syntax errors, which end the line.
func (d *Decoder) note(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrInvalidEvent) || errors.Is(err, ErrUnknownOp) {
		if d.deferred == nil {
			d.deferred = err
		}
		return nil
	}
	return err
}

// unknownField consumes the value of a field the schema does not have.
func (d *Decoder) unknownField(key []byte, in string) error {
	err := fmt.Errorf("%w: unknown field %q in %s", ErrInvalidEvent, key, in)
	if skipErr := d.s.SkipValue(); skipErr != nil {
		return skipErr
	}
	return d.note(err)
}

// eventField decodes one top-level field and returns its bit.
func (d *Decoder) eventField(key []byte, ev *Event) (field, error) {
	s := &d.s
	var err error
	var f field
	switch string(key) {
	case "op":
		f = fieldOp
		var name []byte
		if name, err = s.StringValue(); err == nil {
			var ok bool
			if ev.Op, ok = lookupOp(name); !ok {
				err = fmt.Errorf("%w %q", ErrUnknownOp, name)
			}
		}
	case "contact":
		f = fieldContact
		ev.Contact, err = s.Text()
	case "id":
		f = fieldID
		ev.ID, err = s.Text()
	case "entry":
		f = fieldEntry
		err = d.entry(&ev.Entry)
	case "line":
		f = fieldLine
		err = d.line(&ev.Line)
	case "lineUri":
		f = fieldLineURI
		ev.LineURI, err = s.Text()
	case "forward":
		f = fieldForward
		err = d.forward(&ev.Forward)
	case "internalId":
		f = fieldInternalID
		ev.InternalID, err = s.Int32()
	case "call":
		f = fieldCall
		err = d.call(&ev.Call)
	case "connectionId":
		f = fieldConnectionID
		ev.ConnectionID, err = s.Text()
	case "appointments":
		f = fieldAppointments
		ev.Appointments, err = d.appointments(ev.Appointments[:0])
	case "client":
		f = fieldClient
		ev.Client, err = s.Text()
	case "device":
		f = fieldDevice
		var v int32
		v, err = s.Enum(deviceNames, deviceValues, "device")
		ev.Device = engine.Device(v)
	case "idle":
		f = fieldIdle
		ev.Idle, err = s.Boolean()
	case "capabilities":
		f = fieldCapabilities
		err = d.capabilities(&ev.Capabilities)
	case "absent":
		f = fieldAbsent
		err = d.absent(&ev.Absent)
	case "note":
		f = fieldNote
		ev.Note, err = s.Text()
	case "agent":
		f = fieldAgent
		err = d.agent(&ev.Agent)
	case "grouping":
		f = fieldGrouping
		err = d.grouping(&ev.Grouping)
	case "smallImage":
		f = fieldSmallImage
		ev.SmallImage, err = s.Base64(ev.SmallImage[:0])
	case "largeImage":
		f = fieldLargeImage
		ev.LargeImage, err = s.Base64(ev.LargeImage[:0])
	default:
		return 0, d.unknownField(key, "event")
	}
	return f, d.note(err)
}

// object decodes a JSON object member by member with fn; null members are
// skipped (they leave the zero value). A value that is not an object is
// consumed and noted.
func (d *Decoder) object(fn func(d *Decoder, key []byte) error) error {
	s := &d.s
	if err := s.OpenValue('{', "object"); err != nil {
		return d.note(err)
	}
	for first := true; ; first = false {
		key, ok, err := s.NextKey(first)
		if err != nil || !ok {
			return err
		}
		if s.Null() {
			continue
		}
		if err := fn(d, key); err != nil {
			return err
		}
	}
}

// array decodes a JSON array element by element with fn. A value that is
// not an array is consumed and noted.
func (d *Decoder) array(fn func(d *Decoder) error) error {
	s := &d.s
	if err := s.OpenValue('[', "array"); err != nil {
		return d.note(err)
	}
	for first := true; ; first = false {
		ok, err := s.NextElement(first)
		if err != nil || !ok {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
}

func (d *Decoder) line(l *engine.Line) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		s := &d.s
		switch string(key) {
		case "uri":
			l.URI, err = s.Text()
		case "number":
			l.Number, err = s.Text()
		case "state":
			var v int32
			v, err = s.Enum(lineStateNames, lineStateValues, "line state")
			l.State = engine.LineState(v)
		case "doNotDisturb":
			l.DoNotDisturb, err = s.Boolean()
		case "forwardFeatures":
			l.ForwardFeatures, err = s.Int32()
		case "primary":
			l.Primary, err = s.Boolean()
		default:
			return d.unknownField(key, "line")
		}
		return d.note(err)
	})
}

func (d *Decoder) forward(f *engine.Forward) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		s := &d.s
		switch string(key) {
		case "lineUri":
			f.LineURI, err = s.Text()
		case "lineNumber":
			f.LineNumber, err = s.Text()
		case "internalId":
			f.InternalID, err = s.Int32()
		case "destination":
			f.Destination, err = s.Text()
		case "mode":
			f.Mode, err = s.Int32()
		case "noAnswerTime":
			f.NoAnswerTime, err = s.Int32()
		default:
			return d.unknownField(key, "forward")
		}
		return d.note(err)
	})
}

func (d *Decoder) call(c *engine.Call) error {
	remoteName := ""
	err := d.object(func(d *Decoder, key []byte) (err error) {
		s := &d.s
		var v int32
		switch string(key) {
		case "connectionId":
			c.ConnectionID, err = s.Text()
		case "lineUri":
			c.LineURI, err = s.Text()
		case "lineNumber":
			c.LineNumber, err = s.Text()
		case "remoteNumber":
			c.RemoteNumber, err = s.Text()
		case "remoteDisplayName":
			remoteName, err = s.Text()
		case "remote":
			c.Remote = &engine.ContactData{}
			err = d.contactData(c.Remote)
		case "trackerId":
			c.TrackerID, err = s.Text()
		case "state":
			v, err = s.Enum(callStateNames, callStateValues, "call state")
			c.State = engine.CallState(v)
		case "features":
			c.Features, err = s.Int32()
		case "outbound":
			c.Outbound, err = s.Boolean()
		case "internal":
			c.Internal, err = s.Boolean()
		case "type":
			v, err = s.Enum(callTypeNames, callTypeValues, "call type")
			c.Type = engine.CallType(v)
		case "journalType":
			v, err = s.Enum(journalTypeNames, journalTypeValues, "journal type")
			c.JournalType = engine.JournalCallType(v)
		default:
			return d.unknownField(key, "call")
		}
		return d.note(err)
	})
	if remoteName != "" {
		// The shorthand for the one field a CTI usually knows about the
		// remote party; it overrides remote.displayName.
		data := engine.ContactData{}
		if c.Remote != nil {
			data = *c.Remote
		}
		data.DisplayName = remoteName
		c.Remote = &data
	}
	return err
}

func (d *Decoder) appointments(list []engine.Appointment) ([]engine.Appointment, error) {
	err := d.array(func(d *Decoder) error {
		list = append(list, engine.Appointment{})
		a := &list[len(list)-1]
		var seen field // fieldOp: start, fieldContact: end (bits reused locally)
		err := d.object(func(d *Decoder, key []byte) (err error) {
			s := &d.s
			var v int32
			switch string(key) {
			case "entryId":
				a.EntryID, err = s.Text()
			case "dataSource":
				a.DataSource, err = s.Text()
			case "start":
				seen |= fieldOp
				a.Start, err = s.Time()
			case "end":
				seen |= fieldContact
				a.End, err = s.Time()
			case "subject":
				a.Subject, err = s.Text()
			case "text":
				a.Text, err = s.Text()
			case "location":
				a.Location, err = s.Text()
			case "allDay":
				a.AllDay, err = s.Boolean()
			case "status":
				v, err = s.Enum(appointmentStatusNames, appointmentStatusValues, "appointment status")
				a.Status = engine.AppointmentStatus(v)
			case "category":
				a.Category, err = s.Text()
			case "importance":
				a.Importance, err = s.Int32()
			case "sensitivity":
				v, err = s.Enum(sensitivityNames, sensitivityValues, "sensitivity")
				a.Sensitivity = engine.Sensitivity(v)
			default:
				return d.unknownField(key, "appointment")
			}
			return d.note(err)
		})
		if err == nil && seen != fieldOp|fieldContact {
			d.note(fmt.Errorf("%w: appointment %d needs \"start\" and \"end\"", ErrInvalidEvent, len(list)))
		}
		return err
	})
	return list, err
}

func (d *Decoder) capabilities(c *engine.Capabilities) error {
	return d.object(func(d *Decoder, key []byte) error {
		switch string(key) {
		case "values":
			c.Values = c.Values[:0]
			return d.array(func(d *Decoder) error {
				v, err := d.s.Int32()
				c.Values = append(c.Values, engine.Capability(v))
				return d.note(err)
			})
		case "custom":
			var err error
			c.Custom, err = d.pairs(c.Custom[:0])
			return err
		}
		return d.unknownField(key, "capabilities")
	})
}

func (d *Decoder) absent(a *engine.AbsentState) error {
	hasKind := false
	err := d.object(func(d *Decoder, key []byte) (err error) {
		s := &d.s
		var v int32
		switch string(key) {
		case "kind":
			hasKind = true
			v, err = s.Enum(absentKindNames, absentKindValues, "absent kind")
			a.Kind = engine.AbsentKind(v)
		case "from":
			a.From, err = s.Time()
		case "to":
			a.To, err = s.Time()
		case "reachability":
			a.HasReachability = true
			v, err = s.Enum(reachabilityNames, reachabilityValues, "reachability")
			a.Reachability = engine.Reachability(v)
		case "external":
			a.External = a.External[:0]
			return d.array(func(d *Decoder) error {
				a.External = append(a.External, engine.ExternalPresence{})
				x := &a.External[len(a.External)-1]
				return d.object(func(d *Decoder, key []byte) (err error) {
					switch string(key) {
					case "userName":
						x.UserName, err = d.s.Text()
					case "state":
						x.State, err = d.s.Int32()
					case "type":
						x.Type, err = d.s.Int32()
					default:
						return d.unknownField(key, "external presence")
					}
					return d.note(err)
				})
			})
		default:
			return d.unknownField(key, "absent")
		}
		return d.note(err)
	})
	if err == nil && !hasKind {
		d.note(fmt.Errorf("%w: absent needs \"kind\"", ErrInvalidEvent))
	}
	return err
}

func (d *Decoder) agent(a *engine.AgentState) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		switch string(key) {
		case "state":
			var v int32
			v, err = d.s.Enum(agentStateNames, agentStateValues, "agent state")
			a.State = engine.AgentStateKind(v)
		case "details":
			a.Details = a.Details[:0]
			return d.array(func(d *Decoder) error {
				a.Details = append(a.Details, engine.StringIntPair{})
				x := &a.Details[len(a.Details)-1]
				return d.object(func(d *Decoder, key []byte) (err error) {
					switch string(key) {
					case "name":
						x.Name, err = d.s.Text()
					case "value":
						x.Value, err = d.s.Int32()
					default:
						return d.unknownField(key, "agent detail")
					}
					return d.note(err)
				})
			})
		default:
			return d.unknownField(key, "agent")
		}
		return d.note(err)
	})
}

func (d *Decoder) grouping(g *engine.GroupingAttribute) error {
	return d.object(func(d *Decoder, key []byte) (err error) {
		switch string(key) {
		case "guid":
			g.GUID, err = d.s.Text()
		case "short":
			g.Short, err = d.s.Text()
		case "long":
			g.Long, err = d.s.Text()
		case "additionalText":
			g.AdditionalText, err = d.s.Text()
		default:
			return d.unknownField(key, "grouping")
		}
		return d.note(err)
	})
}

// pairs decodes [{"key":..,"value":..}, ...].
func (d *Decoder) pairs(list []engine.StringPair) ([]engine.StringPair, error) {
	err := d.array(func(d *Decoder) error {
		list = append(list, engine.StringPair{})
		p := &list[len(list)-1]
		return d.object(func(d *Decoder, key []byte) (err error) {
			switch string(key) {
			case "key":
				p.Key, err = d.s.Text()
			case "value":
				p.Value, err = d.s.Text()
			default:
				return d.unknownField(key, "pair")
			}
			return d.note(err)
		})
	})
	return list, err
}
