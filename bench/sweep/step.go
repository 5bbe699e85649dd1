package sweep

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/sim/run"
	"github.com/ucpresence/presence/sim/scenario"
)

// Step is everything measured at one point of a sweep. It is plain data:
// the report embeds it as JSON. Durations in milliseconds unless the
// field name says otherwise; rates per wall-clock second of the measured
// window (the virtual day's generation phase, without setup and
// quiesce).
type Step struct {
	// Index is the step's position in the sweep (0-based).
	Index int `json:"index"`
	// Series labels the second parameter's setting ("watch=20"); empty
	// for one-parameter sweeps.
	Series string `json:"series,omitempty"`
	// Value is the swept parameter's value; Settings all settings.
	Value    float64   `json:"value"`
	Settings []Setting `json:"settings"`
	// Scenario, Driver and Window say what ran; Speed is the compression.
	Scenario string  `json:"scenario"`
	Driver   string  `json:"driver"`
	Window   string  `json:"window"`
	Speed    float64 `json:"speed"`
	// Dir is where the step's files are (scenario.yaml, intervals.hlog,
	// summary.json, samples.json, server.log).
	Dir string `json:"dir,omitempty"`
	// Started is the wall time of the day's first event.
	Started time.Time `json:"started"`
	// SetupSeconds, DaySeconds and TotalSeconds: setup (population,
	// logins, subscriptions), the measured window, everything.
	SetupSeconds float64 `json:"setup_seconds"`
	DaySeconds   float64 `json:"day_seconds"`
	TotalSeconds float64 `json:"total_seconds"`

	// Users, Watchers and Subscriptions are the simulated population;
	// Connections the server's open client connections (wire).
	Users         int     `json:"users"`
	Watchers      int     `json:"watchers"`
	Subscriptions int     `json:"subscriptions"`
	WatchedMean   float64 `json:"watched_per_watcher"`
	Connections   int     `json:"connections,omitempty"`
	// OfferedErlangs is the scenario's offered telephony load at its
	// peak (model.Offered) for the step's population.
	OfferedErlangs float64 `json:"offered_peak_erlangs"`

	// EventsPerSecond and DeliveriesPerSecond are what the simulator
	// applied and what its watchers received.
	EventsPerSecond     float64 `json:"events_per_second"`
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`
	// Server* are the server's own counters over the window (wire):
	// source updates that changed a contact, presence events written.
	ServerUpdatesPerSecond    float64 `json:"server_updates_per_second,omitempty"`
	ServerDeliveriesPerSecond float64 `json:"server_deliveries_per_second,omitempty"`
	// ApplyToWriteP99 is the server's own publish→encode p99
	// (presenced_apply_to_write_seconds, bucket-interpolated, ms; wire).
	ApplyToWriteP99 float64 `json:"apply_to_write_p99_ms,omitempty"`

	// Latency are the simulator's distributions by metric name
	// ("delivery", "fanout", "ingest", "schedule_lag", "service_time").
	Latency map[string]Percentiles `json:"latency"`

	// Server and Simulator are the two processes' resources over the
	// window. In-process, Server is empty and Simulator is the whole
	// process (engine and simulator together).
	Server    Resources `json:"server"`
	Simulator Resources `json:"simulator"`
	// OtherCores is the CPU the rest of the machine used during the
	// window (/proc/stat minus our processes): the machine is shared.
	OtherCores float64 `json:"other_cores"`
	// StealCores is the CPU the hypervisor took from this virtual machine
	// during the window (/proc/stat steal), in cores: stalls nobody here
	// caused.
	StealCores float64 `json:"steal_cores"`
	// GC are the collections of the process that holds the engine over the
	// window (the child's gctrace over the wire, runtime/metrics
	// in-process).
	GC probe.GCSummary `json:"gc"`

	// BytesPerSubscription and BytesPerConnection divide the growth of
	// the engine's process memory from idle to the start of the window by
	// the subscriptions and the connections (each ratio charges the whole
	// growth to one count, so each is an upper bound); MemoryMethod says
	// which memory ("server heap in use", "process heap live").
	BytesPerSubscription float64 `json:"bytes_per_subscription"`
	BytesPerConnection   float64 `json:"bytes_per_connection,omitempty"`
	MemoryMethod         string  `json:"memory_method"`

	// WritesPerDelivery is presenced_writes_total over
	// presenced_deliveries_total; SyscallsPerDelivery the server's
	// write-class system calls (/proc/<pid>/io syscw, logs and the store
	// included) per delivery. Wire only.
	WritesPerDelivery   float64 `json:"writes_per_delivery,omitempty"`
	SyscallsPerDelivery float64 `json:"syscalls_per_delivery,omitempty"`

	// Oracle is the simulator's correctness verdict; Generator its cost.
	Oracle    run.Oracle          `json:"oracle"`
	Generator run.GeneratorReport `json:"generator"`
	// Verdicts are the sweep's targets; ScenarioSLO the scenario's own
	// thresholds as the run evaluated them.
	Verdicts    []Verdict       `json:"verdicts"`
	ScenarioSLO []run.SLOResult `json:"scenario_slo"`
	// Limits names what limited this step, most likely first, with the
	// numbers ("server CPU 1.93 of 2 cores").
	Limits []string `json:"limits,omitempty"`

	// Timeline is the window second by second; Spectrum the delivery
	// latency's percentile distribution over the window.
	Timeline []Point         `json:"timeline"`
	Spectrum []SpectrumPoint `json:"spectrum"`
	// Warnings are the simulator's and the sweep's remarks.
	Warnings []string `json:"warnings,omitempty"`
}

// Percentiles summarise one latency distribution, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

// Resources are one process's costs over the window.
type Resources struct {
	// CPUSeconds is user+system CPU time; Cores the same per wall second;
	// SystemShare the part of it spent in the kernel.
	CPUSeconds  float64 `json:"cpu_seconds"`
	Cores       float64 `json:"cores"`
	SystemShare float64 `json:"system_share"`
	// RSSPeak is the largest VmRSS sampled (bytes); RSSIdle before setup.
	RSSPeak int64 `json:"rss_peak_bytes"`
	RSSIdle int64 `json:"rss_idle_bytes"`
	// WriteSyscalls and ReadSyscalls per wall second (/proc/<pid>/io).
	WriteSyscallsPerSecond float64 `json:"write_syscalls_per_second"`
	ReadSyscallsPerSecond  float64 `json:"read_syscalls_per_second"`
	// Threads is the largest thread count sampled.
	Threads int `json:"threads"`
}

// Point is one second of the window. T is seconds since the window
// started (negative during setup); latency in milliseconds.
type Point struct {
	T              float64 `json:"t"`
	DeliveryP50    float64 `json:"delivery_p50_ms"`
	DeliveryP99    float64 `json:"delivery_p99_ms"`
	DeliveryMax    float64 `json:"delivery_max_ms"`
	Deliveries     float64 `json:"deliveries_per_second"`
	Events         float64 `json:"events_per_second"`
	ServerCores    float64 `json:"server_cores"`
	SimulatorCores float64 `json:"simulator_cores"`
	RSSMB          float64 `json:"rss_mb"`
	// OtherCores is what the rest of the machine used in this second;
	// GCCycles the collections of the engine's process that ended in it.
	OtherCores float64 `json:"other_cores"`
	GCCycles   int     `json:"gc_cycles"`
}

// SpectrumPoint is one line of the percentile distribution (the
// HdrHistogram plotter's x is 1/(1-Percentile/100)).
type SpectrumPoint struct {
	Percentile float64 `json:"percentile"`
	ValueMS    float64 `json:"value_ms"`
}

// Target is a named set of thresholds a sweep keeps: the knee is the
// largest value where all of them hold.
type Target struct {
	// Name identifies the target in the report ("p99<50ms").
	Name string `json:"name"`
	// SLO are the thresholds.
	SLO scenario.Thresholds `json:"-"`
	// Expressions are the thresholds as written.
	Expressions []string `json:"slo"`
}

// NewTarget parses thresholds ("delivery.p99 < 50ms") into a target.
func NewTarget(name string, expressions ...string) (Target, error) {
	t := Target{Name: name, Expressions: expressions}
	for _, e := range expressions {
		th, err := scenario.ParseThreshold(e)
		if err != nil {
			return t, fmt.Errorf("%w: target %s: %w", ErrConfig, name, err)
		}
		t.SLO = append(t.SLO, th)
	}
	if len(t.SLO) == 0 {
		return t, fmt.Errorf("%w: target %s has no thresholds", ErrConfig, name)
	}
	return t, nil
}

// Correctness are the thresholds every sizing target adds to its latency
// bound: no watcher missed a change (lost), every watcher's final view
// is the engine's (divergence), and the generator kept its schedule (a
// run whose generator lagged did not offer the load it claims). The
// oracle's per-update counts (duplicated, out of order, stale, torn) are
// recorded with every step and flagged in its warnings, but do not
// decide the knee: they are correctness findings at any load, not
// capacity limits.
var Correctness = []string{"lost == 0", "divergence == 0", "schedule_lag.max < 1s"}

// LatencyTarget is the sizing target "p99 delivery below bound" plus
// Correctness, named "p99<50ms".
func LatencyTarget(bound time.Duration) Target {
	expressions := append([]string{fmt.Sprintf("delivery.p99 < %dms", bound.Milliseconds())}, Correctness...)
	t, err := NewTarget(fmt.Sprintf("p99<%dms", bound.Milliseconds()), expressions...)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return t
}

// Evaluate checks the target against a run's values. A threshold on a
// metric the simulator does not measure at all (login.p99 today) is
// skipped and listed as such; one on a measured metric without samples in
// the window ("delivery.p99" with no delivery) fails.
func (t Target) Evaluate(values map[string]float64) Verdict {
	v := Verdict{Target: t.Name, Passed: true}
	for _, f := range t.SLO.Evaluate(values) {
		if f.Missing {
			metric, _, _ := strings.Cut(f.Threshold.Metric, ".")
			if _, known := values[metric+".count"]; !known {
				v.Skipped = append(v.Skipped, f.Threshold.Expression)
				continue
			}
			v.Passed = false
			v.Broken = append(v.Broken, f.Threshold.Expression+": no samples in the window")
			continue
		}
		v.Passed = false
		v.Broken = append(v.Broken, f.String())
	}
	return v
}

// UnmarshalJSON restores a target from its JSON (the thresholds are
// parsed again from the expressions).
func (t *Target) UnmarshalJSON(data []byte) error {
	var raw struct {
		Name        string   `json:"name"`
		Expressions []string `json:"slo"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	parsed, err := NewTarget(raw.Name, raw.Expressions...)
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}
