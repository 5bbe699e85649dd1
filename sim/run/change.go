package run

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ucpresence/presence/engine"
)

// change is one change of a contact's presence that the simulator caused:
// a source event applied, or a calendar boundary the engine's clock passed.
// Fields other than the counters are immutable once the change is in its
// contact's log.
type change struct {
	// key orders the changes of one contact: the engine's snapshot version
	// (in-process) or the contact's change counter (wire).
	key uint64
	// intended is the wall time (Unix ns) the cause was planned for;
	// latencies are measured from it.
	intended int64
	// applied is the wall time (Unix ns) the driver applied or sent it:
	// the start of the uncorrected service time.
	applied int64
	// measured is false for warm-up changes (before the clock starts).
	measured bool
	// changed is, per visibility class, the sections a watcher of that
	// class is told changed (before its subscription flags).
	changed [numClasses]engine.Section
	// prints is, per class, the view a watcher of that class should have
	// after the change.
	prints [numClasses]viewPrint
	// remaining counts the watchers that should be told about the change
	// and are not consistent with it yet; remainingFast the same without
	// slow readers (its reaching zero completes the fan-out).
	remaining     atomic.Int32
	remainingFast atomic.Int32
}

// expectedBy reports whether a watcher of class c subscribed to flags
// should receive an update for the change.
func (ch *change) expectedBy(c uint8, flags engine.Section) bool {
	return ch.changed[c]&flags != 0
}

// watcherGroup is a set of watchers of one contact with the same class and
// flags: the fan-out count of a change is a sum over a handful of groups.
type watcherGroup struct {
	class uint8
	flags engine.Section
	all   int32 // watchers in the group
	fast  int32 // of which not slow readers
}

// contactLog is the change log of one contact and the driver-side state
// that produces it.
//
// Lock order: run.tick (in-process) before apply before mu.
type contactLog struct {
	// apply serialises applying an event to this contact with recording
	// the change it caused, so that a change's key and the engine version
	// agree. Guards last, state and seq.
	apply sync.Mutex
	last  *engine.Snapshot // the engine snapshot of the newest change (in-process)
	state *expected        // the model of the contact's presence (expect.go)
	seq   uint64           // change counter (wire keys)

	mu      sync.RWMutex // guards entries
	entries []*change    // ascending keys; the oldest completed ones are trimmed

	// groups are the contact's watchers by (class, flags). Immutable after
	// setup.
	groups []watcherGroup
}

// addWatcher counts one watcher of the contact into its groups (setup only).
func (l *contactLog) addWatcher(class uint8, flags engine.Section, slow bool) {
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
func (l *contactLog) watchers(ch *change) (all, fast int32) {
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

// append adds ch (its key above every key in the log), sets its counters
// and trims completed changes from the front, keeping the newest
// keepChanges.
func (l *contactLog) append(ch *change) {
	all, fast := l.watchers(ch)
	if !ch.measured {
		all, fast = 0, 0
	}
	ch.remaining.Store(all)
	ch.remainingFast.Store(fast)
	l.mu.Lock()
	trim := 0
	for trim < len(l.entries)-keepChanges+1 && l.entries[trim].remaining.Load() <= 0 {
		trim++
	}
	if trim > 0 {
		n := copy(l.entries, l.entries[trim:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
	}
	l.entries = append(l.entries, ch)
	l.mu.Unlock()
}

// newest returns the newest change, or nil. Caller holds l.mu (read).
func (l *contactLog) newest() *change {
	if len(l.entries) == 0 {
		return nil
	}
	return l.entries[len(l.entries)-1]
}

// after returns the index of the first change with a key above key.
// Caller holds l.mu (read).
func (l *contactLog) after(key uint64) int {
	return sort.Search(len(l.entries), func(i int) bool { return l.entries[i].key > key })
}

// find returns the change with exactly this key. Caller holds l.mu (read).
func (l *contactLog) find(key uint64) (*change, int) {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].key >= key })
	if i < len(l.entries) && l.entries[i].key == key {
		return l.entries[i], i
	}
	return nil, -1
}

// lastKey returns the newest key (0 when empty).
func (l *contactLog) lastKey() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if n := l.newest(); n != nil {
		return n.key
	}
	return 0
}

// pending returns the sum of remaining over the log: watchers that never
// caught up with a change.
func (l *contactLog) pending() int64 {
	n, _ := l.pendingBefore(math.MaxInt64)
	return n
}

// pendingBefore is pending for the changes applied before t (wall ns);
// after counts the deliveries still pending of later changes.
func (l *contactLog) pendingBefore(t int64) (n, after int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, ch := range l.entries {
		if r := ch.remaining.Load(); r > 0 {
			if ch.applied < t {
				n += int64(r)
			} else {
				after += int64(r)
			}
		}
	}
	return n, after
}
