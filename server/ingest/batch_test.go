package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

func TestBatchErrorsCarryLineAndID(t *testing.T) {
	e := newTestEngine(t)
	a := NewBatchApplier(e, Limits{})
	batch := "\r\n" + // line 1: blank (CRLF)
		exampleLines[OpPutContact] + "\r\n" + // 2
		`{"op":"setNote","contact":"nobody","id":"n1","note":"x"}` + "\n" + // 3: unknown contact
		"   \n" + // 4: blank
		`{"op":"setNote","contact":"bob","note":` + "\n" + // 5: malformed
		`{"op":"teleport","contact":"bob","id":"t1"}` + "\n" + // 6: unknown op
		`{"op":"setLine","contact":"bob","line":{"number":"1"},"id":"l1"}` + "\n" + // 7: engine: line without URI
		exampleLines[OpSetNote] // 8, no final newline
	res, err := a.Apply([]byte(batch))
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 2 || res.Failed != 4 {
		t.Fatalf("applied %d failed %d, want 2 and 4: %+v", res.Applied, res.Failed, res.Errors)
	}
	want := []struct {
		line int
		id   string
		err  error
	}{
		{3, "n1", engine.ErrUnknownContact},
		{5, "", ErrMalformed},
		{6, "t1", ErrUnknownOp},
		{7, "l1", engine.ErrInvalid},
	}
	for i, w := range want {
		got := res.Errors[i]
		if got.Line != w.line || got.ID != w.id || !errors.Is(got.Err, w.err) {
			t.Errorf("error %d = {%d %q %v}, want {%d %q %v}", i, got.Line, got.ID, got.Err, w.line, w.id, w.err)
		}
	}
	// The events after the failures were applied.
	snap, _ := e.Snapshot("bob")
	if snap.Note.Text != "back at 2" {
		t.Errorf("note = %q: the last event was not applied", snap.Note.Text)
	}
}

func TestBatchLimitsRefuseBeforeApplying(t *testing.T) {
	e := newTestEngine(t)
	a := NewBatchApplier(e, Limits{MaxBatchBytes: 4096, MaxEvents: 3, MaxLineBytes: 300})
	put := exampleLines[OpPutContact]
	tests := []struct {
		name  string
		batch string
		want  error
		line  int
	}{
		{"bytes", lines(put, strings.Repeat(" ", 4096)), ErrBatchTooLarge, 0},
		{"events", lines(put, exampleLines[OpSetNote], "", exampleLines[OpClearNote], exampleLines[OpSetNote]), ErrTooManyEvents, 5},
		{"line", lines(put, `{"op":"setNote","contact":"bob","note":"`+strings.Repeat("x", 300)+`"}`), ErrLineTooLong, 2},
	}
	for _, tt := range tests {
		res, err := a.Apply([]byte(tt.batch))
		var be *BatchError
		if !errors.Is(err, tt.want) || !errors.As(err, &be) || be.Line != tt.line || res != nil {
			t.Errorf("%s: %v (%+v), want %v at line %d", tt.name, err, be, tt.want, tt.line)
		}
		if _, ok := e.Snapshot("bob"); ok {
			t.Fatalf("%s: the first event of a refused batch was applied", tt.name)
		}
	}
	// At the limits exactly, the batch goes through.
	res, err := a.Apply([]byte(lines(put, exampleLines[OpSetNote], exampleLines[OpClearNote])))
	if err != nil || res.Applied != 3 {
		t.Fatalf("at the limit: %v %+v", err, res)
	}
}

func TestBatchListsAtMostMaxErrors(t *testing.T) {
	a := NewBatchApplier(newTestEngine(t), Limits{MaxErrors: 3})
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, `{"op":"setNote","contact":"ghost%d","note":"x","id":"%d"}`+"\n", i, i)
	}
	res, err := a.Apply([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 10 || len(res.Errors) != 3 || res.Errors[2].Line != 3 || res.Errors[2].ID != "2" {
		t.Errorf("failed %d, listed %+v", res.Failed, res.Errors)
	}
	if got := string(AppendResult(nil, res)); !strings.HasPrefix(got, `{"applied":0,"failed":10,"errors":[{"line":1,"id":"0","error":"engine: unknown contact"},`) {
		t.Errorf("answer %s", got)
	}
}

func TestAppendStringEscapes(t *testing.T) {
	got := string(appendString(nil, "a\"b\\c\n\x01\xff\u2028é"))
	want := `"a\"b\\c\n\u0001\ufffd\u2028é"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestRouteBatchGetsTheValidEventsAtOnce: with RouteBatch set, the valid
// events of a batch reach it in one call, in order; lines that do not
// decode fail without reaching it, and its per-event errors are listed
// with their lines, in line order.
func TestRouteBatchGetsTheValidEventsAtOnce(t *testing.T) {
	a := NewBatchApplier(newTestEngine(t), Limits{})
	var calls int
	var got []string
	a.routeBatch = func(evs []Event, _ []int64) []error {
		calls++
		errs := make([]error, len(evs))
		for i := range evs {
			got = append(got, evs[i].Op.String()+" "+evs[i].Contact)
			if evs[i].Contact == "nobody" {
				errs[i] = engine.ErrUnknownContact
			}
		}
		return errs
	}
	batch := lines(
		`{"op":"setNote","contact":"bob","note":"1"}`,              // 1
		`{"op":"setNote","contact":"nobody","id":"n1","note":"x"}`, // 2: refused by the route
		`{"op":"setNote","contact":"bob","note":`,                  // 3: malformed
		`{"op":"clearNote","contact":"carol","id":"c1"}`,           // 4
	)
	res, err := a.Apply([]byte(batch))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || strings.Join(got, ",") != "setNote bob,setNote nobody,clearNote carol" {
		t.Fatalf("%d calls with %q", calls, got)
	}
	if res.Applied != 2 || res.Failed != 2 || len(res.Errors) != 2 ||
		res.Errors[0].Line != 2 || !errors.Is(res.Errors[0].Err, engine.ErrUnknownContact) ||
		res.Errors[1].Line != 3 || !errors.Is(res.Errors[1].Err, ErrMalformed) {
		t.Fatalf("result %+v", res)
	}
}

// TestRouteBatchReportsTheOwnersTimes: with times=1, each routed event
// that was applied reports the time its router filled in (the owner's
// engine time); one it left 0 reports when the batch came back (not 0),
// and failed lines report 0.
func TestRouteBatchReportsTheOwnersTimes(t *testing.T) {
	a := NewBatchApplier(newTestEngine(t), Limits{})
	a.ReportTimes = true
	a.routeBatch = func(evs []Event, times []int64) []error {
		if len(times) != len(evs) {
			t.Fatalf("%d times for %d events", len(times), len(evs))
		}
		errs := make([]error, len(evs))
		for i := range evs {
			switch evs[i].Contact {
			case "nobody":
				errs[i] = engine.ErrUnknownContact
			case "bob":
				times[i] = int64(1000 + i)
			}
		}
		return errs
	}
	before := time.Now().UnixNano()
	res, err := a.Apply([]byte(lines(
		`{"op":"setNote","contact":"bob","note":"1"}`,              // 1: timed by the owner
		`{"op":"setNote","contact":"nobody","id":"n1","note":"x"}`, // 2: refused
		`{"op":"setNote","contact":"bob","note":`,                  // 3: malformed
		`{"op":"clearNote","contact":"carol","id":"c1"}`,           // 4: not timed
		`{"op":"setNote","contact":"bob","note":"2"}`,              // 5: timed by the owner
	)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Times) != 5 || res.Times[0] != 1000 || res.Times[1] != 0 || res.Times[2] != 0 ||
		res.Times[3] < before || res.Times[4] != 1003 {
		t.Fatalf("times %v (batch started at %d)", res.Times, before)
	}
}
