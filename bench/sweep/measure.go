package sweep

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/sim/run"
)

// measured is what a driver hands to build: the run's result and what the
// probes saw around it.
type measured struct {
	result    *run.Result
	samples   []probe.Sample // 1 Hz, from before setup to after quiesce
	intervals []interval     // the run's interval log
	began     time.Time      // before setup
	ended     time.Time      // after quiesce
	gc        probe.GCSummary
	gcEnds    []time.Time // when the engine's process finished collections
	// memoryIdle and memoryWindow are the engine process's memory before
	// setup and during the window (bytes), per memoryMethod.
	memoryIdle, memoryWindow float64
	memoryMethod             string
	connections              int
	wire                     bool
	warnings                 []string
}

// build assembles the Step.
func build(m *measured, targets []Target, window Window) *Step {
	res := m.result
	start := res.Started
	end := start.Add(time.Duration(res.WallSeconds * float64(time.Second)))
	st := &Step{
		Scenario:            res.Scenario,
		Driver:              res.Driver,
		Speed:               res.Speed,
		Started:             start,
		SetupSeconds:        start.Sub(m.began).Seconds(),
		DaySeconds:          res.WallSeconds,
		TotalSeconds:        m.ended.Sub(m.began).Seconds(),
		Users:               res.Users,
		Watchers:            res.Watchers,
		Subscriptions:       res.Subscriptions,
		Connections:         m.connections,
		OfferedErlangs:      res.Offered.PeakErlangs,
		EventsPerSecond:     res.EventsPerSecond,
		DeliveriesPerSecond: res.DeliveriesPerSecond,
		Latency:             map[string]Percentiles{},
		GC:                  m.gc,
		MemoryMethod:        m.memoryMethod,
		Oracle:              res.Oracle,
		Generator:           res.Generator,
		ScenarioSLO:         res.SLO,
		Warnings:            append(append([]string(nil), res.Generator.Warnings...), m.warnings...),
	}
	if res.Watchers > 0 {
		st.WatchedMean = float64(res.Subscriptions) / float64(res.Watchers)
	}
	for name, s := range res.Metrics {
		st.Latency[name] = Percentiles{Count: s.Count, P50: s.P50, P90: s.P90, P99: s.P99, P999: s.P999, Max: s.Max}
	}
	a, b, ok := around(m.samples, start, end)
	if ok {
		// The simulator lives through the whole sweep: its VmHWM is the
		// sweep's peak, so its step peak is the largest VmRSS sampled. The
		// server is a new process per step: its VmHWM is the step's.
		st.Simulator = resources(m.samples, a, b, false, func(s probe.Sample) *probe.ProcSample { return &s.Simulator })
		if m.wire {
			st.Server = resources(m.samples, a, b, true, func(s probe.Sample) *probe.ProcSample { return s.Server })
			// A scrape can fail under load (2 s timeout): use the nearest
			// samples that have the server's metrics.
			var scraped []probe.Sample
			for _, x := range m.samples {
				if x.Metrics != nil {
					scraped = append(scraped, x)
				}
			}
			if ma, mb, ok := around(scraped, start, end); ok {
				serverCounters(st, ma, mb)
			}
		}
	}
	if grown := m.memoryWindow - m.memoryIdle; grown > 0 {
		if st.Subscriptions > 0 {
			st.BytesPerSubscription = grown / float64(st.Subscriptions)
		}
		if st.Connections > 0 {
			st.BytesPerConnection = grown / float64(st.Connections)
		}
	}
	st.Timeline = timeline(m.intervals, m.samples, start, m.gcEnds)
	st.Spectrum = spectrum(merged(m.intervals, "delivery"))
	for _, t := range targets {
		st.Verdicts = append(st.Verdicts, t.Evaluate(res.Values))
	}
	if o := res.Oracle; o.Duplicated+o.OutOfOrder+o.Stale+o.Torn > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("oracle: %d duplicated, %d out of order, %d stale, %d torn updates", o.Duplicated, o.OutOfOrder, o.Stale, o.Torn))
	}
	st.OtherCores = otherCores(a, b, st)
	if dt := b.At.Sub(a.At).Seconds(); dt > 0 {
		st.StealCores = (b.Machine.Steal - a.Machine.Steal).Seconds() / dt
	}
	st.Limits = limits(st, st.OtherCores)
	if burst := burstOf(st, window); burst != "" {
		st.Limits = append([]string{burst}, st.Limits...)
	}
	return st
}

// burstOf describes the worst second of the window when it stands out
// from the others (its p99 five times their median): the :00 meeting
// starts that dominate a window's p99 although the average load is low.
func burstOf(st *Step, window Window) string {
	var p99s []float64
	worst := -1
	for i, p := range st.Timeline {
		if p.T < 0 || p.Deliveries == 0 {
			continue
		}
		p99s = append(p99s, p.DeliveryP99)
		if worst < 0 || p.DeliveryP99 > st.Timeline[worst].DeliveryP99 {
			worst = i
		}
	}
	if len(p99s) < 5 {
		return ""
	}
	typical := median(p99s)
	w := st.Timeline[worst]
	if w.DeliveryP99 < 5*typical {
		return ""
	}
	var rates []float64
	for _, p := range st.Timeline {
		if p.T >= 0 && p.Deliveries > 0 {
			rates = append(rates, p.Deliveries)
		}
	}
	at := window.Start + time.Duration((w.T-1)*st.Speed*float64(time.Second))
	rate := median(rates)
	if w.Deliveries >= 1.5*rate {
		text := fmt.Sprintf("burst at about %s virtual (t=%.0fs): %.0f deliveries in that second (median second %.0f), p99 %.1f ms there against a median second's %.1f ms; CPU %.2f cores averaged over that second",
			clock(at), w.T, w.Deliveries, rate, w.DeliveryP99, typical, w.SimulatorCores+w.ServerCores) + spikeCause(st, worst)
		minute := int(at/time.Minute) % 30
		if (minute <= 1 || minute >= 29) && w.SimulatorCores+w.ServerCores < 0.6*float64(runtime.NumCPU()) {
			text += " (a :00/:30 calendar boundary: the second's average CPU hides a burst of tens of milliseconds that can take both cores; docs/CAPACITY.md §7)"
		}
		return text
	}
	text := fmt.Sprintf("latency spike at about %s virtual (t=%.0fs) under ordinary load (%.0f deliveries in that second, median %.0f): p99 %.1f ms there against a median second's %.1f ms",
		clock(at), w.T, w.Deliveries, rate, w.DeliveryP99, typical)
	return text + spikeCause(st, worst)
}

// spikeCause names what happened in and just before the worst second:
// other processes taking the CPU, a collection.
func spikeCause(st *Step, worst int) string {
	other, gc := 0.0, 0
	for i := max(0, worst-1); i <= worst; i++ {
		other = max(other, st.Timeline[i].OtherCores)
		gc += st.Timeline[i].GCCycles
	}
	var causes []string
	if other >= 0.5 {
		causes = append(causes, fmt.Sprintf("other processes took %.2f cores then", other))
	}
	if gc > 0 {
		causes = append(causes, fmt.Sprintf("%d garbage collection(s) ended then", gc))
	}
	if len(causes) == 0 {
		return ""
	}
	return "; " + strings.Join(causes, ", ")
}

// clock formats a time of day as HH:MM:SS.
func clock(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// resources computes one process's costs between samples a and b; peak
// RSS (with highWater, VmHWM too) and threads over all samples, idle RSS
// from the first.
func resources(all []probe.Sample, a, b probe.Sample, highWater bool, pick func(probe.Sample) *probe.ProcSample) Resources {
	var r Resources
	pa, pb := pick(a), pick(b)
	if pa == nil || pb == nil {
		return r
	}
	dt := b.At.Sub(a.At).Seconds()
	cpu := (pb.CPU() - pa.CPU()).Seconds()
	r.CPUSeconds = cpu
	if dt > 0 {
		r.Cores = cpu / dt
		r.WriteSyscallsPerSecond = float64(pb.WriteSyscalls-pa.WriteSyscalls) / dt
		r.ReadSyscallsPerSecond = float64(pb.ReadSyscalls-pa.ReadSyscalls) / dt
	}
	if cpu > 0 {
		r.SystemShare = (pb.SystemCPU - pa.SystemCPU).Seconds() / cpu
	}
	for i, s := range all {
		p := pick(s)
		if p == nil {
			continue
		}
		if i == 0 || r.RSSIdle == 0 {
			r.RSSIdle = p.RSS
		}
		r.RSSPeak = max(r.RSSPeak, p.RSS)
		if highWater {
			r.RSSPeak = max(r.RSSPeak, p.PeakRSS)
		}
		r.Threads = max(r.Threads, p.Threads)
	}
	return r
}

// serverCounters fills the server-counter figures of a wire step from the
// metrics of samples a and b.
func serverCounters(st *Step, a, b probe.Sample) {
	if a.Metrics == nil || b.Metrics == nil {
		return
	}
	d := b.Metrics.Sub(a.Metrics)
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 {
		return
	}
	deliveries := d.Value("presenced_deliveries_total")
	st.ServerDeliveriesPerSecond = deliveries / dt
	st.ServerUpdatesPerSecond = d.Value("presenced_engine_updates_total") / dt
	if deliveries > 0 {
		st.WritesPerDelivery = d.Value("presenced_writes_total") / deliveries
		if b.Server != nil && a.Server != nil {
			st.SyscallsPerDelivery = float64(b.Server.WriteSyscalls-a.Server.WriteSyscalls) / deliveries
		}
	}
	if q := d.HistogramQuantile("presenced_apply_to_write_seconds", 0.99); !math.IsNaN(q) {
		st.ApplyToWriteP99 = q * 1e3
	}
}

// otherCores is the CPU the rest of the machine used between a and b.
func otherCores(a, b probe.Sample, st *Step) float64 {
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 {
		return 0
	}
	busy := (b.Machine.Busy - a.Machine.Busy).Seconds() / dt
	return max(0, busy-st.Simulator.Cores-st.Server.Cores)
}

// Saturation thresholds of the diagnosis: a process using this share of
// the machine's cores is CPU-bound; the kernel share and GC share above
// which system calls or the collector are named.
const (
	saturated      = 0.8
	kernelHeavy    = 0.4
	collectorHeavy = 0.2
)

// limits names what limited the step, most likely first.
func limits(st *Step, other float64) []string {
	cpus := float64(runtime.NumCPU())
	type finding struct {
		weight float64
		text   string
	}
	var found []finding
	add := func(weight float64, format string, args ...any) {
		found = append(found, finding{weight, fmt.Sprintf(format, args...)})
	}
	sim, server := st.Simulator, st.Server
	if st.Driver == run.DriverWire.String() {
		if server.Cores >= saturated*cpus {
			add(server.Cores/cpus, "server CPU: %.2f of %.0f cores", server.Cores, cpus)
		}
		if sim.Cores >= saturated*cpus {
			add(sim.Cores/cpus, "simulator CPU: %.2f of %.0f cores", sim.Cores, cpus)
		}
		if total := server.Cores + sim.Cores + other; total >= saturated*cpus {
			add(total/cpus*0.9, "machine CPU shared: server %.2f + simulator %.2f + other processes %.2f of %.0f cores", server.Cores, sim.Cores, other, cpus)
		}
		if server.SystemShare >= kernelHeavy && server.Cores > 0.25 {
			add(server.SystemShare, "system calls: %.0f%% of the server's CPU in the kernel; %.0f write syscalls/s, %.2f per delivery", server.SystemShare*100, server.WriteSyscallsPerSecond, st.SyscallsPerDelivery)
		}
	} else {
		if sim.Cores >= saturated*cpus {
			add(sim.Cores/cpus, "CPU: engine and simulator in one process use %.2f of %.0f cores (generators' own work %.0f%% of their busy time)", sim.Cores, cpus, st.Generator.OwnShare*100)
		}
		if total := sim.Cores + other; total >= saturated*cpus && sim.Cores < saturated*cpus {
			add(total/cpus*0.9, "machine CPU shared: this process %.2f + other processes %.2f of %.0f cores", sim.Cores, other, cpus)
		}
	}
	if other >= 0.5 {
		add(other/cpus*0.5, "other processes on the machine used %.2f cores", other)
	}
	if st.StealCores >= 0.1 {
		add(st.StealCores/cpus, "the hypervisor stole %.2f cores from this virtual machine", st.StealCores)
	}
	if st.GC.CPUFraction >= collectorHeavy {
		add(st.GC.CPUFraction, "GC: %.0f%% of the CPU, %d cycles, pauses max %s", st.GC.CPUFraction*100, st.GC.Cycles, time.Duration(st.GC.PauseMax))
	} else if st.DaySeconds > 0 && st.GC.PauseTotal.Seconds()/st.DaySeconds >= 0.02 {
		add(st.GC.PauseTotal.Seconds()/st.DaySeconds*5, "GC pauses: %s stopped in %.0f s (max %s)", st.GC.PauseTotal, st.DaySeconds, st.GC.PauseMax)
	}
	if st.Generator.Bottleneck {
		add(1.1, "the simulator's generators (own work %.0f%% of their busy time)", st.Generator.OwnShare*100)
	}
	if len(found) == 0 {
		return []string{fmt.Sprintf("nothing saturated (this process %.2f, server %.2f, other %.2f of %.0f cores)", sim.Cores, server.Cores, other, cpus)}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].weight > found[j].weight })
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.text
	}
	return out
}
