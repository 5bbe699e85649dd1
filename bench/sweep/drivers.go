package sweep

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/run"
	"github.com/ucpresence/presence/sim/scenario"
)

// driver runs one step of a sweep and measures it.
type driver interface {
	step(ctx context.Context, s *scenario.Scenario, dir string) (*measured, error)
}

// runConfig is the simulator configuration both drivers share.
func runConfig(cfg *Config, s *scenario.Scenario, dir string) run.Config {
	return run.Config{
		Scenario: s,
		// End at the window's end: the calls that started in it would
		// otherwise drain for minutes at a falling rate.
		StopAfter:       s.Day.WallTime.Std(),
		OutDir:          dir,
		Interval:        time.Second,
		QuiesceTimeout:  cfg.QuiesceTimeout,
		SlowReaderShare: -1, // the personas' own slow readers
		Status:          cfg.SimulatorStatus,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)), // warnings land in Result.Generator
	}
}

// readLog reads the step's interval log.
func readLog(dir string) ([]interval, error) {
	f, err := os.Open(filepath.Join(dir, "intervals.hlog"))
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer f.Close()
	return readIntervals(f)
}

// inWindow returns the samples taken during the result's window.
func inWindow(samples []probe.Sample, res *run.Result) []probe.Sample {
	end := res.Started.Add(time.Duration(res.WallSeconds * float64(time.Second)))
	var out []probe.Sample
	for _, s := range samples {
		if !s.At.Before(res.Started) && !s.At.After(end) {
			out = append(out, s)
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// inProcess runs the engine inside this process (sim/run's in-process
// driver). CPU and memory are the whole process's: engine and simulator
// cannot be told apart by the operating system.
type inProcess struct{ cfg *Config }

func (d inProcess) step(ctx context.Context, s *scenario.Scenario, dir string) (*measured, error) {
	// A clean heap, so that the idle figure is this step's and not the
	// previous step's garbage.
	runtime.GC()
	debug.FreeOSMemory()
	idle := probe.ReadRuntime()
	sampler := probe.NewSampler(probe.SamplerConfig{Interval: d.cfg.SampleInterval})
	began := time.Now()
	sampler.Start(ctx)
	res, err := run.Run(ctx, runConfig(d.cfg, s, dir))
	samples := sampler.Stop(ctx)
	m := &measured{result: res, samples: samples, began: began, ended: time.Now(),
		memoryMethod: "process live heap (runtime/metrics /gc/heap/live:bytes, engine and simulator together)"}
	if res == nil {
		return nil, err
	}
	if err != nil {
		m.warnings = append(m.warnings, "run: "+err.Error())
	}
	if m.intervals, err = readLog(dir); err != nil {
		return nil, err
	}
	a, b, ok := around(samples, res.Started, res.Started.Add(time.Duration(res.WallSeconds*float64(time.Second))))
	if ok {
		m.gc = probe.RuntimeGC(a.Runtime, b.Runtime)
	}
	m.gcEnds = runtimeGCEnds(samples)
	m.memoryIdle = float64(idle.HeapLive)
	var live []float64
	for _, x := range inWindow(samples, res) {
		live = append(live, float64(x.Runtime.HeapLive))
	}
	m.memoryWindow = median(live)
	return m, nil
}

// expectedSubscriptions counts the subscriptions the graph holds.
func expectedSubscriptions(population *model.Population) int {
	graph := model.NewGraph(population)
	var list []model.Subscription
	n := 0
	for u := range population.Users {
		list = graph.Watching(u, list[:0])
		n += len(list)
	}
	return n
}

// liveAfterSetup polls the server's metrics until it holds want
// subscriptions, then forces a collection (/debug/pprof/heap?gc=1) and
// returns the live heap gctrace reports for it, in MB; 0 when ctx ends
// first.
func liveAfterSetup(ctx context.Context, srv *child, scraper *probe.Scraper, heapURL string, want int) int {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0
		case <-t.C:
		}
		m, err := scraper.Scrape(ctx)
		if err != nil || int(m.Value("presenced_engine_subscriptions")) < want {
			continue
		}
		before := len(srv.gc.Cycles())
		if _, err := scraper.MemStats(ctx, heapURL+"&gc=1"); err != nil {
			return 0
		}
		for i := 0; i < 50; i++ { // the gctrace line follows the collection
			if cycles := srv.gc.Cycles(); len(cycles) > before {
				for _, c := range cycles[before:] {
					if c.Forced {
						return c.LiveMB
					}
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		return 0
	}
}

// wireDriver starts a fresh presenced per step and runs the simulator
// against it (sim/run's wire driver): ingest over a WebSocket stream,
// one ROSE WebSocket per watching user.
type wireDriver struct {
	cfg    *Config
	binary string
}

// password of every virtual user; the directory is per step and loopback.
const wirePassword = "presencebench"

func (d wireDriver) step(ctx context.Context, s *scenario.Scenario, dir string) (*measured, error) {
	population, err := model.NewPopulation(s)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	directory := filepath.Join(dir, "directory.yaml")
	if err := writeDirectory(directory, population, wirePassword); err != nil {
		return nil, err
	}
	token := randomToken()
	began := time.Now()
	srv, err := startServer(ctx, serverConfig{binary: d.binary, dir: dir, directory: directory, token: token, flags: d.cfg.ServerFlags})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	scraper := &probe.Scraper{URL: "http://" + srv.http + "/metrics", Header: http.Header{"Authorization": {"Bearer " + srv.adminToken}}}
	heapURL := "http://" + srv.admin + "/debug/pprof/heap?debug=1"
	// A forced collection of the idle server (directory loaded): its
	// gctrace line gives the idle live heap.
	if _, err := scraper.MemStats(ctx, heapURL+"&gc=1"); err != nil {
		return nil, err
	}
	time.Sleep(50 * time.Millisecond) // let the gctrace line arrive
	idleLive := 0
	if cycles := srv.gc.Cycles(); len(cycles) > 0 {
		idleLive = cycles[len(cycles)-1].LiveMB
	}
	sampler := probe.NewSampler(probe.SamplerConfig{Interval: d.cfg.SampleInterval, ServerPID: srv.pid(), Metrics: scraper,
		Prefix: "presenced_", Histogram: "presenced_apply_to_write_seconds", HeapURL: heapURL})
	sampler.Start(ctx)
	// When every subscription is in place (the end of setup), one forced
	// collection measures the server's live heap with all connections and
	// subscriptions; its pause lands before the window's first events.
	setupLive := make(chan int, 1)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		setupLive <- liveAfterSetup(watchCtx, srv, scraper, heapURL, expectedSubscriptions(population))
	}()
	rc := runConfig(d.cfg, s, dir)
	rc.Driver = run.DriverWire
	rc.Wire = run.WireConfig{Target: "ws://" + srv.http, Ingest: "ws://" + srv.http, Token: token,
		Auth: "basic", Login: "user{index}", Password: wirePassword, SetRights: true}
	res, err := run.Run(ctx, rc)
	samples := sampler.Stop(ctx)
	m := &measured{result: res, samples: samples, began: began, ended: time.Now(), wire: true,
		memoryMethod: "server live heap after a forced GC when setup completed (gctrace) minus the idle server's after a forced GC"}
	if res == nil {
		return nil, fmt.Errorf("%w (server log: %s)", err, srv.lastLines())
	}
	if err != nil {
		m.warnings = append(m.warnings, "run: "+err.Error())
	}
	if m.intervals, err = readLog(dir); err != nil {
		return nil, err
	}
	end := res.Started.Add(time.Duration(res.WallSeconds * float64(time.Second)))
	var serverCPU time.Duration
	if a, b, ok := around(samples, res.Started, end); ok && a.Server != nil && b.Server != nil {
		serverCPU = b.Server.CPU() - a.Server.CPU()
	}
	cycles := srv.gc.Cycles()
	if err := writeJSON(filepath.Join(dir, "gctrace.json"), cycles); err != nil {
		return nil, err
	}
	m.gc = probe.SummarizeCycles(cycles, srv.since(res.Started), srv.since(end), serverCPU)
	for _, c := range cycles {
		m.gcEnds = append(m.gcEnds, srv.started.Add(c.At+c.Pause+c.Mark))
	}
	stopWatch()
	if mb := <-setupLive; mb > 0 {
		m.memoryWindow = float64(mb) * (1 << 20)
	} else { // the forced collection did not happen: collections in the window
		var live []float64
		for _, c := range cycles {
			if c.At >= srv.since(res.Started) && c.At < srv.since(end) && !c.Forced {
				live = append(live, float64(c.LiveMB)*(1<<20))
			}
		}
		m.memoryWindow = median(live)
		m.memoryMethod = "server live heap after GC (gctrace, the collections in the window) minus the idle server's"
	}
	window := inWindow(samples, res)
	m.memoryIdle = float64(idleLive) * (1 << 20)
	for _, x := range window {
		m.connections = max(m.connections, int(x.Metrics.Value("presenced_connections")))
	}
	return m, nil
}
