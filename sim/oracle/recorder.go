package oracle

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Metric is one measured distribution. Values are nanoseconds.
type Metric int

// Metrics. Their names are the tags in the .hlog and the prefixes of the
// SLO metric names ("delivery.p99").
const (
	// MetricDelivery: a change's intended time to the moment a (not slow)
	// watcher received an update reflecting it.
	MetricDelivery Metric = iota
	// MetricFanout: a change's intended time to the moment the last (not
	// slow) watcher that should see it had it.
	MetricFanout
	// MetricIngest: intended time to the engine having accepted the event
	// (in-process: the input call returned; wire: the ingest ack arrived).
	MetricIngest
	// MetricScheduleLag: how far behind its plan the generator applied or
	// sent an event (0 when on time).
	MetricScheduleLag
	// MetricSlowDelivery: delivery to slow readers (pulled late on purpose).
	MetricSlowDelivery
	// MetricServiceTime: the uncorrected delivery latency, measured from
	// when the driver applied or sent the event rather than from its
	// intended time (a diagnostic: the difference to MetricDelivery is the
	// coordinated omission the intended-time method avoids).
	MetricServiceTime
	// MetricLogin: a wire client's login at setup, from the start of its
	// connect to its first subscribe result: WebSocket handshake,
	// negotiate, login, first asnGetAndSubscribePresenceV2 (sim/wire).
	MetricLogin
	// MetricReconnect: the same for a client of the reconnect storm, from
	// its intended reconnect time (open-loop).
	MetricReconnect
	NumMetrics
)

var metricNames = [NumMetrics]string{"delivery", "fanout", "ingest", "schedule_lag", "slow_delivery", "service_time", "login", "reconnect"}

// String returns the metric's name ("delivery").
func (m Metric) String() string { return metricNames[m] }

// Histogram range: 1 µs resolution at the low end up to one hour, three
// significant digits. Values outside are clamped (a negative latency, from
// clock granularity, counts as 0; anything over an hour as an hour).
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histDigits  = 3
)

// NewHistogram returns an empty histogram of the simulator's range:
// 1 µs to 1 h at 3 significant digits.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// Counter is one oracle or event counter.
type Counter int

// Counters.
const (
	// CounterEvents: source events the generators applied or sent.
	CounterEvents Counter = iota
	// CounterChanges: changes of a contact the events and the calendar caused.
	CounterChanges
	// CounterDeliveries: updates the watchers received.
	CounterDeliveries
	// CounterStale: updates after which the watcher's view matched no
	// change of the contact (a section lost or corrupted on the way).
	CounterStale
	// CounterTorn: updates that delivered a change in part: the view
	// differs from the change only in sections the change itself made and
	// still shows the previous values there (the engine publishes a
	// snapshot before it marks the subscribers; a pull in between reads the
	// new snapshot with the old marks, the next pull brings the rest).
	CounterTorn
	// CounterOutOfOrder: updates older than what the watcher already had.
	CounterOutOfOrder
	// CounterDuplicated: updates that repeat the change the watcher
	// already had.
	CounterDuplicated
	// CounterUnexpected: updates that reflect only changes this watcher
	// was not expected to be told about.
	CounterUnexpected
	// CounterCoalesced: (watcher, change) pairs settled without a sample:
	// the watcher's view already equalled the change's before the update
	// that covered it (the engine coalesced the change away).
	CounterCoalesced
	// CounterUnattributed: updates of a version no recorded change explains.
	CounterUnattributed
	// CounterRaced: nothing counts it since the wire oracle follows the
	// server's order exactly (docs/SCENARIOS.md §10.4); it counted wire
	// views that matched no change within 50 ms of a calendar boundary. It
	// stays in the reports (always 0) so that old and new results line up.
	CounterRaced
	// CounterDropped: updates dropped or corrupted on purpose (fault injection).
	CounterDropped
	// CounterErrors: engine or transport errors.
	CounterErrors
	// CounterLoginErrors: wire logins (connect, negotiate, login or first
	// subscribe) that failed and were retried.
	CounterLoginErrors
	NumCounters
)

var counterNames = [NumCounters]string{"events", "changes", "deliveries", "stale", "torn", "out_of_order", "duplicated", "unexpected", "coalesced", "unattributed", "raced", "injected_faults", "errors", "login_errors"}

// String returns the counter's name.
func (c Counter) String() string { return counterNames[c] }

// Recorder holds the histograms and counters of one recording goroutine.
// HdrHistograms are not safe for concurrent use: the owner records under
// Mutex (once per batch, uncontended), the merger takes Mutex once per interval
// to move the counts into the run's totals.
type Recorder struct {
	Mutex    sync.Mutex // guards everything below
	hist     [NumMetrics]*hdrhistogram.Histogram
	counters [NumCounters]int64
}

// NewRecorder returns a recorder with empty histograms.
func NewRecorder() *Recorder {
	r := &Recorder{}
	for m := range r.hist {
		r.hist[m] = NewHistogram()
	}
	return r
}

// Record adds one value (ns) to metric m, clamped to the histogram's range.
// Caller holds r.Mutex.
func (r *Recorder) Record(m Metric, ns int64) {
	if ns < 0 {
		ns = 0
	}
	if ns > histHighest {
		ns = histHighest
	}
	_ = r.hist[m].RecordValue(ns)
}

// Count adds n to counter c. Caller holds r.Mutex.
func (r *Recorder) Count(c Counter, n int64) { r.counters[c] += n }

// Counter returns the recorder's own count of c (not merged). Caller
// holds r.Mutex.
func (r *Recorder) Counter(c Counter) int64 { return r.counters[c] }

// Recorders is the set of recorders of a run; each goroutine that records
// gets its own.
type Recorders struct {
	mu   sync.Mutex // guards list
	list []*Recorder
}

// Add returns a new recorder registered for merging.
func (rs *Recorders) Add() *Recorder {
	r := NewRecorder()
	rs.mu.Lock()
	rs.list = append(rs.list, r)
	rs.mu.Unlock()
	return r
}

// Drain moves every recorder's counts into dst (histograms merged, then
// reset) and adds their counters to counters.
func (rs *Recorders) Drain(dst *[NumMetrics]*hdrhistogram.Histogram, counters *[NumCounters]int64) {
	rs.mu.Lock()
	list := rs.list
	rs.mu.Unlock()
	for _, r := range list {
		r.Mutex.Lock()
		for m := range r.hist {
			if r.hist[m].TotalCount() > 0 {
				dst[m].Merge(r.hist[m])
				r.hist[m].Reset()
			}
		}
		for c := range r.counters {
			counters[c] += r.counters[c]
			r.counters[c] = 0
		}
		r.Mutex.Unlock()
	}
}
