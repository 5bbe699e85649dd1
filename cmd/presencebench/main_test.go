package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucpresence/presence/bench/sweep"
)

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"bogus"}, {"sweep"}, {"sweep", "-param", "bogus", "x.yaml"}, {"sweep", "a.yaml", "b.yaml"},
		{"sweep", "-window", "soon", "../../scenarios/smoke.yaml"}, {"size", "-families", "bakery"}, {"report"}, {"table", "extra"}} {
		var out, errs bytes.Buffer
		if code := run(args, &out, &errs); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (%s)", args, code, exitUsage, errs.String())
		}
	}
	var out bytes.Buffer
	if code := run([]string{"help"}, &out, &out); code != exitOK || !strings.Contains(out.String(), "presencebench sweep FILE") {
		t.Errorf("help: %d %s", code, out.String())
	}
}

// TestSweepReportAndTable runs a one-step in-process sweep of the smoke
// scenario through the command, re-renders its sweep.json with report,
// and formats saved benchmark output with table.
func TestSweepReportAndTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator")
	}
	dir := t.TempDir()
	var out, errs bytes.Buffer
	code := run([]string{"sweep", "../../scenarios/smoke.yaml", "-start", "10", "-max", "10", "-window", "1h", "-p99", "10s", "-out", dir}, &out, &errs)
	if code != exitOK {
		t.Fatalf("sweep: exit %d\n%s\n%s", code, out.String(), errs.String())
	}
	for _, want := range []string{"smoke: users sweep, in-process", "p99<10000ms: held up to 10", "report: " + filepath.Join(dir, "report.html")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sweep output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errs.String(), "step  0") {
		t.Errorf("no progress line on stderr: %s", errs.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res sweep.Result
	if err := json.Unmarshal(data, &res); err != nil || len(res.Steps) != 1 || res.Command == "" {
		t.Fatalf("sweep.json: %v %+v", err, res)
	}
	page := filepath.Join(dir, "again.html")
	out.Reset()
	if code := run([]string{"report", "-o", page, "-note", "re-rendered", filepath.Join(dir, "sweep.json")}, &out, &errs); code != exitOK {
		t.Fatalf("report: exit %d %s", code, errs.String())
	}
	html, err := os.ReadFile(page)
	if err != nil || !bytes.Contains(html, []byte("re-rendered")) || !bytes.Contains(html, []byte("<svg")) {
		t.Errorf("report page: %v", err)
	}
	saved := filepath.Join(dir, "bench.txt")
	os.WriteFile(saved, []byte("BenchmarkX/engine-2 100 10 ns/op 500 updates/s\nBenchmarkX/naive-2 100 40 ns/op 100 updates/s\n"), 0o644)
	out.Reset()
	if code := run([]string{"table", "-in", saved}, &out, &errs); code != exitOK {
		t.Fatalf("table: exit %d %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "5.00×") || !strings.Contains(out.String(), "4.00×") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"x.yaml", "-slo", "fanout.p99 < 100ms", "-note", "it's", ""})
	want := `x.yaml -slo 'fanout.p99 < 100ms' -note 'it'\''s' ''`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}
