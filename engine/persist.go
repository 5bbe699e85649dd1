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

// AsyncPersister is a Persister that can also queue changes and report
// their durability later. Calls queued one after another must become
// durable in that order (a call never before an earlier one of the same
// goroutine). The store's EnginePersister implements it; through it a
// Deferred writer (one ingest stream) keeps many changes in one group
// commit instead of waiting an fsync per change.
type AsyncPersister interface {
	Persister
	// PersistAsync queues changes as one atomic call. An error means
	// nothing was queued.
	PersistAsync(changes ...Change) (Durable, error)
}

// Durable is the pending durability of changes queued with PersistAsync.
type Durable interface {
	// Wait blocks until the changes are durable (nil) or have failed.
	Wait() error
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
	return e.durablyIn(nil, key, changes, apply)
}

// durablyIn is durably for a Deferred writer d (nil: the caller waits).
// With d and an AsyncPersister, the changes are queued, then applied, both
// under key's lock (so the file's order of changes per key is the memory's
// order, whoever writes next), and d collects the Durable to wait on.
func (e *Engine) durablyIn(d *Deferred, key string, changes func() []Change, apply func() error) error {
	box := e.persist.p.Load()
	if box == nil {
		return apply()
	}
	l := &e.persist.locks[maphash.String(e.persist.seed, key)&255]
	l.Lock()
	defer l.Unlock()
	if async, ok := box.p.(AsyncPersister); ok && d != nil {
		if list := changes(); len(list) > 0 {
			durable, err := async.PersistAsync(list...)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrNotDurable, err)
			}
			d.pending = append(d.pending, durable)
		}
		return apply()
	}
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

// Deferred is an engine writer for one ordered stream of user-set changes
// (an ingest WebSocket stream, an HTTP batch) that does not wait an fsync
// per change: a change is queued to the persister and applied at once,
// and the caller waits for durability once for many changes (Take, then
// Wait on each). Without an AsyncPersister it behaves like the Engine's
// own methods (each change waits for its fsync before it is applied).
//
// What it gives up: between apply and fsync the change is visible to
// watchers but not yet durable. The caller must not acknowledge a change
// to its source before its Durable returned nil; if the store fails, the
// change stays applied in memory but is not on disk (the file keeps the
// previous value) and the caller must report the failure (the ingest
// stream closes the connection; the source resends, every op sets
// state). Not safe for concurrent use: one Deferred per stream.
type Deferred struct {
	e       *Engine
	pending []Durable
}

// NewDeferred returns a Deferred writer on e.
func (e *Engine) NewDeferred() *Deferred { return &Deferred{e: e} }

// Engine returns the engine the writer applies to.
func (d *Deferred) Engine() *Engine { return d.e }

// Take appends the Durables queued since the last Take to dst and forgets
// them.
func (d *Deferred) Take(dst []Durable) []Durable {
	dst = append(dst, d.pending...)
	clear(d.pending)
	d.pending = d.pending[:0]
	return dst
}

// SetNote is Engine.SetNote, deferred.
func (d *Deferred) SetNote(id, text string) error {
	return d.e.restoreNote(d, id, Note{Text: text, SetAt: d.e.clock.Now()})
}

// SetAbsentState is Engine.SetAbsentState, deferred.
func (d *Deferred) SetAbsentState(id string, st AbsentState) error {
	return d.e.setAbsentStateIn(d, id, st)
}

// ResetAbsentState is Engine.ResetAbsentState, deferred.
func (d *Deferred) ResetAbsentState(id string) error {
	return d.e.setAbsentStateIn(d, id, AbsentState{Kind: AbsentNotSet})
}

// SetImages is Engine.SetImages, deferred.
func (d *Deferred) SetImages(id string, small, large []byte) error {
	return d.e.setImagesIn(d, id, small, large)
}
