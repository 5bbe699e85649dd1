package driver

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
)

// Generator is the bookkeeping of one generator goroutine: its recorder,
// its load meter, and the split of its time into its own work (the
// behaviour models, mapping, encoding) and handing events to the engine
// or the network, from which the status derives whether the generator
// itself is the bottleneck.
type Generator struct {
	Recorder *oracle.Recorder
	Meter    model.LoadMeter // owned by the goroutine; read after it ended

	OwnNanos   atomic.Int64 // generating, mapping, encoding
	ApplyNanos atomic.Int64 // engine calls (in-process) or queueing to the senders (wire)
	MaxLag     atomic.Int64 // largest lag of the current interval, ns
	ReachedAt  atomic.Int64 // virtual offset of the last event handled, ns
}

// Busy accounts time spent working.
func (g *Generator) Busy(own, apply time.Duration) {
	if own > 0 {
		g.OwnNanos.Add(int64(own))
	}
	if apply > 0 {
		g.ApplyNanos.Add(int64(apply))
	}
}

// Lag records how late an event is handled (0 when on time).
func (g *Generator) Lag(d time.Duration) {
	if d < 0 {
		d = 0
	}
	g.Recorder.Mutex.Lock()
	g.Recorder.Record(oracle.MetricScheduleLag, int64(d))
	g.Recorder.Mutex.Unlock()
	for {
		old := g.MaxLag.Load()
		if int64(d) <= old || g.MaxLag.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// Reached notes the virtual time the generator got to.
func (g *Generator) Reached(at time.Duration) { g.ReachedAt.Store(int64(at)) }

// timerSlack is how late a Go timer fires on a loaded Linux machine (the
// runtime's poller sleeps in whole milliseconds: a 50 µs sleep takes about
// 1.03 ms here). With Config.Spin the generator sleeps until this much
// before the due time and spins (yielding) for the rest.
const timerSlack = 1100 * time.Microsecond

// WaitUntil sleeps until due; false when ctx ended first. Without spin the
// event is handled up to a timer granularity (about 1 ms) late, which the
// schedule lag and the intended-time latencies include.
func (g *Generator) WaitUntil(ctx context.Context, due time.Time, spin bool) bool {
	wait := time.Until(due)
	if spin {
		wait -= timerSlack
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	if spin {
		for time.Now().Before(due) {
			runtime.Gosched()
		}
	}
	return ctx.Err() == nil
}
