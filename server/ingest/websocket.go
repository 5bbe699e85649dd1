package ingest

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/internal/jsonscan"
)

// ServeWebSocket handles GET /ingest/v1/stream. The bearer token is checked
// before the upgrade (401, no WebSocket). Each text or binary message is
// one NDJSON batch, optionally headed by a line {"seq":n}; the server
// applies the batch and answers with one ack
// {"seq":n,"applied":a,"failed":f,"errors":[...]}, in message order. A
// batch over MaxEvents or MaxLineBytes is acked with "error" and nothing
// applied; a message over MaxBatchBytes closes the connection with 1009.
func (h *Handler) ServeWebSocket(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() {
		ctx.Response.Header.Set("Allow", "GET")
		h.refuse(ctx, fasthttp.StatusMethodNotAllowed, 0, errors.New("ingest: method not allowed, use GET"))
		return
	}
	if !h.authorize(ctx) {
		return
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		h.refuse(ctx, fasthttp.StatusServiceUnavailable, 0, errors.New("ingest: shutting down"))
		return
	}
	remote := ctx.RemoteAddr().String()
	times := reportTimes(ctx)
	if err := h.upgrader.Upgrade(ctx, func(conn *websocket.Conn) { h.serveConn(conn, remote, times) }); err != nil {
		h.log.Info("ingest: websocket handshake failed", "remote", remote, "error", err)
	}
}

// serveConn runs one connection as a two-stage pipeline. This goroutine
// reads a message, applies its events in order (durable ops queued to the
// store's group commit, not waited) and hands the ack with the batch's
// pending durability to the ack writer (writeAcks), then reads the next
// message while the store commits. The ack writer waits until every
// durable change of a batch is committed, then writes its ack: acks leave
// in message order, never before the batch is durable, and one goroutine
// writes (the library allows one). Up to pipelineDepth batches are in
// flight; then the reader waits for an ack to be written (back pressure
// to the client through TCP).
func (h *Handler) serveConn(conn *websocket.Conn, remote string, times bool) {
	c := &wsConn{conn: conn}
	if !h.track(c) {
		conn.Close()
		return
	}
	defer h.untrack(c)
	h.log.Debug("ingest: websocket open", "remote", remote)
	conn.SetReadLimit(int64(h.limits.MaxBatchBytes))
	w := h.workers.Get().(*worker)
	defer h.workers.Put(w)
	w.applier.ReportTimes = times

	acks := make(chan *pendingAck, pipelineDepth)
	free := make(chan *pendingAck, pipelineDepth)
	for range pipelineDepth {
		free <- nil // allocated on first use: most streams keep few in flight
	}
	budget := newChangeBudget(maxPendingChanges)
	ackerDone := make(chan struct{})
	go h.writeAcks(conn, remote, acks, free, budget, ackerDone)
	defer func() {
		close(acks)
		<-ackerDone // the connection is fasthttp's again once serveConn returns
	}()

	var (
		msg []byte
		seq uint64
	)
	for {
		if h.idle > 0 {
			conn.SetReadDeadline(time.Now().Add(h.idle))
		}
		_, r, err := conn.NextReader()
		if err == nil {
			msg, err = readMessage(r, msg[:0])
		}
		if err != nil {
			h.closeReason(remote, err)
			return
		}
		h.bytes.Add(uint64(len(msg)))
		seq++
		body, firstLine := msg, 0
		if line, rest := cutLine(msg); len(line) > 0 {
			if n, ok := parseHeader(line); ok {
				seq, body, firstLine = n, rest, 1
			}
		}
		item := <-free // the writer always returns items, even after a failure
		if item == nil {
			item = &pendingAck{}
		}
		item.seq = seq
		res, err := w.applier.apply(body, firstLine)
		if err != nil {
			h.refused.Add(1)
			_, line := statusOf(err)
			h.log.Info("ingest: batch refused", "remote", remote, "seq", seq, "error", err)
			item.out = appendRefusal(item.out[:0], seq, true, line, err)
		} else {
			h.count(res)
			item.out = AppendAck(item.out[:0], seq, res)
		}
		item.waits = w.applier.deferred.Take(item.waits[:0])
		budget.take(len(item.waits))
		acks <- item  // never blocks: at most pipelineDepth items exist
		budget.wait() // too many changes not yet durable: let the store catch up
		if cap(msg) > maxKeptBuffer {
			msg = nil // a huge batch: do not keep its buffer for the connection's life
		}
	}
}

// pipelineDepth is how many batches of one connection may be applied but
// not yet acknowledged, and maxPendingChanges how many durable changes of
// them may wait for their commit. A source that sends a small batch every
// millisecond has ~50 batches in flight during a 50 ms fsync (a loaded
// disk): with a depth of 32 the reader stopped and every watcher's
// latency grew by the fsync (BenchmarkBrokerKnee: p99 113 ms at 250
// notes/s). 1,024 batches cover a second of such a source; 65,536
// changes are about 16 commits of the store's default 4,096 and bound
// the memory of a source that sends 10,000-note batches.
const (
	pipelineDepth     = 1024
	maxPendingChanges = 1 << 16
)

// changeBudget counts the durable changes a connection has in flight.
type changeBudget struct {
	mu    sync.Mutex
	cond  sync.Cond
	n     int
	limit int
}

func newChangeBudget(limit int) *changeBudget {
	b := &changeBudget{limit: limit}
	b.cond.L = &b.mu
	return b
}

// take adds n changes (the batch is applied already: it may overshoot).
func (b *changeBudget) take(n int) {
	b.mu.Lock()
	b.n += n
	b.mu.Unlock()
}

// wait blocks while more than the limit are in flight.
func (b *changeBudget) wait() {
	b.mu.Lock()
	for b.n > b.limit {
		b.cond.Wait()
	}
	b.mu.Unlock()
}

// give returns n changes (durable or failed).
func (b *changeBudget) give(n int) {
	b.mu.Lock()
	b.n -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// pendingAck is a batch applied and waiting for durability: its ack bytes
// and the Durables of its durable ops. Recycled through the free channel.
type pendingAck struct {
	seq   uint64
	out   []byte
	waits []engine.Durable
}

// writeAcks is the ack writer of a connection: for each batch in order it
// waits until the batch is durable and writes its ack. A batch that is not
// durable is answered with an error ack ("applied":0) and the connection
// is closed with 1011; later batches get no ack (their changes may be
// applied; the client resends what was not acknowledged). A failed write
// closes the connection. It drains acks until the reader closes it and
// always returns the items to free, so the reader never blocks on it.
func (h *Handler) writeAcks(conn *websocket.Conn, remote string, acks <-chan *pendingAck, free chan<- *pendingAck, budget *changeBudget, done chan<- struct{}) {
	defer close(done)
	failed := false
	for item := range acks {
		n := len(item.waits)
		err := waitAll(item.waits)
		budget.give(n)
		switch {
		case failed:
		case err != nil:
			failed = true
			h.refused.Add(1)
			h.log.Warn("ingest: batch not durable, closing the stream", "remote", remote, "seq", item.seq, "error", err)
			deadline := time.Now().Add(h.write)
			conn.SetWriteDeadline(deadline)
			item.out = appendRefusal(item.out[:0], item.seq, true, 0, err)
			if conn.WriteMessage(websocket.TextMessage, item.out) == nil {
				conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "store failed"), deadline)
			}
			conn.Close() // ends the reader's NextReader
		default:
			conn.SetWriteDeadline(time.Now().Add(h.write))
			if err := conn.WriteMessage(websocket.TextMessage, item.out); err != nil {
				failed = true
				h.log.Info("ingest: websocket ack not sent", "remote", remote, "seq", item.seq, "error", err)
				conn.Close()
			}
		}
		free <- item
	}
}

// maxKeptBuffer is the largest message buffer a connection keeps between
// messages: a 1,000-event batch is about 150 KiB.
const maxKeptBuffer = 1 << 20

// closeReason logs why a connection ended: at Debug for a normal close or
// a vanished peer, at Info for a broken protocol or a message over the limit.
func (h *Handler) closeReason(remote string, err error) {
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		h.refused.Add(1)
		h.log.Info("ingest: websocket message over MaxBatchBytes, closing", "remote", remote, "limit", h.limits.MaxBatchBytes)
	case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		h.log.Debug("ingest: websocket closed", "remote", remote, "error", err)
	default:
		h.log.Info("ingest: websocket closed", "remote", remote, "error", err)
	}
}

// readMessage reads a whole message into buf (the library bounds it by the
// read limit).
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, 64<<10)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// parseHeader recognises the optional first line of a WebSocket message:
// an object whose only member is "seq", a non-negative integer.
func parseHeader(line []byte) (uint64, bool) {
	var s jsonscan.Scanner
	resetScanner(&s, line)
	if s.Open('{', "'{'") != nil {
		return 0, false
	}
	key, ok, err := s.NextKey(true)
	if err != nil || !ok || string(key) != "seq" {
		return 0, false
	}
	seq, err := s.Integer(0, 1<<63-1)
	if err != nil {
		return 0, false
	}
	if _, more, err := s.NextKey(false); err != nil || more || s.End() != nil {
		return 0, false
	}
	return uint64(seq), true
}

// wsConn is an open connection as Close sees it.
type wsConn struct {
	conn *websocket.Conn
	// mu guards finished and makes Close and the end of serveConn exclusive:
	// once serveConn has returned, fasthttp reuses the connection object,
	// which Close must no longer touch.
	mu       sync.Mutex
	finished bool
}

func (h *Handler) track(c *wsConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	h.wsOpen.Add(1)
	h.wsTotal.Add(1)
	return true
}

// untrack runs when serveConn returns; it waits for a Close in progress on
// this connection.
func (h *Handler) untrack(c *wsConn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	c.mu.Lock()
	c.finished = true
	c.mu.Unlock()
	h.wsOpen.Add(-1)
}

// Close refuses new WebSocket connections and closes the open ones with
// 1001 (going away). A batch being applied finishes, but its ack may not
// reach the client: a client resends unacknowledged batches, which is safe
// because every op sets state (see docs/INGEST.md). HTTP requests are the
// fasthttp Server's to drain (Server.Shutdown). Close returns when every
// connection has been told; it takes at most a second.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	conns := make([]*wsConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() { // in parallel: a stuck peer costs the deadline once, not once each
			defer wg.Done()
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.finished {
				c.conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), deadline)
				c.conn.Close()
			}
		}()
	}
	wg.Wait()
}
