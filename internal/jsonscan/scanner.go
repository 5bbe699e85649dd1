// Package jsonscan is the module's one JSON reader for hot paths: a
// pull scanner that reads one value at a time from a byte slice, without
// reflection and without building a tree. The decoder asks for the value
// it expects ("a string", "an int32") and the scanner checks and consumes
// it. Two decoders use it: the ingest API's event lines (server/ingest,
// where it is about 4x faster than encoding/json: BenchmarkDecode against
// BenchmarkDecodeStdlib) and the simulator's reader of
// asnUpdatePresenceV2 events (sim/wire, BenchmarkEventDecode).
//
// It accepts exactly RFC 8259 JSON in valid UTF-8, nested at most MaxDepth
// deep (FuzzSkipValue and FuzzDecodeAny check it against encoding/json).
// Errors wrap one of two sentinels, which the caller chooses so that a
// decoder reports them in its own words: Malformed for text that is not
// well-formed JSON (after which the line cannot be read on), Invalid for a
// well-formed value of the wrong type or range, which the scanner has
// consumed, so that the decoder can go on.
package jsonscan

import (
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Default sentinels, used when a Scanner's Malformed or Invalid is nil.
var (
	// ErrMalformed: the text is not well-formed JSON (syntax, invalid
	// UTF-8 in a string, nesting deeper than MaxDepth).
	ErrMalformed = errors.New("jsonscan: malformed JSON")
	// ErrInvalid: a well-formed value that is not what the decoder asked
	// for (another type, a number out of range, an unknown enum name).
	ErrInvalid = errors.New("jsonscan: unexpected value")
)

// DefaultMaxDepth is the nesting bound when MaxDepth is 0: deep enough for
// any message of the protocol (an asnUpdatePresenceV2 event nests 10 deep),
// shallow enough that SkipValue's recursion stays small.
const DefaultMaxDepth = 64

// Scanner reads JSON values from one buffer set by Reset. Byte slices it
// returns alias the buffer or its scratch space and are valid until the
// next call. The configuration fields are set once, before the first
// Reset. Not safe for concurrent use.
type Scanner struct {
	// MaxDepth bounds the nesting of objects and arrays; 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// Malformed is the sentinel that syntax errors wrap; nil means
	// s.malformed().
	Malformed error
	// Invalid is the sentinel that errors about a well-formed value of the
	// wrong type, form or range wrap; nil means ErrInvalid.
	Invalid error

	buf     []byte
	pos     int
	scratch []byte // unescaped strings
	depth   int    // open objects and arrays, bounded by MaxDepth
}

// Reset starts reading line from its beginning.
func (s *Scanner) Reset(line []byte) {
	s.buf, s.pos, s.depth = line, 0, 0
}

// Offset is the position of the next byte to read.
func (s *Scanner) Offset() int { return s.pos }

func (s *Scanner) malformed() error {
	if s.Malformed != nil {
		return s.Malformed
	}
	return ErrMalformed
}

func (s *Scanner) invalid() error {
	if s.Invalid != nil {
		return s.Invalid
	}
	return ErrInvalid
}

func (s *Scanner) maxDepth() int {
	if s.MaxDepth > 0 {
		return s.MaxDepth
	}
	return DefaultMaxDepth
}

// Invalidf returns an error that wraps the Invalid sentinel, for a
// decoder's own schema checks: "<sentinel>: <format>".
func (s *Scanner) Invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{s.invalid()}, args...)...)
}

// SyntaxError returns a Malformed error saying what was expected at the
// current position.
func (s *Scanner) SyntaxError(expected string) error {
	if s.pos >= len(s.buf) {
		return fmt.Errorf("%w: unexpected end of line, expected %s", s.malformed(), expected)
	}
	return fmt.Errorf("%w: offset %d: expected %s, found %q", s.malformed(), s.pos, expected, s.buf[s.pos])
}

func (s *Scanner) skipSpace() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// Peek returns the next non-space byte without consuming it, or 0 at the
// end (a NUL byte in the line is never valid where a value or a bracket
// is expected, so the ambiguity is harmless; End checks the position
// instead).
func (s *Scanner) Peek() byte {
	s.skipSpace()
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// End checks that nothing but white space follows the value.
func (s *Scanner) End() error {
	if s.skipSpace(); s.pos < len(s.buf) {
		return s.SyntaxError("end of line")
	}
	return nil
}

// Null consumes a JSON null if one comes next.
func (s *Scanner) Null() bool {
	if s.Peek() == 'n' && len(s.buf)-s.pos >= 4 && string(s.buf[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		return true
	}
	return false
}

// Open consumes the opening bracket of an object or array.
func (s *Scanner) Open(c byte, what string) error {
	if s.Peek() != c {
		return s.SyntaxError(what)
	}
	if s.depth++; s.depth > s.maxDepth() {
		return fmt.Errorf("%w: nesting deeper than %d", s.malformed(), s.maxDepth())
	}
	s.pos++
	return nil
}

// OpenValue is Open for a value the decoder expects: a value of another
// type is consumed and reported as Invalid.
func (s *Scanner) OpenValue(c byte, what string) error {
	if s.Peek() != c {
		return s.Mismatch(what)
	}
	return s.Open(c, what)
}

// NextKey advances to the next member of an object opened with Open('{'):
// it returns the key, or ok == false after consuming the closing brace.
// first must be true for the first call on an object.
func (s *Scanner) NextKey(first bool) (key []byte, ok bool, err error) {
	c := s.Peek()
	if c == '}' {
		s.pos++
		s.depth--
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, s.SyntaxError("',' or '}'")
		}
		s.pos++
		s.skipSpace()
	}
	key, err = s.StringBytes()
	if err != nil {
		return nil, false, err
	}
	if s.Peek() != ':' {
		return nil, false, s.SyntaxError("':'")
	}
	s.pos++
	return key, true, nil
}

// NextElement advances to the next element of an array opened with
// Open('['), or returns false after consuming the closing bracket.
func (s *Scanner) NextElement(first bool) (bool, error) {
	c := s.Peek()
	if c == ']' {
		s.pos++
		s.depth--
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.SyntaxError("',' or ']'")
		}
		s.pos++
	}
	return true, nil
}

// StringValue is StringBytes for a value the decoder expects: a value of
// another type is consumed and reported as Invalid.
func (s *Scanner) StringValue() ([]byte, error) {
	if s.Peek() != '"' {
		return nil, s.Mismatch("string")
	}
	return s.StringBytes()
}

// StringBytes reads a JSON string. The result aliases the line when the
// string has no escapes (the common case: one scan, no copy), else the
// scratch buffer.
func (s *Scanner) StringBytes() ([]byte, error) {
	if s.Peek() != '"' {
		return nil, s.SyntaxError("string")
	}
	s.pos++
	start := s.pos
	ascii := true
	for i := start; i < len(s.buf); i++ {
		switch c := s.buf[i]; {
		case c == '"':
			s.pos = i + 1
			if !ascii && !utf8.Valid(s.buf[start:i]) {
				return nil, fmt.Errorf("%w: offset %d: invalid UTF-8 in string", s.malformed(), start)
			}
			return s.buf[start:i], nil
		case c == '\\':
			s.pos = i
			return s.unescape(start)
		case c < 0x20:
			s.pos = i
			return nil, s.SyntaxError("string character (control characters must be escaped)")
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	s.pos = len(s.buf)
	return nil, s.SyntaxError("'\"'")
}

// unescape continues StringBytes at the first backslash, copying into scratch.
func (s *Scanner) unescape(start int) ([]byte, error) {
	out := append(s.scratch[:0], s.buf[start:s.pos]...)
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '"':
			s.pos++
			s.scratch = out
			if !utf8.Valid(out) {
				return nil, fmt.Errorf("%w: offset %d: invalid UTF-8 in string", s.malformed(), start)
			}
			return out, nil
		case c < 0x20:
			return nil, s.SyntaxError("string character (control characters must be escaped)")
		case c != '\\':
			out = append(out, c)
			s.pos++
			continue
		}
		if s.pos+1 >= len(s.buf) {
			s.pos = len(s.buf)
			return nil, s.SyntaxError("escape sequence")
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
				return nil, s.SyntaxError("four hex digits after \\u")
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
			return nil, s.SyntaxError("escape character")
		}
		s.pos++
	}
	s.scratch = out
	return nil, s.SyntaxError("'\"'")
}

func (s *Scanner) hex4(at int) (rune, bool) {
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

// Text reads a JSON string as a Go string (one allocation unless empty).
func (s *Scanner) Text() (string, error) {
	b, err := s.StringValue()
	if err != nil || len(b) == 0 {
		return "", err
	}
	return string(b), nil
}

// Number consumes a JSON number (any form) and returns its text.
func (s *Scanner) Number() ([]byte, error) {
	s.skipSpace()
	start := s.pos
	if s.pos < len(s.buf) && s.buf[s.pos] == '-' {
		s.pos++
	}
	if n := s.digits(); n == 0 || (n > 1 && s.buf[s.pos-n] == '0') {
		return nil, s.SyntaxError("number")
	}
	if s.pos < len(s.buf) && s.buf[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return nil, s.SyntaxError("digit after '.'")
		}
	}
	if s.pos < len(s.buf) && (s.buf[s.pos] == 'e' || s.buf[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.buf) && (s.buf[s.pos] == '+' || s.buf[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return nil, s.SyntaxError("digit in exponent")
		}
	}
	return s.buf[start:s.pos], nil
}

func (s *Scanner) digits() int {
	start := s.pos
	for s.pos < len(s.buf) && s.buf[s.pos] >= '0' && s.buf[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// Integer reads a JSON number that must be an integer in [lo, hi]. A
// number of another form or range, or a value of another type, is consumed
// and reported as Invalid.
func (s *Scanner) Integer(lo, hi int64) (int64, error) {
	if c := s.Peek(); c != '-' && (c < '0' || c > '9') {
		return 0, s.Mismatch("integer")
	}
	start := s.pos
	text, err := s.Number()
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
			return 0, fmt.Errorf("%w: offset %d: expected an integer, found %s", s.invalid(), start, s.buf[start:s.pos])
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
		return 0, fmt.Errorf("%w: offset %d: %s is out of range [%d, %d]", s.invalid(), start, s.buf[start:s.pos], lo, hi)
	}
	if x < lo || x > hi {
		return 0, fmt.Errorf("%w: offset %d: %d is out of range [%d, %d]", s.invalid(), start, x, lo, hi)
	}
	return x, nil
}

// Int32 is Integer over the range of an int32.
func (s *Scanner) Int32() (int32, error) {
	v, err := s.Integer(-1<<31, 1<<31-1)
	return int32(v), err
}

// Uint32 is Integer over the range of a uint32.
func (s *Scanner) Uint32() (uint32, error) {
	v, err := s.Integer(0, 1<<32-1)
	return uint32(v), err
}

// Boolean reads true or false; another value is consumed and reported as
// Invalid.
func (s *Scanner) Boolean() (bool, error) {
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
	return false, s.Mismatch("true or false")
}

// Time reads an RFC 3339 (ISO 8601) time string and returns it in UTC;
// another string, or a time outside the years 0000-9999 in UTC, is
// Invalid.
func (s *Scanner) Time() (time.Time, error) {
	b, err := s.StringValue()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q is not an RFC 3339 time such as 2025-03-14T09:30:00Z", s.invalid(), b)
	}
	// RFC 3339 has four-digit years: a time whose offset moves it out of
	// 0000-9999 in UTC ("0000-01-01T00:30:00+01:00" is in year -1) could
	// not be written back or stored, so it is refused here.
	if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%w: %q is outside the years 0000-9999 in UTC", s.invalid(), b)
	}
	return t, nil
}

// Base64 reads a base64 string (standard alphabet, padded or not) and
// appends the decoded bytes to dst.
func (s *Scanner) Base64(dst []byte) ([]byte, error) {
	b, err := s.StringValue()
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
		return dst[:n], fmt.Errorf("%w: invalid base64: %v", s.invalid(), err)
	}
	return dst[:n+m], nil
}

// Enum reads a value given either by name (a string from names) or by its
// number; names[i] has the number values[i]. An unknown name is Invalid.
func (s *Scanner) Enum(names []string, values []int32, what string) (int32, error) {
	if s.Peek() != '"' {
		return s.Int32()
	}
	b, err := s.StringValue()
	if err != nil {
		return 0, err
	}
	for i, n := range names {
		if string(b) == n {
			return values[i], nil
		}
	}
	return 0, fmt.Errorf("%w: unknown %s %q", s.invalid(), what, b)
}

// Mismatch consumes a well-formed value of the wrong type and reports it as
// Invalid, so that the decoder can go on (the ingest decoder goes on to
// find the event's id); a malformed value is reported as Malformed.
func (s *Scanner) Mismatch(expected string) error {
	start := s.pos
	if err := s.SkipValue(); err != nil {
		return err
	}
	return fmt.Errorf("%w: offset %d: expected %s, found %.40s", s.invalid(), start, expected, s.buf[start:s.pos])
}

// SkipValue consumes any JSON value.
func (s *Scanner) SkipValue() error {
	switch c := s.Peek(); {
	case c == '"':
		_, err := s.StringBytes()
		return err
	case c == '{':
		if err := s.Open('{', "'{'"); err != nil {
			return err
		}
		for first := true; ; first = false {
			_, ok, err := s.NextKey(first)
			if err != nil || !ok {
				return err
			}
			if err := s.SkipValue(); err != nil {
				return err
			}
		}
	case c == '[':
		if err := s.Open('[', "'['"); err != nil {
			return err
		}
		for first := true; ; first = false {
			ok, err := s.NextElement(first)
			if err != nil || !ok {
				return err
			}
			if err := s.SkipValue(); err != nil {
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
		if s.Null() {
			return nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := s.Number()
		return err
	}
	return s.SyntaxError("value")
}
