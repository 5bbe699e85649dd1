package driver

import (
	"context"
	"fmt"
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

// OpenStreams opens one event stream per generator shard of the plan,
// hands each stream's warm-up events (those at offset 0: published
// calendars, early logins, out-of-office forwards; the initial state, not
// a burst) to warm in stream order, and appends the streams, positioned at
// the day's first event, to s.Streams. warm must copy what it keeps: ev is
// reused.
func (s *State) OpenStreams(warm func(ev *model.Event)) error {
	for _, shard := range s.Plan.Shards(s.Config.Generators) {
		stream, err := model.NewStreamRange(s.Plan.Population, shard[0], shard[1])
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		var ev model.Event
		for {
			at, ok := stream.Peek()
			if !ok || at > 0 {
				break
			}
			stream.Next(&ev)
			warm(&ev)
		}
		s.Streams = append(s.Streams, stream)
	}
	return nil
}
