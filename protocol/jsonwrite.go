package protocol

import (
	"strconv"

	"github.com/ucpresence/presence/internal/jsonwrite"
)

// The appenders in this file write JSON without reflection and without
// allocating when dst has room. They are shared by the hot-path encoders and by
// the MarshalJSON methods of the leaf types, so both paths escape identically.

// appendString appends s as a JSON string literal (internal/jsonwrite: the
// one string writer of the module, shared with the ingest API).
func appendString(dst []byte, s string) []byte { return jsonwrite.AppendString(dst, s) }

// appendInt appends v as a JSON number.
func appendInt(dst []byte, v int64) []byte {
	return strconv.AppendInt(dst, v, 10)
}

// appendBool appends true or false.
func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// objectWriter appends the members of one JSON object and places the commas.
// The zero value is not usable; start one with beginObject.
type objectWriter struct {
	empty bool
}

// beginObject appends '{' and returns a writer for the object's members.
func beginObject(dst []byte) ([]byte, objectWriter) {
	return append(dst, '{'), objectWriter{empty: true}
}

// key appends the separator (if needed) and the pre-quoted key with its colon,
// e.g. `"u8sContactId":`.
func (w *objectWriter) key(dst []byte, quotedKeyWithColon string) []byte {
	if !w.empty {
		dst = append(dst, ',')
	}
	w.empty = false
	return append(dst, quotedKeyWithColon...)
}

// stringMember appends a mandatory string member.
func (w *objectWriter) stringMember(dst []byte, quotedKeyWithColon, value string) []byte {
	return appendString(w.key(dst, quotedKeyWithColon), value)
}

// intMember appends a mandatory integer member.
func (w *objectWriter) intMember(dst []byte, quotedKeyWithColon string, value int64) []byte {
	return appendInt(w.key(dst, quotedKeyWithColon), value)
}

// boolMember appends a mandatory boolean member.
func (w *objectWriter) boolMember(dst []byte, quotedKeyWithColon string, value bool) []byte {
	return appendBool(w.key(dst, quotedKeyWithColon), value)
}

// optionalStringMember appends the member only when it is present.
func (w *objectWriter) optionalStringMember(dst []byte, quotedKeyWithColon string, value Optional[string]) []byte {
	if !value.Present {
		return dst
	}
	return appendString(w.key(dst, quotedKeyWithColon), value.Value)
}

// optionalIntMember appends the member only when it is present.
func (w *objectWriter) optionalIntMember(dst []byte, quotedKeyWithColon string, value Optional[int64]) []byte {
	if !value.Present {
		return dst
	}
	return appendInt(w.key(dst, quotedKeyWithColon), value.Value)
}

// optionalBoolMember appends the member only when it is present.
func (w *objectWriter) optionalBoolMember(dst []byte, quotedKeyWithColon string, value Optional[bool]) []byte {
	if !value.Present {
		return dst
	}
	return appendBool(w.key(dst, quotedKeyWithColon), value.Value)
}

// optionalTimeMember appends the member only when it is present.
func (w *objectWriter) optionalTimeMember(dst []byte, quotedKeyWithColon string, value Optional[SystemTime]) []byte {
	if !value.Present {
		return dst
	}
	return value.Value.appendJSON(w.key(dst, quotedKeyWithColon))
}

// endObject appends '}'.
func endObject(dst []byte) []byte {
	return append(dst, '}')
}

// appendIntList appends a JSON array of integers; nil encodes as [].
func appendIntList(dst []byte, values []int64) []byte {
	dst = append(dst, '[')
	for index, value := range values {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = appendInt(dst, value)
	}
	return append(dst, ']')
}
