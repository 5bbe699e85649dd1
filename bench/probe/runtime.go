package probe

import (
	"math"
	"runtime/metrics"
	"time"
)

// RuntimeSample is one reading of the calling process's Go runtime
// (runtime/metrics). In-process runs use it for the GC and the heap of
// the whole process: engine and simulator together.
type RuntimeSample struct {
	// At is when the sample was taken.
	At time.Time `json:"at"`
	// HeapLive is /gc/heap/live:bytes: the heap marked live by the last
	// collection.
	HeapLive uint64 `json:"heap_live_bytes"`
	// HeapObjects is /memory/classes/heap/objects:bytes: live objects plus
	// garbage not yet swept, now.
	HeapObjects uint64 `json:"heap_objects_bytes"`
	// Goroutines is /sched/goroutines:goroutines.
	Goroutines uint64 `json:"goroutines"`
	// GCCycles is /gc/cycles/total:gc-cycles.
	GCCycles uint64 `json:"gc_cycles"`
	// GCCPU and UsedCPU are /cpu/classes/gc/total and total minus idle
	// (cpu-seconds, estimates the runtime keeps; UsedCPU is not the OS
	// figure, use ProcSample for that).
	GCCPU   float64 `json:"gc_cpu_seconds"`
	UsedCPU float64 `json:"used_cpu_seconds"`
	// pauses is /sched/pauses/total/gc:seconds, cumulative.
	pauses *metrics.Float64Histogram
}

var runtimeNames = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/sched/goroutines:goroutines",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
	"/sched/pauses/total/gc:seconds",
}

// ReadRuntime samples the calling process's runtime metrics.
func ReadRuntime() RuntimeSample {
	samples := make([]metrics.Sample, len(runtimeNames))
	for i, name := range runtimeNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	s := RuntimeSample{At: time.Now()}
	u := func(i int) uint64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return samples[i].Value.Uint64()
		}
		return 0
	}
	f := func(i int) float64 {
		if samples[i].Value.Kind() == metrics.KindFloat64 {
			return samples[i].Value.Float64()
		}
		return 0
	}
	s.HeapLive, s.HeapObjects, s.Goroutines, s.GCCycles = u(0), u(1), u(2), u(3)
	s.GCCPU = f(4)
	s.UsedCPU = f(5) - f(6)
	if samples[7].Value.Kind() == metrics.KindFloat64Histogram {
		h := samples[7].Value.Float64Histogram()
		s.pauses = &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
	}
	return s
}

// RuntimeGC summarises the collections between two runtime samples. The
// pause figures are the upper bounds of the runtime's histogram buckets
// (the runtime keeps no exact pauses), so PauseTotal is an upper bound.
func RuntimeGC(before, after RuntimeSample) GCSummary {
	s := GCSummary{Source: "runtime/metrics", Cycles: int(after.GCCycles - before.GCCycles)}
	if used := after.UsedCPU - before.UsedCPU; used > 0 {
		s.CPUFraction = (after.GCCPU - before.GCCPU) / used
	}
	if before.pauses == nil || after.pauses == nil || len(before.pauses.Counts) != len(after.pauses.Counts) {
		return s
	}
	counts := make([]uint64, len(after.pauses.Counts))
	total := uint64(0)
	for i := range counts {
		counts[i] = after.pauses.Counts[i] - before.pauses.Counts[i]
		total += counts[i]
	}
	if total == 0 {
		return s
	}
	buckets := after.pauses.Buckets
	upper := func(i int) time.Duration {
		b := buckets[i+1]
		if math.IsInf(b, 1) {
			b = buckets[i]
		}
		return time.Duration(b * float64(time.Second))
	}
	rank := (total*99 + 99) / 100 // ceil(0.99 total)
	seen := uint64(0)
	for i, c := range counts {
		if c == 0 {
			continue
		}
		s.PauseTotal += time.Duration(c) * upper(i)
		s.PauseMax = upper(i)
		if seen < rank && seen+c >= rank {
			s.PauseP99 = upper(i)
		}
		seen += c
	}
	return s
}
