package jsonscan

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// decodeAny reads one value into the types encoding/json gives an any
// (map[string]any, []any, string, float64, bool, nil), so that the
// scanner can be compared with encoding/json on any input.
func decodeAny(s *Scanner) (any, error) {
	switch c := s.Peek(); {
	case c == '{':
		if err := s.Open('{', "'{'"); err != nil {
			return nil, err
		}
		object := map[string]any{}
		for first := true; ; first = false {
			key, ok, err := s.NextKey(first)
			if err != nil {
				return nil, err
			}
			if !ok {
				return object, nil
			}
			name := string(key) // key aliases scratch space reused by the value
			value, err := decodeAny(s)
			if err != nil {
				return nil, err
			}
			object[name] = value
		}
	case c == '[':
		if err := s.Open('[', "'['"); err != nil {
			return nil, err
		}
		array := []any{}
		for first := true; ; first = false {
			ok, err := s.NextElement(first)
			if err != nil {
				return nil, err
			}
			if !ok {
				return array, nil
			}
			value, err := decodeAny(s)
			if err != nil {
				return nil, err
			}
			array = append(array, value)
		}
	case c == '"':
		return s.Text()
	case c == 't' || c == 'f':
		return s.Boolean()
	case c == 'n':
		if s.Null() {
			return nil, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := s.Number()
		if err != nil {
			return nil, err
		}
		return strconv.ParseFloat(string(text), 64)
	}
	return nil, s.SyntaxError("value")
}

// decodeLine is decodeAny over a whole line.
func decodeLine(s *Scanner, line []byte) (any, error) {
	s.Reset(line)
	value, err := decodeAny(s)
	if err != nil {
		return nil, err
	}
	return value, s.End()
}

// depthOf is the deepest nesting of brackets outside strings.
func depthOf(line []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range line {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			depth++
			deepest = max(deepest, depth)
		case !inString && (c == '}' || c == ']'):
			depth--
		}
	}
	return deepest
}

var examples = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+2`, `"x"`,
	` { "a" : [ 1 , 2 , { "b" : null } ] , "c" : "\u00e9\ud83d\ude00\n\"\\\/" } `,
	`{"a":1,"a":2}`, `[[[[[[[[1]]]]]]]]`, `"\ud800"`, `"\ud800\u0041"`, `"Ünïcödé ✓"`,
	// malformed
	``, `{`, `{"a"}`, `{"a":}`, `{,}`, `[1,]`, `[1 2]`, `01`, `1.`, `.5`, `1e`, `-`,
	`"abc`, `"\x"`, `"\u12"`, "\"\x01\"", `tru`, `nul`, `{"a":1}}`, `"\xff"`,
	"[\"\xc3\x28\"]", `{"a":1,}`, `[1]x`, `1e1000`,
}

// TestMatchesEncodingJSON: for every example, the scanner accepts exactly
// what encoding/json accepts (in valid UTF-8) and reads the same value.
func TestMatchesEncodingJSON(t *testing.T) {
	var s Scanner
	for _, line := range examples {
		checkAgainstEncodingJSON(t, &s, []byte(line))
	}
}

func checkAgainstEncodingJSON(t *testing.T, s *Scanner, line []byte) {
	t.Helper()
	got, err := decodeLine(s, line)
	var want any
	wantErr := json.Unmarshal(line, &want)
	var numberErr *strconv.NumError
	switch {
	case errors.As(err, &numberErr):
		// A number out of float64's range: decodeAny's ParseFloat refused
		// it, not the scanner (encoding/json refuses it too).
	case err == nil && wantErr != nil:
		t.Fatalf("%q: accepted, encoding/json says %v", line, wantErr)
	case err == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q: read %#v, encoding/json %#v", line, got, want)
	case err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalid):
		t.Fatalf("%q: error %v wraps neither sentinel", line, err)
	case err != nil && wantErr == nil && utf8.Valid(line) && depthOf(line) <= DefaultMaxDepth:
		t.Fatalf("%q: refused (%v), encoding/json accepts it", line, err)
	}
}

// FuzzDecodeAny compares the scanner with encoding/json on arbitrary
// input: same verdict and same value for valid UTF-8 nested at most
// DefaultMaxDepth, never a panic. Run with
// go test -run '^$' -fuzz FuzzDecodeAny -fuzztime 30s ./internal/jsonscan.
func FuzzDecodeAny(f *testing.F) {
	for _, line := range examples {
		f.Add([]byte(line))
	}
	var s Scanner
	f.Fuzz(func(t *testing.T, line []byte) {
		checkAgainstEncodingJSON(t, &s, line)
	})
}

// FuzzSkipValue: SkipValue followed by End accepts a line exactly when
// encoding/json calls it valid JSON (for valid UTF-8 within the depth
// bound, here the ingest API's 8), and an accepted line is consumed whole.
// Run with go test -run '^$' -fuzz FuzzSkipValue -fuzztime 30s
// ./internal/jsonscan.
func FuzzSkipValue(f *testing.F) {
	for _, line := range examples {
		f.Add([]byte(line))
	}
	s := Scanner{MaxDepth: 8}
	f.Fuzz(func(t *testing.T, line []byte) {
		s.Reset(line)
		err := s.SkipValue()
		if err == nil {
			err = s.End()
		}
		valid := json.Valid(line)
		switch {
		case err == nil && !valid:
			t.Fatalf("%q: skipped invalid JSON", line)
		case err == nil && s.Offset() != len(line):
			t.Fatalf("%q: accepted at offset %d of %d", line, s.Offset(), len(line))
		case err != nil && !errors.Is(err, ErrMalformed):
			t.Fatalf("%q: SkipValue error %v is not ErrMalformed", line, err)
		case err != nil && valid && utf8.Valid(line) && depthOf(line) <= 8:
			t.Fatalf("%q: valid JSON refused: %v", line, err)
		}
	})
}

// TestDepthBound: MaxDepth open brackets are fine, one more is Malformed
// with the bound in the message.
func TestDepthBound(t *testing.T) {
	s := Scanner{MaxDepth: 3}
	s.Reset([]byte(`[[[1]]]`))
	if err := s.SkipValue(); err != nil {
		t.Fatalf("depth 3: %v", err)
	}
	s.Reset([]byte(`[[[[1]]]]`))
	err := s.SkipValue()
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "deeper than 3") {
		t.Fatalf("depth 4: %v", err)
	}
	var deep Scanner
	line := strings.Repeat("[", DefaultMaxDepth+1) + strings.Repeat("]", DefaultMaxDepth+1)
	deep.Reset([]byte(line))
	if err := deep.SkipValue(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("zero MaxDepth does not default to %d: %v", DefaultMaxDepth, err)
	}
}

// TestCallerSentinels: the caller's sentinels are the ones wrapped, and a
// value of the wrong type is consumed so that reading can go on.
func TestCallerSentinels(t *testing.T) {
	malformed, invalid := errors.New("my malformed"), errors.New("my invalid")
	s := Scanner{Malformed: malformed, Invalid: invalid}
	s.Reset([]byte(`["x", 7]`))
	if err := s.Open('[', "'['"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.NextElement(true); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := s.Int32(); !errors.Is(err, invalid) || errors.Is(err, ErrInvalid) {
		t.Fatalf("string for int32: %v", err)
	}
	if ok, err := s.NextElement(false); !ok || err != nil {
		t.Fatalf("not consumed: %v %v", ok, err)
	}
	if v, err := s.Int32(); v != 7 || err != nil {
		t.Fatalf("second element: %d %v", v, err)
	}
	if _, err := s.NextElement(false); err != nil {
		t.Fatal(err)
	}
	s.Reset([]byte(`[1,`))
	if err := s.SkipValue(); !errors.Is(err, malformed) {
		t.Fatalf("truncated: %v", err)
	}
	if err := s.Invalidf("field %q", "x"); !errors.Is(err, invalid) || err.Error() != `my invalid: field "x"` {
		t.Fatalf("Invalidf: %v", err)
	}
}

// TestIntegerRanges: bounds are inclusive, fractions and exponents are
// Invalid, values past int64 saturate into a range error.
func TestIntegerRanges(t *testing.T) {
	var s Scanner
	for _, c := range []struct {
		text   string
		lo, hi int64
		want   int64
		ok     bool
	}{
		{"0", 0, 0, 0, true},
		{"-2147483648", math.MinInt32, math.MaxInt32, math.MinInt32, true},
		{"2147483648", math.MinInt32, math.MaxInt32, 0, false},
		{"9223372036854775807", math.MinInt64, math.MaxInt64, math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, math.MaxInt64, math.MinInt64, true},
		{"9223372036854775808", math.MinInt64, math.MaxInt64, 0, false},
		{"99999999999999999999999", math.MinInt64, math.MaxInt64, 0, false},
		{"1.0", 0, 10, 0, false},
		{"1e2", 0, 1000, 0, false},
	} {
		s.Reset([]byte(c.text))
		got, err := s.Integer(c.lo, c.hi)
		if c.ok != (err == nil) || (c.ok && got != c.want) {
			t.Errorf("%s in [%d, %d]: %d, %v", c.text, c.lo, c.hi, got, err)
		}
		if !c.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", c.text, err)
		}
	}
}

// TestTypedValues: Time, Base64, Enum and Boolean read their forms and
// call anything else Invalid.
func TestTypedValues(t *testing.T) {
	var s Scanner
	s.Reset([]byte(`"2025-03-14T10:30:00+01:00"`))
	if v, err := s.Time(); err != nil || !v.Equal(time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)) || v.Location() != time.UTC {
		t.Errorf("time: %v %v", v, err)
	}
	for _, bad := range []string{`"0000-01-01T00:30:00+01:00"`, `"yesterday"`, `12`} {
		s.Reset([]byte(bad))
		if _, err := s.Time(); !errors.Is(err, ErrInvalid) {
			t.Errorf("time %s: %v", bad, err)
		}
	}
	for text, want := range map[string]string{`"aGk="`: "hi", `"aGk"`: "hi", `""`: ""} {
		s.Reset([]byte(text))
		if got, err := s.Base64([]byte("x")); err != nil || string(got) != "x"+want {
			t.Errorf("base64 %s: %q %v", text, got, err)
		}
	}
	s.Reset([]byte(`"a*b"`))
	if got, err := s.Base64([]byte("x")); !errors.Is(err, ErrInvalid) || string(got) != "x" {
		t.Errorf("bad base64: %q %v", got, err)
	}
	names, values := []string{"idle", "busy"}, []int32{0, 7}
	for text, want := range map[string]int32{`"busy"`: 7, `3`: 3} {
		s.Reset([]byte(text))
		if got, err := s.Enum(names, values, "state"); err != nil || got != want {
			t.Errorf("enum %s: %d %v", text, got, err)
		}
	}
	s.Reset([]byte(`"away"`))
	if _, err := s.Enum(names, values, "state"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `unknown state "away"`) {
		t.Errorf("unknown enum: %v", err)
	}
	s.Reset([]byte(`"true"`))
	if _, err := s.Boolean(); !errors.Is(err, ErrInvalid) {
		t.Errorf("string for boolean: %v", err)
	}
}

// TestStringAliasesLine: a string without escapes is returned without a
// copy; one with escapes comes from scratch space, reused.
func TestStringAliasesLine(t *testing.T) {
	var s Scanner
	line := []byte(`"plain"`)
	s.Reset(line)
	b, err := s.StringBytes()
	if err != nil || &b[0] != &line[1] {
		t.Fatalf("plain string copied: %q %v", b, err)
	}
	escaped := []byte(`"a\tb\u00e9"`)
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset(escaped)
		if b, err := s.StringBytes(); err != nil || string(b) != "a\tbé" {
			t.Fatalf("escaped: %q %v", b, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("escaped string: %v allocations per read, want 0 once scratch has grown", allocs)
	}
}
