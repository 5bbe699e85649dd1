package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
)

// The benchmarks push the workload (call state changes, line states, idle
// toggles; ~1,000 events per batch) for 10,000 contacts through
//
//	BenchmarkIngestInProcess   BatchApplier.Apply: decode + engine, no network (the baseline)
//	BenchmarkIngestInProcessStdlib  the same with encoding/json as the decoder
//	BenchmarkIngestHTTP        POST /ingest/v1/events over 127.0.0.1, fasthttp client
//	BenchmarkIngestWebSocket   GET /ingest/v1/stream over 127.0.0.1, one connection per client
//
// and split the in-process cost into BenchmarkApplyDecoded (engine only),
// BenchmarkDecode (our decoder only) and BenchmarkDecodeStdlib
// (encoding/json into a reused struct: the naive decoder baseline). One op
// is one batch; events/s and allocs/event are the figures to read (allocs
// count the whole process: client, server and engine).
// Run: go test -run '^$' -bench . -benchmem ./server/ingest

const (
	benchContacts = 10_000
	benchBatches  = 50 // distinct batches, replayed in a loop
	benchPerBatch = 1_000
)

var benchWorkload = sync.OnceValue(func() *workload {
	return newWorkload(benchContacts, benchBatches, benchPerBatch)
})

// benchEngine returns a wall-clock engine holding the workload's contacts.
func benchEngine(b *testing.B) (*engine.Engine, *workload) {
	w := benchWorkload()
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	w.setup(b, e)
	return e, w
}

// meter reports events/s and allocs/event for the batches sent in a loop.
type meter struct {
	w      *workload
	start  time.Time
	allocs uint64
}

func startMeter(b *testing.B, w *workload) *meter {
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ResetTimer()
	return &meter{w: w, start: time.Now(), allocs: ms.Mallocs}
}

func (m *meter) stop(b *testing.B) {
	elapsed := time.Since(m.start)
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	events := 0
	for i := 0; i < b.N; i++ {
		events += m.w.counts[i%len(m.w.batches)]
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(ms.Mallocs-m.allocs)/float64(events), "allocs/event")
}

// runClients sends batches 0..b.N-1 from n goroutines; send returns an
// error for a batch that was not fully applied.
func runClients(b *testing.B, w *workload, n int, newSender func() (send func(i int) error, done func())) {
	senders := make([]func(int) error, n)
	for c := range senders {
		send, done := newSender()
		defer done()
		senders[c] = send
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	m := startMeter(b, w)
	for _, send := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := send(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	m.stop(b)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// expectedPrefix is the start of a batch's answer when all its events
// were applied.
func expectedPrefix(count int) []byte {
	return []byte(`"applied":` + strconv.Itoa(count) + `,"failed":0,`)
}

func BenchmarkIngestInProcess(b *testing.B) {
	for _, clients := range []int{1, 2} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e, w := benchEngine(b)
			runClients(b, w, clients, func() (func(int) error, func()) {
				a := NewBatchApplier(e, Limits{})
				return func(i int) error {
					k := i % len(w.batches)
					res, err := a.Apply(w.batches[k])
					if err != nil || res.Applied != w.counts[k] {
						return fmt.Errorf("batch %d: %v %+v", k, err, res)
					}
					return nil
				}, func() {}
			})
		})
	}
}

// BenchmarkIngestInProcessStdlib is the naive end-to-end baseline:
// encoding/json (BenchmarkDecodeStdlib's decoder) plus Apply, in-process.
func BenchmarkIngestInProcessStdlib(b *testing.B) {
	e, w := benchEngine(b)
	var std stdEvent
	var ev Event
	m := startMeter(b, w)
	for i := 0; i < b.N; i++ {
		for rest := w.batches[i%len(w.batches)]; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			std = stdEvent{}
			err := json.Unmarshal(line, &std)
			if err == nil {
				err = std.toEvent(&ev)
			}
			if err == nil {
				err = Apply(e, &ev)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	m.stop(b)
}

func BenchmarkIngestHTTP(b *testing.B) {
	for _, clients := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e, w := benchEngine(b)
			srv := newTestServer(b, Config{Engine: e})
			prefixes := make([][]byte, len(w.batches))
			for k := range prefixes {
				prefixes[k] = expectedPrefix(w.counts[k])
			}
			client := &fasthttp.HostClient{Addr: srv.addr, MaxConns: clients}
			uri := "http://" + srv.addr + "/ingest/v1/events"
			runClients(b, w, clients, func() (func(int) error, func()) {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				req.SetRequestURI(uri)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/x-ndjson")
				req.Header.Set(fasthttp.HeaderAuthorization, "Bearer "+testToken)
				return func(i int) error {
						k := i % len(w.batches)
						req.SetBodyRaw(w.batches[k])
						if err := client.Do(req, resp); err != nil {
							return err
						}
						if resp.StatusCode() != http.StatusOK || !bytes.Contains(resp.Body(), prefixes[k]) {
							return fmt.Errorf("batch %d: %d %s", k, resp.StatusCode(), resp.Body())
						}
						return nil
					}, func() {
						fasthttp.ReleaseRequest(req)
						fasthttp.ReleaseResponse(resp)
					}
			})
		})
	}
}

func BenchmarkIngestWebSocket(b *testing.B) {
	for _, clients := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e, w := benchEngine(b)
			srv := newTestServer(b, Config{Engine: e})
			runClients(b, w, clients, func() (func(int) error, func()) {
				conn := srv.dial(b)
				buf := make([]byte, 0, 4096)
				return func(i int) error {
					k := i % len(w.batches)
					if err := conn.WriteMessage(websocket.BinaryMessage, w.batches[k]); err != nil {
						return err
					}
					_, r, err := conn.NextReader()
					if err == nil {
						buf, err = readMessage(r, buf[:0])
					}
					if err != nil {
						return err
					}
					if !bytes.Contains(buf, expectedPrefix(w.counts[k])) {
						return fmt.Errorf("batch %d: ack %s", k, buf)
					}
					return nil
				}, func() { conn.Close() }
			})
		})
	}
	// One connection, up to 4 batches in flight: the client does not wait
	// for an ack before sending the next batch.
	b.Run("pipelined", func(b *testing.B) {
		e, w := benchEngine(b)
		srv := newTestServer(b, Config{Engine: e})
		conn := srv.dial(b)
		window := make(chan struct{}, 4)
		done := make(chan error, 1)
		m := startMeter(b, w)
		go func() {
			buf := make([]byte, 0, 4096)
			for i := 0; i < b.N; i++ {
				_, r, err := conn.NextReader()
				if err == nil {
					buf, err = readMessage(r, buf[:0])
				}
				if err == nil && !bytes.Contains(buf, expectedPrefix(w.counts[i%len(w.batches)])) {
					err = fmt.Errorf("ack %d: %s", i, buf)
				}
				if err != nil {
					done <- err
					return
				}
				<-window
			}
			done <- nil
		}()
		for i := 0; i < b.N; i++ {
			window <- struct{}{}
			if err := conn.WriteMessage(websocket.BinaryMessage, w.batches[i%len(w.batches)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		m.stop(b)
	})
}

// BenchmarkApplyDecoded is the engine's share: the events decoded
// beforehand, applied one engine call each.
func BenchmarkApplyDecoded(b *testing.B) {
	e, w := benchEngine(b)
	decoded := make([][]Event, len(w.batches))
	var d Decoder
	for k, batch := range w.batches {
		for rest := batch; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			var ev Event
			if err := d.Decode(line, &ev); err != nil {
				b.Fatal(err)
			}
			decoded[k] = append(decoded[k], ev)
		}
	}
	m := startMeter(b, w)
	for i := 0; i < b.N; i++ {
		evs := decoded[i%len(decoded)]
		for j := range evs {
			if err := Apply(e, &evs[j]); err != nil {
				b.Fatal(err)
			}
		}
	}
	m.stop(b)
}

// BenchmarkDecode is the decoder's share.
func BenchmarkDecode(b *testing.B) {
	w := benchWorkload()
	var d Decoder
	var ev Event
	m := startMeter(b, w)
	for i := 0; i < b.N; i++ {
		for rest := w.batches[i%len(w.batches)]; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			if err := d.Decode(line, &ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	m.stop(b)
}

// stdEvent is the naive decoder baseline: encoding/json into a reused
// struct holding the fields of the benchmark's ops, then converted to an
// Event (enum names mapped by the same tables).
type stdEvent struct {
	Op      string `json:"op"`
	Contact string `json:"contact"`
	ID      string `json:"id"`
	Client  string `json:"client"`
	Idle    bool   `json:"idle"`
	Line    *struct {
		URI     string `json:"uri"`
		Number  string `json:"number"`
		State   string `json:"state"`
		Primary bool   `json:"primary"`
	} `json:"line"`
	Call *struct {
		ConnectionID      string `json:"connectionId"`
		LineURI           string `json:"lineUri"`
		LineNumber        string `json:"lineNumber"`
		RemoteNumber      string `json:"remoteNumber"`
		TrackerID         string `json:"trackerId"`
		State             string `json:"state"`
		Features          int32  `json:"features"`
		RemoteDisplayName string `json:"remoteDisplayName"`
	} `json:"call"`
}

func (s *stdEvent) toEvent(ev *Event) error {
	name := []byte(s.Op)
	op, ok := lookupOp(name)
	if !ok {
		return ErrUnknownOp
	}
	*ev = Event{Op: op, Contact: s.Contact, ID: s.ID, Client: s.Client, Idle: s.Idle}
	if s.Line != nil {
		ev.Line = engine.Line{URI: s.Line.URI, Number: s.Line.Number, Primary: s.Line.Primary}
		ev.Line.State = engine.LineState(enumValue(lineStateNames, lineStateValues, s.Line.State))
	}
	if c := s.Call; c != nil {
		ev.Call = engine.Call{ConnectionID: c.ConnectionID, LineURI: c.LineURI, LineNumber: c.LineNumber,
			RemoteNumber: c.RemoteNumber, TrackerID: c.TrackerID, Features: c.Features,
			State: engine.CallState(enumValue(callStateNames, callStateValues, c.State))}
		if c.RemoteDisplayName != "" {
			ev.Call.Remote = &engine.ContactData{DisplayName: c.RemoteDisplayName}
		}
	}
	return nil
}

func enumValue(names []string, values []int32, name string) int32 {
	for i, n := range names {
		if n == name {
			return values[i]
		}
	}
	return -1
}

func BenchmarkDecodeStdlib(b *testing.B) {
	w := benchWorkload()
	var std stdEvent
	var ev Event
	m := startMeter(b, w)
	for i := 0; i < b.N; i++ {
		for rest := w.batches[i%len(w.batches)]; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			std = stdEvent{}
			if err := json.Unmarshal(line, &std); err != nil {
				b.Fatal(err)
			}
			if err := std.toEvent(&ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	m.stop(b)
}

// TestDecodeStdlibBaselineAgrees keeps the baseline honest: it decodes the
// benchmark workload to the same events as the Decoder.
func TestDecodeStdlibBaselineAgrees(t *testing.T) {
	w := newWorkload(50, 2, 100)
	var d Decoder
	var std stdEvent
	for _, batch := range w.batches {
		for rest := batch; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			var got, want Event
			if err := d.Decode(line, &got); err != nil {
				t.Fatal(err)
			}
			std = stdEvent{}
			if err := json.Unmarshal(line, &std); err != nil {
				t.Fatal(err)
			}
			if err := std.toEvent(&want); err != nil {
				t.Fatal(err)
			}
			if a, b := AppendEvent(nil, &got), AppendEvent(nil, &want); !bytes.Equal(a, b) {
				t.Fatalf("decoder %s\nstdlib  %s", a, b)
			}
		}
	}
}
