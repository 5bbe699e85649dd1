package wire

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/oracle"
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
	for _, view := range p.Watchers {
		for _, sub := range view.Subs {
			byOwner[sub.Owner] = append(byOwner[sub.Owner], grant{view.User, sub.Class})
		}
	}
	clientOf := make(map[int32]*wireClient, len(w.clients))
	for _, c := range w.clientList() {
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
			id := p.Population.Users[owner].ContactID
			pace := time.Second / time.Duration(w.cfg.Wire.InvokeRate)
			answers := make([]chan *protocol.Message, 0, len(grants))
			for i, g := range grants {
				answer, err := c.send("asnSetDynamicRights", &protocol.AsnSetDynamicRightsArgument{
					OwnerContactID:     id,
					RemoteContactID:    p.Population.Users[g.watcher].ContactID,
					DynamicRightsLevel: int64(oracle.EngineLevels[g.class]),
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
// set) and hands each returned presence to fn; nil fn: the results are
// not decoded.
func (c *wireClient) subscribeAll(ctx context.Context, fn func(sv *oracle.SubView, p *protocol.AsnPresenceV2)) error {
	w, view := c.w, c.view
	c.firstSubscribed = time.Time{}
	done := map[engine.Section]bool{}
	for i := range view.Subs {
		flags := view.Subs[i].Flags
		if done[flags] {
			continue
		}
		done[flags] = true
		var ids []string
		for j := range view.Subs {
			if view.Subs[j].Flags == flags {
				ids = append(ids, w.plan.Population.Users[view.Subs[j].Owner].ContactID)
			}
		}
		m, err := c.call(ctx, "asnGetAndSubscribePresenceV2", &protocol.AsnGetAndSubscribePresenceArgument{
			ContactIDs: ids, EventFlagsToSubscribe: protocol.Some(int64(flags)), DontRequestPermissions: protocol.Some(true),
		})
		if err != nil {
			return err
		}
		if c.firstSubscribed.IsZero() {
			c.firstSubscribed = time.Now()
		}
		if fn == nil {
			continue // the storm's first subscribe: the views are re-based after it
		}
		var result protocol.AsnGetAndSubscribePresenceV2Result
		if err := json.Unmarshal(m.Result.Value, &result); err != nil {
			return fmt.Errorf("%w: subscribe result: %v", ErrWire, err)
		}
		for k := range result.SubscribedPresence {
			p := &result.SubscribedPresence[k]
			sv := view.Sub(w.plan.Index[p.ContactID])
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
//
// Each client's login latency (MetricLogin) is its dial-to-login time plus
// its first subscribe call: the setup's wait between the two phases (all
// clients log in, the rights are set, then all subscribe) is left out.
func (w *wire) subscribe(ctx context.Context) error {
	err := w.eachClient(ctx, func(c *wireClient) error {
		started := time.Now()
		defer func() {
			if !c.firstSubscribed.IsZero() && c.loginTook > 0 { // once per login
				c.rec.Mutex.Lock()
				c.rec.Record(oracle.MetricLogin, int64(c.loginTook+c.firstSubscribed.Sub(started)))
				c.rec.Mutex.Unlock()
				c.loginTook = 0
			}
		}()
		err := c.subscribeAll(ctx, func(sv *oracle.SubView, p *protocol.AsnPresenceV2) {
			sv.Print = oracle.ViewPrint{}
			sv.Calls = nil
			MergePresence(sv, p, oracle.PrintSections)
			log := &w.plan.Logs[sv.Owner]
			log.Mutex.RLock()
			n := log.Newest()
			log.Mutex.RUnlock()
			oracle.Position(log, sv, n.Key)
			c.keys[c.view.SubIndex(sv.Owner)] = n.Key
			if d := sv.Print.Differs(&n.Prints[sv.Class], sv.Compared()); d != 0 {
				w.cfg.Logger.Warn("presencesim: subscribe snapshot differs from the model",
					"watcher", w.plan.Population.Users[c.user].ContactID, "contact", p.ContactID, "sections", d.String())
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
	for _, c := range w.clientList() {
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

// Check re-subscribes every client: the fresh snapshot is the server's
// truth. A watcher's merged view that differs is a divergence; a snapshot
// that differs from the simulator's model is a model divergence (counted
// once per contact and class).
func (w *wire) Check(ctx context.Context, o *oracle.Report) error {
	if err := w.failure(); err != nil {
		return err
	}
	if w.stormLine != "" && w.cfg.Status != nil {
		fmt.Fprintln(w.cfg.Status, w.stormLine)
	}
	var mu sync.Mutex
	modelOff := map[[2]int32]bool{}
	// Quiesce withdrew the calendars that still had boundaries to run: the
	// server is still, so a watcher's view that differs from the fresh
	// snapshot is a divergence, with no window for changes in flight.
	deadline := time.Now().Add(w.cfg.QuiesceTimeout)
	err := w.eachClient(ctx, func(c *wireClient) error {
		c.ready.Store(false) // the fresh snapshots are not deliveries
		if !c.drained(deadline) {
			return fmt.Errorf("%w: the updates of %s were not accounted in time", ErrWire, w.plan.Population.Users[c.user].ContactID)
		}
		return c.subscribeAll(ctx, func(sv *oracle.SubView, p *protocol.AsnPresenceV2) {
			fresh := oracle.SubView{Class: sv.Class, Flags: sv.Flags}
			MergePresence(&fresh, p, oracle.PrintSections)
			log := &w.plan.Logs[sv.Owner]
			oracle.Settle(log, sv)
			log.Mutex.RLock()
			n := log.Newest()
			log.Mutex.RUnlock()
			mu.Lock()
			defer mu.Unlock()
			o.Checked++
			if d := fresh.Print.Differs(&sv.Print, sv.Compared()); d != 0 {
				o.Divergence++
				if o.Divergence <= 5 {
					w.cfg.Logger.Warn("presencesim: divergence", "watcher", w.plan.Population.Users[c.user].ContactID,
						"contact", p.ContactID, "sections", d.String())
				}
			}
			if d := fresh.Print.Differs(&n.Prints[sv.Class], sv.Compared()); d != 0 && !modelOff[[2]int32{sv.Owner, int32(sv.Class)}] {
				modelOff[[2]int32{sv.Owner, int32(sv.Class)}] = true
				o.ModelDivergence++
				if o.ModelDivergence <= 5 {
					w.cfg.Logger.Warn("presencesim: the server's state differs from the model", "contact", p.ContactID,
						"class", sv.Class, "sections", d.String(), "server_state", fresh.Print.State, "model_state", n.Prints[sv.Class].State)
				}
			}
		})
	})
	for u := range w.plan.Logs {
		o.Lost += w.plan.Logs[u].Pending()
	}
	return err
}
