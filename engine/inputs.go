package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"time"
)

// This file is the engine's input API: the only way contact state changes
// (the seam a cluster would route to a contact's owner node).

// PutContact adds a contact or updates its directory entry. Watchers of an
// existing contact get the data and configuration sections that changed.
func (e *Engine) PutContact(id string, entry ContactEntry) error {
	if id == "" {
		return fmt.Errorf("%w: empty contact id", ErrInvalid)
	}
	if entry.Data == nil {
		entry.Data = &ContactData{}
	}
	h := maphash.String(e.seed, id)
	sh := e.shardOf(h)
	for {
		c, loaded := sh.contacts.LoadOrCompute(id, func() *contact {
			c := &contact{id: id, hash: h, shard: sh, systemState: StateAvailable}
			c.groups = slices.Clone(entry.Groups)
			c.admin = entry.Administrator
			in := StateInputs{}
			snap := nextSnapshot(&Snapshot{
				ContactID:     id,
				Version:       1,
				Data:          entry.Data,
				PropertyBag:   entry.PropertyBag,
				FeatureSet:    entry.FeatureSet,
				StaticRights:  entry.StaticRights,
				StaticRights2: entry.StaticRights2,
				MonitorRights: entry.MonitorRights,
				Absent:        emptyAbsent,
				Note:          emptyNote,
				Capabilities:  emptyCapabilities,
				Agent:         emptyAgent,
				visibility:    visibilityFull,
				filtered:      &dataCache{},
			})
			snap.State = ComputeState(&in)
			c.snap.Store(snap)
			return c
		})
		if !loaded {
			e.contactAdded(c)
			return nil
		}
		regroup := false
		err := e.updateContact(c, func(c *contact, next *Snapshot, _ time.Time) Section {
			var changed Section
			if !sameData(next.Data, entry.Data) || !slices.Equal(next.PropertyBag, entry.PropertyBag) {
				next.Data, next.PropertyBag = entry.Data, entry.PropertyBag
				changed |= SectionData
			}
			if next.FeatureSet != entry.FeatureSet || next.StaticRights != entry.StaticRights ||
				next.StaticRights2 != entry.StaticRights2 || next.MonitorRights != entry.MonitorRights {
				next.FeatureSet, next.StaticRights = entry.FeatureSet, entry.StaticRights
				next.StaticRights2, next.MonitorRights = entry.StaticRights2, entry.MonitorRights
				changed |= SectionConfig
			}
			c.admin = entry.Administrator
			if !slices.Equal(c.groups, entry.Groups) {
				old := c.groups
				c.groups = slices.Clone(entry.Groups)
				regroup = true
				// Under c.mu, so that concurrent regroupings of one
				// contact reach the index in the order they happened.
				e.members.move(c, old, c.groups)
			}
			return changed
		}, nil)
		if regroup {
			e.groupsChanged(c) // rights depend on groups; outside c.mu
		}
		if err != ErrUnknownContact {
			return err
		}
		// Removed between load and update: retry, which adds it anew.
	}
}

// RemoveContact removes a contact. Each of its watchers receives exactly one
// removal; their subscriptions end.
func (e *Engine) RemoveContact(id string) error {
	h := maphash.String(e.seed, id)
	sh := e.shardOf(h)
	c, ok := sh.contacts.LoadAndDelete(id)
	if !ok {
		return ErrUnknownContact
	}
	c.mu.Lock()
	c.removed = true
	c.wakeGen++
	a := c.subs.Load()
	e.members.move(c, c.groups, nil)
	c.mu.Unlock()
	sh.removals.Add(1)
	if a != nil {
		a.forEach(func(s *subscription) { s.mark(sectionRemoved, nil) })
	}
	return nil
}

// Groups returns the rights groups of a contact.
func (e *Engine) Groups(id string) ([]string, bool) {
	c := e.lookup(id)
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.groups), true
}

// SetImages sets the small and large pictures of a contact; nil clears one.
// Hashes are computed here (hex SHA-256, truncated to 128 bits).
func (e *Engine) SetImages(id string, small, large []byte) error {
	return e.setImagesIn(nil, id, small, large)
}

func (e *Engine) setImagesIn(d *Deferred, id string, small, large []byte) error {
	si, li := makeImage(small), makeImage(large)
	if e.lookup(id) == nil {
		return ErrUnknownContact
	}
	if forwarded, err := e.route(id, func() Change { return Change{Kind: ChangeImages, Contact: id, Small: si, Large: li} }); forwarded {
		return err
	}
	return e.durablyIn(d, id, func() []Change { return []Change{{Kind: ChangeImages, Contact: id, Small: si, Large: li}} }, func() error {
		return e.setImages(id, si, li)
	})
}

func (e *Engine) setImages(id string, si, li *Image) error {
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		var changed Section
		if !sameImage(next.SmallImage, si) {
			next.SmallImage = si
			changed |= SectionImage | SectionData // the hash travels with the contact data
		}
		if !sameImage(next.LargeImage, li) {
			next.LargeImage = li
			changed |= SectionData
		}
		return changed
	})
}

func makeImage(b []byte) *Image {
	if len(b) == 0 {
		return nil
	}
	sum := sha256.Sum256(b)
	return &Image{Data: slices.Clone(b), Hash: hex.EncodeToString(sum[:16])}
}

func sameImage(a, b *Image) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Hash == b.Hash
}

// SetLine adds or changes a phone line (matched by URI): its state,
// do-not-disturb and forward features.
func (e *Engine) SetLine(id string, line Line) error {
	if line.URI == "" {
		return fmt.Errorf("%w: line without URI", ErrInvalid)
	}
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Lines, func(l Line) bool { return l.URI == line.URI })
		if i >= 0 && next.Lines[i] == line {
			return 0
		}
		lines := slices.Clone(next.Lines)
		if i >= 0 {
			lines[i] = line
		} else {
			lines = append(lines, line)
		}
		next.Lines = lines
		return SectionLines
	})
}

// RemoveLine removes a phone line, with its forwards.
func (e *Engine) RemoveLine(id, lineURI string) error {
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Lines, func(l Line) bool { return l.URI == lineURI })
		if i < 0 {
			return 0
		}
		next.Lines = slices.Delete(slices.Clone(next.Lines), i, i+1)
		changed := SectionLines
		if slices.ContainsFunc(next.Forwards, func(f Forward) bool { return f.LineURI == lineURI }) {
			next.Forwards = slices.DeleteFunc(slices.Clone(next.Forwards), func(f Forward) bool { return f.LineURI == lineURI })
			changed |= SectionForwards
		}
		return changed
	})
}

// SetForward sets a forward (matched by line URI and internal id).
func (e *Engine) SetForward(id string, f Forward) error {
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Forwards, func(o Forward) bool { return o.LineURI == f.LineURI && o.InternalID == f.InternalID })
		if i >= 0 && next.Forwards[i] == f {
			return 0
		}
		list := slices.Clone(next.Forwards)
		if i >= 0 {
			list[i] = f
		} else {
			list = append(list, f)
		}
		next.Forwards = list
		return SectionForwards
	})
}

// ClearForward clears a forward.
func (e *Engine) ClearForward(id, lineURI string, internalID int32) error {
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Forwards, func(o Forward) bool { return o.LineURI == lineURI && o.InternalID == internalID })
		if i < 0 {
			return 0
		}
		next.Forwards = slices.Delete(slices.Clone(next.Forwards), i, i+1)
		return SectionForwards
	})
}

// PutCall adds a call or changes it (matched by connection id). CTI calls
// carry a line URI; audio/video, softphone and Bluetooth-headset calls carry
// none and a JournalType saying what they are. Both make the contact busy.
// A call in state Disconnected or Destroyed is removed.
func (e *Engine) PutCall(id string, call Call) error {
	if call.ConnectionID == "" {
		return fmt.Errorf("%w: call without connection id", ErrInvalid)
	}
	if call.State == CallDisconnected || call.State == CallDestroyed {
		return e.RemoveCall(id, call.ConnectionID)
	}
	cp := call
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Calls, func(o *Call) bool { return o.ConnectionID == cp.ConnectionID })
		if i >= 0 && sameCall(next.Calls[i], &cp) {
			return 0
		}
		calls := make([]*Call, len(next.Calls), len(next.Calls)+1)
		copy(calls, next.Calls)
		if i >= 0 {
			calls[i] = &cp
		} else {
			calls = append(calls, &cp)
		}
		next.Calls = calls
		return SectionCalls
	})
}

// RemoveCall removes a call.
func (e *Engine) RemoveCall(id, connectionID string) error {
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		i := slices.IndexFunc(next.Calls, func(o *Call) bool { return o.ConnectionID == connectionID })
		if i < 0 {
			return 0
		}
		next.Calls = slices.Delete(slices.Clone(next.Calls), i, i+1)
		return SectionCalls
	})
}

// SetAppointments replaces the calendar of a contact. The engine makes
// appointments active at their start and inactive at their end on its clock,
// and keeps the next appointments within the configured window.
func (e *Engine) SetAppointments(id string, list []Appointment) error {
	cal := slices.Clone(list)
	for i := range cal {
		if cal[i].End.Before(cal[i].Start) {
			return fmt.Errorf("%w: appointment %q ends before it starts", ErrInvalid, cal[i].EntryID)
		}
		cal[i].Owner = id
	}
	sortAppointments(cal)
	return e.update(id, func(c *contact, next *Snapshot, now time.Time) Section {
		c.calendar = cal
		return e.refreshCalendar(c, next, now)
	})
}

// ClientLogin registers a connected client of a contact. Logging in an
// already known client id changes its device.
func (e *Engine) ClientLogin(id, clientID string, device Device) error {
	if forwarded, err := e.route(id, func() Change { return Change{Kind: ChangeClientLogin, Contact: id, Client: clientID, Device: device} }); forwarded {
		return err
	}
	return e.update(id, func(c *contact, next *Snapshot, _ time.Time) Section {
		if i := slices.Index(c.sessionIDs, clientID); i >= 0 {
			if c.sessions[i].Device == device {
				return 0
			}
			c.sessions[i].Device = device
			return sectionRecompute
		}
		c.sessionIDs = append(c.sessionIDs, clientID)
		c.sessions = append(c.sessions, ClientSession{Device: device})
		c.sessionCaps = append(c.sessionCaps, Capabilities{})
		return sectionRecompute
	})
}

// ClientLogout removes a client of a contact, with its capabilities.
func (e *Engine) ClientLogout(id, clientID string) error {
	if forwarded, err := e.route(id, func() Change { return Change{Kind: ChangeClientLogout, Contact: id, Client: clientID} }); forwarded {
		return err
	}
	return e.update(id, func(c *contact, next *Snapshot, _ time.Time) Section {
		i := slices.Index(c.sessionIDs, clientID)
		if i < 0 {
			return 0
		}
		c.sessionIDs = slices.Delete(c.sessionIDs, i, i+1)
		c.sessions = slices.Delete(c.sessions, i, i+1)
		c.sessionCaps = slices.Delete(c.sessionCaps, i, i+1)
		return sectionRecompute | c.sumCapabilities(next)
	})
}

// SetClientIdle sets the idle (screen locked, no input) state of a client.
func (e *Engine) SetClientIdle(id, clientID string, idle bool) error {
	return e.update(id, func(c *contact, _ *Snapshot, _ time.Time) Section {
		i := slices.Index(c.sessionIDs, clientID)
		if i < 0 || c.sessions[i].Idle == idle {
			return 0
		}
		c.sessions[i].Idle = idle
		return sectionRecompute
	})
}

// SetClientCapabilities sets what one client can do; the contact shows the
// sum over its connected clients.
func (e *Engine) SetClientCapabilities(id, clientID string, caps Capabilities) error {
	caps = Capabilities{Values: slices.Clone(caps.Values), Custom: slices.Clone(caps.Custom)}
	return e.update(id, func(c *contact, next *Snapshot, _ time.Time) Section {
		i := slices.Index(c.sessionIDs, clientID)
		if i < 0 {
			return 0
		}
		c.sessionCaps[i] = caps
		return c.sumCapabilities(next)
	})
}

// sumCapabilities recomputes the capabilities section: the union of the
// enum values (sorted) and the concatenation of custom pairs. Caller holds c.mu.
func (c *contact) sumCapabilities(next *Snapshot) Section {
	var sum Capabilities
	for _, cp := range c.sessionCaps {
		for _, v := range cp.Values {
			if !slices.Contains(sum.Values, v) {
				sum.Values = append(sum.Values, v)
			}
		}
		sum.Custom = append(sum.Custom, cp.Custom...)
	}
	slices.Sort(sum.Values)
	if slices.Equal(sum.Values, next.Capabilities.Values) && slices.Equal(sum.Custom, next.Capabilities.Custom) {
		return 0
	}
	next.Capabilities = &sum
	// Capabilities travel with the configuration section on the wire
	// (asnContactCapabilitiesEx has no subscription bit of its own).
	return SectionConfig
}

// SetAbsentState sets the manual absent state of a contact. It overrides the
// calculated state from now on, until a new system event other than
// available (see docs/PRESENCE-RULES.md). Kind AbsentNotSet resets it.
func (e *Engine) SetAbsentState(id string, st AbsentState) error {
	return e.setAbsentStateIn(nil, id, st)
}

func (e *Engine) setAbsentStateIn(d *Deferred, id string, st AbsentState) error {
	if st.Kind < AbsentAvailable || st.Kind > AbsentNotSet {
		return fmt.Errorf("%w: absent state %d", ErrInvalid, st.Kind)
	}
	if !st.From.IsZero() && !st.To.IsZero() && st.To.Before(st.From) {
		return fmt.Errorf("%w: absent state ends before it starts", ErrInvalid)
	}
	st.External = slices.Clone(st.External)
	if e.lookup(id) == nil {
		return ErrUnknownContact
	}
	if st.SetAt.IsZero() {
		st.SetAt = e.clock.Now()
	}
	change := Change{Kind: ChangeAbsent, Contact: id}
	if st.Kind != AbsentNotSet {
		change.Absent = &st
	}
	if forwarded, err := e.route(id, func() Change { return change }); forwarded {
		return err
	}
	return e.durablyIn(d, id, func() []Change { return []Change{change} }, func() error { return e.setAbsentState(id, st) })
}

func (e *Engine) setAbsentState(id string, st AbsentState) error {
	return e.update(id, func(c *contact, next *Snapshot, now time.Time) Section {
		if st.Kind == AbsentNotSet {
			if next.Absent.Kind == AbsentNotSet {
				return 0
			}
			next.Absent = emptyAbsent
		} else {
			next.Absent = &st
		}
		c.overridden = false
		// refreshCalendar, not just reschedule: a boundary that is due but not
		// yet ticked (a meeting starting now) must not be skipped.
		return SectionAbsentState | e.refreshCalendar(c, next, now)
	})
}

// ResetAbsentState returns the contact to the purely calculated state.
func (e *Engine) ResetAbsentState(id string) error {
	return e.SetAbsentState(id, AbsentState{Kind: AbsentNotSet})
}

// SetNote sets the custom note; an empty text clears it.
func (e *Engine) SetNote(id, text string) error {
	return e.RestoreNote(id, Note{Text: text, SetAt: e.clock.Now()})
}

// RestoreNote sets the custom note with its original time (SetNote stamps
// the engine clock); an empty text clears it.
func (e *Engine) RestoreNote(id string, note Note) error {
	return e.restoreNote(nil, id, note)
}

func (e *Engine) restoreNote(d *Deferred, id string, note Note) error {
	if e.lookup(id) == nil {
		return ErrUnknownContact
	}
	var value *Note // one allocation shared by the change record and the snapshot
	if note.Text != "" {
		value = &note
	}
	if forwarded, err := e.route(id, func() Change { return Change{Kind: ChangeNote, Contact: id, Note: value} }); forwarded {
		return err
	}
	return e.durablyIn(d, id, func() []Change { return []Change{{Kind: ChangeNote, Contact: id, Note: value}} }, func() error {
		return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
			if next.Note.Text == note.Text {
				return 0
			}
			if value == nil {
				next.Note = emptyNote
			} else {
				next.Note = value
			}
			return SectionNote
		})
	})
}

// SetAgentState sets the contact-center agent state.
func (e *Engine) SetAgentState(id string, st AgentState) error {
	st.Details = slices.Clone(st.Details)
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		if next.Agent.State == st.State && slices.Equal(next.Agent.Details, st.Details) {
			return 0
		}
		next.Agent = &st
		return SectionAgent
	})
}

// SetGroupingAttribute sets or (nil) clears the monitor grouping attribute.
func (e *Engine) SetGroupingAttribute(id string, g *GroupingAttribute) error {
	if g != nil {
		cp := *g
		g = &cp
	}
	return e.update(id, func(_ *contact, next *Snapshot, _ time.Time) Section {
		if (next.Grouping == nil && g == nil) || (next.Grouping != nil && g != nil && *next.Grouping == *g) {
			return 0
		}
		next.Grouping = g
		return SectionGrouping
	})
}

// sameData compares two contact data records by value (reflect.DeepEqual:
// directory updates are rare, so this is not a hot path).
func sameData(a, b *ContactData) bool {
	if a == b {
		return true
	}
	return reflect.DeepEqual(a, b) // directory updates are rare; not a hot path
}

// sameCall compares two calls by value, the remote party's data included
// (a re-sent identical call is not a change).
func sameCall(a, b *Call) bool {
	x, y := *a, *b
	x.Remote, y.Remote = nil, nil
	if x != y {
		return false
	}
	if a.Remote == nil || b.Remote == nil {
		return a.Remote == b.Remote
	}
	return sameData(a.Remote, b.Remote)
}
