package ingest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// ack sends one message and reads its ack.
func ack(t *testing.T, conn *websocket.Conn, msg string) answer {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	return readAck(t, conn)
}

func readAck(t *testing.T, conn *websocket.Conn) answer {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	a := decodeAnswer(t, string(b))
	if a.Seq == nil {
		t.Fatalf("ack without seq: %s", b)
	}
	return a
}

// waitFor polls cond for up to two seconds (the server side of a closed
// connection finishes asynchronously).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestWebSocketEveryOp(t *testing.T) {
	srv := newTestServer(t, Config{})
	conn := srv.dial(t)
	a := ack(t, conn, `{"seq":7}`+"\n"+everyOpSet)
	if *a.Seq != 7 || a.Applied != 13 || a.Failed != 0 {
		t.Fatalf("set ack %+v", a)
	}
	checkSet(t, srv.engine)
	// Without a header the seq counts on from the previous one.
	a = ack(t, conn, everyOpClear)
	if *a.Seq != 8 || a.Applied != 9 || a.Failed != 0 {
		t.Fatalf("clear ack %+v", a)
	}
	checkCleared(t, srv.engine)
	// Line numbers count the header line.
	a = ack(t, conn, `{"seq":100}`+"\n"+exampleLines[OpSetNote]+"\n"+`{"op":"setNote","contact":"eve","id":"x","note":"n"}`)
	if *a.Seq != 100 || a.Applied != 1 || len(a.Errors) != 1 || a.Errors[0].Line != 3 || a.Errors[0].ID != "x" {
		t.Fatalf("error ack %+v", a)
	}
	a = ack(t, conn, exampleLines[OpRemoveContact])
	if *a.Seq != 101 || a.Applied != 1 {
		t.Fatalf("remove ack %+v", a)
	}
	if _, ok := srv.engine.Snapshot("bob"); ok {
		t.Error("bob still in the engine")
	}
}

// TestWebSocketPipelinedSameAsInProcess: batches sent back to back without
// waiting are acked in order and leave the engine exactly as applying them
// in-process does.
func TestWebSocketPipelinedSameAsInProcess(t *testing.T) {
	w := newWorkload(200, 30, 100)
	for i := range w.batches {
		w.batches[i] = fmt.Appendf(w.batches[i], `{"op":"setNote","contact":"%s","note":"batch %d"}`+"\n", w.contacts[0], i)
		w.counts[i]++
	}
	srv := newTestServer(t, Config{})
	w.setup(t, srv.engine)
	conn := srv.dial(t)
	go func() {
		for _, b := range w.batches {
			if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		}
	}()
	for i := range w.batches {
		a := readAck(t, conn)
		if *a.Seq != uint64(i+1) || a.Applied != w.counts[i] || a.Failed != 0 {
			t.Fatalf("ack %d: %+v, want seq %d applied %d", i, a, i+1, w.counts[i])
		}
	}
	reference := newTestEngine(t)
	w.setup(t, reference)
	applier := NewBatchApplier(reference, Limits{})
	for _, b := range w.batches {
		if res, err := applier.Apply(b); err != nil || res.Failed != 0 {
			t.Fatal(err, res)
		}
	}
	for _, id := range w.contacts {
		if got, want := snapshotState(srv.engine, id), snapshotState(reference, id); got != want {
			t.Fatalf("%s: over WebSocket %+v, in-process %+v", id, got, want)
		}
	}
	if s, _ := srv.engine.Snapshot(w.contacts[0]); s.Note.Text != fmt.Sprintf("batch %d", len(w.batches)-1) {
		t.Errorf("note %q: batches applied out of order", s.Note.Text)
	}
}

func TestWebSocketLimits(t *testing.T) {
	srv := newTestServer(t, Config{MaxBatchBytes: 16 << 10, MaxEvents: 5, MaxLineBytes: 512})
	bystander := srv.dial(t)
	conn := srv.dial(t)
	a := ack(t, conn, `{"seq":1}`+"\n"+strings.Repeat(exampleLines[OpPutContact]+"\n", 6))
	if *a.Seq != 1 || a.Applied != 0 || a.Line != 7 || !strings.Contains(a.Error, "too many events") {
		t.Fatalf("too many events: %+v", a)
	}
	a = ack(t, conn, exampleLines[OpPutContact]+"\n"+`{"op":"setNote","contact":"bob","note":"`+strings.Repeat("x", 600)+`"}`)
	if *a.Seq != 2 || a.Line != 2 || !strings.Contains(a.Error, "line too long") {
		t.Fatalf("line too long: %+v", a)
	}
	if _, ok := srv.engine.Snapshot("bob"); ok {
		t.Fatal("an event of a refused batch was applied")
	}
	// The connection is still usable after a refusal.
	if a = ack(t, conn, exampleLines[OpPutContact]); a.Applied != 1 {
		t.Fatalf("after refusals: %+v", a)
	}
	// A message over MaxBatchBytes closes the connection with 1009.
	conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat(" ", 17<<10)))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("oversize message: %v, want close 1009", err)
	}
	if a = ack(t, bystander, exampleLines[OpSetNote]); a.Applied != 1 {
		t.Fatalf("bystander: %+v", a)
	}
	// The library sends the 1009 close before it returns ErrReadLimit to the
	// handler, so the counter may trail the close frame by a moment.
	var st Stats
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		srv.handler.Stats(&st)
		if st.BatchesRefused == 3 || time.Now().After(deadline) {
			break
		}
	}
	if st.BatchesRefused != 3 {
		t.Errorf("refused = %d, want 3", st.BatchesRefused)
	}
}

// TestWebSocketGarbageAndDisconnects: clients that send garbage text, break
// the framing, or vanish in the middle of a message do not disturb the
// server or other clients, and nothing of an unfinished message is applied.
func TestWebSocketGarbageAndDisconnects(t *testing.T) {
	srv := newTestServer(t, Config{})
	bystander := srv.dial(t)
	if a := ack(t, bystander, exampleLines[OpPutContact]); a.Applied != 1 {
		t.Fatalf("bystander: %+v", a)
	}

	// Garbage text: each line is a failed event, the ack still comes.
	garbage := srv.dial(t)
	a := ack(t, garbage, "\x00\x01\x02\n{{{{\n[1,2]\n\xff\xfe\n"+exampleLines[OpSetNote])
	if a.Applied != 1 || a.Failed != 4 {
		t.Fatalf("garbage: %+v", a)
	}

	// A fragmented message whose sender vanishes after the first fragment.
	partial := srv.dial(t)
	wr, err := partial.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(wr, `{"op":"putContact","contact":"partial"}`+"\n")
	for i := 0; i < 200; i++ { // > the 4 KiB write buffer: a non-final frame leaves
		fmt.Fprintf(wr, `{"op":"setNote","contact":"partial","note":"%d"}`+"\n", i)
	}
	partial.NetConn().Close()

	// A raw client that upgrades, then announces a 1000-byte frame and
	// sends 10 bytes before closing.
	raw, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(raw, "GET /ingest/v1/stream HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer %s\r\n\r\n", srv.addr, testToken)
	resp, err := http.ReadResponse(bufio.NewReader(raw), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("raw upgrade: %v %v", err, resp)
	}
	raw.Write([]byte{0x81, 0xFE, 0x03, 0xE8, 1, 2, 3, 4, '{', '"', 'o', 'p', '"', ':'}) // masked text, length 1000
	raw.Close()

	// A raw client that sends an invalid frame (reserved opcode).
	raw2, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw2.Close()
	fmt.Fprintf(raw2, "GET /ingest/v1/stream HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer %s\r\n\r\n", srv.addr, testToken)
	if resp, err := http.ReadResponse(bufio.NewReader(raw2), nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("raw2 upgrade: %v", err)
	}
	raw2.Write([]byte{0x83, 0x80, 0, 0, 0, 0})

	// The server drops all three; the bystander and the garbage sender stay.
	waitFor(t, "the broken connections to close", func() bool {
		var st Stats
		srv.handler.Stats(&st)
		return st.WebSocketConnections == 2 && st.WebSocketTotal == 5
	})
	if _, ok := srv.engine.Snapshot("partial"); ok {
		t.Error("an event of an unfinished message was applied")
	}
	if a := ack(t, bystander, exampleLines[OpClearNote]); a.Applied != 1 || a.Failed != 0 {
		t.Fatalf("bystander after: %+v", a)
	}
	if a := ack(t, garbage, exampleLines[OpSetNote]); a.Applied != 1 {
		t.Fatalf("garbage sender after: %+v", a)
	}
	if status, _ := srv.post(t, lines(exampleLines[OpClearNote])); status != http.StatusOK {
		t.Errorf("HTTP after: %d", status)
	}
}

func TestWebSocketRefusedBeforeUpgrade(t *testing.T) {
	srv := newTestServer(t, Config{})
	for _, header := range []http.Header{nil, {"Authorization": {"Bearer nope"}}} {
		conn, resp, err := websocket.DefaultDialer.Dial("ws://"+srv.addr+"/ingest/v1/stream", header)
		if err == nil {
			conn.Close()
			t.Fatalf("%v: upgraded", header)
		}
		if resp == nil || resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Upgrade") != "" {
			t.Fatalf("%v: %v %+v", header, err, resp)
		}
	}
	var st Stats
	srv.handler.Stats(&st)
	if st.WebSocketTotal != 0 || st.Unauthorized != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestWebSocketClose(t *testing.T) {
	srv := newTestServer(t, Config{})
	conn := srv.dial(t)
	// The client's handshake can finish before the server registers the
	// connection; Close only says goodbye to registered ones.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		var st Stats
		srv.handler.Stats(&st)
		if st.WebSocketConnections == 1 {
			break
		}
	}
	srv.handler.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after Close: %v, want 1001", err)
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+srv.addr+"/ingest/v1/stream", http.Header{"Authorization": {"Bearer " + testToken}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: %v %+v", err, resp)
	}
	waitFor(t, "connections to close", func() bool {
		var st Stats
		srv.handler.Stats(&st)
		return st.WebSocketConnections == 0
	})
}
