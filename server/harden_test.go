package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// lockedBuffer collects log output from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// panicAuth panics while checking the password of user "boom": a bug in
// the handling of one client's invoke (asnLoginV2).
type panicAuth struct{ testAuth }

func (a *panicAuth) Basic(login, password string) (*directory.User, error) {
	if login == "boom" {
		panic("injected: authenticator bug")
	}
	return a.testAuth.Basic(login, password)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expectClosed reads from a raw socket until it ends; it fails if the
// server sends a message or keeps the socket open for 5 s.
func expectClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadAll(nc)
	if isTimeout(err) {
		t.Fatal("the server kept the connection open")
	}
}

func TestPanicInInvokeClosesOnlyThatConnection(t *testing.T) {
	logs := &lockedBuffer{}
	ts := startServer(t, func(c *Config) {
		c.Authenticator = &panicAuth{}
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	alive := ts.dialTCP(t)
	alive.login("alice")
	victim := ts.dialTCP(t)
	id := victim.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "test", "iClientCapabilities": 4})
	resultValue(t, victim.result(id))
	victim.invoke("asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": basic("boom")}}})
	expectClosed(t, victim.tcp)
	if n := ts.s.limits.panics.Load(); n != 1 {
		t.Fatalf("panics = %d, want 1", n)
	}
	var metrics bytes.Buffer
	ts.s.WriteMetrics(&metrics)
	if !strings.Contains(metrics.String(), "presenced_panics_total 1\n") {
		t.Fatal("presenced_panics_total is not 1 in /metrics")
	}
	waitFor(t, "the closing log line", func() bool {
		return strings.Contains(logs.String(), "internal error: panic in the connection's reader: injected: authenticator bug")
	})
	// The other client and new ones are served.
	if m := alive.result(alive.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"})); m["result"] == nil {
		t.Fatalf("other client after the panic: %v", m)
	}
	again := ts.dialWS(t, "")
	again.login("bob")
	waitFor(t, "the victim's release", func() bool { return ts.s.metrics.connections.Load() == 2 })
}

// panicTransport is a TCP transport whose writes panic: a bug in the
// connection's writer goroutine.
type panicTransport struct{ *tcpTransport }

func (p *panicTransport) write([]byte, time.Time) error { panic("injected: writer bug") }

func TestPanicInWriterClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := ts.s.newConn(&panicTransport{newTCPTransport(nc, 1<<20)}, false)
	if !ts.s.register(c) {
		t.Fatal("not registered")
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		defer ts.s.unregister(c)
		c.serve()
	}()
	frame, _ := protocol.AppendFrame(nil, []byte(`{"invoke":{"invokeID":1,"operationName":"asnNegotiateServerConnectionV2","argument":{"u8sMinSupportedInterfaceVersion":"8","u8sMaxSupportedInterfaceVersion":"8","u8sClientDeviceId":"d","u8sClientVersion":"1","eClientAppID":1,"u8sClientDeviceName":"t","iClientCapabilities":4}}}`))
	if _, err := client.Write(frame); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, client)
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end after its writer panicked")
	}
	if n := ts.s.limits.panics.Load(); n != 1 {
		t.Fatalf("panics = %d, want 1", n)
	}
	other := ts.dialTCP(t)
	other.login("alice")
}

// failingListener returns EMFILE from its first accepts, as a process out
// of file descriptors does.
type failingListener struct {
	net.Listener
	failures atomic.Int32
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

func TestAcceptErrorsAreRetried(t *testing.T) {
	ts := startServer(t, nil)
	for _, kind := range []string{"tcp", "http"} {
		inner, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := &failingListener{Listener: inner}
		l.failures.Store(4)
		ended := make(chan error, 1)
		before := ts.s.limits.acceptErrors.Load()
		if kind == "tcp" {
			go func() { ended <- ts.s.ServeTCP(l) }()
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			cl := &client{t: t, tcp: c, r: bufio.NewReader(c)}
			defer c.Close()
			cl.login("alice")
		} else {
			go func() { ended <- ts.s.ServeHTTP(l) }()
			resp, err := http.Get("http://" + inner.Addr().String() + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("healthz after EMFILE: %d", resp.StatusCode)
			}
		}
		select {
		case err := <-ended:
			t.Fatalf("%s listener ended: %v", kind, err)
		default:
		}
		if n := ts.s.limits.acceptErrors.Load() - before; n != 4 {
			t.Fatalf("%s: accept errors counted %d, want 4", kind, n)
		}
	}
}

func TestConnectionCapsAndLoginTimeout(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.MaxConnections = 3
		c.MaxUnauthenticated = 2
		c.LoginTimeout = time.Hour
	})
	dial := func() net.Conn {
		nc, err := net.Dial("tcp", ts.tcpAddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc
	}
	a := &client{t: t, tcp: dial()}
	a.r = bufio.NewReader(a.tcp)
	dial()
	waitFor(t, "two unauthenticated", func() bool { return ts.s.limits.unauthenticated.Load() == 2 })
	expectClosed(t, dial()) // a third unauthenticated one
	if n := ts.s.limits.refusedUnauth.Load(); n != 1 {
		t.Fatalf("refused unauthenticated = %d, want 1", n)
	}
	a.login("alice") // frees an unauthenticated place
	waitFor(t, "one unauthenticated", func() bool { return ts.s.limits.unauthenticated.Load() == 1 })
	dial()
	waitFor(t, "three open", func() bool { return ts.s.limits.open.Load() == 3 })
	expectClosed(t, dial()) // over MaxConnections
	if n := ts.s.limits.refusedFull.Load(); n != 1 {
		t.Fatalf("refused over MaxConnections = %d, want 1", n)
	}
	// The logged-in client is served all along.
	if m := a.result(a.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"})); m["result"] == nil {
		t.Fatalf("logged-in client: %v", m)
	}

	// Login deadline: a socket that never logs in is closed, one that logs
	// in stays.
	ts2 := startServer(t, func(c *Config) { c.LoginTimeout = 300 * time.Millisecond })
	ws := ts2.dialWS(t, "")
	waitFor(t, "the WebSocket counted as unauthenticated", func() bool { return ts2.s.limits.unauthenticated.Load() == 1 })
	ws.login("bob")
	if n := ts2.s.limits.unauthenticated.Load(); n != 0 {
		t.Fatalf("a logged-in WebSocket still counts as unauthenticated (%d)", n)
	}
	silent, err := net.Dial("tcp", ts2.tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	expectClosed(t, silent)
	waitFor(t, "the login timeout counted", func() bool { return ts2.s.limits.loginTimeouts.Load() == 1 })
	wsSilent := ts2.dialWS(t, "")
	_ = wsSilent.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = wsSilent.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || !strings.Contains(ce.Text, "login timeout") {
		t.Fatalf("silent WebSocket: %v, want a close frame naming the login timeout", err)
	}
	if m := ws.result(ws.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:alice@x"})); m["result"] == nil {
		t.Fatalf("logged-in client after the login timeout of others: %v", m)
	}
}

func TestReadBufferIsNotKeptAfterALargeMessage(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	tr := newTCPTransport(server, 1<<20)
	go func() {
		for _, n := range []int{600 << 10, 10} {
			frame, _ := protocol.AppendFrame(nil, bytes.Repeat([]byte("a"), n))
			_, _ = client.Write(frame)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	if p, err := tr.readMessage(deadline); err != nil || len(p) != 600<<10 {
		t.Fatalf("large message: %d bytes, %v", len(p), err)
	}
	if p, err := tr.readMessage(deadline); err != nil || len(p) != 10 {
		t.Fatalf("small message: %d bytes, %v", len(p), err)
	}
	if c := cap(tr.buf); c > maxKeptReadBuffer {
		t.Fatalf("TCP read buffer kept %d bytes after a small message", c)
	}
}

// TestWebSocketReadBufferIsNotKept: after a 300 KB message and a small
// one, the server side of each WebSocket holds a buffer of at most
// maxKeptReadBuffer.
func TestWebSocketReadBufferIsNotKept(t *testing.T) {
	ts := startServer(t, nil)
	big := []byte(`{"invoke":{"invokeID":1,"operationName":"asnCustomNoteSet","argument":{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"` + strings.Repeat("n", 300<<10) + `"}}}}`)
	for i := 0; i < 3; i++ {
		c := ts.dialWS(t, "")
		c.login("alice")
		c.sendRaw(big)
		if code := rejectCode(t, c.result(1)); code != 2 {
			t.Fatalf("oversized note: reject %v, want 2", code)
		}
		if m := c.result(c.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"})); m["result"] == nil {
			t.Fatalf("small invoke: %v", m)
		}
	}
	ts.s.mu.Lock()
	conns := make([]*conn, 0, len(ts.s.conns))
	for c := range ts.s.conns {
		conns = append(conns, c)
	}
	ts.s.mu.Unlock()
	if len(conns) != 3 {
		t.Fatalf("%d connections", len(conns))
	}
	for _, c := range conns {
		// The reader set its buffer before it queued the small invoke's
		// answer under c.mu; it changes it again only at the next message.
		c.mu.Lock()
		n := cap(c.t.(*wsTransport).buf)
		c.mu.Unlock()
		if n > maxKeptReadBuffer {
			t.Fatalf("a WebSocket keeps a read buffer of %d bytes after a small message", n)
		}
	}
}

// TestReadBufferMemory measures the heap that WebSocket connections hold
// after each sent one large message (rejected as too long a note), with
// the buffer dropped (today) and kept (maxKeptReadBuffer unlimited, the
// old behaviour), in the same run. Not in -short: the heap of the other
// tests' servers, shutting down meanwhile, blurs a small measurement.
func TestReadBufferMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a heap measurement: run without -short")
	}
	conns, size := 200, 600<<10
	measure := func(kept int) float64 {
		old := maxKeptReadBuffer
		maxKeptReadBuffer = kept
		defer func() { maxKeptReadBuffer = old }()
		ts := startServer(t, func(c *Config) { c.InvokeRate = 1000 })
		var base runtime.MemStats
		// Two collections: the first moves sync.Pool contents to the
		// victim cache, the second frees them.
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&base)
		big := []byte(`{"invoke":{"invokeID":1,"operationName":"asnCustomNoteSet","argument":{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"` + strings.Repeat("n", size) + `"}}}}`)
		clients := make([]*client, conns)
		for i := range clients {
			c := ts.dialWS(t, "")
			c.login("alice")
			c.sendRaw(big)
			if code := rejectCode(t, c.result(1)); code != 2 {
				t.Fatalf("oversized note: reject %v, want 2", code)
			}
			// A small message after the large one: the reader is back in
			// its read loop with its buffer for the next message.
			if m := c.result(c.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"})); m["result"] == nil {
				t.Fatalf("small invoke: %v", m)
			}
			clients[i] = c
		}
		var after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perConn := float64(int64(after.HeapInuse)-int64(base.HeapInuse)) / float64(conns)
		for _, c := range clients {
			c.ws.Close()
		}
		// The next measurement starts when this server has let go of them.
		waitFor(t, "the connections' release", func() bool { return ts.s.metrics.connections.Load() == 0 })
		return perConn
	}
	dropped := measure(64 << 10)
	kept := measure(1 << 40)
	t.Logf("%d WebSocket connections after one %d KB message each: %.0f KB heap per connection with the buffer dropped, %.0f KB kept (%.1fx)",
		conns, size>>10, dropped/1024, kept/1024, kept/dropped)
	if dropped*4 > kept {
		t.Fatalf("dropping the read buffer saves too little: %.0f KB against %.0f KB per connection", dropped/1024, kept/1024)
	}
}

func TestArgumentValuesAreChecked(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialTCP(t)
	c.login("alice")
	setAbsent := func(kind any, reach any) map[string]any {
		st := map[string]any{"u8sContactId": "sip:alice@x", "eAbsentState": kind}
		if reach != nil {
			st["eReachability"] = reach
		}
		return c.result(c.invoke("asnAbsentStateSetUserV2", map[string]any{"absentstate": st}))
	}
	for _, tc := range []struct {
		kind, reach any
	}{{4294967298, nil}, {5, nil}, {-1, nil}, {2, 99}, {2, 4294967296}} {
		m := setAbsent(tc.kind, tc.reach)
		if code := rejectCode(t, m); code != 2 {
			t.Fatalf("eAbsentState %v eReachability %v: reject %v, want 2", tc.kind, tc.reach, code)
		}
	}
	if s, _ := ts.e.Snapshot("sip:alice@x"); s.Absent.Kind != engine.AbsentNotSet {
		t.Fatalf("a refused absent state was stored: %+v", s.Absent)
	}
	if m := setAbsent(2, 3); m["result"] == nil {
		t.Fatalf("valid absent state: %v", m)
	}
	note := func(n int) map[string]any {
		return c.result(c.invoke("asnCustomNoteSet", map[string]any{"customnote": map[string]any{"u8sContactID": "", "u8sUsername": "", "u8sNote": strings.Repeat("x", n)}}))
	}
	if code := rejectCode(t, note(defaultMaxNoteBytes+1)); code != 2 {
		t.Fatalf("long note: reject %v", code)
	}
	if s, _ := ts.e.Snapshot("sip:alice@x"); s.Note.Text != "" {
		t.Fatalf("a refused note was stored: %d bytes", len(s.Note.Text))
	}
	if m := note(defaultMaxNoteBytes); m["result"] == nil {
		t.Fatalf("note at the limit: %v", m)
	}
	long := strings.Repeat("c", defaultMaxStringBytes+1)
	if code := rejectCode(t, c.result(c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{"sip:bob@x", long}}))); code != 2 {
		t.Fatalf("long contact id: reject %v", code)
	}
	if n := ts.s.limits.argumentRejects.Load(); n != 7 {
		t.Fatalf("argument rejects = %d, want 7", n)
	}
}

// stateless posts body to /ws/client/<op> with the session id.
func stateless(t *testing.T, ts *testServer, sid, op, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+ts.httpAddr+"/ws/client/"+op, strings.NewReader(body))
	req.Header.Set("X-ucsessionid", sid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStatelessRouteLimits(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxFrameBytes = 64 << 10 })
	sid, _ := createSession(t, ts, "alice", "pw")
	if code, body := stateless(t, ts, sid, "asnCustomNoteSet", `{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"`+strings.Repeat("n", 65<<10)+`"}}`); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "MaxFrameBytes") {
		t.Fatalf("body over MaxFrameBytes: %d %s", code, body)
	}
	if code, body := stateless(t, ts, sid, "asnCustomNoteSet", `{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"`+strings.Repeat("n", 9<<10)+`"}}`); code != 200 || !strings.Contains(body, `"reject"`) {
		t.Fatalf("note over MaxNoteBytes: %d %s", code, body)
	}
	// The body cannot add envelope members of its own.
	injected := `{"contactId":"sip:bob@x"},"operationID":1510,"operationName":"asnCustomNoteSet","argument":{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"injected"}}`
	if code, _ := stateless(t, ts, sid, "asnGetUserAbsentState", injected); code != http.StatusBadRequest {
		t.Fatalf("injected members: HTTP %d", code)
	}
	// An envelope naming another operation than the URL's is refused.
	envelope := `{"invoke":{"invokeID":7,"operationID":1510,"operationName":"asnCustomNoteSet","argument":{"customnote":{"u8sContactID":"","u8sUsername":"","u8sNote":"override"}}}}`
	if code, body := stateless(t, ts, sid, "asnGetUserAbsentState", envelope); code != http.StatusBadRequest || !strings.Contains(body, "operation mismatch") {
		t.Fatalf("operation mismatch: %d %s", code, body)
	}
	if s, _ := ts.e.Snapshot("sip:alice@x"); s.Note.Text != "" {
		t.Fatalf("a refused call changed the note to %q", s.Note.Text)
	}
	// The same envelope on its own URL is the esnacc client's REST mode.
	if code, body := stateless(t, ts, sid, "asnCustomNoteSet", envelope); code != 200 || !strings.Contains(body, `"invokeID":7`) {
		t.Fatalf("matching envelope: %d %s", code, body)
	}
	if s, _ := ts.e.Snapshot("sip:alice@x"); s.Note.Text != "override" {
		t.Fatalf("note %q after the matching envelope", s.Note.Text)
	}
}

func TestSessionIDsExpire(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.SessionTTL = 200 * time.Millisecond })
	get := func(sid string) int {
		code, _ := stateless(t, ts, sid, "asnGetUserAbsentState", `{"contactId":"sip:bob@x"}`)
		return code
	}
	// Lifetime: unused for longer than SessionTTL, the id is refused.
	sid, _ := createSession(t, ts, "alice", "pw")
	if code := get(sid); code != 200 {
		t.Fatalf("fresh session: %d", code)
	}
	time.Sleep(400 * time.Millisecond) // twice the lifetime, without a call
	if code := get(sid); code != http.StatusUnauthorized {
		t.Fatalf("session past its lifetime: HTTP %d, want 401", code)
	}
	// A stateless asnLogoff ends the session.
	sid, _ = createSession(t, ts, "alice", "pw")
	if code, body := stateless(t, ts, sid, "asnLogoff", `{}`); code != 200 {
		t.Fatalf("logoff: %d %s", code, body)
	}
	if code := get(sid); code != http.StatusUnauthorized {
		t.Fatalf("session after asnLogoff: HTTP %d, want 401", code)
	}
	// asnLogoff on the session's socket ends it too.
	sid, _ = createSession(t, ts, "bob", "pw")
	ws := ts.dialWS(t, "?x-ucsessionid="+sid)
	ws.invoke("asnLogoff", map[string]any{})
	_ = ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ws.ReadMessage(); err != nil {
			break
		}
	}
	waitFor(t, "the session's end", func() bool { return get(sid) == http.StatusUnauthorized })
	// A socket opened with the ended id is not logged in.
	again := ts.dialWS(t, "?x-ucsessionid="+sid)
	if code := rejectCode(t, again.result(again.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"}))); code != 8 {
		t.Fatalf("socket with an ended session id: reject %v, want 8 (log in first)", code)
	}
}

// BenchmarkCheckArgument: the value check of an invoke's argument against
// decoding it (the baseline: what every invoke costs anyway).
func BenchmarkCheckArgument(b *testing.B) {
	s, err := New(Config{Engine: &engine.Engine{}, Authenticator: &testAuth{}})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:user%d@example.com", i)
	}
	subscribe, _ := json.Marshal(map[string]any{"seqContactIDs": ids})
	for _, tc := range []struct{ name, op, arg string }{
		{"setAbsent", "asnAbsentStateSetUserV2", `{"absentstate":{"u8sContactId":"sip:alice@x","eAbsentState":2,"eReachability":3,"stTimeTo":"2025-03-14T17:00:00Z"}}`},
		{"subscribe100", "asnGetAndSubscribePresenceV2", string(subscribe)},
	} {
		op, ok := protocol.OperationByName(tc.op)
		if !ok {
			b.Fatal(tc.op)
		}
		arg, err := protocol.DecodeArgument(op, json.RawMessage(tc.arg))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/check", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := s.checkArgument(arg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/decode-baseline", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := protocol.DecodeArgument(op, json.RawMessage(tc.arg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
