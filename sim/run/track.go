package run

import (
	"github.com/ucpresence/presence/engine"
)

// subView is what one watcher knows of one contact: the view merged from
// the deltas it received and its position in the contact's change log.
// Owned by the goroutine that serves the watcher; never shared.
type subView struct {
	owner int32
	class uint8
	flags engine.Section // subscribed sections (iEventFlagsToSubscribe)
	key   uint64         // the change the view reflects
	print viewPrint
	calls callSet
}

// tornAt reports whether the view is change i delivered in part: it
// differs from change i's expected view only in sections change i itself
// changed, and on those it still shows the view before change i. That is
// what a pull racing the engine's publish produces (the new snapshot read
// with the previous change's marks); the rest follows with the next pull.
// A lost update leaves sections of an earlier change behind instead. When
// the change before i is no longer in the log, the first condition alone
// decides.
func tornAt(log *contactLog, sv *subView, i int, mask engine.Section) bool {
	ch := log.entries[i]
	d := sv.print.differs(&ch.prints[sv.class], mask)
	if d == 0 || d&^ch.changed[sv.class] != 0 {
		return false
	}
	return i == 0 || sv.print.differs(&log.entries[i-1].prints[sv.class], d) == 0
}

// compared returns the sections the oracle compares for this subscription.
func (sv *subView) compared() engine.Section { return compared(sv.class, sv.flags) }

// watcherView is one watching user: its subscriptions sorted by owner.
type watcherView struct {
	user int32
	slow bool
	subs []subView
	// owners are the subscriptions' owners, for the lookup: a console's
	// 5,000 subscriptions are 500 KB of views but 20 KB of owners, so the
	// binary search stays in cache (it was a fifth of the CPU of an
	// enterprise-20k run when it probed the views).
	owners []int32
}

// index fills owners from subs (after the subscriptions are set).
func (w *watcherView) index() {
	w.owners = make([]int32, len(w.subs))
	for i := range w.subs {
		w.owners[i] = w.subs[i].owner
	}
}

// sub returns the subscription to owner, or nil.
func (w *watcherView) sub(owner int32) *subView {
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
		return &w.subs[lo]
	}
	return nil
}

// resolution is what accounting an update found.
type resolution uint8

const (
	resolved   resolution = iota // accounted
	notYet                       // the update is ahead of the log: retry after the recorder caught up
	mismatched                   // no change explains the view (wire)
	olderView                    // the view equals a change before the position (wire)
)

// cover moves sv's position from its key to the change at index to,
// measuring every change in between that the watcher was to be told about
// from the change's intended time to recv (warm-up changes are not
// measured). It returns how many of those changes the watcher was to be
// told about. Caller holds log.mu (read).
//
// before is the view before this update. Changes up to the newest one
// whose expected view equals it were already consistent with the watcher
// before this update arrived: the engine legitimately coalesced them away
// without an update (a second call dialled and dropped while the first
// one was on: calls marked, nothing visible changed since the last pull).
// They are settled without a sample; measuring them at this unrelated
// later update would add seconds of latency that no client saw.
func cover(log *contactLog, w *watcherView, sv *subView, to int, before *viewPrint, recv int64, rec *recorder) int {
	first := log.after(sv.key)
	silent := first - 1
	if before != nil {
		mask := sv.compared()
		for i := to; i >= first; i-- {
			if before.differs(&log.entries[i].prints[sv.class], mask) == 0 {
				silent = i
				break
			}
		}
	}
	expected := 0
	for i := first; i <= to; i++ {
		ch := log.entries[i]
		if !ch.expectedBy(sv.class, sv.flags) {
			continue
		}
		expected++
		if !ch.measured {
			continue
		}
		ch.remaining.Add(-1)
		if i <= silent {
			rec.count(CounterCoalesced, 1)
			if !w.slow {
				ch.remainingFast.Add(-1)
			}
			continue
		}
		latency := recv - ch.intended
		if w.slow {
			rec.record(MetricSlowDelivery, latency)
			continue
		}
		rec.record(MetricDelivery, latency)
		rec.record(MetricServiceTime, recv-ch.applied)
		if ch.remainingFast.Add(-1) == 0 {
			rec.record(MetricFanout, latency)
		}
	}
	sv.key = log.entries[to].key
	return expected
}

// resolveKeyed accounts an update of an engine snapshot with version key
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
func resolveKeyed(log *contactLog, w *watcherView, sv *subView, key uint64, changed engine.Section, before *viewPrint, recv int64, rec *recorder) (res resolution, unexplained bool) {
	log.mu.RLock()
	defer log.mu.RUnlock()
	unchanged := before.differs(&sv.print, sv.compared()) == 0
	n := log.newest()
	if n == nil || key > n.key {
		return notYet, false
	}
	mask := sv.compared()
	_, at := log.find(key)
	if at < 0 {
		// Trimmed: every watcher that was to be told about it was; this
		// one was not among them.
		if key != sv.key {
			rec.count(CounterUnexpected, 1)
		}
		sv.key = key
		return resolved, false
	}
	for i := at; i >= 0 && log.entries[i].key >= sv.key; i-- {
		ch := log.entries[i]
		if sv.print.differs(&ch.prints[sv.class], mask) != 0 {
			continue
		}
		if ch.key == sv.key {
			repeated(sv, changed, rec)
			return resolved, false
		}
		if cover(log, w, sv, i, before, recv, rec) == 0 {
			rec.count(CounterUnexpected, 1)
		}
		return resolved, false
	}
	if key == sv.key && unchanged {
		// The position's change is no longer in the log.
		repeated(sv, changed, rec)
		return resolved, false
	}
	if key > sv.key && tornAt(log, sv, at, mask) {
		// The rest of version key follows with the next pull, which
		// then measures the change; the position stays.
		rec.count(CounterTorn, 1)
		return resolved, false
	}
	rec.count(CounterStale, 1)
	if key > sv.key {
		cover(log, w, sv, at, nil, recv, rec)
	}
	return resolved, true
}

// resolveMatched accounts an update by its content (wire): the update
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
func resolveMatched(log *contactLog, w *watcherView, sv *subView, changed engine.Section, before *viewPrint, recv int64, rec *recorder) resolution {
	log.mu.RLock()
	defer log.mu.RUnlock()
	unchanged := before.differs(&sv.print, sv.compared()) == 0
	mask := sv.compared()
	next := log.after(sv.key)
	for i := next; i < len(log.entries); i++ {
		if sv.print.differs(&log.entries[i].prints[sv.class], mask) != 0 {
			continue
		}
		if cover(log, w, sv, i, before, recv, rec) == 0 {
			rec.count(CounterUnexpected, 1)
		}
		return resolved
	}
	if unchanged {
		repeated(sv, changed, rec)
		return resolved
	}
	for i := next; i < len(log.entries); i++ {
		if tornAt(log, sv, i, mask) {
			rec.count(CounterTorn, 1)
			return resolved
		}
	}
	for i := next - 1; i >= 0; i-- {
		if log.entries[i].key < sv.key && sv.print.differs(&log.entries[i].prints[sv.class], mask) == 0 {
			return olderView
		}
	}
	return mismatched
}

// repeated counts an update that left the watcher where it was: a
// duplicate when it carried compared sections, else an update of sections
// the oracle does not follow (contact data, configuration).
func repeated(sv *subView, changed engine.Section, rec *recorder) {
	if changed&sv.compared() != 0 {
		rec.count(CounterDuplicated, 1)
	} else {
		rec.count(CounterUnexpected, 1)
	}
}

// settle is the quiesce step for one subscription: when the final view
// equals the newest change's expected view, the watcher is consistent with
// every change up to it, including those the engine legitimately
// coalesced away without an update (a call added and removed between two
// pulls). It returns whether the view is consistent.
func settle(log *contactLog, sv *subView) bool {
	log.mu.RLock()
	defer log.mu.RUnlock()
	n := log.newest()
	if n == nil {
		return true
	}
	if sv.print.differs(&n.prints[sv.class], sv.compared()) != 0 {
		return false
	}
	for i := log.after(sv.key); i < len(log.entries); i++ {
		ch := log.entries[i]
		if ch.measured && ch.expectedBy(sv.class, sv.flags) {
			ch.remaining.Add(-1)
		}
	}
	sv.key = n.key
	return true
}
