package engine

import "time"

// mutation changes the copy of a contact's snapshot (next) and the
// contact's private inputs, and returns the sections it changed (zero: no
// change, nothing is published). It runs under c.mu.
type mutation func(c *contact, next *Snapshot, now time.Time) Section

// sectionRecompute, returned by a mutation, asks for the state to be
// recomputed (a time boundary passed) without changing a section itself.
const sectionRecompute Section = 1 << 30

// update applies fn to the contact with this id, recomputes the presence
// state, publishes the new snapshot and fans the change out.
func (e *Engine) update(id string, fn mutation) error {
	c := e.lookup(id)
	if c == nil {
		return ErrUnknownContact
	}
	return e.updateContact(c, fn, nil)
}

// updateContact applies an input fn to c; with a batch, the watchers'
// wake-ups are queued on it (see wakeBatch). Calendar boundaries that are
// due at the input's time and not yet run by the scheduler run first, each
// at its own instant and as its own version (catchUp): an input applied at
// time t always sees every boundary at or before t, whatever the
// scheduler's lag, so a contact's history is a function of its inputs and
// their times alone.
func (e *Engine) updateContact(c *contact, fn mutation, batch *wakeBatch) error {
	c.mu.Lock()
	if c.removed {
		c.mu.Unlock()
		return ErrUnknownContact
	}
	now := e.clock.Now()
	published := e.catchUp(c, now, batch)
	c.inputAt = now.UnixNano()
	if e.apply(c, fn, now, batch) {
		published++
	}
	c.mu.Unlock()
	e.afterPublish(c, published)
	return nil
}

// apply runs fn on the next version of c at time now, recomputes the
// presence state and publishes the version if anything changed. It
// reports whether it published. Caller holds c.mu.
func (e *Engine) apply(c *contact, fn mutation, now time.Time, batch *wakeBatch) bool {
	old := c.snap.Load()
	next := nextSnapshot(old)
	changed := fn(c, next, now)
	if changed == 0 {
		return false
	}
	c.recompute(next, now)
	if next.State != old.State {
		changed |= SectionPresence
	}
	changed &^= sectionRecompute
	if changed == 0 {
		return false
	}
	next.Version = old.Version + 1
	next.Published = time.Now().UnixNano()
	next.changed = changed
	next.stamp(old, changed)
	c.snap.Store(next)
	if testHookPublished != nil {
		testHookPublished(c, next)
	}
	// Pull does not depend on when the marks land (a pull between the
	// publish and the marks delivers this version, and the marks then find
	// it delivered); marking under c.mu keeps each subscriber's marks in
	// version order all the same.
	e.fanout(c, changed, batch)
	return true
}

// afterPublish counts n versions of c published and tells the cluster
// layer. Called without c.mu.
func (e *Engine) afterPublish(c *contact, n int) {
	if n == 0 {
		return
	}
	c.shard.updates.Add(uint64(n))
	e.published(c.id)
}

// InputTime returns the engine time at which the newest input (not a
// calendar boundary) was applied to the contact, zero if none was or the
// contact is unknown. Calendar boundaries at or before it ran before that
// input, later ones after it. The ingest API reports it per event when
// asked (docs/INGEST.md), so that a source that alone feeds a contact
// knows the exact order in which the engine applied its events and the
// contact's boundaries (the simulator's over-the-wire oracle).
func (e *Engine) InputTime(id string) time.Time {
	c := e.lookup(id)
	if c == nil {
		return time.Time{}
	}
	c.mu.Lock()
	at := c.inputAt
	c.mu.Unlock()
	if at == 0 {
		return time.Time{}
	}
	return time.Unix(0, at)
}

// testHookPublished, when set (tests only, before any concurrent use), runs
// between publishing a version and marking its subscribers: the window in
// which a concurrent pull reads a version whose marks have not landed.
var testHookPublished func(c *contact, s *Snapshot)

// recompute derives the presence state of next from its sections and the
// contact's inputs, advancing the manual-override rule. Caller holds c.mu.
func (c *contact) recompute(next *Snapshot, now time.Time) {
	in := StateInputs{
		Now:                now,
		Manual:             *next.Absent,
		Calls:              next.Calls,
		ActiveAppointments: next.ActiveAppointments,
		Clients:            c.sessions,
		NoteSet:            next.Note.Text != "",
		Agent:              next.Agent.State,
	}
	systemBase, systemFlags := SystemState(&in)
	system := systemBase | systemFlags
	c.overridden = Override(c.overridden, c.systemState, system)
	c.systemState = system
	in.ManualOverridden = c.overridden
	next.State = ComputeState(&in)
}

// fanout marks every subscription of c with the changed sections. It runs
// without locks.
func (e *Engine) fanout(c *contact, changed Section, batch *wakeBatch) {
	a := c.subs.Load()
	if a == nil {
		return
	}
	n := int(a.n.Load())
	marked := 0
	for i := 0; i < n; i++ {
		if s := a.slots[i].Load(); s != nil {
			s.mark(changed, batch)
			marked++
		}
	}
	c.shard.marks.Add(uint64(marked))
}
