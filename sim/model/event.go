package model

import (
	"fmt"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// Kind says what an Event is; the kind-specific fields of Event are listed
// on each constant.
type Kind uint8

// Event kinds.
const (
	// KindLogin: a client session connects and logs in. Device, Session,
	// Idle (the initial idle state), SlowReader.
	KindLogin Kind = iota + 1
	// KindLogout: a client session logs out. Device, Session.
	KindLogout
	// KindDisconnect: a session loses its connection (network drop or an
	// injected fault). Device, Session. Without a later KindReconnect the
	// session is over.
	KindDisconnect
	// KindReconnect: the session is back after a jittered backoff.
	// Device, Session, Attempt (1 = the first attempt succeeded), Idle.
	KindReconnect
	// KindIdle: a desktop or web session reports idle (Idle true) or
	// active again (Idle false). Device, Session.
	KindIdle
	// KindCall: a call changes state on one of the user's lines. CallID,
	// Line, CallState, Direction, Internal, Remote or RemoteNumber.
	KindCall
	// KindForward: call forwarding is set (Active true) or cleared on a
	// line. Line, Remote or RemoteNumber (the destination).
	KindForward
	// KindAppointment: an appointment is published or changed in the
	// user's calendar (an upsert by Appointment.ID).
	KindAppointment
	// KindAppointmentStart: an appointment becomes active. It marks the
	// intended time of the change that the engine derives from the
	// calendar at minute boundaries. Appointment.
	KindAppointmentStart
	// KindAppointmentEnd: an appointment stops being active. Appointment.
	KindAppointmentEnd
	// KindAbsentState: the user sets a manual state (Absent), or resets it
	// (AbsentNotSet).
	KindAbsentState
	// KindNote: the user sets a presence note (Note), or clears it
	// (Note empty).
	KindNote
	// KindAgentState: a contact-center agent's state changes. Agent.
	KindAgentState
)

var kindNames = [...]string{"", "login", "logout", "disconnect", "reconnect", "idle", "call", "forward", "appointment", "appointment-start", "appointment-end", "absent-state", "note", "agent-state"}

// String returns a short name.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// CallState is the state of a call on a line, numbered like the wire's
// EAsnCallState.
type CallState uint16

// Call states.
const (
	CallOffering     CallState = 2   // an incoming call rings at this user
	CallDialing      CallState = 4   // this user dials
	CallRingback     CallState = 8   // the far end rings
	CallBusy         CallState = 16  // the far end is busy
	CallConnected    CallState = 32  // talking
	CallHold         CallState = 128 // this user put the call on hold
	CallDisconnected CallState = 256 // the call is over and leaves the line
)

// String returns the state's name.
func (c CallState) String() string {
	switch c {
	case CallOffering:
		return "offering"
	case CallDialing:
		return "dialing"
	case CallRingback:
		return "ringback"
	case CallBusy:
		return "busy"
	case CallConnected:
		return "connected"
	case CallHold:
		return "hold"
	case CallDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("callstate(%d)", uint16(c))
}

// Transient reports whether the state normally lasts only seconds and is
// superseded by the next state of the same call, so that an engine may
// legitimately coalesce it away (a short ringing→connected).
func (c CallState) Transient() bool {
	return c == CallDialing || c == CallRingback || c == CallOffering || c == CallBusy
}

// Direction is the direction of a call from the event user's side.
type Direction uint8

// Directions.
const (
	Outbound Direction = iota + 1
	Inbound
)

// String returns "outbound" or "inbound".
func (d Direction) String() string {
	switch d {
	case Outbound:
		return "outbound"
	case Inbound:
		return "inbound"
	}
	return "direction(?)"
}

// AbsentState is a manual presence state, numbered like the wire's
// AsnAbsentStateEnum.
type AbsentState uint8

// Manual states.
const (
	AbsentNotAbsent    AbsentState = 0 // explicitly available
	AbsentOutOfOffice  AbsentState = 1
	AbsentBusy         AbsentState = 2
	AbsentDoNotDisturb AbsentState = 3
	AbsentNotSet       AbsentState = 4 // the manual state is reset
)

// String returns the state's name.
func (a AbsentState) String() string {
	switch a {
	case AbsentNotAbsent:
		return "available"
	case AbsentOutOfOffice:
		return "out-of-office"
	case AbsentBusy:
		return "busy"
	case AbsentDoNotDisturb:
		return "do-not-disturb"
	case AbsentNotSet:
		return "not-set"
	}
	return fmt.Sprintf("absent(%d)", uint8(a))
}

// AgentState is a contact-center agent state, numbered like the wire's
// AsnAgentStateEnum.
type AgentState uint8

// Agent states.
const (
	AgentLoggedOut        AgentState = 0
	AgentNotReady         AgentState = 1
	AgentReady            AgentState = 2
	AgentBusy             AgentState = 3
	AgentWorkingAfterCall AgentState = 4
)

// String returns the state's name.
func (a AgentState) String() string {
	switch a {
	case AgentLoggedOut:
		return "logged-out"
	case AgentNotReady:
		return "not-ready"
	case AgentReady:
		return "ready"
	case AgentBusy:
		return "busy"
	case AgentWorkingAfterCall:
		return "working-after-call"
	}
	return fmt.Sprintf("agent(%d)", uint8(a))
}

// DeviceKind is the kind of a client device (desktop, web, mobile).
type DeviceKind = scenario.DeviceKind

// AppointmentStatus is the free/busy status of an appointment, numbered
// like the wire's EnumAppointmentState.
type AppointmentStatus = scenario.AppointmentStatus

// Level is a rights level an owner grants a watcher.
type Level = scenario.Level

// NoUser is the Remote of an event whose other party is not a simulated
// user (an external number).
const NoUser int32 = -1

// Appointment is a calendar entry. Times are offsets from the day start
// like Event.At; an all-day appointment runs from midnight to midnight and
// so may start before offset 0.
type Appointment struct {
	// ID identifies the entry in the user's calendar.
	ID uint64
	// Series is the recurring series the entry belongs to, 0 if single.
	// Attendees of one fixed recurring meeting share the series.
	Series uint64
	// Start and End are the scheduled span (End after a change, in a
	// KindAppointment update).
	Start, End time.Duration
	// Status is free, tentative, busy or out of office.
	Status AppointmentStatus
	// AllDay marks an all-day entry.
	AllDay bool
}

// Recurring reports whether the entry is an occurrence of a series.
func (a Appointment) Recurring() bool { return a.Series != 0 }

// Event is one scheduled source event or client action. It is a plain
// value (no pointers besides the Note string, which points into a static
// table), so that streams of millions of events do not load the GC. Fields
// that do not apply to the Kind are zero.
type Event struct {
	// At is the intended virtual time, an offset from the day start. All
	// latencies are measured from it, not from when the generator or the
	// driver got to it.
	At time.Duration
	// ID is unique in the run and deterministic: the originating user in
	// the upper 32 bits and that user's event counter in the lower.
	ID uint64
	// User is the user whose presence or client this event concerns.
	User int32
	// Remote is the other party of an internal call or the colleague a
	// forward goes to; NoUser otherwise.
	Remote int32
	// Kind says what happened.
	Kind Kind
	// Device is the kind of client of a session event.
	Device DeviceKind
	// Session is the session's slot in the persona's device list; with
	// User it identifies the session.
	Session uint8
	// Line is the index of the user's phone line (0 = primary).
	Line uint8
	// CallState is the new state of the call.
	CallState CallState
	// Direction of the call from User's side.
	Direction Direction
	// Internal is true for a call between two simulated users.
	Internal bool
	// Idle is the idle state (KindIdle) or the initial idle state
	// (KindLogin, KindReconnect).
	Idle bool
	// SlowReader marks a session that reads its socket slowly (KindLogin).
	SlowReader bool
	// Active is true when a forward is set, false when it is cleared.
	Active bool
	// Attempt is the reconnect attempt that succeeded (KindReconnect).
	Attempt uint8
	// Absent is the manual state (KindAbsentState).
	Absent AbsentState
	// Agent is the agent state (KindAgentState).
	Agent AgentState
	// CallID identifies the call; both parties of an internal call share
	// it.
	CallID uint64
	// RemoteNumber is the external party's number as E.164 digits without
	// "+", 0 for internal parties.
	RemoteNumber uint64
	// Appointment is the calendar entry of the appointment kinds.
	Appointment Appointment
	// Note is the note text (KindNote); empty clears the note.
	Note string
}

// Origin returns the user whose behaviour generated the event: User for
// most events, the caller for the callee's events of an internal call.
func (e *Event) Origin() int { return int(e.ID >> 32) }

// String formats the event for logs and test failures.
func (e Event) String() string {
	head := fmt.Sprintf("%s u%d %s", e.At, e.User, e.Kind)
	switch e.Kind {
	case KindLogin, KindLogout, KindDisconnect:
		return fmt.Sprintf("%s %s#%d idle=%t", head, e.Device, e.Session, e.Idle)
	case KindReconnect:
		return fmt.Sprintf("%s %s#%d attempt=%d", head, e.Device, e.Session, e.Attempt)
	case KindIdle:
		return fmt.Sprintf("%s %s#%d idle=%t", head, e.Device, e.Session, e.Idle)
	case KindCall:
		return fmt.Sprintf("%s call=%x line=%d %s %s internal=%t remote=%d number=%d", head, e.CallID, e.Line, e.CallState, e.Direction, e.Internal, e.Remote, e.RemoteNumber)
	case KindForward:
		return fmt.Sprintf("%s active=%t remote=%d number=%d", head, e.Active, e.Remote, e.RemoteNumber)
	case KindAppointment, KindAppointmentStart, KindAppointmentEnd:
		a := e.Appointment
		return fmt.Sprintf("%s id=%x %s..%s %s allday=%t series=%x", head, a.ID, a.Start, a.End, a.Status, a.AllDay, a.Series)
	case KindAbsentState:
		return fmt.Sprintf("%s %s", head, e.Absent)
	case KindNote:
		return fmt.Sprintf("%s %q", head, e.Note)
	case KindAgentState:
		return fmt.Sprintf("%s %s", head, e.Agent)
	}
	return head
}
