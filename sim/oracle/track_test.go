package oracle

import (
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

// logOf builds a contact log with one change per print, class 0 (blocked
// watchers see the note only), expected for watchers subscribed to notes.
func logOf(notes ...string) *ContactLog {
	l := &ContactLog{}
	l.AddWatcher(0, engine.SectionNote, false)
	base := time.Now().UnixNano()
	for i, note := range notes {
		ch := &Change{Key: uint64(i + 1), Intended: base + int64(i), Applied: base + int64(i), Measured: i > 0}
		ch.Prints[0].Note = HashString(note)
		if i > 0 && notes[i-1] != note {
			ch.Changed[0] = engine.SectionNote
		}
		l.Append(ch)
	}
	return l
}

func TestResolveMatchedRepeatedContent(t *testing.T) {
	// Z, A, B, A: the watcher first sees A, then B, then A.
	l := logOf("Z", "A", "B", "A")
	w := &WatcherView{Subs: []SubView{{Flags: engine.SectionNote, Key: 1}}}
	sv := &w.Subs[0]
	sv.Print.Note = HashString("Z")
	rec := NewRecorder()
	for i, note := range []string{"A", "B", "A"} {
		before := sv.Print
		sv.Print.Note = HashString(note)
		if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != Resolved {
			t.Fatalf("update %d (%s): %v", i, note, res)
		}
		if want := uint64(i + 2); sv.Key != want {
			t.Fatalf("update %d (%s) moved to change %d, want %d", i, note, sv.Key, want)
		}
	}
	if got := rec.hist[MetricDelivery].TotalCount(); got != 3 {
		t.Errorf("%d delivery samples, want 3", got)
	}
	if got := rec.hist[MetricFanout].TotalCount(); got != 3 {
		t.Errorf("%d fan-out samples (one watcher: every delivery completes one), want 3", got)
	}
	// The same content again is a duplicate, an old one out of order.
	same := sv.Print
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &same, time.Now().UnixNano(), rec); res != Resolved || rec.counters[CounterDuplicated] != 1 {
		t.Errorf("repeat: %v, duplicated %d", res, rec.counters[CounterDuplicated])
	}
	before := sv.Print
	sv.Print.Note = HashString("B")
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != OlderView {
		t.Errorf("regression to B: %v, want olderView", res)
	}
	sv.Print.Note = HashString("never")
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != mismatched {
		t.Errorf("unknown content: %v, want mismatched", res)
	}
}

func TestSettleCountsCoalescedChanges(t *testing.T) {
	// A watcher at Z never got an update for A and back to Z (the engine
	// coalesced them away): consistent, nothing lost. One at A is not.
	l := logOf("Z", "A", "Z")
	consistent := SubView{Flags: engine.SectionNote, Key: 1}
	consistent.Print.Note = HashString("Z")
	behind := SubView{Flags: engine.SectionNote, Key: 2}
	behind.Print.Note = HashString("A")
	if !Settle(l, &consistent) || consistent.Key != 3 {
		t.Errorf("consistent watcher: key %d", consistent.Key)
	}
	if Settle(l, &behind) {
		t.Error("a watcher left at A settled as consistent")
	}
	// One watcher was expected for both changes; the consistent one is
	// settled, the log counts the other's.
	if got := l.Pending(); got != 0 {
		t.Errorf("pending %d after settling the only watcher", got)
	}
}

func TestCallSetDeltas(t *testing.T) {
	var s CallSet
	if !s.Apply(engine.CallAdded, 1, 2) || !s.Apply(engine.CallAdded, 2, 2) || !s.Apply(engine.CallChanged, 1, 32) {
		t.Fatal("consistent deltas refused")
	}
	if s.Apply(engine.CallAdded, 2, 2) || s.Apply(engine.CallRemoved, 9, 0) {
		t.Error("contradicting deltas accepted")
	}
	var want ViewPrint
	want.Calls = callHash(1, 32) ^ callHash(2, 2)
	if s.Hash() != want.Calls {
		t.Error("the set's hash is not the XOR of its calls")
	}
	if !s.Apply(engine.CallRemoved, 1, 0) || !s.Apply(engine.CallRemoved, 2, 0) || s != nil || s.Hash() != 0 {
		t.Errorf("emptied set: %v", s)
	}
}

func TestCoveredWithoutUpdateIsNotMeasuredLate(t *testing.T) {
	// Z, then A and back to Z between two pulls (the engine sent nothing:
	// the watcher's view never changed), then C much later. The update for
	// C must measure C only; A and Z were consistent before it came.
	l := logOf("Z", "A", "Z", "C")
	w := &WatcherView{Subs: []SubView{{Flags: engine.SectionNote, Key: 1}}}
	sv := &w.Subs[0]
	sv.Print.Note = HashString("Z")
	before := sv.Print
	sv.Print.Note = HashString("C")
	rec := NewRecorder()
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != Resolved || sv.Key != 4 {
		t.Fatalf("resolution %v, position %d", res, sv.Key)
	}
	if got := rec.hist[MetricDelivery].TotalCount(); got != 1 {
		t.Errorf("%d delivery samples, want 1 (C)", got)
	}
	if got := rec.counters[CounterCoalesced]; got != 2 {
		t.Errorf("%d changes settled without a sample, want 2 (A, Z)", got)
	}
	if got := l.Pending(); got != 0 {
		t.Errorf("%d watchers still pending", got)
	}
}

// TestUnmeasuredChangesWaitForTheirWatchers: warm-up changes (not
// measured) stay in the log until the watcher passed them. Before, they
// were trimmed at once (all but the newest four), and over the wire, where
// the warm-up's updates arrive after the next changes are logged, a
// watcher at the start of the day showed a view of a trimmed change:
// counted torn, duplicated or stale.
func TestUnmeasuredChangesWaitForTheirWatchers(t *testing.T) {
	l := &ContactLog{}
	l.AddWatcher(0, engine.SectionNote, false)
	notes := []string{"Z", "A", "B", "C", "D", "E", "F", "G"}
	for i, note := range notes {
		ch := &Change{Key: uint64(i + 1), Measured: false}
		ch.Prints[0].Note = HashString(note)
		if i > 0 {
			ch.Changed[0] = engine.SectionNote
		}
		l.Append(ch)
	}
	w := &WatcherView{Subs: []SubView{{Flags: engine.SectionNote, Key: 1}}}
	sv := &w.Subs[0]
	sv.Print.Note = HashString("Z")
	before := sv.Print
	sv.Print.Note = HashString("A") // the first warm-up update arrives now
	rec := NewRecorder()
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != Resolved || sv.Key != 2 {
		t.Fatalf("resolution %v, position %d (want resolved at 2)", res, sv.Key)
	}
	for _, c := range []Counter{CounterTorn, CounterDuplicated, CounterStale} {
		if rec.counters[c] != 0 {
			t.Errorf("%s %d", counterNames[c], rec.counters[c])
		}
	}
	// Once the watcher passed them, the changes leave the log (the newest
	// keepChanges stay).
	before = sv.Print
	sv.Print.Note = HashString("G")
	if res := ResolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != Resolved || sv.Key != 8 {
		t.Fatalf("resolution %v, position %d (want 8)", res, sv.Key)
	}
	ch := &Change{Key: 9, Measured: false}
	l.Append(ch)
	if n := len(l.entries); n != keepChanges {
		t.Errorf("%d changes kept after every watcher passed them, want %d", n, keepChanges)
	}
}
