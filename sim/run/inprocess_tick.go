package run

import (
	"context"
	"time"

	"github.com/ucpresence/presence/sim/oracle"
)

// tickPeriod is the longest the virtual clock stands still: the ticker
// wakes at every calendar boundary and at least this often.
const tickPeriod = 2 * time.Millisecond

// ticker moves the engine's virtual clock with wall time (virtual = day
// start + elapsed wall × speed) and, when calendar boundaries are due,
// runs the engine's Tick and records the changes it caused, each measured
// from its boundary's intended time. It holds the tick lock exclusively
// while it does, so that no event is applied between the engine's calendar
// step and its recording.
func (d *inProcess) ticker(ctx context.Context, rec *oracle.Recorder) {
	due := make(map[int32]time.Time)
	timer := time.NewTimer(tickPeriod)
	defer timer.Stop()
	for {
		wait := tickPeriod
		if at, ok := d.calendar.Next(); ok {
			wall := d.run.Start.Add(d.plan.WallOffset(at.Sub(d.dayZero)))
			if w := time.Until(wall); w < wait {
				wait = max(w, 0)
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		d.tick.Lock()
		now := d.dayZero.Add(d.plan.VirtualOffset(time.Since(d.run.Start)))
		if now.After(d.clock.Now()) {
			d.clock.Set(now)
		}
		now = d.clock.Now()
		clear(due)
		d.calendar.Due(now, due)
		if len(due) > 0 {
			d.engine.Tick()
			applied := time.Now().UnixNano()
			rec.Mutex.Lock()
			for user, at := range due {
				log := &d.plan.Logs[user]
				log.Apply.Lock()
				intended := d.run.Start.Add(d.plan.WallOffset(at.Sub(d.dayZero))).UnixNano()
				modelChanged := log.State.Tick(now)
				d.record(user, intended, applied, true, modelChanged, rec)
				log.Apply.Unlock()
			}
			rec.Mutex.Unlock()
		}
		d.tick.Unlock()
	}
}
