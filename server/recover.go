package server

import (
	"fmt"
	"runtime/debug"
)

// A bug in handling one client's message or in its writer must cost that
// client its connection, never the process: a panic in the reader or the
// writer goroutine of a connection is recovered here, logged with its stack
// and counted (presenced_panics_total), and the connection is closed with
// the reason "internal error: ...".
//
// What this cannot save: a panic while a mutex is held leaves it locked.
// For the connection's own mutex (conn.mu, which only guards plain field
// copies) that blocks that one connection until the process ends; a panic
// inside the engine under one of its shard locks would block the users of
// that shard. Recovery keeps the process and the other connections; it does
// not make a broken invariant safe, which is why the stack is logged.

// handleGuarded is conn.handle with the panic recovery: false ends the
// connection.
func (c *conn) handleGuarded(msg []byte) (keep bool) {
	defer func() {
		if p := recover(); p != nil {
			c.panicked("reader", p)
			keep = false
		}
	}()
	return c.handle(msg)
}

// recoverWriter is deferred by the writer goroutine: a panic there closes
// the socket, which ends the reader too (conn.serve then releases the
// connection).
func (c *conn) recoverWriter() {
	if p := recover(); p != nil {
		c.panicked("writer", p)
		_ = c.t.close()
	}
}

// panicked counts and logs a recovered panic and starts closing c.
func (c *conn) panicked(goroutine string, p any) {
	c.srv.limits.panics.Add(1)
	reason := fmt.Sprintf("internal error: panic in the connection's %s: %v", goroutine, p)
	c.log.Error("recovered from a panic; closing the connection", "reason", reason, "stack", string(debug.Stack()))
	c.shutdown(reason)
}
