package probe

import (
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProcFixture(t *testing.T) {
	s, err := Proc{Root: "testdata/proc"}.Read(4242)
	if err != nil {
		t.Fatal(err)
	}
	// stat: utime 1534, stime 287 ticks at 100 Hz; the command name holds
	// a blank and a parenthesis.
	if s.UserCPU != 15340*time.Millisecond || s.SystemCPU != 2870*time.Millisecond {
		t.Errorf("cpu = %v + %v, want 15.34s + 2.87s", s.UserCPU, s.SystemCPU)
	}
	if s.CPU() != 18210*time.Millisecond {
		t.Errorf("CPU() = %v", s.CPU())
	}
	if s.RSS != 204936<<10 || s.PeakRSS != 310212<<10 {
		t.Errorf("rss = %d peak %d", s.RSS, s.PeakRSS)
	}
	if s.Threads != 9 || s.VoluntarySwitches != 81234 || s.InvoluntarySwitches != 4321 {
		t.Errorf("threads %d switches %d/%d", s.Threads, s.VoluntarySwitches, s.InvoluntarySwitches)
	}
	if s.WriteSyscalls != 98765 || s.ReadSyscalls != 40123 || s.WrittenBytes != 812345678 || s.ReadBytes != 91234567 {
		t.Errorf("io = %+v", s)
	}
	if s.IOErr != "" {
		t.Errorf("IOErr = %q", s.IOErr)
	}
}

func TestMachineFixture(t *testing.T) {
	m, err := Proc{Root: "testdata/proc"}.ReadMachine()
	if err != nil {
		t.Fatal(err)
	}
	// busy = user 363318 + nice 10 + system 53951 + irq 7 + softirq 5683 + steal 123 ticks
	if m.Busy != ticks(363318+10+53951+7+5683+123) || m.Idle != ticks(422416+2019) || m.Steal != ticks(123) {
		t.Errorf("machine = %+v", m)
	}
	if _, err := ParseMachineStat([]byte("intr 1 2 3\n")); err == nil {
		t.Error("stat without cpu line accepted")
	}
	if live, err := (Proc{}).ReadMachine(); err == nil && live.Busy+live.Idle <= 0 {
		t.Errorf("live machine sample %+v", live)
	}
}

func TestProcMalformed(t *testing.T) {
	var s ProcSample
	for _, stat := range []string{"4242 no parens 1 2 3", "4242 (x) S 1 2", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 eleven 12 13 14 15 16 17 18"} {
		if err := ParseStat([]byte(stat), &s); err == nil {
			t.Errorf("ParseStat(%q) accepted", stat)
		}
	}
	if err := ParseStatus([]byte("Name:\tx\nThreads:\t3\n"), &s); err == nil {
		t.Error("status without VmRSS accepted")
	}
	if err := ParseStatus([]byte("VmRSS:\t12 MB\n"), &s); err == nil {
		t.Error("VmRSS in MB accepted")
	}
	if err := ParseIO([]byte("rchar: 1\nwchar: 2\n"), &s); err == nil {
		t.Error("io without syscr/syscw accepted")
	}
	if _, err := (Proc{Root: "testdata/proc"}).Read(999999); err == nil {
		t.Error("missing process read")
	}
}

// TestProcSelf reads the test's own process and checks it against what
// the test does: burn CPU, grow the heap, write.
func TestProcSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	before, err := Proc{}.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	if before.Threads < 1 || before.RSS <= 0 || before.PeakRSS < before.RSS {
		t.Fatalf("implausible self sample %+v", before)
	}
	// Burn 250 ms of this process's CPU time, counted by getrusage(2), not
	// by the wall clock: on a busy 2-core machine 250 ms of wall time may
	// give the process far less CPU. The probe (/proc/self/stat, 10 ms
	// ticks) must then see about the same amount.
	const burn = 250 * time.Millisecond
	start := rusageCPU(t)
	giveUp := time.Now().Add(2 * time.Minute)
	x := 0.0
	for rusageCPU(t)-start < burn {
		if time.Now().After(giveUp) {
			t.Skip("the machine gave this test less than 250 ms of CPU in 2 minutes")
		}
		for i := 0; i < 1000; i++ {
			x += math.Sqrt(float64(i))
		}
	}
	f, err := os.CreateTemp(t.TempDir(), "w")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	after, err := Proc{}.Read(0)
	if err != nil {
		t.Fatal(err)
	}
	// 150 ms: the 250 ms burnt less the probe's tick granularity and the
	// rounding of two samples, with a wide margin.
	if d := after.CPU() - before.CPU(); d < 150*time.Millisecond {
		t.Errorf("CPU grew by %v after %v of CPU time by getrusage (x=%g)", d, burn, x)
	}
	if after.IOErr == "" && after.WriteSyscalls-before.WriteSyscalls < 50 {
		t.Errorf("write syscalls grew by %d after 50 writes", after.WriteSyscalls-before.WriteSyscalls)
	}
}

const page = `# HELP presenced_connections Client connections open now.
# TYPE presenced_connections gauge
presenced_connections 5000
presenced_deliveries_total 1.5e+06
presenced_writes_total 300000
presenced_apply_to_write_seconds_bucket{le="0.001"} 50
presenced_apply_to_write_seconds_bucket{le="0.01"} 90
presenced_apply_to_write_seconds_bucket{le="0.1"} 100
presenced_apply_to_write_seconds_bucket{le="+Inf"} 100
presenced_apply_to_write_seconds_sum 0.5
presenced_apply_to_write_seconds_count 100
odd{path="/a b"} 7 1700000000
`

func TestParseMetrics(t *testing.T) {
	m, err := ParseMetrics([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if m.Value("presenced_connections") != 5000 || m.Value("presenced_deliveries_total") != 1.5e6 {
		t.Errorf("values: %v", m)
	}
	if v, ok := m.Get(`odd{path="/a b"}`); !ok || v != 7 {
		t.Errorf("labelled series with blank: %v %v", v, ok)
	}
	// Half the observations are at or below 1 ms; the 90th at 10 ms; the
	// 95th halfway through the (10 ms, 100 ms] bucket.
	if q := m.HistogramQuantile("presenced_apply_to_write_seconds", 0.5); math.Abs(q-0.001) > 1e-12 {
		t.Errorf("p50 = %g", q)
	}
	if q := m.HistogramQuantile("presenced_apply_to_write_seconds", 0.95); math.Abs(q-0.055) > 1e-9 {
		t.Errorf("p95 = %g, want 0.055", q)
	}
	if q := m.HistogramQuantile("nothing", 0.5); !math.IsNaN(q) {
		t.Errorf("absent histogram: %g", q)
	}
	d := m.Sub(Metrics{"presenced_writes_total": 100000})
	if d.Value("presenced_writes_total") != 200000 || d.Value("presenced_connections") != 5000 {
		t.Errorf("Sub: %v", d)
	}
	if _, err := ParseMetrics([]byte("x{le=\"1\" 3\n")); err == nil {
		t.Error("unclosed labels accepted")
	}
	if _, err := ParseMetrics([]byte("x abc\n")); err == nil {
		t.Error("non-numeric value accepted")
	}
}

func TestGCTrace(t *testing.T) {
	lines := []string{
		"gc 1 @0.012s 2%: 0.010+0.50+0.003 ms clock, 0.020+0.1/0.2/0.3+0.006 ms cpu, 3->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P",
		"gc 2 @1.500s 3%: 0.100+2.0+1.900 ms clock, 0.2+0.3/1.9/3.2+3.8 ms cpu, 40->43->22 MB, 44 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)",
		`{"level":"INFO","msg":"presenced started"}`,
	}
	var out strings.Builder
	var seen []string
	var g GCLog
	g.Consume(strings.NewReader(strings.Join(lines, "\n")), &out, func(l string) { seen = append(seen, l) })
	cycles := g.Cycles()
	if len(cycles) != 2 {
		t.Fatalf("cycles = %d", len(cycles))
	}
	c := cycles[1]
	if c.Number != 2 || c.At != 1500*time.Millisecond || c.Pause != 2*time.Millisecond || c.Mark != 2*time.Millisecond ||
		c.HeapBeforeMB != 40 || c.HeapAfterMB != 43 || c.LiveMB != 22 || !c.Forced {
		t.Errorf("cycle = %+v", c)
	}
	if cycles[0].Pause != 13*time.Microsecond || cycles[0].Forced {
		t.Errorf("cycle 1 = %+v", cycles[0])
	}
	if len(seen) != 1 || !strings.Contains(out.String(), "presenced started") {
		t.Errorf("other lines: %q / %q", seen, out.String())
	}
	// cpu: 0.2 + 0.3 assist + 1.9 background + 3.8 = 6.2 ms (idle 3.2 left out)
	if c.CPU != 6200*time.Microsecond {
		t.Errorf("cycle cpu = %v", c.CPU)
	}
	s := SummarizeCycles(cycles, time.Second, 0, 62*time.Millisecond)
	if s.Cycles != 1 || s.PauseMax != 2*time.Millisecond || s.PauseTotal != 2*time.Millisecond || math.Abs(s.CPUFraction-0.1) > 1e-9 {
		t.Errorf("summary = %+v", s)
	}
	if _, ok := ParseGCTrace("gc 3 @x"); ok {
		t.Error("malformed line parsed")
	}
}

func TestMemStatsAndScraper(t *testing.T) {
	heap := "heap profile: 1: 2 [3: 4] @ heap/1048576\n# runtime.MemStats\n# Alloc = 1000\n# HeapInuse = 4096\n# Stack = 10 / 20\n# PauseNs = [1 2 3]\n# GCCPUFraction = 0.25\n"
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(page)) })
	mux.HandleFunc("/heap", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(heap)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := &Scraper{URL: srv.URL + "/metrics"}
	m, err := sc.Scrape(t.Context())
	if err != nil || m.Value("presenced_writes_total") != 300000 {
		t.Fatalf("scrape: %v %v", m, err)
	}
	ms, err := sc.MemStats(t.Context(), srv.URL+"/heap")
	if err != nil || ms["HeapInuse"] != 4096 || ms["GCCPUFraction"] != 0.25 {
		t.Fatalf("memstats: %v %v", ms, err)
	}
	if _, ok := ms["Stack"]; ok {
		t.Error("pair parsed as a number")
	}
	if _, err := ParseMemStats([]byte("# Alloc = 3\n")); err == nil {
		t.Error("page without MemStats block accepted")
	}
	if _, err := sc.MemStats(t.Context(), srv.URL+"/missing"); err == nil {
		t.Error("404 accepted")
	}
	sm := NewSampler(SamplerConfig{Interval: 10 * time.Millisecond, ServerPID: os.Getpid(), Metrics: sc, Prefix: "presenced_",
		Histogram: "presenced_apply_to_write_seconds", HeapURL: srv.URL + "/heap", HeapEvery: 2})
	sm.Start(t.Context())
	time.Sleep(60 * time.Millisecond)
	samples := sm.Stop(t.Context())
	if len(samples) < 3 {
		t.Fatalf("%d samples", len(samples))
	}
	last := samples[len(samples)-1]
	if last.Server == nil || last.ServerHeap["HeapInuse"] != 4096 || len(last.Errors) > 0 {
		t.Errorf("last sample %+v", last)
	}
	if _, ok := last.Metrics[`odd{path="/a b"}`]; ok {
		t.Error("series outside the prefix kept")
	}
	if _, ok := last.Metrics[`presenced_apply_to_write_seconds_bucket{le="0.01"}`]; !ok {
		t.Error("histogram bucket dropped")
	}
}

func TestRuntimeGC(t *testing.T) {
	before := ReadRuntime()
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	after := ReadRuntime()
	s := RuntimeGC(before, after)
	if s.Cycles < 3 || s.PauseMax <= 0 || s.PauseP99 <= 0 || s.PauseP99 > s.PauseMax || s.PauseTotal < s.PauseMax {
		t.Errorf("summary after 3 forced GCs: %+v", s)
	}
	if after.HeapLive == 0 || after.Goroutines == 0 {
		t.Errorf("runtime sample %+v", after)
	}
}

// rusageCPU is this process's user+system CPU time by getrusage(2).
func rusageCPU(t *testing.T) time.Duration {
	t.Helper()
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		t.Fatal(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
