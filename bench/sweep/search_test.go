package sweep

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// synthetic returns a probe whose target i holds while x <= limits[i],
// counting calls and refusing to probe a value twice.
func synthetic(t *testing.T, limits ...float64) (ProbeFunc, *[]float64) {
	var calls []float64
	return func(_ context.Context, x float64) ([]Verdict, error) {
		for _, c := range calls {
			if c == x {
				t.Errorf("value %g probed twice", x)
			}
		}
		calls = append(calls, x)
		out := make([]Verdict, len(limits))
		for i, limit := range limits {
			out[i] = Verdict{Target: fmt.Sprint(i), Passed: x <= limit}
			if !out[i].Passed {
				out[i].Broken = []string{fmt.Sprintf("x <= %g: observed %g", limit, x)}
			}
		}
		return out, nil
	}, &calls
}

func TestSearchFindsKneeExactly(t *testing.T) {
	for _, limit := range []float64{1, 2, 3, 37, 63, 64, 65, 1000, 1023} {
		probe, calls := synthetic(t, limit)
		knees, order, err := Search(context.Background(), Space{Start: 1, Max: 4096, Integer: true, Resolution: 1e-9, MaxSteps: 40}, []string{"0"}, probe)
		if err != nil {
			t.Fatal(err)
		}
		k := knees[0]
		if k.Status != KneeFound || k.Knee != limit || k.FirstBreak != limit+1 {
			t.Errorf("limit %g: %+v after %v", limit, k, *calls)
		}
		if len(k.BrokenBy) != 1 {
			t.Errorf("limit %g: broken by %v", limit, k.BrokenBy)
		}
		if len(order) != len(*calls) {
			t.Errorf("order has %d steps, probe ran %d", len(order), len(*calls))
		}
		// Doubling to the first break, then a binary search: about 2 log2(limit) steps.
		if len(*calls) > 24 {
			t.Errorf("limit %g: %d steps", limit, len(*calls))
		}
	}
}

func TestSearchRelativeResolution(t *testing.T) {
	probe, calls := synthetic(t, 5000)
	knees, _, err := Search(context.Background(), Space{Start: 500, Max: 1e6, Integer: true}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	k := knees[0]
	if k.Status != KneeFound || k.Knee > 5000 || k.FirstBreak <= 5000 || k.FirstBreak > k.Knee*1.1 {
		t.Errorf("%+v after %v", k, *calls)
	}
	// 500..8000 is 5 steps, then log2(log(8000/4000)/log(1.1)) ≈ 3 bisections.
	if len(*calls) > 9 {
		t.Errorf("%d steps for 10%%: %v", len(*calls), *calls)
	}
}

func TestSearchNeverBreaks(t *testing.T) {
	probe, calls := synthetic(t, 1e9)
	knees, _, err := Search(context.Background(), Space{Start: 100, Max: 1000, Integer: true}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if k := knees[0]; k.Status != KneeNeverBroke || k.Knee != 1000 || k.FirstBreak != 0 {
		t.Errorf("%+v", k)
	}
	if want := []float64{100, 200, 400, 800, 1000}; fmt.Sprint(*calls) != fmt.Sprint(want) {
		t.Errorf("steps %v, want %v", *calls, want)
	}
}

func TestSearchBreaksAtFirstStep(t *testing.T) {
	// Breaks at Start: the search halves down to the knee, then bisects.
	probe, calls := synthetic(t, 9)
	knees, _, err := Search(context.Background(), Space{Start: 100, Integer: true, Resolution: 1e-9}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if k := knees[0]; k.Status != KneeFound || k.Knee != 9 || k.FirstBreak != 10 {
		t.Errorf("%+v after %v", k, *calls)
	}
	// Breaks everywhere: down to Min, no knee.
	probe, calls = synthetic(t, 0)
	knees, _, err = Search(context.Background(), Space{Start: 16, Min: 2, Integer: true}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if k := knees[0]; k.Status != KneeBrokeAtMin || k.Knee != 0 || k.FirstBreak != 2 {
		t.Errorf("%+v after %v", k, *calls)
	}
	if want := []float64{16, 8, 4, 2}; fmt.Sprint(*calls) != fmt.Sprint(want) {
		t.Errorf("steps %v, want %v", *calls, want)
	}
}

func TestSearchTwoTargetsShareSteps(t *testing.T) {
	probe, calls := synthetic(t, 300, 700)
	knees, _, err := Search(context.Background(), Space{Start: 100, Max: 1e5, Integer: true, Resolution: 1e-9, MaxSteps: 40}, []string{"strict", "loose"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if knees[0].Knee != 300 || knees[0].FirstBreak != 301 || knees[1].Knee != 700 || knees[1].FirstBreak != 701 {
		t.Errorf("%+v after %v", knees, *calls)
	}
	for _, k := range knees {
		if k.Status != KneeFound {
			t.Errorf("%+v", k)
		}
	}
}

func TestSearchFloatAndBudget(t *testing.T) {
	probe, _ := synthetic(t, 7.3)
	knees, _, err := Search(context.Background(), Space{Start: 1, Resolution: 0.01}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if k := knees[0]; k.Status != KneeFound || k.Knee > 7.3 || k.FirstBreak <= 7.3 || k.FirstBreak > k.Knee*1.01 {
		t.Errorf("%+v", k)
	}
	probe, _ = synthetic(t, 7.3)
	knees, order, err := Search(context.Background(), Space{Start: 1, Resolution: 1e-6, MaxSteps: 6}, []string{"0"}, probe)
	if err != nil {
		t.Fatal(err)
	}
	if k := knees[0]; k.Status != KneeApproximate || len(order) != 6 || k.Knee > 7.3 || k.FirstBreak <= 7.3 {
		t.Errorf("%+v in %d steps", k, len(order))
	}
}

func TestSearchErrors(t *testing.T) {
	boom := errors.New("boom")
	_, _, err := Search(context.Background(), Space{Start: 1}, []string{"0"}, func(context.Context, float64) ([]Verdict, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("probe error: %v", err)
	}
	if _, _, err := Search(context.Background(), Space{Start: 10, Max: 5}, []string{"0"}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("bad space: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	probe, _ := synthetic(t, 5)
	if _, _, err := Search(ctx, Space{Start: 1}, []string{"0"}, probe); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
