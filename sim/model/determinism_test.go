package model

import (
	"slices"
	"strings"
	"testing"
)

func TestSameSeedSameEvents(t *testing.T) {
	first := events(shipped(t, "smoke"))
	second := events(shipped(t, "smoke"))
	if !slices.Equal(first, second) {
		t.Fatal("two runs of smoke with one seed produced different events")
	}
	// The graph too.
	p := shipped(t, "smoke")
	a, b := NewGraph(p).Build(), NewGraph(shipped(t, "smoke")).Build()
	if !slices.Equal(a.Owners, b.Owners) || !slices.Equal(a.Watchers, b.Watchers) {
		t.Fatal("two builds of the smoke graph differ")
	}
}

func TestDifferentSeedDifferentEvents(t *testing.T) {
	_, first := flatCallsStream(t)
	second := events(population(t, strings.Replace(flatCalls, "seed: 7", "seed: 8", 1)))
	if len(first) == 0 || slices.Equal(first, second) {
		t.Fatal("seeds 7 and 8 produced the same events")
	}
	// Not just a shift: the first event differs in time.
	if first[0].At == second[0].At {
		t.Errorf("first events at the same time %v; the seed barely matters", first[0].At)
	}
}

// growth is a scenario with every behaviour whose team and department
// blocks do not line up with the population size, so that adding users
// grows a partial department.
const growth = `name: growth
seed: 99
day: {start: "07:00", length: 12h}
population:
  users: USERS
  team_size: 8
  department_size: 32
  personas:
    - name: reception
      count: 2
      watch: {console: 40}
      calls: {busy_hour_rate: 10, internal_share: 0.5, internal_targets: {team: 0, department: 0}}
    - name: office
      share: 0.7
      watch: {random_colleagues: 5, popular_contacts: 5, department_colleagues: 3}
      calls: {busy_hour_rate: 5, internal_share: 0.5, forwards: {per_day: 2}, hold: {probability: 0.2}}
      calendar: {meetings_per_day: 3, early_end: {probability: 0.2}, overrun: {probability: 0.2}, dnd_share: 0.3, fixed: [{start: "10:00", duration: 30m, share: 0.5}]}
      clients:
        devices: [{kind: desktop}, {kind: mobile, share: 0.5}]
        idle: {lunch: {share: 0.8}, screen_lock: {per_hour: 1}}
        manual: {per_hour: 0.5}
        notes: {per_hour: 0.5, lunch_share: 0.5}
        reconnect: {drops_per_day: 2}
    - name: agent
      share: 0.3
      agent: {not_ready_per_hour: 2}
      calls: {busy_hour_rate: 10, inbound_share: 1}
faults: [{at: "11:00", kind: disconnect, share: 0.5}]
`

// TestAddingUsersKeepsExistingUsersEvents: user u's events come from
// streams seeded by (seed, u), so growing the population from 40 to 70
// leaves every event the first 40 users generate unchanged, except that a
// random pick of a colleague may now land on one of the new users (jump
// consistent hashing moves a pick only to a new user).
func TestAddingUsersKeepsExistingUsersEvents(t *testing.T) {
	const before = 40
	small := population(t, strings.Replace(growth, "USERS", "40", 1))
	large := population(t, strings.Replace(growth, "USERS", "70", 1))
	for user := 0; user < before; user++ {
		if small.Users[user].Persona != large.Users[user].Persona {
			t.Fatalf("user %d changed persona when users were added", user)
		}
	}
	byOrigin := func(all []Event) map[int][]Event {
		grouped := make(map[int][]Event)
		for _, event := range all {
			if event.Origin() < before {
				grouped[event.Origin()] = append(grouped[event.Origin()], event)
			}
		}
		return grouped
	}
	smallEvents, largeEvents := byOrigin(events(small)), byOrigin(events(large))
	moved, compared := 0, 0
	for user := 0; user < before; user++ {
		a, b := smallEvents[user], largeEvents[user]
		if len(a) != len(b) {
			t.Fatalf("user %d generates %d events with 40 users and %d with 70", user, len(a), len(b))
		}
		for i := range a {
			compared++
			if a[i] == b[i] {
				continue
			}
			// The only allowed difference: a pick that moved to a new user.
			fixed := b[i]
			if fixed.Remote >= before && a[i].Remote < before {
				fixed.Remote = a[i].Remote
			}
			if fixed.User >= before && a[i].User < before {
				fixed.User = a[i].User
			}
			if fixed != a[i] {
				t.Fatalf("user %d's event %d changed beyond a moved pick:\n40: %v\n70: %v", user, i, a[i], b[i])
			}
			moved++
		}
	}
	if compared < 5000 {
		t.Fatalf("only %d events compared; the test scenario is too small", compared)
	}
	// Company-wide picks move with probability 30/70; a good share stays.
	if moved == 0 || moved > compared/5 {
		t.Errorf("%d of %d events moved to new users; want some but few", moved, compared)
	}
}

func TestAddingUsersKeepsExistingSubscriptions(t *testing.T) {
	small := population(t, strings.Replace(growth, "USERS", "40", 1))
	large := population(t, strings.Replace(growth, "USERS", "70", 1))
	smallGraph, largeGraph := NewGraph(small), NewGraph(large)
	for watcher := 2; watcher < 40; watcher++ { // not the consoles, whose directory grows
		kept := map[int32]bool{}
		for _, subscription := range largeGraph.Watching(watcher, nil) {
			kept[subscription.Owner] = true
		}
		lost := 0
		for _, subscription := range smallGraph.Watching(watcher, nil) {
			if !kept[subscription.Owner] {
				lost++
			}
		}
		if total := len(smallGraph.Watching(watcher, nil)); lost*2 > total {
			t.Errorf("watcher %d lost %d of %d subscriptions when users were added", watcher, lost, total)
		}
	}
}
