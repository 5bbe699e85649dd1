package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/fasthttp/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/store"
)

// BenchmarkBrokerKnee puts presenced next to a generic broker, NATS
// (nats-server embedded as a Go module), on the same workload in one run
// (issue 12): 1,000 WebSocket clients, 5,000 contacts each watched by 20
// random clients (100,000 subscriptions), one source stream changing a
// random contact's note (~120 bytes), open-loop: event k is due at
// t0 + k/rate and its latency runs from that intended time to the moment a
// client read it (the note carries the intended time). Each server runs
// in a child process (this test binary re-executed) so that its CPU time
// is its own (/proc); the clients and the source are this process.
//
//   - nats: one NATS WebSocket connection per client, one subject per
//     contact (a subscription per watched contact), the source publishes
//     on one more connection;
//   - presenced: one Presence V2 WebSocket per client
//     (asnGetAndSubscribePresenceV2 with the note flag), the source is one
//     ingest WebSocket stream of setNote with a bbolt store (durable,
//     group commit);
//   - presenced-volatile: the same without a store (a non-durable event);
//   - presenced-nosync (only when named in PRESENCE_BROKER_TARGETS): the
//     store without fsync, to tell the fsync's cost from the store's;
//   - presenced-coalesce (only when named): presenced with a write
//     coalescing window (PRESENCE_BROKER_COALESCE, default 1ms).
//
// For presenced the step also reports writes per delivery (the server's
// presenced_writes_total over presenced_deliveries_total).
//
// The offered rate steps up (deliveries/s = 20 × events/s); a step holds
// when p99 ≤ 50 ms and ≥ 95% of the expected deliveries arrived. The knee
// is the highest rate that holds; server CPU per delivery is measured at
// every step. Not in make test (minutes of both cores):
//
//	go test -c -o /tmp/bench.test ./bench && flock /tmp/presence-heavy.lock /tmp/bench.test -test.run '^$' -test.bench BrokerKnee -test.benchtime 1x -test.v
//
// PRESENCE_BROKER_RATES (comma-separated deliveries/s) and
// PRESENCE_BROKER_TARGETS (comma-separated) narrow the run.
func BenchmarkBrokerKnee(b *testing.B) {
	if testing.Short() {
		b.Skip("minutes of both cores")
	}
	rates := []int{5_000, 10_000, 20_000, 30_000, 40_000, 60_000, 80_000, 100_000, 130_000}
	if s := os.Getenv("PRESENCE_BROKER_RATES"); s != "" {
		rates = rates[:0]
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			rates = append(rates, n)
		}
	}
	targets := []string{"nats", "presenced", "presenced-volatile"}
	if s := os.Getenv("PRESENCE_BROKER_TARGETS"); s != "" {
		targets = strings.Split(s, ",")
	}
	g := newBrokerGraph()
	knees := map[string]brokerStep{}
	for _, target := range targets {
		steps := runBrokerTarget(b, target, g, rates)
		knee := brokerStep{}
		for _, s := range steps {
			b.Logf("%-18s offered %7d deliveries/s: got %7.0f/s (%.1f%%), p50 %6.2f ms, p99 %7.2f ms, max %7.1f ms, server CPU %5.2f µs/delivery (%.2f cores), clients %5.2f µs/delivery, %.2f writes/delivery",
				target, s.offered, s.achieved, 100*s.ratio, s.p50, s.p99, s.max, s.cpuPerDelivery, s.cores, s.clientCPUPerDelivery, s.writesPerDelivery)
			if s.holds() {
				knee = s
			}
		}
		knees[target] = knee
		b.Logf("%-18s knee %d deliveries/s (p99 %.2f ms, %.2f µs server CPU per delivery)", target, knee.offered, knee.p99, knee.cpuPerDelivery)
		b.ReportMetric(float64(knee.offered), target+"-knee-deliveries/s")
		b.ReportMetric(knee.cpuPerDelivery, target+"-µs-cpu/delivery")
	}
	if n, p := knees["nats"].offered, knees["presenced"].offered; n > 0 {
		b.Logf("presenced knee / NATS knee = %.2f (target ≥ 2)", float64(p)/float64(n))
	}
}

const (
	brokerClients  = 1_000
	brokerContacts = 5_000
	brokerWatchers = 20 // per contact
	brokerNote     = 120
	brokerStepTime = 3 * time.Second
	brokerP99Limit = 50.0 // ms
	brokerChildEnv = "PRESENCE_BROKER_CHILD"
)

// brokerGraph is who watches whom: watching[c] are the contacts of client c.
type brokerGraph struct {
	ids      []string
	watching [][]int
}

func newBrokerGraph() *brokerGraph {
	g := &brokerGraph{ids: make([]string, brokerContacts), watching: make([][]int, brokerClients)}
	r := rand.New(rand.NewPCG(12, 2026))
	for k := range g.ids {
		g.ids[k] = fmt.Sprintf("sip:c%d@bench", k)
		for _, c := range r.Perm(brokerClients)[:brokerWatchers] {
			g.watching[c] = append(g.watching[c], k)
		}
	}
	return g
}

// brokerStep is one offered rate's outcome.
type brokerStep struct {
	offered                  int
	achieved, ratio          float64
	p50, p99, max            float64 // ms
	cpuPerDelivery, cores    float64
	writesPerDelivery        float64 // presenced only
	clientCPUPerDelivery     float64 // this process: clients and source, µs
	expected, got, serverCPU int64
}

func (s brokerStep) holds() bool { return s.p99 <= brokerP99Limit && s.ratio >= 0.95 }

// latencies is the clients' shared recording: a few histograms under
// their own locks (clients pick one by index).
type latencies struct {
	shards [16]struct {
		mu   sync.Mutex
		hist *hdrhistogram.Histogram
	}
	count atomic.Int64
}

func newLatencies() *latencies {
	l := &latencies{}
	for i := range l.shards {
		l.shards[i].hist = hdrhistogram.New(1, int64(time.Minute), 3)
	}
	return l
}

// record takes the note's intended time (unix ns, the leading digits).
func (l *latencies) record(shard int, note []byte, now int64) {
	end := 0
	for end < len(note) && note[end] >= '0' && note[end] <= '9' {
		end++
	}
	intended, err := strconv.ParseInt(string(note[:end]), 10, 64)
	if err != nil {
		return
	}
	s := &l.shards[shard%len(l.shards)]
	s.mu.Lock()
	_ = s.hist.RecordValue(max(1, min(now-intended, int64(time.Minute))))
	s.mu.Unlock()
	l.count.Add(1)
}

// take merges and resets the shards.
func (l *latencies) take() (*hdrhistogram.Histogram, int64) {
	out := hdrhistogram.New(1, int64(time.Minute), 3)
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		out.Merge(s.hist)
		s.hist.Reset()
		s.mu.Unlock()
	}
	return out, l.count.Swap(0)
}

// noteText is the ~120-byte note of event k: its intended time first.
func noteText(intended int64) string {
	s := strconv.FormatInt(intended, 10) + " in a meeting until three, back at my desk afterwards; call my mobile for anything urgent please"
	return s[:min(len(s), brokerNote)]
}

// brokerSource sends the events of one step.
type brokerSource interface {
	// send sends events (contact index, note) as one write where it can.
	send(contacts []int, notes []string) error
	close()
}

// runBrokerTarget starts the target's server, connects the clients and
// the source, and runs every rate.
func runBrokerTarget(b *testing.B, target string, g *brokerGraph, rates []int) []brokerStep {
	child := startBrokerChild(b, target)
	defer child.stop()
	lat := newLatencies()
	var (
		closers []func()
		source  brokerSource
		err     error
	)
	switch target {
	case "nats":
		closers, err = connectNATSClients(child.addr, g, lat)
		if err == nil {
			source, err = newNATSSource(child.addr, g)
		}
	case "presenced", "presenced-volatile", "presenced-nosync", "presenced-coalesce":
		closers, err = connectPresenceClients(child.addr, g, lat)
		if err == nil {
			source, err = newIngestSource(child.addr, g)
		}
	default:
		err = fmt.Errorf("unknown target %q", target)
	}
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	if err != nil {
		b.Fatalf("%s: %v", target, err)
	}
	defer source.close()
	r := rand.New(rand.NewPCG(1, 2))
	var steps []brokerStep
	for _, rate := range rates {
		events := rate / brokerWatchers // per second
		// Warm-up: half a second at the rate, not measured.
		if err := offer(source, r, events, 500*time.Millisecond); err != nil {
			b.Fatalf("%s: %v", target, err)
		}
		time.Sleep(200 * time.Millisecond)
		lat.take()
		metricsBefore := child.metrics()
		cpuBefore := child.cpu(b)
		ownBefore := ownCPU(b)
		start := time.Now()
		if err := offer(source, r, events, brokerStepTime); err != nil {
			b.Fatalf("%s: %v", target, err)
		}
		// Let the tail arrive (counted: late deliveries are latency).
		for last, stable := lat.count.Load(), 0; stable < 5 && time.Since(start) < brokerStepTime+5*time.Second; {
			time.Sleep(50 * time.Millisecond)
			if n := lat.count.Load(); n == last {
				stable++
			} else {
				last, stable = n, 0
			}
		}
		elapsed := time.Since(start)
		cpu := child.cpu(b) - cpuBefore
		own := ownCPU(b) - ownBefore
		hist, got := lat.take()
		expected := int64(events) * int64(brokerStepTime/time.Second) * brokerWatchers
		s := brokerStep{offered: rate, expected: expected, got: got, serverCPU: int64(cpu),
			achieved: float64(got) / brokerStepTime.Seconds(), ratio: float64(got) / float64(expected),
			p50: float64(hist.ValueAtQuantile(50)) / 1e6, p99: float64(hist.ValueAtQuantile(99)) / 1e6, max: float64(hist.Max()) / 1e6,
			cores: cpu.Seconds() / elapsed.Seconds()}
		if got > 0 {
			s.cpuPerDelivery = float64(cpu.Microseconds()) / float64(got)
			s.clientCPUPerDelivery = float64(own.Microseconds()) / float64(got)
		}
		if m := child.metrics().Sub(metricsBefore); m.Value("presenced_deliveries_total") > 0 {
			s.writesPerDelivery = m.Value("presenced_writes_total") / m.Value("presenced_deliveries_total")
		}
		steps = append(steps, s)
		if s.p99 > 4*brokerP99Limit || s.ratio < 0.5 {
			break // far past the knee
		}
	}
	return steps
}

// offer sends events/s for d, open-loop: every millisecond the events due
// so far go out in one write, each stamped with its own intended time.
func offer(source brokerSource, r *rand.Rand, events int, d time.Duration) error {
	start := time.Now()
	total := int(int64(events) * int64(d) / int64(time.Second))
	interval := time.Second / time.Duration(events)
	var contacts []int
	var notes []string
	for k := 0; k < total; {
		now := time.Now()
		contacts, notes = contacts[:0], notes[:0]
		for ; k < total; k++ {
			intended := start.Add(time.Duration(k) * interval)
			if intended.After(now) {
				break
			}
			contacts = append(contacts, r.IntN(brokerContacts))
			notes = append(notes, noteText(intended.UnixNano()))
		}
		if len(contacts) > 0 {
			if err := source.send(contacts, notes); err != nil {
				return err
			}
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// --- children -------------------------------------------------------------

// brokerChild is a server in a child process.
type brokerChild struct {
	cmd       *exec.Cmd
	addr      string
	presenced bool // serves /bench/metrics
}

func startBrokerChild(b *testing.B, target string) *brokerChild {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBrokerChild$")
	cmd.Env = append(os.Environ(), brokerChildEnv+"="+target)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	_ = stdin // closed when this process exits: the child stops
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		_ = cmd.Process.Kill()
		b.Fatalf("%s child: %q %v", target, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &brokerChild{cmd: cmd, addr: strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")), presenced: strings.HasPrefix(target, "presenced")}
}

// ownCPU is this process's CPU time (the clients and the source).
func ownCPU(b *testing.B) time.Duration {
	s, err := probe.Proc{}.Read(os.Getpid())
	if err != nil {
		b.Fatal(err)
	}
	return s.CPU()
}

func (c *brokerChild) cpu(b *testing.B) time.Duration {
	s, err := probe.Proc{}.Read(c.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return s.CPU()
}

// metrics scrapes a presenced child's counters (nil for NATS).
func (c *brokerChild) metrics() probe.Metrics {
	if !c.presenced {
		return nil
	}
	resp, err := http.Get("http://" + strings.TrimPrefix(c.addr, "ws://") + "/bench/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil
	}
	m, _ := probe.ParseMetrics(data)
	return m
}

func (c *brokerChild) stop() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// TestBrokerChild is the child process of BenchmarkBrokerKnee: without
// PRESENCE_BROKER_CHILD it does nothing. It serves until its stdin closes.
func TestBrokerChild(t *testing.T) {
	target := os.Getenv(brokerChildEnv)
	if target == "" {
		t.Skip("only as BenchmarkBrokerKnee's child process")
	}
	var addr string
	switch target {
	case "nats":
		opts := &natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
			MaxPending: 64 << 20, Websocket: natsserver.WebsocketOpts{Host: "127.0.0.1", Port: -1, NoTLS: true}}
		ns, err := natsserver.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatal("nats-server not ready")
		}
		defer ns.Shutdown()
		addr = fmt.Sprintf("ws://127.0.0.1:%d", opts.Websocket.Port)
	case "presenced", "presenced-volatile", "presenced-nosync", "presenced-coalesce":
		e, err := engine.New(engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		g := newBrokerGraph()
		for _, id := range g.ids {
			if err := e.PutContact(id, engine.ContactEntry{}); err != nil {
				t.Fatal(err)
			}
		}
		company, _ := engine.LevelCompany.Rights()
		if err := e.SetListRights("", engine.ScopeGlobal, "", engine.Everyone, company, false); err != nil {
			t.Fatal(err)
		}
		if target != "presenced-volatile" {
			st, err := store.Open(store.Config{Dir: t.TempDir(), NoSync: target == "presenced-nosync"})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			e.SetPersister(store.EnginePersister{Store: st})
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		h, err := ingest.New(ingest.Config{Engine: e, Logger: quiet, Authorize: func(string) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		var coalesce time.Duration
		if target == "presenced-coalesce" {
			coalesce = time.Millisecond
			if d, err := time.ParseDuration(os.Getenv("PRESENCE_BROKER_COALESCE")); err == nil {
				coalesce = d
			}
		}
		var s *server.Server
		s, err = server.New(server.Config{Engine: e, Authenticator: tokenAuth{}, InvokeRate: 100000, InvokeBurst: 100000,
			KeepAliveInterval: time.Hour, Logger: quiet, WriteCoalesce: coalesce,
			ExtraRoutes: map[string]fasthttp.RequestHandler{
				"/ingest/v1/stream": h.ServeWebSocket,
				"/bench/metrics":    func(ctx *fasthttp.RequestCtx) { s.WriteMetrics(ctx) },
			}})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.ServeHTTP(l)
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			h.Close()
			_ = s.Shutdown(ctx)
		}()
		addr = "ws://" + l.Addr().String()
	default:
		t.Fatalf("unknown target %q", target)
	}
	fmt.Printf("ADDR %s\n", addr)
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent goes
}

// --- NATS clients -----------------------------------------------------------

func connectNATSClients(url string, g *brokerGraph, lat *latencies) ([]func(), error) {
	var closers []func()
	for c, contacts := range g.watching {
		nc, err := nats.Connect(url, nats.MaxReconnects(0), nats.SyncQueueLen(1<<16))
		if err != nil {
			return closers, err
		}
		closers = append(closers, nc.Close)
		ch := make(chan *nats.Msg, 1<<14)
		for _, k := range contacts {
			sub, err := nc.ChanSubscribe("contact."+strconv.Itoa(k), ch)
			if err != nil {
				return closers, err
			}
			_ = sub.SetPendingLimits(-1, -1)
		}
		if err := nc.Flush(); err != nil {
			return closers, err
		}
		go func() {
			for m := range ch {
				lat.record(c, m.Data, time.Now().UnixNano())
			}
		}()
	}
	return closers, nil
}

type natsSource struct{ nc *nats.Conn }

func newNATSSource(url string, _ *brokerGraph) (*natsSource, error) {
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	return &natsSource{nc: nc}, err
}

func (s *natsSource) send(contacts []int, notes []string) error {
	for i, k := range contacts {
		if err := s.nc.Publish("contact."+strconv.Itoa(k), []byte(notes[i])); err != nil {
			return err
		}
	}
	return nil // the client's flusher writes what queued, like one write per tick
}

func (s *natsSource) close() { s.nc.Close() }

// --- presenced clients ------------------------------------------------------

func connectPresenceClients(url string, g *brokerGraph, lat *latencies) ([]func(), error) {
	var closers []func()
	dialer := websocket.Dialer{ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}
	for c, contacts := range g.watching {
		conn, _, err := dialer.Dial(url+"/ws/client/websocket", http.Header{})
		if err != nil {
			return closers, err
		}
		closers = append(closers, func() { conn.Close() })
		ids := make([]string, len(contacts))
		for i, k := range contacts {
			ids[i] = g.ids[k]
		}
		for i, call := range []struct {
			op  string
			arg any
		}{
			{"asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
				"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "bench", "iClientCapabilities": 4}},
			{"asnLoginV2", map[string]any{"auth": map[string]any{"authBearer": map[string]any{"u8sJWT": fmt.Sprintf("sip:reader%d@bench", c)}}}},
			{"asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": ids, "iEventFlagsToSubscribe": int(engine.SectionNote)}},
		} {
			raw, _ := json.Marshal(call.arg)
			msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": i + 1, "operationName": call.op, "argument": json.RawMessage(raw)}})
			if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				return closers, err
			}
			for {
				_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				_, answer, err := conn.ReadMessage()
				if err != nil {
					return closers, fmt.Errorf("client %d %s: %w", c, call.op, err)
				}
				if strings.Contains(string(answer), `"invokeID":`+strconv.Itoa(i+1)) {
					if !strings.Contains(string(answer), `"result"`) {
						return closers, fmt.Errorf("client %d %s: %s", c, call.op, answer)
					}
					break
				}
			}
		}
		_ = conn.SetReadDeadline(time.Time{})
		go func() {
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					return
				}
				if note, ok := field(msg, `"u8sNote":"`); ok {
					lat.record(c, note, time.Now().UnixNano())
				}
			}
		}()
	}
	return closers, nil
}

// ingestSource is one ingest WebSocket stream; acks are read and dropped
// (the stream pipelines; an error ack fails the run).
type ingestSource struct {
	conn *websocket.Conn
	ids  []string
	buf  []byte
	err  atomic.Pointer[error]
}

func newIngestSource(url string, g *brokerGraph) (*ingestSource, error) {
	conn, _, err := websocket.DefaultDialer.Dial(url+"/ingest/v1/stream", http.Header{"Authorization": {"Bearer x"}})
	if err != nil {
		return nil, err
	}
	s := &ingestSource{conn: conn, ids: g.ids}
	go func() {
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if strings.Contains(string(msg), `"error"`) || !strings.Contains(string(msg), `"failed":0`) {
				err := fmt.Errorf("ingest ack: %s", msg)
				s.err.CompareAndSwap(nil, &err)
			}
		}
	}()
	return s, nil
}

func (s *ingestSource) send(contacts []int, notes []string) error {
	if err := s.err.Load(); err != nil {
		return *err
	}
	s.buf = s.buf[:0]
	for i, k := range contacts {
		ev := ingest.Event{Op: ingest.OpSetNote, Contact: s.ids[k], Note: notes[i]}
		s.buf = ingest.AppendEvent(s.buf, &ev)
	}
	return s.conn.WriteMessage(websocket.TextMessage, s.buf)
}

func (s *ingestSource) close() { s.conn.Close() }
