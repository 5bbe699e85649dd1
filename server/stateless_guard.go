package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/protocol"
)

// ---- UCWeb session lifetime ----

// liveSession returns the UCWeb session id names while it is valid: it has
// a socket, or it was used (created, a stateless call, its socket closed)
// less than SessionTTL ago. An expired session is deleted on the spot, so
// an id stops working exactly at its lifetime, not at the next sweep.
func (s *Server) liveSession(id string) (*webSession, bool) {
	if id == "" {
		return nil, false
	}
	ws, ok := s.sessions.Load(id)
	if !ok {
		return nil, false
	}
	ws.mu.Lock()
	expired := ws.conn == nil && time.Since(ws.created) >= s.cfg.SessionTTL
	ws.mu.Unlock()
	if expired {
		s.sessions.Delete(id)
		return nil, false
	}
	return ws, true
}

// touchSession restarts the lifetime of a session used by a stateless call.
func (ws *webSession) touch() {
	ws.mu.Lock()
	ws.created = time.Now()
	ws.mu.Unlock()
}

// endSession deletes a session after asnLogoff: its id is refused from now
// on, and a socket still attached to it is closed.
func (s *Server) endSession(ws *webSession, reason string) {
	s.sessions.Delete(ws.id)
	ws.mu.Lock()
	c := ws.conn
	ws.mu.Unlock()
	if c != nil {
		c.shutdown(reason)
	}
}

// ---- stateless route checks ----

// statelessMessage builds the ROSE invoke of a stateless call to op from
// its body, or writes the refusal and returns false. The body is either the
// argument (the UCWeb route) or a whole ROSE invoke (the esnacc client's
// REST mode posts the envelope); it must be one JSON value no larger than
// MaxFrameBytes, and an envelope must name the URL's operation: the URL
// decides what is called, a body that says otherwise is refused, not obeyed.
func (s *Server) statelessMessage(ctx *fasthttp.RequestCtx, op *protocol.Operation, body []byte) ([]byte, bool) {
	refuse := func(status int, err error, details string) ([]byte, bool) {
		s.limits.statelessRejects.Add(1)
		s.metrics.rejects.Add(1)
		r := protocol.RejectFor(0, err)
		r.Details = protocol.Some(details)
		ctx.SetStatusCode(status)
		ctx.SetBody(protocol.AppendReject(nil, &r, false))
		return nil, false
	}
	if len(body) > s.cfg.MaxFrameBytes {
		return refuse(fasthttp.StatusRequestEntityTooLarge, protocol.ErrResponseTooBig,
			fmt.Sprintf("body of %d bytes exceeds MaxFrameBytes (%d)", len(body), s.cfg.MaxFrameBytes))
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	// One JSON value: a body is pasted into the envelope below, so anything
	// else (`{},"operationID":5,...`) could add members of its own.
	if !json.Valid(body) {
		return refuse(fasthttp.StatusBadRequest, protocol.ErrMistypedArgument, "the body is not one JSON value")
	}
	var probe struct {
		Invoke json.RawMessage `json:"invoke"`
	}
	if body[0] == '{' && json.Unmarshal(body, &probe) == nil && probe.Invoke != nil {
		m, err := protocol.DecodeMessage(body)
		if err != nil || m.Invoke == nil {
			return refuse(fasthttp.StatusBadRequest, protocol.ErrMistypedEnvelope, "the body is not a ROSE invoke")
		}
		inv := m.Invoke
		if inv.Operation.ID != op.ID || (inv.OperationName != "" && inv.OperationName != op.Name) {
			return refuse(fasthttp.StatusBadRequest, protocol.ErrMistypedEnvelope,
				fmt.Sprintf("operation mismatch: the URL calls %s, the body names %s (%d)", op.Name, inv.Operation.Name, inv.Operation.ID))
		}
		return body, true
	}
	msg := []byte(`{"invoke":{"invokeID":1,"operationID":` + strconv.FormatInt(int64(op.ID), 10) + `,"operationName":` + strconv.Quote(op.Name) + `,"argument":`)
	return append(append(msg, body...), "}}"...), true
}

// closeReason is why the connection is closing ("" while it is not).
func (c *conn) closeReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}
