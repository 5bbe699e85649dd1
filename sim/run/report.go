package run

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/scenario"
)

// Result is the outcome of a run: what was generated, what the watchers
// received, the distributions, the oracle's verdict and the SLOs. It is
// also the JSON summary (summary.json).
type Result struct {
	// Scenario is the scenario's name; Driver "in-process" or "wire".
	Scenario string `json:"scenario"`
	Driver   string `json:"driver"`
	// Seed is the run seed; Speed the virtual time per wall time.
	Seed  uint64  `json:"seed"`
	Speed float64 `json:"speed"`
	// Started is the wall time of virtual offset 0.
	Started time.Time `json:"started"`
	// WallSeconds is the day's generation phase, without setup and quiesce.
	WallSeconds float64 `json:"wall_seconds"`
	// VirtualSeconds is how much of the virtual day was generated.
	VirtualSeconds float64 `json:"virtual_seconds"`
	// Users, Watchers (users watching someone) and Subscriptions
	// ((watcher, owner) pairs) describe the population and the graph.
	Users         int `json:"users"`
	Watchers      int `json:"watchers"`
	Subscriptions int `json:"subscriptions"`

	// Counters by name (events, changes, deliveries, stale, ...).
	Counters map[string]int64 `json:"counters"`
	// EventsPerSecond and DeliveriesPerSecond are over WallSeconds.
	EventsPerSecond     float64 `json:"events_per_second"`
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`

	// Metrics are the distributions by name.
	Metrics map[string]MetricSummary `json:"metrics"`
	// Oracle is the correctness verdict.
	Oracle Oracle `json:"oracle"`
	// Offered is the scenario's telephony load; Produced what the
	// generated stream carried.
	Offered  model.OfferedLoad `json:"offered"`
	Produced ProducedLoad      `json:"produced"`
	// Generator reports the simulator's own cost.
	Generator GeneratorReport `json:"generator"`
	// SLO lists every threshold with its observed value.
	SLO []SLOResult `json:"slo"`
	// Values are the metric values the SLOs are evaluated against
	// (durations in seconds).
	Values map[string]float64 `json:"values"`
}

// MetricSummary summarises one distribution; durations in milliseconds.
type MetricSummary struct {
	// Count is the number of samples, Rate per second of the day's wall time.
	Count int64   `json:"count"`
	Rate  float64 `json:"rate_per_second"`
	// Mean, the percentiles and Max in milliseconds.
	Mean   float64 `json:"mean_ms"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	P999   float64 `json:"p99_9_ms"`
	Max    float64 `json:"max_ms"`
	hist   *hdrhistogram.Histogram
	metric oracle.Metric
}

// Oracle is the correctness verdict of a run (package sim/oracle).
type Oracle = oracle.Report

// ProducedLoad is the telephony load in the generated stream
// (model.LoadMeter over every generated event).
type ProducedLoad struct {
	// Calls ended, of which Answered connected.
	Calls    int `json:"calls"`
	Answered int `json:"answered"`
	// CarriedErlangs is the talk time over the generated span of the day,
	// to compare with OfferedLoad.CarriedErlangs.
	CarriedErlangs float64 `json:"carried_erlangs"`
}

// GeneratorReport is the simulator's own cost during the day.
type GeneratorReport struct {
	// Busy is the generators' working time over their wall time
	// (1 = every generator goroutine always busy).
	Busy float64 `json:"busy"`
	// OwnShare is the part of the busy time spent in the simulator's own
	// work (models, mapping, encoding) rather than in engine calls or
	// queueing to the network.
	OwnShare float64 `json:"own_share"`
	// CPU is the process CPU time over the day's wall time, in cores.
	CPU float64 `json:"cpu_cores"`
	// SchedulingP99 is the 99th percentile of the Go runtime's goroutine
	// scheduling latency in the simulator during the day (seconds,
	// runtime/metrics /sched/latencies:seconds): how long a runnable
	// goroutine (a generator, a consumer, a reader) waited to run.
	SchedulingP99 float64 `json:"scheduling_p99_seconds"`
	// RunQueueWait is the time the simulator's threads waited for a core
	// per wall second (Linux schedstat): above a few hundredths, the
	// simulator was starved by other processes and its latencies include
	// that wait.
	RunQueueWait float64 `json:"run_queue_wait"`
	// Bottleneck is set when the generator, not the engine, limited the
	// run (its lag grew while it was saturated with its own work).
	Bottleneck bool `json:"bottleneck"`
	// Warnings are the bottleneck warnings of the run (at most 20).
	Warnings []string `json:"warnings,omitempty"`
}

// SLOResult is one threshold with what the run observed.
type SLOResult struct {
	// Expression is the threshold as written in the scenario.
	Expression string `json:"expression"`
	// Observed is the value in the result unit (seconds for durations).
	Observed float64 `json:"observed"`
	// Passed tells whether the threshold held; Message explains a failure.
	Passed  bool   `json:"passed"`
	Message string `json:"message,omitempty"`
}

// SLOPassed reports whether every SLO threshold held.
func (r *Result) SLOPassed() bool {
	for _, s := range r.SLO {
		if !s.Passed {
			return false
		}
	}
	return true
}

func summarize(m oracle.Metric, h *hdrhistogram.Histogram, wall float64) MetricSummary {
	s := MetricSummary{Count: h.TotalCount(), hist: h, metric: m}
	if s.Count == 0 {
		return s
	}
	if wall > 0 {
		s.Rate = float64(s.Count) / wall
	}
	s.Mean = h.Mean() / valueScale
	s.P50 = float64(h.ValueAtQuantile(50)) / valueScale
	s.P90 = float64(h.ValueAtQuantile(90)) / valueScale
	s.P99 = float64(h.ValueAtQuantile(99)) / valueScale
	s.P999 = float64(h.ValueAtQuantile(99.9)) / valueScale
	s.Max = float64(h.Max()) / valueScale
	return s
}

// values builds the SLO results map: "<metric>.<stat>" in seconds, the
// oracle counts and counters as plain numbers.
func (r *Result) values() map[string]float64 {
	v := map[string]float64{}
	for name, s := range r.Metrics {
		v[name+".count"] = float64(s.Count)
		if s.Count == 0 {
			continue
		}
		v[name+".mean"] = s.Mean / 1e3
		v[name+".max"] = s.Max / 1e3
		for _, q := range []float64{50, 75, 90, 95, 99, 99.9, 99.99} {
			v[name+".p"+trimFloat(q)] = float64(s.hist.ValueAtQuantile(q)) / 1e9
		}
	}
	for name, c := range r.Counters {
		v[name] = float64(c)
	}
	o := r.Oracle
	v["lost"], v["duplicated"], v["out_of_order"], v["stale"] = float64(o.Lost), float64(o.Duplicated), float64(o.OutOfOrder), float64(o.Stale)
	v["torn"], v["raced"] = float64(o.Torn), float64(o.Raced)
	v["divergence"], v["model_divergence"] = float64(o.Divergence), float64(o.ModelDivergence)
	v["events_per_second"], v["deliveries_per_second"] = r.EventsPerSecond, r.DeliveriesPerSecond
	if d := r.Counters["deliveries"]; d > 0 {
		v["errors.ratio"] = float64(r.Counters["errors"]) / float64(d)
		v["duplicated.ratio"] = float64(o.Duplicated) / float64(d)
	} else {
		v["errors.ratio"] = 0
		v["duplicated.ratio"] = 0
	}
	return v
}

func trimFloat(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", f), ".0") }

// evaluate checks the scenario's thresholds against the values.
func (r *Result) evaluate(thresholds scenario.Thresholds) {
	r.Values = r.values()
	failures := thresholds.Evaluate(r.Values)
	failed := map[string]scenario.Failure{}
	for _, f := range failures {
		failed[f.Threshold.Expression] = f
	}
	for _, t := range thresholds {
		res := SLOResult{Expression: t.Expression, Observed: r.Values[t.Metric], Passed: true}
		if f, ok := failed[t.Expression]; ok {
			res.Passed = false
			res.Message = f.String()
		}
		r.SLO = append(r.SLO, res)
	}
}

// WriteTable prints the final report: a line per metric, the oracle, the
// load sanity line and the SLOs.
func (r *Result) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "\n%s (%s, seed %d, %.0fx): %s of virtual day in %.1f s\n", r.Scenario, r.Driver, r.Seed, r.Speed,
		(time.Duration(r.VirtualSeconds) * time.Second).String(), r.WallSeconds)
	fmt.Fprintf(w, "%d users, %d watchers, %d subscriptions; %d events (%.0f/s), %d changes, %d deliveries (%.0f/s)\n\n",
		r.Users, r.Watchers, r.Subscriptions, r.Counters["events"], r.EventsPerSecond, r.Counters["changes"], r.Counters["deliveries"], r.DeliveriesPerSecond)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tcount\trate/s\tp50 ms\tp90 ms\tp99 ms\tp99.9 ms\tmax ms\t")
	for m := range oracle.NumMetrics {
		s := r.Metrics[m.String()]
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", m, s.Count, s.Rate, s.P50, s.P90, s.P99, s.P999, s.Max)
	}
	tw.Flush()
	o := r.Oracle
	verdict := "PASS"
	if !o.Passed() {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "\noracle %s: lost %d, duplicated %d, out of order %d, stale %d, divergence %d of %d views, model divergence %d",
		verdict, o.Lost, o.Duplicated, o.OutOfOrder, o.Stale, o.Divergence, o.Checked, o.ModelDivergence)
	if !o.Quiesced {
		fmt.Fprint(w, " (did not quiesce)")
	}
	fmt.Fprintf(w, "; torn %d, raced %d, coalesced %d, unexpected %d, unattributed %d, injected %d, errors %d\n",
		o.Torn, o.Raced, r.Counters["coalesced"], r.Counters["unexpected"], r.Counters["unattributed"], r.Counters["injected_faults"], r.Counters["errors"])
	fmt.Fprintf(w, "load: offered %.1f E mean / %.1f E peak, carried %.1f E expected; the run produced %d calls (%d answered), %.1f E carried\n",
		r.Offered.MeanErlangs, r.Offered.PeakErlangs, r.Offered.CarriedErlangs, r.Produced.Calls, r.Produced.Answered, r.Produced.CarriedErlangs)
	g := r.Generator
	fmt.Fprintf(w, "simulator: generators busy %.0f%% (own work %.0f%%), process CPU %.2f cores, goroutine scheduling p99 %.1f ms, threads waited for a core %.0f ms/s",
		g.Busy*100, g.OwnShare*100, g.CPU, g.SchedulingP99*1000, g.RunQueueWait*1000)
	if g.Bottleneck {
		fmt.Fprint(w, " -- GENERATOR WAS THE BOTTLENECK")
	}
	fmt.Fprintln(w)
	for _, warning := range g.Warnings {
		fmt.Fprintln(w, "warning:", warning)
	}
	if len(r.SLO) > 0 {
		fmt.Fprintln(w, "\nSLO:")
		for _, s := range r.SLO {
			if s.Passed {
				fmt.Fprintf(w, "  ok    %s (observed %s)\n", s.Expression, formatObserved(s.Expression, s.Observed))
			} else {
				fmt.Fprintf(w, "  FAIL  %s\n", s.Message)
			}
		}
	}
}

// formatObserved prints a value in the unit the threshold was written in.
func formatObserved(expression string, v float64) string {
	t, err := scenario.ParseThreshold(expression)
	if err != nil || t.Unit == "" {
		return trimFloat(v)
	}
	scale := map[string]float64{"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "%": 1e-2}[t.Unit]
	if scale == 0 {
		return trimFloat(v)
	}
	return fmt.Sprintf("%.4g%s", v/scale, t.Unit)
}

// writeFiles writes summary.json and one .hgrm per metric into dir.
func (r *Result) writeFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("run: summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	for m := range oracle.NumMetrics {
		s, ok := r.Metrics[m.String()]
		if !ok || s.hist == nil {
			continue
		}
		f, err := os.Create(filepath.Join(dir, m.String()+".hgrm"))
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		err = writeDistribution(f, s.hist)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("run: %s.hgrm: %w", m, err)
		}
	}
	return nil
}
