package run

import (
	"context"
	"time"
)

// quiesce waits until every notification has been pulled (slow readers'
// delayed ones included) and no watcher has anything pending, three times
// in a row 10 ms apart; false at Config.QuiesceTimeout.
func (d *inProcess) quiesce(ctx context.Context) bool {
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

// check settles every watcher's view (changes coalesced away without an
// update count as seen when the view is consistent), compares it with the
// engine's SnapshotFor(watcher, owner), sums the changes never caught up
// with, and compares the simulator's model with the engine.
func (d *inProcess) check(_ context.Context, o *Oracle) error {
	p := d.plan
	for _, w := range p.watchers {
		user := p.population.Users[w.user].ContactID
		for i := range w.subs {
			sv := &w.subs[i]
			settle(&p.logs[sv.owner], sv)
			snap, ok := d.engine.SnapshotFor(user, p.population.Users[sv.owner].ContactID)
			o.Checked++
			if !ok {
				o.Divergence++
				continue
			}
			var want viewPrint
			want.fromSnapshot(snap, printSections)
			if want.differs(&sv.print, sv.compared()) != 0 {
				o.Divergence++
				if o.Divergence <= 5 {
					d.cfg.Logger.Warn("presencesim: divergence", "watcher", user, "contact", snap.ContactID,
						"sections", want.differs(&sv.print, sv.compared()).String())
				}
			}
		}
	}
	for u := range p.logs {
		o.Lost += p.logs[u].pending()
	}
	if d.cfg.CheckModel {
		o.ModelDivergence = d.modelDivergence.Load()
		for u := range p.logs {
			log := &p.logs[u]
			for c := range numClasses {
				mp := log.state.print(uint8(c))
				if mp.differs(&d.recorded[u].prints[c], printSections) != 0 {
					o.ModelDivergence++
					break
				}
			}
		}
	}
	return nil
}
