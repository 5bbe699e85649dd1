package run

import (
	"context"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/oracle"
)

// consumer pulls a share of the in-process watchers. Each watcher's
// WatcherConfig.Notify puts the watcher's index on ready (a slow reader's
// after SlowReaderDelay); the channel holds one slot per watcher of the
// consumer, and a watcher notifies at most once per pull, so Notify never
// blocks the engine's fan-out.
type consumer struct {
	d       *inProcess
	rec     *oracle.Recorder
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
	view := d.plan.Watchers[idx]
	c.rec.Mutex.Lock()
	defer c.rec.Mutex.Unlock()
	c.rec.Count(oracle.CounterDeliveries, int64(len(c.updates)))
	for i := range c.updates {
		u := &c.updates[i]
		if u.Removed {
			c.rec.Count(oracle.CounterErrors, 1)
			continue
		}
		c.seen++
		f := &d.cfg.Fault
		if f.DropEvery > 0 && c.seen%int64(f.DropEvery) == 0 {
			c.rec.Count(oracle.CounterDropped, 1)
			continue
		}
		c.handle(view, u, recv, f.CorruptEvery > 0 && c.seen%int64(f.CorruptEvery) == 0)
		if f.ReplayEvery > 0 && c.seen%int64(f.ReplayEvery) == 0 {
			c.rec.Count(oracle.CounterDropped, 1)
			c.handle(view, u, recv, false)
		}
	}
}

// handle accounts one update of one watcher. Caller holds c.rec.mu.
func (c *consumer) handle(view *oracle.WatcherView, u *engine.Update, recv int64, corrupt bool) {
	d := c.d
	owner, ok := d.plan.Index[u.ContactID]
	sv := view.Sub(owner)
	if !ok || sv == nil {
		c.rec.Count(oracle.CounterErrors, 1)
		return
	}
	key := u.Snapshot.Version
	if key < sv.Key {
		c.rec.Count(oracle.CounterOutOfOrder, 1)
		return
	}
	before := sv.Print
	mergeUpdate(sv, u)
	if corrupt {
		sv.Print.Note ^= 0x5a5a
		c.rec.Count(oracle.CounterDropped, 1)
	}
	log := &d.plan.Logs[owner]
	res, unexplained := oracle.ResolveKeyed(log, view, sv, key, u.Changed, &before, recv, c.rec)
	if res == oracle.NotYet {
		d.waitRecorder(owner)
		res, unexplained = oracle.ResolveKeyed(log, view, sv, key, u.Changed, &before, recv, c.rec)
		if res == oracle.NotYet {
			c.rec.Count(oracle.CounterUnattributed, 1)
			oracle.Position(log, sv, key)
		}
	}
	if unexplained {
		resync(sv, u.Snapshot)
	}
}

// mergeUpdate merges the changed sections of an engine update into a
// watcher's view: each section in Changed from the (filtered) snapshot,
// the calls from their added/changed/removed deltas, as a client does.
func mergeUpdate(sv *oracle.SubView, u *engine.Update) {
	changed := u.Changed & oracle.PrintSections
	sv.Print.FromSnapshot(u.Snapshot, changed&^engine.SectionCalls)
	if changed&engine.SectionCalls != 0 {
		for _, call := range u.Calls {
			sv.Calls.Apply(call.Action, oracle.HashString(call.Call.ConnectionID), int32(call.Call.State))
		}
		sv.Print.Calls = sv.Calls.Hash()
	}
}

// resync replaces a view by the snapshot's (after a counted stale update).
func resync(sv *oracle.SubView, s *engine.Snapshot) {
	sv.Print.FromSnapshot(s, oracle.PrintSections)
	sv.Calls = sv.Calls[:0]
	for _, call := range s.Calls {
		sv.Calls = append(sv.Calls, oracle.CallItem{ID: oracle.HashString(call.ConnectionID), State: int32(call.State)})
	}
	if len(sv.Calls) == 0 {
		sv.Calls = nil
	}
}
