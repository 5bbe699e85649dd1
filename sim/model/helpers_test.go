package model

import (
	"testing"

	"github.com/ucpresence/presence/sim/scenario"
)

// population parses a scenario text and builds its population.
func population(t testing.TB, text string) *Population {
	t.Helper()
	s, err := scenario.Parse(t.Name()+".yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPopulation(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// shipped loads a scenario from scenarios/.
func shipped(t testing.TB, name string) *Population {
	t.Helper()
	s, err := scenario.Load("../../scenarios/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPopulation(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// events returns the whole stream of a population.
func events(p *Population) []Event {
	var all []Event
	stream := NewStream(p)
	var event Event
	for stream.Next(&event) {
		all = append(all, event)
	}
	return all
}

// only keeps the events of one kind.
func only(all []Event, kind Kind) []Event {
	var kept []Event
	for _, event := range all {
		if event.Kind == kind {
			kept = append(kept, event)
		}
	}
	return kept
}

// callKey identifies one side of a call.
type callKey struct {
	user int32
	call uint64
}

// calls groups the call events per side, in stream order.
func calls(all []Event) map[callKey][]Event {
	grouped := make(map[callKey][]Event)
	for _, event := range all {
		if event.Kind == KindCall {
			key := callKey{event.User, event.CallID}
			grouped[key] = append(grouped[key], event)
		}
	}
	return grouped
}

// within reports |got - want| <= tolerance·|want|.
func within(got, want, tolerance float64) bool {
	difference := got - want
	if difference < 0 {
		difference = -difference
	}
	if want < 0 {
		want = -want
	}
	return difference <= tolerance*want
}

// flatCallsEvents caches the stream of flatCalls, which several tests
// read (tests of this package do not run in parallel).
var flatCallsEvents struct {
	population *Population
	events     []Event
}

func flatCallsStream(t testing.TB) (*Population, []Event) {
	if flatCallsEvents.population == nil {
		flatCallsEvents.population = population(t, flatCalls)
		flatCallsEvents.events = events(flatCallsEvents.population)
	}
	return flatCallsEvents.population, flatCallsEvents.events
}

// flatCalls is a population that only makes calls: no clients, no
// calendar, a flat rate, so that call statistics are clean.
const flatCalls = `name: calls
seed: 7
day: {start: "08:00", length: 10h}
population:
  users: 1000
  team_size: 10
  department_size: 100
  personas:
    - name: caller
      share: 1
      clients: {devices: []}
      calls:
        busy_hour_rate: 6
        internal_share: 0.3
        holding: {distribution: exponential, mean: 3m}
`
