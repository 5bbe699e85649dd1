package wire

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/scenario"
)

// stormWindow is the reconnect storm's window: Wire.ReconnectStorm, or one
// second when the scenario drops every session at once (a disconnect fault
// of share 1, as login-storm.yaml has); zero: no storm.
func (w *wire) stormWindow() time.Duration {
	if d := w.cfg.Wire.ReconnectStorm; d != 0 {
		return max(d, 0) // negative: off even for such a scenario
	}
	for _, f := range w.plan.Scenario.Faults {
		if f.Kind == scenario.FaultDisconnect && f.Share >= 1 {
			return time.Second
		}
	}
	return 0
}

// maxLoginAttempts bounds the tries of one client in a storm; every failed
// try counts a login error.
const maxLoginAttempts = 3

// reconnectStorm drops every watcher connection at once (no logoff, as a
// network failure or server restart does) and reconnects them open-loop:
// client i of n is due at start + i·window/n, whatever the server's speed,
// and its login latency runs from that intended time to its
// first subscribe result (MetricReconnect; it logs in with the JWT its previous login
// returned, as a real client reconnects), so a server that falls behind shows it in the
// latency instead of slowing the storm down. Updates are not accounted
// during the storm (the drops change every user's presence, which the
// model does not know); after it the traffic settles and every client
// re-subscribes: its views are re-based on the fresh snapshots, the
// model's changes they show are settled, and the final check compares
// from there.
func (w *wire) reconnectStorm(ctx context.Context, window time.Duration) error {
	var wg sync.WaitGroup
	deadline := time.Now().Add(w.cfg.QuiesceTimeout)
	for _, c := range w.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.drained(deadline) // every update of the day accounted
			c.drop()
		}()
	}
	wg.Wait()
	w.liveMu.Lock()
	w.live = nil
	w.liveMu.Unlock()

	n := len(w.clients)
	hist := oracle.NewHistogram()
	var (
		mu       sync.Mutex
		failures int
		firstErr error
		lastDone time.Time
	)
	start := time.Now().Add(50 * time.Millisecond)
	if w.cfg.Status != nil {
		// scripts/login-storm.sh waits for this line to sample both processes.
		fmt.Fprintf(w.cfg.Status, "reconnect storm begins: %d clients due within %v\n", n, window)
	}
	for i, old := range w.clients {
		due := start.Add(time.Duration(int64(window) * int64(i) / int64(max(n, 1))))
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(due))
			var err error
			for attempt := 0; attempt < maxLoginAttempts && ctx.Err() == nil; attempt++ {
				var c *wireClient
				if c, err = w.dialClientWith(ctx, old.user, old.view, old.sessionToken); err == nil {
					err = c.subscribeAll(ctx, nil) // not decoded: the simulator's CPU is the server's too
					if err == nil {
						latency := c.firstSubscribed.Sub(due)
						c.loginTook = 0
						copy(c.keys, old.keys) // the resolver's positions in the change logs
						c.index = old.index
						c.rec.Mutex.Lock()
						c.rec.Record(oracle.MetricReconnect, int64(latency))
						c.rec.Mutex.Unlock()
						mu.Lock()
						_ = hist.RecordValue(int64(latency))
						if c.firstSubscribed.After(lastDone) {
							lastDone = c.firstSubscribed
						}
						w.clients[i] = c
						mu.Unlock()
						return
					}
					c.close()
				}
				old.rec.Mutex.Lock()
				old.rec.Count(oracle.CounterLoginErrors, 1)
				old.rec.Mutex.Unlock()
				mu.Lock()
				failures++
				mu.Unlock()
			}
			mu.Lock()
			if firstErr == nil {
				firstErr = fmt.Errorf("%w: reconnect storm: %v", ErrWire, err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	took := lastDone.Sub(start)
	line := fmt.Sprintf("reconnect storm: %d clients due within %v, the last subscribed after %v: %.0f logins/s; login p50 %v, p99 %v, max %v; %d failed attempts",
		n, window, took.Round(time.Millisecond), float64(n)/took.Seconds(),
		time.Duration(hist.ValueAtQuantile(50)).Round(time.Microsecond), time.Duration(hist.ValueAtQuantile(99)).Round(time.Microsecond),
		time.Duration(hist.Max()).Round(time.Microsecond), failures)
	w.cfg.Logger.Info("presencesim: " + line)
	w.stormLine = line // printed by Check, once the status intervals have stopped
	w.quiet(ctx)
	// Re-base every view on a fresh snapshot and settle the changes it
	// already shows (as the final check does), then account updates again.
	return w.eachClient(ctx, func(c *wireClient) error {
		err := c.subscribeAll(ctx, func(sv *oracle.SubView, p *protocol.AsnPresenceV2) {
			sv.Print = oracle.ViewPrint{}
			sv.Calls = nil
			MergePresence(sv, p, oracle.PrintSections)
			oracle.Settle(&w.plan.Logs[sv.Owner], sv)
			c.keys[c.view.SubIndex(sv.Owner)] = sv.Key
		})
		c.ready.Store(true)
		return err
	})
}
