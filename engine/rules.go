package engine

import (
	"strconv"
	"time"
)

// PresenceState is the Presence V2 state word (iPresenceState): the low byte
// is the base state, the upper bits are flags.
type PresenceState uint32

// Base states (AsnPresenceStateEnum).
const (
	StateUncontrolled PresenceState = 0
	StateAvailable    PresenceState = 1
	StateBusy         PresenceState = 2
	StateAbsent       PresenceState = 3
	StateDoNotDisturb PresenceState = 4
	StateOutOfOrder   PresenceState = 7
	StateMask         PresenceState = 0xFF
)

// Flags (AsnPresenceStateFlags).
const (
	FlagWorkingAfterCall PresenceState = 0x00010000
	FlagConferencing     PresenceState = 0x00020000
	FlagRinging          PresenceState = 0x01000000
	FlagAppointment      PresenceState = 0x02000000
	FlagCall             PresenceState = 0x04000000
	FlagOffline          PresenceState = 0x08000000
	FlagNoteSet          PresenceState = 0x10000000
	FlagIdle             PresenceState = 0x20000000
	FlagMobileAvailable  PresenceState = 0x40000000 // eMOBILEAVAILABLITY
	flagsMask            PresenceState = 0x7FFF0000
)

// Base returns the base state without flags.
func (p PresenceState) Base() PresenceState { return p & StateMask }

// Flags returns the flags without the base state.
func (p PresenceState) Flags() PresenceState { return p & flagsMask }

// ClientSession is one connected client of a contact, as the rules see it.
type ClientSession struct {
	Device Device
	Idle   bool
}

// StateInputs is everything the presence state is computed from. It is a
// plain value so that ComputeState stays a pure function.
type StateInputs struct {
	Now                time.Time
	Manual             AbsentState // Kind == AbsentNotSet when none
	ManualOverridden   bool        // a newer system event overrides the manual state (see Override)
	Calls              []*Call
	ActiveAppointments []Appointment
	Clients            []ClientSession
	NoteSet            bool
	Agent              AgentStateKind
}

// callActive reports whether a call in this state occupies the user, and
// whether it is ringing (an incoming call being offered).
func callActive(s CallState) (active, ringing bool) {
	switch s {
	case CallOffering:
		return true, true
	case CallDialing, CallRingback, CallBusy, CallConnected, CallConferenced, CallHold:
		return true, false
	}
	return false, false
}

// manualEffective reports whether a manual state is set and inside its
// optional time window at now.
func manualEffective(m *AbsentState, now time.Time) bool {
	if m.Kind == AbsentNotSet {
		return false
	}
	if !m.From.IsZero() && now.Before(m.From) {
		return false
	}
	if !m.To.IsZero() && !now.Before(m.To) {
		return false
	}
	return true
}

// SystemState computes the base state the services alone produce (calls,
// appointments, agent), without the manual state, and the flags that
// describe those services.
func SystemState(in *StateInputs) (base, flags PresenceState) {
	base = StateAvailable
	busyByCall := false
	for _, c := range in.Calls {
		active, ringing := callActive(c.State)
		if !active {
			continue
		}
		busyByCall = true
		if ringing {
			flags |= FlagRinging
		} else {
			flags |= FlagCall
		}
		if c.State == CallConferenced || c.Type == CallTypeConferenceController || c.Type == CallTypeConferenceMember {
			flags |= FlagConferencing
		}
	}
	apptBase := PresenceState(0)
	for i := range in.ActiveAppointments {
		flags |= FlagAppointment
		switch in.ActiveAppointments[i].Status {
		case AppointmentOutOfOffice:
			apptBase = StateAbsent
		case AppointmentBusy:
			if apptBase != StateAbsent {
				apptBase = StateBusy
			}
		}
	}
	if in.Agent == AgentWorkingAfterCall {
		flags |= FlagWorkingAfterCall
	}
	switch {
	case busyByCall:
		base = StateBusy
	case apptBase != 0:
		base = apptBase
	case in.Agent == AgentWorkingAfterCall:
		base = StateBusy // "should be treated as busy"
	}
	return base, flags
}

// ComputeState is the presence rule table of docs/PRESENCE-RULES.md as one
// pure function.
func ComputeState(in *StateInputs) PresenceState {
	systemBase, flags := SystemState(in)
	base := systemBase
	if manualEffective(&in.Manual, in.Now) {
		switch {
		case in.Manual.Kind == AbsentDoNotDisturb:
			base = StateDoNotDisturb // DND wins over everything, calls included
		case !in.ManualOverridden:
			switch in.Manual.Kind {
			case AbsentAvailable:
				base = StateAvailable
			case AbsentOutOfOffice:
				base = StateAbsent
			case AbsentBusy:
				base = StateBusy
			}
		}
	}
	if len(in.Clients) == 0 {
		flags |= FlagOffline
	} else {
		desktops, idleDesktops, mobiles := 0, 0, 0
		for _, c := range in.Clients {
			if c.Device == DeviceMobile {
				mobiles++
				continue
			}
			desktops++
			if c.Idle {
				idleDesktops++
			}
		}
		if desktops == idleDesktops { // all desktops idle, or mobile clients only
			flags |= FlagIdle
		}
		if mobiles > 0 {
			flags |= FlagMobileAvailable
		}
	}
	if in.NoteSet {
		flags |= FlagNoteSet
	}
	return base | flags
}

// Override advances the manual-override rule: "the manual presence overrides
// the system calculated presence at the moment it is set, but it will be
// overridden by new system events other than available". overridden is the
// current value, prevSystem and nextSystem the system state (base and
// service flags, as SystemState returns them) before and after an event: a
// call arriving during a busy meeting is a new system event although the
// base stays busy. Setting a manual state resets overridden to false.
func Override(overridden bool, prevSystem, nextSystem PresenceState) bool {
	if nextSystem.Base() == StateAvailable {
		return false // the system is back to available: the manual state applies again
	}
	if nextSystem != prevSystem {
		return true // a new system state other than available
	}
	return overridden
}

var stateNames = map[PresenceState]string{
	StateUncontrolled: "uncontrolled", StateAvailable: "available", StateBusy: "busy",
	StateAbsent: "absent", StateDoNotDisturb: "do-not-disturb", StateOutOfOrder: "out-of-order",
}

var flagNames = []struct {
	bit  PresenceState
	name string
}{
	{FlagWorkingAfterCall, "working-after-call"}, {FlagConferencing, "conferencing"}, {FlagRinging, "ringing"},
	{FlagAppointment, "appointment"}, {FlagCall, "call"}, {FlagOffline, "offline"}, {FlagNoteSet, "note"},
	{FlagIdle, "idle"}, {FlagMobileAvailable, "mobile"},
}

// String renders the state word, e.g. "busy+call+appointment".
func (p PresenceState) String() string {
	out, ok := stateNames[p.Base()]
	if !ok {
		out = "state" + strconv.Itoa(int(p.Base()))
	}
	for _, f := range flagNames {
		if p&f.bit != 0 {
			out += "+" + f.name
		}
	}
	return out
}
