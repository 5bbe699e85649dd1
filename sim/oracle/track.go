package oracle

import (
	"fmt"
	"strings"

	"github.com/ucpresence/presence/engine"
)

// SubView is what one watcher knows of one contact: the view merged from
// the deltas it received and its position in the contact's change log.
// Owned by the goroutine that serves the watcher; never shared.
type SubView struct {
	Owner int32
	Class uint8
	Flags engine.Section // subscribed sections (iEventFlagsToSubscribe)
	Key   uint64         // the change the view reflects
	Print ViewPrint
	Calls CallSet
}

// tornAt reports whether the view is change i delivered in part: it
// differs from change i's expected view only in sections change i itself
// changed, and on those it still shows the view before change i. That is
// what a pull racing the engine's publish produces (the new snapshot read
// with the previous change's marks); the rest follows with the next pull.
// A lost update leaves sections of an earlier change behind instead. When
// the change before i is no longer in the log, the first condition alone
// decides.
func tornAt(log *ContactLog, sv *SubView, i int, mask engine.Section) bool {
	ch := log.entries[i]
	d := sv.Print.Differs(&ch.Prints[sv.Class], mask)
	if d == 0 || d&^ch.Changed[sv.Class] != 0 {
		return false
	}
	return i == 0 || sv.Print.Differs(&log.entries[i-1].Prints[sv.Class], d) == 0
}

// Compared returns the sections the oracle compares for this subscription.
func (sv *SubView) Compared() engine.Section { return compared(sv.Class, sv.Flags) }

// WatcherView is one watching user: its subscriptions sorted by owner.
type WatcherView struct {
	User int32
	Slow bool
	Subs []SubView
	// owners are the subscriptions' owners, for the lookup: a console's
	// 5,000 subscriptions are 500 KB of views but 20 KB of owners, so the
	// binary search stays in cache (it was a fifth of the CPU of an
	// enterprise-20k run when it probed the views).
	owners []int32
}

// Index fills owners from subs (after the subscriptions are set).
func (w *WatcherView) Index() {
	w.owners = make([]int32, len(w.Subs))
	for i := range w.Subs {
		w.owners[i] = w.Subs[i].Owner
	}
}

// Sub returns the subscription to owner, or nil.
func (w *WatcherView) Sub(owner int32) *SubView {
	if i := w.SubIndex(owner); i >= 0 {
		return &w.Subs[i]
	}
	return nil
}

// SubIndex returns the index in Subs of the subscription to owner, or -1.
func (w *WatcherView) SubIndex(owner int32) int {
	lo, hi := 0, len(w.owners)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if w.owners[mid] < owner {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(w.owners) && w.owners[lo] == owner {
		return lo
	}
	return -1
}

// Resolution is what accounting an update found.
type Resolution uint8

const (
	Resolved   Resolution = iota // accounted
	NotYet                       // the update is ahead of the log: retry after the recorder caught up
	mismatched                   // no change explains the view (wire)
	OlderView                    // the view equals a change before the position (wire)
)

// cover moves sv's position from its key to the change at index to,
// measuring every change in between that the watcher was to be told about
// from the change's intended time to recv (warm-up changes are not
// measured). It returns how many of those changes the watcher was to be
// told about. Caller holds log.Mutex (read).
//
// before is the view before this update. Changes up to the newest one
// whose expected view equals it were already consistent with the watcher
// before this update arrived: the engine legitimately coalesced them away
// without an update (a second call dialled and dropped while the first
// one was on: calls marked, nothing visible changed since the last pull).
// They are settled without a sample; measuring them at this unrelated
// later update would add seconds of latency that no client saw.
func cover(log *ContactLog, w *WatcherView, sv *SubView, to int, before *ViewPrint, recv int64, rec *Recorder) int {
	first := log.after(sv.Key)
	silent := first - 1
	if before != nil {
		mask := sv.Compared()
		for i := to; i >= first; i-- {
			if before.Differs(&log.entries[i].Prints[sv.Class], mask) == 0 {
				silent = i
				break
			}
		}
	}
	expected := 0
	for i := first; i <= to; i++ {
		ch := log.entries[i]
		if !ch.expectedBy(sv.Class, sv.Flags) {
			continue
		}
		expected++
		ch.unseen.Add(-1)
		if !ch.Measured {
			continue
		}
		ch.remaining.Add(-1)
		if i <= silent {
			rec.Count(CounterCoalesced, 1)
			if !w.Slow {
				ch.remainingFast.Add(-1)
			}
			continue
		}
		latency := recv - ch.Intended
		if w.Slow {
			rec.Record(MetricSlowDelivery, latency)
			continue
		}
		rec.Record(MetricDelivery, latency)
		rec.Record(MetricServiceTime, recv-ch.Applied)
		if ch.remainingFast.Add(-1) == 0 {
			rec.Record(MetricFanout, latency)
		}
	}
	sv.Key = log.entries[to].Key
	return expected
}

// ResolveKeyed accounts an update of an engine snapshot with version key
// (in-process); sv.print already includes the update. The version only
// bounds the search: an update carries the sections marked since the last
// pull, read from the newest snapshot, so when a pull races a publish (the
// engine stores the snapshot before it marks the subscribers) the update
// can show version key with only an earlier change's sections; it then
// reflects that earlier change, and the next pull brings the rest. So the
// update is attributed, like over the wire, to the newest change at or
// before key whose expected view equals the merged view. Out-of-order
// updates are rejected by the caller before merging; before is the view
// before the update was merged. unexplained reports
// a stale view (counted): the caller re-synchronises it from the update's
// snapshot, so that one loss is counted once.
func ResolveKeyed(log *ContactLog, w *WatcherView, sv *SubView, key uint64, changed engine.Section, before *ViewPrint, recv int64, rec *Recorder) (res Resolution, unexplained bool) {
	log.Mutex.RLock()
	defer log.Mutex.RUnlock()
	unchanged := before.Differs(&sv.Print, sv.Compared()) == 0
	n := log.Newest()
	if n == nil || key > n.Key {
		return NotYet, false
	}
	mask := sv.Compared()
	_, at := log.find(key)
	if at < 0 {
		// Trimmed: every watcher that was to be told about it was; this
		// one was not among them.
		if key != sv.Key {
			rec.Count(CounterUnexpected, 1)
		}
		passUnseen(log, sv, key)
		return Resolved, false
	}
	for i := at; i >= 0 && log.entries[i].Key >= sv.Key; i-- {
		ch := log.entries[i]
		if sv.Print.Differs(&ch.Prints[sv.Class], mask) != 0 {
			continue
		}
		if ch.Key == sv.Key {
			repeated(sv, changed, rec)
			return Resolved, false
		}
		if cover(log, w, sv, i, before, recv, rec) == 0 {
			rec.Count(CounterUnexpected, 1)
		}
		return Resolved, false
	}
	if key == sv.Key && unchanged {
		// The position's change is no longer in the log.
		repeated(sv, changed, rec)
		return Resolved, false
	}
	if key > sv.Key && tornAt(log, sv, at, mask) {
		// The rest of version key follows with the next pull, which
		// then measures the change; the position stays.
		rec.Count(CounterTorn, 1)
		return Resolved, false
	}
	rec.Count(CounterStale, 1)
	if key > sv.Key {
		cover(log, w, sv, at, nil, recv, rec)
	}
	return Resolved, true
}

// ResolveMatched accounts an update by its content (wire): the update
// reflects the earliest change after the watcher's position whose expected
// view equals the merged view. Earliest, because contents repeat (a call
// comes and goes: Z, A, Z) and the changes after the one shown are often
// already sent but not yet applied (they share an ingest batch): taking
// the newest match would jump ahead and then see the following updates as
// out of order. (Choosing by the update's iChangedFlags does not help:
// most repeats change the same sections.) When the server coalesced over a
// repetition, the earliest match attributes the update to an earlier
// change with the same content, which the watcher is indeed consistent
// with; the changes after it are covered by the next update or settled at
// the end.
//
// before is the view before the update was merged. The result: resolved (torn
// views included, see tornAt), olderView (the
// view regressed to a change before the position) or mismatched (no change
// explains the view); the caller counts the last two.
func ResolveMatched(log *ContactLog, w *WatcherView, sv *SubView, changed engine.Section, before *ViewPrint, recv int64, rec *Recorder) Resolution {
	log.Mutex.RLock()
	defer log.Mutex.RUnlock()
	unchanged := before.Differs(&sv.Print, sv.Compared()) == 0
	mask := sv.Compared()
	next := log.after(sv.Key)
	for i := next; i < len(log.entries); i++ {
		if sv.Print.Differs(&log.entries[i].Prints[sv.Class], mask) != 0 {
			continue
		}
		if cover(log, w, sv, i, before, recv, rec) == 0 {
			rec.Count(CounterUnexpected, 1)
		}
		return Resolved
	}
	if unchanged {
		repeated(sv, changed, rec)
		return Resolved
	}
	for i := next; i < len(log.entries); i++ {
		if tornAt(log, sv, i, mask) {
			rec.Count(CounterTorn, 1)
			return Resolved
		}
	}
	for i := next - 1; i >= 0; i-- {
		if log.entries[i].Key < sv.Key && sv.Print.Differs(&log.entries[i].Prints[sv.Class], mask) == 0 {
			return OlderView
		}
	}
	return mismatched
}

// repeated counts an update that left the watcher where it was: a
// duplicate when it carried compared sections, else an update of sections
// the oracle does not follow (contact data, configuration).
func repeated(sv *SubView, changed engine.Section, rec *Recorder) {
	if changed&sv.Compared() != 0 {
		rec.Count(CounterDuplicated, 1)
	} else {
		rec.Count(CounterUnexpected, 1)
	}
}

// Settle is the quiesce step for one subscription: when the final view
// equals the newest change's expected view, the watcher is consistent with
// every change up to it, including those the engine legitimately
// coalesced away without an update (a call added and removed between two
// pulls). It returns whether the view is consistent.
func Settle(log *ContactLog, sv *SubView) bool {
	log.Mutex.RLock()
	defer log.Mutex.RUnlock()
	n := log.Newest()
	if n == nil {
		return true
	}
	if sv.Print.Differs(&n.Prints[sv.Class], sv.Compared()) != 0 {
		return false
	}
	for i := log.after(sv.Key); i < len(log.entries); i++ {
		ch := log.entries[i]
		if !ch.expectedBy(sv.Class, sv.Flags) {
			continue
		}
		ch.unseen.Add(-1)
		if ch.Measured {
			ch.remaining.Add(-1)
		}
	}
	sv.Key = n.Key
	return true
}

// Explain describes, for a log line, an update that the log did not
// explain: the position, and the last changes of the contact (at most
// twelve, from the position on) with their keys, applied times
// (Unix ns), changed sections and the sections in which the view differs
// from each.
func Explain(log *ContactLog, sv *SubView) string {
	log.Mutex.RLock()
	defer log.Mutex.RUnlock()
	mask := sv.Compared()
	var b strings.Builder
	fmt.Fprintf(&b, "position %d;", sv.Key)
	from := max(log.after(sv.Key)-1, 0)
	for i := from; i < len(log.entries) && i < from+12; i++ {
		ch := log.entries[i]
		fmt.Fprintf(&b, " [key %d applied %d changed %v differs %v]", ch.Key, ch.Applied, ch.Changed[sv.Class], sv.Print.Differs(&ch.Prints[sv.Class], mask))
	}
	return b.String()
}

// Position sets sv's position to key without measuring anything (a
// subscribe snapshot, an update no change explains): the changes up to key
// no longer wait for this watcher to pass them, so they can leave the log.
func Position(log *ContactLog, sv *SubView, key uint64) {
	log.Mutex.RLock()
	defer log.Mutex.RUnlock()
	passUnseen(log, sv, key)
}

// passUnseen moves sv's position to key, counting the watcher past every
// change in between that it was to be told about. Caller holds log.Mutex.
func passUnseen(log *ContactLog, sv *SubView, key uint64) {
	for i := log.after(sv.Key); i < len(log.entries) && log.entries[i].Key <= key; i++ {
		if ch := log.entries[i]; ch.expectedBy(sv.Class, sv.Flags) {
			ch.unseen.Add(-1)
		}
	}
	sv.Key = key
}
