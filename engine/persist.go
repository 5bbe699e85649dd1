package engine

import (
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// ChangeKind says what a durable Change is about.
type ChangeKind uint8

// Change kinds.
const (
	ChangeRights    ChangeKind = iota + 1 // a rights entry set or removed
	ChangeAbsent                          // a manual absent state set or reset
	ChangeNote                            // a custom note set or cleared
	ChangeChallenge                       // a rights challenge added or answered
	ChangeImages                          // contact images set or cleared
	// Client sessions are not durable: these kinds only travel to a
	// contact's owner node through Router.Forward (docs/CLUSTER.md) and
	// never reach a Persister.
	ChangeClientLogin  // a client session of Contact logged in (Client, Device)
	ChangeClientLogout // a client session of Contact ended (Client)
)

// Change is one durable change of user-set state, handed to the Persister
// before the engine applies it. Nil pointers mean "delete".
type Change struct {
	Kind ChangeKind
	// Rights: Scope, Key (owner contact id, group name, or "" for global),
	// Remote and Rights.
	Scope  Scope
	Key    string
	Remote string
	Rights *Rights
	// Absent, Note, Images: Contact and the new value.
	Contact string
	Absent  *AbsentState
	Note    *Note
	Small   *Image
	Large   *Image
	// Challenge: Key is the owner; Challenge nil deletes Remote's challenge.
	Challenge *Challenge
	// Client sessions (forwarded only): the session id and its device.
	Client string `json:",omitempty"`
	Device Device `json:",omitempty"`
}

// Persister makes changes durable. Persist returns only when every change
// of the call is durable (or none is); concurrent calls may be committed
// together. The engine serialises calls that touch the same key, so the
// order of durable writes per key is the order of the in-memory changes.
type Persister interface {
	Persist(changes ...Change) error
}

// ErrNotDurable wraps a Persister failure: the change was not applied.
var ErrNotDurable = errors.New("engine: change not durable")

// persistence serialises persist-then-apply per key with striped locks (a
// lock per contact would cost memory on every contact; 256 stripes keep
// unrelated keys apart while group commit batches them into one fsync).
type persistence struct {
	p     atomic.Pointer[persisterBox]
	seed  maphash.Seed
	locks [256]sync.Mutex
}

type persisterBox struct{ p Persister }

// SetPersister installs the durable store. Before it is set (for example
// while restoring from the store at startup) changes are not persisted.
func (e *Engine) SetPersister(p Persister) {
	if p == nil {
		e.persist.p.Store(nil)
		return
	}
	e.persist.p.Store(&persisterBox{p: p})
}

// durably persists changes under key's lock, runs apply, and releases the
// lock. Without a persister it only runs apply.
// The changes are built by a function so that an engine without a
// persister allocates nothing for them.
func (e *Engine) durably(key string, changes func() []Change, apply func() error) error {
	box := e.persist.p.Load()
	if box == nil {
		return apply()
	}
	l := &e.persist.locks[maphash.String(e.persist.seed, key)&255]
	l.Lock()
	defer l.Unlock()
	if list := changes(); len(list) > 0 {
		if err := box.p.Persist(list...); err != nil {
			return fmt.Errorf("%w: %w", ErrNotDurable, err)
		}
	}
	return apply()
}

// RestoreChallenge puts a pending challenge back after a restart, without
// persisting it again.
func (e *Engine) RestoreChallenge(owner string, ch Challenge) {
	m := e.rights
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.challenges[owner] {
		if x.Challenger == ch.Challenger {
			return
		}
	}
	m.challenges[owner] = append(m.challenges[owner], ch)
}
