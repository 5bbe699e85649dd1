package store

import (
	"errors"
	"fmt"
	"time"
)

// FileName is the store file inside Config.Dir. It is fixed so that an
// operator always knows which file to back up, verify or move away.
const FileName = "presence.db"

const (
	// DefaultTimeout is used when Config.Timeout is zero.
	DefaultTimeout = time.Second
	// DefaultMaxBatchSize is used when Config.MaxBatchSize is zero. 4096
	// mutations of ~100 bytes dirty at most a few MiB of pages per commit;
	// with 256 concurrent callers a batch never gets near it (see
	// BenchmarkApplyConcurrent), so it only bounds pathological bursts.
	DefaultMaxBatchSize = 4096
)

// Config configures Open. The zero value of every field except Dir is a
// usable default.
type Config struct {
	// Dir is the directory holding FileName; it is created (mode 0700) if
	// missing. Required.
	Dir string

	// Timeout is how long Open waits for the file lock when another process
	// (or another Store in this process) has the file open. Zero means
	// DefaultTimeout (1 s). Negative is invalid.
	Timeout time.Duration

	// MaxBatchDelay is how long the writer, after taking the first pending
	// call of a batch, waits for more calls before committing. Zero (the
	// default, and the recommended value) means no added wait: a batch is
	// whatever queued while the previous commit was running, which grows by
	// itself under load and costs nothing at low load. A positive delay
	// trades that much latency for fewer commits when callers are few.
	// Negative is invalid.
	MaxBatchDelay time.Duration

	// MaxBatchSize bounds the mutations committed in one transaction. A
	// single Apply call larger than the bound still commits as one
	// transaction (a call is atomic). Zero means DefaultMaxBatchSize (4096).
	// Negative is invalid.
	MaxBatchSize int

	// NoSync skips fsync on commit. UNSAFE: an acknowledged change can be
	// lost or the file left corrupt by a power failure or kernel crash. For
	// tests only. The zero value (false) syncs.
	NoSync bool
}

// withDefaults validates config and fills zero fields.
func (config Config) withDefaults() (Config, error) {
	var problems []error
	if config.Dir == "" {
		problems = append(problems, errors.New("the directory (Dir) is required"))
	}
	if config.Timeout < 0 {
		problems = append(problems, fmt.Errorf("the timeout (Timeout) %v is negative", config.Timeout))
	}
	if config.MaxBatchDelay < 0 {
		problems = append(problems, fmt.Errorf("MaxBatchDelay %v is negative", config.MaxBatchDelay))
	}
	if config.MaxBatchSize < 0 {
		problems = append(problems, fmt.Errorf("MaxBatchSize %d is negative", config.MaxBatchSize))
	}
	if len(problems) > 0 {
		return config, fmt.Errorf("store: invalid config: %w", errors.Join(problems...))
	}
	if config.Timeout == 0 {
		config.Timeout = DefaultTimeout
	}
	if config.MaxBatchSize == 0 {
		config.MaxBatchSize = DefaultMaxBatchSize
	}
	return config, nil
}
