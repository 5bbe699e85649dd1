package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // --pprof serves http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/ucpresence/presence/sim/run"
	"github.com/ucpresence/presence/sim/scenario"
)

// runOptions are the flags of "presencesim run".
type runOptions struct {
	seed       uint64
	seedSet    bool
	duration   time.Duration
	stopAfter  time.Duration
	out        string
	progress   string
	jsonOut    bool
	cfg        run.Config
	slowShare  float64
	checkModel bool
	cpuProfile string
	pprofAddr  string
}

// runFlags declares the flags of run.
func runFlags(output io.Writer) (*flag.FlagSet, *runOptions) {
	o := &runOptions{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Func("seed", "override the scenario's seed", func(v string) error {
		_, err := fmt.Sscan(v, &o.seed)
		o.seedSet = err == nil
		return err
	})
	fs.DurationVar(&o.duration, "duration", 0, "wall time to compress the virtual day into (overrides day.wall_time)")
	fs.DurationVar(&o.stopAfter, "stop-after", 0, "end the day after this much wall time")
	fs.StringVar(&o.out, "out", "", "directory for summary.json, intervals.hlog and <metric>.hgrm")
	fs.StringVar(&o.progress, "progress", "auto", "live status: auto (bar on a terminal, else lines), bar, lines, off")
	fs.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON instead of the table")
	fs.IntVar(&o.cfg.Generators, "generators", 0, "generator goroutines (0: GOMAXPROCS)")
	fs.IntVar(&o.cfg.Consumers, "consumers", 0, "in-process consumer goroutines (0: GOMAXPROCS)")
	fs.Float64Var(&o.slowShare, "slow-readers", -1, "share of slow-reader watchers (negative: the personas' slow_reader_share)")
	fs.DurationVar(&o.cfg.SlowReaderDelay, "slow-delay", 200*time.Millisecond, "how late slow readers read")
	fs.DurationVar(&o.cfg.Interval, "interval", time.Second, "interval of the status and of the interval log")
	fs.DurationVar(&o.cfg.QuiesceTimeout, "quiesce-timeout", 30*time.Second, "how long to wait for the last deliveries")
	fs.BoolVar(&o.cfg.Spin, "spin", false, "spin through the last millisecond before each event (sub-ms timing, costs a core per generator)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fs.StringVar(&o.pprofAddr, "pprof", "", "serve net/http/pprof (goroutine, block and mutex profiles included) on this loopback address during the run, e.g. 127.0.0.1:6061")
	fs.BoolVar(&o.checkModel, "check-model", true, "in-process: compare the simulator's presence model with the engine at every change")
	w := &o.cfg.Wire
	fs.StringVar(&w.Target, "target", "", "run against a server: client WebSocket URL, e.g. ws://127.0.0.1:7070; a comma-separated list spreads the clients over cluster nodes (a client follows a node's failure to the next)")
	fs.StringVar(&w.Ingest, "ingest", "", "ingest API: http://host:port (POST batches) or ws://host:port (stream), or a comma-separated list (senders spread over it; HTTP senders re-send to the next node on failure); default ws:// on each target's host")
	fs.StringVar(&w.Token, "token", "", "bearer token of the ingest API")
	fs.StringVar(&w.Auth, "auth", "bearer", "client login: bearer or basic")
	fs.StringVar(&w.ClientToken, "client-token", "tok:{id}", "bearer token template of the virtual users ({id} contact id, {name} its user part, {index} user number, {login} login name)")
	fs.StringVar(&w.Login, "login", "{name}", "login name template for basic logins ({name} user part of the contact id, {index}, {id})")
	fs.StringVar(&w.Password, "password", "", "password of every virtual user (basic logins)")
	fs.BoolVar(&w.SetRights, "set-rights", true, "set the scenario's rights with asnSetDynamicRights (false: the server's directory has them)")
	fs.DurationVar(&w.BatchDelay, "batch-delay", 2*time.Millisecond, "how long an ingest batch collects events")
	fs.IntVar(&w.Senders, "senders", 4, "ingest connections")
	fs.DurationVar(&w.ReconnectStorm, "reconnect-storm", 0, "after the day, drop every client connection and reconnect all within this window, measuring logins (0: 1s when the scenario drops every session at once; negative: never)")
	return fs, o
}

// parseInterleaved parses flags that may come before and after the one
// positional argument (presencesim run FILE --target ...).
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

// runCommand is "presencesim run".
func runCommand(args []string, stdout, stderr io.Writer) int {
	fs, o := runFlags(stderr)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "presencesim run: want exactly one scenario file")
		return exitUsage
	}
	s, err := scenario.Load(files[0])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	cfg := o.cfg
	cfg.Scenario = s
	cfg.WallTime = o.duration
	cfg.StopAfter = o.stopAfter
	cfg.OutDir = o.out
	cfg.SlowReaderShare = o.slowShare
	cfg.CheckModel = o.checkModel
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.seedSet {
		cfg.Seed = &o.seed
	}
	if cfg.Wire.Target != "" {
		cfg.Driver = run.DriverWire
	}
	switch o.progress {
	case "auto":
		cfg.Status, cfg.StatusTTY = stderr, isTerminal(stderr)
	case "bar":
		cfg.Status, cfg.StatusTTY = stderr, true
	case "lines":
		cfg.Status = stderr
	case "off":
	default:
		fmt.Fprintf(stderr, "presencesim run: -progress %q (want auto, bar, lines or off)\n", o.progress)
		return exitUsage
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "presencesim:", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "presencesim:", err)
			return exitUsage
		}
		defer pprof.StopCPUProfile()
	}
	if o.pprofAddr != "" {
		if err := servePprof(o.pprofAddr); err != nil {
			fmt.Fprintln(stderr, "presencesim:", err)
			return exitUsage
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run.Run(ctx, cfg)
	if err != nil && res == nil {
		fmt.Fprintln(stderr, "presencesim:", err)
		return exitUsage
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "presencesim:", err)
	}
	if o.jsonOut {
		if err := writeJSON(stdout, res); err != nil {
			fmt.Fprintln(stderr, "presencesim:", err)
			return exitUsage
		}
	} else {
		res.WriteTable(stdout)
	}
	if !res.SLOPassed() {
		return exitFailed
	}
	return exitOK
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// servePprof serves net/http/pprof on addr, which must be a loopback
// address (the profiles show the run's internals), and turns on the block
// and mutex profiles: one sample per 10 µs blocked and one in 100 lock
// contentions cost the storm nothing measurable and show where the
// simulator's goroutines wait.
func servePprof(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof %q: only a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	runtime.SetBlockProfileRate(10_000)
	runtime.SetMutexProfileFraction(100)
	go func() { _ = http.Serve(l, http.DefaultServeMux) }()
	return nil
}
