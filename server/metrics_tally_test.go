package server

import (
	"bytes"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// observeLatencyShared is the naive baseline the writers used before
// writerTally: three shared atomic adds per delivered update.
func (m *metrics) observeLatencyShared(now time.Time, published int64) {
	if published == 0 {
		return
	}
	d := max(now.UnixNano()-published, 0)
	m.latencyCounts[latencyBucket(d)].Add(1)
	m.latencySumNs.Add(d)
	m.latencyCount.Add(1)
}

// latencySnapshot copies the latency histogram and the writer counters.
func latencySnapshot(m *metrics) (counts []int64, sum, count, encodes, deliveries int64) {
	for i := range m.latencyCounts {
		counts = append(counts, m.latencyCounts[i].Load())
	}
	return counts, m.latencySumNs.Load(), m.latencyCount.Load(), m.encodes.Load(), m.deliveries.Load()
}

// TestWriterTallyMatchesPerUpdate: rounds of random latencies (every
// bucket, +Inf, unstamped and negative ones) summed per round end in the
// same counters, and the same Prometheus text, as adding each update to
// the shared atomics.
func TestWriterTallyMatchesPerUpdate(t *testing.T) {
	var perUpdate, perRound metrics
	perUpdate.init()
	perRound.init()
	r := rand.New(rand.NewPCG(7, 8))
	now := time.Unix(1_800_000_000, 0)
	var tally writerTally
	for round := range 500 {
		n := r.IntN(40) // some rounds deliver nothing
		for range n {
			var published int64
			switch r.IntN(10) {
			case 0: // not stamped
			case 1: // from the future (clock step): counts as 0
				published = now.UnixNano() + int64(r.IntN(1e6))
			default: // 0 .. 10 s: every bucket and +Inf
				published = now.UnixNano() - int64(r.Float64()*r.Float64()*1e10)
			}
			perUpdate.observeLatencyShared(now, published)
			tally.observeLatency(now, published)
			if r.IntN(3) == 0 {
				perUpdate.encodes.Add(1)
				tally.encodes++
			}
		}
		perUpdate.deliveries.Add(int64(n))
		tally.deliveries += int64(n)
		perRound.addTally(&tally)
		if tally != (writerTally{}) {
			t.Fatalf("round %d: tally not reset: %+v", round, tally)
		}
	}
	c1, s1, n1, e1, d1 := latencySnapshot(&perUpdate)
	c2, s2, n2, e2, d2 := latencySnapshot(&perRound)
	for i := range c1 {
		if c1[i] != c2[i] {
			t.Errorf("bucket %d: %d per update, %d per round", i, c1[i], c2[i])
		}
	}
	if s1 != s2 || n1 != n2 || e1 != e2 || d1 != d2 {
		t.Errorf("sum/count/encodes/deliveries: %d %d %d %d per update, %d %d %d %d per round", s1, n1, e1, d1, s2, n2, e2, d2)
	}
	if c1[0] == 0 || c1[len(c1)-1] == 0 || n1 == 0 {
		t.Fatalf("the test did not reach the first and the +Inf bucket: %v", c1)
	}
	var text1, text2 bytes.Buffer
	writeLatencyHistogram(&text1, &perUpdate)
	writeLatencyHistogram(&text2, &perRound)
	if text1.String() != text2.String() {
		t.Errorf("histogram text differs:\n%s\n%s", text1.String(), text2.String())
	}
}

// BenchmarkDeliveryCounters: the writers' counters for rounds of 16
// updates (a typical batch under load), all goroutines sharing one
// metrics as the connection writers do. per-update-atomics is the naive
// baseline (three shared atomic adds per update for the latency histogram
// plus deliveries per round); per-round-tally sums in a writerTally and
// adds once per round. Run with -cpu 1,2 to see contention.
func BenchmarkDeliveryCounters(b *testing.B) {
	const batch = 16
	now := time.Unix(1_800_000_000, 0)
	published := make([]int64, 1024)
	r := rand.New(rand.NewPCG(9, 10))
	for i := range published {
		published[i] = now.UnixNano() - int64(r.IntN(5e6)) // 0-5 ms: the busy buckets
	}
	b.Run("naive=per-update-atomics", func(b *testing.B) {
		var m metrics
		m.init()
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1) * 97)
			for pb.Next() {
				for range batch {
					m.observeLatencyShared(now, published[i%len(published)])
					i++
				}
				m.deliveries.Add(batch)
			}
		})
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/update")
	})
	b.Run("per-round-tally", func(b *testing.B) {
		var m metrics
		m.init()
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(next.Add(1) * 97)
			var tally writerTally
			for pb.Next() {
				for range batch {
					tally.observeLatency(now, published[i%len(published)])
					i++
				}
				tally.deliveries += batch
				m.addTally(&tally)
			}
		})
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/update")
	})
}
