package server

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/ucpresence/presence/engine"
)

// latencyBuckets are the upper bounds (seconds) of the apply-to-write
// latency histogram: from the engine publishing a contact version to the
// writer encoding it for a connection.
var latencyBuckets = [...]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// metrics are the server's counters. All fields are atomics: writers and
// readers of many connections update them concurrently. The per-update
// counters of the writers (latency histogram, encodes, deliveries) are
// summed in a writerTally per round and added here once per round
// (metrics_tally.go).
type metrics struct {
	connections        atomic.Int64
	connectionsTotal   atomic.Int64
	logins             atomic.Int64
	loginFailures      atomic.Int64
	messagesIn         atomic.Int64
	bytesIn            atomic.Int64
	bytesOut           atomic.Int64
	writes             atomic.Int64
	deliveries         atomic.Int64
	encodes            atomic.Int64 // presence events encoded (not taken from the encode cache)
	rejects            atomic.Int64
	errors             atomic.Int64
	slowConsumerCloses atomic.Int64
	idleCloses         atomic.Int64
	subscribeCalls     atomic.Int64
	corsPreflights     atomic.Int64 // OPTIONS on /ws/client/ (never logins)
	sessionsDestroyed  atomic.Int64 // UCWeb sessions ended by destroysession

	latencyCounts []atomic.Int64 // one per bucket plus +Inf
	latencySumNs  atomic.Int64
	latencyCount  atomic.Int64
}

func (m *metrics) init() {
	m.latencyCounts = make([]atomic.Int64, len(latencyBuckets)+1)
}

// latencyBucket returns the histogram bucket of a latency of d
// nanoseconds: the first bound it does not exceed, or len(latencyBuckets)
// for +Inf.
func latencyBucket(d int64) int {
	sec := float64(d) / 1e9
	i := 0
	for i < len(latencyBuckets) && sec > latencyBuckets[i] {
		i++
	}
	return i
}

// WriteMetrics writes the server's and the engine's counters in the
// Prometheus text exposition format.
func (s *Server) WriteMetrics(w io.Writer) {
	m := &s.metrics
	var st engine.Stats
	s.cfg.Engine.Stats(&st)
	counter := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("presenced_connections", "Client connections open now.", m.connections.Load())
	counter("presenced_connections_total", "Client connections accepted.", m.connectionsTotal.Load())
	counter("presenced_logins_total", "Successful logins and UCWeb sessions.", m.logins.Load())
	counter("presenced_login_failures_total", "Failed logins.", m.loginFailures.Load())
	counter("presenced_cors_preflights_total", "CORS preflights (OPTIONS) on the UCWeb routes.", m.corsPreflights.Load())
	counter("presenced_sessions_destroyed_total", "UCWeb sessions ended by destroysession.", m.sessionsDestroyed.Load())
	counter("presenced_messages_in_total", "ROSE messages received.", m.messagesIn.Load())
	counter("presenced_bytes_in_total", "Bytes of ROSE messages received.", m.bytesIn.Load())
	counter("presenced_bytes_out_total", "Bytes written to clients.", m.bytesOut.Load())
	counter("presenced_writes_total", "Write system calls to clients.", m.writes.Load())
	counter("presenced_deliveries_total", "Presence events written to clients.", m.deliveries.Load())
	counter("presenced_encodes_total", "Presence update events encoded; the rest of the deliveries reused bytes from the encode cache.", m.encodes.Load())
	counter("presenced_encode_cache_hits_total", "Presence events taken from the shared encode cache.", s.encoded.hits.Load())
	counter("presenced_encode_cache_misses_total", "Cacheable presence events not in the encode cache (encoded, then cached).", s.encoded.misses.Load())
	counter("presenced_rejects_total", "ROSE rejects sent.", m.rejects.Load())
	counter("presenced_errors_total", "ROSE errors sent.", m.errors.Load())
	counter("presenced_slow_consumer_closes_total", "Connections closed as slow consumers.", m.slowConsumerCloses.Load())
	counter("presenced_idle_closes_total", "Connections closed after IdleTimeout without a message from the client.", m.idleCloses.Load())
	counter("presenced_subscribe_calls_total", "Subscribe invokes handled.", m.subscribeCalls.Load())
	gauge("presenced_engine_contacts", "Contacts in the engine.", st.Contacts)
	gauge("presenced_engine_watchers", "Engine watchers (two per logged-in connection).", st.Watchers)
	gauge("presenced_engine_subscriptions", "Engine subscriptions.", st.Subscriptions)
	counter("presenced_engine_updates_total", "Source updates that changed a contact.", st.Updates)
	counter("presenced_engine_marks_total", "Subscriptions marked by fan-out, before coalescing.", st.Marks)
	counter("presenced_engine_deliveries_total", "Updates pulled by watchers, after coalescing.", st.Deliveries)
	counter("presenced_engine_removals_total", "Contacts removed.", st.Removals)
	gauge("presenced_engine_scheduled", "Contacts waiting for a calendar or absent-state boundary.", st.Scheduled)
	writeLatencyHistogram(w, m)
	s.writeLimitMetrics(w)
	for _, x := range s.extraMetrics {
		x(w)
	}
}

// writeLatencyHistogram writes presenced_apply_to_write_seconds.
func writeLatencyHistogram(w io.Writer, m *metrics) {
	name := "presenced_apply_to_write_seconds"
	fmt.Fprintf(w, "# HELP %s From the engine publishing a contact version to the writer encoding it.\n# TYPE %s histogram\n", name, name)
	cum := int64(0)
	for i, b := range latencyBuckets {
		cum += m.latencyCounts[i].Load()
		fmt.Fprintf(w, "%s_bucket{le=\"%g\"} %d\n", name, b, cum)
	}
	cum += m.latencyCounts[len(latencyBuckets)].Load()
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, cum, name, float64(m.latencySumNs.Load())/1e9, name, m.latencyCount.Load())
}
