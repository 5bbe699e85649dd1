package driver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// ErrConfig is wrapped by every configuration error (exit code 2 in the
// command).
var ErrConfig = errors.New("run: invalid configuration")

// Kind selects how the simulator reaches the engine.
type Kind uint8

// Drivers.
const (
	// InProcess embeds the engine with a virtual clock.
	InProcess Kind = iota
	// Wire talks to a presenced server: ingest API for the sources,
	// ROSE over WebSocket for the watchers.
	Wire
)

// String returns "in-process" or "wire".
func (d Kind) String() string {
	if d == Wire {
		return "wire"
	}
	return "in-process"
}

// Config configures a run. The zero value of every field but Scenario is
// usable; units are given per field.
type Config struct {
	// Scenario is the validated scenario to run. Required.
	Scenario *scenario.Scenario
	// Seed overrides the scenario's seed when not nil.
	Seed *uint64
	// WallTime overrides day.wall_time: the wall-clock time the virtual day
	// is compressed into. Zero keeps the scenario's.
	WallTime time.Duration
	// StopAfter ends the day early after this much wall time (zero: run the
	// whole day).
	StopAfter time.Duration

	// Driver selects in-process or wire.
	Driver Kind
	// Wire configures the wire driver (ignored in-process).
	Wire WireConfig

	// Generators is the number of generator goroutines (users are split
	// into contiguous ranges). Zero means GOMAXPROCS.
	Generators int
	// Consumers is the number of goroutines that pull the in-process
	// watchers. Zero means GOMAXPROCS.
	Consumers int
	// SlowReaderShare is the share of watchers that read late. Negative
	// means the personas' clients.slow_reader_share; the zero value means
	// none.
	SlowReaderShare float64
	// SlowReaderDelay is how long a slow reader waits before it pulls
	// (in-process) or reads its socket (wire) after being notified. Zero
	// means 200 ms.
	SlowReaderDelay time.Duration
	// Interval is the period of the interval histograms and of the status
	// line. Zero means 1 s.
	Interval time.Duration
	// QuiesceTimeout bounds the wait for the last deliveries after the day
	// ends. Zero means 30 s.
	QuiesceTimeout time.Duration

	// OutDir receives summary.json, the .hlog and the .hgrm files. Empty
	// writes no files.
	OutDir string
	// Status receives the live status; nil prints none.
	Status io.Writer
	// StatusTTY redraws a progress bar in place instead of printing one
	// line per interval.
	StatusTTY bool
	// Logger receives warnings (generator saturation, errors). Nil means
	// slog.Default().
	Logger *slog.Logger

	// Spin makes the generators spin (yielding) through the last
	// millisecond before each due time instead of relying on the timer
	// alone: sub-millisecond schedule precision for one busy core per
	// generator.
	Spin bool

	// CheckModel compares the simulator's own presence model with the
	// engine at every change (in-process): the "model_divergence" count.
	CheckModel bool
	// Fault injects broken delivery to prove the oracle (tests).
	Fault Fault
}

// Fault breaks the delivery path on purpose, between the engine (or the
// socket) and the oracle. Each field is "every Nth update"; zero is off.
type Fault struct {
	// DropEvery drops every Nth update unseen.
	DropEvery int
	// CorruptEvery changes the note of every Nth update.
	CorruptEvery int
	// ReplayEvery delivers every Nth update a second time.
	ReplayEvery int
	// SlowGenerator adds this much of the generator's own work to every
	// event: a generator that cannot keep up (tests of the schedule-lag
	// accounting and of the bottleneck warning).
	SlowGenerator time.Duration
}

// WireConfig configures the wire driver.
type WireConfig struct {
	// Target is the client WebSocket URL, e.g. ws://127.0.0.1:7070 (the
	// path /ws/client/websocket is added when missing). Required. A
	// comma-separated list names the nodes of a cluster (docs/CLUSTER.md):
	// client i connects to node i mod N, and a client whose connection
	// fails reconnects to the next node and subscribes again.
	Target string
	// Ingest is the ingest base URL: http://host:port for batched POSTs to
	// /ingest/v1/events, ws://host:port for the /ingest/v1/stream
	// WebSocket. Empty means the Target's host with ws://. A
	// comma-separated list (or empty with several targets: every target's
	// host) spreads the senders over the nodes; an HTTP sender whose node
	// fails re-sends its batch to the next one.
	Ingest string
	// Targets and Ingests are Target and Ingest split and completed by
	// WithDefaults.
	Targets, Ingests []string
	// Token is the ingest API's bearer token.
	Token string
	// Auth selects the client login: "bearer" (default) or "basic".
	Auth string
	// ClientToken is the bearer token template; "{id}" is replaced by the
	// contact id, "{name}" by its user part, "{index}" by the user number
	// and "{login}" by the login name. Default "tok:{id}".
	ClientToken string
	// Login is the login-name template of Basic logins ("{name}" is the
	// user part of the contact id, "{index}" the user number, "{id}" the
	// contact id). Default "{name}".
	Login string
	// Password is the Basic password of every virtual user.
	Password string
	// SetRights sets the graph's rights with asnSetDynamicRights from each
	// owner's connection (true), or leaves them to the server's directory.
	SetRights bool
	// BatchDelay is how long the senders collect events into one ingest
	// batch. Zero means 2 ms.
	BatchDelay time.Duration
	// BatchEvents caps a batch. Zero means 1,000.
	BatchEvents int
	// Senders is the number of ingest connections (users are partitioned
	// so that one user's events keep their order). Zero means 4.
	Senders int
	// DialConcurrency bounds concurrent client handshakes. Zero means 64.
	DialConcurrency int
	// InvokeRate paces each connection's setup invokes (per second), under
	// the server's rate limit. Zero means 150.
	InvokeRate int
	// ReconnectStorm, when positive, drops every watcher connection after
	// the day and reconnects them all within this window (open-loop), to
	// measure logins (metric "login"). Zero: only when the scenario drops
	// every session at once (a disconnect fault of share 1), with a window
	// of one second. Negative: never.
	ReconnectStorm time.Duration
}

// WithDefaults validates cfg and fills in defaults.
func (cfg Config) WithDefaults() (Config, error) {
	if cfg.Scenario == nil {
		return cfg, fmt.Errorf("%w: no scenario", ErrConfig)
	}
	if cfg.WallTime < 0 || cfg.StopAfter < 0 || cfg.SlowReaderDelay < 0 || cfg.Interval < 0 {
		return cfg, fmt.Errorf("%w: negative duration", ErrConfig)
	}
	if cfg.SlowReaderShare > 1 {
		return cfg, fmt.Errorf("%w: slow reader share %g above 1", ErrConfig, cfg.SlowReaderShare)
	}
	procs := runtime.GOMAXPROCS(0)
	if cfg.Generators <= 0 {
		cfg.Generators = procs
	}
	if cfg.Consumers <= 0 {
		cfg.Consumers = procs
	}
	if cfg.SlowReaderDelay == 0 {
		cfg.SlowReaderDelay = 200 * time.Millisecond
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.QuiesceTimeout == 0 {
		cfg.QuiesceTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Driver == Wire {
		w, err := cfg.Wire.withDefaults()
		if err != nil {
			return cfg, err
		}
		cfg.Wire = w
	}
	return cfg, nil
}

func (w WireConfig) withDefaults() (WireConfig, error) {
	if w.Target == "" {
		return w, fmt.Errorf("%w: the wire driver needs a target URL", ErrConfig)
	}
	w.Targets = w.Targets[:0:0]
	var hosts []string
	for _, t := range strings.Split(w.Target, ",") {
		target, err := url.Parse(strings.TrimSpace(t))
		if err != nil || (target.Scheme != "ws" && target.Scheme != "wss") || target.Host == "" {
			return w, fmt.Errorf("%w: target %q is not a ws:// URL", ErrConfig, t)
		}
		if target.Path == "" || target.Path == "/" {
			target.Path = "/ws/client/websocket"
		}
		w.Targets = append(w.Targets, target.String())
		hosts = append(hosts, "ws://"+target.Host)
	}
	w.Target = w.Targets[0]
	if w.Ingest == "" {
		w.Ingest = strings.Join(hosts, ",")
	}
	w.Ingests = w.Ingests[:0:0]
	for _, i := range strings.Split(w.Ingest, ",") {
		in, err := url.Parse(strings.TrimSpace(i))
		if err != nil || in.Host == "" || (in.Scheme != "ws" && in.Scheme != "wss" && in.Scheme != "http" && in.Scheme != "https") {
			return w, fmt.Errorf("%w: ingest %q is not an http:// or ws:// URL", ErrConfig, i)
		}
		w.Ingests = append(w.Ingests, in.String())
	}
	w.Ingest = w.Ingests[0]
	switch w.Auth {
	case "":
		w.Auth = "bearer"
	case "bearer", "basic":
	default:
		return w, fmt.Errorf("%w: auth %q (want bearer or basic)", ErrConfig, w.Auth)
	}
	if w.ClientToken == "" {
		w.ClientToken = "tok:{id}"
	}
	if w.Login == "" {
		w.Login = "{name}"
	}
	if w.BatchDelay <= 0 {
		w.BatchDelay = 2 * time.Millisecond
	}
	if w.BatchEvents <= 0 {
		w.BatchEvents = 1000
	}
	if w.Senders <= 0 {
		w.Senders = 4
	}
	if w.DialConcurrency <= 0 {
		w.DialConcurrency = 64
	}
	if w.InvokeRate <= 0 {
		w.InvokeRate = 150
	}
	return w, nil
}
