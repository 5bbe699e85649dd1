package run

import (
	"time"
	"unsafe"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/oracle"
)

// snapshotChanges returns the sections that differ between two versions of
// a contact, the way the engine decides what to mark: a section changed
// when its value (state word) or its immutable pointer or slice changed.
func snapshotChanges(old, next *engine.Snapshot) engine.Section {
	var c engine.Section
	if old.State != next.State {
		c |= engine.SectionPresence
	}
	if old.Absent != next.Absent {
		c |= engine.SectionAbsentState
	}
	if old.Note != next.Note {
		c |= engine.SectionNote
	}
	if !sameSlice(old.ActiveAppointments, next.ActiveAppointments) || !sameSlice(old.NextAppointments, next.NextAppointments) ||
		old.NextAppointment != next.NextAppointment {
		c |= engine.SectionAppointments
	}
	if !sameSlice(old.Lines, next.Lines) {
		c |= engine.SectionLines
	}
	if !sameSlice(old.Calls, next.Calls) {
		c |= engine.SectionCalls
	}
	if !sameSlice(old.Forwards, next.Forwards) {
		c |= engine.SectionForwards
	}
	if old.Agent != next.Agent {
		c |= engine.SectionAgent
	}
	if old.Data != next.Data {
		c |= engine.SectionData
	}
	if old.Capabilities != next.Capabilities {
		c |= engine.SectionConfig
	}
	if old.Grouping != next.Grouping {
		c |= engine.SectionGrouping
	}
	return c
}

func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// recorded is the driver-side state the in-process recorder keeps per
// contact next to its log (guarded by the log's apply lock).
type recorded struct {
	prints [oracle.NumClasses]oracle.ViewPrint // expected views after the newest change
}

// record turns the engine's newest version of a contact into a change, if
// the version moved: per class, the sections a watcher is told changed and
// the view it should then have. Caller holds the contact's apply lock and
// (shared or exclusive) the tick lock, so nothing else changes the
// contact meanwhile.
func (d *inProcess) record(user int32, intended, applied int64, measured bool, modelChanged engine.Section, rec *oracle.Recorder) {
	log := &d.plan.Logs[user]
	id := d.plan.Population.Users[user].ContactID
	snap, ok := d.engine.Snapshot(id)
	if !ok {
		rec.Count(oracle.CounterErrors, 1)
		return
	}
	last := log.Last
	if snap == last {
		if modelChanged&oracle.PrintSections != 0 && d.cfg.CheckModel {
			d.modelMismatch(user, "the model changed, the engine did not", modelChanged)
		}
		return
	}
	engineChanged := snapshotChanges(last, snap)
	ch := &oracle.Change{Key: snap.Version, Intended: intended, Applied: applied, Measured: measured}
	state := &d.recorded[user]
	for c := range oracle.NumClasses {
		view := snap.View(oracle.ClassVisibility[c])
		p := state.prints[c]
		p.FromSnapshot(view, engineChanged&oracle.PrintSections)
		changed := engineChanged & oracle.ClassSections[c]
		if changed&engine.SectionCalls != 0 && p.Calls == state.prints[c].Calls {
			// The engine drops a calls section with no visible call change.
			changed &^= engine.SectionCalls
		}
		ch.Changed[c] = changed
		ch.Prints[c] = p
	}
	if d.cfg.CheckModel {
		for c := range oracle.NumClasses {
			mp := log.State.Print(uint8(c))
			if diff := mp.Differs(&ch.Prints[c], oracle.PrintSections); diff != 0 {
				d.modelMismatch(user, "model and engine views differ", diff)
				break
			}
		}
	}
	state.prints = ch.Prints
	log.Last = snap
	log.Append(ch)
	rec.Count(oracle.CounterChanges, 1)
}

// initRecord sets a contact's first change (its state after the directory
// and the warm-up have been applied is reached through ordinary changes;
// this one is the base version 1).
func (d *inProcess) initRecord(user int32) {
	log := &d.plan.Logs[user]
	snap, _ := d.engine.Snapshot(d.plan.Population.Users[user].ContactID)
	ch := &oracle.Change{Key: snap.Version}
	state := &d.recorded[user]
	for c := range oracle.NumClasses {
		ch.Prints[c].FromSnapshot(snap.View(oracle.ClassVisibility[c]), oracle.PrintSections)
	}
	state.prints = ch.Prints
	log.Last = snap
	log.Append(ch)
}

// modelMismatch counts and logs (the first few) differences between the
// simulator's model and the engine.
func (d *inProcess) modelMismatch(user int32, what string, sections engine.Section) {
	n := d.modelDivergence.Add(1)
	if n <= 5 {
		d.cfg.Logger.Warn("presencesim: model divergence", "contact", d.plan.Population.Users[user].ContactID,
			"what", what, "sections", sections.String(), "at", d.clock.Now().Format(time.TimeOnly))
	}
	if n == 5 {
		d.cfg.Logger.Warn("presencesim: further model divergences are counted, not logged")
	}
}
