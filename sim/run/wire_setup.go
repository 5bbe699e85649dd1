package run

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// setRights sets every owner's rights for its watchers with
// asnSetDynamicRights from the owner's own connection (a temporary one for
// owners that watch nobody), pipelined and paced under the server's
// invoke rate limit.
func (w *wire) setRights(ctx context.Context) error {
	p := w.plan
	type grant struct {
		watcher int32
		class   uint8
	}
	byOwner := map[int32][]grant{}
	for _, view := range p.watchers {
		for _, sub := range view.subs {
			byOwner[sub.owner] = append(byOwner[sub.owner], grant{view.user, sub.class})
		}
	}
	clientOf := make(map[int32]*wireClient, len(w.clients))
	for _, c := range w.clients {
		clientOf[c.user] = c
	}
	sem := make(chan struct{}, w.cfg.Wire.DialConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for owner, grants := range byOwner {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := clientOf[owner]
			temporary := c == nil
			if temporary {
				var err error
				if c, err = w.dialClient(ctx, owner, nil); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				defer c.close()
			}
			id := p.population.Users[owner].ContactID
			pace := time.Second / time.Duration(w.cfg.Wire.InvokeRate)
			answers := make([]chan *protocol.Message, 0, len(grants))
			for i, g := range grants {
				answer, err := c.send("asnSetDynamicRights", &protocol.AsnSetDynamicRightsArgument{
					OwnerContactID:     id,
					RemoteContactID:    p.population.Users[g.watcher].ContactID,
					DynamicRightsLevel: int64(engineLevels[g.class]),
				})
				if err == nil {
					answers = append(answers, answer)
				} else {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					break
				}
				if i >= 100 {
					time.Sleep(pace) // the first hundred ride the server's burst allowance
				}
			}
			for _, answer := range answers {
				if _, err := c.await(ctx, "asnSetDynamicRights", answer); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	// Temporary connections log out; let the server process it before the
	// watchers subscribe.
	time.Sleep(100 * time.Millisecond)
	return firstErr
}

// subscribeAll subscribes one client to its contacts (one call per flag
// set) and hands each returned presence to fn.
func (c *wireClient) subscribeAll(ctx context.Context, fn func(sv *subView, p *protocol.AsnPresenceV2)) error {
	w, view := c.w, c.view
	done := map[engine.Section]bool{}
	for i := range view.subs {
		flags := view.subs[i].flags
		if done[flags] {
			continue
		}
		done[flags] = true
		var ids []string
		for j := range view.subs {
			if view.subs[j].flags == flags {
				ids = append(ids, w.plan.population.Users[view.subs[j].owner].ContactID)
			}
		}
		m, err := c.call(ctx, "asnGetAndSubscribePresenceV2", &protocol.AsnGetAndSubscribePresenceArgument{
			ContactIDs: ids, EventFlagsToSubscribe: protocol.Some(int64(flags)), DontRequestPermissions: protocol.Some(true),
		})
		if err != nil {
			return err
		}
		var result protocol.AsnGetAndSubscribePresenceV2Result
		if err := json.Unmarshal(m.Result.Value, &result); err != nil {
			return fmt.Errorf("%w: subscribe result: %v", ErrWire, err)
		}
		for k := range result.SubscribedPresence {
			p := &result.SubscribedPresence[k]
			sv := view.sub(w.plan.index[p.ContactID])
			if sv == nil {
				return fmt.Errorf("%w: subscribe result for unknown contact %q", ErrWire, p.ContactID)
			}
			fn(sv, p)
		}
	}
	return nil
}

// subscribe subscribes every client; the snapshots are the first views,
// positioned at each contact's newest change.
func (w *wire) subscribe(ctx context.Context) error {
	err := w.eachClient(ctx, func(c *wireClient) error {
		err := c.subscribeAll(ctx, func(sv *subView, p *protocol.AsnPresenceV2) {
			sv.print = viewPrint{}
			sv.calls = nil
			mergeWire(sv, p, printSections)
			log := &w.plan.logs[sv.owner]
			log.mu.RLock()
			n := log.newest()
			log.mu.RUnlock()
			sv.key = n.key
			if d := sv.print.differs(&n.prints[sv.class], sv.compared()); d != 0 {
				w.cfg.Logger.Warn("presencesim: subscribe snapshot differs from the model",
					"watcher", w.plan.population.Users[c.user].ContactID, "contact", p.ContactID, "sections", d.String())
				c.countError()
			}
		})
		c.ready.Store(true)
		return err
	})
	return err
}

// eachClient runs fn for every client, DialConcurrency at a time, and
// returns the first error.
func (w *wire) eachClient(ctx context.Context, fn func(c *wireClient) error) error {
	sem := make(chan struct{}, w.cfg.Wire.DialConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, c := range w.clients {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(c); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// check re-subscribes every client: the fresh snapshot is the server's
// truth. A watcher's merged view that differs is a divergence; a snapshot
// that differs from the simulator's model is a model divergence (counted
// once per contact and class).
func (w *wire) check(ctx context.Context, o *Oracle) error {
	if err := w.failure(); err != nil {
		return err
	}
	var mu sync.Mutex
	modelOff := map[[2]int32]bool{}
	// The server and the model keep running calendar boundaries after the
	// day (meetings that end later): a boundary during the check reaches a
	// client after its fresh snapshot, when updates are no longer
	// accounted. Such changes are not lost; they are left out of the count.
	checkStart := time.Now().Add(-raceWindow).UnixNano()
	err := w.eachClient(ctx, func(c *wireClient) error {
		c.ready.Store(false) // the fresh snapshots are not deliveries
		return c.subscribeAll(ctx, func(sv *subView, p *protocol.AsnPresenceV2) {
			fresh := subView{class: sv.class, flags: sv.flags}
			mergeWire(&fresh, p, printSections)
			log := &w.plan.logs[sv.owner]
			settle(log, sv)
			log.mu.RLock()
			n := log.newest()
			log.mu.RUnlock()
			mu.Lock()
			defer mu.Unlock()
			o.Checked++
			if d := fresh.print.differs(&sv.print, sv.compared()); d != 0 {
				o.Divergence++
				if o.Divergence <= 5 {
					w.cfg.Logger.Warn("presencesim: divergence", "watcher", w.plan.population.Users[c.user].ContactID,
						"contact", p.ContactID, "sections", d.String())
				}
			}
			if d := fresh.print.differs(&n.prints[sv.class], sv.compared()); d != 0 && !modelOff[[2]int32{sv.owner, int32(sv.class)}] {
				modelOff[[2]int32{sv.owner, int32(sv.class)}] = true
				o.ModelDivergence++
				if o.ModelDivergence <= 5 {
					w.cfg.Logger.Warn("presencesim: the server's state differs from the model", "contact", p.ContactID,
						"class", sv.class, "sections", d.String(), "server_state", fresh.print.state, "model_state", n.prints[sv.class].state,
						"boundary_near_last_change", w.nearBoundary(sv.owner, n.applied, raceWindow))
				}
			}
		})
	})
	var late int64
	for u := range w.plan.logs {
		n, after := w.plan.logs[u].pendingBefore(checkStart)
		o.Lost += n
		late += after
	}
	if late > 0 {
		w.cfg.Logger.Info("presencesim: deliveries of calendar boundaries that fell into the final check are not counted as lost", "deliveries", late)
	}
	return err
}
