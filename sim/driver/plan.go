package driver

import (
	"fmt"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/scenario"
)

// Plan is what both drivers build from the scenario before the day
// starts: the population, the subscription graph turned into watcher
// views, one change log per contact and the time mapping.
type Plan struct {
	Scenario   *scenario.Scenario
	Population *model.Population
	graph      *model.Graph
	Offered    model.OfferedLoad
	// Watchers are the users that watch at least one contact.
	Watchers []*oracle.WatcherView
	// Logs is indexed by user.
	Logs []oracle.ContactLog
	// Index maps contact ids to users.
	Index map[string]int32
	// Subscriptions counts (watcher, owner) pairs.
	Subscriptions int
	// Speed is virtual time per wall time; wall the wall time of the day.
	Speed float64
	wall  time.Duration
}

// NewPlan builds the plan. The scenario is copied with the config's
// overrides (seed, wall time).
func NewPlan(cfg *Config) (*Plan, error) {
	s := *cfg.Scenario
	if cfg.Seed != nil {
		s.Seed = *cfg.Seed
	}
	if cfg.WallTime > 0 {
		s.Day.WallTime = scenario.Duration(cfg.WallTime)
	}
	population, err := model.NewPopulation(&s)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	p := &Plan{
		Scenario:   &s,
		Population: population,
		graph:      model.NewGraph(population),
		Offered:    model.Offered(population),
		Logs:       make([]oracle.ContactLog, population.Size()),
		Index:      make(map[string]int32, population.Size()),
		Speed:      s.Day.Speed(),
		wall:       s.Day.WallTime.Std(),
	}
	for i := range population.Users {
		p.Index[population.Users[i].ContactID] = int32(i)
	}
	var list []model.Subscription
	for u := range population.Users {
		list = p.graph.Watching(u, list[:0])
		if len(list) == 0 {
			continue
		}
		w := &oracle.WatcherView{User: int32(u), Slow: p.slowReader(cfg, u), Subs: make([]oracle.SubView, len(list))}
		for i, sub := range list {
			flags := engine.Section(sub.Flags)
			w.Subs[i] = oracle.SubView{Owner: sub.Owner, Class: uint8(sub.Level), Flags: flags}
			p.Logs[sub.Owner].AddWatcher(uint8(sub.Level), flags, w.Slow)
		}
		w.Index()
		p.Subscriptions += len(list)
		p.Watchers = append(p.Watchers, w)
	}
	return p, nil
}

// slowReader decides, deterministically per (seed, user), whether a
// watcher reads late: with Config.SlowReaderShare when set, else with the
// persona's clients.slow_reader_share.
func (p *Plan) slowReader(cfg *Config, user int) bool {
	share := cfg.SlowReaderShare
	if share < 0 {
		share = p.Population.Persona(user).Clients.SlowReaderShare
	}
	if share <= 0 {
		return false
	}
	draw := oracle.Mix(oracle.Mix(p.Scenario.Seed^0x736c6f77) + uint64(user))
	return float64(draw>>11)*0x1p-53 < share
}

// WallOffset converts a virtual offset into wall time since the start.
func (p *Plan) WallOffset(offset time.Duration) time.Duration {
	return time.Duration(float64(offset) / p.Speed)
}

// VirtualOffset converts wall time since the start into a virtual offset.
func (p *Plan) VirtualOffset(wall time.Duration) time.Duration {
	return time.Duration(float64(wall) * p.Speed)
}

// Shards splits the users into n contiguous ranges for the generators.
func (p *Plan) Shards(n int) [][2]int {
	users := p.Population.Size()
	n = max(1, min(n, users))
	out := make([][2]int, n)
	for i := range out {
		out[i] = [2]int{users * i / n, users * (i + 1) / n}
	}
	return out
}
