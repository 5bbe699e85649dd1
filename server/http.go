package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server/auth"
)

var upgrader = websocket.FastHTTPUpgrader{
	// Clients send small invokes: 4 KB reads them (larger messages are read
	// in several steps). Events are framed by the writer and written on the
	// connection directly, so the library's write buffer is only taken from
	// a pool for its own control frames, never kept per connection.
	ReadBufferSize:  4 << 10,
	WriteBufferSize: 4 << 10,
	WriteBufferPool: &sync.Pool{},
	// Browser clients of a UC server come from other origins (the web client,
	// the SDK samples); authentication is the session id, not the origin.
	CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
}

// route is the HTTP handler: UCWeb routes, the direct WebSocket, ingest,
// metrics and health.
func (s *Server) route(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	if h, ok := s.cfg.ExtraRoutes[path]; ok {
		h(ctx)
		return
	}
	if strings.HasPrefix(path, "/ws/client/") && s.cors(ctx) {
		return // a preflight: answered, and never a login attempt
	}
	switch {
	case path == "/healthz":
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.WriteString("ok\n")
	case path == "/metrics":
		ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
		s.WriteMetrics(ctx)
	case path == "/ws/client/createsession":
		s.createSession(ctx)
	case path == "/ws/client/destroysession":
		s.destroySession(ctx)
	case path == "/" && s.cfg.Index != nil && !websocket.FastHTTPIsWebSocketUpgrade(ctx):
		s.cfg.Index(ctx)
	case path == "/ws/client/websocket" || path == "/ws/client/websocket/" || path == "/ws" || path == "/":
		s.serveWebSocket(ctx)
	case strings.HasPrefix(path, "/ws/client/"):
		s.stateless(ctx, strings.TrimPrefix(path, "/ws/client/"))
	default:
		ctx.Error("not found", fasthttp.StatusNotFound)
	}
}

// credentials reads the credentials of a createsession request: the
// Authorization header (Basic, Bearer or JWT), ?token= or X-uctoken, or
// ?user=&pass=.
func (s *Server) credentials(ctx *fasthttp.RequestCtx) (*directory.User, error) {
	a := s.cfg.Authenticator
	if h := string(ctx.Request.Header.Peek("Authorization")); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		switch strings.ToLower(scheme) {
		case "basic":
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
			login, password, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok {
				return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "malformed Basic credentials"}
			}
			return a.Basic(login, password)
		case "bearer", "jwt":
			return a.Bearer(strings.TrimSpace(value))
		}
		return nil, &auth.LogonError{Code: auth.CodeInvalidAuthMethod, Msg: "unsupported authorization scheme " + scheme}
	}
	if tok := ctx.QueryArgs().Peek("token"); len(tok) > 0 {
		return a.Bearer(string(tok))
	}
	if tok := ctx.Request.Header.Peek("X-uctoken"); len(tok) > 0 {
		return a.Bearer(string(tok))
	}
	if u := ctx.QueryArgs().Peek("user"); len(u) > 0 {
		return a.Basic(string(u), string(ctx.QueryArgs().Peek("pass")))
	}
	return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "no credentials"}
}

// createSession serves /ws/client/createsession: credentials in,
// {"sessionid": ...} out; a failure is 400 with an AsnLogonError body.
func (s *Server) createSession(ctx *fasthttp.RequestCtx) {
	user, err := s.credentials(ctx)
	if err != nil {
		s.metrics.loginFailures.Add(1)
		code, msg := logonCode(err)
		body, _ := json.Marshal(map[string]any{
			"error":       map[string]any{"_type": "AsnLogonError", "iErrorDetail": code, "u8sErrorString": msg},
			"error_value": 0, "invokedID": 0,
		})
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
		ctx.SetContentType("application/json")
		ctx.SetBody(body)
		return
	}
	s.expireSessions()
	ws := &webSession{id: newID(), user: user, created: time.Now()}
	if app, err := strconv.Atoi(string(ctx.QueryArgs().Peek("clientappid"))); err == nil {
		ws.device = deviceOf(app)
	}
	s.sessions.Store(ws.id, ws)
	ctx.SetContentType("application/json")
	body, _ := json.Marshal(map[string]string{"sessionid": ws.id})
	ctx.SetBody(body)
}

// deviceOf maps an AsnClientAppID to the engine's device kind.
func deviceOf(app int) engine.Device {
	switch app {
	case 7, 8, 18: // mobile, pad, ProCall One
		return engine.DeviceMobile
	case 9, 15, 26, 27: // web SDK, ProCall Web, WebApp, WebView2
		return engine.DeviceWeb
	}
	return engine.DeviceDesktop
}

// expireSessions drops UCWeb sessions older than SessionTTL that have no socket.
func (s *Server) expireSessions() {
	cutoff := time.Now().Add(-s.cfg.SessionTTL)
	s.sessions.Range(func(id string, ws *webSession) bool {
		ws.mu.Lock()
		idle := ws.conn == nil && ws.created.Before(cutoff)
		ws.mu.Unlock()
		if idle {
			s.sessions.Delete(id)
		}
		return true
	})
}

func sessionID(ctx *fasthttp.RequestCtx) string {
	if id := ctx.QueryArgs().Peek("x-ucsessionid"); len(id) > 0 {
		return string(id)
	}
	return string(ctx.Request.Header.Peek("X-ucsessionid"))
}

// serveWebSocket upgrades. With a valid UCWeb session the socket is logged
// in and events are array-wrapped; without one it is the direct path
// (asnNegotiateServerConnectionV2, asnLoginV2), and every other invoke gets
// reject 8 until the client logs in.
func (s *Server) serveWebSocket(ctx *fasthttp.RequestCtx) {
	ws, _ := s.liveSession(sessionID(ctx))
	accepted := ctx.Conn()
	err := upgrader.Upgrade(ctx, func(wc *websocket.Conn) {
		var c *conn
		t := newWSTransport(wc, s.cfg.MaxFrameBytes,
			func(data []byte) { c.queueControl(0xA, data) },
			func(code int, text string) { c.shutdown("client sent close") })
		c = s.newConn(t, ws != nil)
		c.accepted = accepted
		if ws != nil {
			s.watchPongs(wc)
		}
		if !s.register(c) {
			c.finish()
			return
		}
		defer s.unregister(c)
		if ws != nil {
			ws.mu.Lock()
			old := ws.conn
			ws.conn = c
			ws.mu.Unlock()
			if old != nil {
				old.shutdown("session taken over by a new socket")
			}
			if err := c.attach(ws.user, true, ws.device); err != nil {
				c.log.Error("cannot attach session", "error", err)
				c.finish()
				return
			}
		}
		c.serve()
		if ws != nil && c.closeReason() == "logoff" {
			s.endSession(ws, "logoff")
		}
		if ws != nil {
			ws.mu.Lock()
			if ws.conn == c {
				ws.conn = nil
				ws.created = time.Now() // the TTL restarts when the socket goes
			}
			ws.mu.Unlock()
		}
	})
	if err != nil {
		s.log.Debug("websocket upgrade failed", "error", err)
	}
}

// queueControl queues a WebSocket control frame (a pong) for the writer.
func (c *conn) queueControl(opcode byte, payload []byte) {
	c.mu.Lock()
	if !c.closing {
		c.out = appendWSFrame(c.out, opcode, payload)
	}
	c.mu.Unlock()
	c.signal()
}

// captureTransport collects the answers of a stateless call.
type captureTransport struct{ bytes.Buffer }

func (t *captureTransport) readMessage(time.Time) ([]byte, error) { return nil, errTooLarge }
func (t *captureTransport) appendFrame(dst, payload []byte) []byte {
	return append(dst, payload...)
}
func (t *captureTransport) write([]byte, time.Time) error                 { return nil }
func (t *captureTransport) closeFrame(dst []byte, _ int, _ string) []byte { return dst }
func (t *captureTransport) close() error                                  { return nil }
func (t *captureTransport) kind() string                                  { return "http" }
func (t *captureTransport) remote() string                                { return "" }
func (t *captureTransport) maxPayload() int                               { return math.MaxInt32 }

// stateless serves /ws/client/<operationName>: the body is the argument, the
// X-ucsessionid header (or query) names the session; the answer is the ROSE
// result, error or reject. Subscriptions need a socket and are refused.
func (s *Server) stateless(ctx *fasthttp.RequestCtx, opName string) {
	ctx.SetContentType("application/json")
	op, ok := protocol.OperationByName(opName)
	if !ok {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetBody(protocol.AppendReject(nil, ptr(protocol.RejectFor(0, protocol.ErrUnknownOperation)), false))
		return
	}
	ws, ok := s.liveSession(sessionID(ctx))
	if !ok {
		s.metrics.rejects.Add(1)
		ctx.SetStatusCode(fasthttp.StatusUnauthorized)
		ctx.SetBody(protocol.AppendReject(nil, ptr(protocol.RejectFor(0, protocol.ErrInvalidSessionID)), false))
		return
	}
	if op.ID == protocol.OperationGetAndSubscribePresenceV2 || op.Name == "asnGetAndSubscribePresence" {
		ctx.SetStatusCode(fasthttp.StatusBadRequest)
		r := protocol.RejectFor(1, protocol.ErrFunctionMissing)
		r.Details = protocol.Some("subscriptions need the WebSocket (/ws/client/websocket)")
		ctx.SetBody(protocol.AppendReject(nil, &r, false))
		return
	}
	msg, ok := s.statelessMessage(ctx, op, ctx.PostBody())
	if !ok {
		return
	}
	ws.touch()
	t := &captureTransport{}
	c := &conn{id: newID(), srv: s, t: t, log: s.log, wake: make(chan struct{}, 1), done: make(chan struct{}), tokens: 1, lastRefill: time.Now()}
	c.user, c.v2 = ws.user.ID, true
	c.handleGuarded(msg)
	if c.closeReason() == "logoff" {
		s.endSession(ws, "logoff")
	}
	ctx.SetBody(c.out)
}

func ptr[T any](v T) *T { return &v }
