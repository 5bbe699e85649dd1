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

	"github.com/ucpresence/presence/sim/model"
)

// driver is what Run needs from the in-process and the wire driver.
type driver interface {
	// setup builds the directory, rights and subscriptions, applies the
	// warm-up events and appends one stream per generator to the runner.
	setup(ctx context.Context) error
	// day runs the generators until their streams end.
	day(ctx context.Context) error
	// quiesce waits until no delivery is in flight; false at the timeout.
	quiesce(ctx context.Context) bool
	// check compares every watcher's final view and fills the oracle.
	check(ctx context.Context, o *Oracle) error
	close()
}

// runner is the state of one run shared by the drivers: the plan, the
// recorders, the generators, and the interval machinery.
type runner struct {
	cfg        Config
	plan       *plan
	recs       recorders
	streams    []*model.Stream
	generators []*generator
	start      time.Time // wall time of virtual offset 0
	fixedStart bool      // the driver fixed start during setup (wire)

	background    sync.WaitGroup // consumers and readers
	stopConsumers context.CancelFunc

	mu       sync.Mutex // guards the fields below (the interval flush)
	interval [numMetrics]*hdrhistogram.Histogram
	total    [numMetrics]*hdrhistogram.Histogram
	counters [numCounters]int64
	last     time.Time // end of the previous interval
	hlog     *hlogWriter
	hlogFile *os.File
	status   *status
}

// Run runs the scenario with cfg and returns the result. The error is
// non-nil when the run could not be carried out (configuration, setup,
// I/O); thresholds that failed are in Result.SLO, not in the error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := newPlan(&cfg)
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, plan: p}
	for m := range numMetrics {
		r.interval[m] = newHistogram()
		r.total[m] = newHistogram()
	}
	var d driver
	switch cfg.Driver {
	case DriverInProcess:
		d, err = newInProcess(r)
	case DriverWire:
		d, err = newWire(r)
	default:
		err = fmt.Errorf("%w: unknown driver %d", ErrConfig, cfg.Driver)
	}
	if err != nil {
		return nil, err
	}
	defer d.close()
	if err := d.setup(ctx); err != nil {
		return nil, err
	}
	for range r.streams {
		r.generators = append(r.generators, &generator{rec: r.recs.add()})
	}
	if err := r.openLog(); err != nil {
		return nil, err
	}
	defer r.closeLog()

	// A short lead so that the first events are not late by the setup's
	// last microseconds.
	if !r.fixedStart {
		r.start = time.Now().Add(20 * time.Millisecond)
	}
	r.last = time.Now()
	r.status = newStatus(&r.cfg, r.plan, r.start)
	stopIntervals := make(chan struct{})
	intervalsDone := make(chan struct{})
	go func() {
		defer close(intervalsDone)
		r.intervals(stopIntervals)
	}()
	dayErr := d.day(ctx)
	dayEnd := time.Now()
	quiesced := d.quiesce(ctx)
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
	if err := d.check(ctx, &res.Oracle); err != nil {
		return nil, err
	}
	res.Oracle.Duplicated = res.Counters["duplicated"]
	res.Oracle.OutOfOrder = res.Counters["out_of_order"]
	res.Oracle.Stale += res.Counters["stale"]
	res.Oracle.Torn = res.Counters["torn"]
	res.Oracle.Raced = res.Counters["raced"]
	res.evaluate(p.scenario.SLO)
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
	t := time.NewTicker(r.cfg.Interval)
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
	r.recs.drain(&r.interval, &r.counters)
	for m := range numMetrics {
		h := r.interval[m]
		if h.TotalCount() == 0 {
			continue
		}
		if r.hlog != nil {
			r.hlog.interval(Metric(m).String(), h, r.last, now)
		}
		r.total[m].Merge(h)
	}
	if r.status != nil {
		r.status.interval(now, r.last, &r.interval, &before, &r.counters, r.generators, final)
	}
	for m := range numMetrics {
		r.interval[m].Reset()
	}
	r.last = now
}

// openLog creates the interval log in the output directory.
func (r *runner) openLog() error {
	if r.cfg.OutDir == "" {
		return nil
	}
	if err := os.MkdirAll(r.cfg.OutDir, 0o755); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	f, err := os.Create(filepath.Join(r.cfg.OutDir, "intervals.hlog"))
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	r.hlogFile = f
	comment := fmt.Sprintf(" (scenario %s, driver %s, seed %d, values in ns, max in ms)", r.plan.scenario.Name, r.cfg.Driver, r.plan.scenario.Seed)
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
	p := r.plan
	wall := dayEnd.Sub(r.start).Seconds()
	res := &Result{
		Scenario:      p.scenario.Name,
		Driver:        r.cfg.Driver.String(),
		Seed:          p.scenario.Seed,
		Speed:         p.speed,
		Started:       r.start,
		WallSeconds:   wall,
		Users:         p.population.Size(),
		Watchers:      len(p.watchers),
		Subscriptions: p.subscriptions,
		Counters:      map[string]int64{},
		Metrics:       map[string]MetricSummary{},
		Offered:       p.offered,
	}
	for c := range numCounters {
		res.Counters[Counter(c).String()] = r.counters[c]
	}
	for m := range numMetrics {
		res.Metrics[Metric(m).String()] = summarize(Metric(m), r.total[m], wall)
	}
	if wall > 0 {
		res.EventsPerSecond = float64(r.counters[CounterEvents]) / wall
		res.DeliveriesPerSecond = float64(r.counters[CounterDeliveries]) / wall
	}
	var reached time.Duration
	var talking time.Duration
	for _, g := range r.generators {
		reached = max(reached, time.Duration(g.reachedAt.Load()))
		res.Produced.Calls += g.meter.Calls
		res.Produced.Answered += g.meter.Answered
		talking += g.meter.Talking
	}
	res.VirtualSeconds = reached.Seconds()
	span := p.scenario.Day.Length.Std()
	if reached > 0 && reached < span {
		span = reached
	}
	if span > 0 {
		res.Produced.CarriedErlangs = talking.Hours() / span.Hours()
	}
	res.Generator = r.status.report(dayEnd)
	return res
}
