package protocol

import (
	"strconv"
	"unicode/utf8"
)

// The appenders in this file write JSON without reflection and without
// allocating when dst has room. They are shared by the hot-path encoders and by
// the MarshalJSON methods of the leaf types, so both paths escape identically.

const hexDigits = "0123456789abcdef"

// jsonSafeASCII[b] is true for the ASCII bytes that appear unescaped inside a
// JSON string. HTML characters (<, >, &) are not escaped: the clients parse
// with JSON.parse and never embed the text in HTML.
var jsonSafeASCII = func() (table [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		table[b] = b != '"' && b != '\\'
	}
	return table
}()

// appendString appends s as a JSON string literal. Quotes, backslashes and
// control characters are escaped, each byte of invalid UTF-8 becomes \ufffd,
// and U+2028/U+2029 are escaped (as encoding/json does), so the output is
// byte-identical to encoding/json with SetEscapeHTML(false).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for index := 0; index < len(s); {
		b := s[index]
		if b < utf8.RuneSelf {
			if jsonSafeASCII[b] {
				index++
				continue
			}
			dst = append(dst, s[start:index]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			index++
			start = index
			continue
		}
		r, size := utf8.DecodeRuneInString(s[index:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:index]...)
			dst = append(dst, `\ufffd`...)
			index++
			start = index
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:index]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			index += size
			start = index
			continue
		}
		index += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

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

// AppendJSONString appends s as a JSON string literal, escaped exactly as
// encoding/json does without HTML escaping (invalid UTF-8 becomes \ufffd).
// Other packages with hand-written JSON (the ingest API's answers) use it.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }
