package probe

import (
	"context"
	"strings"
	"sync"
	"time"
)

// SamplerConfig configures a Sampler. The zero value samples only the
// calling process, once a second.
type SamplerConfig struct {
	// Interval is the sampling period. Zero means 1 s.
	Interval time.Duration
	// ServerPID is the server's process id; zero means the server runs in
	// this process (in-process runs) and only this process is sampled.
	ServerPID int
	// Metrics scrapes the server's /metrics page each sample; nil means
	// no scrape.
	Metrics *Scraper
	// Prefix keeps only the series that start with it (and have no
	// labels, besides the histogram named in Histogram). Empty keeps all.
	Prefix string
	// Histogram is a histogram whose _bucket series are kept as well.
	Histogram string
	// HeapURL is the server's /debug/pprof/heap?debug=1 page; empty means
	// the server's heap is not sampled.
	HeapURL string
	// HeapEvery samples the heap page every HeapEvery samples (reading
	// MemStats stops the server's world for a few microseconds). Zero
	// means 5.
	HeapEvery int
	// Proc is the proc file system to read.
	Proc Proc
}

// Sample is one reading of the simulator process and, over the wire, of
// the server process.
type Sample struct {
	// At is when the sample was taken.
	At time.Time `json:"at"`
	// Simulator is this process: the simulator, and in-process also the
	// engine.
	Simulator ProcSample `json:"simulator"`
	// Runtime is this process's Go runtime.
	Runtime RuntimeSample `json:"runtime"`
	// Machine is the whole machine's CPU time.
	Machine MachineSample `json:"machine"`
	// Server is the child server process (nil in-process).
	Server *ProcSample `json:"server,omitempty"`
	// Metrics are the server's metrics (nil when not scraped or failed).
	Metrics Metrics `json:"metrics,omitempty"`
	// ServerHeap is the server's runtime.MemStats when this sample read
	// the heap page (nil otherwise).
	ServerHeap MemStats `json:"server_heap,omitempty"`
	// Errors lists what could not be read.
	Errors []string `json:"errors,omitempty"`
}

// Sampler samples periodically in a goroutine. Start it once, Stop it
// once; Take may be called at any time. Safe for concurrent use.
type Sampler struct {
	cfg     SamplerConfig
	mu      sync.Mutex // guards samples and count
	samples []Sample
	count   int
	stop    chan struct{}
	done    chan struct{}
}

// NewSampler returns a sampler; nothing runs until Start.
func NewSampler(cfg SamplerConfig) *Sampler {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.HeapEvery <= 0 {
		cfg.HeapEvery = 5
	}
	return &Sampler{cfg: cfg, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start takes a first sample and then one per interval until Stop or ctx.
func (s *Sampler) Start(ctx context.Context) {
	s.record(s.Take(ctx, true))
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.stop:
				return
			case <-t.C:
				s.mu.Lock()
				s.count++
				heap := s.count%s.cfg.HeapEvery == 0
				s.mu.Unlock()
				s.record(s.Take(ctx, heap))
			}
		}
	}()
}

// Stop ends the sampling, takes a last sample (with the heap) and returns
// every sample in time order.
func (s *Sampler) Stop(ctx context.Context) []Sample {
	close(s.stop)
	<-s.done
	s.record(s.Take(ctx, true))
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

func (s *Sampler) record(x Sample) {
	s.mu.Lock()
	s.samples = append(s.samples, x)
	s.mu.Unlock()
}

// Take reads everything once, now; heap also reads the server's heap
// page. Errors are listed in the sample, never returned.
func (s *Sampler) Take(ctx context.Context, heap bool) Sample {
	x := Sample{At: time.Now(), Runtime: ReadRuntime()}
	var err error
	if x.Simulator, err = s.cfg.Proc.Read(0); err != nil {
		x.Errors = append(x.Errors, err.Error())
	}
	if x.Machine, err = s.cfg.Proc.ReadMachine(); err != nil {
		x.Errors = append(x.Errors, err.Error())
	}
	if s.cfg.ServerPID > 0 {
		server, err := s.cfg.Proc.Read(s.cfg.ServerPID)
		if err != nil {
			x.Errors = append(x.Errors, err.Error())
		} else {
			x.Server = &server
		}
	}
	if s.cfg.Metrics != nil {
		m, err := s.cfg.Metrics.Scrape(ctx)
		if err != nil {
			x.Errors = append(x.Errors, err.Error())
		} else {
			x.Metrics = s.keep(m)
		}
	}
	if heap && s.cfg.HeapURL != "" && s.cfg.Metrics != nil {
		ms, err := s.cfg.Metrics.MemStats(ctx, s.cfg.HeapURL)
		if err != nil {
			x.Errors = append(x.Errors, err.Error())
		} else {
			x.ServerHeap = MemStats{"HeapInuse": ms["HeapInuse"], "HeapAlloc": ms["HeapAlloc"], "Sys": ms["Sys"], "NumGC": ms["NumGC"], "GCCPUFraction": ms["GCCPUFraction"]}
		}
	}
	return x
}

// keep filters a scrape down to the configured series.
func (s *Sampler) keep(m Metrics) Metrics {
	if s.cfg.Prefix == "" {
		return m
	}
	out := Metrics{}
	for k, v := range m {
		if s.cfg.Histogram != "" && strings.HasPrefix(k, s.cfg.Histogram) {
			out[k] = v
			continue
		}
		if strings.HasPrefix(k, s.cfg.Prefix) && !strings.ContainsRune(k, '{') {
			out[k] = v
		}
	}
	return out
}
