package run

import (
	"testing"
	"time"
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
