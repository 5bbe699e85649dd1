package ingest

import (
	"strconv"
	"unicode/utf8"
)

// Answers (HTTP response bodies and WebSocket acks) are written with
// append-style encoders into a reused buffer: no reflection, no allocation.

// AppendResult appends the JSON answer to an applied batch:
// {"applied":n,"failed":m,"errors":[{"line":l,"id":"..","error":".."}]}.
// "id" is left out when the event had none.
func AppendResult(dst []byte, r *Result) []byte {
	dst = append(dst, '{')
	return appendResultFields(dst, r)
}

// AppendAck appends the WebSocket ack of an applied batch: the answer of
// AppendResult with "seq" first.
func AppendAck(dst []byte, seq uint64, r *Result) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, ',')
	return appendResultFields(dst, r)
}

func appendResultFields(dst []byte, r *Result) []byte {
	dst = append(dst, `"applied":`...)
	dst = strconv.AppendInt(dst, int64(r.Applied), 10)
	dst = append(dst, `,"failed":`...)
	dst = strconv.AppendInt(dst, int64(r.Failed), 10)
	dst = append(dst, `,"errors":[`...)
	for i := range r.Errors {
		e := &r.Errors[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"line":`...)
		dst = strconv.AppendInt(dst, int64(e.Line), 10)
		if e.ID != "" {
			dst = append(dst, `,"id":`...)
			dst = appendString(dst, e.ID)
		}
		dst = append(dst, `,"error":`...)
		dst = appendString(dst, e.Err.Error())
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// appendRefusal appends the answer to a refused batch or request:
// {"error":".."} or, with a sequence number, the ack
// {"seq":n,"applied":0,"failed":0,"errors":[],"error":".."}. line > 0 adds
// the line that broke a limit.
func appendRefusal(dst []byte, seq uint64, withSeq bool, line int, err error) []byte {
	dst = append(dst, '{')
	if withSeq {
		dst = append(dst, `"seq":`...)
		dst = strconv.AppendUint(dst, seq, 10)
		dst = append(dst, `,"applied":0,"failed":0,"errors":[],`...)
	}
	if line > 0 {
		dst = append(dst, `"line":`...)
		dst = strconv.AppendInt(dst, int64(line), 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"error":`...)
	dst = appendString(dst, err.Error())
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// "<", ">" and "&" are left alone (answers are not embedded in HTML).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' { // valid JSON, but not in JavaScript source
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
