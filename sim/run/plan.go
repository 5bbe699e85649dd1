package run

import (
	"fmt"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/scenario"
)

// plan is what both drivers build from the scenario before the day
// starts: the population, the subscription graph turned into watcher
// views, one change log per contact and the time mapping.
type plan struct {
	scenario   *scenario.Scenario
	population *model.Population
	graph      *model.Graph
	offered    model.OfferedLoad
	// watchers are the users that watch at least one contact.
	watchers []*watcherView
	// logs is indexed by user.
	logs []contactLog
	// index maps contact ids to users.
	index map[string]int32
	// subscriptions counts (watcher, owner) pairs.
	subscriptions int
	// speed is virtual time per wall time; wall the wall time of the day.
	speed float64
	wall  time.Duration
}

// newPlan builds the plan. The scenario is copied with the config's
// overrides (seed, wall time).
func newPlan(cfg *Config) (*plan, error) {
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
	p := &plan{
		scenario:   &s,
		population: population,
		graph:      model.NewGraph(population),
		offered:    model.Offered(population),
		logs:       make([]contactLog, population.Size()),
		index:      make(map[string]int32, population.Size()),
		speed:      s.Day.Speed(),
		wall:       s.Day.WallTime.Std(),
	}
	for i := range population.Users {
		p.index[population.Users[i].ContactID] = int32(i)
	}
	var list []model.Subscription
	for u := range population.Users {
		list = p.graph.Watching(u, list[:0])
		if len(list) == 0 {
			continue
		}
		w := &watcherView{user: int32(u), slow: p.slowReader(cfg, u), subs: make([]subView, len(list))}
		for i, sub := range list {
			flags := engine.Section(sub.Flags)
			w.subs[i] = subView{owner: sub.Owner, class: uint8(sub.Level), flags: flags}
			p.logs[sub.Owner].addWatcher(uint8(sub.Level), flags, w.slow)
		}
		w.index()
		p.subscriptions += len(list)
		p.watchers = append(p.watchers, w)
	}
	return p, nil
}

// slowReader decides, deterministically per (seed, user), whether a
// watcher reads late: with Config.SlowReaderShare when set, else with the
// persona's clients.slow_reader_share.
func (p *plan) slowReader(cfg *Config, user int) bool {
	share := cfg.SlowReaderShare
	if share < 0 {
		share = p.population.Persona(user).Clients.SlowReaderShare
	}
	if share <= 0 {
		return false
	}
	draw := mix(mix(p.scenario.Seed^0x736c6f77) + uint64(user))
	return float64(draw>>11)*0x1p-53 < share
}

// wallOffset converts a virtual offset into wall time since the start.
func (p *plan) wallOffset(offset time.Duration) time.Duration {
	return time.Duration(float64(offset) / p.speed)
}

// virtualOffset converts wall time since the start into a virtual offset.
func (p *plan) virtualOffset(wall time.Duration) time.Duration {
	return time.Duration(float64(wall) * p.speed)
}

// shards splits the users into n contiguous ranges for the generators.
func (p *plan) shards(n int) [][2]int {
	users := p.population.Size()
	n = max(1, min(n, users))
	out := make([][2]int, n)
	for i := range out {
		out[i] = [2]int{users * i / n, users * (i + 1) / n}
	}
	return out
}
