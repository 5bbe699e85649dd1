// Package server is the network side of presenced: the UCServer client
// protocol (ROSE JSON over WebSocket and raw TCP), the UCWeb session routes,
// metrics and health, and the extra routes its embedder mounts (the ingest
// API is package server/ingest; cmd/presenced mounts it beside these). It
// holds no presence state itself; everything goes through the engine.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/puzpuzpuz/xsync/v3"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// Authenticator checks credentials; *auth.Authenticator (server/auth,
// against the user directory) is the implementation. Users are the
// directory's *directory.User; errors should be *auth.LogonError (its Code
// is the AsnLogonErrorEnum sent to the client), anything else is reported
// as code 100 (internal server error).
type Authenticator interface {
	// Basic checks a login name and password.
	Basic(login, password string) (*directory.User, error)
	// Bearer checks a token issued by IssueToken.
	Bearer(token string) (*directory.User, error)
	// IssueToken signs a token for the user with contact id userID, valid
	// for ttl (zero: the authenticator's default lifetime).
	IssueToken(userID string, ttl time.Duration) (string, error)
}

// Config configures a Server. Zero values take the documented defaults.
type Config struct {
	Engine        *engine.Engine // required
	Authenticator Authenticator  // required
	Logger        *slog.Logger   // nil: slog.Default()

	// MaxFrameBytes is the largest accepted message. Zero means 1 MiB.
	MaxFrameBytes int
	// MaxSubscriptionsPerCall caps the contact ids of one subscribe. Zero: 10,000.
	MaxSubscriptionsPerCall int
	// MaxSubscriptionsPerConn caps a connection's subscriptions. Zero: 20,000.
	MaxSubscriptionsPerConn int
	// InvokeRate is the sustained invokes per second per connection; zero: 200.
	InvokeRate int
	// InvokeBurst is the invoke bucket depth; zero: 400.
	InvokeBurst int
	// MaxPendingBytes is the slow-consumer budget: queued response bytes a
	// connection may hold before it is closed. Zero: 4 MiB.
	MaxPendingBytes int
	// MaxBatchBytes is how many bytes of events the writer encodes before it
	// writes (a batch larger than this is written in parts). Zero: 256 KiB.
	MaxBatchBytes int
	// WriteCoalesce is how long a connection writer that wakes for events
	// only (no response queued) waits for more before it pulls and writes,
	// so that one write carries several events (docs/CAPACITY.md measures
	// it). Responses and closes cut the wait short. Zero means
	// DefaultWriteCoalesce (off); negative also disables the wait.
	WriteCoalesce time.Duration
	// EncodeCacheOff makes every connection encode every event itself
	// instead of sharing the bytes (the baseline of the writer benchmark).
	EncodeCacheOff bool
	// WriteTimeout bounds one write; a client that does not read for this
	// long is closed as a slow consumer. Zero: 10 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a connection that sent nothing (keepalives count)
	// for this long. Zero: 60 s (the SDK sends a keepalive every 5 s).
	IdleTimeout time.Duration
	// KeepAliveInterval is how often the server sends asnTransportKeepAlive on
	// an otherwise quiet connection. Zero: 20 s.
	KeepAliveInterval time.Duration
	// SessionTTL is how long a UCWeb session id stays valid without a socket.
	// Zero: 5 min.
	SessionTTL time.Duration
	// AllowedOrigins are the browser origins (scheme://host[:port], "null"
	// for file:// pages, "*" for any) that may call the UCWeb routes
	// (/ws/client/...) across origins: preflights are answered and answers
	// carry Access-Control-Allow-Origin. Empty: loopback pages (localhost,
	// 127.0.0.1, [::1], any port) and "null", for demos and the SDK samples.
	AllowedOrigins []string
	// ServerVersion is reported by asnNegotiateServerConnectionV2.
	ServerVersion string
	// MaxConnections caps the accepted sockets of all listeners (HTTP
	// keep-alive connections included); more are closed at accept. Zero:
	// 100,000.
	MaxConnections int
	// MaxUnauthenticated caps the accepted sockets that are not a logged-in
	// client connection (plain HTTP, not yet logged in). Zero: 10,000.
	MaxUnauthenticated int
	// LoginTimeout closes a WebSocket or TCP client connection that has not
	// logged in this long after it opened. Zero: 10 s.
	LoginTimeout time.Duration
	// MaxStringBytes caps every string member of an invoke's argument (contact
	// ids, texts). Zero: 4 KiB.
	MaxStringBytes int
	// MaxNoteBytes caps a note (u8sNote, u8sMessage). Zero: 8 KiB.
	MaxNoteBytes int
	// ExtraRoutes are served by the HTTP listener before the built-in routes
	// (the ingest API is mounted here by cmd/presenced). Keys are exact paths.
	ExtraRoutes map[string]fasthttp.RequestHandler
	// Index serves GET / when it is not a WebSocket upgrade (the board's
	// redirect, server/board); nil: / is only the direct WebSocket.
	Index fasthttp.RequestHandler
}

func (c *Config) defaults() error {
	if c.Engine == nil {
		return errors.New("server: Config.Engine is required")
	}
	if c.Authenticator == nil {
		return errors.New("server: Config.Authenticator is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxFrameBytes, 1<<20)
	def(&c.MaxSubscriptionsPerCall, 10000)
	def(&c.MaxSubscriptionsPerConn, 20000)
	def(&c.InvokeRate, 200)
	def(&c.InvokeBurst, 400)
	def(&c.MaxPendingBytes, 4<<20)
	def(&c.MaxBatchBytes, 256<<10)
	defD(&c.WriteTimeout, 10*time.Second)
	defD(&c.WriteCoalesce, DefaultWriteCoalesce)
	defD(&c.IdleTimeout, 60*time.Second)
	defD(&c.KeepAliveInterval, 20*time.Second)
	defD(&c.SessionTTL, 5*time.Minute)
	c.limitDefaults()
	if c.ServerVersion == "" {
		c.ServerVersion = "presenced 0.1"
	}
	return nil
}

// Server serves clients. Create with New, then Serve listeners.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics metrics
	limits  limitState  // connection caps and hardening counters (limits.go)
	encoded encodeCache // presence events shared between connection writers
	// subscribeEntryBytes is the average entry of the last subscribe
	// result, to size the next one's buffer (answer.go).
	subscribeEntryBytes atomic.Int64
	http                *fasthttp.Server

	sessions *xsync.MapOf[string, *webSession] // UCWeb session id -> session

	// extraMetrics write more Prometheus text (the ingest API's counters).
	extraMetrics []func(io.Writer)

	mu        sync.Mutex // guards listeners, conns, shutdown
	listeners []net.Listener
	conns     map[*conn]struct{}
	shutdown  bool
	wg        sync.WaitGroup
}

// webSession is a UCWeb session created by /ws/client/createsession.
type webSession struct {
	id      string
	user    *directory.User
	device  engine.Device
	created time.Time
	mu      sync.Mutex
	conn    *conn // the attached WebSocket, if any
}

// New returns a server.
func New(cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		sessions: xsync.NewMapOf[string, *webSession](),
		conns:    map[*conn]struct{}{},
	}
	s.metrics.init()
	s.http = &fasthttp.Server{
		Handler:            s.route,
		Name:               "presenced",
		MaxRequestBodySize: cfg.MaxFrameBytes * 16,
		ReadTimeout:        cfg.IdleTimeout,
		WriteTimeout:       cfg.WriteTimeout,
		IdleTimeout:        cfg.IdleTimeout,
		Logger:             slogPrinter{cfg.Logger},
		// Our connections close their own sockets (conn.finish); without this
		// fasthttp turns Close on a hijacked conn into a no-op and a logoff
		// would leave the reader blocked until the idle timeout.
		KeepHijackedConns: true,
	}
	return s, nil
}

// ServeHTTP serves the HTTP and WebSocket routes on l until Shutdown.
func (s *Server) ServeHTTP(l net.Listener) error {
	if !s.track(l) {
		return errors.New("server: shut down")
	}
	return s.http.Serve(s.guard(l))
}

// ServeTCP serves the raw TCP protocol ('J' framing) on l until Shutdown.
func (s *Server) ServeTCP(l net.Listener) error {
	if !s.track(l) {
		return errors.New("server: shut down")
	}
	l = s.guard(l) // retries EMFILE with backoff, enforces the caps
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if down {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		c := s.newConn(newTCPTransport(nc, s.cfg.MaxFrameBytes), false)
		c.accepted = nc
		if !s.register(c) {
			_ = nc.Close()
			continue
		}
		go func() {
			defer s.unregister(c)
			c.serve()
		}()
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.listeners = append(s.listeners, l)
	return true
}

func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting, tells every connection goodbye (WebSocket close
// frame), waits for them to drain until ctx ends, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	ls := s.listeners
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
	for _, c := range conns {
		c.shutdown("server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range conns {
			c.finish()
		}
	}
	_ = s.http.ShutdownWithContext(ctx)
	return err
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// slogPrinter adapts slog to fasthttp's Logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }

var keepAliveOperation, _ = protocol.OperationByID(protocol.OperationTransportKeepAlive)

// AddMetrics registers a writer of more Prometheus text for /metrics. Call
// before serving.
func (s *Server) AddMetrics(fn func(io.Writer)) { s.extraMetrics = append(s.extraMetrics, fn) }
