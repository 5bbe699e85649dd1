package run

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/model"
)

// dayDate is the date of the virtual day on the engine's clock.
var dayDate = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// inProcess is the in-process driver: the engine embedded with a virtual
// clock, generator goroutines applying events at their intended wall time,
// a calendar ticker, and consumer goroutines pulling one engine watcher
// per watching user.
//
// Locking: tick is held exclusively by the ticker while it moves the clock
// and runs the engine's calendar, shared by every applier; so the clock
// stands still while an event is applied and recorded, and a version is
// always recorded by the goroutine that caused it.
type inProcess struct {
	cfg    *Config
	run    *runner
	plan   *plan
	engine *engine.Engine
	clock  *engine.VirtualClock
	mapper *mapper

	tick     sync.RWMutex // see above
	dayZero  time.Time    // the engine clock at offset 0
	calendar boundaries
	recorded []recorded // per user, guarded by the log's apply lock

	watchers  []*engine.Watcher // parallel to plan.watchers
	consumers []*consumer
	inflight  atomic.Int64 // notifications not yet pulled

	modelDivergence atomic.Int64
}

func newInProcess(r *runner) (*inProcess, error) {
	p := r.plan
	d := &inProcess{cfg: &r.cfg, run: r, plan: p}
	d.dayZero = dayDate.Add(p.scenario.Day.Start.Std())
	d.clock = engine.NewVirtualClock(d.dayZero)
	e, err := engine.New(engine.Config{Clock: d.clock, ManualTick: true})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	d.engine = e
	d.mapper = newMapper(p.population, func(offset time.Duration) time.Time { return d.dayZero.Add(offset) })
	d.recorded = make([]recorded, p.population.Size())
	return d, nil
}

// Engine returns the embedded engine (tests inspect it).
func (d *inProcess) Engine() *engine.Engine { return d.engine }

// setup builds the directory, the rights, applies the warm-up (offset 0)
// events and subscribes the watchers.
func (d *inProcess) setup(ctx context.Context) error {
	p := d.plan
	var ops []ingest.Event
	for u := range p.population.Users {
		log := &p.logs[u]
		log.state = newExpected()
		ops = d.mapper.directory(u, ops[:0])
		for i := range ops {
			if err := ingest.Apply(d.engine, &ops[i]); err != nil {
				return fmt.Errorf("run: directory: %w", err)
			}
			log.state.apply(&ops[i], d.clock.Now())
		}
		d.initRecord(int32(u))
	}
	for _, w := range p.watchers {
		watcher := p.population.Users[w.user].ContactID
		for i := range w.subs {
			owner := p.population.Users[w.subs[i].owner].ContactID
			if _, err := d.engine.SetDynamicRights(owner, owner, watcher, engineLevels[w.subs[i].class], nil); err != nil {
				return fmt.Errorf("run: rights of %s for %s: %w", owner, watcher, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Warm-up: the events at offset 0 (published calendars, early logins,
	// out-of-office forwards) are the initial state, not a burst.
	rec := d.run.recs.add()
	for _, shard := range p.shards(d.cfg.Generators) {
		stream, err := model.NewStreamRange(p.population, shard[0], shard[1])
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		var ev model.Event
		for {
			at, ok := stream.Peek()
			if !ok || at > 0 {
				break
			}
			stream.Next(&ev)
			d.apply(&ev, 0, false, &ops, rec)
		}
		d.run.streams = append(d.run.streams, stream)
	}
	return d.subscribe()
}

// subscribe creates one engine watcher per watching user and subscribes
// it (one call per distinct flag set); the snapshots are the watchers'
// first views.
func (d *inProcess) subscribe() error {
	p := d.plan
	n := max(1, min(d.cfg.Consumers, len(p.watchers)))
	d.consumers = make([]*consumer, n)
	for i := range d.consumers {
		d.consumers[i] = &consumer{d: d, rec: d.run.recs.add(), ready: make(chan int32, len(p.watchers)/n+2)}
	}
	d.watchers = make([]*engine.Watcher, len(p.watchers))
	var ids []string
	var updates []engine.Update
	for index, w := range p.watchers {
		c := d.consumers[index%n]
		idx := int32(index)
		slow := w.slow
		delay := d.cfg.SlowReaderDelay
		notify := func() {
			d.inflight.Add(1)
			if slow {
				time.AfterFunc(delay, func() { c.ready <- idx })
				return
			}
			c.ready <- idx
		}
		ew := d.engine.NewWatcher(engine.WatcherConfig{User: p.population.Users[w.user].ContactID, Notify: notify})
		d.watchers[index] = ew
		done := make(map[engine.Section]bool)
		for i := range w.subs {
			flags := w.subs[i].flags
			if done[flags] {
				continue
			}
			done[flags] = true
			ids = ids[:0]
			for j := range w.subs {
				if w.subs[j].flags == flags {
					ids = append(ids, p.population.Users[w.subs[j].owner].ContactID)
				}
			}
			var err error
			updates, _, err = ew.Subscribe(ids, engine.SubscribeOptions{Events: flags, DontRequestPermissions: true}, updates[:0])
			if err != nil {
				return fmt.Errorf("run: subscribe: %w", err)
			}
			for k := range updates {
				u := &updates[k]
				sv := w.sub(p.index[u.ContactID])
				sv.print.fromSnapshot(u.Snapshot, printSections&^engine.SectionCalls)
				sv.calls = sv.calls[:0]
				for _, call := range u.Calls {
					sv.calls.apply(call.Action, hashString(call.Call.ConnectionID), int32(call.Call.State))
				}
				sv.print.calls = sv.calls.hash()
				sv.key = u.Snapshot.Version
			}
		}
	}
	return nil
}

// day runs the generators, the ticker and the consumers until the stream
// ends (or StopAfter, or ctx).
func (d *inProcess) day(ctx context.Context) error {
	consumeCtx, stopConsumers := context.WithCancel(context.Background())
	d.run.stopConsumers = stopConsumers
	for _, c := range d.consumers {
		d.run.background.Add(1)
		go func() {
			defer d.run.background.Done()
			c.loop(consumeCtx)
		}()
	}
	tickCtx, stopTicker := context.WithCancel(ctx)
	tickerDone := make(chan struct{})
	go func() {
		defer close(tickerDone)
		d.ticker(tickCtx, d.run.recs.add())
	}()
	var wg sync.WaitGroup
	for i, stream := range d.run.streams {
		g := d.run.generators[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.generate(ctx, stream, g)
		}()
	}
	wg.Wait()
	stopTicker()
	<-tickerDone
	return ctx.Err()
}

// generate applies one shard's events at their intended wall times.
func (d *inProcess) generate(ctx context.Context, stream *model.Stream, g *generator) {
	var ev model.Event
	var ops []ingest.Event
	for {
		begin := time.Now()
		if !stream.Next(&ev) {
			return
		}
		g.meter.Observe(&ev)
		if slow := d.cfg.Fault.SlowGenerator; slow > 0 {
			time.Sleep(slow)
		}
		due := d.run.start.Add(d.plan.wallOffset(ev.At))
		if d.cfg.StopAfter > 0 && due.Sub(d.run.start) > d.cfg.StopAfter {
			return
		}
		g.busy(time.Since(begin), 0)
		if !g.waitUntil(ctx, due, d.cfg.Spin) {
			return
		}
		g.lag(time.Since(due))
		begin = time.Now()
		d.apply(&ev, due.UnixNano(), true, &ops, g.rec)
		g.busy(0, time.Since(begin))
		g.reached(ev.At)
	}
}

// apply maps one event to engine inputs and applies them, recording each
// change; it also registers the calendar boundaries a calendar change
// creates.
func (d *inProcess) apply(ev *model.Event, intended int64, measured bool, ops *[]ingest.Event, rec *recorder) {
	log := &d.plan.logs[ev.User]
	d.tick.RLock()
	log.apply.Lock()
	*ops = d.mapper.ops(ev, (*ops)[:0])
	rec.mu.Lock()
	if measured {
		rec.count(CounterEvents, 1)
	}
	for i := range *ops {
		op := &(*ops)[i]
		applied := time.Now()
		err := ingest.Apply(d.engine, op)
		done := time.Now()
		if err != nil {
			rec.count(CounterErrors, 1)
			continue
		}
		if measured {
			rec.record(MetricIngest, done.UnixNano()-intended)
		}
		now := d.clock.Now()
		modelChanged := log.state.apply(op, now)
		d.record(ev.User, intended, applied.UnixNano(), measured, modelChanged, rec)
		if op.Op == ingest.OpSetAppointments {
			d.calendar.add(ev.User, log.state.boundaries(now, nil))
		}
	}
	rec.mu.Unlock()
	log.apply.Unlock()
	d.tick.RUnlock()
}

// waitRecorder returns once whoever is applying or ticking the contact has
// recorded its change: a consumer that sees a version before it is in the
// log waits here.
func (d *inProcess) waitRecorder(user int32) {
	d.tick.RLock()
	log := &d.plan.logs[user]
	log.apply.Lock()
	//lint:ignore SA2001 empty critical section: the lock is the barrier
	log.apply.Unlock()
	d.tick.RUnlock()
}

// close stops the engine.
func (d *inProcess) close() { d.engine.Close() }
