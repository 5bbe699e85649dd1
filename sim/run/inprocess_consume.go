package run

import (
	"context"
	"time"

	"github.com/ucpresence/presence/engine"
)

// consumer pulls a share of the in-process watchers. Each watcher's
// WatcherConfig.Notify puts the watcher's index on ready (a slow reader's
// after SlowReaderDelay); the channel holds one slot per watcher of the
// consumer, and a watcher notifies at most once per pull, so Notify never
// blocks the engine's fan-out.
type consumer struct {
	d       *inProcess
	rec     *recorder
	ready   chan int32
	updates []engine.Update
	seen    int64 // updates handled, for the fault injection
}

// loop serves notifications until ctx ends.
func (c *consumer) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case idx := <-c.ready:
			c.pull(idx)
			c.d.inflight.Add(-1)
		}
	}
}

// pull takes everything pending on one watcher and accounts it.
func (c *consumer) pull(idx int32) {
	d := c.d
	c.updates = d.watchers[idx].Pull(c.updates[:0])
	if len(c.updates) == 0 {
		return
	}
	recv := time.Now().UnixNano()
	view := d.plan.watchers[idx]
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	c.rec.count(CounterDeliveries, int64(len(c.updates)))
	for i := range c.updates {
		u := &c.updates[i]
		if u.Removed {
			c.rec.count(CounterErrors, 1)
			continue
		}
		c.seen++
		f := &d.cfg.Fault
		if f.DropEvery > 0 && c.seen%int64(f.DropEvery) == 0 {
			c.rec.count(CounterDropped, 1)
			continue
		}
		c.handle(view, u, recv, f.CorruptEvery > 0 && c.seen%int64(f.CorruptEvery) == 0)
		if f.ReplayEvery > 0 && c.seen%int64(f.ReplayEvery) == 0 {
			c.rec.count(CounterDropped, 1)
			c.handle(view, u, recv, false)
		}
	}
}

// handle accounts one update of one watcher. Caller holds c.rec.mu.
func (c *consumer) handle(view *watcherView, u *engine.Update, recv int64, corrupt bool) {
	d := c.d
	owner, ok := d.plan.index[u.ContactID]
	sv := view.sub(owner)
	if !ok || sv == nil {
		c.rec.count(CounterErrors, 1)
		return
	}
	key := u.Snapshot.Version
	if key < sv.key {
		c.rec.count(CounterOutOfOrder, 1)
		return
	}
	before := sv.print
	mergeUpdate(sv, u)
	if corrupt {
		sv.print.note ^= 0x5a5a
		c.rec.count(CounterDropped, 1)
	}
	log := &d.plan.logs[owner]
	res, unexplained := resolveKeyed(log, view, sv, key, u.Changed, &before, recv, c.rec)
	if res == notYet {
		d.waitRecorder(owner)
		res, unexplained = resolveKeyed(log, view, sv, key, u.Changed, &before, recv, c.rec)
		if res == notYet {
			c.rec.count(CounterUnattributed, 1)
			sv.key = key
		}
	}
	if unexplained {
		resync(sv, u.Snapshot)
	}
}

// mergeUpdate merges the changed sections of an engine update into a
// watcher's view: each section in Changed from the (filtered) snapshot,
// the calls from their added/changed/removed deltas, as a client does.
func mergeUpdate(sv *subView, u *engine.Update) {
	changed := u.Changed & printSections
	sv.print.fromSnapshot(u.Snapshot, changed&^engine.SectionCalls)
	if changed&engine.SectionCalls != 0 {
		for _, call := range u.Calls {
			sv.calls.apply(call.Action, hashString(call.Call.ConnectionID), int32(call.Call.State))
		}
		sv.print.calls = sv.calls.hash()
	}
}

// resync replaces a view by the snapshot's (after a counted stale update).
func resync(sv *subView, s *engine.Snapshot) {
	sv.print.fromSnapshot(s, printSections)
	sv.calls = sv.calls[:0]
	for _, call := range s.Calls {
		sv.calls = append(sv.calls, callItem{id: hashString(call.ConnectionID), state: int32(call.State)})
	}
	if len(sv.calls) == 0 {
		sv.calls = nil
	}
}
