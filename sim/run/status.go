package run

import (
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/oracle"
)

// Thresholds of the generator-bottleneck warning: the schedule lag of an
// interval is above lagWarn and grew over the previous interval while the
// generators were busy more than busyWarn of their time (or the process
// used more than cpuWarn of its cores).
const (
	lagWarn  = 100 * time.Millisecond
	busyWarn = 0.9
	cpuWarn  = 0.95
)

// status prints the live progress and keeps what the generator report
// needs. Called by the runner's flush under its lock.
type status struct {
	cfg      *Config
	plan     *driver.Plan
	start    time.Time
	cpuStart time.Duration
	cpuLast  time.Duration
	starved  starvation

	lastLag     int64
	ownTotal    int64
	applyTotal  int64
	warnings    []string
	bottleneck  bool
	lastWarning time.Time
	drawn       bool
	generators  int
}

func newStatus(cfg *Config, p *driver.Plan, start time.Time) *status {
	cpu := processCPU()
	return &status{cfg: cfg, plan: p, start: start, cpuStart: cpu, cpuLast: cpu, starved: startStarvation()}
}

// processCPU returns the user and system CPU time of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// interval prints one status line (or redraws the bar) and checks for a
// generator bottleneck.
func (s *status) interval(now, from time.Time, hists *[oracle.NumMetrics]*hdrhistogram.Histogram, before, after *[oracle.NumCounters]int64,
	gens []*driver.Generator, final bool) {
	dt := now.Sub(from).Seconds()
	if dt <= 0 {
		dt = 1e-9
	}
	var own, apply int64
	var reached time.Duration
	s.generators = len(gens)
	for _, g := range gens {
		own += g.OwnNanos.Swap(0)
		apply += g.ApplyNanos.Swap(0)
		g.MaxLag.Store(0)
		reached = max(reached, time.Duration(g.ReachedAt.Load()))
	}
	s.ownTotal += own
	s.applyTotal += apply
	cpu := processCPU()
	cores := (cpu - s.cpuLast).Seconds() / dt
	s.cpuLast = cpu
	busy := 0.0
	if len(gens) > 0 {
		busy = float64(own+apply) / 1e9 / dt / float64(len(gens))
	}
	lag := hists[oracle.MetricScheduleLag].Max()
	if !final && lag > int64(lagWarn) && lag > s.lastLag &&
		(busy > busyWarn || cores > cpuWarn*float64(runtime.GOMAXPROCS(0))) {
		ownShare := 0.0
		if own+apply > 0 {
			ownShare = float64(own) / float64(own+apply)
		}
		culprit := "the engine calls (the engine is the bottleneck)"
		if s.cfg.Driver == DriverWire {
			culprit = "queueing to the ingest senders (the server or the network is the bottleneck)"
		}
		if ownShare > 0.5 {
			culprit = "the simulator's own work (the generator is the bottleneck)"
			s.bottleneck = true
		}
		msg := fmt.Sprintf("schedule lag %s and growing at %s; generators busy %.0f%%, process CPU %.2f cores; most busy time in %s",
			time.Duration(lag).Round(time.Millisecond), s.virtualClock(reached), busy*100, cores, culprit)
		if now.Sub(s.lastWarning) > 10*s.cfg.Interval {
			s.cfg.Logger.Warn("presencesim: " + msg)
			s.lastWarning = now
		}
		if len(s.warnings) < 20 {
			s.warnings = append(s.warnings, msg)
		}
	}
	s.lastLag = lag
	if s.cfg.Status == nil || (final && !s.cfg.StatusTTY && after[oracle.CounterDeliveries] == before[oracle.CounterDeliveries] && after[oracle.CounterEvents] == before[oracle.CounterEvents]) {
		return
	}
	events := float64(after[oracle.CounterEvents]-before[oracle.CounterEvents]) / dt
	deliveries := float64(after[oracle.CounterDeliveries]-before[oracle.CounterDeliveries]) / dt
	done := 0.0
	if day := s.plan.Scenario.Day.Length.Std(); day > 0 {
		done = min(1, float64(reached)/float64(day))
	}
	line := fmt.Sprintf("%s %3.0f%% | %6.0f ev/s %8.0f del/s | delivery p99 %s fanout p99 %s | lag max %s | cpu %.2f | stale %d dup/ooo %d",
		s.virtualClock(reached), done*100, events, deliveries,
		ms(hists[oracle.MetricDelivery].ValueAtQuantile(99)), ms(hists[oracle.MetricFanout].ValueAtQuantile(99)), ms(lag), cores,
		after[oracle.CounterStale], after[oracle.CounterOutOfOrder]+after[oracle.CounterDuplicated])
	if s.cfg.StatusTTY {
		const width = 24
		bar := strings.Repeat("#", int(done*width)) + strings.Repeat(".", width-int(done*width))
		fmt.Fprintf(s.cfg.Status, "\r[%s] %s", bar, line)
		s.drawn = true
		if final {
			fmt.Fprintln(s.cfg.Status)
		}
		return
	}
	fmt.Fprintf(s.cfg.Status, "%6.1fs %s\n", now.Sub(s.start).Seconds(), line)
}

func ms(ns int64) string { return fmt.Sprintf("%.2fms", float64(ns)/1e6) }

// virtualClock formats a virtual offset as the time of day.
func (s *status) virtualClock(offset time.Duration) string {
	t := s.plan.Scenario.Day.Start.Std() + offset
	return fmt.Sprintf("%02d:%02d:%02d", int(t.Hours()), int(t.Minutes())%60, int(t.Seconds())%60)
}

// report summarises the simulator's cost over the day.
func (s *status) report(dayEnd time.Time) GeneratorReport {
	wall := dayEnd.Sub(s.start).Seconds()
	r := GeneratorReport{Bottleneck: s.bottleneck, Warnings: s.warnings}
	if wall <= 0 {
		return r
	}
	gens := max(1, s.generators)
	r.Busy = float64(s.ownTotal+s.applyTotal) / 1e9 / wall / float64(gens)
	if s.ownTotal+s.applyTotal > 0 {
		r.OwnShare = float64(s.ownTotal) / float64(s.ownTotal+s.applyTotal)
	}
	r.CPU = (s.cpuLast - s.cpuStart).Seconds() / wall
	r.SchedulingP99, r.RunQueueWait = s.starved.finish(wall)
	return r
}
