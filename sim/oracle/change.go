package oracle

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ucpresence/presence/engine"
)

// Change is one change of a contact's presence that the simulator caused:
// a source event applied, or a calendar boundary the engine's clock passed.
// Fields other than the counters are immutable once the change is in its
// contact's log.
type Change struct {
	// Key orders the changes of one contact: the engine's snapshot version
	// (in-process) or the contact's change counter (wire).
	Key uint64
	// Intended is the wall time (Unix ns) the cause was planned for;
	// latencies are measured from it.
	Intended int64
	// Applied is the wall time (Unix ns) the driver applied or sent it:
	// the start of the uncorrected service time.
	Applied int64
	// Measured is false for warm-up changes (before the clock starts).
	Measured bool
	// Changed is, per visibility class, the sections a watcher of that
	// class is told changed (before its subscription flags).
	Changed [NumClasses]engine.Section
	// Prints is, per class, the view a watcher of that class should have
	// after the change.
	Prints [NumClasses]ViewPrint
	// remaining counts the watchers that should be told about the change
	// and are not consistent with it yet; remainingFast the same without
	// slow readers (its reaching zero completes the fan-out).
	remaining     atomic.Int32
	remainingFast atomic.Int32
	// unseen counts the watchers that should be told about the change and
	// have not passed it yet, measured or not: a change leaves the log
	// only when it is 0. (Warm-up changes are not measured, but over the
	// wire their updates arrive after the next ones are logged; trimming
	// them early left views that matched no change: torn, duplicated or
	// stale at the start of the day.)
	unseen atomic.Int32
}

// expectedBy reports whether a watcher of class c subscribed to flags
// should receive an update for the change.
func (ch *Change) expectedBy(c uint8, flags engine.Section) bool {
	return ch.Changed[c]&flags != 0
}

// watcherGroup is a set of watchers of one contact with the same class and
// flags: the fan-out count of a change is a sum over a handful of groups.
type watcherGroup struct {
	class uint8
	flags engine.Section
	all   int32 // watchers in the group
	fast  int32 // of which not slow readers
}

// ContactLog is the change log of one contact and the driver-side state
// that produces it.
//
// Lock order: the in-process ticker before Apply before Mutex.
type ContactLog struct {
	// Apply serialises applying an event to this contact with recording
	// the change it caused, so that a change's key and the engine version
	// agree. Guards Last, State and Seq.
	Apply sync.Mutex
	Last  *engine.Snapshot // the engine snapshot of the newest change (in-process)
	State *Expected        // the model of the contact's presence (expect.go)
	Seq   uint64           // change counter (wire keys)

	Mutex   sync.RWMutex // guards entries
	entries []*Change    // ascending keys; the oldest completed ones are trimmed

	// groups are the contact's watchers by (class, flags). Immutable after
	// setup.
	groups []watcherGroup
}

// AddWatcher counts one watcher of the contact into its groups (setup only).
func (l *ContactLog) AddWatcher(class uint8, flags engine.Section, slow bool) {
	for i := range l.groups {
		g := &l.groups[i]
		if g.class == class && g.flags == flags {
			g.all++
			if !slow {
				g.fast++
			}
			return
		}
	}
	g := watcherGroup{class: class, flags: flags, all: 1}
	if !slow {
		g.fast = 1
	}
	l.groups = append(l.groups, g)
}

// watchers returns how many watchers should be told about ch, all and
// without slow readers.
func (l *ContactLog) watchers(ch *Change) (all, fast int32) {
	for i := range l.groups {
		g := &l.groups[i]
		if ch.expectedBy(g.class, g.flags) {
			all += g.all
			fast += g.fast
		}
	}
	return all, fast
}

// keepChanges is how many changes a log keeps even when every watcher has
// them: the references for torn and out-of-order views.
const keepChanges = 4

// Append adds ch (its key above every key in the log), sets its counters
// and trims completed changes from the front, keeping the newest
// keepChanges.
func (l *ContactLog) Append(ch *Change) {
	all, fast := l.watchers(ch)
	ch.unseen.Store(all)
	if !ch.Measured {
		all, fast = 0, 0
	}
	ch.remaining.Store(all)
	ch.remainingFast.Store(fast)
	l.Mutex.Lock()
	trim := 0
	for trim < len(l.entries)-keepChanges+1 && l.entries[trim].unseen.Load() <= 0 {
		trim++
	}
	if trim > 0 {
		n := copy(l.entries, l.entries[trim:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
	}
	l.entries = append(l.entries, ch)
	l.Mutex.Unlock()
}

// Newest returns the newest change, or nil. Caller holds l.Mutex (read).
func (l *ContactLog) Newest() *Change {
	if len(l.entries) == 0 {
		return nil
	}
	return l.entries[len(l.entries)-1]
}

// after returns the index of the first change with a key above key.
// Caller holds l.Mutex (read).
func (l *ContactLog) after(key uint64) int {
	return sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Key > key })
}

// find returns the change with exactly this key. Caller holds l.Mutex (read).
func (l *ContactLog) find(key uint64) (*Change, int) {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Key >= key })
	if i < len(l.entries) && l.entries[i].Key == key {
		return l.entries[i], i
	}
	return nil, -1
}

// Pending returns the sum of remaining over the log: watchers that never
// caught up with a change.
func (l *ContactLog) Pending() int64 {
	n, _ := l.PendingBefore(math.MaxInt64)
	return n
}

// PendingBefore is pending for the changes applied before t (wall ns);
// after counts the deliveries still pending of later changes.
func (l *ContactLog) PendingBefore(t int64) (n, after int64) {
	l.Mutex.RLock()
	defer l.Mutex.RUnlock()
	for _, ch := range l.entries {
		if r := ch.remaining.Load(); r > 0 {
			if ch.Applied < t {
				n += int64(r)
			} else {
				after += int64(r)
			}
		}
	}
	return n, after
}
