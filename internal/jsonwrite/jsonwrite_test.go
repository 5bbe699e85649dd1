package jsonwrite

import (
	"bytes"
	"encoding/json"
	"testing"
)

// reference encodes s with encoding/json without HTML escaping, the
// behaviour AppendString promises byte for byte.
func reference(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

var samples = []string{
	"", "plain", `quote " backslash \`, "tab\tnewline\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"<html> & more", "Ä ö ü €", "\u2028\u2029", "invalid \xff\xfe utf-8", "\xed\xa0\x80 surrogate",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range samples {
		if got, want := AppendString(nil, s), reference(t, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestAppendStringAppends(t *testing.T) {
	dst := make([]byte, 0, 64)
	dst = append(dst, "prefix:"...)
	if got := string(AppendString(dst, "x\"y")); got != `prefix:"x\"y"` {
		t.Fatalf("got %s", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = AppendString(dst[:0], "no allocation with room") }); allocs != 0 {
		t.Errorf("%v allocations with room in dst", allocs)
	}
}

// FuzzAppendString: any string, valid UTF-8 or not, is written exactly as
// encoding/json writes it, and the result decodes back to the string (its
// valid UTF-8 form).
func FuzzAppendString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendString(nil, s)
		if want := reference(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s does not decode: %v", s, got, err)
		}
		if back != string(bytes.ToValidUTF8([]byte(s), []byte("\ufffd"))) && back != string([]rune(s)) {
			t.Fatalf("%q decoded as %q", s, back)
		}
	})
}
