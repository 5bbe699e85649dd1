package model

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// purpose separates the random streams of one user, so that each
// behaviour process draws from its own stream: switching notes on does not
// move the call arrivals.
type purpose uint64

const (
	purposeCalls purpose = iota + 1
	purposeCalendar
	purposeActivity
	purposeManual
	purposeNotes
	purposeForwards
	purposeAgent
	purposeGraph
	purposeRights
	purposeOptIn
	purposePersona
	purposePopular
	purposeFixedSeries
	purposeSessions // + slot: one stream per client device
)

// mix is the splitmix64 finalizer: a bijection that spreads every input
// bit over the output.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash combines the run seed with up to three values into 64 well-mixed
// bits. It is the only way seeds are derived, so a stream depends on
// exactly (seed, user, purpose) and nothing else.
func hash(seed uint64, a, b, c uint64) uint64 {
	h := mix(seed ^ 0x9e3779b97f4a7c15)
	h = mix(h ^ a)
	h = mix(h ^ (b + 0x632be59bd9b4e019))
	return mix(h ^ (c + 0x85157af5c1e5c53b))
}

// unit maps 64 bits to [0, 1).
func unit(x uint64) float64 { return float64(x>>11) * 0x1p-53 }

// stream is one independent random stream: PCG-DXSM seeded from
// hash(seed, user, purpose). It is a value type of 16 bytes; the
// generators embed it and never share it between goroutines.
type stream struct{ source rand.PCG }

func newStream(seed uint64, user int, which purpose) stream {
	var s stream
	s.source.Seed(hash(seed, uint64(user), uint64(which), 1), hash(seed, uint64(user), uint64(which), 2))
	return s
}

// uint64 returns 64 random bits.
func (s *stream) uint64() uint64 { return s.source.Uint64() }

// float returns a uniform number in [0, 1).
func (s *stream) float() float64 { return unit(s.source.Uint64()) }

// chance returns true with probability p.
func (s *stream) chance(p float64) bool { return s.float() < p }

// below returns a uniform integer in [0, n), n > 0 (Lemire's
// multiply-shift; the bias is below 2^-32 for n < 2^32).
func (s *stream) below(n int) int {
	high, _ := bits.Mul64(s.source.Uint64(), uint64(n))
	return int(high)
}

// exponential returns an exponential number with mean 1 (inversion).
func (s *stream) exponential() float64 { return -math.Log1p(-s.float()) }

// normal returns a standard normal number (Box–Muller; the second value is
// dropped to keep the number of draws per call fixed).
func (s *stream) normal() float64 {
	u := 1 - s.float() // (0, 1]
	v := s.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// gamma returns a Gamma(shape, 1) number (Marsaglia–Tsang; shapes below 1
// use the boost Gamma(shape+1)·U^(1/shape)).
func (s *stream) gamma(shape float64) float64 {
	boost := 1.0
	if shape < 1 {
		boost = math.Pow(1-s.float(), 1/shape)
		shape++
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := s.normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := 1 - s.float()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v * boost
		}
	}
}

// poisson returns a Poisson number with the given mean (Knuth's product
// method; the means here are a few per day).
func (s *stream) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 500 {
		// Normal approximation; never reached by validated scenarios.
		return max(0, int(math.Round(mean+math.Sqrt(mean)*s.normal())))
	}
	limit, product, count := math.Exp(-mean), s.float(), 0
	for product > limit {
		product *= s.float()
		count++
	}
	return count
}

// durationLaw is a scenario.Distribution prepared for sampling.
type durationLaw struct {
	kind     scenario.DistributionKind
	mean     float64 // nanoseconds
	mu       float64 // lognormal: mean of the underlying normal
	sigma    float64 // lognormal: stddev of the underlying normal
	stddev   float64 // normal, nanoseconds
	shape    int     // erlang
	min, max float64 // clamps in nanoseconds; max 0 = none
}

func newDurationLaw(d scenario.Distribution) durationLaw {
	law := durationLaw{
		kind:   d.Kind,
		mean:   float64(d.Mean),
		sigma:  d.Sigma,
		stddev: float64(d.Stddev),
		shape:  max(d.Shape, 1),
		min:    float64(d.Min),
		max:    float64(d.Max),
	}
	if d.Kind == scenario.DistributionLognormal && law.mean > 0 {
		law.mu = math.Log(law.mean) - law.sigma*law.sigma/2
	}
	return law
}

// expected returns the mean of the law before clamping.
func (l *durationLaw) expected() time.Duration {
	if l.kind == scenario.DistributionUniform {
		return time.Duration((l.min + l.max) / 2)
	}
	return time.Duration(l.mean)
}

// sample draws one span.
func (l *durationLaw) sample(s *stream) time.Duration {
	var x float64
	switch l.kind {
	case scenario.DistributionConstant:
		x = l.mean
	case scenario.DistributionExponential:
		x = l.mean * s.exponential()
	case scenario.DistributionLognormal:
		x = math.Exp(l.mu + l.sigma*s.normal())
	case scenario.DistributionErlang:
		for range l.shape {
			x += s.exponential()
		}
		x *= l.mean / float64(l.shape)
	case scenario.DistributionNormal:
		x = l.mean + l.stddev*s.normal()
	case scenario.DistributionUniform:
		x = l.min + (l.max-l.min)*s.float()
	}
	if x < l.min {
		x = l.min
	}
	if l.max > 0 && x > l.max {
		x = l.max
	}
	return time.Duration(x)
}

// timeLaw is a scenario.TimeDistribution prepared for sampling; it returns
// a time of day.
type timeLaw struct {
	kind     scenario.DistributionKind
	mean     float64 // time of day, nanoseconds
	stddev   float64
	from, to float64
	mu       float64 // lognormal offset from From
	sigma    float64
}

func newTimeLaw(d scenario.TimeDistribution) timeLaw {
	law := timeLaw{
		kind:   d.Kind,
		mean:   float64(d.Mean),
		stddev: float64(d.Stddev),
		from:   float64(d.From),
		to:     float64(d.To),
		sigma:  d.Sigma,
	}
	if d.Kind == scenario.DistributionLognormal && law.mean > law.from {
		law.mu = math.Log(law.mean-law.from) - law.sigma*law.sigma/2
	}
	return law
}

// sample draws a time of day.
func (l *timeLaw) sample(s *stream) time.Duration {
	switch l.kind {
	case scenario.DistributionNormal:
		return time.Duration(l.mean + l.stddev*s.normal())
	case scenario.DistributionUniform:
		return time.Duration(l.from + (l.to-l.from)*s.float())
	case scenario.DistributionLognormal:
		return time.Duration(l.from + math.Exp(l.mu+l.sigma*s.normal()))
	}
	return time.Duration(l.mean)
}

// weighted picks an index with probability proportional to its weight.
type weighted struct {
	cumulative []float64
}

func newWeighted(weights ...float64) weighted {
	w := weighted{cumulative: make([]float64, len(weights))}
	total := 0.0
	for i, weight := range weights {
		total += max(weight, 0)
		w.cumulative[i] = total
	}
	return w
}

// pick draws an index; it always consumes exactly one number.
func (w *weighted) pick(s *stream) int {
	if len(w.cumulative) == 0 {
		return 0
	}
	x := s.float() * w.cumulative[len(w.cumulative)-1]
	for i, bound := range w.cumulative {
		if x < bound {
			return i
		}
	}
	return len(w.cumulative) - 1
}

// probability returns the normalised weight of index i.
func (w *weighted) probability(i int) float64 {
	total := w.cumulative[len(w.cumulative)-1]
	previous := 0.0
	if i > 0 {
		previous = w.cumulative[i-1]
	}
	return (w.cumulative[i] - previous) / total
}

// jump is Lamping and Veach's jump consistent hash: it maps a key to a
// bucket in [0, buckets) such that growing the bucket count moves a key only
// to one of the new buckets. Random picks of a user go through it, so that
// adding users changes a pick only to a new user.
func jump(key uint64, buckets int) int {
	var bucket, next int64 = -1, 0
	for next < int64(buckets) {
		bucket = next
		key = key*2862933555777941757 + 1
		next = int64(float64(bucket+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(bucket)
}
