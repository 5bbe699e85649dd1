package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/wire"
)

// runner is the state of one run: what the drivers share (driver.State)
// and the interval machinery.
type runner struct {
	driver.State

	background    sync.WaitGroup // consumers and readers
	stopConsumers context.CancelFunc

	mu       sync.Mutex // guards the fields below (the interval flush)
	interval [oracle.NumMetrics]*hdrhistogram.Histogram
	total    [oracle.NumMetrics]*hdrhistogram.Histogram
	counters [oracle.NumCounters]int64
	last     time.Time // end of the previous interval
	hlog     *hlogWriter
	hlogFile *os.File
	status   *status
}

// Run runs the scenario with cfg and returns the result. The error is
// non-nil when the run could not be carried out (configuration, setup,
// I/O); thresholds that failed are in Result.SLO, not in the error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	p, err := driver.NewPlan(&cfg)
	if err != nil {
		return nil, err
	}
	r := &runner{State: driver.State{Config: cfg, Plan: p}}
	for m := range oracle.NumMetrics {
		r.interval[m] = oracle.NewHistogram()
		r.total[m] = oracle.NewHistogram()
	}
	var d driver.Driver
	switch cfg.Driver {
	case DriverInProcess:
		d, err = newInProcess(r)
	case DriverWire:
		d, err = wire.New(&r.State)
	default:
		err = fmt.Errorf("%w: unknown driver %d", ErrConfig, cfg.Driver)
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.Setup(ctx); err != nil {
		return nil, err
	}
	for range r.Streams {
		r.Generators = append(r.Generators, &driver.Generator{Recorder: r.Recorders.Add()})
	}
	if err := r.openLog(); err != nil {
		return nil, err
	}
	defer r.closeLog()

	// A short lead so that the first events are not late by the setup's
	// last microseconds.
	if !r.FixedStart {
		r.Start = time.Now().Add(20 * time.Millisecond)
	}
	r.last = time.Now()
	r.status = newStatus(&r.Config, r.Plan, r.Start)
	stopIntervals := make(chan struct{})
	intervalsDone := make(chan struct{})
	go func() {
		defer close(intervalsDone)
		r.intervals(stopIntervals)
	}()
	dayErr := d.Day(ctx)
	dayEnd := time.Now()
	quiesced := d.Quiesce(ctx)
	close(stopIntervals)
	<-intervalsDone
	if r.stopConsumers != nil {
		r.stopConsumers()
	}
	r.background.Wait()
	r.flush(time.Now(), true)
	if dayErr != nil && !errors.Is(dayErr, context.Canceled) {
		return nil, dayErr
	}
	res := r.result(dayEnd)
	res.Oracle.Quiesced = quiesced
	if err := d.Check(ctx, &res.Oracle); err != nil {
		return nil, err
	}
	res.Oracle.Duplicated = res.Counters["duplicated"]
	res.Oracle.OutOfOrder = res.Counters["out_of_order"]
	res.Oracle.Stale += res.Counters["stale"]
	res.Oracle.Torn = res.Counters["torn"]
	res.Oracle.Raced = res.Counters["raced"]
	res.evaluate(p.Scenario.SLO)
	if cfg.OutDir != "" {
		if err := r.closeLog(); err != nil {
			return res, err
		}
		if err := res.writeFiles(cfg.OutDir); err != nil {
			return res, err
		}
	}
	return res, ctx.Err()
}

// intervals flushes the recorders every interval until stop.
func (r *runner) intervals(stop <-chan struct{}) {
	t := time.NewTicker(r.Config.Interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			r.flush(now, false)
		}
	}
}

// flush moves the recorders' counts into the interval histograms, writes
// them to the interval log, adds them to the totals and prints the status.
func (r *runner) flush(now time.Time, final bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.counters
	r.Recorders.Drain(&r.interval, &r.counters)
	for m := range oracle.NumMetrics {
		h := r.interval[m]
		if h.TotalCount() == 0 {
			continue
		}
		if r.hlog != nil {
			r.hlog.interval(oracle.Metric(m).String(), h, r.last, now)
		}
		r.total[m].Merge(h)
	}
	if r.status != nil {
		r.status.interval(now, r.last, &r.interval, &before, &r.counters, r.Generators, final)
	}
	for m := range oracle.NumMetrics {
		r.interval[m].Reset()
	}
	r.last = now
}

// openLog creates the interval log in the output directory.
func (r *runner) openLog() error {
	if r.Config.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(r.Config.OutDir, 0o755); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	f, err := os.Create(filepath.Join(r.Config.OutDir, "intervals.hlog"))
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	r.hlogFile = f
	comment := fmt.Sprintf(" (scenario %s, driver %s, seed %d, values in ns, max in ms)", r.Plan.Scenario.Name, r.Config.Driver, r.Plan.Scenario.Seed)
	r.hlog = newHLogWriter(f, comment, time.Now())
	return nil
}

// closeLog flushes and closes the interval log (idempotent).
func (r *runner) closeLog() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hlogFile == nil {
		return nil
	}
	err := r.hlog.flush()
	if cerr := r.hlogFile.Close(); err == nil {
		err = cerr
	}
	r.hlogFile, r.hlog = nil, nil
	if err != nil {
		return fmt.Errorf("run: interval log: %w", err)
	}
	return nil
}

// result assembles the Result from the totals.
func (r *runner) result(dayEnd time.Time) *Result {
	p := r.Plan
	wall := dayEnd.Sub(r.Start).Seconds()
	res := &Result{
		Scenario:      p.Scenario.Name,
		Driver:        r.Config.Driver.String(),
		Seed:          p.Scenario.Seed,
		Speed:         p.Speed,
		Started:       r.Start,
		WallSeconds:   wall,
		Users:         p.Population.Size(),
		Watchers:      len(p.Watchers),
		Subscriptions: p.Subscriptions,
		Counters:      map[string]int64{},
		Metrics:       map[string]MetricSummary{},
		Offered:       p.Offered,
	}
	for c := range oracle.NumCounters {
		res.Counters[oracle.Counter(c).String()] = r.counters[c]
	}
	for m := range oracle.NumMetrics {
		res.Metrics[oracle.Metric(m).String()] = summarize(oracle.Metric(m), r.total[m], wall)
	}
	if wall > 0 {
		res.EventsPerSecond = float64(r.counters[oracle.CounterEvents]) / wall
		res.DeliveriesPerSecond = float64(r.counters[oracle.CounterDeliveries]) / wall
	}
	var reached time.Duration
	var talking time.Duration
	for _, g := range r.Generators {
		reached = max(reached, time.Duration(g.ReachedAt.Load()))
		res.Produced.Calls += g.Meter.Calls
		res.Produced.Answered += g.Meter.Answered
		talking += g.Meter.Talking
	}
	res.VirtualSeconds = reached.Seconds()
	span := p.Scenario.Day.Length.Std()
	if reached > 0 && reached < span {
		span = reached
	}
	if span > 0 {
		res.Produced.CarriedErlangs = talking.Hours() / span.Hours()
	}
	res.Generator = r.status.report(dayEnd)
	return res
}
