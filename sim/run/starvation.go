package run

import (
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// starvation measures whether the simulator's own process was starved of
// CPU during the day (docs/SCENARIOS.md §10.3): a latency that the
// simulator's threads spent waiting for a core is in every intended-time
// metric, and on a shared machine (CPU hogs, other runs) it is not the
// server's.
type starvation struct {
	sched    *metrics.Float64Histogram // /sched/latencies:seconds at the start
	runDelay time.Duration             // the threads' run-queue wait at the start
}

const schedLatencies = "/sched/latencies:seconds"

func startStarvation() starvation {
	return starvation{sched: readSchedLatencies(), runDelay: threadsRunDelay()}
}

// readSchedLatencies returns the Go runtime's histogram of the time
// goroutines spent runnable before they ran (nil if unsupported).
func readSchedLatencies() *metrics.Float64Histogram {
	sample := []metrics.Sample{{Name: schedLatencies}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	h := sample[0].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
}

// threadsRunDelay sums the run-queue wait of the process's threads
// (/proc/self/task/*/schedstat, second field, ns): the time they were
// runnable and waited for a core. Threads that ended are not counted
// (the Go runtime keeps its threads).
func threadsRunDelay() time.Duration {
	files, _ := filepath.Glob("/proc/self/task/*/schedstat")
	var total int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(data))
		if len(fields) < 2 {
			continue
		}
		if n, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
			total += n
		}
	}
	return time.Duration(total)
}

// finish returns the p99 of goroutine scheduling latency since the start
// (seconds, 0 if unknown) and the run-queue wait per wall second.
func (s starvation) finish(wall float64) (schedP99, runQueue float64) {
	if wall > 0 {
		runQueue = (threadsRunDelay() - s.runDelay).Seconds() / wall
	}
	now := readSchedLatencies()
	if s.sched == nil || now == nil || len(now.Counts) != len(s.sched.Counts) {
		return 0, runQueue
	}
	var total uint64
	diff := make([]uint64, len(now.Counts))
	for i := range diff {
		diff[i] = now.Counts[i] - s.sched.Counts[i]
		total += diff[i]
	}
	if total == 0 {
		return 0, runQueue
	}
	rank := uint64(float64(total) * 0.99)
	var seen uint64
	for i, n := range diff {
		seen += n
		if seen > rank {
			return now.Buckets[i+1], runQueue // the bucket's upper bound
		}
	}
	return 0, runQueue
}
