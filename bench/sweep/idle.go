package sweep

import (
	"context"
	"time"

	"github.com/ucpresence/presence/bench/probe"
)

// otherLoad measures, over span, the cores the machine used besides this
// process (and its children: a wire step's server is stopped between
// steps, so nothing of ours runs then).
func otherLoad(ctx context.Context, span time.Duration) (float64, error) {
	var p probe.Proc
	m0, err := p.ReadMachine()
	if err != nil {
		return 0, err
	}
	s0, err := p.Read(0)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(span):
	}
	m1, err := p.ReadMachine()
	if err != nil {
		return 0, err
	}
	s1, err := p.Read(0)
	if err != nil {
		return 0, err
	}
	dt := time.Since(t0).Seconds()
	return max(0, ((m1.Busy-m0.Busy)-(s1.CPU()-s0.CPU())).Seconds()/dt), nil
}

// waitIdle waits until the other processes use less than cfg.IdleCores
// or cfg.IdleWait has passed; it returns how long it waited and the load
// it last saw.
func waitIdle(ctx context.Context, cfg *Config) (time.Duration, float64) {
	if cfg.IdleWait <= 0 {
		return 0, 0
	}
	threshold := cfg.IdleCores
	if threshold <= 0 {
		threshold = 0.3
	}
	start := time.Now()
	for {
		other, err := otherLoad(ctx, 2*time.Second)
		if err != nil || other < threshold || time.Since(start) >= cfg.IdleWait {
			if time.Since(start) < 3*time.Second {
				return 0, other
			}
			return time.Since(start), other
		}
	}
}
