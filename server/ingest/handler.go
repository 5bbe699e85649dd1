package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
)

// Config configures a Handler.
type Config struct {
	// Engine receives the events. Required.
	Engine *engine.Engine
	// Authorize checks the bearer token of every request and WebSocket
	// handshake (the text after "Authorization: Bearer "); a nil error
	// admits it. Required (a func returning nil admits everyone); called
	// concurrently.
	Authorize func(token string) error
	// Route, when set, applies each event instead of Apply(Engine, ev): a
	// cluster node forwards it to the contact's owner (package cluster).
	// It must be done with ev when it returns (the decoder reuses it).
	Route func(ev *Event) error
	// RouteBatch, when set, applies a batch's decoded events at once
	// (before Route): a cluster node sends one request per owner node for
	// the whole batch instead of one round trip per event. It returns one
	// error per event (nil: applied), in order; the events are valid only
	// until it returns. times is nil, or (when the source asked for
	// times=1) has one zeroed entry per event, which RouteBatch fills with
	// the engine time (Unix ns) each applied event's owner applied it at.
	RouteBatch func(evs []Event, times []int64) []error
	// MaxBatchBytes is the largest HTTP body or WebSocket message in bytes.
	// Zero means 8 MiB. The fasthttp Server's MaxRequestBodySize must be
	// larger, or fasthttp answers an oversize body itself, without JSON.
	MaxBatchBytes int
	// MaxEvents is the largest number of events in a batch. Zero means 10,000.
	MaxEvents int
	// MaxLineBytes is the longest event line in bytes. Zero means 1 MiB.
	MaxLineBytes int
	// MaxErrors is how many event errors an answer lists. Zero means 100.
	MaxErrors int
	// MaxStringBytes and MaxNoteBytes bound the strings of an event (Limits).
	MaxStringBytes, MaxNoteBytes int
	// WriteTimeout bounds the write of one WebSocket ack; a client that
	// does not read its acks is disconnected after it. Zero means 10 s.
	WriteTimeout time.Duration
	// IdleTimeout closes a WebSocket connection that sends no message for
	// this long. Zero means never (quiet sources are normal at night).
	IdleTimeout time.Duration
	// Logger receives connection and refusal logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Handler is the ingest API: fasthttp handlers for POST /ingest/v1/events
// (ServeHTTP) and GET /ingest/v1/stream (ServeWebSocket). Its methods are
// safe for concurrent use; each request or connection uses its own
// BatchApplier, and events of one batch are applied in order.
type Handler struct {
	engine   *engine.Engine
	auth     func(string) error
	limits   Limits
	write    time.Duration
	idle     time.Duration
	log      *slog.Logger
	workers  sync.Pool // *worker
	upgrader websocket.FastHTTPUpgrader

	applied, failed, batches, refused atomic.Uint64
	bytes, unauthorized, wsTotal      atomic.Uint64
	wsOpen                            atomic.Int64

	mu     sync.Mutex // guards conns and closed
	conns  map[*wsConn]struct{}
	closed bool
}

// worker is the per-request state a Handler pools: an applier and the
// answer buffer.
type worker struct {
	applier *BatchApplier
	out     []byte
}

// New validates cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Engine == nil {
		return nil, errors.New("ingest: Config.Engine is required")
	}
	if cfg.Authorize == nil {
		return nil, errors.New("ingest: Config.Authorize is required (a func returning nil admits everyone)")
	}
	if cfg.MaxBatchBytes < 0 || cfg.MaxEvents < 0 || cfg.MaxLineBytes < 0 || cfg.MaxErrors < 0 {
		return nil, fmt.Errorf("ingest: negative limit in Config")
	}
	h := &Handler{
		engine: cfg.Engine,
		auth:   cfg.Authorize,
		limits: Limits{
			MaxBatchBytes: cfg.MaxBatchBytes,
			MaxEvents:     cfg.MaxEvents,
			MaxLineBytes:  cfg.MaxLineBytes,
			MaxErrors:     cfg.MaxErrors,

			MaxStringBytes: cfg.MaxStringBytes,
			MaxNoteBytes:   cfg.MaxNoteBytes,
		}.withDefaults(),
		write: cfg.WriteTimeout,
		idle:  cfg.IdleTimeout,
		log:   cfg.Logger,
		conns: map[*wsConn]struct{}{},
	}
	if h.write <= 0 {
		h.write = 10 * time.Second
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.workers.New = func() any {
		a := NewBatchApplier(h.engine, h.limits)
		a.route, a.routeBatch = cfg.Route, cfg.RouteBatch
		return &worker{applier: a, out: make([]byte, 0, 512)}
	}
	h.upgrader = websocket.FastHTTPUpgrader{
		ReadBufferSize:  64 << 10, // a 1,000-event batch is ~150 KiB: few reads per message
		WriteBufferSize: 4 << 10,  // acks are small
		Error: func(ctx *fasthttp.RequestCtx, status int, reason error) {
			h.refuse(ctx, status, 0, reason)
		},
	}
	return h, nil
}

// Limits returns the batch limits in force (defaults filled in).
func (h *Handler) Limits() Limits { return h.limits }

// ServeHTTP handles POST /ingest/v1/events: the body is one NDJSON batch;
// the answer, once every event has been applied, is 200 with
// {"applied":n,"failed":m,"errors":[...]}. A batch over a limit is refused
// with nothing applied: 413 (bytes, line length) or 400 (event count), with
// {"error":".."}. 401 without a valid bearer token, 405 for other methods.
func (h *Handler) ServeHTTP(ctx *fasthttp.RequestCtx) {
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		h.refuse(ctx, fasthttp.StatusMethodNotAllowed, 0, errors.New("ingest: method not allowed, use POST"))
		return
	}
	if !h.authorize(ctx) {
		return
	}
	if n := ctx.Request.Header.ContentLength(); n > h.limits.MaxBatchBytes {
		h.refuseBatch(ctx, &BatchError{Err: ErrBatchTooLarge, Limit: h.limits.MaxBatchBytes})
		return
	}
	body := ctx.PostBody()
	h.bytes.Add(uint64(len(body)))
	w := h.workers.Get().(*worker)
	defer h.workers.Put(w)
	w.applier.ReportTimes = reportTimes(ctx)
	res, err := w.applier.Apply(body)
	if err != nil {
		h.refuseBatch(ctx, err)
		return
	}
	h.count(res)
	w.out = AppendResult(w.out[:0], res)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType("application/json")
	ctx.Response.SetBody(w.out)
}

// reportTimes reports whether the request asks for the events' engine
// times in the answer (query parameter times=1).
func reportTimes(ctx *fasthttp.RequestCtx) bool {
	return string(ctx.QueryArgs().Peek("times")) == "1"
}

// count adds an applied batch to the counters (one add each per batch).
func (h *Handler) count(res *Result) {
	h.batches.Add(1)
	h.applied.Add(uint64(res.Applied))
	h.failed.Add(uint64(res.Failed))
}

// refuseBatch answers a batch refused by a limit.
func (h *Handler) refuseBatch(ctx *fasthttp.RequestCtx, err error) {
	h.refused.Add(1)
	status, line := statusOf(err)
	h.log.Info("ingest: batch refused", "remote", ctx.RemoteAddr().String(), "error", err)
	h.refuse(ctx, status, line, err)
}

// statusOf maps a batch refusal to its HTTP status and line.
func statusOf(err error) (status, line int) {
	var be *BatchError
	if errors.As(err, &be) {
		line = be.Line
	}
	if errors.Is(err, ErrTooManyEvents) {
		return fasthttp.StatusBadRequest, line
	}
	if errors.Is(err, engine.ErrNotDurable) {
		return fasthttp.StatusServiceUnavailable, line
	}
	if errors.Is(err, ErrBatchTooLarge) || errors.Is(err, ErrLineTooLong) {
		return fasthttp.StatusRequestEntityTooLarge, line
	}
	return fasthttp.StatusBadRequest, line
}

// refuse writes an error answer {"error":".."} (with "line" when > 0).
func (h *Handler) refuse(ctx *fasthttp.RequestCtx, status, line int, err error) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.Response.SetBody(appendRefusal(nil, 0, false, line, err))
}

// authorize checks the bearer token and answers 401 when it is missing or
// refused.
func (h *Handler) authorize(ctx *fasthttp.RequestCtx) bool {
	token, ok := bearerToken(ctx.Request.Header.Peek(fasthttp.HeaderAuthorization))
	var err error
	if !ok {
		err = fmt.Errorf("%w: missing bearer token", ErrUnauthorized)
	} else if authErr := h.auth(token); authErr != nil {
		// The callback's reason is logged, not sent: it may say which
		// tokens exist.
		h.log.Info("ingest: token refused", "remote", ctx.RemoteAddr().String(), "error", authErr)
		err = ErrUnauthorized
	}
	if err == nil {
		return true
	}
	h.unauthorized.Add(1)
	ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, `Bearer realm="ingest"`)
	h.refuse(ctx, fasthttp.StatusUnauthorized, 0, err)
	return false
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header (the scheme is case-insensitive).
func bearerToken(header []byte) (string, bool) {
	const scheme = "bearer "
	if len(header) <= len(scheme) || !bytes.EqualFold(header[:len(scheme)], []byte(scheme)) {
		return "", false
	}
	token := bytes.TrimSpace(header[len(scheme):])
	if len(token) == 0 {
		return "", false
	}
	return string(token), true
}

// Stats is a snapshot of a Handler's counters.
type Stats struct {
	EventsApplied        uint64 // events the engine accepted
	EventsFailed         uint64 // events listed as failed (malformed, invalid, unknown op, engine error)
	Batches              uint64 // batches applied and answered (HTTP 200 or WebSocket ack)
	BatchesRefused       uint64 // batches refused by a limit, nothing applied
	Bytes                uint64 // bytes of batches received (bodies and messages)
	Unauthorized         uint64 // requests and handshakes answered 401
	WebSocketConnections int64  // WebSocket connections open now
	WebSocketTotal       uint64 // WebSocket connections accepted since start
}

// Stats fills st with the current counters.
func (h *Handler) Stats(st *Stats) {
	*st = Stats{
		EventsApplied:        h.applied.Load(),
		EventsFailed:         h.failed.Load(),
		Batches:              h.batches.Load(),
		BatchesRefused:       h.refused.Load(),
		Bytes:                h.bytes.Load(),
		Unauthorized:         h.unauthorized.Load(),
		WebSocketConnections: h.wsOpen.Load(),
		WebSocketTotal:       h.wsTotal.Load(),
	}
}
