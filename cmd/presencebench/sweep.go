package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ucpresence/presence/bench/report"
	"github.com/ucpresence/presence/bench/sweep"
	"github.com/ucpresence/presence/sim/scenario"
)

// common are the flags sweep and size share.
type common struct {
	wire        bool
	presenced   string
	serverFlags listFlag
	window      string
	windowStart string
	out         string
	reportPath  string
	quiesce     time.Duration
	verbose     bool
	maxSteps    int
	resolution  float64
	idleWait    time.Duration
	idleCores   float64
}

// listFlag collects a repeated string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (c *common) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.wire, "wire", false, "run against a presenced child process (built with go build unless -presenced is given) instead of in-process")
	fs.StringVar(&c.presenced, "presenced", "", "presenced binary for -wire (default: go build ./cmd/presenced into the output directory)")
	fs.Var(&c.serverFlags, "server-flag", "extra presenced flag for -wire (repeatable, e.g. -server-flag=-invoke-rate=1000)")
	fs.StringVar(&c.window, "window", "30m", "virtual length of each step's window around the telephony peak; \"day\" runs the whole day")
	fs.StringVar(&c.windowStart, "window-start", "", "time of day the window starts (HH:MM; default: a quarter window before the peak)")
	fs.StringVar(&c.out, "out", "", "output directory (default bench-out/<scenario>-<param>-<driver>-<time>)")
	fs.StringVar(&c.reportPath, "report", "", "HTML report path (default <out>/report.html)")
	fs.DurationVar(&c.quiesce, "quiesce", 10*time.Second, "per step: how long to wait for the last deliveries")
	fs.BoolVar(&c.verbose, "v", false, "print the simulator's status lines on stderr")
	fs.IntVar(&c.maxSteps, "max-steps", 12, "steps per search at most")
	fs.Float64Var(&c.resolution, "resolution", 0.1, "relative precision of the knee (0.1: first break within 10% of the knee)")
	fs.DurationVar(&c.idleWait, "wait-idle", 0, "before each step, wait up to this long for other processes to use less than -idle-cores (shared machines)")
	fs.Float64Var(&c.idleCores, "idle-cores", 0.3, "CPU of other processes (cores) below which the machine counts as idle")
}

// config fills the sweep configuration's shared part.
func (c *common) config(cfg *sweep.Config, stderr io.Writer) error {
	cfg.Wire, cfg.ServerBinary, cfg.ServerFlags = c.wire, c.presenced, c.serverFlags
	cfg.QuiesceTimeout = c.quiesce
	cfg.Progress = stderr
	cfg.Space.MaxSteps, cfg.Space.Resolution = c.maxSteps, c.resolution
	cfg.IdleWait, cfg.IdleCores = c.idleWait, c.idleCores
	if c.verbose {
		cfg.SimulatorStatus = stderr
	}
	if c.window == "day" {
		cfg.WindowLength = -1
		return nil
	}
	length, err := time.ParseDuration(c.window)
	if err != nil || length <= 0 {
		return usageError{fmt.Sprintf("-window %q: want a duration such as 30m, or day", c.window)}
	}
	cfg.WindowLength = length
	if c.windowStart != "" {
		start, err := scenario.ParseTimeOfDay(c.windowStart)
		if err != nil {
			return usageError{"-window-start: " + err.Error()}
		}
		cfg.Window = sweep.Window{Start: start.Std(), Length: length}
	}
	return nil
}

func (c *common) outDir(name string) string {
	if c.out != "" {
		return c.out
	}
	driver := "inprocess"
	if c.wire {
		driver = "wire"
	}
	return filepath.Join("bench-out", name+"-"+driver+"-"+time.Now().Format("20060102-150405"))
}

func sweepCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("presencebench sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	param := fs.String("param", "users", "swept parameter: users, watch (random colleagues per user), calls (× call rate), speed (time compression)")
	start := fs.Float64("start", 0, "first value (default: the scenario's users, 5 colleagues, 1× calls, its speed)")
	lo := fs.Float64("min", 0, "smallest value (default: 1, or start/64)")
	hi := fs.Float64("max", 0, "largest value (default: start×1024)")
	series := fs.String("series", "", "second parameter held at each value in turn: watch=5,20,40")
	p99 := fs.String("p99", "", "sizing targets: p99 delivery bounds, comma-separated (50ms,200ms), each with the correctness thresholds")
	var slo listFlag
	fs.Var(&slo, "slo", "a threshold of one custom target (repeatable), e.g. -slo 'fanout.p99 < 100ms'")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError{}
	}
	if len(files) != 1 {
		return usageError{"sweep wants exactly one scenario file"}
	}
	cfg := sweep.Config{Scenario: files[0]}
	if cfg.Param, err = sweep.ParseParam(*param); err != nil {
		return usageError{err.Error()}
	}
	if err := c.config(&cfg, stderr); err != nil {
		return err
	}
	base, err := scenario.Load(files[0])
	if err != nil {
		return err
	}
	cfg.Space.Start, cfg.Space.Min, cfg.Space.Max = *start, *lo, *hi
	if cfg.Space.Start == 0 {
		cfg.Space.Start = map[sweep.Param]float64{sweep.ParamUsers: float64(base.Population.Users), sweep.ParamWatch: 5,
			sweep.ParamCalls: 1, sweep.ParamSpeed: base.Day.Speed()}[cfg.Param]
	}
	if *series != "" {
		name, values, ok := strings.Cut(*series, "=")
		if !ok {
			return usageError{"-series wants param=v1,v2,..."}
		}
		if cfg.Series, err = sweep.ParseParam(name); err != nil {
			return usageError{err.Error()}
		}
		for _, v := range strings.Split(values, ",") {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return usageError{"-series value " + v}
			}
			cfg.SeriesValues = append(cfg.SeriesValues, f)
		}
	}
	if cfg.Targets, err = targets(*p99, slo); err != nil {
		return err
	}
	cfg.OutDir = c.outDir(base.Name + "-" + string(cfg.Param))
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return err
	}
	res, err := sweep.Run(ctx, cfg)
	if res == nil {
		return err
	}
	res.Command = "go run ./cmd/presencebench sweep " + shellJoin(args)
	r := &report.Report{Title: "presencebench: " + base.Name + " " + string(cfg.Param) + " sweep", Generated: time.Now(), Sweeps: []*sweep.Result{res}}
	if werr := writeOutputs(r, cfg.OutDir, c.reportPath, "sweep.json", res, stdout); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// shellJoin quotes the arguments that a shell would split or expand.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"$<>|&;*?()[]{}~!#\\") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}

// targets builds the sweep targets from -p99 and -slo.
func targets(p99 string, slo []string) ([]sweep.Target, error) {
	var out []sweep.Target
	if p99 != "" {
		for _, b := range strings.Split(p99, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(b))
			if err != nil || d <= 0 {
				return nil, usageError{fmt.Sprintf("-p99 %q: want durations such as 50ms,200ms", b)}
			}
			out = append(out, sweep.LatencyTarget(d))
		}
	}
	if len(slo) > 0 {
		t, err := sweep.NewTarget("custom", slo...)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		out = append(out, t)
	}
	return out, nil
}

// writeOutputs writes the JSON, the HTML report and the text summary.
func writeOutputs(r *report.Report, dir, reportPath, jsonName string, data any, stdout io.Writer) error {
	raw, err := json.MarshalIndent(data, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, jsonName), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	if reportPath == "" {
		reportPath = filepath.Join(dir, "report.html")
	}
	f, err := os.Create(reportPath)
	if err != nil {
		return err
	}
	if err := r.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	r.WriteText(stdout)
	fmt.Fprintf(stdout, "report: %s\ndata:   %s\n", reportPath, filepath.Join(dir, jsonName))
	return nil
}

// parseInterleaved parses flags before and after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
