package server

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ucpresence/presence/protocol"
)

// limitState holds the connection caps' gauges and the hardening counters.
// All fields are atomics: accept loops, readers and writers of many
// connections update them concurrently.
type limitState struct {
	open            atomic.Int64 // accepted connections open now (every listener)
	unauthenticated atomic.Int64 // of which not (yet) a logged-in client

	panics           atomic.Int64
	acceptErrors     atomic.Int64
	refusedFull      atomic.Int64 // closed at accept: MaxConnections reached
	refusedUnauth    atomic.Int64 // closed at accept: MaxUnauthenticated reached
	loginTimeouts    atomic.Int64
	argumentRejects  atomic.Int64 // invokes refused by checkArgument
	statelessRejects atomic.Int64 // stateless calls refused (size, operation mismatch)
}

// Defaults of the limits of Config.
const (
	defaultMaxConnections     = 100_000
	defaultMaxUnauthenticated = 10_000
	defaultLoginTimeout       = 10 * time.Second
	defaultMaxStringBytes     = 4 << 10
	defaultMaxNoteBytes       = 8 << 10
)

func (c *Config) limitDefaults() {
	if c.MaxConnections == 0 {
		c.MaxConnections = defaultMaxConnections
	}
	if c.MaxUnauthenticated == 0 {
		c.MaxUnauthenticated = defaultMaxUnauthenticated
	}
	if c.MaxUnauthenticated > c.MaxConnections {
		c.MaxUnauthenticated = c.MaxConnections
	}
	if c.LoginTimeout == 0 {
		c.LoginTimeout = defaultLoginTimeout
	}
	if c.MaxStringBytes == 0 {
		c.MaxStringBytes = defaultMaxStringBytes
	}
	if c.MaxNoteBytes == 0 {
		c.MaxNoteBytes = defaultMaxNoteBytes
	}
}

func (s *Server) writeLimitMetrics(w io.Writer) {
	l := &s.limits
	counter := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("presenced_accepted_connections", "Accepted sockets open now, every listener (HTTP keep-alive connections included).", l.open.Load())
	gauge("presenced_unauthenticated_connections", "Accepted sockets that are not a logged-in client connection.", l.unauthenticated.Load())
	counter("presenced_panics_total", "Panics recovered in a connection's reader or writer (the connection was closed).", l.panics.Load())
	counter("presenced_accept_errors_total", "Accept errors retried with backoff (EMFILE: too many open files, ...).", l.acceptErrors.Load())
	counter("presenced_connections_refused_total", "Connections closed at accept because MaxConnections were open.", l.refusedFull.Load())
	counter("presenced_unauthenticated_refused_total", "Connections closed at accept because MaxUnauthenticated were not logged in.", l.refusedUnauth.Load())
	counter("presenced_login_timeouts_total", "Connections closed for not logging in within LoginTimeout.", l.loginTimeouts.Load())
	counter("presenced_argument_rejects_total", "Invokes rejected for an out-of-range value or an oversized string.", l.argumentRejects.Load())
	counter("presenced_stateless_rejects_total", "Stateless HTTP calls refused (body too large, operation mismatch, not JSON).", l.statelessRejects.Load())
}

// ---- accept: backoff and caps ----

// guardedListener keeps a listener serving through accept errors and
// enforces the connection caps. Running out of file descriptors (EMFILE,
// ENFILE) or kernel memory is temporary: the accept is retried after a
// backoff of 5 ms doubling to 1 s, as net/http does, instead of ending the
// listener (which ended the process). A connection accepted over
// MaxConnections, or over MaxUnauthenticated not-yet-logged-in ones, is
// closed at once: the client sees the close, the server keeps its
// descriptors for the clients it serves.
type guardedListener struct {
	net.Listener
	srv *Server
}

func (s *Server) guard(l net.Listener) net.Listener { return &guardedListener{Listener: l, srv: s} }

// Accept returns the next admitted connection, or the error that ends the
// listener (it was closed).
func (l *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	st := &l.srv.limits
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || !retryableAccept(err) {
				return nil, err
			}
			st.acceptErrors.Add(1)
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			l.srv.log.Warn("accept failed; retrying", "error", err, "retry_in", delay.String(),
				"open", st.open.Load(), "unauthenticated", st.unauthenticated.Load())
			time.Sleep(delay)
			continue
		}
		delay = 0
		if st.open.Load() >= int64(l.srv.cfg.MaxConnections) {
			st.refusedFull.Add(1)
			_ = nc.Close()
			continue
		}
		if st.unauthenticated.Load() >= int64(l.srv.cfg.MaxUnauthenticated) {
			st.refusedUnauth.Add(1)
			_ = nc.Close()
			continue
		}
		st.open.Add(1)
		st.unauthenticated.Add(1)
		return &trackedConn{Conn: nc, limits: st}, nil
	}
}

// retryableAccept reports whether an accept error is a passing condition
// (out of descriptors or memory, a connection aborted before accept, a
// timeout) rather than a dead listener.
func retryableAccept(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO, syscall.EPERM} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// trackedConn is an accepted connection counted by the caps until Close.
type trackedConn struct {
	net.Conn
	limits        *limitState
	authenticated atomic.Bool
	closeOnce     sync.Once
}

// Close closes the socket and releases its place in the caps. Idempotent.
func (t *trackedConn) Close() error {
	t.closeOnce.Do(func() {
		t.limits.open.Add(-1)
		if !t.authenticated.Load() {
			// markAuthenticated and Close race only on the same connection;
			// the CompareAndSwap decides who decrements.
			if t.authenticated.CompareAndSwap(false, true) {
				t.limits.unauthenticated.Add(-1)
			}
		}
	})
	return t.Conn.Close()
}

// markAuthenticated moves the connection out of the unauthenticated count.
func (t *trackedConn) markAuthenticated() {
	if t.authenticated.CompareAndSwap(false, true) {
		t.limits.unauthenticated.Add(-1)
	}
}

// markAuthenticated is called when c becomes a logged-in client.
func (c *conn) markAuthenticated() {
	if t, ok := c.accepted.(*trackedConn); ok {
		t.markAuthenticated()
	}
}

// readDeadline is the deadline of the next read: IdleTimeout, or the
// shorter LoginTimeout from the connection's start while it has not logged
// in (an idle unauthenticated socket holds a descriptor and costs nothing to
// open: 20,000 of them exhausted the server's descriptors).
func (c *conn) readDeadline(now time.Time) time.Time {
	idle := now.Add(c.srv.cfg.IdleTimeout)
	if c.currentUser() != "" {
		return idle
	}
	if login := c.started.Add(c.srv.cfg.LoginTimeout); login.Before(idle) {
		return login
	}
	return idle
}

// timeoutReason names why a read timed out and counts it.
func (c *conn) timeoutReason() string {
	if c.currentUser() == "" && time.Since(c.started) >= c.srv.cfg.LoginTimeout {
		c.srv.limits.loginTimeouts.Add(1)
		return "login timeout: not logged in within " + c.srv.cfg.LoginTimeout.String()
	}
	c.srv.metrics.idleCloses.Add(1)
	return "idle: nothing received for " + c.srv.cfg.IdleTimeout.String() + " (clients send keepalives)"
}

// ---- read buffers ----

// maxKeptReadBuffer is the largest read buffer a connection keeps between
// messages. Invokes are small (a subscribe of 100 ids is ~5 KB); a buffer
// grown for one large message (up to MaxFrameBytes, 1 MiB) is dropped at the
// next read instead of staying with the connection for its life: 500
// WebSocket connections that each sent one large message held 876 MB.
// TestReadBufferMemory (200 connections, one 600 KB message each, loaded
// 2-core machine): 27 KB of heap per connection with the buffer dropped,
// 703 KB when kept (26x).
// A variable so that the measurement test can compare against keeping it.
var maxKeptReadBuffer = 64 << 10

// shrinkReadBuffer returns buf, or nil when it grew past maxKeptReadBuffer.
// Called at the start of a read: the previous message is no longer used.
func shrinkReadBuffer(buf []byte) []byte {
	if cap(buf) > maxKeptReadBuffer {
		return nil
	}
	return buf
}

// ---- argument values ----

// errArgumentLimit is a value outside what the protocol allows; it wraps
// protocol.ErrMistypedArgument so that the client gets reject 2
// (mistypedArgument) with the member named in the details.
func argumentError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", protocol.ErrMistypedArgument, fmt.Sprintf(format, args...))
}

// enumRanges are the enumerations a client sets whose values the server
// stores or forwards: a value outside them is refused, not truncated.
var enumRanges = map[string][2]int64{
	"eAbsentState":  {protocol.AbsentStateNotAbsent, protocol.AbsentStateNotSet},
	"iAbsentState":  {protocol.AbsentStateNotAbsent, protocol.AbsentStateNotSet},
	"eReachability": {protocol.ReachabilityNormal, protocol.ReachabilityUnreachable},
}

// noteMembers are the string members that carry a note (MaxNoteBytes);
// every other string member is bounded by MaxStringBytes.
var noteMembers = map[string]bool{"u8sNote": true, "u8sMessage": true}

// checkArgument walks a decoded argument: every INTEGER fits the protocol's
// 32 bits (the UCServer's esnacc runtime decodes INTEGER to a 32-bit
// AsnInt; a larger value was truncated, 4294967298 became 2), every listed
// enumeration is within its values, every string is within MaxStringBytes
// (notes: MaxNoteBytes). Strings are UTF-8 already: encoding/json replaces
// invalid bytes.
func (s *Server) checkArgument(arg any) error {
	return s.checkValue(reflect.ValueOf(arg), "argument", 0)
}

func (s *Server) checkValue(v reflect.Value, name string, depth int) error {
	if depth > 32 {
		return argumentError("%s nests too deep", name)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return s.checkValue(v.Elem(), name, depth+1)
	case reflect.Struct:
		for _, f := range structPlan(v.Type()) {
			member := f.member
			if member == "" {
				member = name // Optional[T].Value: its member's name
			}
			if err := s.checkValue(v.Field(f.index), member, depth+1); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes: bounded by the frame size
		}
		for i := 0; i < v.Len(); i++ {
			if err := s.checkValue(v.Index(i), name, depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if err := s.checkValue(it.Value(), name, depth+1); err != nil {
				return err
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if r, ok := enumRanges[name]; ok && (n < r[0] || n > r[1]) {
			return argumentError("%s: %d is not a value of the enumeration (%d..%d)", name, n, r[0], r[1])
		}
		if n < math.MinInt32 || n > math.MaxUint32 {
			return argumentError("%s: %d does not fit the protocol's 32-bit INTEGER", name, n)
		}
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n := v.Uint(); n > math.MaxUint32 {
			return argumentError("%s: %d does not fit the protocol's 32-bit INTEGER", name, n)
		}
	case reflect.String:
		limit := s.cfg.MaxStringBytes
		if noteMembers[name] {
			limit = s.cfg.MaxNoteBytes
		}
		if n := v.Len(); n > limit {
			return argumentError("%s: %d bytes, at most %d", name, n, limit)
		}
	}
	return nil
}

// planField is an exported field of a wire struct and its member name.
type planField struct {
	index  int
	member string
}

// structPlans caches the exported fields of each wire struct type: reading
// struct tags on every invoke cost more than the check itself.
var structPlans sync.Map // reflect.Type -> []planField

func structPlan(t reflect.Type) []planField {
	if p, ok := structPlans.Load(t); ok {
		return p.([]planField)
	}
	var plan []planField
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() { // not time.Time's clock fields
			plan = append(plan, planField{index: i, member: jsonName(f)})
		}
	}
	structPlans.Store(t, plan)
	return plan
}

// jsonName is a struct field's wire name ("" when it has none).
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}
