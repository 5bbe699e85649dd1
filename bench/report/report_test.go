package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ucpresence/presence/bench/sweep"
)

// fixture is a two-step sweep with a knee, as Run would return it.
func fixture(t *testing.T) *sweep.Result {
	t.Helper()
	target := sweep.LatencyTarget(50 * time.Millisecond)
	step := func(i int, users float64, p99 float64, passed bool) *sweep.Step {
		st := &sweep.Step{Index: i, Value: users, Settings: []sweep.Setting{{Param: sweep.ParamUsers, Value: users}}, Scenario: "office-1k",
			Driver: "in-process", Speed: 60, Users: int(users), Subscriptions: int(users) * 22, EventsPerSecond: users / 2, DeliveriesPerSecond: users * 10,
			Latency:  map[string]sweep.Percentiles{"delivery": {Count: 1000, P50: 1, P90: 3, P99: p99, P999: p99 * 2, Max: p99 * 3}, "fanout": {P99: p99}},
			Verdicts: []sweep.Verdict{{Target: target.Name, Passed: passed}},
			Limits:   []string{"a </script> in a limit must not close the data"},
			Spectrum: []sweep.SpectrumPoint{{Percentile: 0, ValueMS: 0.1}, {Percentile: 50, ValueMS: 1}, {Percentile: 99, ValueMS: p99}, {Percentile: 100, ValueMS: p99 * 3}}}
		for s := -2.0; s < 10; s++ {
			st.Timeline = append(st.Timeline, sweep.Point{T: s, DeliveryP50: 1, DeliveryP99: p99, DeliveryMax: p99 * 2, Deliveries: users * 10, Events: users / 2, SimulatorCores: 0.5, RSSMB: 100})
		}
		if !passed {
			st.Verdicts[0].Broken = []string{"delivery.p99 < 50ms: observed 61ms"}
		}
		return st
	}
	return &sweep.Result{Scenario: "office-1k", File: "scenarios/office-1k.yaml", Param: sweep.ParamUsers, Driver: "in-process", Window: "09:45+30m0s", Speed: 60,
		Targets: []sweep.Target{target},
		Knees: []sweep.SeriesKnees{{Knees: []sweep.Knee{{Target: target.Name, Status: sweep.KneeFound, Knee: 1000, FirstBreak: 2000,
			BrokenBy: []string{"delivery.p99 < 50ms: observed 61ms"}}}, Limits: [][]string{{"CPU: 1.9 of 2 cores"}}}},
		Steps:   []*sweep.Step{step(0, 1000, 20, true), step(1, 2000, 61, false)},
		Started: time.Now().Add(-time.Minute), Finished: time.Now(), Machine: sweep.Machine{CPUs: 2}, Command: "go run ./cmd/presencebench sweep scenarios/office-1k.yaml"}
}

func TestHTMLIsSelfContained(t *testing.T) {
	res := fixture(t)
	sz := &sweep.Sizing{Rows: []sweep.SizingRow{{Family: "office", Target: "p99<50ms", Users: 1000, Command: "go run ./cmd/presencebench sweep x"}}, Sweeps: []*sweep.Result{res}}
	r := &Report{Title: "test <report>", Generated: time.Now(), Sizing: sz, Sweeps: []*sweep.Result{fixture(t)}, Notes: []string{"shared machine"}}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var data string
	svgs, scripts := 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if (a.Key == "src" || a.Key == "href" || a.Key == "xlink:href" || a.Key == "action") &&
					(strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "https:") || strings.HasPrefix(v, "//")) {
					t.Errorf("<%s %s=%q> fetches from the network", n.Data, a.Key, a.Val)
				}
				if a.Key == "src" {
					t.Errorf("<%s src=%q>: nothing may be loaded", n.Data, a.Val)
				}
			}
			switch n.Data {
			case "svg":
				svgs++
			case "link", "iframe", "img", "object", "embed":
				t.Errorf("<%s> in a self-contained report", n.Data)
			case "script":
				scripts++
				id, typ := "", ""
				for _, a := range n.Attr {
					switch a.Key {
					case "id":
						id = a.Val
					case "type":
						typ = a.Val
					}
				}
				if typ != "application/json" || id != DataID {
					t.Errorf("script %q of type %q: only the data block is allowed", id, typ)
				}
				if n.FirstChild != nil {
					data = n.FirstChild.Data
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("%d script elements", scripts)
	}
	// Two sweeps: the knee chart, throughput, CPU, spectrum, and 3 charts
	// for the knee step and 3 for the first break, each.
	if svgs != 2*(4+6) {
		t.Errorf("%d charts", svgs)
	}
	var back struct {
		Sizing *sweep.Sizing   `json:"sizing"`
		Sweeps []*sweep.Result `json:"sweeps"`
	}
	if err := json.Unmarshal([]byte(data), &back); err != nil {
		t.Fatalf("embedded JSON: %v\n%.300s", err, data)
	}
	if back.Sizing == nil || len(back.Sizing.Sweeps) != 1 || len(back.Sweeps) != 1 || len(back.Sweeps[0].Steps) != 2 {
		t.Fatalf("embedded data lost steps: %+v", back)
	}
	st := back.Sweeps[0].Steps[1]
	if st.Latency["delivery"].P99 != 61 || len(st.Timeline) != 12 || st.Limits[0] != "a </script> in a limit must not close the data" {
		t.Errorf("step 1 came back as %+v", st)
	}
	if len(back.Sweeps[0].Targets[0].SLO) == 0 {
		t.Error("targets lost their thresholds")
	}
	page := buf.String()
	for _, want := range []string{"test &lt;report&gt;", "Sizing", "knee", "shared machine", "go run ./cmd/presencebench sweep scenarios/office-1k.yaml"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	var text bytes.Buffer
	r.WriteText(&text)
	for _, want := range []string{"office-1k: users sweep", "knee 1000, first break 2000", "limited by: CPU: 1.9 of 2 cores"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text summary lacks %q:\n%s", want, text.String())
		}
	}
}

func TestChartSVG(t *testing.T) {
	c := Chart{Title: "t", XLog: true, YLog: true, Series: []Series{{Name: "a", Points: []XY{{1, 0.5}, {10, 5}, {100, 50}, {0, 7}, {1000, -1}}}},
		HLines: []Rule{{Value: 20, Label: "bound"}}, VLines: []Rule{{Value: 30, Label: "knee"}}}
	svg := c.SVG()
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Fatalf("svg: %s", svg)
	}
	// Three plottable points (x=0 and y<0 are dropped on log axes): one M, two L.
	if strings.Count(svg, "M") < 1 || strings.Count(svg, " L") != 2 {
		t.Errorf("path: %s", svg)
	}
	for _, want := range []string{">bound<", ">knee<", ">1000<", ">0.5<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %s", want)
		}
	}
	if empty := (Chart{Title: "e"}).SVG(); !strings.Contains(empty, "no data") {
		t.Errorf("empty chart: %s", empty)
	}
	if number(1500) != "1500" || number(25000) != "25k" || number(3e6) != "3M" {
		t.Errorf("number: %s %s %s", number(1500), number(25000), number(3e6))
	}
}

// TestChartOneSampleShowsAPoint: a series with a single plottable point
// (a one-sample step, a sweep of one step) draws a marker, not empty axes.
func TestChartOneSampleShowsAPoint(t *testing.T) {
	one := Chart{Title: "one", Series: []Series{{Name: "a", Points: []XY{{5, 3}}}}}.SVG()
	if strings.Count(one, "<circle") != 1 || strings.Contains(one, "no data") {
		t.Errorf("one-sample chart without its point: %s", one)
	}
	two := Chart{Title: "two", Series: []Series{{Name: "a", Points: []XY{{5, 3}, {6, 4}}}}}.SVG()
	if strings.Contains(two, "<circle") {
		t.Errorf("a line of two points got a marker: %s", two)
	}
}

// TestAxisBounds: one value sits in the middle of its axis, not on the
// frame, and a log axis ends at the 1-2-5 values around the data.
func TestAxisBounds(t *testing.T) {
	for _, c := range []struct {
		values []float64
		log    bool
		lo, hi float64
	}{
		{[]float64{1000}, false, 0, 2000},
		{[]float64{0}, false, -1, 1},
		{[]float64{100, 225}, true, 100, 500},
		{[]float64{0.3, 7}, true, 0.2, 10},
		{[]float64{0.3, 170}, true, 0.1, 1000}, // 1-2-5 ends would span four decades
		{[]float64{100, 52_000}, true, 100, 1e5},
	} {
		lo, hi, ok := bounds(c.values, c.log)
		if !ok || math.Abs(lo-c.lo) > 1e-9*c.hi || math.Abs(hi-c.hi) > 1e-9*c.hi {
			t.Errorf("bounds(%v, log %v) = %v, %v; want %v, %v", c.values, c.log, lo, hi, c.lo, c.hi)
		}
	}
	lo, hi, _ := bounds([]float64{100}, true)
	if middle := (axis{log: true, min: lo, max: hi, from: 0, to: 100}).value(100); math.Abs(middle-50) > 1e-9 {
		t.Errorf("a single value on a log axis is drawn at %v of 100", middle)
	}
}
