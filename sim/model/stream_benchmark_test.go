package model

import (
	"slices"
	"testing"
)

// BenchmarkStream measures the merged generator per event: one op is one
// event of the day, so allocs/op is the allocation per event (the
// per-user buffers are reused; the target is 0). Reported: events/s.
func BenchmarkStream(b *testing.B) {
	for _, name := range []string{"office-1k", "enterprise-20k", "callcenter"} {
		b.Run(name, func(b *testing.B) {
			p := shipped(b, name)
			stream := NewStream(p)
			var event Event
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !stream.Next(&event) {
					b.StopTimer()
					stream = NewStream(p)
					b.StartTimer()
					stream.Next(&event)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkStreamDay generates one whole office-1k day per op, setting up
// the 1,000 user generators included: the figure to compare with the
// materialising baseline below.
func BenchmarkStreamDay(b *testing.B) {
	p := shipped(b, "office-1k")
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		stream := NewStream(p)
		var event Event
		for stream.Next(&event) {
			total++
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMaterializedDayBaseline is the naive way: run every user to the
// end, keep the whole day in memory, sort it. Same events, but memory
// grows with users × day (compare B/op with BenchmarkStreamDay).
func BenchmarkMaterializedDayBaseline(b *testing.B) {
	p := shipped(b, "office-1k")
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		var all []Event
		for user := 0; user < p.Size(); user++ {
			stream, _ := NewStreamRange(p, user, user+1)
			var event Event
			for stream.Next(&event) {
				all = append(all, event)
			}
		}
		slices.SortStableFunc(all, func(x, y Event) int {
			if x.At < y.At {
				return -1
			}
			if x.At > y.At {
				return 1
			}
			return 0
		})
		total += len(all)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
}
