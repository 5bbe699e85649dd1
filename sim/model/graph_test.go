package model

import (
	"math"
	"slices"
	"testing"

	"github.com/ucpresence/presence/sim/scenario"
)

func TestWatchingIsSortedUniqueAndIncludesTheTeam(t *testing.T) {
	p := shipped(t, "office-1k")
	g := NewGraph(p)
	var list []Subscription
	for watcher := 0; watcher < p.Size(); watcher++ {
		list = g.Watching(watcher, list[:0])
		for i, subscription := range list {
			if int(subscription.Watcher) != watcher || int(subscription.Owner) == watcher {
				t.Fatalf("watcher %d: bad subscription %+v", watcher, subscription)
			}
			if i > 0 && list[i-1].Owner >= subscription.Owner {
				t.Fatalf("watcher %d: owners not sorted and unique at %d", watcher, i)
			}
		}
		from, to := p.TeamMembers(watcher)
		for owner := from; owner < to; owner++ {
			if owner == watcher {
				continue
			}
			index, found := slices.BinarySearchFunc(list, int32(owner), func(s Subscription, owner int32) int { return int(s.Owner - owner) })
			if !found || list[index].Relation != RelationTeam {
				t.Fatalf("watcher %d does not watch team member %d as team", watcher, owner)
			}
		}
	}
	// The two reception consoles watch everybody else.
	if got := len(g.Watching(0, nil)); got != p.Size()-1 {
		t.Errorf("console watches %d users, want %d", got, p.Size()-1)
	}
}

func TestAdjacencyIsConsistentBothWays(t *testing.T) {
	p := shipped(t, "smoke")
	g := NewGraph(p)
	adjacency := g.Build()
	edges := 0
	for watcher := 0; watcher < p.Size(); watcher++ {
		owners := adjacency.OwnersOf(watcher)
		if len(owners) != len(g.Watching(watcher, nil)) {
			t.Fatalf("watcher %d: %d owners in the adjacency, %d from Watching", watcher, len(owners), len(g.Watching(watcher, nil)))
		}
		for _, owner := range owners {
			edges++
			if !slices.Contains(adjacency.WatchersOf(int(owner)), int32(watcher)) {
				t.Fatalf("%d watches %d but is not among its watchers", watcher, owner)
			}
		}
	}
	if edges != len(adjacency.Watchers) || g.Summary(adjacency).Subscriptions != edges {
		t.Errorf("%d edges, %d watcher entries", edges, len(adjacency.Watchers))
	}
}

// TestZipfPopularity: rank 0 is drawn with probability 1/H(pool) for
// exponent 1, and the most popular user has by far the most watchers.
func TestZipfPopularity(t *testing.T) {
	p := population(t, `name: zipf
seed: 33
population:
  users: 1000
  personas: [{name: office, share: 1, watch: {popular_contacts: 10}}]
subscriptions: {popular_pool: 50, zipf_exponent: 1}
`)
	g := NewGraph(p)
	const draws = 100000
	hits := 0
	for i := 0; i < draws; i++ {
		if g.zipfRank((float64(i)+0.5)/draws) == 0 {
			hits++
		}
	}
	harmonic := 0.0
	for k := 1; k <= 50; k++ {
		harmonic += 1 / float64(k)
	}
	if got := float64(hits) / draws; math.Abs(got-1/harmonic) > 0.001 {
		t.Errorf("P(rank 0) = %.4f, want 1/H(50) = %.4f", got, 1/harmonic)
	}
	adjacency := g.Build()
	fanout := func(user int) int { return len(adjacency.WatchersOf(user)) }
	top, twentieth := g.Popular(0), g.Popular(20)
	if top == twentieth || fanout(top) < 2*fanout(twentieth) {
		t.Errorf("rank 0 (user %d) has %d watchers, rank 20 (user %d) %d: want a steep head", top, fanout(top), twentieth, fanout(twentieth))
	}
	all := make([]int, p.Size())
	for user := range all {
		all[user] = fanout(user)
	}
	slices.Sort(all)
	if median := all[len(all)/2]; all[len(all)-1] < 20*median {
		t.Errorf("max fan-out %d, median %d: no power-law head", all[len(all)-1], median)
	}
}

func TestRightsByRelation(t *testing.T) {
	p := population(t, `name: rights
seed: 31
population:
  users: 400
  domains: [a.example.com, b.example.com]
  team_size: 10
  department_size: 100
  personas:
    - name: reception
      count: 1
    - name: office
      share: 1
rights:
  team: personal
  department: team
  company: company
  other_domain: public
  watcher_personas: {reception: company}
`)
	g := NewGraph(p)
	cases := []struct {
		owner, watcher int
		want           scenario.Level
	}{
		{12, 15, scenario.LevelPersonal}, // same team
		{12, 55, scenario.LevelTeam},     // same department
		{12, 250, scenario.LevelCompany}, // department 2, same domain a
		{12, 150, scenario.LevelPublic},  // department 1, domain b
		{150, 0, scenario.LevelCompany},  // watcher is the receptionist
	}
	for _, c := range cases {
		if got := g.Level(c.owner, c.watcher); got != c.want {
			t.Errorf("Level(%d, %d) = %s, want %s", c.owner, c.watcher, got, c.want)
		}
	}
}

func TestRightsShares(t *testing.T) {
	p := population(t, `name: shares
seed: 32
population:
  users: 1000
  personas: [{name: office, share: 1}]
rights: {blocked_share: 0.1, personal_share: 0.2}
`)
	g := NewGraph(p)
	counts := make(map[scenario.Level]float64)
	for owner := 0; owner < 200; owner++ {
		for watcher := 500; watcher < 700; watcher++ {
			counts[g.Level(owner, watcher)]++
		}
	}
	if blocked := counts[scenario.LevelBlocked] / 40000; math.Abs(blocked-0.1) > 0.01 {
		t.Errorf("blocked share %.3f, want 0.1", blocked)
	}
	if personal := counts[scenario.LevelPersonal] / 40000; math.Abs(personal-0.2) > 0.01 {
		t.Errorf("personal share %.3f, want 0.2", personal)
	}
	// Directed: what a grants b is drawn apart from what b grants a.
	asymmetric := 0
	for owner := 0; owner < 200; owner++ {
		if g.Level(owner, owner+500) != g.Level(owner+500, owner) {
			asymmetric++
		}
	}
	if asymmetric < 40 {
		t.Errorf("only %d of 200 pairs grant differently each way; the draws are not per direction", asymmetric)
	}
}

func TestOptInFlags(t *testing.T) {
	p := shipped(t, "smoke") // agents' owners carry 32768
	g := NewGraph(p)
	agents, others := 0, 0
	for watcher := 0; watcher < p.Size(); watcher++ {
		for _, subscription := range g.Watching(watcher, nil) {
			owner := p.Persona(int(subscription.Owner))
			switch {
			case owner.Agent != nil:
				agents++
				if subscription.Flags != 1023|32768 {
					t.Fatalf("subscription to agent %d has flags %d", subscription.Owner, subscription.Flags)
				}
			default:
				others++
				if subscription.Flags != 1023 {
					t.Fatalf("subscription to non-agent %d has flags %d", subscription.Owner, subscription.Flags)
				}
			}
		}
	}
	if agents == 0 || others == 0 {
		t.Errorf("%d subscriptions to agents, %d to others", agents, others)
	}
}

// TestPersonaShares: the Weyl assignment gives every prefix nearly exact
// shares, and the counted personas take the first users.
func TestPersonaShares(t *testing.T) {
	p := shipped(t, "enterprise-20k")
	counts := p.PersonaCounts()
	if counts[0] != 10 {
		t.Errorf("%d receptionists, want the count 10", counts[0])
	}
	for i := 0; i < 10; i++ {
		if p.Users[i].Persona != 0 {
			t.Fatalf("user %d is not a receptionist", i)
		}
	}
	for _, prefix := range []int{100, 1000, 19990} {
		office := 0
		for _, user := range p.Users[10 : 10+prefix] {
			if user.Persona == 1 {
				office++
			}
		}
		if diff := math.Abs(float64(office) - 0.85*float64(prefix)); diff > 3 {
			t.Errorf("first %d users: %d office workers, want %.0f ± 3", prefix, office, 0.85*float64(prefix))
		}
	}
	if user := p.Users[12345]; user.Team != 1234 || user.Department != 123 || user.Domain != 0 || user.ContactID != "sip:user012345@hq.example.com" {
		t.Errorf("user 12345 = %+v", user)
	}
}
