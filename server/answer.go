package server

import (
	"encoding/binary"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// Large answers (a subscribe result of 50 contacts is ~50-80 KB) used to
// be built in a buffer grown from nil, copied into the connection's
// response queue behind a frame header, and copied again into the writer's
// pooled buffer: BenchmarkLoginStorm counted ~890 KB allocated per login
// for 80 KB sent, and in the login storm (scripts/login-storm.sh) a
// quarter of presenced's CPU was garbage collection. Now the result is
// encoded once into a buffer sized from the previous results, with room
// in front for the frame header; the header is written in place and the
// buffer becomes the response queue when that is empty, and the writer
// writes a large queue as it is instead of copying it.

// frameHeadroom is the space reserved in front of an answer encoded in
// place: the largest frame header (WebSocket: 2, 4 or 10 bytes; raw TCP:
// 8).
const frameHeadroom = 10

// headerFramer is a transport that can write a frame header for a payload
// of n bytes, so that a payload encoded at an offset is framed in place.
type headerFramer interface {
	appendHeader(dst []byte, n int) []byte
}

// appendHeader is the header appendWSFrame writes for a text frame.
func (t *wsTransport) appendHeader(dst []byte, n int) []byte {
	dst = append(dst, 0x80|0x1)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xFFFF:
		return append(dst, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
}

// appendHeader is the raw TCP framing's header (protocol.AppendFrame):
// 'J' and the length in seven decimal digits.
func (t *tcpTransport) appendHeader(dst []byte, n int) []byte {
	if n > protocol.MaxFrameLength {
		panic("BUG: frame too large for the TCP framing") // answerInPlace checked maxPayload
	}
	dst = append(dst, "J0000000"...)
	for position := len(dst) - 1; n > 0; position-- {
		dst[position] = byte('0' + n%10)
		n /= 10
	}
	return dst
}

// answerInPlace queues an answer encoded at buf[frameHeadroom:] (buf's
// first frameHeadroom bytes are free), or reject 3 when it is too large
// for the transport. Framed in place, it becomes the response queue
// itself when that is empty; otherwise it is appended to it.
func (c *conn) answerInPlace(inv *protocol.Invoke, wrapped bool, buf []byte) {
	payload := buf[frameHeadroom:]
	if len(payload) > c.t.maxPayload() {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrResponseTooBig, "")
		return
	}
	framer, ok := c.t.(headerFramer)
	if !ok {
		c.queue(payload)
		return
	}
	var header [frameHeadroom]byte
	h := framer.appendHeader(header[:0], len(payload))
	start := frameHeadroom - len(h)
	copy(buf[start:], h)
	framed := buf[start:]
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	over := len(c.out) > 0 && len(c.out)+len(framed) > c.srv.cfg.MaxPendingBytes
	switch {
	case over:
	case len(c.out) == 0:
		c.out = framed
	default:
		c.out = append(c.out, framed...)
	}
	c.mu.Unlock()
	if over {
		c.srv.metrics.slowConsumerCloses.Add(1)
		c.shutdown("slow consumer: more than MaxPendingBytes queued")
		return
	}
	c.signal()
}

// subscribeResult encodes the V2 subscribe result of snaps, one entry at a
// time with one encoder, into a buffer sized from the average entry of
// the previous results (Server.subscribeEntryBytes), and queues it.
func (c *conn) subscribeResult(inv *protocol.Invoke, wrapped bool, snaps []engine.Update) {
	estimate := int(c.srv.subscribeEntryBytes.Load())
	if estimate <= 0 {
		estimate = 1 << 10
	}
	buf := make([]byte, frameHeadroom, frameHeadroom+256+len(snaps)*estimate*9/8)
	pe := presenceEncoder{user: c.currentUser()}
	var entry protocol.AsnPresenceV2
	buf = protocol.AppendGetAndSubscribePresenceV2ResultEntries(buf, inv.InvokeID, len(snaps), wrapped, func(dst []byte, i int) []byte {
		pe.presence(&entry, &snaps[i]) // entry points into pe's scratch until the next call
		return protocol.AppendPresenceV2(dst, &entry)
	})
	if len(snaps) > 0 {
		c.srv.subscribeEntryBytes.Store(int64((len(buf) - frameHeadroom) / len(snaps)))
	}
	c.answerInPlace(inv, wrapped, buf)
}
