package probe

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GCCycle is one garbage collection as GODEBUG=gctrace=1 reports it on
// the child's standard error:
//
//	gc 12 @3.104s 4%: 0.031+2.1+0.042 ms clock, 0.062+0.35/1.9/3.2+0.085 ms cpu, 41->43->22 MB, 44 MB goal, 0 MB stacks, 0 MB globals, 2 P
//
// The two stop-the-world phases are the first and the third clock term
// (sweep termination and mark termination); the middle one is the
// concurrent mark, which costs CPU but does not stop the program.
type GCCycle struct {
	// Number is the cycle number, counting from 1 at process start.
	Number int `json:"number"`
	// At is the time since process start.
	At time.Duration `json:"at_ns"`
	// Pause is the stop-the-world wall time (both phases).
	Pause time.Duration `json:"pause_ns"`
	// Mark is the concurrent mark phase's wall time.
	Mark time.Duration `json:"mark_ns"`
	// CPU is the collector's CPU time: both stop-the-world phases, the
	// mutator assists and the dedicated background workers (the idle-time
	// workers are left out: they only use otherwise idle processors).
	CPU time.Duration `json:"cpu_ns"`
	// HeapBeforeMB, HeapAfterMB and LiveMB are the heap at the start and
	// end of the cycle and the marked (live) heap, in MB as printed (the
	// runtime prints bytes>>20, so MiB).
	HeapBeforeMB int `json:"heap_before_mb"`
	HeapAfterMB  int `json:"heap_after_mb"`
	LiveMB       int `json:"live_mb"`
	// Forced is set for runtime.GC and debug.FreeOSMemory cycles.
	Forced bool `json:"forced,omitempty"`
}

var gctraceLine = regexp.MustCompile(`^gc (\d+) @([0-9.]+)s \d+%: ([0-9.]+)\+([0-9.]+)\+([0-9.]+) ms clock, ([0-9.]+)\+([0-9.]+)/([0-9.]+)/[0-9.]+\+([0-9.]+) ms cpu, (\d+)->(\d+)->(\d+) MB`)

// ParseGCTrace parses one gctrace line; ok is false for any other line.
func ParseGCTrace(line string) (GCCycle, bool) {
	m := gctraceLine.FindStringSubmatch(line)
	if m == nil {
		return GCCycle{}, false
	}
	var c GCCycle
	c.Number, _ = strconv.Atoi(m[1])
	c.At = seconds(m[2])
	c.Pause = milliseconds(m[3]) + milliseconds(m[5])
	c.Mark = milliseconds(m[4])
	c.CPU = milliseconds(m[6]) + milliseconds(m[7]) + milliseconds(m[8]) + milliseconds(m[9])
	c.HeapBeforeMB, _ = strconv.Atoi(m[10])
	c.HeapAfterMB, _ = strconv.Atoi(m[11])
	c.LiveMB, _ = strconv.Atoi(m[12])
	c.Forced = strings.HasSuffix(strings.TrimSpace(line), "(forced)")
	return c, true
}

func seconds(s string) time.Duration {
	v, _ := strconv.ParseFloat(s, 64)
	return time.Duration(v * float64(time.Second))
}

func milliseconds(s string) time.Duration {
	v, _ := strconv.ParseFloat(s, 64)
	return time.Duration(v * float64(time.Millisecond))
}

// GCLog collects the gctrace cycles of a child process from its standard
// error and passes every other line on. Safe for concurrent use.
type GCLog struct {
	mu     sync.Mutex // guards cycles
	cycles []GCCycle
}

// Consume reads r line by line until EOF: gctrace lines are collected,
// other lines are written to other (which may be nil) and given to
// onLine (which may be nil).
func (g *GCLog) Consume(r io.Reader, other io.Writer, onLine func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := ParseGCTrace(line); ok {
			g.mu.Lock()
			g.cycles = append(g.cycles, c)
			g.mu.Unlock()
			continue
		}
		if other != nil {
			fmt.Fprintln(other, line)
		}
		if onLine != nil {
			onLine(line)
		}
	}
}

// Cycles returns the cycles collected so far (a copy).
func (g *GCLog) Cycles() []GCCycle {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]GCCycle(nil), g.cycles...)
}

// GCSummary summarises the collections of an interval.
type GCSummary struct {
	// Cycles is the number of collections.
	Cycles int `json:"cycles"`
	// PauseTotal is the stop-the-world time; PauseMax, PauseP99 the
	// longest and the 99th percentile pause (exact over the cycles for
	// gctrace, bucket upper bounds for runtime/metrics).
	PauseTotal time.Duration `json:"pause_total_ns"`
	PauseMax   time.Duration `json:"pause_max_ns"`
	PauseP99   time.Duration `json:"pause_p99_ns"`
	// CPUFraction is the share of the process's CPU time spent in the
	// collector (runtime/metrics /cpu/classes/gc/total; zero when the
	// source does not tell).
	CPUFraction float64 `json:"cpu_fraction,omitempty"`
	// Source says where the figures come from ("gctrace" or
	// "runtime/metrics").
	Source string `json:"source"`
}

// SummarizeCycles summarises the cycles that started in [from, to), both
// offsets since process start (use a zero to for "until the end").
// processCPU is the process's CPU time over the same span, for
// CPUFraction (zero leaves it unset).
func SummarizeCycles(cycles []GCCycle, from, to, processCPU time.Duration) GCSummary {
	s := GCSummary{Source: "gctrace"}
	var pauses []time.Duration
	var cpu time.Duration
	for _, c := range cycles {
		if c.At < from || (to > 0 && c.At >= to) {
			continue
		}
		pauses = append(pauses, c.Pause)
		s.PauseTotal += c.Pause
		cpu += c.CPU
	}
	if processCPU > 0 {
		s.CPUFraction = float64(cpu) / float64(processCPU)
	}
	s.Cycles = len(pauses)
	if len(pauses) == 0 {
		return s
	}
	sort.Slice(pauses, func(i, j int) bool { return pauses[i] < pauses[j] })
	s.PauseMax = pauses[len(pauses)-1]
	s.PauseP99 = pauses[min(len(pauses)-1, len(pauses)*99/100)]
	return s
}

// MemStats is the runtime.MemStats block at the end of a Go program's
// /debug/pprof/heap?debug=1 page, by field name ("HeapInuse" → bytes).
type MemStats map[string]float64

// ParseMemStats parses the "# Name = value" lines of a heap profile page
// in debug=1 form. Lists (PauseNs) and pairs (Stack = a / b) are skipped.
func ParseMemStats(data []byte) (MemStats, error) {
	m := MemStats{}
	in := false
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if bytes.Equal(line, []byte("# runtime.MemStats")) {
			in = true
			continue
		}
		if !in {
			continue
		}
		rest, ok := bytes.CutPrefix(line, []byte("# "))
		if !ok {
			continue
		}
		key, value, ok := bytes.Cut(rest, []byte(" = "))
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(string(value), 64)
		if err != nil {
			continue
		}
		m[string(key)] = v
	}
	if _, ok := m["HeapInuse"]; !ok {
		return nil, fmt.Errorf("%w: no runtime.MemStats block with HeapInuse", ErrFormat)
	}
	return m, nil
}

// MemStats fetches and parses url, a /debug/pprof/heap?debug=1 page.
func (s *Scraper) MemStats(ctx context.Context, url string) (MemStats, error) {
	body, err := s.fetch(ctx, url)
	if err != nil {
		return nil, err
	}
	return ParseMemStats(body)
}
