package sweep

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// Space is the range a knee search covers for one parameter. Values are
// in the parameter's unit (users, contacts, a factor, a speed).
type Space struct {
	// Start is the first value tried. Required, within [Min, Max].
	Start float64 `json:"start"`
	// Min and Max bound the search: it doubles up to Max while the SLO
	// holds and halves down to Min when it breaks at Start. Zero Min
	// means 1 for integer spaces and Start/64 otherwise; zero Max means
	// Start×1024.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	// Integer rounds every value to a whole number.
	Integer bool `json:"integer"`
	// Resolution is the relative precision: the bisection stops when
	// FirstBreak ≤ Knee×(1+Resolution). Zero means 0.1 (10 %).
	Resolution float64 `json:"resolution"`
	// MinStep is the absolute precision: the bisection also stops when
	// FirstBreak − Knee ≤ MinStep. Zero means 1 for integer spaces.
	MinStep float64 `json:"min_step"`
	// MaxSteps caps the number of steps of one search. Zero means 16.
	MaxSteps int `json:"max_steps"`
}

func (s Space) withDefaults() (Space, error) {
	if s.Integer {
		s.Start = math.Round(s.Start)
	}
	if s.Min == 0 {
		s.Min = s.Start / 64
		if s.Integer {
			s.Min = 1
		}
	}
	if s.Max == 0 {
		s.Max = s.Start * 1024
	}
	if s.Resolution == 0 {
		s.Resolution = 0.1
	}
	if s.MinStep == 0 && s.Integer {
		s.MinStep = 1
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = 16
	}
	if !(s.Min > 0 && s.Min <= s.Start && s.Start <= s.Max) || s.Resolution < 0 || s.MinStep < 0 {
		return s, fmt.Errorf("%w: search space start %g, min %g, max %g, resolution %g", ErrConfig, s.Start, s.Min, s.Max, s.Resolution)
	}
	return s, nil
}

func (s Space) round(x float64) float64 {
	if s.Integer {
		x = math.Round(x)
	}
	return min(s.Max, max(s.Min, x))
}

// done reports whether lo and hi are close enough.
func (s Space) done(lo, hi float64) bool {
	return hi-lo <= s.MinStep || hi <= lo*(1+s.Resolution) || (s.Integer && hi-lo <= 1)
}

// Verdict is whether one target's SLO held at one step.
type Verdict struct {
	// Target names the target ("p99<50ms").
	Target string `json:"target"`
	// Passed is true when every threshold of the target held.
	Passed bool `json:"passed"`
	// Broken lists the thresholds that failed, with the observed values
	// ("delivery.p99 < 50ms: observed 61.2ms").
	Broken []string `json:"broken,omitempty"`
	// Skipped lists thresholds on metrics the simulator does not measure.
	Skipped []string `json:"skipped,omitempty"`
}

// ProbeFunc runs one step at value x and returns one verdict per target,
// in the order of the targets. An error ends the search.
type ProbeFunc func(ctx context.Context, x float64) ([]Verdict, error)

// KneeStatus says how a search ended for one target.
type KneeStatus string

// Statuses.
const (
	// KneeFound: the SLO holds at Knee and breaks at FirstBreak, and they
	// are within the resolution.
	KneeFound KneeStatus = "found"
	// KneeApproximate: as found, but the step budget ran out before the
	// resolution was reached.
	KneeApproximate KneeStatus = "approximate"
	// KneeNeverBroke: the SLO held up to Max; Knee is the largest value
	// tried and there is no FirstBreak.
	KneeNeverBroke KneeStatus = "never-broke"
	// KneeBrokeAtMin: the SLO broke even at Min; there is no Knee.
	KneeBrokeAtMin KneeStatus = "broke-at-min"
)

// Knee is the result of a search for one target.
type Knee struct {
	// Target names the target.
	Target string `json:"target"`
	// Status says how the search ended.
	Status KneeStatus `json:"status"`
	// Knee is the largest value at which the SLO held (0 if none).
	Knee float64 `json:"knee"`
	// FirstBreak is the smallest value at which it broke (0 if none).
	FirstBreak float64 `json:"first_break"`
	// BrokenBy lists the thresholds that broke at FirstBreak.
	BrokenBy []string `json:"broken_by,omitempty"`
}

// Probed is one value the search tried, in the order tried.
type Probed struct {
	Value    float64   `json:"value"`
	Verdicts []Verdict `json:"verdicts"`
}

// Search finds the knee of every target: it runs probe at Start, doubles
// while any target still holds (and has not broken before), halves from
// Start while any target never held, then bisects each target's interval
// between its last hold and its first break, geometrically (the load
// parameters act multiplicatively). A value already probed is never
// probed again: every target's bracket is computed from all steps, so
// the bisection of the second target starts from what the first found.
// Verdicts are assumed monotone (holds below the knee, breaks above); with noise the result is
// a value that held next to one that broke, not necessarily the largest.
func Search(ctx context.Context, space Space, targets []string, probe ProbeFunc) ([]Knee, []Probed, error) {
	space, err := space.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if len(targets) == 0 {
		return nil, nil, fmt.Errorf("%w: no targets", ErrConfig)
	}
	s := &searcher{space: space, targets: targets, probe: probe, seen: map[float64][]Verdict{}}
	// Up: double while some target has held at every value so far.
	for x := space.Start; ; x = space.round(x * 2) {
		if err := s.run(ctx, x); err != nil {
			return nil, s.order, err
		}
		if x >= space.Max || !s.anyUnbroken() || s.exhausted() {
			break
		}
	}
	// Down: halve from Start while some target never held.
	for x := space.Start; x > space.Min && s.anyNeverHeld() && !s.exhausted(); {
		x = space.round(x / 2)
		if err := s.run(ctx, x); err != nil {
			return nil, s.order, err
		}
	}
	knees := make([]Knee, len(targets))
	for t := range targets {
		for !s.exhausted() {
			lo, hi, ok := s.bracket(t)
			if !ok || space.done(lo, hi) {
				break
			}
			if err := s.run(ctx, s.inside(lo, hi)); err != nil {
				return nil, s.order, err
			}
		}
		knees[t] = s.knee(t)
	}
	return knees, s.order, nil
}

type searcher struct {
	space   Space
	targets []string
	probe   ProbeFunc
	seen    map[float64][]Verdict
	order   []Probed
}

func (s *searcher) exhausted() bool { return len(s.order) >= s.space.MaxSteps }

func (s *searcher) run(ctx context.Context, x float64) error {
	if _, ok := s.seen[x]; ok {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := s.probe(ctx, x)
	if err != nil {
		return err
	}
	if len(v) != len(s.targets) {
		return fmt.Errorf("sweep: probe returned %d verdicts for %d targets", len(v), len(s.targets))
	}
	s.seen[x] = v
	s.order = append(s.order, Probed{Value: x, Verdicts: v})
	return nil
}

// values returns the probed values in ascending order.
func (s *searcher) values() []float64 {
	xs := make([]float64, 0, len(s.seen))
	for x := range s.seen {
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	return xs
}

// anyUnbroken: some target held at every value probed so far.
func (s *searcher) anyUnbroken() bool {
	for t := range s.targets {
		broken := false
		for _, v := range s.seen {
			if !v[t].Passed {
				broken = true
				break
			}
		}
		if !broken {
			return true
		}
	}
	return false
}

// anyNeverHeld: some target held at no value probed so far.
func (s *searcher) anyNeverHeld() bool {
	for t := range s.targets {
		held := false
		for _, v := range s.seen {
			if v[t].Passed {
				held = true
				break
			}
		}
		if !held {
			return true
		}
	}
	return false
}

// bracket returns target t's first break and the largest hold below it.
func (s *searcher) bracket(t int) (lo, hi float64, ok bool) {
	xs := s.values()
	for _, x := range xs {
		if !s.seen[x][t].Passed {
			hi = x
			break
		}
		lo = x
	}
	return lo, hi, lo > 0 && hi > 0
}

// inside picks the next value strictly between lo and hi: the geometric
// mean (no probed value lies strictly inside a bracket, by construction).
func (s *searcher) inside(lo, hi float64) float64 {
	x := s.space.round(math.Sqrt(lo * hi))
	if s.space.Integer {
		x = min(max(x, lo+1), hi-1)
	}
	return x
}

func (s *searcher) knee(t int) Knee {
	k := Knee{Target: s.targets[t]}
	lo, hi, ok := s.bracket(t)
	switch {
	case ok:
		k.Knee, k.FirstBreak = lo, hi
		k.Status = KneeFound
		if !s.space.done(lo, hi) {
			k.Status = KneeApproximate
		}
	case hi == 0:
		k.Status = KneeNeverBroke
		k.Knee = lo
	default:
		k.Status = KneeBrokeAtMin
		k.FirstBreak = hi
	}
	if hi > 0 {
		k.BrokenBy = s.seen[hi][t].Broken
	}
	return k
}
