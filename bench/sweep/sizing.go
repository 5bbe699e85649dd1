package sweep

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Family is one kind of company the sizing table answers for: a scenario
// and where its users sweep starts.
type Family struct {
	// Name is the row label ("office").
	Name string `json:"name"`
	// Scenario is the scenario file.
	Scenario string `json:"scenario"`
	// Start is the first user count tried.
	Start float64 `json:"start"`
}

// Families are the shipped sizing families: a normal office day, a call
// center with agent states, and a company where four reception consoles
// watch everybody.
var Families = []Family{
	{Name: "office", Scenario: "scenarios/office-1k.yaml", Start: 1000},
	{Name: "call center", Scenario: "scenarios/callcenter.yaml", Start: 400},
	{Name: "reception-heavy", Scenario: "scenarios/reception.yaml", Start: 1250},
}

// SizingBounds are the p99 delivery bounds of the sizing table.
var SizingBounds = []time.Duration{50 * time.Millisecond, 200 * time.Millisecond}

// SizingConfig configures Size. Fields left zero take Config's defaults.
type SizingConfig struct {
	// Families to size; empty means Families.
	Families []Family
	// Bounds are the p99 delivery bounds; empty means SizingBounds.
	Bounds []time.Duration
	// Base is the sweep configuration every family's sweep starts from
	// (driver, window, output, progress); its Scenario, Param, Space.Start
	// and Targets are set per family.
	Base Config
	// Root is prepended to relative scenario paths ("" = working dir).
	Root string
	// Command returns the command line that reproduces one family's
	// sweep (for the table); nil leaves the rows without one.
	Command func(Family) string
}

// SizingRow is one line of the sizing table: a family at a bound.
type SizingRow struct {
	Family   string  `json:"family"`
	Scenario string  `json:"scenario"`
	Driver   string  `json:"driver"`
	Window   string  `json:"window"`
	Speed    float64 `json:"speed"`
	// Target is the bound ("p99<50ms").
	Target string `json:"target"`
	// Status, Users and FirstBreak are the knee: the most users at which
	// the target held, the fewest at which it broke.
	Status     KneeStatus `json:"status"`
	Users      float64    `json:"users"`
	FirstBreak float64    `json:"first_break"`
	BrokenBy   []string   `json:"broken_by,omitempty"`
	// Limits are what limited the first step that broke.
	Limits []string `json:"limits,omitempty"`
	// At the knee step: rates, latency and the memory figures.
	EventsPerSecond      float64 `json:"events_per_second"`
	DeliveriesPerSecond  float64 `json:"deliveries_per_second"`
	DeliveryP99          float64 `json:"delivery_p99_ms"`
	Subscriptions        int     `json:"subscriptions"`
	BytesPerSubscription float64 `json:"bytes_per_subscription"`
	// RSSPeak is the engine process's peak resident memory at the knee
	// step (bytes; in-process it includes the simulator).
	RSSPeak int64 `json:"rss_peak_bytes"`
	// Command reproduces the row's sweep.
	Command string `json:"command"`
}

// Sizing is a sizing run: the table and the sweeps behind it.
type Sizing struct {
	Rows    []SizingRow `json:"rows"`
	Sweeps  []*Result   `json:"sweeps"`
	Started time.Time   `json:"started"`
	Machine Machine     `json:"machine"`
}

// Size runs one users sweep per family with one target per bound (plus
// Correctness) and returns the table.
func Size(ctx context.Context, cfg SizingConfig) (*Sizing, error) {
	families := cfg.Families
	if len(families) == 0 {
		families = Families
	}
	bounds := cfg.Bounds
	if len(bounds) == 0 {
		bounds = SizingBounds
	}
	out := &Sizing{Started: time.Now(), Machine: machine()}
	for _, f := range families {
		c := cfg.Base
		c.Scenario = f.Scenario
		if cfg.Root != "" && !filepath.IsAbs(f.Scenario) {
			c.Scenario = filepath.Join(cfg.Root, f.Scenario)
		}
		c.Param = ParamUsers
		c.Space.Start = f.Start
		c.Targets = nil
		for _, b := range bounds {
			c.Targets = append(c.Targets, LatencyTarget(b))
		}
		if cfg.Base.OutDir != "" {
			c.OutDir = filepath.Join(cfg.Base.OutDir, strings.ReplaceAll(f.Name, " ", "-"))
		}
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "== %s (%s)\n", f.Name, f.Scenario)
		}
		res, err := Run(ctx, c)
		if err != nil {
			return out, fmt.Errorf("sweep: sizing %s: %w", f.Name, err)
		}
		if cfg.Command != nil {
			res.Command = cfg.Command(f)
		}
		out.Sweeps = append(out.Sweeps, res)
		out.Rows = append(out.Rows, rows(f, res)...)
	}
	return out, nil
}

// rows turns one family's sweep into its table rows.
func rows(f Family, res *Result) []SizingRow {
	var out []SizingRow
	for i, k := range res.Knees[0].Knees {
		r := SizingRow{Family: f.Name, Scenario: f.Scenario, Driver: res.Driver, Window: res.Window, Speed: res.Speed,
			Target: k.Target, Status: k.Status, Users: k.Knee, FirstBreak: k.FirstBreak, BrokenBy: k.BrokenBy,
			Limits: res.Knees[0].Limits[i], Command: res.Command}
		for _, st := range res.Steps {
			if st.Value != k.Knee {
				continue
			}
			r.EventsPerSecond, r.DeliveriesPerSecond = st.EventsPerSecond, st.DeliveriesPerSecond
			r.DeliveryP99 = st.Latency["delivery"].P99
			r.Subscriptions, r.BytesPerSubscription = st.Subscriptions, st.BytesPerSubscription
			r.RSSPeak = st.Simulator.RSSPeak
			if st.Driver == "wire" {
				r.RSSPeak = st.Server.RSSPeak
			}
		}
		out = append(out, r)
	}
	return out
}

// WriteMarkdown writes the sizing table as Markdown (docs/CAPACITY.md).
func (s *Sizing) WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| family | target | users at the knee (driver, speed) | first break | broke on | limited by | events/s | deliveries/s | subscriptions | RSS MB | command |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range s.Rows {
		fb := "—"
		if r.FirstBreak > 0 {
			fb = fmt.Sprintf("%.0f", r.FirstBreak)
		}
		broke := "—"
		if len(r.BrokenBy) > 0 {
			broke = strings.Join(r.BrokenBy, "; ")
		}
		limit := "—"
		if len(r.Limits) > 0 {
			limit = r.Limits[0]
		}
		knee := fmt.Sprintf("**%.0f** (%s, %.0fx)", r.Users, r.Driver, r.Speed)
		if r.Status != KneeFound {
			knee += " " + string(r.Status)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.0f | %.0f | %d | %.0f | `%s` |\n", r.Family, r.Target, knee, fb, broke, limit,
			r.EventsPerSecond, r.DeliveriesPerSecond, r.Subscriptions, float64(r.RSSPeak)/(1<<20), r.Command)
	}
}
