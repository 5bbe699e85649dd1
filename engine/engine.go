package engine

import (
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/puzpuzpuz/xsync/v3"
)

// Errors returned by the engine.
var (
	ErrUnknownContact = errors.New("engine: unknown contact")
	ErrClosed         = errors.New("engine: closed")
	ErrInvalid        = errors.New("engine: invalid argument")
)

// Clock tells the engine the time. Tests and the simulator use a
// VirtualClock; the default is the wall clock.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Defaults of Config's next-appointments fields: what a zero value means.
// Exported so that models of the engine (the simulator's oracle) follow the
// engine instead of copying the numbers.
const (
	// DefaultNextAppointmentsWindow is how far ahead next appointments are
	// kept when Config.NextAppointmentsWindow is zero: 30 days.
	DefaultNextAppointmentsWindow = 30 * 24 * time.Hour
	// DefaultNextAppointmentsLimit is the length of the next-appointments
	// list when Config.NextAppointmentsLimit is zero.
	DefaultNextAppointmentsLimit = 10
)

// Config configures an Engine. The zero value is usable.
type Config struct {
	// Shards is the number of contact-table shards, a power of two.
	// Zero means 64.
	Shards int
	// Clock drives appointments and absent-state windows. Nil means the wall
	// clock.
	Clock Clock
	// ManualTick disables the engine's scheduler goroutine: the embedder calls
	// Tick after advancing its clock (virtual time). False starts a goroutine
	// that wakes at every appointment boundary.
	ManualTick bool
	// NextAppointmentsWindow is how far ahead next appointments are kept.
	// Zero means 30 days.
	NextAppointmentsWindow time.Duration
	// NextAppointmentsLimit caps the next-appointments list. Zero means 10.
	NextAppointmentsLimit int
}

// Engine is the presence engine. All methods are safe for concurrent use.
type Engine struct {
	cfg    Config
	clock  Clock
	seed   maphash.Seed
	mask   uint64
	shards []shard

	sched   scheduler
	rights  *rightsModel
	persist persistence
	cluster clusterSeam

	watchers      *xsync.Counter
	subscriptions *xsync.Counter
	// watchersByUser indexes open watchers by their user id (copy-on-write
	// slices, replaced with Compute), so that a contact whose groups change
	// re-evaluates only what its own watchers see instead of walking every
	// contact: loading 100,000 contacts with groups was quadratic (~80 s).
	watchersByUser *xsync.MapOf[string, []*Watcher]
	// members indexes contacts by rights group, so that a change of a
	// group's rights list re-evaluates only the group's members: restoring
	// 250 department lists walked all 100,000 contacts 250 times (45 s).
	members groupIndex
	// walkGroupsForBaseline makes groupsChanged walk every contact as it
	// did before the index; only the startup benchmark's baseline sets it.
	walkGroupsForBaseline bool
	deliveries            *xsync.Counter

	closeOnce sync.Once
	closed    atomic.Bool
	stop      chan struct{}
	done      chan struct{}
}

// shard is one slice of the contact table, padded to two cache lines so that
// its counters never share a line with a neighbour (adjacent-line prefetch
// pulls pairs of 64-byte lines).
type shard struct {
	contacts *xsync.MapOf[string, *contact]
	updates  atomic.Uint64 // source updates applied
	marks    atomic.Uint64 // subscriptions marked by fan-out
	removals atomic.Uint64
	_        [128 - 8 - 3*8]byte
}

// contact is the engine's record of one contact.
type contact struct {
	id    string
	hash  uint64
	shard *shard
	snap  atomic.Pointer[Snapshot]
	subs  atomic.Pointer[subArray]

	mu sync.Mutex // guards the fields below and writes to subs
	// removed is set once, when the contact leaves the directory.
	removed    bool
	live, dead int // subscription counts in subs
	groups     []string
	admin      bool
	// sessions, sessionIDs and sessionCaps are parallel: one entry per
	// connected client.
	sessions    []ClientSession
	sessionIDs  []string
	sessionCaps []Capabilities
	// calendar is the full appointment list, sorted by start.
	calendar []Appointment
	// overridden and systemState implement the manual-override rule.
	overridden  bool
	systemState PresenceState
	// wake is the next time the scheduler must look at this contact (zero:
	// never); wakeGen invalidates older heap entries.
	wake    time.Time
	wakeGen uint64
	// inputAt is the engine time (Unix ns) at which the newest input was
	// applied: its place among the contact's calendar boundaries
	// (InputTime).
	inputAt int64
}

// New returns an engine. Call Close to stop its scheduler.
func New(cfg Config) (*Engine, error) {
	if cfg.Shards == 0 {
		cfg.Shards = 64
	}
	if cfg.Shards < 0 || cfg.Shards&(cfg.Shards-1) != 0 {
		return nil, fmt.Errorf("%w: Shards must be a power of two, got %d", ErrInvalid, cfg.Shards)
	}
	if cfg.NextAppointmentsWindow == 0 {
		cfg.NextAppointmentsWindow = DefaultNextAppointmentsWindow
	}
	if cfg.NextAppointmentsLimit == 0 {
		cfg.NextAppointmentsLimit = DefaultNextAppointmentsLimit
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	e := &Engine{
		cfg:           cfg,
		clock:         cfg.Clock,
		seed:          maphash.MakeSeed(),
		mask:          uint64(cfg.Shards - 1),
		shards:        make([]shard, cfg.Shards),
		watchers:      xsync.NewCounter(),
		subscriptions: xsync.NewCounter(),
		deliveries:    xsync.NewCounter(),

		watchersByUser: xsync.NewMapOf[string, []*Watcher](),
		stop:           make(chan struct{}),
		done:           make(chan struct{}),
	}
	for i := range e.shards {
		e.shards[i].contacts = xsync.NewMapOf[string, *contact]()
	}
	e.rights = newRightsModel()
	e.persist.seed = maphash.MakeSeed()
	e.sched.init()
	if cfg.ManualTick {
		close(e.done)
	} else {
		go e.runScheduler()
	}
	return e, nil
}

// Close stops the scheduler goroutine. Watchers keep what they have pulled.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		e.closed.Store(true)
		close(e.stop)
		<-e.done
	})
}

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.clock.Now() }

func (e *Engine) shardOf(hash uint64) *shard { return &e.shards[hash&e.mask] }

// lookup returns the live contact with this id, or nil.
func (e *Engine) lookup(id string) *contact {
	h := maphash.String(e.seed, id)
	c, _ := e.shardOf(h).contacts.Load(id)
	return c
}

// Stats is a snapshot of the engine's counters. Every field is an int64,
// counters and gauges alike, so that a reader sums and exports them without
// conversions.
type Stats struct {
	Contacts      int64 // contacts in the table
	Watchers      int64 // open watchers
	Subscriptions int64 // (watcher, contact) subscriptions
	Updates       int64 // source updates that changed something
	Marks         int64 // subscriptions marked dirty by fan-out (before coalescing)
	Deliveries    int64 // updates handed to watchers by Pull (after coalescing)
	Removals      int64 // contacts removed
	Scheduled     int64 // contacts waiting for an appointment or absent-state boundary
}

// Stats fills st with the current counters.
func (e *Engine) Stats(st *Stats) {
	*st = Stats{}
	for i := range e.shards {
		s := &e.shards[i]
		st.Contacts += int64(s.contacts.Size())
		st.Updates += int64(s.updates.Load())
		st.Marks += int64(s.marks.Load())
		st.Removals += int64(s.removals.Load())
	}
	st.Watchers = e.watchers.Value()
	st.Subscriptions = e.subscriptions.Value()
	st.Deliveries = e.deliveries.Value()
	st.Scheduled = int64(e.sched.len())
}

// Snapshot returns the current unfiltered state of a contact.
func (e *Engine) Snapshot(id string) (*Snapshot, bool) {
	c := e.lookup(id)
	if c == nil {
		return nil, false
	}
	return c.snap.Load(), true
}

// SnapshotFor returns the current state of a contact as watcher user may see it.
func (e *Engine) SnapshotFor(user, id string) (*Snapshot, bool) {
	c := e.lookup(id)
	if c == nil {
		return nil, false
	}
	return c.snap.Load().View(e.visibilityOf(user, c)), true
}

// Range calls fn for every contact id until fn returns false.
func (e *Engine) Range(fn func(id string) bool) {
	for i := range e.shards {
		ok := true
		e.shards[i].contacts.Range(func(id string, _ *contact) bool {
			ok = fn(id)
			return ok
		})
		if !ok {
			return
		}
	}
}
