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
// runs them one instant at a time: the clock is set to the instant, the
// engine's Tick runs it (the engine runs every boundary at its own
// instant, engine catchUp) and the model's Tick the same, and the change
// is recorded, measured from the instant's intended time. It holds the
// tick lock exclusively while it does, so that no event is applied
// between the engine's calendar step and its recording.
func (d *inProcess) ticker(ctx context.Context, rec *oracle.Recorder) {
	var due []oracle.Boundary
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
		if !now.After(d.clock.Now()) {
			now = d.clock.Now()
		}
		due = d.calendar.DueInOrder(now, due[:0])
		for i := 0; i < len(due); {
			at := due[i].At
			if at.After(d.clock.Now()) {
				d.clock.Set(at)
			}
			d.engine.Tick()
			applied := time.Now().UnixNano()
			intended := d.run.Start.Add(d.plan.WallOffset(at.Sub(d.dayZero))).UnixNano()
			rec.Mutex.Lock()
			for ; i < len(due) && due[i].At.Equal(at); i++ {
				user := due[i].User
				if i > 0 && due[i-1].At.Equal(at) && due[i-1].User == user {
					continue // the same instant twice (one meeting ends as the next starts)
				}
				log := &d.plan.Logs[user]
				log.Apply.Lock()
				modelChanged := log.State.Tick(d.clock.Now())
				d.record(user, intended, applied, true, modelChanged, rec)
				log.Apply.Unlock()
			}
			rec.Mutex.Unlock()
		}
		d.clock.Set(now)
		d.tick.Unlock()
	}
}
