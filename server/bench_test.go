package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
)

// BenchmarkWebSocketFanout runs presenced's HTTP/WebSocket path on loopback
// with 5,000 logged-in WebSocket clients, each subscribed to 20 of 1,000
// contacts (100 watchers per contact on average). The generator changes
// notes at a fixed rate; every note carries its intended time, and each
// client records receipt minus intended time in an HdrHistogram (so a
// stalled generator does not hide latency). One op is one source update.
// Figures: deliveries/s, p50/p99/p99.9 latency (ms).
func BenchmarkWebSocketFanout(b *testing.B) {
	const clients, contacts, perClient = 5000, 1000, 20
	// Source updates per second offered; each reaches ~100 watchers.
	rate := 2500.0
	if v, err := strconv.ParseFloat(os.Getenv("PRESENCE_BENCH_RATE"), 64); err == nil && v > 0 {
		rate = v
	}
	// PRESENCE_BENCH_COALESCE sets Config.WriteCoalesce ("-1ns" disables
	// it) to compare windows in one session.
	var coalesce time.Duration
	if v, err := time.ParseDuration(os.Getenv("PRESENCE_BENCH_COALESCE")); err == nil {
		coalesce = v
	}
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ids := make([]string, contacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		if err := e.PutContact(ids[i], engine.ContactEntry{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.SetListRights("", engine.ScopeGlobal, "", engine.Everyone, mustLevel(engine.LevelCompany), false); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Engine: e, Authenticator: &testAuth{}, InvokeRate: 1000, KeepAliveInterval: time.Hour, Logger: quietLogger(), WriteCoalesce: coalesce})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.ServeHTTP(l)
	defer func() {
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}()

	var received atomic.Int64
	hists := make([]*hdrhistogram.Histogram, 64)
	var histMu [64]sync.Mutex
	for i := range hists {
		hists[i] = hdrhistogram.New(1, 60_000_000, 3) // microseconds
	}
	conns := make([]*websocket.Conn, clients)
	dialer := websocket.Dialer{ReadBufferSize: 4096, WriteBufferSize: 1024}
	var wg sync.WaitGroup
	r := rand.New(rand.NewPCG(1, 2))
	for i := range conns {
		user := fmt.Sprintf("sip:w%d@x", i)
		c, _, err := dialer.Dial("ws://"+l.Addr().String()+"/ws/client/websocket", nil)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns[i] = c
		list := make([]string, perClient)
		for j := range list {
			list[j] = ids[r.IntN(contacts)]
		}
		send := func(id int, op string, arg any) {
			raw, _ := json.Marshal(arg)
			msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": id, "operationName": op, "argument": json.RawMessage(raw)}})
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				b.Fatal(err)
			}
		}
		send(1, "asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8", "u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "b", "iClientCapabilities": 4})
		send(2, "asnLoginV2", map[string]any{"auth": map[string]any{"authBearer": map[string]any{"u8sJWT": "tok:" + user}}})
		send(3, "asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": list, "iEventFlagsToSubscribe": int(engine.SectionNote)})
		wg.Add(1)
		go func(c *websocket.Conn, h *hdrhistogram.Histogram, mu *sync.Mutex) {
			defer wg.Done()
			subscribed := false
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if !subscribed {
					subscribed = json.Valid(msg) && containsResult(msg, 3)
					if subscribed {
						wg.Done()
					}
					continue
				}
				// The note text is the intended time in Unix nanoseconds.
				now := time.Now().UnixNano()
				if t, ok := noteTime(msg); ok {
					mu.Lock()
					_ = h.RecordValue((now - t) / 1000)
					mu.Unlock()
					received.Add(1)
				}
			}
		}(c, hists[i%64], &histMu[i%64])
		wg.Add(1) // released when the subscribe result arrives
	}
	// Wait until every client has its subscribe result.
	subscribedAll := make(chan struct{})
	go func() {
		for {
			var st engine.Stats
			e.Stats(&st)
			if st.Subscriptions >= int64(clients*perClient*9/10) {
				close(subscribedAll)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	<-subscribedAll
	time.Sleep(200 * time.Millisecond)
	var st0 engine.Stats
	e.Stats(&st0)
	received.Store(0)
	for i := range hists {
		hists[i].Reset()
	}
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	var maxLag time.Duration
	for i := 0; i < b.N; i++ {
		intended := start.Add(time.Duration(i) * interval)
		if d := time.Until(intended); d > 0 {
			time.Sleep(d)
		} else if -d > maxLag {
			maxLag = -d
		}
		_ = e.SetNote(ids[i%contacts], strconv.FormatInt(intended.UnixNano(), 10))
	}
	// Wait for the tail: every delivery the engine marked must arrive.
	var st engine.Stats
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		e.Stats(&st)
		if received.Load() >= s.metrics.deliveries.Load()-0 && time.Since(start) > time.Duration(b.N)*interval {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	merged := hdrhistogram.New(1, 60_000_000, 3)
	for i := range hists {
		histMu[i].Lock()
		merged.Merge(hists[i])
		histMu[i].Unlock()
	}
	b.ReportMetric(rate*float64(clients*perClient)/contacts, "offered-deliveries/s")
	b.ReportMetric(float64(received.Load())/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(merged.ValueAtQuantile(50))/1000, "p50-ms")
	b.ReportMetric(float64(merged.ValueAtQuantile(99))/1000, "p99-ms")
	b.ReportMetric(float64(merged.ValueAtQuantile(99.9))/1000, "p99.9-ms")
	b.ReportMetric(float64(maxLag.Microseconds())/1000, "generator-lag-max-ms")
	b.ReportMetric(float64(s.metrics.writes.Load())/float64(max(1, s.metrics.deliveries.Load())), "writes/delivery")
	for _, c := range conns {
		c.Close()
	}
}

func mustLevel(l engine.Level) engine.Rights {
	r, _ := l.Rights()
	return r
}

func containsResult(msg []byte, id int) bool {
	var v []map[string]any
	if json.Unmarshal(msg, &v) != nil || len(v) != 1 {
		var m map[string]any
		if json.Unmarshal(msg, &m) != nil {
			return false
		}
		v = []map[string]any{m}
	}
	r, ok := v[0]["result"].(map[string]any)
	return ok && r["invokeID"] == float64(id)
}

// noteTime extracts the note text of an asnUpdatePresenceV2 event without a
// full decode (the client side must not be the bottleneck).
func noteTime(msg []byte) (int64, bool) {
	const key = `"u8sNote":"`
	for i := 0; i+len(key) < len(msg); i++ {
		if string(msg[i:i+len(key)]) == key {
			j := i + len(key)
			k := j
			for k < len(msg) && msg[k] != '"' {
				k++
			}
			t, err := strconv.ParseInt(string(msg[j:k]), 10, 64)
			return t, err == nil
		}
	}
	return 0, false
}
