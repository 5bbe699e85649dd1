package run

import (
	"context"
	"time"

	"github.com/ucpresence/presence/sim/oracle"
)

// Quiesce waits until every notification has been pulled (slow readers'
// delayed ones included) and no watcher has anything pending, three times
// in a row 10 ms apart; false at Config.QuiesceTimeout.
func (d *inProcess) Quiesce(ctx context.Context) bool {
	deadline := time.Now().Add(d.cfg.QuiesceTimeout)
	quiet := 0
	for quiet < 3 {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(10 * time.Millisecond)
		if d.inflight.Load() != 0 || d.anyPending() {
			quiet = 0
			continue
		}
		quiet++
	}
	return true
}

func (d *inProcess) anyPending() bool {
	for _, w := range d.watchers {
		if w.Pending() {
			return true
		}
	}
	return false
}

// Check settles every watcher's view (changes coalesced away without an
// update count as seen when the view is consistent), compares it with the
// engine's SnapshotFor(watcher, owner), sums the changes never caught up
// with, and compares the simulator's model with the engine.
func (d *inProcess) Check(_ context.Context, o *Oracle) error {
	p := d.plan
	for _, w := range p.Watchers {
		user := p.Population.Users[w.User].ContactID
		for i := range w.Subs {
			sv := &w.Subs[i]
			oracle.Settle(&p.Logs[sv.Owner], sv)
			snap, ok := d.engine.SnapshotFor(user, p.Population.Users[sv.Owner].ContactID)
			o.Checked++
			if !ok {
				o.Divergence++
				continue
			}
			var want oracle.ViewPrint
			want.FromSnapshot(snap, oracle.PrintSections)
			if want.Differs(&sv.Print, sv.Compared()) != 0 {
				o.Divergence++
				if o.Divergence <= 5 {
					d.cfg.Logger.Warn("presencesim: divergence", "watcher", user, "contact", snap.ContactID,
						"sections", want.Differs(&sv.Print, sv.Compared()).String())
				}
			}
		}
	}
	for u := range p.Logs {
		o.Lost += p.Logs[u].Pending()
	}
	if d.cfg.CheckModel {
		o.ModelDivergence = d.modelDivergence.Load()
		for u := range p.Logs {
			log := &p.Logs[u]
			for c := range oracle.NumClasses {
				mp := log.State.Print(uint8(c))
				if mp.Differs(&d.recorded[u].prints[c], oracle.PrintSections) != 0 {
					o.ModelDivergence++
					break
				}
			}
		}
	}
	return nil
}
