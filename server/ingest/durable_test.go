package ingest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/store"
)

// heldPersister is an engine.AsyncPersister whose changes become durable
// only when the test releases them: it lets a test see what the stream
// acknowledges while changes are queued but not durable. A note whose text
// starts with "fail" fails when released.
type heldPersister struct {
	mu      sync.Mutex
	changed *sync.Cond
	queued  []*heldDurable
}

type heldDurable struct {
	p        *heldPersister
	note     string
	released chan struct{}
	durable  bool // set under p.mu when released without failure
}

func newHeldPersister() *heldPersister {
	p := &heldPersister{}
	p.changed = sync.NewCond(&p.mu)
	return p
}

// Persist is the synchronous path (not used by the stream).
func (p *heldPersister) Persist(changes ...engine.Change) error {
	d, _ := p.PersistAsync(changes...)
	p.release(d.(*heldDurable))
	return d.Wait()
}

func (p *heldPersister) PersistAsync(changes ...engine.Change) (engine.Durable, error) {
	d := &heldDurable{p: p, released: make(chan struct{})}
	for _, c := range changes {
		if c.Note != nil {
			d.note = c.Note.Text
		}
	}
	p.mu.Lock()
	p.queued = append(p.queued, d)
	p.changed.Broadcast()
	p.mu.Unlock()
	return d, nil
}

func (d *heldDurable) Wait() error {
	<-d.released
	if strings.HasPrefix(d.note, "fail") {
		return errors.New("disk on fire")
	}
	return nil
}

// release makes d durable (or failed).
func (p *heldPersister) release(d *heldDurable) {
	p.mu.Lock()
	d.durable = !strings.HasPrefix(d.note, "fail")
	p.mu.Unlock()
	close(d.released)
}

// waitQueued blocks until n changes are queued and returns them.
func (p *heldPersister) waitQueued(n int) []*heldDurable {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queued) < n {
		p.changed.Wait()
	}
	return append([]*heldDurable(nil), p.queued...)
}

// durableNotes returns the notes released as durable.
func (p *heldPersister) durableNotes() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]bool{}
	for _, d := range p.queued {
		if d.durable {
			out[d.note] = true
		}
	}
	return out
}

// noteBatch is a message with a seq header and one setNote per contact
// c0..c<n-1>, note "<prefix>-<contact>"; seq 0: no header (HTTP).
func noteBatch(seq, n int, prefix string) string {
	var b strings.Builder
	if seq > 0 {
		fmt.Fprintf(&b, "{\"seq\":%d}\n", seq)
	}
	for i := range n {
		fmt.Fprintf(&b, "{\"op\":\"setNote\",\"contact\":\"c%d\",\"note\":\"%s-c%d\"}\n", i, prefix, i)
	}
	return b.String()
}

func durableTestEngine(t *testing.T, contacts int) *engine.Engine {
	t.Helper()
	e := newTestEngine(t)
	for i := range contacts {
		if err := e.PutContact(fmt.Sprintf("c%d", i), engine.ContactEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestStreamAcksOnlyDurableBatchesInOrder: three batches are applied and
// queued before any of them is durable; the test releases them newest
// first. Every ack must name a batch all of whose notes were durable when
// the ack arrived, and acks must come in message order.
func TestStreamAcksOnlyDurableBatchesInOrder(t *testing.T) {
	const perBatch = 2
	e := durableTestEngine(t, perBatch)
	p := newHeldPersister()
	e.SetPersister(p)
	srv := newTestServer(t, Config{Engine: e})
	conn := srv.dial(t)

	type arrival struct {
		a       answer
		durable map[string]bool
	}
	arrivals := make(chan arrival, 3)
	readErr := make(chan error, 1)
	go func() {
		for range 3 {
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, b, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			arrivals <- arrival{a: decodeAnswer(t, string(b)), durable: p.durableNotes()}
		}
	}()
	for seq := 1; seq <= 3; seq++ {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(noteBatch(seq, perBatch, fmt.Sprintf("b%d", seq)))); err != nil {
			t.Fatal(err)
		}
	}
	queued := p.waitQueued(3 * perBatch) // all three batches queued, none durable
	// Applied in memory without waiting for durability (a change is queued
	// just before it is applied: wait for the last apply).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if snap, _ := e.Snapshot("c1"); snap != nil && snap.Note.Text == "b3-c1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the last note was not applied while none was durable")
		}
	}
	for i := len(queued) - 1; i >= 0; i-- {
		p.release(queued[i])
	}
	for seq := 1; seq <= 3; seq++ {
		var got arrival
		select {
		case got = <-arrivals:
		case err := <-readErr:
			t.Fatal(err)
		}
		if got.a.Seq == nil || *got.a.Seq != uint64(seq) || got.a.Applied != perBatch || got.a.Failed != 0 {
			t.Fatalf("ack %d: %+v", seq, got.a)
		}
		for i := range perBatch {
			if note := fmt.Sprintf("b%d-c%d", seq, i); !got.durable[note] {
				t.Fatalf("ack of batch %d arrived before note %q was durable", seq, note)
			}
		}
	}
}

// TestStreamNotDurableIsNotAcknowledged: the second of three pipelined
// batches fails in the store. Batch 1 is acknowledged, batch 2 answered
// with an error ack, then the stream is closed (1011) and batch 3, though
// applied and durable, is never acknowledged.
func TestStreamNotDurableIsNotAcknowledged(t *testing.T) {
	e := durableTestEngine(t, 2)
	p := newHeldPersister()
	e.SetPersister(p)
	srv := newTestServer(t, Config{Engine: e})
	conn := srv.dial(t)
	for seq, prefix := range []string{"ok1", "fail2", "ok3"} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(noteBatch(seq+1, 2, prefix))); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range p.waitQueued(6) {
		p.release(d)
	}
	a := readAck(t, conn)
	if *a.Seq != 1 || a.Applied != 2 || a.Error != "" {
		t.Fatalf("ack 1: %+v", a)
	}
	a = readAck(t, conn)
	if *a.Seq != 2 || a.Applied != 0 || !strings.Contains(a.Error, "not durable") {
		t.Fatalf("answer to the failed batch: %+v", a)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := conn.ReadMessage()
	if err == nil {
		t.Fatalf("a message after the failed batch: %s", b)
	}
	if !websocket.IsCloseError(err, websocket.CloseInternalServerErr) {
		t.Fatalf("stream ended with %v, want close 1011", err)
	}
}

// TestStreamAckedNotesAreInTheStore runs a real bbolt store under a
// pipelined stream and closes the store while batches are in flight.
// Every note an ack reports as applied must be in the reopened file (the
// latest one per contact), and nothing that failed may be.
func TestStreamAckedNotesAreInTheStore(t *testing.T) {
	const (
		contacts = 50
		batches  = 40
		closeAt  = 20 // the store closes once this many acks arrived
	)
	dir := t.TempDir()
	st, err := store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e := durableTestEngine(t, contacts)
	e.SetPersister(store.EnginePersister{Store: st})
	srv := newTestServer(t, Config{Engine: e})
	conn := srv.dial(t)

	sent := make(chan error, 1)
	go func() {
		for seq := 1; seq <= batches; seq++ {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(noteBatch(seq, contacts, fmt.Sprintf("b%d", seq)))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	want := map[string]string{} // contact -> latest acknowledged note
	for seq := 1; seq <= batches; seq++ {
		a := readAck(t, conn)
		if *a.Seq != uint64(seq) || a.Error != "" {
			t.Fatalf("ack %d: %+v", seq, a)
		}
		failedLines := map[int]bool{}
		for _, x := range a.Errors {
			if !strings.Contains(x.Error, "not durable") {
				t.Fatalf("ack %d: unexpected error %+v", seq, x)
			}
			failedLines[x.Line] = true
		}
		if a.Failed != len(a.Errors) {
			t.Fatalf("ack %d lists %d of %d errors", seq, len(a.Errors), a.Failed)
		}
		for i := range contacts {
			if !failedLines[i+2] { // line 1 is the seq header
				want[fmt.Sprintf("c%d", i)] = fmt.Sprintf("b%d-c%d", seq, i)
			}
		}
		if seq == closeAt {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(store.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := map[string]string{}
	if err := st.Load(store.Loader{Note: func(id string, n store.Note) error {
		got[id] = n.Text
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if len(want) != contacts {
		t.Fatalf("only %d contacts acknowledged", len(want))
	}
	for id, text := range want {
		if got[id] != text {
			t.Errorf("%s: store has %q, last acknowledged %q", id, got[id], text)
		}
	}
}

// TestHTTPBatchWaitsForDurability: an HTTP batch answers 200 only when its
// notes are durable, and 503 when the store failed one.
func TestHTTPBatchWaitsForDurability(t *testing.T) {
	e := durableTestEngine(t, 2)
	p := newHeldPersister()
	e.SetPersister(p)
	srv := newTestServer(t, Config{Engine: e})
	type result struct {
		status  int
		body    string
		durable map[string]bool
	}
	results := make(chan result, 1)
	go func() {
		status, body, err := srv.postErr(noteBatch(0, 2, "h"), "Bearer "+testToken)
		if err != nil {
			body = err.Error()
		}
		results <- result{status, body, p.durableNotes()}
	}()
	for _, d := range p.waitQueued(2) {
		p.release(d)
	}
	r := <-results
	if r.status != 200 || !r.durable["h-c0"] || !r.durable["h-c1"] {
		t.Fatalf("answer %d %s with durable %v", r.status, r.body, r.durable)
	}
	go func() {
		status, body, err := srv.postErr(noteBatch(0, 2, "fail"), "Bearer "+testToken)
		if err != nil {
			body = err.Error()
		}
		results <- result{status, body, nil}
	}()
	for _, d := range p.waitQueued(4)[2:] {
		p.release(d)
	}
	if r := <-results; r.status != 503 || !strings.Contains(r.body, "not durable") {
		t.Fatalf("failed batch answered %d %s", r.status, r.body)
	}
}
