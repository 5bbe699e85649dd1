package run

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
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
	plan   *driver.Plan
	engine *engine.Engine
	clock  *engine.VirtualClock
	mapper *driver.Mapper

	tick     sync.RWMutex // see above
	dayZero  time.Time    // the engine clock at offset 0
	calendar oracle.Boundaries
	recorded []recorded // per user, guarded by the log's apply lock

	watchers  []*engine.Watcher // parallel to plan.watchers
	consumers []*consumer
	inflight  atomic.Int64 // notifications not yet pulled

	modelDivergence atomic.Int64
}

func newInProcess(r *runner) (*inProcess, error) {
	p := r.Plan
	d := &inProcess{cfg: &r.Config, run: r, plan: p}
	d.dayZero = dayDate.Add(p.Scenario.Day.Start.Std())
	d.clock = engine.NewVirtualClock(d.dayZero)
	e, err := engine.New(engine.Config{Clock: d.clock, ManualTick: true})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	d.engine = e
	d.mapper = driver.NewMapper(p.Population, func(offset time.Duration) time.Time { return d.dayZero.Add(offset) })
	d.recorded = make([]recorded, p.Population.Size())
	return d, nil
}

// Engine returns the embedded engine (tests inspect it).
func (d *inProcess) Engine() *engine.Engine { return d.engine }

// Setup builds the directory, the rights, applies the warm-up (offset 0)
// events and subscribes the watchers.
func (d *inProcess) Setup(ctx context.Context) error {
	p := d.plan
	var ops []ingest.Event
	for u := range p.Population.Users {
		log := &p.Logs[u]
		log.State = oracle.NewExpected()
		ops = d.mapper.Directory(u, ops[:0])
		for i := range ops {
			if err := ingest.Apply(d.engine, &ops[i]); err != nil {
				return fmt.Errorf("run: directory: %w", err)
			}
			log.State.Apply(&ops[i], d.clock.Now())
		}
		d.initRecord(int32(u))
	}
	for _, w := range p.Watchers {
		watcher := p.Population.Users[w.User].ContactID
		for i := range w.Subs {
			owner := p.Population.Users[w.Subs[i].Owner].ContactID
			if _, err := d.engine.SetDynamicRights(owner, owner, watcher, oracle.EngineLevels[w.Subs[i].Class], nil); err != nil {
				return fmt.Errorf("run: rights of %s for %s: %w", owner, watcher, err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Warm-up: the events at offset 0 (published calendars, early logins,
	// out-of-office forwards) are the initial state, not a burst.
	rec := d.run.Recorders.Add()
	if err := d.run.OpenStreams(func(ev *model.Event) { d.apply(ev, 0, false, &ops, rec) }); err != nil {
		return err
	}
	return d.subscribe()
}

// subscribe creates one engine watcher per watching user and subscribes
// it (one call per distinct flag set); the snapshots are the watchers'
// first views.
func (d *inProcess) subscribe() error {
	p := d.plan
	n := max(1, min(d.cfg.Consumers, len(p.Watchers)))
	d.consumers = make([]*consumer, n)
	for i := range d.consumers {
		d.consumers[i] = &consumer{d: d, rec: d.run.Recorders.Add(), ready: make(chan int32, len(p.Watchers)/n+2)}
	}
	d.watchers = make([]*engine.Watcher, len(p.Watchers))
	var ids []string
	var updates []engine.Update
	for index, w := range p.Watchers {
		c := d.consumers[index%n]
		idx := int32(index)
		slow := w.Slow
		delay := d.cfg.SlowReaderDelay
		notify := func() {
			d.inflight.Add(1)
			if slow {
				time.AfterFunc(delay, func() { c.ready <- idx })
				return
			}
			c.ready <- idx
		}
		ew := d.engine.NewWatcher(engine.WatcherConfig{User: p.Population.Users[w.User].ContactID, Notify: notify})
		d.watchers[index] = ew
		done := make(map[engine.Section]bool)
		for i := range w.Subs {
			flags := w.Subs[i].Flags
			if done[flags] {
				continue
			}
			done[flags] = true
			ids = ids[:0]
			for j := range w.Subs {
				if w.Subs[j].Flags == flags {
					ids = append(ids, p.Population.Users[w.Subs[j].Owner].ContactID)
				}
			}
			var err error
			updates, _, err = ew.Subscribe(ids, engine.SubscribeOptions{Events: flags, DontRequestPermissions: true}, updates[:0])
			if err != nil {
				return fmt.Errorf("run: subscribe: %w", err)
			}
			for k := range updates {
				u := &updates[k]
				sv := w.Sub(p.Index[u.ContactID])
				sv.Print.FromSnapshot(u.Snapshot, oracle.PrintSections&^engine.SectionCalls)
				sv.Calls = sv.Calls[:0]
				for _, call := range u.Calls {
					sv.Calls.Apply(call.Action, oracle.HashString(call.Call.ConnectionID), int32(call.Call.State))
				}
				sv.Print.Calls = sv.Calls.Hash()
				oracle.Position(&p.Logs[sv.Owner], sv, u.Snapshot.Version)
			}
		}
	}
	return nil
}

// Day runs the generators, the ticker and the consumers until the stream
// ends (or StopAfter, or ctx).
func (d *inProcess) Day(ctx context.Context) error {
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
		d.ticker(tickCtx, d.run.Recorders.Add())
	}()
	var wg sync.WaitGroup
	for i, stream := range d.run.Streams {
		g := d.run.Generators[i]
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
func (d *inProcess) generate(ctx context.Context, stream *model.Stream, g *driver.Generator) {
	var ev model.Event
	var ops []ingest.Event
	for {
		begin := time.Now()
		if !stream.Next(&ev) {
			return
		}
		g.Meter.Observe(&ev)
		if slow := d.cfg.Fault.SlowGenerator; slow > 0 {
			time.Sleep(slow)
		}
		due := d.run.Start.Add(d.plan.WallOffset(ev.At))
		if d.cfg.StopAfter > 0 && due.Sub(d.run.Start) > d.cfg.StopAfter {
			return
		}
		g.Busy(time.Since(begin), 0)
		if !g.WaitUntil(ctx, due, d.cfg.Spin) {
			return
		}
		g.Lag(time.Since(due))
		begin = time.Now()
		d.apply(&ev, due.UnixNano(), true, &ops, g.Recorder)
		g.Busy(0, time.Since(begin))
		g.Reached(ev.At)
	}
}

// apply maps one event to engine inputs and applies them, recording each
// change; it also registers the calendar boundaries a calendar change
// creates.
func (d *inProcess) apply(ev *model.Event, intended int64, measured bool, ops *[]ingest.Event, rec *oracle.Recorder) {
	log := &d.plan.Logs[ev.User]
	d.tick.RLock()
	log.Apply.Lock()
	*ops = d.mapper.Ops(ev, (*ops)[:0])
	rec.Mutex.Lock()
	if measured {
		rec.Count(oracle.CounterEvents, 1)
	}
	for i := range *ops {
		op := &(*ops)[i]
		applied := time.Now()
		err := ingest.Apply(d.engine, op)
		done := time.Now()
		if err != nil {
			rec.Count(oracle.CounterErrors, 1)
			continue
		}
		if measured {
			rec.Record(oracle.MetricIngest, done.UnixNano()-intended)
		}
		now := d.clock.Now()
		modelChanged := log.State.Apply(op, now)
		d.record(ev.User, intended, applied.UnixNano(), measured, modelChanged, rec)
		if op.Op == ingest.OpSetAppointments {
			d.calendar.Add(ev.User, log.State.Boundaries(now, nil))
		}
	}
	rec.Mutex.Unlock()
	log.Apply.Unlock()
	d.tick.RUnlock()
}

// waitRecorder returns once whoever is applying or ticking the contact has
// recorded its change: a consumer that sees a version before it is in the
// log waits here.
func (d *inProcess) waitRecorder(user int32) {
	d.tick.RLock()
	log := &d.plan.Logs[user]
	log.Apply.Lock()
	//lint:ignore SA2001 empty critical section: the lock is the barrier
	log.Apply.Unlock()
	d.tick.RUnlock()
}

// Close stops the engine.
func (d *inProcess) Close() { d.engine.Close() }
