package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// conn is one client connection: a reader goroutine that decodes and
// dispatches invokes, and a writer goroutine that owns the socket's write
// side. The writer wakes when the engine has updates for the connection's
// watcher or when responses are queued, pulls everything pending at once,
// encodes it and writes it with one system call.
type conn struct {
	id  string // the engine's client-session id of this connection
	srv *Server
	t   transport
	log *slog.Logger

	// accepted is the socket as the listener accepted it (the connection
	// caps count it, limits.go); started is when the connection opened.
	accepted net.Conn
	started  time.Time

	// wrapped: send every message as [ {...} ] (the UCWeb WebSocket route).
	wrapped bool

	mu sync.Mutex // guards the fields below
	// out holds framed messages (responses, control frames) for the writer.
	out     []byte
	closing bool
	reason  string
	// session state, set by login (or by the UCWeb session) on the reader.
	user       string
	v2         bool // the client announced V2 events (or UCWeb)
	negotiated bool
	watcher    *engine.Watcher // the client's subscriptions
	holding    int             // invokes being answered: the writer does not pull meanwhile
	mine       *engine.Watcher // the user's own absent state and note (asnUpdateMy... events)
	// legacy holds the contacts subscribed with the V1 operation name
	// (asnGetAndSubscribePresence): their events are V1 asnUpdatePresence.
	// Copy-on-write: the writer reads the map it loaded under mu.
	legacy map[string]struct{}

	wake      chan struct{} // writer wake-up, capacity 1
	done      chan struct{} // closed when the writer has exited
	closeOnce sync.Once

	// tokens is a simple invoke rate limiter (reader goroutine only).
	tokens     float64
	lastRefill time.Time

	bytesOut atomic.Int64
	deadline time.Time // current write deadline (writer goroutine only)
}

func (s *Server) newConn(t transport, wrapped bool) *conn {
	c := &conn{
		id:         newID(),
		srv:        s,
		t:          t,
		wrapped:    wrapped,
		started:    time.Now(),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		tokens:     float64(s.cfg.InvokeBurst),
		lastRefill: time.Now(),
	}
	c.log = s.log.With("remote", t.remote(), "transport", t.kind())
	s.metrics.connections.Add(1)
	s.metrics.connectionsTotal.Add(1)
	return c
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// queue appends one framed message for the writer. Past the slow-consumer
// budget the connection is closed: memory per connection stays bounded. One
// message larger than the budget (a reception console's 5,000-contact
// snapshot) is accepted when nothing else is queued.
func (c *conn) queue(payload []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	over := len(c.out) > 0 && len(c.out)+len(payload) > c.srv.cfg.MaxPendingBytes
	if !over {
		c.out = c.t.appendFrame(c.out, payload)
	}
	c.mu.Unlock()
	if over {
		c.srv.metrics.slowConsumerCloses.Add(1)
		c.shutdown("slow consumer: more than MaxPendingBytes queued")
		return
	}
	c.signal()
}

// shutdown asks the writer to flush what is queued, say goodbye and close.
func (c *conn) shutdown(reason string) {
	c.mu.Lock()
	if !c.closing {
		c.closing = true
		c.reason = reason
	}
	c.mu.Unlock()
	c.signal()
}

// serve runs the connection until it ends. It runs the reader loop on the
// calling goroutine and the writer on a new one.
func (c *conn) serve() {
	go c.writeLoop()
	c.readLoop()
	c.shutdown("client closed the connection")
	select {
	case <-c.done:
	case <-time.After(c.srv.cfg.WriteTimeout + time.Second):
	}
	c.finish()
}

// finish releases the connection's subscriptions. Idempotent.
func (c *conn) finish() {
	c.closeOnce.Do(func() {
		_ = c.t.close()
		c.mu.Lock()
		w, m, user := c.watcher, c.mine, c.user
		c.watcher, c.mine = nil, nil
		c.mu.Unlock()
		if w != nil {
			w.Close()
		}
		if m != nil {
			m.Close()
		}
		if user != "" {
			_ = c.srv.cfg.Engine.ClientLogout(user, c.id)
		}
		c.srv.metrics.connections.Add(-1)
		c.log.Debug("connection closed", "user", user, "reason", c.reason)
	})
}

func (c *conn) readLoop() {
	for {
		deadline := c.readDeadline(time.Now())
		msg, err := c.t.readMessage(deadline)
		if err != nil {
			switch {
			case errors.Is(err, errTooLarge):
				c.srv.metrics.rejects.Add(1)
				c.sendReject(0, false, protocol.ErrResponseTooBig, "message exceeds MaxFrameBytes")
				c.shutdown("message too large")
			case errors.Is(err, errBinary):
				c.srv.metrics.rejects.Add(1)
				c.sendReject(0, false, protocol.ErrFunctionMissing, "BER encoding is not supported; use JSON")
				c.shutdown("BER frame")
			case isTimeout(err):
				c.shutdown(c.timeoutReason())
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed):
				c.shutdown("client closed the connection")
			default:
				c.shutdown("read: " + err.Error())
			}
			return
		}
		c.srv.metrics.messagesIn.Add(1)
		c.srv.metrics.bytesIn.Add(int64(len(msg)))
		if !c.handleGuarded(msg) {
			return
		}
	}
}

// writeLoop is the only writer of the socket.
func (c *conn) writeLoop() {
	defer close(c.done)
	defer c.recoverWriter()
	var (
		buf      []byte
		payload  []byte
		updates  []engine.Update
		own      []engine.Update
		wire     protocol.AsnPresenceV2
		enc      = presenceEncoder{}
		tally    writerTally // this round's counters, added to c.srv.metrics once per round
		keep     = time.NewTicker(c.tickInterval())
		lastSent = time.Now()
		linger   = time.NewTimer(time.Hour)
	)
	defer keep.Stop()
	defer c.srv.metrics.addTally(&tally) // a round that ended in a failed write
	linger.Stop()
	defer linger.Stop()
	for {
		// Both watchers notify c.wake (WatcherConfig.Notify), so one channel
		// covers engine updates and queued responses.
		select {
		case <-c.wake:
		case <-keep.C:
			if c.wrapped {
				// Session sockets (browsers) send no ROSE keepalive; a ping
				// makes the browser answer a pong, which counts as activity.
				c.queueControl(0x9, nil)
			}
			if time.Since(lastSent) >= c.srv.cfg.KeepAliveInterval {
				payload, _ = protocol.AppendEvent(payload[:0], keepAliveOperation, &protocol.AsnTransportKeepAliveArgument{}, c.wrapped)
				c.queue(payload)
			}
			continue
		}
		c.coalesce(linger)
		c.mu.Lock()
		var held *[]byte
		if cap(c.out) > maxKeptQueue {
			// A large answer (a subscribe result): write its own buffer
			// instead of copying it into a pooled one; it is not kept.
			held, buf, c.out = new([]byte), c.out, nil
		} else {
			held = getBuffer()
			buf = append((*held)[:0], c.out...)
			c.out = c.out[:0]
		}
		closing, reason, v2, legacy := c.closing, c.reason, c.v2, c.legacy
		w, m := c.watcher, c.mine
		enc.user = c.user
		// While a subscribe is being answered its contacts are live but the
		// result (their snapshots) is not queued yet: pulling now could send
		// an update before the snapshot it follows. Pulling under c.mu
		// orders it against subscribe's hold (see conn.subscribe; the
		// invariant "subscribe before update" in docs/ARCHITECTURE.md,
		// section "Lock order").
		updates, own = updates[:0], own[:0]
		if c.holding == 0 {
			if m != nil {
				own = m.Pull(own)
			}
			if w != nil {
				updates = w.Pull(updates)
			}
		}
		c.mu.Unlock()
		start := time.Now()
		n := 0
		if m != nil {
			for i := range own {
				buf = c.appendOwnEvents(buf, &payload, &own[i])
			}
		}
		if len(updates) > 0 {
			for i := range updates {
				u := &updates[i]
				payload = payload[:0]
				var event []byte
				if u.Removed {
					payload = protocol.AppendRemovePresenceEvent(payload, u.ContactID, c.wrapped)
					event = payload
				} else {
					_, v1 := legacy[u.ContactID]
					event = c.encodeUpdate(&enc, &wire, &payload, &tally, u, v2 && !v1)
					tally.observeLatency(start, u.Snapshot.Published)
				}
				if len(event) > c.t.maxPayload() {
					c.log.Warn("event too large for the transport; dropped", "contact", u.ContactID, "bytes", len(event))
					continue
				}
				buf = c.t.appendFrame(buf, event)
				n++
				if len(buf) >= c.srv.cfg.MaxBatchBytes {
					if !c.flush(buf) {
						return
					}
					buf = buf[:0]
				}
			}
		}
		if closing {
			buf = c.t.closeFrame(buf, 1000, reason)
		}
		if len(buf) > 0 && !c.flush(buf) {
			return
		}
		*held = buf
		putBuffer(held)
		buf = nil
		tally.deliveries += int64(n)
		c.srv.metrics.addTally(&tally)
		if n > 0 {
			lastSent = time.Now()
		}
		if closing {
			c.log.Info("closing connection", "user", enc.user, "reason", reason)
			_ = c.t.close()
			return
		}
	}
}

// encodeUpdate returns the event for u: shared bytes from the server's
// encode cache when another writer already encoded the same view and
// sections (V2 events without per-watcher content), else a fresh encoding
// in *payload (counted in tally).
func (c *conn) encodeUpdate(enc *presenceEncoder, wire *protocol.AsnPresenceV2, payload *[]byte, tally *writerTally, u *engine.Update, v2 bool) []byte {
	shared := v2 && !c.srv.cfg.EncodeCacheOff && cacheable(u)
	if shared {
		if event, ok := c.srv.encoded.get(u.Snapshot, u.Changed, c.wrapped); ok {
			return event
		}
	}
	tally.encodes++
	enc.presence(wire, u)
	if v2 {
		*payload = protocol.AppendUpdatePresenceV2Event((*payload)[:0], wire, uint32(u.Changed), c.wrapped)
	} else {
		*payload = appendLegacyUpdate((*payload)[:0], wire, u, c.wrapped)
	}
	if shared {
		c.srv.encoded.put(u.Snapshot, u.Changed, c.wrapped, *payload)
	}
	return *payload
}

// DefaultWriteCoalesce is Config.WriteCoalesce's default: off. On the
// shared 2-core machine (load average 18-21 from other jobs) a 1-2 ms
// window did not lower writes per delivery reliably (BenchmarkWebSocketFanout
// at 10,000 offered deliveries/s: 0.63-0.76 off, 0.82-0.86 at 1 ms; at
// 25,000: 0.43 off, 0.34-0.35 at 1-2 ms with fewer deliveries/s): at
// 50 events/s per connection a 1 ms window rarely catches a second event,
// and a loaded writer is already late enough to batch. See docs/CAPACITY.md.
const DefaultWriteCoalesce time.Duration = 0

// coalesce waits up to WriteCoalesce after a wake-up for events only, so
// that events arriving meanwhile share the round's pull and write (one
// system call costs about as much as encoding ten events). A queued
// response, a close or a held pull ends the wait at once: answers are never
// delayed.
func (c *conn) coalesce(linger *time.Timer) {
	window := c.srv.cfg.WriteCoalesce
	if window <= 0 || c.responsesWaiting() {
		return
	}
	linger.Reset(window)
	for {
		select {
		case <-linger.C:
			return
		case <-c.wake:
			if c.responsesWaiting() {
				linger.Stop() // Go 1.23+: no stale tick is delivered after Stop
				return
			}
		}
	}
}

// responsesWaiting reports whether the writer has something other than
// events to send now.
func (c *conn) responsesWaiting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out) > 0 || c.closing || c.holding > 0
}

// Idle connections hold no write buffer: the writer takes one from a pool
// for each round and returns it, so memory follows the connections that
// are writing, not all of them (a buffer kept per connection cost about
// 20-60 KB each at its high-water mark).
var bufferPool sync.Pool // of *[]byte

// maxPooledBuffer is the largest buffer the pool keeps; a larger one (a
// console's subscribe answer) goes to the garbage collector.
const maxPooledBuffer = 64 << 10

// maxKeptQueue is the largest response queue (c.out) a connection keeps
// between rounds.
const maxKeptQueue = 16 << 10

func getBuffer() *[]byte {
	if p, ok := bufferPool.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 4<<10)
	return &b
}

func putBuffer(p *[]byte) {
	if cap(*p) > maxPooledBuffer {
		return
	}
	*p = (*p)[:0]
	bufferPool.Put(p)
}

// flush writes framed bytes with one call; false when the connection died.
func (c *conn) flush(buf []byte) bool {
	// Re-arming the deadline costs a poller call; refresh it only when less
	// than half of WriteTimeout is left (a write still gets at least half).
	now := time.Now()
	if c.deadline.Sub(now) < c.srv.cfg.WriteTimeout/2 {
		c.deadline = now.Add(c.srv.cfg.WriteTimeout)
	}
	err := c.t.write(buf, c.deadline)
	c.srv.metrics.writes.Add(1)
	c.srv.metrics.bytesOut.Add(int64(len(buf)))
	c.bytesOut.Add(int64(len(buf)))
	if err != nil {
		c.mu.Lock()
		if !c.closing {
			c.closing = true
			c.reason = "write: " + err.Error()
			if isTimeout(err) {
				c.reason = "slow consumer: write timed out"
				c.srv.metrics.slowConsumerCloses.Add(1)
			}
		}
		reason := c.reason
		c.mu.Unlock()
		c.log.Info("closing connection", "reason", reason)
		_ = c.t.close()
		return false
	}
	return true
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// appendOwnEvents turns a change of the user's own contact into the
// asnUpdateMyAbsentStateV2 / asnUpdateMyCustomNote events.
func (c *conn) appendOwnEvents(buf []byte, payload *[]byte, u *engine.Update) []byte {
	if u.Removed {
		return buf
	}
	s := u.Snapshot
	if u.Changed&engine.SectionAbsentState != 0 {
		a := absentState(u.ContactID, s.Absent, s.State)
		*payload = protocol.AppendUpdateMyAbsentStateV2Event((*payload)[:0], &a, c.wrapped)
		buf = c.t.appendFrame(buf, *payload)
	}
	if u.Changed&engine.SectionNote != 0 {
		n := customNote(u.ContactID, s)
		*payload = protocol.AppendUpdateMyCustomNoteEvent((*payload)[:0], &n, c.wrapped)
		buf = c.t.appendFrame(buf, *payload)
	}
	return buf
}

// allowInvoke is a token bucket: InvokeRate per second, InvokeBurst deep.
func (c *conn) allowInvoke(now time.Time) bool {
	c.tokens += now.Sub(c.lastRefill).Seconds() * float64(c.srv.cfg.InvokeRate)
	c.lastRefill = now
	if max := float64(c.srv.cfg.InvokeBurst); c.tokens > max {
		c.tokens = max
	}
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}
