package scenario

import (
	"math"
	"time"
)

// Distribution is the law of a random span of time, such as a holding time
// or a meeting overrun. Which fields apply depends on Kind:
//
//	constant     Mean
//	exponential  Mean
//	lognormal    Mean, Sigma (shape of the underlying normal; mu = ln(Mean) - Sigma²/2)
//	erlang       Mean, Shape (k ≥ 1 phases of mean Mean/k each)
//	normal       Mean, Stddev (draws below Min are cut to Min)
//	uniform      Min, Max
//
// Min and Max, when set, clamp every kind (Max 0 means no upper clamp).
type Distribution struct {
	// Kind is the law; required when the mapping is written.
	Kind DistributionKind `yaml:"distribution"`
	// Mean of the law (all kinds but uniform).
	Mean Duration `yaml:"mean"`
	// Sigma is the lognormal shape, the stddev of the underlying normal.
	Sigma float64 `yaml:"sigma"`
	// Stddev is the normal law's standard deviation.
	Stddev Duration `yaml:"stddev"`
	// Shape is the Erlang law's number of phases k.
	Shape int `yaml:"shape"`
	// Min clamps every draw from below; the uniform law's lower bound.
	Min Duration `yaml:"min"`
	// Max clamps every draw from above (0 = no clamp); the uniform law's
	// upper bound.
	Max Duration `yaml:"max"`
}

// Expected returns the mean of the distribution before clamping (for
// uniform, the midpoint of Min and Max). The offered-load figures use it.
func (d Distribution) Expected() time.Duration {
	if d.Kind == DistributionUniform {
		return (d.Min.Std() + d.Max.Std()) / 2
	}
	return d.Mean.Std()
}

// TimeDistribution is the law of a random time of day, such as a login time.
//
//	constant   Mean
//	normal     Mean, Stddev
//	uniform    From, To
//	lognormal  From (earliest time), Mean, Sigma: From + lognormal with mean Mean-From
type TimeDistribution struct {
	// Kind is the law; required when the mapping is written.
	Kind DistributionKind `yaml:"distribution"`
	// Mean is the mean time (constant, normal, lognormal).
	Mean TimeOfDay `yaml:"mean"`
	// Stddev is the normal law's standard deviation.
	Stddev Duration `yaml:"stddev"`
	// Sigma is the lognormal shape.
	Sigma float64 `yaml:"sigma"`
	// From is the uniform law's start and the lognormal law's origin.
	From TimeOfDay `yaml:"from"`
	// To is the uniform law's end.
	To TimeOfDay `yaml:"to"`
}

// Expected returns the mean time of day.
func (d TimeDistribution) Expected() time.Duration {
	if d.Kind == DistributionUniform {
		return (d.From.Std() + d.To.Std()) / 2
	}
	return d.Mean.Std()
}

// CurvePoint is one data point of a Curve: the value at a time of day.
type CurvePoint struct {
	// At is the time of day of the point.
	At TimeOfDay `yaml:"at"`
	// Value is the curve's value there, ≥ 0.
	Value float64 `yaml:"value"`
}

// Curve is a piecewise-linear function of the time of day given as data
// points: linear between points, constant before the first and after the
// last. The empty curve is 1 everywhere. Curves are multipliers: by
// convention the busy hour is 1.0 and a rate is rate × curve(t).
type Curve []CurvePoint

// Value returns the curve at the time of day t.
func (c Curve) Value(t time.Duration) float64 {
	if len(c) == 0 {
		return 1
	}
	if t <= c[0].At.Std() {
		return c[0].Value
	}
	last := len(c) - 1
	if t >= c[last].At.Std() {
		return c[last].Value
	}
	low, high := 0, last
	for high-low > 1 {
		middle := (low + high) / 2
		if c[middle].At.Std() <= t {
			low = middle
		} else {
			high = middle
		}
	}
	left, right := c[low], c[high]
	fraction := float64(t-left.At.Std()) / float64(right.At.Std()-left.At.Std())
	return left.Value + fraction*(right.Value-left.Value)
}

// Max returns the largest value of the curve on [from, to]. On a
// piecewise-linear curve it is reached at an end or at a data point.
func (c Curve) Max(from, to time.Duration) float64 {
	best := math.Max(c.Value(from), c.Value(to))
	for _, point := range c {
		if point.At.Std() > from && point.At.Std() < to {
			best = math.Max(best, point.Value)
		}
	}
	return best
}

// Integral returns the integral of the curve over [from, to] in value ×
// hours, so that rate-per-hour × Integral is an expected count.
func (c Curve) Integral(from, to time.Duration) float64 {
	if to <= from {
		return 0
	}
	// Split at the data points; each piece is linear, so the trapezoid
	// rule is exact on it.
	total := 0.0
	start := from
	for _, point := range c {
		at := point.At.Std()
		if at <= start {
			continue
		}
		if at >= to {
			break
		}
		total += (c.Value(start) + c.Value(at)) / 2 * (at - start).Hours()
		start = at
	}
	total += (c.Value(start) + c.Value(to)) / 2 * (to - start).Hours()
	return total
}
