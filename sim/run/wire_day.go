package run

import (
	"context"
	"sync"
	"time"

	"github.com/ucpresence/presence/sim/model"
)

// day runs the generators: each event goes, at its intended wall time, to
// the sender that owns its user.
func (w *wire) day(ctx context.Context) error {
	var wg sync.WaitGroup
	for i, stream := range w.run.streams {
		g := w.run.generators[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.generate(ctx, stream, g)
		}()
	}
	wg.Wait()
	if err := w.failure(); err != nil {
		return err
	}
	return ctx.Err()
}

// generate hands one shard's events to the senders at their intended wall
// times. The time a hand-over blocks (a full sender queue) is the
// generator's "apply" time: the server or the network is behind.
func (w *wire) generate(ctx context.Context, stream *model.Stream, g *generator) {
	var ev model.Event
	for {
		begin := time.Now()
		if !stream.Next(&ev) {
			return
		}
		g.meter.Observe(&ev)
		if d := w.cfg.Fault.SlowGenerator; d > 0 {
			time.Sleep(d)
		}
		due := w.run.start.Add(w.plan.wallOffset(ev.At))
		if w.cfg.StopAfter > 0 && due.Sub(w.run.start) > w.cfg.StopAfter {
			return
		}
		g.busy(time.Since(begin), 0)
		if !g.waitUntil(ctx, due, w.cfg.Spin) || w.failure() != nil {
			return
		}
		g.lag(time.Since(due))
		begin = time.Now()
		select {
		case w.senderOf(ev.User).in <- senderItem{kind: itemEvent, ev: ev, intended: due.UnixNano(), measured: true}:
		case <-ctx.Done():
			return
		}
		g.busy(0, time.Since(begin))
		g.reached(ev.At)
	}
}
