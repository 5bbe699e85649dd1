package run

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

func loadScenario(t testing.TB, name string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Load("../../scenarios/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run runs cfg and fails the test on an error; the table goes to the log.
func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	var status bytes.Buffer
	cfg.Status = &status
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run: %v\nstatus:\n%s", err, status.String())
	}
	var table strings.Builder
	res.WriteTable(&table)
	t.Log(table.String())
	return res
}

// testThresholds hold on a loaded two-core machine: the correctness counts
// exactly, in every build, in process and over the wire (in process by
// construction, docs/ARCHITECTURE.md "The delivery invariant"; over the
// wire because the oracle follows the server's order exactly,
// docs/SCENARIOS.md "The oracle over the wire"), the latencies loosely.
var testThresholds = []string{
	"lost == 0",
	"duplicated == 0",
	"torn == 0",
	"stale == 0",
	"divergence == 0",
	"out_of_order == 0",
	"model_divergence == 0",
	"errors == 0",
	"unattributed == 0",
	"delivery.p99 < 500ms",
	"fanout.p99 < 1s",
	"schedule_lag.max < 2s",
}

// timingChecked says whether a run's latency thresholds fail the test: not
// under the -race detector, which makes the client and the server five to
// ten times slower (over the wire delivery p99 above 100 ms in 3-second runs
// while other packages' tests run; in process one make test run saw 787 ms
// on a loaded machine). The correctness counts are asserted in every build.
func timingChecked(t *testing.T) bool {
	if raceDetector {
		t.Log("race build: latency thresholds are logged, not asserted (see timingChecked)")
		return false
	}
	return true
}

// timing are the latency thresholds.
var timing = map[string]bool{"delivery.p99 < 500ms": true, "fanout.p99 < 1s": true, "schedule_lag.max < 2s": true}

func assertClean(t *testing.T, res *Result) {
	t.Helper()
	assertCleanTimed(t, res, timingChecked(t))
}

func assertCleanTimed(t *testing.T, res *Result, timed bool) {
	t.Helper()
	var thresholds scenario.Thresholds
	for _, text := range testThresholds {
		if !timed && timing[text] {
			continue
		}
		th, err := scenario.ParseThreshold(text)
		if err != nil {
			t.Fatal(err)
		}
		thresholds = append(thresholds, th)
	}
	for _, f := range thresholds.Evaluate(res.Values) {
		t.Errorf("threshold broken: %s", f)
	}
	if !res.Oracle.Quiesced {
		t.Error("the run did not quiesce")
	}
	// Deliveries depend on speed: a watcher that pulls late gets several
	// changes in one update (under -race over the wire a third fewer).
	deliveries, least := res.Counters["deliveries"], int64(5000)
	if !timed {
		least = 1000
	}
	if deliveries < least || res.Counters["events"] < 2000 {
		t.Errorf("too little happened: %d events, %d deliveries", res.Counters["events"], deliveries)
	}
	if res.Oracle.Raced != 0 {
		t.Errorf("raced %d: no update may be excused", res.Oracle.Raced)
	}
	for _, m := range []string{"delivery", "fanout", "ingest", "schedule_lag", "slow_delivery"} {
		if res.Metrics[m].Count == 0 {
			t.Errorf("no %s samples", m)
		}
	}
	if res.Oracle.Checked != int64(res.Subscriptions) {
		t.Errorf("checked %d views of %d subscriptions", res.Oracle.Checked, res.Subscriptions)
	}
}

func TestInProcessSmoke(t *testing.T) {
	res := run(t, Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, SlowReaderShare: -1, CheckModel: true})
	assertClean(t, res)
	// The sanity line: the stream carried the calls the scenario offers
	// (20 users: within 40 %).
	if c, want := res.Produced.Calls, res.Offered.CallsPerDay; float64(c) < 0.6*want || float64(c) > 1.4*want {
		t.Errorf("produced %d calls, offered %.0f per day", c, want)
	}
}

func TestWireSmokeStream(t *testing.T) {
	ts := startServer(t, nil)
	cfg := Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, SlowReaderShare: -1, Driver: DriverWire,
		Wire: WireConfig{Target: "ws://" + ts.addr, Token: testIngestToken, SetRights: true}}
	res := run(t, cfg)
	assertCleanTimed(t, res, timingChecked(t))
}

func TestWireHTTPIngestAndBasicLogin(t *testing.T) {
	s := loadScenario(t, "smoke")
	domains := map[string]string{}
	for i := range s.Population.Users {
		domains[fmt.Sprintf("user%06d", i)] = s.Population.Domains[0]
	}
	ts := startServer(t, domains)
	cfg := Config{Scenario: s, WallTime: 3 * time.Second, StopAfter: 1500 * time.Millisecond, SlowReaderShare: 0, Driver: DriverWire,
		Wire: WireConfig{Target: "ws://" + ts.addr + "/ws/client/websocket", Ingest: "http://" + ts.addr, Token: testIngestToken,
			Auth: "basic", Password: "pw", SetRights: true}}
	res := run(t, cfg)
	if res.Counters["events"] < 500 || res.Counters["deliveries"] < 1000 {
		t.Fatalf("too little happened: %v", res.Counters)
	}
	for _, name := range []string{"lost", "errors", "duplicated", "torn", "stale", "divergence", "out_of_order", "model_divergence", "raced"} {
		if res.Values[name] != 0 {
			t.Errorf("%s = %v", name, res.Values[name])
		}
	}
	if res.Metrics["ingest"].Count == 0 {
		t.Error("no ingest latencies from the HTTP answers")
	}
}

// TestWireReconnectStorm: after the day every client connection drops and
// reconnects within 300 ms; each watcher counts one login at setup
// ("login") and one in the storm ("reconnect"), none failed, and the final check on the new
// connections finds the server consistent with the model.
func TestWireReconnectStorm(t *testing.T) {
	ts := startServer(t, nil)
	cfg := Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, StopAfter: time.Second, SlowReaderShare: -1, Driver: DriverWire,
		Wire: WireConfig{Target: "ws://" + ts.addr, Token: testIngestToken, SetRights: true, ReconnectStorm: 300 * time.Millisecond}}
	res := run(t, cfg)
	for _, name := range []string{"login", "reconnect"} { // setup, storm
		if m := res.Metrics[name]; m.Count != int64(res.Watchers) || m.P99 <= 0 || res.Values[name+".p99"] <= 0 {
			t.Fatalf("%s metric %+v for %d watchers", name, m, res.Watchers)
		}
	}
	if res.Counters["login_errors"] != 0 {
		t.Fatalf("login errors %d", res.Counters["login_errors"])
	}
	if res.Oracle.Checked == 0 || res.Oracle.Divergence != 0 || res.Oracle.Lost != 0 || res.Oracle.ModelDivergence != 0 {
		t.Fatalf("after the storm: %+v", res.Oracle)
	}
}

func TestWireRefusedToken(t *testing.T) {
	ts := startServer(t, nil)
	_, err := Run(context.Background(), Config{Scenario: loadScenario(t, "smoke"), Driver: DriverWire,
		Wire: WireConfig{Target: "ws://" + ts.addr, Token: "wrong"}})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("want a 401 from the ingest API, got %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	s := loadScenario(t, "smoke")
	for name, cfg := range map[string]Config{
		"no scenario":   {},
		"no target":     {Scenario: s, Driver: DriverWire},
		"http target":   {Scenario: s, Driver: DriverWire, Wire: WireConfig{Target: "http://x"}},
		"bad auth":      {Scenario: s, Driver: DriverWire, Wire: WireConfig{Target: "ws://x", Auth: "kerberos"}},
		"negative wall": {Scenario: s, WallTime: -time.Second},
	} {
		if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), ErrConfig.Error()) {
			t.Errorf("%s: want a configuration error, got %v", name, err)
		}
	}
}
