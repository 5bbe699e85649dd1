package model

import (
	"fmt"
	"sort"
	"time"
)

// OfferedLoad is the telephony load a scenario offers, computed from its
// parameters: A = Σ over users of λᵤ·h, in Erlangs (the mean number of
// simultaneous calls). Print it next to what the run produced: a run that
// carries much less than Carried did not generate the scenario.
type OfferedLoad struct {
	// CallsPerDay is the expected number of call attempts over the day.
	CallsPerDay float64
	// MeanErlangs is the offered load averaged over the day: Σ calls × h
	// divided by the day length.
	MeanErlangs float64
	// PeakErlangs is the offered load at the busiest instant of the
	// summed diurnal curves.
	PeakErlangs float64
	// PeakAt is that instant as an event offset.
	PeakAt time.Duration
	// CarriedErlangs is MeanErlangs × P(answered): the talk time the
	// answered calls carry (offered attempts count their holding time
	// whether answered or not, as in Erlang-B).
	CarriedErlangs float64
}

// String formats the load for a report line.
func (o OfferedLoad) String() string {
	return fmt.Sprintf("%.0f calls/day, offered %.1f E mean, %.1f E peak at +%s, carried %.1f E", o.CallsPerDay, o.MeanErlangs, o.PeakErlangs, o.PeakAt, o.CarriedErlangs)
}

// Offered computes the offered load of the population. Per-user rate
// multipliers have mean 1 and do not change it. Users who are out of
// office all day place no calls, so each persona's rate is scaled by
// (1 − out_of_office_day_share). Agents' arrivals are counted before the
// ACD skips those that find the agent not ready, so agents carry less.
func Offered(population *Population) OfferedLoad {
	var load OfferedLoad
	counts := population.PersonaCounts()
	dayStart, dayEnd := population.dayStart, population.dayStart+population.dayLength
	instants := []time.Duration{dayStart, dayEnd}
	for i := range population.personas {
		persona := &population.personas[i]
		users := float64(counts[i]) * (1 - persona.outOfOfficeShare)
		calls := users * persona.callsPerHour * persona.callCurve.Integral(dayStart, dayEnd)
		holding := persona.holding.expected()
		load.CallsPerDay += calls
		load.MeanErlangs += calls * holding.Hours() / population.dayLength.Hours()
		load.CarriedErlangs += calls * holding.Hours() / population.dayLength.Hours() * persona.outcomes.probability(outcomeAnswered)
		for _, point := range persona.callCurve {
			if at := point.At.Std(); at > dayStart && at < dayEnd {
				instants = append(instants, at)
			}
		}
	}
	// Sums of piecewise-linear curves peak at a data point or an end.
	sort.Slice(instants, func(i, j int) bool { return instants[i] < instants[j] })
	for _, at := range instants {
		total := 0.0
		for i := range population.personas {
			persona := &population.personas[i]
			users := float64(counts[i]) * (1 - persona.outOfOfficeShare)
			total += users * erlangs(persona.callsPerHour*persona.callCurve.Value(at), persona.holding.expected())
		}
		if total > load.PeakErlangs {
			load.PeakErlangs, load.PeakAt = total, at-dayStart
		}
	}
	return load
}

// LoadMeter measures the telephony load in an event stream: the number of
// calls and the summed time from a call's first to its last state, counted
// once per call (on the originating user's side). Feed it every event.
//
// A LoadMeter is not safe for concurrent use.
type LoadMeter struct {
	// Calls is the number of calls that ended.
	Calls int
	// Answered is the number of those that connected.
	Answered int
	// Occupied is the summed time from first state to disconnect.
	Occupied time.Duration
	// Talking is the summed time from connect to disconnect.
	Talking time.Duration

	open map[uint64]openCall
}

type openCall struct {
	start     time.Duration
	connected time.Duration // -1 until connected
}

// Observe accounts one event.
func (m *LoadMeter) Observe(event *Event) {
	if event.Kind != KindCall || int(event.User) != event.Origin() {
		return
	}
	if m.open == nil {
		m.open = make(map[uint64]openCall)
	}
	call, ok := m.open[event.CallID]
	if !ok {
		call = openCall{start: event.At, connected: -1}
	}
	switch event.CallState {
	case CallConnected:
		if call.connected < 0 {
			call.connected = event.At
		}
	case CallDisconnected:
		m.Calls++
		m.Occupied += event.At - call.start
		if call.connected >= 0 {
			m.Answered++
			m.Talking += event.At - call.connected
		}
		delete(m.open, event.CallID)
		return
	}
	m.open[event.CallID] = call
}

// Open returns the number of calls that started but did not end.
func (m *LoadMeter) Open() int { return len(m.open) }

// CarriedErlangs returns the talk time per span of the day, comparable
// with OfferedLoad.CarriedErlangs when span is the day length.
func (m *LoadMeter) CarriedErlangs(span time.Duration) float64 {
	return m.Talking.Hours() / span.Hours()
}
