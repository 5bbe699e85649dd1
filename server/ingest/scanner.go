package ingest

import (
	"encoding/base64"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads one JSON value at a time from a line, without reflection
// and without building a tree: the decoder asks for the value it expects
// ("a string", "an int32") and the scanner checks and consumes it. Byte
// slices it returns alias the line or its scratch buffer and are valid until
// the next call. Not safe for concurrent use.
type scanner struct {
	buf     []byte
	pos     int
	scratch []byte // unescaped strings
	depth   int    // open objects and arrays, bounded by maxDepth
}

// maxDepth bounds nesting; the schema needs 4 (event, entry, data, address).
const maxDepth = 8

func (s *scanner) reset(line []byte) {
	s.buf, s.pos, s.depth = line, 0, 0
}

// syntaxError reports what was expected at the current position.
func (s *scanner) syntaxError(expected string) error {
	if s.pos >= len(s.buf) {
		return fmt.Errorf("%w: unexpected end of line, expected %s", ErrMalformed, expected)
	}
	return fmt.Errorf("%w: offset %d: expected %s, found %q", ErrMalformed, s.pos, expected, s.buf[s.pos])
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, or 0 at the
// end (a NUL byte in the line is never valid where peek is used, so the
// ambiguity is harmless; end checks the position instead).
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// end checks that nothing but white space follows the value.
func (s *scanner) end() error {
	if s.skipSpace(); s.pos < len(s.buf) {
		return s.syntaxError("end of line")
	}
	return nil
}

// null consumes a JSON null if one comes next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && len(s.buf)-s.pos >= 4 && string(s.buf[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		return true
	}
	return false
}

// open consumes the opening bracket of an object or array.
func (s *scanner) open(c byte, what string) error {
	if s.peek() != c {
		return s.syntaxError(what)
	}
	if s.depth++; s.depth > maxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, maxDepth)
	}
	s.pos++
	return nil
}

// openValue is open for a value of the event: a value of another type is
// consumed and reported as ErrInvalidEvent.
func (s *scanner) openValue(c byte, what string) error {
	if s.peek() != c {
		return s.mismatch(what)
	}
	return s.open(c, what)
}

// nextKey advances to the next member of an object opened with open('{'):
// it returns the key, or ok == false after consuming the closing brace.
// first must be true for the first call on an object.
func (s *scanner) nextKey(first bool) (key []byte, ok bool, err error) {
	c := s.peek()
	if c == '}' {
		s.pos++
		s.depth--
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, s.syntaxError("',' or '}'")
		}
		s.pos++
		s.skipSpace()
	}
	key, err = s.stringBytes()
	if err != nil {
		return nil, false, err
	}
	if s.peek() != ':' {
		return nil, false, s.syntaxError("':'")
	}
	s.pos++
	return key, true, nil
}

// nextElement advances to the next element of an array opened with
// open('['), or returns false after consuming the closing bracket.
func (s *scanner) nextElement(first bool) (bool, error) {
	c := s.peek()
	if c == ']' {
		s.pos++
		s.depth--
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.syntaxError("',' or ']'")
		}
		s.pos++
	}
	return true, nil
}

// stringValue is stringBytes for a value of the event: a value of another
// type is consumed and reported as ErrInvalidEvent.
func (s *scanner) stringValue() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.mismatch("string")
	}
	return s.stringBytes()
}

// stringBytes reads a JSON string. The result aliases the line when the
// string has no escapes (the common case: one scan, no copy), else the
// scratch buffer.
func (s *scanner) stringBytes() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.syntaxError("string")
	}
	s.pos++
	start := s.pos
	ascii := true
	for i := start; i < len(s.buf); i++ {
		switch c := s.buf[i]; {
		case c == '"':
			s.pos = i + 1
			if !ascii && !utf8.Valid(s.buf[start:i]) {
				return nil, fmt.Errorf("%w: offset %d: invalid UTF-8 in string", ErrMalformed, start)
			}
			return s.buf[start:i], nil
		case c == '\\':
			s.pos = i
			return s.unescape(start)
		case c < 0x20:
			s.pos = i
			return nil, s.syntaxError("string character (control characters must be escaped)")
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	s.pos = len(s.buf)
	return nil, s.syntaxError("'\"'")
}

// unescape continues stringBytes at the first backslash, copying into scratch.
func (s *scanner) unescape(start int) ([]byte, error) {
	out := append(s.scratch[:0], s.buf[start:s.pos]...)
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			s.scratch = out
			if !utf8.Valid(out) {
				return nil, fmt.Errorf("%w: offset %d: invalid UTF-8 in string", ErrMalformed, start)
			}
			return out, nil
		case c < 0x20:
			return nil, s.syntaxError("string character (control characters must be escaped)")
		case c != '\\':
			out = append(out, c)
			s.pos++
			continue
		}
		if s.pos+1 >= len(s.buf) {
			s.pos = len(s.buf)
			return nil, s.syntaxError("escape sequence")
		}
		s.pos++
		switch e := s.buf[s.pos]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4(s.pos + 1)
			if !ok {
				return nil, s.syntaxError("four hex digits after \\u")
			}
			s.pos += 4
			if utf16.IsSurrogate(r) {
				// A high surrogate must be followed by \u and a low one;
				// a lone surrogate becomes U+FFFD, as encoding/json does.
				r2, ok := rune(0), false
				if s.pos+2 < len(s.buf) && s.buf[s.pos+1] == '\\' && s.buf[s.pos+2] == 'u' {
					r2, ok = s.hex4(s.pos + 3)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					s.pos += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, s.syntaxError("escape character")
		}
		s.pos++
	}
	s.scratch = out
	return nil, s.syntaxError("'\"'")
}

func (s *scanner) hex4(at int) (rune, bool) {
	if at+4 > len(s.buf) {
		return 0, false
	}
	var r rune
	for _, c := range s.buf[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// str reads a JSON string as a Go string (one allocation unless empty).
func (s *scanner) str() (string, error) {
	b, err := s.stringValue()
	if err != nil || len(b) == 0 {
		return "", err
	}
	return string(b), nil
}

// number consumes a JSON number (any form) and returns its text.
func (s *scanner) number() ([]byte, error) {
	s.skipSpace()
	start := s.pos
	if s.pos < len(s.buf) && s.buf[s.pos] == '-' {
		s.pos++
	}
	if n := s.digits(); n == 0 || (n > 1 && s.buf[s.pos-n] == '0') {
		return nil, s.syntaxError("number")
	}
	if s.pos < len(s.buf) && s.buf[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return nil, s.syntaxError("digit after '.'")
		}
	}
	if s.pos < len(s.buf) && (s.buf[s.pos] == 'e' || s.buf[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.buf) && (s.buf[s.pos] == '+' || s.buf[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return nil, s.syntaxError("digit in exponent")
		}
	}
	return s.buf[start:s.pos], nil
}

func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// integer reads a JSON number that must be an integer in [lo, hi]. A
// number of another form or range, or a value of another type, is consumed
// and reported as ErrInvalidEvent.
func (s *scanner) integer(lo, hi int64) (int64, error) {
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, s.mismatch("integer")
	}
	start := s.pos
	text, err := s.number()
	if err != nil {
		return 0, err
	}
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	var v uint64
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: offset %d: expected an integer, found %s", ErrInvalidEvent, start, s.buf[start:s.pos])
		}
		if v > (1<<63)/10 {
			v = 1<<64 - 1 // saturate: out of every range below
			break
		}
		v = v*10 + uint64(c-'0')
	}
	var x int64
	switch {
	case !neg && v <= 1<<63-1:
		x = int64(v)
	case neg && v <= 1<<63:
		x = -int64(v-1) - 1
	default:
		return 0, fmt.Errorf("%w: offset %d: %s is out of range [%d, %d]", ErrInvalidEvent, start, s.buf[start:s.pos], lo, hi)
	}
	if x < lo || x > hi {
		return 0, fmt.Errorf("%w: offset %d: %d is out of range [%d, %d]", ErrInvalidEvent, start, x, lo, hi)
	}
	return x, nil
}

func (s *scanner) int32() (int32, error) {
	v, err := s.integer(-1<<31, 1<<31-1)
	return int32(v), err
}

func (s *scanner) uint32() (uint32, error) {
	v, err := s.integer(0, 1<<32-1)
	return uint32(v), err
}

// boolean reads true or false.
func (s *scanner) boolean() (bool, error) {
	s.skipSpace()
	rest := s.buf[s.pos:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.pos += 4
		return true, nil
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.pos += 5
		return false, nil
	}
	return false, s.mismatch("true or false")
}

// timestamp reads an RFC 3339 (ISO 8601) time string and returns it in UTC.
func (s *scanner) timestamp() (time.Time, error) {
	b, err := s.stringValue()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not an RFC 3339 time such as 2025-03-14T09:30:00Z", ErrInvalidEvent, b)
	}
	// RFC 3339 has four-digit years: a time whose offset moves it out of
	// 0000-9999 in UTC ("0000-01-01T00:30:00+01:00" is in year -1) could
	// not be written back or stored, so it is refused here.
	if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%w: %q is outside the years 0000-9999 in UTC", ErrInvalidEvent, b)
	}
	return t, nil
}

// base64 reads a base64 string (standard alphabet, padded or not) and
// appends the decoded bytes to dst.
func (s *scanner) base64(dst []byte) ([]byte, error) {
	b, err := s.stringValue()
	if err != nil {
		return dst, err
	}
	enc := base64.StdEncoding
	if len(b)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	n := len(dst)
	dst = append(dst, make([]byte, enc.DecodedLen(len(b)))...)
	m, err := enc.Decode(dst[n:], b)
	if err != nil {
		return dst[:n], fmt.Errorf("%w: invalid base64: %v", ErrInvalidEvent, err)
	}
	return dst[:n+m], nil
}

// enum reads a value given either by name (a string from names) or by its
// number; names[i] has the number values[i].
func (s *scanner) enum(names []string, values []int32, what string) (int32, error) {
	if s.peek() != '"' {
		return s.int32()
	}
	b, err := s.stringValue()
	if err != nil {
		return 0, err
	}
	for i, n := range names {
		if string(b) == n {
			return values[i], nil
		}
	}
	return 0, fmt.Errorf("%w: unknown %s %q", ErrInvalidEvent, what, b)
}

// mismatch consumes a well-formed value of the wrong type and reports it as
// ErrInvalidEvent, so that the decoder can go on and find the event's id;
// a malformed value is reported as ErrMalformed.
func (s *scanner) mismatch(expected string) error {
	start := s.pos
	if err := s.skipValue(); err != nil {
		return err
	}
	return fmt.Errorf("%w: offset %d: expected %s, found %.40s", ErrInvalidEvent, start, expected, s.buf[start:s.pos])
}

// skipValue consumes any JSON value.
func (s *scanner) skipValue() error {
	switch c := s.peek(); {
	case c == '"':
		_, err := s.stringBytes()
		return err
	case c == '{':
		if err := s.open('{', "'{'"); err != nil {
			return err
		}
		for first := true; ; first = false {
			_, ok, err := s.nextKey(first)
			if err != nil || !ok {
				return err
			}
			if err := s.skipValue(); err != nil {
				return err
			}
		}
	case c == '[':
		if err := s.open('[', "'['"); err != nil {
			return err
		}
		for first := true; ; first = false {
			ok, err := s.nextElement(first)
			if err != nil || !ok {
				return err
			}
			if err := s.skipValue(); err != nil {
				return err
			}
		}
	case c == 't' || c == 'f':
		rest := s.buf[s.pos:]
		if len(rest) >= 4 && string(rest[:4]) == "true" {
			s.pos += 4
			return nil
		}
		if len(rest) >= 5 && string(rest[:5]) == "false" {
			s.pos += 5
			return nil
		}
	case c == 'n':
		if s.null() {
			return nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.number()
		return err
	}
	return s.syntaxError("value")
}
