package run

import (
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// mergeWire merges an AsnPresenceV2 into a watcher's view: the sections
// in changed (iChangedFlags; all of them for a subscribe snapshot), each
// from its wire field, the calls from their iAction deltas. A list section
// that is flagged but absent counts as emptied.
func mergeWire(sv *subView, p *protocol.AsnPresenceV2, changed engine.Section) {
	if changed&engine.SectionPresence != 0 {
		if v, ok := p.PresenceState.Get(); ok {
			sv.print.state = uint32(v)
		}
	}
	if changed&engine.SectionAbsentState != 0 && p.AbsentState != nil {
		sv.print.absent = uint8(p.AbsentState.AbsentState)
	}
	if changed&engine.SectionNote != 0 && p.CustomNote != nil {
		sv.print.note = hashString(p.CustomNote.Note)
	}
	if changed&engine.SectionAgent != 0 && p.AgentState != nil {
		sv.print.agent = uint8(p.AgentState.State)
	}
	if changed&engine.SectionAppointments != 0 {
		h := uint64(0)
		for i := range p.ActualAppointments {
			a := &p.ActualAppointments[i]
			h ^= appointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start.Time, a.End.Time)
		}
		sv.print.appointments = h
	}
	if changed&engine.SectionLines != 0 {
		h := uint64(len(p.PhoneLines))
		for i := range p.PhoneLines {
			l := &p.PhoneLines[i]
			h = mix(h ^ lineHash(l.LinePhoneNumber, int32(l.State), l.DoNotDisturb != 0))
		}
		sv.print.lines = h
	}
	if changed&engine.SectionCalls != 0 {
		for i := range p.Calls {
			c := &p.Calls[i]
			sv.calls.apply(engine.CallAction(c.Action), hashString(c.ConnectionID), int32(c.CallState))
		}
		sv.print.calls = sv.calls.hash()
	}
	if changed&engine.SectionForwards != 0 {
		h := uint64(0)
		for i := range p.LineForwards {
			f := &p.LineForwards[i]
			h ^= forwardHash(f.LinePhoneNumber, int32(f.InternalID), f.Destination)
		}
		sv.print.forwards = h
	}
}
