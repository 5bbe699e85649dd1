package ingest

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestStringSizesAreLimited: a note over MaxNoteBytes and any other string
// over MaxStringBytes fail their event with ErrInvalidEvent and change
// nothing; images (bytes) and strings at the limit pass.
func TestStringSizesAreLimited(t *testing.T) {
	e := newTestEngine(t)
	a := NewBatchApplier(e, Limits{})
	apply := func(line string) error {
		res, err := a.Apply([]byte(line + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed == 0 {
			return nil
		}
		return res.Errors[0].Err
	}
	if err := apply(`{"op":"putContact","contact":"bob","entry":{"data":{"displayName":"Bob"}}}`); err != nil {
		t.Fatal(err)
	}
	note := func(n int) string {
		return `{"op":"setNote","contact":"bob","note":"` + strings.Repeat("n", n) + `"}`
	}
	if err := apply(note(DefaultMaxNoteBytes + 1)); !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), "note of 8193 bytes") {
		t.Fatalf("note over the limit: %v", err)
	}
	if s, _ := e.Snapshot("bob"); s.Note.Text != "" {
		t.Fatalf("a refused note was stored (%d bytes)", len(s.Note.Text))
	}
	if err := apply(note(DefaultMaxNoteBytes)); err != nil {
		t.Fatalf("note at the limit: %v", err)
	}
	long := strings.Repeat("d", DefaultMaxStringBytes+1)
	err := apply(`{"op":"putContact","contact":"bob","entry":{"data":{"displayName":"` + long + `"}}}`)
	if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), "DisplayName of 4097 bytes") {
		t.Fatalf("display name over the limit: %v", err)
	}
	if s, _ := e.Snapshot("bob"); s.Data == nil || s.Data.DisplayName != "Bob" {
		t.Fatal("a refused entry was stored")
	}
	image := base64.StdEncoding.EncodeToString(make([]byte, 64<<10))
	if err := apply(`{"op":"setImages","contact":"bob","smallImage":"` + image + `"}`); err != nil {
		t.Fatalf("a 64 KB image: %v", err)
	}
}

// BenchmarkCheckSizes: the string-size check of a small event (one
// comparison) and of a long putContact line (the reflection walk), against
// decoding the same line (the baseline: what each event costs anyway).
func BenchmarkCheckSizes(b *testing.B) {
	long := `{"op":"putContact","contact":"bob","entry":{"data":{"displayName":"Bob Builder","firstName":"Bob","email":"bob@example.com","phoneBusiness":"+49 8151 1234","businessAddress":{"city":"` + strings.Repeat("x", 4000) + `","country":"DE"}},"groups":["sales"],"featureSet":1}}`
	for _, tc := range []struct{ name, line string }{{"small", exampleLines[OpSetNote]}, {"long", long}} {
		var d Decoder
		var ev Event
		if err := d.Decode([]byte(tc.line), &ev); err != nil {
			b.Fatal(err)
		}
		lim := Limits{}.withDefaults()
		b.Run(tc.name+"/check", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := lim.checkSizes([]byte(tc.line), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/decode-baseline", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := d.Decode([]byte(tc.line), &ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
