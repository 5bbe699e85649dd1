package server

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/protocol"
)

// transport is one client connection's framing. Reads happen on the
// connection's reader goroutine, writes only on its writer goroutine.
type transport interface {
	// readMessage returns the next ROSE message payload. The slice is valid
	// until the next call.
	readMessage(deadline time.Time) ([]byte, error)
	// appendFrame appends one framed message to dst.
	appendFrame(dst, payload []byte) []byte
	// write writes already framed bytes with one call.
	write(p []byte, deadline time.Time) error
	// closeFrame appends a goodbye (a WebSocket close frame) or nothing.
	closeFrame(dst []byte, code int, reason string) []byte
	close() error
	kind() string
	remote() string
	// maxPayload is the largest message the framing can carry.
	maxPayload() int
}

// errTooLarge reports a message over the configured maximum.
var errTooLarge = errors.New("server: message too large")

// errBinary reports a BER (binary) message, which is not supported.
var errBinary = errors.New("server: BER encoding is not supported, use JSON")

// ---- WebSocket ----

// wsTransport reads with gorilla's frame parser and writes frames itself,
// straight to the socket, so that a whole batch of events goes out in one
// write system call (gorilla writes one call per message). Gorilla's own
// control-frame replies are redirected to the writer (ping/close handlers),
// so no two goroutines write the socket.
type wsTransport struct {
	c        *websocket.Conn
	netConn  net.Conn
	max      int
	buf      []byte
	onPing   func(data []byte)
	onClose  func(code int, text string)
	deadline time.Time
}

func newWSTransport(c *websocket.Conn, max int, onPing func([]byte), onClose func(int, string)) *wsTransport {
	t := &wsTransport{c: c, netConn: c.NetConn(), max: max, onPing: onPing, onClose: onClose}
	c.SetPingHandler(func(data string) error { t.onPing([]byte(data)); return nil })
	c.SetCloseHandler(func(code int, text string) error { t.onClose(code, text); return nil })
	return t
}

func (t *wsTransport) readMessage(deadline time.Time) ([]byte, error) {
	_ = t.c.SetReadDeadline(deadline)
	typ, r, err := t.c.NextReader()
	if err != nil {
		return nil, err
	}
	t.buf = shrinkReadBuffer(t.buf)[:0]
	for {
		if len(t.buf) == cap(t.buf) {
			t.buf = append(t.buf, 0)[:len(t.buf)]
		}
		n, err := r.Read(t.buf[len(t.buf):cap(t.buf)])
		t.buf = t.buf[:len(t.buf)+n]
		if len(t.buf) > t.max {
			return nil, errTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if typ == websocket.BinaryMessage && (len(t.buf) == 0 || (t.buf[0] != '{' && t.buf[0] != '[')) {
		return nil, errBinary
	}
	return t.buf, nil
}

// appendFrame writes an unmasked FIN text frame (RFC 6455 §5.2).
func (t *wsTransport) appendFrame(dst, payload []byte) []byte {
	return appendWSFrame(dst, 0x1, payload)
}

func appendWSFrame(dst []byte, opcode byte, payload []byte) []byte {
	dst = append(dst, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

func (t *wsTransport) write(p []byte, deadline time.Time) error {
	if !deadline.Equal(t.deadline) {
		t.deadline = deadline
		_ = t.netConn.SetWriteDeadline(deadline)
	}
	_, err := t.netConn.Write(p)
	return err
}

func (t *wsTransport) closeFrame(dst []byte, code int, reason string) []byte {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	payload := append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
	return appendWSFrame(dst, 0x8, payload)
}

func (t *wsTransport) close() error    { return t.netConn.Close() }
func (t *wsTransport) maxPayload() int { return math.MaxInt32 }
func (t *wsTransport) kind() string    { return "websocket" }
func (t *wsTransport) remote() string  { return t.netConn.RemoteAddr().String() }

// ---- raw TCP ----

// tcpTransport speaks the 'J' + 7 digits + JSON framing.
type tcpTransport struct {
	conn     net.Conn
	r        *bufio.Reader
	max      int
	buf      []byte
	deadline time.Time
}

func newTCPTransport(conn net.Conn, max int) *tcpTransport {
	return &tcpTransport{conn: conn, r: bufio.NewReaderSize(conn, 16<<10), max: max}
}

func (t *tcpTransport) readMessage(deadline time.Time) ([]byte, error) {
	_ = t.conn.SetReadDeadline(deadline)
	p, err := protocol.ReadFrameInto(t.r, shrinkReadBuffer(t.buf)[:0], t.max)
	switch {
	case errors.Is(err, protocol.ErrBERFrame):
		return nil, errBinary
	case errors.Is(err, protocol.ErrFrameTooLarge):
		return nil, errTooLarge
	case err != nil:
		return nil, err
	}
	t.buf = p[:0]
	return p, nil
}

func (t *tcpTransport) appendFrame(dst, payload []byte) []byte {
	out, err := protocol.AppendFrame(dst, payload)
	if err != nil {
		panic(fmt.Sprintf("BUG: frame of %d bytes exceeds the TCP framing limit", len(payload)))
	}
	return out
}

func (t *tcpTransport) write(p []byte, deadline time.Time) error {
	if !deadline.Equal(t.deadline) {
		t.deadline = deadline
		_ = t.conn.SetWriteDeadline(deadline)
	}
	_, err := t.conn.Write(p)
	return err
}

func (t *tcpTransport) closeFrame(dst []byte, _ int, _ string) []byte { return dst }
func (t *tcpTransport) close() error                                  { return t.conn.Close() }
func (t *tcpTransport) maxPayload() int                               { return 9_999_999 }
func (t *tcpTransport) kind() string                                  { return "tcp" }
func (t *tcpTransport) remote() string                                { return t.conn.RemoteAddr().String() }
