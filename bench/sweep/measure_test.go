package sweep

import (
	"strings"
	"testing"
	"time"
)

// TestDiagnosis checks the per-step diagnosis on synthetic timelines: a
// burst at 10:00 with the machine idle, a spike with a neighbour and a
// collection, CPU saturation, and a quiet step.
func TestDiagnosis(t *testing.T) {
	window := Window{Start: 9*time.Hour + 52*time.Minute, Length: 30 * time.Minute}
	step := func(spikeAt int, spikeRate, spikeP99, other float64, gc int) *Step {
		st := &Step{Driver: "in-process", Speed: 60, DaySeconds: 30}
		for i := 1; i <= 30; i++ {
			p := Point{T: float64(i), DeliveryP99: 3, Deliveries: 1000, SimulatorCores: 0.3}
			if i == spikeAt {
				p.DeliveryP99, p.Deliveries, p.OtherCores, p.GCCycles = spikeP99, spikeRate, other, gc
			}
			st.Timeline = append(st.Timeline, p)
		}
		return st
	}
	// t=9 ends the interval [8 s, 9 s): 09:52 + 8 × 60 s = 10:00:00.
	burst := burstOf(step(9, 3000, 120, 0, 0), window)
	for _, want := range []string{"burst at about 10:00:00", "3000 deliveries", "p99 120.0 ms", "average CPU hides a burst"} {
		if !strings.Contains(burst, want) {
			t.Errorf("burst diagnosis lacks %q: %s", want, burst)
		}
	}
	spike := burstOf(step(20, 1000, 200, 1.1, 1), window)
	for _, want := range []string{"latency spike", "under ordinary load", "other processes took 1.10 cores", "1 garbage collection"} {
		if !strings.Contains(spike, want) {
			t.Errorf("spike diagnosis lacks %q: %s", want, spike)
		}
	}
	if quiet := burstOf(step(20, 1000, 10, 0, 0), window); quiet != "" {
		t.Errorf("a second at 3× the median is not a spike: %s", quiet)
	}
	st := step(0, 0, 0, 0, 0)
	st.Simulator.Cores = 1.9
	if l := limits(st, 0); !strings.HasPrefix(l[0], "CPU: engine and simulator in one process use 1.90") {
		t.Errorf("saturated: %v", l)
	}
	wire := &Step{Driver: "wire", Server: Resources{Cores: 0.6, SystemShare: 0.55}, Simulator: Resources{Cores: 0.2}, SyscallsPerDelivery: 0.9}
	if l := limits(wire, 1.3); !strings.Contains(strings.Join(l, "; "), "system calls: 55% of the server's CPU") ||
		!strings.Contains(strings.Join(l, "; "), "machine CPU shared: server 0.60 + simulator 0.20 + other processes 1.30") {
		t.Errorf("wire: %v", l)
	}
	if l := limits(&Step{Driver: "in-process"}, 0); len(l) != 1 || !strings.HasPrefix(l[0], "nothing saturated") {
		t.Errorf("idle: %v", l)
	}
}
