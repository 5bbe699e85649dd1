package sweep

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmokeSweepInProcess runs a real sweep of scenarios/smoke.yaml in
// process: users 10 → 20 → 40, capped at 40, a loose latency target that
// holds and one that no run can meet (p99 below 1 ns), so the search ends
// with one "never-broke" and one "broke-at-min" knee after three steps.
func TestSmokeSweepInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator for a few seconds")
	}
	loose, err := NewTarget("loose", "delivery.p99 < 10s", "lost == 0", "divergence == 0", "login.p99 < 1s")
	if err != nil {
		t.Fatal(err)
	}
	impossible, err := NewTarget("impossible", "delivery.max < 1ns")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := Run(context.Background(), Config{
		Scenario:     "../../scenarios/smoke.yaml",
		Space:        Space{Start: 10, Min: 10, Max: 40},
		Targets:      []Target{loose, impossible},
		WindowLength: 2 * time.Hour,
		OutDir:       out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 3 {
		t.Fatalf("%d steps, want 3 (10, 20, 40)", len(res.Steps))
	}
	k := res.Knees[0].Knees
	if k[0].Status != KneeNeverBroke || k[0].Knee != 40 {
		t.Errorf("loose knee %+v", k[0])
	}
	if k[1].Status != KneeBrokeAtMin || k[1].FirstBreak != 10 || len(k[1].BrokenBy) != 1 || !strings.Contains(k[1].BrokenBy[0], "delivery.max") {
		t.Errorf("impossible knee %+v", k[1])
	}
	for i, st := range res.Steps {
		if st.Users != []int{10, 20, 40}[i] {
			t.Errorf("step %d has %d users", i, st.Users)
		}
		if st.Latency["delivery"].Count == 0 || st.DeliveriesPerSecond <= 0 || st.Simulator.CPUSeconds <= 0 || st.Simulator.RSSPeak <= 0 {
			t.Errorf("step %d measured nothing: %+v", i, st)
		}
		if len(st.Verdicts) != 2 || !st.Verdicts[0].Passed || len(st.Verdicts[0].Skipped) != 1 {
			t.Errorf("step %d verdicts %+v", i, st.Verdicts)
		}
		if len(st.Timeline) == 0 || len(st.Spectrum) < 3 || st.Spectrum[len(st.Spectrum)-1].Percentile != 100 {
			t.Errorf("step %d timeline %d points, spectrum %+v", i, len(st.Timeline), st.Spectrum)
		}
		if st.GC.Source != "runtime/metrics" || st.MemoryMethod == "" || len(st.Limits) == 0 {
			t.Errorf("step %d gc %+v memory %q limits %v", i, st.GC, st.MemoryMethod, st.Limits)
		}
		for _, f := range []string{"scenario.yaml", "intervals.hlog", "summary.json", "samples.json", "step.json"} {
			if _, err := os.Stat(filepath.Join(st.Dir, f)); err != nil {
				t.Errorf("step %d: %v", i, err)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil || len(back.Steps) != 3 {
		t.Errorf("sweep.json: %v, %d steps", err, len(back.Steps))
	}
}
