package server

import "time"

// writerTally is one connection writer's share of the delivery counters for
// one round (one pull of the watchers, one or a few writes). The writer
// counts into it with plain arithmetic and adds it to the server's shared
// atomics once per round (metrics.addTally). Per update that replaces four
// atomic adds on cache lines that every writer of the server writes (the
// histogram bucket, its sum and count, encodes) by ordinary increments; a
// round of n updates costs at most len(latencyBuckets)+5 atomic adds,
// typically 5 (BenchmarkDeliveryCounters has the figures). Owned by the
// writer goroutine; not safe for concurrent use.
type writerTally struct {
	latencyCounts [len(latencyBuckets) + 1]int64 // one per bucket plus +Inf
	latencySumNs  int64
	latencyCount  int64
	encodes       int64 // presence events encoded (not taken from the encode cache)
	deliveries    int64 // presence events written
}

// observeLatency records now - published for one delivered update;
// published zero (not stamped) records nothing.
func (t *writerTally) observeLatency(now time.Time, published int64) {
	if published == 0 {
		return
	}
	d := max(now.UnixNano()-published, 0)
	t.latencyCounts[latencyBucket(d)]++
	t.latencySumNs += d
	t.latencyCount++
}

// addTally adds t to the shared counters and resets t for the next round.
func (m *metrics) addTally(t *writerTally) {
	if t.latencyCount != 0 {
		for i, n := range t.latencyCounts {
			if n != 0 {
				m.latencyCounts[i].Add(n)
			}
		}
		m.latencySumNs.Add(t.latencySumNs)
		m.latencyCount.Add(t.latencyCount)
	}
	if t.encodes != 0 {
		m.encodes.Add(t.encodes)
	}
	if t.deliveries != 0 {
		m.deliveries.Add(t.deliveries)
	}
	*t = writerTally{}
}
