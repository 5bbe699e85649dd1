package server

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// This file holds what browser clients of the UCWeb routes need beyond the
// ROSE dispatch: CORS on /ws/client/..., destroysession, WebSocket pings on
// session sockets, and the session-only operations (asnGetLoggedInContact,
// asnGetUserTokenV2).

// corsAllowedHeaders are the request headers the SDK's browser samples set
// (createsession: Authorization, Content-Type, X-no401, X-ucsid, X-simple;
// stateless calls: X-ucsessionid), plus X-uctoken for token logins.
const corsAllowedHeaders = "Authorization, Content-Type, X-no401, X-ucsid, X-simple, X-ucsessionid, X-uctoken"

// originAllowed reports whether a browser page from origin may call the
// UCWeb routes. With no AllowedOrigins configured, pages from loopback
// hosts (any port) and "null" (file:// pages, the SDK's samples opened from
// disk) are allowed; "*" allows every origin.
func (s *Server) originAllowed(origin string) bool {
	if origin == "" {
		return false
	}
	if len(s.cfg.AllowedOrigins) == 0 {
		if origin == "null" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil {
			return false
		}
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
			return u.Scheme == "http" || u.Scheme == "https"
		}
		return false
	}
	for _, o := range s.cfg.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// cors adds the CORS answer headers to a /ws/client/ request from an
// allowed origin and answers a preflight (OPTIONS) itself: true means the
// request is answered. A preflight is never a login attempt.
func (s *Server) cors(ctx *fasthttp.RequestCtx) bool {
	origin := string(ctx.Request.Header.Peek("Origin"))
	allowed := s.originAllowed(origin)
	if allowed {
		h := &ctx.Response.Header
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if !ctx.IsOptions() {
		return false
	}
	s.metrics.corsPreflights.Add(1)
	if !allowed {
		ctx.SetStatusCode(fasthttp.StatusForbidden)
		ctx.SetBodyString("origin not allowed\n")
		return true
	}
	h := &ctx.Response.Header
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
	h.Set("Access-Control-Max-Age", "600")
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	return true
}

// destroySession serves /ws/client/destroysession?ucsessionid=ID (the SDK's
// SimpleSession sample; x-ucsessionid, query or header, also works): the
// session ends and its socket is closed. An unknown session is 404.
func (s *Server) destroySession(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	id := string(ctx.QueryArgs().Peek("ucsessionid"))
	if id == "" {
		id = sessionID(ctx)
	}
	ws, ok := s.sessions.LoadAndDelete(id)
	if !ok || id == "" {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		body, _ := json.Marshal(map[string]string{"error": "unknown session"})
		ctx.SetBody(body)
		return
	}
	ws.mu.Lock()
	c := ws.conn
	ws.conn = nil
	ws.mu.Unlock()
	if c != nil {
		c.shutdown("session destroyed")
	}
	s.metrics.sessionsDestroyed.Add(1)
	ctx.SetBodyString(`{"sessionid":` + strconv.Quote(id) + `}`)
}

// watchPongs makes pongs count as activity on a session socket: browsers
// send no ROSE keepalive (the SDK samples do not), but they answer the
// server's pings by themselves. The read deadline is moved when a pong
// arrives, while the reader is waiting for the next message.
func (s *Server) watchPongs(wc *websocket.Conn) {
	wc.SetPongHandler(func(string) error {
		return wc.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
	})
}

// loggedInContactV1 answers the V1 asnGetLoggedInContact with the V1
// AsnContact (V1 absent state and lines) built from the V2 answer.
func (c *conn) loggedInContactV1(inv *protocol.Invoke, wrapped bool) {
	user := c.currentUser()
	v2, ok := c.ownContact()
	if !ok {
		c.engineError(inv, wrapped, engine.ErrUnknownContact)
		return
	}
	own := protocol.AsnContact{
		ContactID: v2.ContactID, ContactFeatureSet: v2.ContactFeatureSet, PresenceState: v2.PresenceState,
		StaticRights: v2.StaticRights, MonitorAccessRights: v2.MonitorAccessRights, RemoteContact: v2.RemoteContact,
		AbsentState: protocol.LegacyAbsentState(&v2.AbsentState, v2.RemoteContact.DisplayName.Value),
		CustomNote:  v2.CustomNote, ActualAppointments: v2.ActualAppointments, NextAppointment: v2.NextAppointment,
		UserPropertyBag: v2.UserPropertyBag, PhoneLines: protocol.List[protocol.AsnContactPhoneLine]{},
	}
	if v2.StaticRights2 != 0 {
		own.OptionalParams = protocol.AsnOptionalParameters{protocol.IntegerParam("iStaticRights2", v2.StaticRights2)}
	}
	for _, l := range v2.PhoneLines {
		own.PhoneLines = append(own.PhoneLines, protocol.AsnContactPhoneLine{
			Type: l.Type, LinePhoneNumber: l.LinePhoneNumber, Descriptor: l.Descriptor, Number: l.Number,
			Calls: protocol.List[protocol.AsnContactCallInformationV2]{}, LineForwards: protocol.List[protocol.AsnLineForward]{},
			State: l.State, DoNotDisturb: l.DoNotDisturb, ForwardFeaturesPBX: l.ForwardFeaturesPBX,
		})
	}
	c.result(inv, wrapped, &protocol.AsnGetLoggedInContactResult{LoggedInUser: user, OwnContact: own})
}

// userToken answers asnGetUserTokenV2 (1007) and the V1 asnGetUserToken: a token the user can log in
// with (createsession?token=, asnLoginV2 authBearer). Administrator tokens
// (adminLogin) are not issued.
func (c *conn) userToken(inv *protocol.Invoke, wrapped bool) {
	tok, err := c.srv.cfg.Authenticator.IssueToken(c.currentUser(), 0)
	if err != nil {
		c.requestError(inv, wrapped, 0, "cannot issue a token: "+err.Error())
		return
	}
	if inv.Operation.Legacy {
		c.result(inv, wrapped, &protocol.AsnGetUserTokenResult{Token: tok})
		return
	}
	c.result(inv, wrapped, &protocol.AsnGetUserTokenV2Result{Token: tok})
}

// serverInterfaceVersion is the interface version presenced implements
// (interfaceversion.txt of the ASN.1 files it was written from: "8").
const serverInterfaceVersion = "8.0"

// serverInterfaceMajor is the major version: the interface changes
// incompatibly only with it (interfaceversion.txt), so only majors are
// compared.
const serverInterfaceMajor = 8

// interfaceVersionCompatible reports whether the client's range [min, max]
// ("major[.minor[.patch]]"; an empty or unreadable bound is open) includes
// the server's major version.
func interfaceVersionCompatible(min, max string) bool {
	if v, ok := majorVersion(min); ok && v > serverInterfaceMajor {
		return false
	}
	if v, ok := majorVersion(max); ok && v < serverInterfaceMajor {
		return false
	}
	return true
}

func majorVersion(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// markEventVersion records how contacts were subscribed: with the V1
// operation name their events are V1 (asnUpdatePresence, V1 _types), with
// the V2 name V2 (asnUpdatePresenceV2; on the direct path only if the client
// announced eASN1V2EVENTS at negotiate). The last subscription of a contact
// decides. It runs before the engine subscription, so no event of the
// contact can be encoded in the other version.
func (c *conn) markEventVersion(ids []string, legacy bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := false
	for _, id := range ids {
		if _, ok := c.legacy[id]; ok != legacy {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	next := make(map[string]struct{}, len(c.legacy)+len(ids))
	for id := range c.legacy {
		next[id] = struct{}{}
	}
	for _, id := range ids {
		if legacy {
			next[id] = struct{}{}
		} else {
			delete(next, id)
		}
	}
	c.legacy = next
}

// tickInterval is how often the writer wakes for keepalives: the
// KeepAliveInterval, and on session sockets at most a third of the
// IdleTimeout so that two pings can be lost before the browser's socket is
// idled out (with -idle-timeout 10s and the 20 s keepalive interval a page
// would otherwise be closed between pings).
func (c *conn) tickInterval() time.Duration {
	d := c.srv.cfg.KeepAliveInterval
	if c.wrapped {
		if third := c.srv.cfg.IdleTimeout / 3; third > 0 && third < d {
			d = third
		}
	}
	return d
}
