package engine

import (
	"reflect"
	"sync/atomic"
	"time"
)

// This file is the engine's seam for a cluster (package cluster): inputs of
// a contact owned by another node are forwarded there, an owner's snapshots
// are installed on the nodes that watch the contact (replicas), and user-set
// changes made elsewhere are applied without persisting them again. Without
// a Router and hooks the engine behaves as a single node; each seam costs
// one atomic load.

// Router routes user-set inputs of a contact (absent state, note, images) to
// the node that owns the contact. Implementations are safe for concurrent
// use.
type Router interface {
	// Owns reports whether this node applies the inputs of the contact.
	Owns(id string) bool
	// Forward applies the change on the owner (which persists it) and
	// returns when the owner has applied it, or with an error.
	Forward(change Change) error
}

// Hooks are callbacks of the cluster seam. A nil field is not called.
type Hooks struct {
	// Published is called after a contact published a new version (outside
	// every engine lock, from the goroutine that made the change).
	Published func(id string)
	// Subscribing is called by Watcher.Subscribe before it reads the
	// contacts, so a cluster can bring their replicas up to date first.
	Subscribing func(ids []string)
}

type routerBox struct{ r Router }

// clusterSeam holds the Router and Hooks (nil when single-node).
type clusterSeam struct {
	router atomic.Pointer[routerBox]
	hooks  atomic.Pointer[Hooks]
}

// SetRouter installs (or, with nil, removes) the Router.
func (e *Engine) SetRouter(r Router) {
	if r == nil {
		e.cluster.router.Store(nil)
		return
	}
	e.cluster.router.Store(&routerBox{r: r})
}

// SetHooks installs (or, with nil, removes) the cluster hooks.
func (e *Engine) SetHooks(h *Hooks) { e.cluster.hooks.Store(h) }

// route forwards a change of contact id to its owner when this node is not
// the owner; forwarded reports whether it did.
func (e *Engine) route(id string, change func() Change) (forwarded bool, err error) {
	box := e.cluster.router.Load()
	if box == nil || box.r.Owns(id) {
		return false, nil
	}
	return true, box.r.Forward(change())
}

func (e *Engine) published(id string) {
	if h := e.cluster.hooks.Load(); h != nil && h.Published != nil {
		h.Published(id)
	}
}

func (e *Engine) subscribing(ids []string) {
	if h := e.cluster.hooks.Load(); h != nil && h.Subscribing != nil {
		h.Subscribing(ids)
	}
}

// ApplyChange applies a user-set change made durable elsewhere (by another
// node, or read back from the cluster's store) without persisting it again:
// rights entries, challenges, absent states, notes and images. Watchers are
// notified as for a local change.
func (e *Engine) ApplyChange(ch Change) error {
	switch ch.Kind {
	case ChangeRights:
		if ch.Scope == ScopePersonal {
			m := e.rights
			m.mu.Lock()
			old, had := m.personal[ch.Key][ch.Remote]
			if ch.Rights == nil {
				delete(m.personal[ch.Key], ch.Remote)
			} else {
				list := m.personal[ch.Key]
				if list == nil {
					list = map[string]Rights{}
					m.personal[ch.Key] = list
				}
				list[ch.Remote] = *ch.Rights
			}
			answered := ch.Rights != nil && m.dropChallenge(ch.Key, ch.Remote)
			m.mu.Unlock()
			if had != (ch.Rights != nil) || (ch.Rights != nil && old != *ch.Rights) || answered {
				e.personalChanged(ch.Key, ch.Remote, answered)
			}
			return nil
		}
		var r Rights
		if ch.Rights != nil {
			r = *ch.Rights
		}
		return e.setListRights(ch.Scope, ch.Key, ch.Remote, r, ch.Rights == nil)
	case ChangeChallenge:
		c := e.lookup(ch.Key)
		if c == nil {
			return ErrUnknownContact
		}
		m := e.rights
		m.mu.Lock()
		var changed bool
		if ch.Challenge == nil {
			changed = m.dropChallenge(ch.Key, ch.Remote)
		} else {
			known := false
			for _, x := range m.challenges[ch.Key] {
				known = known || x.Challenger == ch.Challenge.Challenger
			}
			if !known {
				m.challenges[ch.Key] = append(m.challenges[ch.Key], *ch.Challenge)
				changed = true
			}
		}
		m.mu.Unlock()
		if changed {
			e.markOwn(c, SectionChallenges)
		}
		return nil
	case ChangeAbsent:
		st := AbsentState{Kind: AbsentNotSet}
		if ch.Absent != nil {
			st = *ch.Absent
		}
		return e.setAbsentState(ch.Contact, st)
	case ChangeNote:
		return e.update(ch.Contact, func(_ *contact, next *Snapshot, _ time.Time) Section {
			switch {
			case ch.Note == nil && next.Note.Text == "":
				return 0
			case ch.Note == nil:
				next.Note = emptyNote
			case next.Note.Text == ch.Note.Text:
				return 0
			default:
				n := *ch.Note
				next.Note = &n
			}
			return SectionNote
		})
	case ChangeImages:
		return e.setImages(ch.Contact, ch.Small, ch.Large)
	}
	return ErrInvalid
}

// ApplyForwarded applies a change that another node forwarded to this
// node, the contact's owner (see Router): as the public input it stands
// for, so it is persisted before it is applied.
func (e *Engine) ApplyForwarded(ch Change) error {
	switch ch.Kind {
	case ChangeAbsent:
		st := AbsentState{Kind: AbsentNotSet}
		if ch.Absent != nil {
			st = *ch.Absent
		}
		return e.SetAbsentState(ch.Contact, st)
	case ChangeNote:
		n := Note{}
		if ch.Note != nil {
			n = *ch.Note
		}
		return e.RestoreNote(ch.Contact, n)
	case ChangeImages:
		var small, large []byte
		if ch.Small != nil {
			small = ch.Small.Data
		}
		if ch.Large != nil {
			large = ch.Large.Data
		}
		return e.SetImages(ch.Contact, small, large)
	case ChangeClientLogin:
		return e.ClientLogin(ch.Contact, ch.Client, ch.Device)
	case ChangeClientLogout:
		return e.ClientLogout(ch.Contact, ch.Client)
	}
	return ErrInvalid
}

// ApplyReplica installs a snapshot computed by the contact's owner node as
// this node's copy of the contact, if it is newer than the copy; local
// watchers get the sections that differ, exactly as for a local change.
// The snapshot's version travels with it, so a version is the same on
// every node. It reports whether the snapshot was installed.
func (e *Engine) ApplyReplica(s *Snapshot) (bool, error) {
	c := e.lookup(s.ContactID)
	if c == nil {
		return false, ErrUnknownContact
	}
	c.mu.Lock()
	if c.removed {
		c.mu.Unlock()
		return false, ErrUnknownContact
	}
	old := c.snap.Load()
	if s.Version <= old.Version {
		c.mu.Unlock()
		return false, nil
	}
	next := nextSnapshot(old)
	next.State, next.Data, next.PropertyBag = s.State, s.Data, s.PropertyBag
	next.FeatureSet, next.StaticRights, next.StaticRights2, next.MonitorRights = s.FeatureSet, s.StaticRights, s.StaticRights2, s.MonitorRights
	next.Absent, next.Note = orDefault(s.Absent, emptyAbsent), orDefault(s.Note, emptyNote)
	next.ActiveAppointments, next.NextAppointment, next.NextAppointments = s.ActiveAppointments, s.NextAppointment, s.NextAppointments
	next.Lines, next.Calls, next.Forwards = s.Lines, s.Calls, s.Forwards
	next.Capabilities, next.Agent = orDefault(s.Capabilities, emptyCapabilities), orDefault(s.Agent, emptyAgent)
	next.Grouping, next.SmallImage, next.LargeImage = s.Grouping, s.SmallImage, s.LargeImage
	if next.Data == nil {
		next.Data = &ContactData{}
	}
	changed := diffSections(old, next)
	next.Version, next.Published, next.changed = s.Version, s.Published, changed
	// The replica keeps its own per-section history (the owner's does not
	// travel): what differs from the replica's previous version changed in
	// this one, which is what Pull's changedSince reads.
	next.stamp(old, changed)
	c.snap.Store(next)
	if changed != 0 {
		e.fanout(c, changed, nil)
	}
	c.mu.Unlock()
	return true, nil
}

// RebaseVersion raises the version of a contact to at least minimum
// without changing its state (a new owner continues the version sequence
// above every version an earlier owner can have published).
func (e *Engine) RebaseVersion(id string, minimum uint64) error {
	c := e.lookup(id)
	if c == nil {
		return ErrUnknownContact
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.snap.Load()
	if old.Version >= minimum {
		return nil
	}
	next := nextSnapshot(old)
	next.Version, next.changed = minimum, 0
	next.stamp(old, 0)
	c.snap.Store(next)
	return nil
}

func orDefault[T any](p, def *T) *T {
	if p == nil {
		return def
	}
	return p
}

// diffSections returns the sections in which two versions differ.
func diffSections(a, b *Snapshot) Section {
	var s Section
	eq := reflect.DeepEqual
	if a.State != b.State {
		s |= SectionPresence
	}
	if !eq(a.Data, b.Data) || !eq(a.PropertyBag, b.PropertyBag) || !sameImage(a.LargeImage, b.LargeImage) {
		s |= SectionData
	}
	if !sameImage(a.SmallImage, b.SmallImage) {
		s |= SectionImage | SectionData
	}
	if a.FeatureSet != b.FeatureSet || a.StaticRights != b.StaticRights || a.StaticRights2 != b.StaticRights2 ||
		a.MonitorRights != b.MonitorRights || !eq(a.Capabilities, b.Capabilities) {
		s |= SectionConfig
	}
	if !eq(a.Absent, b.Absent) {
		s |= SectionAbsentState
	}
	if !eq(a.Note, b.Note) {
		s |= SectionNote
	}
	if !eq(a.ActiveAppointments, b.ActiveAppointments) || !eq(a.NextAppointment, b.NextAppointment) || !eq(a.NextAppointments, b.NextAppointments) {
		s |= SectionAppointments
	}
	if !eq(a.Lines, b.Lines) {
		s |= SectionLines
	}
	if !eq(a.Calls, b.Calls) {
		s |= SectionCalls
	}
	if !eq(a.Forwards, b.Forwards) {
		s |= SectionForwards
	}
	if !eq(a.Agent, b.Agent) {
		s |= SectionAgent
	}
	if !eq(a.Grouping, b.Grouping) {
		s |= SectionGrouping
	}
	return s
}
