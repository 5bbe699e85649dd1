package run

import (
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

// faultRun runs a short in-process smoke day with a broken delivery path.
func faultRun(t *testing.T, fault Fault) *Result {
	t.Helper()
	return run(t, Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, StopAfter: 1500 * time.Millisecond, Fault: fault})
}

func TestOracleCatchesDroppedUpdates(t *testing.T) {
	res := faultRun(t, Fault{DropEvery: 50})
	o := res.Oracle
	if res.Counters["injected_faults"] == 0 {
		t.Fatal("nothing was dropped")
	}
	// A dropped update leaves sections behind: the next update of the
	// contact shows a view no change explains (stale), or, when it was the
	// last one, the final view diverges and its changes stay lost. (A drop
	// whose sections the next update happens to carry again heals
	// unnoticed: the client's view was never wrong for long.)
	if n := res.Counters["injected_faults"]; o.Stale+o.Divergence < n/4 {
		t.Errorf("%d dropped updates went unnoticed: stale %d, lost %d, divergence %d", n, o.Stale, o.Lost, o.Divergence)
	}
	if (o.Lost == 0) != (o.Divergence == 0) {
		t.Errorf("lost %d but divergence %d: a change never seen leaves a wrong final view", o.Lost, o.Divergence)
	}
	if o.Passed() {
		t.Error("the oracle passed a run that dropped updates")
	}
}

func TestOracleCatchesCorruption(t *testing.T) {
	res := faultRun(t, Fault{CorruptEvery: 100})
	if n := res.Counters["injected_faults"]; n == 0 || res.Oracle.Stale < n/2 {
		t.Errorf("%d corrupted updates, %d found stale", n, res.Oracle.Stale)
	}
	if res.Oracle.Passed() {
		t.Error("the oracle passed a run with corrupted updates")
	}
}

func TestOracleCatchesReplay(t *testing.T) {
	res := faultRun(t, Fault{ReplayEvery: 100})
	n := res.Counters["injected_faults"]
	if n == 0 || res.Oracle.Duplicated < n {
		t.Errorf("%d replayed updates, %d duplicated", n, res.Oracle.Duplicated)
	}
	if res.Oracle.Lost != 0 || res.Oracle.Divergence != 0 {
		t.Errorf("a replay lost nothing, yet lost %d, divergence %d", res.Oracle.Lost, res.Oracle.Divergence)
	}
}

func TestOracleCatchesDroppedUpdatesOverTheWire(t *testing.T) {
	ts := startServer(t, nil)
	res := run(t, Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, StopAfter: 1500 * time.Millisecond, Driver: DriverWire,
		Wire: WireConfig{Target: "ws://" + ts.addr, Token: testIngestToken, SetRights: true}, Fault: Fault{DropEvery: 50}})
	o := res.Oracle
	if res.Counters["injected_faults"] == 0 || o.Stale+o.Lost+o.Divergence == 0 || o.Passed() {
		t.Errorf("dropping every 50th update over the wire went unnoticed: stale %d, lost %d, divergence %d", o.Stale, o.Lost, o.Divergence)
	}
}

// logOf builds a contact log with one change per print, class 0 (blocked
// watchers see the note only), expected for watchers subscribed to notes.
func logOf(notes ...string) *contactLog {
	l := &contactLog{}
	l.addWatcher(0, engine.SectionNote, false)
	base := time.Now().UnixNano()
	for i, note := range notes {
		ch := &change{key: uint64(i + 1), intended: base + int64(i), applied: base + int64(i), measured: i > 0}
		ch.prints[0].note = hashString(note)
		if i > 0 && notes[i-1] != note {
			ch.changed[0] = engine.SectionNote
		}
		l.append(ch)
	}
	return l
}

func TestResolveMatchedRepeatedContent(t *testing.T) {
	// Z, A, B, A: the watcher first sees A, then B, then A.
	l := logOf("Z", "A", "B", "A")
	w := &watcherView{subs: []subView{{flags: engine.SectionNote, key: 1}}}
	sv := &w.subs[0]
	sv.print.note = hashString("Z")
	rec := newRecorder()
	for i, note := range []string{"A", "B", "A"} {
		before := sv.print
		sv.print.note = hashString(note)
		if res := resolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != resolved {
			t.Fatalf("update %d (%s): %v", i, note, res)
		}
		if want := uint64(i + 2); sv.key != want {
			t.Fatalf("update %d (%s) moved to change %d, want %d", i, note, sv.key, want)
		}
	}
	if got := rec.hist[MetricDelivery].TotalCount(); got != 3 {
		t.Errorf("%d delivery samples, want 3", got)
	}
	if got := rec.hist[MetricFanout].TotalCount(); got != 3 {
		t.Errorf("%d fan-out samples (one watcher: every delivery completes one), want 3", got)
	}
	// The same content again is a duplicate, an old one out of order.
	same := sv.print
	if res := resolveMatched(l, w, sv, engine.SectionNote, &same, time.Now().UnixNano(), rec); res != resolved || rec.counters[CounterDuplicated] != 1 {
		t.Errorf("repeat: %v, duplicated %d", res, rec.counters[CounterDuplicated])
	}
	before := sv.print
	sv.print.note = hashString("B")
	if res := resolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != olderView {
		t.Errorf("regression to B: %v, want olderView", res)
	}
	sv.print.note = hashString("never")
	if res := resolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != mismatched {
		t.Errorf("unknown content: %v, want mismatched", res)
	}
}

func TestSettleCountsCoalescedChanges(t *testing.T) {
	// A watcher at Z never got an update for A and back to Z (the engine
	// coalesced them away): consistent, nothing lost. One at A is not.
	l := logOf("Z", "A", "Z")
	consistent := subView{flags: engine.SectionNote, key: 1}
	consistent.print.note = hashString("Z")
	behind := subView{flags: engine.SectionNote, key: 2}
	behind.print.note = hashString("A")
	if !settle(l, &consistent) || consistent.key != 3 {
		t.Errorf("consistent watcher: key %d", consistent.key)
	}
	if settle(l, &behind) {
		t.Error("a watcher left at A settled as consistent")
	}
	// One watcher was expected for both changes; the consistent one is
	// settled, the log counts the other's.
	if got := l.pending(); got != 0 {
		t.Errorf("pending %d after settling the only watcher", got)
	}
}

func TestCallSetDeltas(t *testing.T) {
	var s callSet
	if !s.apply(engine.CallAdded, 1, 2) || !s.apply(engine.CallAdded, 2, 2) || !s.apply(engine.CallChanged, 1, 32) {
		t.Fatal("consistent deltas refused")
	}
	if s.apply(engine.CallAdded, 2, 2) || s.apply(engine.CallRemoved, 9, 0) {
		t.Error("contradicting deltas accepted")
	}
	var want viewPrint
	want.calls = callHash(1, 32) ^ callHash(2, 2)
	if s.hash() != want.calls {
		t.Error("the set's hash is not the XOR of its calls")
	}
	if !s.apply(engine.CallRemoved, 1, 0) || !s.apply(engine.CallRemoved, 2, 0) || s != nil || s.hash() != 0 {
		t.Errorf("emptied set: %v", s)
	}
}

func TestCoveredWithoutUpdateIsNotMeasuredLate(t *testing.T) {
	// Z, then A and back to Z between two pulls (the engine sent nothing:
	// the watcher's view never changed), then C much later. The update for
	// C must measure C only; A and Z were consistent before it came.
	l := logOf("Z", "A", "Z", "C")
	w := &watcherView{subs: []subView{{flags: engine.SectionNote, key: 1}}}
	sv := &w.subs[0]
	sv.print.note = hashString("Z")
	before := sv.print
	sv.print.note = hashString("C")
	rec := newRecorder()
	if res := resolveMatched(l, w, sv, engine.SectionNote, &before, time.Now().UnixNano(), rec); res != resolved || sv.key != 4 {
		t.Fatalf("resolution %v, position %d", res, sv.key)
	}
	if got := rec.hist[MetricDelivery].TotalCount(); got != 1 {
		t.Errorf("%d delivery samples, want 1 (C)", got)
	}
	if got := rec.counters[CounterCoalesced]; got != 2 {
		t.Errorf("%d changes settled without a sample, want 2 (A, Z)", got)
	}
	if got := l.pending(); got != 0 {
		t.Errorf("%d watchers still pending", got)
	}
}
