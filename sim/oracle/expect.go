package oracle

import (
	"slices"
	"sort"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
)

// Expected is the simulator's own model of one contact's presence: the
// inputs the engine derives the state from, updated from the same ingest
// events the driver sends, with the engine's exported rule functions
// (engine.SystemState, engine.ComputeState, engine.Override) applied in the
// same order. Over the wire it is the only source of the expected views;
// in-process it is checked against the engine at every change
// ("model_divergence").
//
// What it follows: client sessions and idle, calls (by connection id, in
// the engine's order), lines, forwards, the calendar and its active
// appointments at a given time, the manual absent state with the
// override rule, the note, the agent state. Absent states with a time
// window are not modelled (the simulator sets none).
//
// Not safe for concurrent use; the contact's apply lock (or its sender)
// serialises it.
type Expected struct {
	sessions   []string // client ids, parallel to clients
	clients    []engine.ClientSession
	calls      []*engine.Call
	lines      []engine.Line
	forwards   []engine.Forward
	calendar   []engine.Appointment // sorted like the engine's
	active     []engine.Appointment
	upcoming   uint64 // hash of the next-appointments list
	absent     engine.AbsentState
	note       string
	agent      engine.AgentStateKind
	overridden bool
	system     engine.PresenceState
	state      engine.PresenceState
}

// The engine's defaults for the next-appointments list: the model follows
// an engine built with a zero engine.Config for these fields.
const (
	nextAppointmentsWindow = engine.DefaultNextAppointmentsWindow
	nextAppointmentsLimit  = engine.DefaultNextAppointmentsLimit
)

// NewExpected returns the model of a contact that has no inputs yet.
func NewExpected() *Expected {
	x := &Expected{absent: engine.AbsentState{Kind: engine.AbsentNotSet}}
	x.recompute(time.Time{})
	return x
}

// Apply updates the model with one input at time now (the engine clock's
// reading when the engine applies it) and returns the sections it changed
// in the unfiltered view (0: the engine publishes no new version).
func (x *Expected) Apply(ev *ingest.Event, now time.Time) engine.Section {
	var changed engine.Section
	recompute := false
	switch ev.Op {
	case ingest.OpPutContact:
		// Directory data is not compared.
	case ingest.OpSetLine:
		i := slices.IndexFunc(x.lines, func(l engine.Line) bool { return l.URI == ev.Line.URI })
		switch {
		case i < 0:
			x.lines = append(x.lines, ev.Line)
			changed = engine.SectionLines
		case x.lines[i] != ev.Line:
			x.lines[i] = ev.Line
			changed = engine.SectionLines
		}
	case ingest.OpClientLogin:
		i := slices.Index(x.sessions, ev.Client)
		switch {
		case i < 0:
			x.sessions = append(x.sessions, ev.Client)
			x.clients = append(x.clients, engine.ClientSession{Device: ev.Device})
			recompute = true
		case x.clients[i].Device != ev.Device:
			x.clients[i].Device = ev.Device
			recompute = true
		}
	case ingest.OpClientLogout:
		if i := slices.Index(x.sessions, ev.Client); i >= 0 {
			x.sessions = slices.Delete(x.sessions, i, i+1)
			x.clients = slices.Delete(x.clients, i, i+1)
			recompute = true
		}
	case ingest.OpClientIdle:
		if i := slices.Index(x.sessions, ev.Client); i >= 0 && x.clients[i].Idle != ev.Idle {
			x.clients[i].Idle = ev.Idle
			recompute = true
		}
	case ingest.OpPutCall:
		if ev.Call.State == engine.CallDisconnected || ev.Call.State == engine.CallDestroyed {
			changed = x.removeCall(ev.Call.ConnectionID)
			break
		}
		call := ev.Call
		i := slices.IndexFunc(x.calls, func(c *engine.Call) bool { return c.ConnectionID == call.ConnectionID })
		switch {
		case i < 0:
			x.calls = append(x.calls, &call)
			changed = engine.SectionCalls
		case *x.calls[i] != call:
			x.calls[i] = &call
			changed = engine.SectionCalls
		}
	case ingest.OpRemoveCall:
		changed = x.removeCall(ev.ConnectionID)
	case ingest.OpSetForward:
		f := ev.Forward
		i := slices.IndexFunc(x.forwards, func(o engine.Forward) bool { return o.LineURI == f.LineURI && o.InternalID == f.InternalID })
		switch {
		case i < 0:
			x.forwards = append(x.forwards, f)
			changed = engine.SectionForwards
		case x.forwards[i] != f:
			x.forwards[i] = f
			changed = engine.SectionForwards
		}
	case ingest.OpClearForward:
		i := slices.IndexFunc(x.forwards, func(o engine.Forward) bool { return o.LineURI == ev.LineURI && o.InternalID == ev.InternalID })
		if i >= 0 {
			x.forwards = slices.Delete(x.forwards, i, i+1)
			changed = engine.SectionForwards
		}
	case ingest.OpSetAppointments:
		x.calendar = slices.Clone(ev.Appointments)
		sort.SliceStable(x.calendar, func(i, j int) bool {
			a, b := &x.calendar[i], &x.calendar[j]
			if !a.Start.Equal(b.Start) {
				return a.Start.Before(b.Start)
			}
			if !a.End.Equal(b.End) {
				return a.End.Before(b.End)
			}
			return a.EntryID < b.EntryID
		})
		changed = x.refresh(now)
	case ingest.OpSetAbsent:
		x.absent = engine.AbsentState{Kind: ev.Absent.Kind}
		x.overridden = false
		changed = engine.SectionAbsentState
	case ingest.OpResetAbsent:
		if x.absent.Kind != engine.AbsentNotSet {
			x.absent = engine.AbsentState{Kind: engine.AbsentNotSet}
			x.overridden = false
			changed = engine.SectionAbsentState
		}
	case ingest.OpSetNote, ingest.OpClearNote:
		text := ev.Note
		if ev.Op == ingest.OpClearNote {
			text = ""
		}
		if x.note != text {
			x.note = text
			changed = engine.SectionNote
		}
	case ingest.OpSetAgentState:
		if x.agent != ev.Agent.State || len(ev.Agent.Details) > 0 {
			x.agent = ev.Agent.State
			changed = engine.SectionAgent
		}
	}
	if changed == 0 && !recompute {
		return 0
	}
	old := x.state
	x.recompute(now)
	if x.state != old {
		changed |= engine.SectionPresence
	}
	return changed
}

func (x *Expected) removeCall(id string) engine.Section {
	i := slices.IndexFunc(x.calls, func(c *engine.Call) bool { return c.ConnectionID == id })
	if i < 0 {
		return 0
	}
	x.calls = slices.Delete(slices.Clone(x.calls), i, i+1)
	return engine.SectionCalls
}

// Tick is the engine's calendar boundary for this contact at now: the
// active appointments are re-evaluated and the state recomputed.
func (x *Expected) Tick(now time.Time) engine.Section {
	changed := x.refresh(now)
	old := x.state
	x.recompute(now)
	if x.state != old {
		changed |= engine.SectionPresence
	}
	return changed
}

// refresh recomputes the active appointments (start <= now < end) and the
// next-appointments list, as the engine's refreshCalendar does.
func (x *Expected) refresh(now time.Time) engine.Section {
	var active []engine.Appointment
	upcoming := uint64(0)
	n := 0
	horizon := now.Add(nextAppointmentsWindow)
	for i := range x.calendar {
		a := &x.calendar[i]
		switch {
		case !a.Start.After(now) && a.End.After(now):
			active = append(active, *a)
		case a.Start.After(now) && !a.Start.After(horizon) && n < nextAppointmentsLimit:
			n++
			upcoming = Mix(upcoming ^ AppointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start, a.End))
		}
	}
	if sameAppointmentIDs(active, x.active) && upcoming == x.upcoming {
		return 0
	}
	x.active, x.upcoming = active, upcoming
	return engine.SectionAppointments
}

func sameAppointmentIDs(a, b []engine.Appointment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].EntryID != b[i].EntryID || !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) ||
			a[i].Status != b[i].Status || a[i].AllDay != b[i].AllDay {
			return false
		}
	}
	return true
}

// recompute derives the state word, advancing the manual-override rule
// (engine.Override) like the engine does after every change.
func (x *Expected) recompute(now time.Time) {
	in := engine.StateInputs{
		Now:                now,
		Manual:             x.absent,
		Calls:              x.calls,
		ActiveAppointments: x.active,
		Clients:            x.clients,
		NoteSet:            x.note != "",
		Agent:              x.agent,
	}
	base, flags := engine.SystemState(&in)
	system := base | flags
	x.overridden = engine.Override(x.overridden, x.system, system)
	x.system = system
	in.ManualOverridden = x.overridden
	x.state = engine.ComputeState(&in)
}

// Print returns the view a watcher of class c has of the contact.
func (x *Expected) Print(c uint8) ViewPrint {
	v := ClassVisibility[c]
	full := v == engine.FullVisibility()
	var p ViewPrint
	p.Note = HashString(x.note)
	p.Absent = uint8(engine.AbsentNotSet)
	if full || v&engine.VisibilityPresence != 0 {
		p.State = uint32(x.state)
		p.Absent = uint8(x.absent.Kind)
		p.Agent = uint8(x.agent)
	}
	if full || v&engine.VisibilityAppointments != 0 {
		for i := range x.active {
			a := &x.active[i]
			p.Appointments ^= AppointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start, a.End)
		}
	}
	first, other := full || v&engine.VisibilityFirstLine != 0, full || v&engine.VisibilityOtherLines != 0
	if !first && !other {
		return p
	}
	p.Lines = 0
	n := uint64(0)
	for i := range x.lines {
		if l := &x.lines[i]; (l.Primary && first) || (!l.Primary && other) {
			n++
		}
	}
	p.Lines = n
	for i := range x.lines {
		if l := &x.lines[i]; (l.Primary && first) || (!l.Primary && other) {
			p.Lines = Mix(p.Lines ^ LineHash(l.URI, int32(l.State), l.DoNotDisturb))
		}
	}
	for _, c := range x.calls {
		if x.onVisibleLine(c.LineURI, first, other) {
			p.Calls ^= callHash(HashString(c.ConnectionID), int32(c.State))
		}
	}
	for i := range x.forwards {
		f := &x.forwards[i]
		if x.onVisibleLine(f.LineURI, first, other) {
			p.Forwards ^= ForwardHash(f.LineURI, f.InternalID, f.Destination)
		}
	}
	return p
}

// onVisibleLine applies the engine's line rule: items without a line or on
// an unknown line count as first-line items.
func (x *Expected) onVisibleLine(uri string, first, other bool) bool {
	primary := true
	if uri != "" {
		for i := range x.lines {
			if x.lines[i].URI == uri {
				primary = x.lines[i].Primary
				break
			}
		}
	}
	if primary {
		return first
	}
	return other
}

// Boundaries appends the calendar boundaries after now, the times at
// which the engine will look at the contact again: appointment starts and
// ends, and the instants an appointment enters the next-appointments
// window (engine reschedule). Times may repeat.
func (x *Expected) Boundaries(now time.Time, dst []time.Time) []time.Time {
	for i := range x.calendar {
		a := &x.calendar[i]
		for _, t := range [3]time.Time{a.Start.Add(-nextAppointmentsWindow), a.Start, a.End} {
			if t.After(now) {
				dst = append(dst, t)
			}
		}
	}
	return dst
}
