package model

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/ucpresence/presence/sim/scenario"
)

// Relation says why a watcher subscribes to an owner. When several apply,
// the first in this order is reported.
type Relation uint8

// Relations.
const (
	RelationTeam       Relation = iota + 1 // a member of the own team
	RelationDepartment                     // a random member of the department
	RelationConsole                        // a reception console's directory
	RelationPopular                        // a Zipf-popular user
	RelationColleague                      // a random user of the company
)

// String returns the relation's name.
func (r Relation) String() string {
	switch r {
	case RelationTeam:
		return "team"
	case RelationDepartment:
		return "department"
	case RelationConsole:
		return "console"
	case RelationPopular:
		return "popular"
	case RelationColleague:
		return "colleague"
	}
	return "relation(?)"
}

// Subscription is one edge of the subscription graph: Watcher subscribes
// to Owner's presence with Flags (iEventFlagsToSubscribe), and Owner has
// granted Watcher the rights Level.
type Subscription struct {
	// Watcher is the subscribing user.
	Watcher int32
	// Owner is the user whose presence is watched.
	Owner int32
	// Flags is the subscription's iEventFlagsToSubscribe.
	Flags uint32
	// Level is the rights level Owner granted Watcher.
	Level Level
	// Relation is why Watcher watches Owner.
	Relation Relation
}

// Graph generates who watches whom, with which flags, and the rights each
// owner granted each watcher. Nothing is stored per edge: a watcher's list
// is drawn from the watcher's own stream on demand, and flags and levels
// are pure functions of (seed, owner, watcher), so any part of the graph
// can be computed anywhere in any order with the same result.
//
// A Graph is read-only after NewGraph and safe for concurrent use.
type Graph struct {
	population     *Population
	zipfCumulative []float64 // cumulative Zipf weights of ranks 0..pool-1
	watcherLevels  []int     // per persona: level override, or -1
	optIn          []optInRule
}

type optInRule struct {
	flags    uint32
	share    float64
	owners   []bool // per persona; nil = every persona
	watchers []bool
}

// NewGraph prepares the graph of a population.
func NewGraph(population *Population) *Graph {
	s := population.Scenario
	g := &Graph{population: population}
	pool := min(s.Subscriptions.PopularPool, population.Size())
	total := 0.0
	for rank := 0; rank < pool; rank++ {
		total += math.Pow(float64(rank+1), -s.Subscriptions.ZipfExponent)
		g.zipfCumulative = append(g.zipfCumulative, total)
	}
	for rank := range g.zipfCumulative {
		g.zipfCumulative[rank] /= total
	}
	g.watcherLevels = make([]int, len(s.Population.Personas))
	for i, persona := range s.Population.Personas {
		g.watcherLevels[i] = -1
		if level, ok := s.Rights.WatcherPersonas[persona.Name]; ok {
			g.watcherLevels[i] = int(level)
		}
	}
	personaSet := func(names []string) []bool {
		if len(names) == 0 {
			return nil
		}
		set := make([]bool, len(s.Population.Personas))
		for _, name := range names {
			if index := s.PersonaIndex(name); index >= 0 {
				set[index] = true
			}
		}
		return set
	}
	for _, rule := range s.Subscriptions.OptIn {
		g.optIn = append(g.optIn, optInRule{flags: rule.Flags, share: rule.Share, owners: personaSet(rule.OwnerPersonas), watchers: personaSet(rule.WatcherPersonas)})
	}
	return g
}

// Popular returns the user at popularity rank (0 = most popular). Ranks
// map to users by jump consistent hashing, so the popular users are spread
// over teams and stay popular when users are added.
func (g *Graph) Popular(rank int) int {
	return jump(hash(g.population.Scenario.Seed, uint64(purposePopular), uint64(rank), 0), g.population.Size())
}

// Watching appends the subscriptions of watcher to dst, sorted by owner
// and without duplicates or self-subscriptions, and returns the extended
// slice.
func (g *Graph) Watching(watcher int, dst []Subscription) []Subscription {
	population := g.population
	watch := &population.Persona(watcher).Watch
	random := newStream(population.Scenario.Seed, watcher, purposeGraph)
	start := len(dst)
	add := func(owner int, relation Relation) {
		if owner != watcher {
			dst = append(dst, Subscription{Watcher: int32(watcher), Owner: int32(owner), Relation: relation})
		}
	}
	if watch.OwnTeam {
		from, to := population.TeamMembers(watcher)
		for owner := from; owner < to; owner++ {
			add(owner, RelationTeam)
		}
	}
	from, to := population.DepartmentMembers(watcher)
	for range watch.DepartmentColleagues {
		add(from+jump(random.uint64(), to-from), RelationDepartment)
	}
	for range watch.RandomColleagues {
		add(jump(random.uint64(), population.Size()), RelationColleague)
	}
	for range watch.PopularContacts {
		add(g.Popular(g.zipfRank(random.float())), RelationPopular)
	}
	for owner, taken := 0, 0; owner < population.Size() && taken < watch.Console; owner++ {
		if owner != watcher {
			add(owner, RelationConsole)
			taken++
		}
	}
	list := dst[start:]
	slices.SortFunc(list, func(a, b Subscription) int {
		if c := cmp.Compare(a.Owner, b.Owner); c != 0 {
			return c
		}
		return cmp.Compare(a.Relation, b.Relation)
	})
	list = slices.CompactFunc(list, func(a, b Subscription) bool { return a.Owner == b.Owner })
	for i := range list {
		list[i].Flags = g.Flags(int(list[i].Owner), watcher)
		list[i].Level = g.Level(int(list[i].Owner), watcher)
	}
	return dst[:start+len(list)]
}

func (g *Graph) zipfRank(u float64) int {
	rank := sort.SearchFloat64s(g.zipfCumulative, u)
	return min(rank, len(g.zipfCumulative)-1)
}

// Level returns the rights level owner granted watcher: by their nearest
// relation (team, department, same domain, other domain), overridden for
// some watcher personas, then Blocked or Personal for a share of pairs.
func (g *Graph) Level(owner, watcher int) Level {
	population := g.population
	rights := &population.Scenario.Rights
	ownerUser, watcherUser := &population.Users[owner], &population.Users[watcher]
	level := rights.OtherDomain
	switch {
	case ownerUser.Team == watcherUser.Team:
		level = rights.Team
	case ownerUser.Department == watcherUser.Department:
		level = rights.Department
	case ownerUser.Domain == watcherUser.Domain:
		level = rights.Company
	}
	if override := g.watcherLevels[watcherUser.Persona]; override >= 0 {
		level = scenario.Level(override)
	}
	draw := unit(hash(population.Scenario.Seed, uint64(purposeRights), uint64(owner), uint64(watcher)))
	switch {
	case draw < rights.BlockedShare:
		level = scenario.LevelBlocked
	case draw < rights.BlockedShare+rights.PersonalShare:
		level = scenario.LevelPersonal
	}
	return level
}

// Flags returns the event flags of watcher's subscription to owner: the
// default flags plus every opt-in rule that matches their personas and
// draws the pair.
func (g *Graph) Flags(owner, watcher int) uint32 {
	population := g.population
	flags := population.Scenario.Subscriptions.EventFlags
	ownerPersona, watcherPersona := population.Users[owner].Persona, population.Users[watcher].Persona
	for i := range g.optIn {
		rule := &g.optIn[i]
		if rule.owners != nil && !rule.owners[ownerPersona] || rule.watchers != nil && !rule.watchers[watcherPersona] {
			continue
		}
		if unit(hash(population.Scenario.Seed, uint64(purposeOptIn), uint64(owner)<<32|uint64(watcher), uint64(i))) < rule.share {
			flags |= rule.flags
		}
	}
	return flags
}

// Adjacency is the whole graph in compressed rows, both ways: the owners
// watcher w watches are Owners[OwnerOffsets[w]:OwnerOffsets[w+1]], the
// watchers of owner o are Watchers[WatcherOffsets[o]:WatcherOffsets[o+1]].
type Adjacency struct {
	// OwnerOffsets has Users+1 entries indexing Owners by watcher.
	OwnerOffsets []int
	// Owners lists the watched users, watcher by watcher.
	Owners []int32
	// WatcherOffsets has Users+1 entries indexing Watchers by owner.
	WatcherOffsets []int
	// Watchers lists the watching users, owner by owner.
	Watchers []int32
}

// Build materialises the graph (about 8 bytes per edge) for drivers and
// the correctness oracle, which need "who watches this owner".
func (g *Graph) Build() *Adjacency {
	users := g.population.Size()
	adjacency := &Adjacency{OwnerOffsets: make([]int, users+1), WatcherOffsets: make([]int, users+1)}
	var buffer []Subscription
	for watcher := 0; watcher < users; watcher++ {
		buffer = g.Watching(watcher, buffer[:0])
		for _, subscription := range buffer {
			adjacency.Owners = append(adjacency.Owners, subscription.Owner)
			adjacency.WatcherOffsets[subscription.Owner+1]++
		}
		adjacency.OwnerOffsets[watcher+1] = len(adjacency.Owners)
	}
	for owner := 0; owner < users; owner++ {
		adjacency.WatcherOffsets[owner+1] += adjacency.WatcherOffsets[owner]
	}
	adjacency.Watchers = make([]int32, len(adjacency.Owners))
	fill := slices.Clone(adjacency.WatcherOffsets[:users])
	for watcher := 0; watcher < users; watcher++ {
		for _, owner := range adjacency.Owners[adjacency.OwnerOffsets[watcher]:adjacency.OwnerOffsets[watcher+1]] {
			adjacency.Watchers[fill[owner]] = int32(watcher)
			fill[owner]++
		}
	}
	return adjacency
}

// WatchersOf returns the watchers of owner.
func (a *Adjacency) WatchersOf(owner int) []int32 {
	return a.Watchers[a.WatcherOffsets[owner]:a.WatcherOffsets[owner+1]]
}

// OwnersOf returns the owners watcher watches.
func (a *Adjacency) OwnersOf(watcher int) []int32 {
	return a.Owners[a.OwnerOffsets[watcher]:a.OwnerOffsets[watcher+1]]
}

// GraphSummary describes the size and shape of a graph.
type GraphSummary struct {
	// Subscriptions is the number of edges.
	Subscriptions int
	// MeanWatching is the mean number of subscriptions per watcher.
	MeanWatching float64
	// MaxWatching is the largest number of subscriptions of one watcher.
	MaxWatching int
	// MeanWatchers is the mean fan-out per owner (how many watchers one
	// presence change reaches).
	MeanWatchers float64
	// P99Watchers is the 99th percentile of the fan-out.
	P99Watchers int
	// MaxWatchers is the largest fan-out.
	MaxWatchers int
	// ByLevel counts the edges per rights level.
	ByLevel [scenario.LevelPersonal + 1]int
}

// Summary computes the summary from a built adjacency.
func (g *Graph) Summary(adjacency *Adjacency) GraphSummary {
	users := g.population.Size()
	summary := GraphSummary{Subscriptions: len(adjacency.Owners)}
	fanout := make([]int, users)
	for user := 0; user < users; user++ {
		summary.MaxWatching = max(summary.MaxWatching, len(adjacency.OwnersOf(user)))
		fanout[user] = len(adjacency.WatchersOf(user))
		for _, owner := range adjacency.OwnersOf(user) {
			summary.ByLevel[g.Level(int(owner), user)]++
		}
	}
	slices.Sort(fanout)
	summary.MeanWatching = float64(summary.Subscriptions) / float64(users)
	summary.MeanWatchers = summary.MeanWatching
	summary.MaxWatchers = fanout[users-1]
	summary.P99Watchers = fanout[min(users-1, users*99/100)]
	return summary
}
