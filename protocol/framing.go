package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Raw TCP framing of JSON messages: 'J', then exactly 7 zero-padded ASCII
// decimal digits giving the payload length in bytes, then the payload. The
// UCServer writes it with "J%07zd"; its newline after the JSON is part of the
// payload. BER frames (first byte 0xA1..0xA4) carry no header and are not
// handled here. Over WebSocket there is no header at all.

// MaxFrameLength is the largest payload a 7-digit header can announce.
const MaxFrameLength = 9_999_999

// frameHeaderLength is the length of "J" plus 7 digits.
const frameHeaderLength = 8

// frameReadChunk bounds the memory committed before the payload arrives: a
// header announcing 9,999,999 bytes does not allocate them up front.
const frameReadChunk = 64 << 10

// ReadFrame reads one JSON frame and returns its payload in a new slice. max
// bounds the payload length (max <= 0 or above MaxFrameLength means
// MaxFrameLength). It fails as soon as a header byte is wrong, without waiting
// for more input:
//   - ErrBERFrame when the first byte is 0xA1..0xA4, ErrNotJSONFrame (wrapped)
//     for any other byte that is not 'J'; that byte is left unread;
//   - ErrBadFrameLength (wrapped) at the first length byte that is not a digit;
//   - ErrFrameTooLarge (wrapped) when the length exceeds max;
//   - io.EOF when the input ends cleanly before a frame, io.ErrUnexpectedEOF
//     when it ends inside one, or the reader's error.
func ReadFrame(r *bufio.Reader, max int) ([]byte, error) {
	return ReadFrameInto(r, nil, max)
}

// ReadFrameInto is ReadFrame reusing buffer's storage when it is large enough;
// the payload aliases buffer then.
func ReadFrameInto(r *bufio.Reader, buffer []byte, max int) ([]byte, error) {
	length, err := readFrameHeader(r, max)
	if err != nil {
		return nil, err
	}
	if cap(buffer) >= length {
		payload := buffer[:length]
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil, unexpectedEOF(err)
		}
		return payload, nil
	}
	payload := make([]byte, 0, min(length, frameReadChunk))
	for len(payload) < length {
		if len(payload) == cap(payload) {
			payload = append(payload, 0)[:len(payload)]
		}
		chunk := payload[len(payload):min(cap(payload), length)]
		read, err := io.ReadFull(r, chunk)
		payload = payload[:len(payload)+read]
		if err != nil {
			return nil, unexpectedEOF(err)
		}
	}
	return payload, nil
}

// readFrameHeader reads and checks "J" + 7 digits.
func readFrameHeader(r *bufio.Reader, max int) (int, error) {
	first, err := r.Peek(1)
	if err != nil {
		return 0, err
	}
	switch marker := first[0]; {
	case marker == 'J':
	case marker >= 0xA1 && marker <= 0xA4:
		return 0, ErrBERFrame
	default:
		return 0, fmt.Errorf("%w: first byte 0x%02x", ErrNotJSONFrame, marker)
	}
	if _, err := r.Discard(1); err != nil {
		return 0, err
	}
	length := 0
	for offset := 1; offset < frameHeaderLength; offset++ {
		digit, err := r.ReadByte()
		if err != nil {
			return 0, unexpectedEOF(err)
		}
		if digit < '0' || digit > '9' {
			return 0, fmt.Errorf("%w: byte 0x%02x at header offset %d", ErrBadFrameLength, digit, offset)
		}
		length = length*10 + int(digit-'0')
	}
	limit := max
	if limit <= 0 || limit > MaxFrameLength {
		limit = MaxFrameLength
	}
	if length > limit {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, length, limit)
	}
	return length, nil
}

// unexpectedEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendFrame appends the header and payload. It adds no newline. It fails with
// ErrFrameTooLarge when the payload exceeds MaxFrameLength.
func AppendFrame(dst, payload []byte) ([]byte, error) {
	if len(payload) > MaxFrameLength {
		return dst, fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(payload))
	}
	dst = appendFrameHeader(dst, len(payload))
	return append(dst, payload...), nil
}

// StartFrame appends a placeholder header so a message can be encoded in place
// after it; it returns dst and the header's offset for FinishFrame.
func StartFrame(dst []byte) ([]byte, int) {
	return append(dst, "J0000000"...), len(dst)
}

// FinishFrame writes the length of everything after the header started at
// offset start (by StartFrame) into that header.
func FinishFrame(frame []byte, start int) error {
	if start < 0 || start+frameHeaderLength > len(frame) || frame[start] != 'J' {
		return fmt.Errorf("protocol: FinishFrame: no frame header at offset %d", start)
	}
	length := len(frame) - start - frameHeaderLength
	if length > MaxFrameLength {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, length)
	}
	for position := start + frameHeaderLength - 1; position > start; position-- {
		frame[position] = byte('0' + length%10)
		length /= 10
	}
	return nil
}

// appendFrameHeader appends "J" and the 7-digit length.
func appendFrameHeader(dst []byte, length int) []byte {
	dst = append(dst, 'J', '0', '0', '0', '0', '0', '0', '0')
	for position := len(dst) - 1; length > 0; position-- {
		dst[position] = byte('0' + length%10)
		length /= 10
	}
	return dst
}
