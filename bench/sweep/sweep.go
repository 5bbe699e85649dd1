package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ucpresence/presence/sim/run"
	"github.com/ucpresence/presence/sim/scenario"
)

// Config configures a sweep. Units are given per field; the zero value of
// every field but Scenario and Space.Start has a documented default.
type Config struct {
	// Scenario is the path of the scenario file. Required.
	Scenario string
	// Param is the swept parameter. Zero means ParamUsers.
	Param Param
	// Space is the range of Param; Start is required. For ParamUsers a
	// zero Space.Min is raised above the scenario's counted personas.
	Space Space
	// Series is an optional second parameter held at each of
	// SeriesValues in turn, one search per value (empty: one search).
	Series       Param
	SeriesValues []float64
	// Targets are the SLO sets whose knees are searched. Empty means one
	// target "scenario": the scenario file's own thresholds.
	Targets []Target
	// Window is the part of the virtual day each step runs. A zero
	// Window means PeakWindow(WindowLength).
	Window Window
	// WindowLength is the virtual length of the default window. Zero
	// means 30 minutes; negative means the whole day.
	WindowLength time.Duration

	// Wire runs every step against a fresh presenced child process
	// instead of the in-process engine.
	Wire bool
	// ServerBinary is the presenced binary for Wire. Empty builds
	// ./cmd/presenced of the module into a temporary directory.
	ServerBinary string
	// ServerFlags are extra presenced flags (e.g. -invoke-rate 1000).
	ServerFlags []string

	// OutDir receives one directory per step and sweep.json. Empty uses
	// a temporary directory that is removed when Run returns.
	OutDir string
	// QuiesceTimeout bounds each step's wait for the last deliveries.
	// Zero means 10 s (an overloaded step fails on its latency anyway).
	QuiesceTimeout time.Duration
	// SampleInterval is the probes' period. Zero means 1 s.
	SampleInterval time.Duration
	// IdleWait is how long a step waits, at most, for the rest of the
	// machine to use less than IdleCores before it starts (the machine is
	// shared; a busy neighbour distorts a step). Zero does not wait.
	IdleWait time.Duration
	// IdleCores is the other processes' CPU (cores) below which the
	// machine counts as idle. Zero means 0.3.
	IdleCores float64
	// Progress receives one line per step; nil prints nothing.
	Progress io.Writer
	// SimulatorStatus receives the simulator's live status; nil none.
	SimulatorStatus io.Writer
}

// Result is a finished sweep.
type Result struct {
	// Scenario, Param, Series, Driver and Window say what was swept.
	Scenario string  `json:"scenario"`
	File     string  `json:"file"`
	Param    Param   `json:"param"`
	Series   Param   `json:"series,omitempty"`
	Driver   string  `json:"driver"`
	Window   string  `json:"window"`
	Speed    float64 `json:"speed"`
	// Space is the searched range (defaults applied).
	Space Space `json:"space"`
	// Targets are the SLO sets.
	Targets []Target `json:"targets"`
	// Knees are the findings, one list per series value.
	Knees []SeriesKnees `json:"knees"`
	// Steps are all steps in the order they ran.
	Steps []*Step `json:"steps"`
	// Started and Finished bound the sweep; Machine describes the host.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Machine  Machine   `json:"machine"`
	// Command reproduces the sweep (set by the command line).
	Command string `json:"command,omitempty"`
}

// SeriesKnees are the knees of all targets at one value of the second
// parameter.
type SeriesKnees struct {
	Series string `json:"series,omitempty"`
	Knees  []Knee `json:"knees"`
	// Limits are what limited the step at each knee's first break (or at
	// the knee when it never broke), per target.
	Limits [][]string `json:"limits"`
}

// Machine describes the host a sweep ran on.
type Machine struct {
	Hostname  string  `json:"hostname"`
	CPUs      int     `json:"cpus"`
	MemoryGiB float64 `json:"memory_gib"`
	GoVersion string  `json:"go_version"`
	// LoadBefore and LoadAfter are /proc/loadavg at the start and the end:
	// the machine is shared, other processes' load shows here.
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

// Run runs the sweep.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Param == "" {
		cfg.Param = ParamUsers
	}
	if cfg.QuiesceTimeout == 0 {
		cfg.QuiesceTimeout = 10 * time.Second
	}
	data, err := os.ReadFile(cfg.Scenario)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	base, err := scenario.Parse(cfg.Scenario, data)
	if err != nil {
		return nil, err
	}
	if err := cfg.defaults(base); err != nil {
		return nil, err
	}
	space, err := cfg.Space.withDefaults()
	if err != nil {
		return nil, err
	}
	res := &Result{Scenario: base.Name, File: cfg.Scenario, Param: cfg.Param, Series: cfg.Series, Window: cfg.Window.String(),
		Space: space, Targets: cfg.Targets, Started: time.Now(), Machine: machine(), Driver: run.DriverInProcess.String()}
	res.Speed = base.Day.Speed()
	out := cfg.OutDir
	if out == "" {
		if out, err = os.MkdirTemp("", "presencebench-"); err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
		defer os.RemoveAll(out)
	}
	var d driver = inProcess{&cfg}
	if cfg.Wire {
		res.Driver = run.DriverWire.String()
		binary := cfg.ServerBinary
		if binary == "" {
			root, err := ModuleRoot(".")
			if err != nil {
				return nil, err
			}
			if binary, err = BuildServer(ctx, root, out); err != nil {
				return nil, err
			}
		}
		d = wireDriver{cfg: &cfg, binary: binary}
	}
	names := make([]string, len(cfg.Targets))
	for i, t := range cfg.Targets {
		names[i] = t.Name
	}
	series := []*Setting{nil}
	if cfg.Series != "" {
		series = series[:0]
		for _, v := range cfg.SeriesValues {
			series = append(series, &Setting{Param: cfg.Series, Value: v})
		}
	}
	for _, fixed := range series {
		label := ""
		if fixed != nil {
			label = fixed.String()
		}
		probe := func(ctx context.Context, x float64) ([]Verdict, error) {
			settings := []Setting{{Param: cfg.Param, Value: x}}
			if fixed != nil {
				settings = append(settings, *fixed)
			}
			st, err := runStep(ctx, &cfg, d, data, base, settings, len(res.Steps), out)
			if err != nil {
				return nil, err
			}
			st.Series = label
			res.Steps = append(res.Steps, st)
			if cfg.Progress != nil {
				fmt.Fprintln(cfg.Progress, progressLine(st))
			}
			return st.Verdicts, nil
		}
		knees, _, err := Search(ctx, space, names, probe)
		if err != nil {
			return res, err
		}
		res.Knees = append(res.Knees, SeriesKnees{Series: label, Knees: knees, Limits: kneeLimits(res.Steps, label, knees)})
	}
	res.Finished = time.Now()
	res.Machine.LoadAfter = loadavg()
	if cfg.OutDir != "" {
		if err := writeJSON(filepath.Join(cfg.OutDir, "sweep.json"), res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// defaults fills the window, the targets and the users' minimum.
func (cfg *Config) defaults(base *scenario.Scenario) error {
	if cfg.Window.Length == 0 && cfg.WindowLength >= 0 {
		length := cfg.WindowLength
		if length == 0 {
			length = 30 * time.Minute
		}
		w, err := PeakWindow(base, length)
		if err != nil {
			return err
		}
		cfg.Window = w
	}
	if len(cfg.Targets) == 0 {
		t := Target{Name: "scenario", SLO: base.SLO}
		for _, th := range base.SLO {
			t.Expressions = append(t.Expressions, th.Expression)
		}
		if len(t.SLO) == 0 {
			return fmt.Errorf("%w: %s has no slo and no target was given", ErrConfig, cfg.Scenario)
		}
		cfg.Targets = []Target{t}
	}
	if cfg.Param == ParamUsers && cfg.Space.Min == 0 {
		counted := 0
		for _, p := range base.Population.Personas {
			counted += p.Count
		}
		cfg.Space.Min = float64(counted + 1)
	}
	cfg.Space.Integer = cfg.Space.Integer || cfg.Param.Integer()
	return nil
}

// runStep applies the settings, runs one step in its own directory and
// builds its record.
func runStep(ctx context.Context, cfg *Config, d driver, data []byte, base *scenario.Scenario, settings []Setting, index int, out string) (*Step, error) {
	var label []string
	for _, s := range settings {
		label = append(label, s.String())
	}
	dir := filepath.Join(out, fmt.Sprintf("step-%02d-%s", index, strings.Join(label, "-")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	s, yamlText, err := Apply(cfg.Scenario, data, base, cfg.Window, settings...)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "scenario.yaml"), yamlText, 0o644); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	waited, other := waitIdle(ctx, cfg)
	m, err := d.step(ctx, s, dir)
	if err != nil {
		return nil, fmt.Errorf("sweep: step %d (%s): %w", index, strings.Join(label, ", "), err)
	}
	st := build(m, cfg.Targets, cfg.Window)
	st.Index, st.Value, st.Settings, st.Window = index, settings[0].Value, settings, cfg.Window.String()
	if waited > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("waited %s for the machine to calm down (other processes at %.2f cores when the step started)", waited.Round(time.Second), other))
	}
	if cfg.OutDir != "" {
		st.Dir = dir
		if err := writeJSON(filepath.Join(dir, "samples.json"), m.samples); err != nil {
			return nil, err
		}
		if err := writeJSON(filepath.Join(dir, "step.json"), st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// kneeLimits returns, per knee, the limits of the step that decided it.
func kneeLimits(steps []*Step, series string, knees []Knee) [][]string {
	out := make([][]string, len(knees))
	for i, k := range knees {
		at := k.FirstBreak
		if at == 0 {
			at = k.Knee
		}
		for _, st := range steps {
			if st.Series == series && st.Value == at {
				out[i] = st.Limits
			}
		}
	}
	return out
}

// progressLine is the one-line summary of a step.
func progressLine(st *Step) string {
	var verdicts []string
	for _, v := range st.Verdicts {
		mark := "ok"
		if !v.Passed {
			mark = "BROKE"
		}
		verdicts = append(verdicts, v.Target+" "+mark)
	}
	d := st.Latency["delivery"]
	line := fmt.Sprintf("step %2d %s %-14s %7.0f ev/s %9.0f del/s  delivery p50 %7.2f p99 %8.2f max %8.1f ms  cpu sim %.2f server %.2f  [%s]  %.0fs",
		st.Index, st.Series, formatSettings(st.Settings[:1]), st.EventsPerSecond, st.DeliveriesPerSecond, d.P50, d.P99, d.Max,
		st.Simulator.Cores, st.Server.Cores, strings.Join(verdicts, ", "), st.TotalSeconds)
	for _, v := range st.Verdicts {
		for _, b := range v.Broken {
			line += "\n        " + v.Target + ": " + b
		}
	}
	return line
}

func formatSettings(settings []Setting) string {
	var parts []string
	for _, s := range settings {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, " ")
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}

// machine describes this host.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadBefore: loadavg()}
	m.Hostname, _ = os.Hostname()
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %f kB", &kb); err == nil {
			m.MemoryGiB = kb / (1 << 20)
		}
	}
	return m
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
