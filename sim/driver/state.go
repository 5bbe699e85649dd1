package driver

import (
	"context"
	"time"

	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
)

// Driver is what the orchestration (package sim/run) needs from the
// in-process and the wire driver.
type Driver interface {
	// Setup builds the directory, rights and subscriptions, applies the
	// warm-up events and appends one stream per generator to the State.
	Setup(ctx context.Context) error
	// Day runs the generators until their streams end.
	Day(ctx context.Context) error
	// Quiesce waits until no delivery is in flight; false at the timeout.
	Quiesce(ctx context.Context) bool
	// Check compares every watcher's final view and fills the oracle.
	Check(ctx context.Context, o *oracle.Report) error
	Close()
}

// State is the state of one run that the orchestration shares with the
// drivers: the plan, the recorders, the generators' streams and the day's
// start. The orchestration owns it; a driver appends the streams and may
// fix Start during Setup, before the day begins.
type State struct {
	Config     Config
	Plan       *Plan
	Recorders  oracle.Recorders
	Streams    []*model.Stream
	Generators []*Generator
	Start      time.Time // wall time of virtual offset 0
	FixedStart bool      // the driver fixed Start during Setup (wire)
}
