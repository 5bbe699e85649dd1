package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/oracle"
)

// failoverTimeout bounds how long a client or a sender keeps trying the
// other nodes after its node failed: a crashed node's contacts move after
// the cluster's lease (3 s by default, docs/CLUSTER.md), and inputs for
// them wait meanwhile.
const failoverTimeout = 30 * time.Second

// clientList returns the watchers' clients (a failover may replace one).
func (w *wire) clientList() []*wireClient {
	w.clientsMu.Lock()
	defer w.clientsMu.Unlock()
	return slices.Clone(w.clients)
}

// resyncQueue holds the updates a replacement client reads while it
// subscribes again: the subscribe results are merged first (they are the
// state at subscription time), then the held updates in the order they
// arrived, so no update is lost or applied before the snapshot it follows.
type resyncQueue struct {
	mu      sync.Mutex // guards holding and held
	holding bool
	held    []heldUpdate
}

type heldUpdate struct {
	data []byte
	recv time.Time
}

var updateOperation = []byte(`"asnUpdatePresenceV2"`)

// hold keeps data if it is an update and the queue is still holding;
// answers (the subscribe results among them) pass.
func (q *resyncQueue) hold(data []byte, recv time.Time) bool {
	if !bytes.Contains(data, updateOperation) {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.holding {
		return false
	}
	q.held = append(q.held, heldUpdate{data: bytes.Clone(data), recv: recv})
	return true
}

// failover replaces a watcher's client whose connection failed during the
// run: it connects to the next node (round robin over Wire.Targets),
// logs in, subscribes again with the same view and resolves each
// subscription's fresh snapshot against the contact's change log. The
// changes the watcher missed while it was away are then covered by the
// snapshot if it shows them (they count as delivered, late), or stay
// pending: the final check settles them if the watcher converged, and only
// counts as lost what it never caught up with.
func (w *wire) failover(old *wireClient, cause error) {
	w.failovers.Add(1)
	began := time.Now()
	user := w.plan.Population.Users[old.user].ContactID
	w.liveMu.Lock()
	if i := slices.Index(w.live, old); i >= 0 {
		w.live = slices.Delete(w.live, i, i+1)
	}
	w.liveMu.Unlock()
	// The old client's resolver accounts what it was handed and leaves its
	// positions in the view, where the new client starts from.
	old.drained(time.Now().Add(5 * time.Second))
	node := old.node
	deadline := began.Add(failoverTimeout)
	for {
		node = (node + 1) % len(w.cfg.Wire.Targets)
		select {
		case <-w.stopKeepAlive:
			return // the run is closing
		default:
		}
		c, err := w.reconnect(old, node)
		if err == nil {
			w.clientsMu.Lock()
			w.clients[old.index] = c
			w.clientsMu.Unlock()
			w.cfg.Logger.Info("presencesim: a watcher followed a failover", "user", user, "from", w.cfg.Wire.Targets[old.node],
				"to", w.cfg.Wire.Targets[node], "after", time.Since(began).Round(time.Millisecond), "cause", cause)
			return
		}
		if time.Now().After(deadline) {
			w.fail(fmt.Errorf("%w: %s could not reconnect to any node in %v: %v", ErrWire, user, failoverTimeout, err))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reconnect dials node for old's user and view and subscribes again.
func (w *wire) reconnect(old *wireClient, node int) (*wireClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), failoverTimeout)
	defer cancel()
	q := &resyncQueue{holding: true}
	c, err := w.dialClientAt(ctx, old.user, old.view, node, q)
	if err != nil {
		return nil, err
	}
	c.index = old.index
	for i := range c.view.Subs {
		c.keys[i] = c.view.Subs[i].Key
	}
	err = c.subscribeAll(ctx, func(sv *oracle.SubView, p *protocol.AsnPresenceV2) {
		before := sv.Print
		sv.Print = oracle.ViewPrint{}
		sv.Calls = nil
		MergePresence(sv, p, oracle.PrintSections)
		if before.Differs(&sv.Print, sv.Compared()) == 0 {
			return // nothing missed
		}
		// Resolved: the snapshot shows a change of the log, and the changes
		// up to it count as delivered now. Otherwise (the new owner has not
		// caught up yet) the subscription waits for its next update or the
		// final check.
		c.rec.Mutex.Lock()
		oracle.ResolveMatched(&w.plan.Logs[sv.Owner], c.view, sv, oracle.PrintSections, &before, time.Now().UnixNano(), c.rec)
		c.rec.Mutex.Unlock()
		c.keys[c.view.SubIndex(sv.Owner)] = sv.Key // the resolver continues from here
	})
	if err != nil {
		c.close()
		return nil, err
	}
	c.ready.Store(true)
	q.mu.Lock()
	for _, h := range q.held {
		m, err := protocol.DecodeMessage(h.data)
		if err != nil || m.Invoke == nil {
			c.countError()
			continue
		}
		var arg protocol.AsnUpdatePresenceV2Argument
		if err := json.Unmarshal(m.Invoke.Argument, &arg); err != nil {
			c.countError()
			continue
		}
		c.update(&arg, h.recv.UnixNano())
	}
	q.held, q.holding = nil, false
	q.mu.Unlock()
	return c, nil
}
