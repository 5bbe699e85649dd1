package wire

import (
	"context"
	"sync"
	"time"

	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
)

// Day runs the generators: each event goes, at its intended wall time, to
// the sender that owns its user.
func (w *wire) Day(ctx context.Context) error {
	var wg sync.WaitGroup
	for i, stream := range w.run.Streams {
		g := w.run.Generators[i]
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
func (w *wire) generate(ctx context.Context, stream *model.Stream, g *driver.Generator) {
	var ev model.Event
	for {
		begin := time.Now()
		if !stream.Next(&ev) {
			return
		}
		g.Meter.Observe(&ev)
		if d := w.cfg.Fault.SlowGenerator; d > 0 {
			time.Sleep(d)
		}
		due := w.run.Start.Add(w.plan.WallOffset(ev.At))
		if w.cfg.StopAfter > 0 && due.Sub(w.run.Start) > w.cfg.StopAfter {
			return
		}
		g.Busy(time.Since(begin), 0)
		if !g.WaitUntil(ctx, due, w.cfg.Spin) || w.failure() != nil {
			return
		}
		g.Lag(time.Since(due))
		begin = time.Now()
		select {
		case w.senderOf(ev.User).in <- senderItem{kind: itemEvent, ev: ev, intended: due.UnixNano(), measured: true}:
		case <-ctx.Done():
			return
		}
		g.Busy(0, time.Since(begin))
		g.Reached(ev.At)
	}
}
