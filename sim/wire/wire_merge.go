package wire

import (
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/oracle"
)

// MergePresence merges an AsnPresenceV2 into a watcher's view: the sections
// in changed (iChangedFlags; all of them for a subscribe snapshot), each
// from its wire field, the calls from their iAction deltas. A list section
// that is flagged but absent counts as emptied.
func MergePresence(sv *oracle.SubView, p *protocol.AsnPresenceV2, changed engine.Section) {
	if changed&engine.SectionPresence != 0 {
		if v, ok := p.PresenceState.Get(); ok {
			sv.Print.State = uint32(v)
		}
	}
	if changed&engine.SectionAbsentState != 0 && p.AbsentState != nil {
		sv.Print.Absent = uint8(p.AbsentState.AbsentState)
	}
	if changed&engine.SectionNote != 0 && p.CustomNote != nil {
		sv.Print.Note = oracle.HashString(p.CustomNote.Note)
	}
	if changed&engine.SectionAgent != 0 && p.AgentState != nil {
		sv.Print.Agent = uint8(p.AgentState.State)
	}
	if changed&engine.SectionAppointments != 0 {
		h := uint64(0)
		for i := range p.ActualAppointments {
			a := &p.ActualAppointments[i]
			h ^= oracle.AppointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start.Time, a.End.Time)
		}
		sv.Print.Appointments = h
	}
	if changed&engine.SectionLines != 0 {
		h := uint64(len(p.PhoneLines))
		for i := range p.PhoneLines {
			l := &p.PhoneLines[i]
			h = oracle.Mix(h ^ oracle.LineHash(l.LinePhoneNumber, int32(l.State), l.DoNotDisturb != 0))
		}
		sv.Print.Lines = h
	}
	if changed&engine.SectionCalls != 0 {
		for i := range p.Calls {
			c := &p.Calls[i]
			sv.Calls.Apply(engine.CallAction(c.Action), oracle.HashString(c.ConnectionID), int32(c.CallState))
		}
		sv.Print.Calls = sv.Calls.Hash()
	}
	if changed&engine.SectionForwards != 0 {
		h := uint64(0)
		for i := range p.LineForwards {
			f := &p.LineForwards[i]
			h ^= oracle.ForwardHash(f.LinePhoneNumber, int32(f.InternalID), f.Destination)
		}
		sv.Print.Forwards = h
	}
}
