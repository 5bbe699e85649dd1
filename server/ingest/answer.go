package ingest

import (
	"strconv"

	"github.com/ucpresence/presence/internal/jsonwrite"
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
	dst = append(dst, ']')
	if r.Times != nil {
		dst = append(dst, `,"times":[`...)
		for i, at := range r.Times {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, at, 10)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
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

// appendString appends s as a JSON string (the wire codec's escaping:
// invalid UTF-8 becomes U+FFFD, no HTML escaping).
func appendString(dst []byte, s string) []byte { return jsonwrite.AppendString(dst, s) }
