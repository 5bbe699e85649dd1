package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/ucpresence/presence/engine"
)

// FuzzDecodeBatch feeds arbitrary batches to the batch applier and each of
// their lines to the decoder. Properties: nothing panics; a batch is either
// refused by a limit or every non-blank line is counted once, with error
// lines in order; a line the decoder accepts is valid JSON, and re-encoding
// what it decoded is a fixed point (AppendEvent then Decode gives the same
// bytes again); a line it calls malformed is invalid JSON, invalid UTF-8 or
// nested deeper than maxDepth. The checked-in corpus is under
// testdata/fuzz/FuzzDecodeBatch; run with
// go test -fuzz FuzzDecodeBatch -fuzztime 30s ./server/ingest.
func FuzzDecodeBatch(f *testing.F) {
	for _, line := range exampleLines {
		f.Add([]byte(line + "\n"))
	}
	f.Add([]byte(everyOpSet))
	f.Add([]byte(`{"seq":3}` + "\n" + everyOpClear))
	e, err := engine.New(engine.Config{ManualTick: true, Clock: engine.NewVirtualClock(testNow)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(e.Close)
	applier := NewBatchApplier(e, Limits{MaxBatchBytes: 64 << 10, MaxEvents: 64, MaxLineBytes: 8 << 10, MaxErrors: 8})
	var d Decoder
	var ev, again Event
	f.Fuzz(func(t *testing.T, batch []byte) {
		nonBlank := 0
		for rest := batch; len(rest) > 0; {
			var line []byte
			line, rest = cutLine(rest)
			if !blank(line) {
				nonBlank++
				checkLine(t, &d, line, &ev, &again)
			}
		}
		res, err := applier.Apply(batch)
		if err != nil {
			var be *BatchError
			if !errors.As(err, &be) {
				t.Fatalf("refusal %v is not a *BatchError", err)
			}
			return
		}
		if res.Applied+res.Failed != nonBlank {
			t.Fatalf("applied %d + failed %d != %d events", res.Applied, res.Failed, nonBlank)
		}
		if len(res.Errors) > 8 || len(res.Errors) > res.Failed {
			t.Fatalf("%d errors listed for %d failures", len(res.Errors), res.Failed)
		}
		for i := 1; i < len(res.Errors); i++ {
			if res.Errors[i].Line <= res.Errors[i-1].Line {
				t.Fatalf("error lines out of order: %+v", res.Errors)
			}
		}
		var answer map[string]any
		if err := json.Unmarshal(AppendResult(nil, res), &answer); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
	})
}

func checkLine(t *testing.T, d *Decoder, line []byte, ev, again *Event) {
	err := d.Decode(line, ev)
	switch {
	case err == nil:
		if !json.Valid(line) {
			t.Fatalf("accepted invalid JSON %q", line)
		}
		first := AppendEvent(nil, ev)
		if err := d.Decode(first[:len(first)-1], again); err != nil {
			t.Fatalf("re-encoded %q does not decode: %v", first, err)
		}
		if second := AppendEvent(nil, again); !bytes.Equal(first, second) {
			t.Fatalf("not a fixed point:\n%s\n%s", first, second)
		}
	case errors.Is(err, ErrMalformed):
		if json.Valid(line) && utf8.Valid(line) && !deeperThan(line, maxDepth) {
			t.Fatalf("valid JSON %q called malformed: %v", line, err)
		}
	case errors.Is(err, ErrInvalidEvent), errors.Is(err, ErrUnknownOp):
		if !json.Valid(line) {
			t.Fatalf("invalid JSON %q reported as %v, want ErrMalformed", line, err)
		}
	default:
		t.Fatalf("unexpected error class: %v", err)
	}
}

// deeperThan reports whether brackets outside strings nest deeper than max.
func deeperThan(line []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range line {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			if depth++; depth > max {
				return true
			}
		case !inString && (c == '}' || c == ']'):
			depth--
		}
	}
	return false
}
