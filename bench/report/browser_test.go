package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ucpresence/presence/bench/sweep"
	"github.com/ucpresence/presence/internal/browsertest"
)

// sizedFixture is a wire sweep of users with n steps (100 users, doubling),
// as a real run returns it: two targets, the server's and the simulator's
// CPU, GC cycles, limits and warnings, a knee and a first break when n > 1.
// With one step, each step's timeline has one sample after the setup.
func sizedFixture(n int) *sweep.Result {
	fast, slow := sweep.LatencyTarget(50*time.Millisecond), sweep.LatencyTarget(250*time.Millisecond)
	res := &sweep.Result{Scenario: "office-10k", File: "scenarios/office-10k.yaml", Param: sweep.ParamUsers, Driver: "wire", Window: "09:45+30m0s", Speed: 60,
		Targets: []sweep.Target{fast, slow}, Started: time.Now().Add(-time.Hour), Finished: time.Now(),
		Machine: sweep.Machine{CPUs: 2, LoadBefore: "2.01 1.80 1.75", LoadAfter: "2.65 2.02 2.22"},
		Command: "go run ./cmd/presencebench sweep -driver wire -param users -from 100 -factor 2 scenarios/office-10k.yaml"}
	samples := 30
	if n == 1 {
		samples = 1
	}
	for i := range n {
		users := math.Round(100 * math.Pow(1.5, float64(i)))
		p99 := 2 + 60*float64(i)/float64(max(n-1, 1))
		st := &sweep.Step{Index: i, Value: users, Settings: []sweep.Setting{{Param: sweep.ParamUsers, Value: users}}, Scenario: res.Scenario,
			Driver: "wire", Speed: 60, Users: int(users), Subscriptions: int(users) * 22, EventsPerSecond: users / 2, DeliveriesPerSecond: users * 10,
			ServerDeliveriesPerSecond: users * 10.2, BytesPerSubscription: 412, WritesPerDelivery: 0.42, SyscallsPerDelivery: 0.61, OtherCores: 0.35,
			SetupSeconds: 12, DaySeconds: 30,
			Latency:  map[string]sweep.Percentiles{"delivery": {Count: 1000, P50: p99 / 10, P90: p99 / 3, P99: p99, P999: p99 * 2, Max: p99 * 3}, "fanout": {P99: p99 * 1.1}},
			Verdicts: []sweep.Verdict{{Target: fast.Name, Passed: p99 < 50}, {Target: slow.Name, Passed: true}},
			Limits:   []string{"CPU: 1.9 of 2 cores (server 1.2, simulator 0.7)"},
			Warnings: []string{"the machine's other processes used 0.35 cores"},
			Spectrum: []sweep.SpectrumPoint{{Percentile: 0, ValueMS: 0.1}, {Percentile: 50, ValueMS: p99 / 10}, {Percentile: 90, ValueMS: p99 / 3},
				{Percentile: 99, ValueMS: p99}, {Percentile: 99.9, ValueMS: p99 * 2}, {Percentile: 100, ValueMS: p99 * 3}}}
		st.Server.Cores, st.Simulator.Cores = 1.2*float64(i+1)/float64(n), 0.7*float64(i+1)/float64(n)
		st.Server.RSSPeak, st.Simulator.RSSPeak = 300<<20, 200<<20
		if p99 >= 50 {
			st.Verdicts[0].Broken = []string{fmt.Sprintf("delivery.p99 < 50ms: observed %.0fms", p99)}
		}
		for s := -3; s < samples; s++ {
			st.Timeline = append(st.Timeline, sweep.Point{T: float64(s), DeliveryP50: p99 / 10, DeliveryP99: p99, DeliveryMax: p99 * 2,
				Deliveries: users * 10, Events: users / 2, ServerCores: 1.2, SimulatorCores: 0.7, OtherCores: 0.3, RSSMB: 300, GCCycles: s % 4 / 3})
		}
		res.Steps = append(res.Steps, st)
	}
	knees := sweep.SeriesKnees{Limits: [][]string{{"CPU: 1.9 of 2 cores"}, {"CPU: 1.9 of 2 cores"}}}
	for _, target := range res.Targets {
		k := sweep.Knee{Target: target.Name, Status: sweep.KneeNeverBroke}
		for _, st := range res.Steps {
			passed := true
			for _, v := range st.Verdicts {
				passed = passed && (v.Target != target.Name || v.Passed)
			}
			switch {
			case passed && k.FirstBreak == 0:
				k.Knee = st.Value
			case !passed && k.FirstBreak == 0:
				k.FirstBreak, k.BrokenBy, k.Status = st.Value, st.Verdicts[0].Broken, sweep.KneeFound
			}
		}
		knees.Knees = append(knees.Knees, k)
	}
	res.Knees = []sweep.SeriesKnees{knees}
	return res
}

// layoutProblems is evaluated in the report's page: it opens the all-steps
// tables and returns what does not fit: overlapping legend entries (line
// and label together) or rule labels, chart texts outside their chart,
// tables or charts wider than their column of the page, a page wider than
// the window, and series in a legend that draw nothing.
const layoutProblems = `(() => {
  const problems = [];
  for (const d of document.querySelectorAll("details")) d.open = true;
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const name = (svg) => svg.getAttribute("aria-label");
  for (const svg of document.querySelectorAll("svg.chart")) {
    const frame = svg.getBoundingClientRect();
    const boxes = [];
    for (const text of svg.querySelectorAll("text")) {
      const r = text.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5)
        problems.push("chart " + name(svg) + ": text '" + text.textContent + "' is clipped by the chart's edge");
      if (text.classList.contains("legend") || text.classList.contains("rulelabel")) boxes.push([text, r]);
    }
    for (const line of svg.querySelectorAll("line.legendline")) boxes.push([line, line.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (overlap(boxes[i][1], boxes[j][1]))
          problems.push("chart " + name(svg) + ": '" + (boxes[i][0].textContent || "legend line") + "' overlaps '" + (boxes[j][0].textContent || "legend line") + "'");
    // Every series in the legend is visible: a marker, or a line of
    // positive length (a path of one point draws nothing).
    for (const legend of svg.querySelectorAll("text.legend")) {
      const marks = [...svg.querySelectorAll("path, circle")].filter(m => m.querySelector("title")?.textContent === legend.textContent);
      if (!marks.some(m => m.tagName === "circle" || m.getTotalLength() > 0))
        problems.push("chart " + name(svg) + ": series '" + legend.textContent + "' draws nothing");
    }
  }
  for (const el of document.querySelectorAll("table, svg.chart")) {
    const parent = el.parentElement.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (r.right > parent.right + 0.5) problems.push(el.tagName + " " + (el.getAttribute("aria-label") || el.rows?.length + " rows") + " is " + Math.round(r.width) + "px wide, its column " + Math.round(parent.width) + "px");
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push("the page is " + document.documentElement.scrollWidth + "px wide, the window " + window.innerWidth + "px");
  return problems;
})()`

// TestReportLayoutInBrowser renders reports of 1, 3 and 20 steps in
// headless Chromium (a 1280-pixel window, then a 900-pixel one) and checks
// the layout with the browser's own text metrics: no legend entries or
// rule labels overlap, no chart text is clipped, the all-steps table and
// the charts fit their column and the page needs no horizontal scrolling.
// Screenshots are saved to browsertest.OutputDir.
func TestReportLayoutInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	for _, n := range []int{1, 3, 20} {
		r := &Report{Title: fmt.Sprintf("Capacity of presenced, %d step(s)", n), Generated: time.Now(), Sweeps: []*sweep.Result{sizedFixture(n)},
			Notes: []string{"Shared 2-core machine: other jobs ran."}}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("report-%d.html", n))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.WriteHTML(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{1280, 900} {
			tab := browsertest.NewTab(t, ctx)
			browsertest.Navigate(t, tab, "file://"+path)
			if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(width), 900)); err != nil {
				t.Fatalf("viewport %d: %v", width, err)
			}
			problems := browsertest.Eval[[]string](t, tab, layoutProblems)
			browsertest.Screenshot(t, tab, fmt.Sprintf("report-%d-steps-%dpx.png", n, width))
			if len(problems) > 0 {
				t.Errorf("%d step(s), %d px window: %d layout problems:\n%s", n, width, len(problems), strings.Join(problems, "\n"))
			}
		}
	}
}
