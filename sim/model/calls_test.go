package model

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// callStarts counts each user's own call attempts (the first state of the
// calls the user's process generated).
func callStarts(all []Event) []Event {
	var starts []Event
	for _, event := range all {
		if event.Kind == KindCall && int(event.User) == event.Origin() && (event.CallState == CallDialing || event.CallState == CallOffering) {
			starts = append(starts, event)
		}
	}
	return starts
}

// TestPoissonArrivals: 1000 users at 6 calls/h for 10 h make 60,000
// attempts (σ ≈ 245, 0.4%), and the count per user is Poisson: its
// variance equals its mean (index of dispersion 1 ± 0.1 for 1000 users;
// evenly spaced calls would give 0).
func TestPoissonArrivals(t *testing.T) {
	p, all := flatCallsStream(t)
	starts := callStarts(all)
	if want := 60000.0; !within(float64(len(starts)), want, 0.02) {
		t.Errorf("%d call attempts, want %v ± 2%%", len(starts), want)
	}
	perUser := make([]float64, p.Size())
	for _, start := range starts {
		perUser[start.User]++
	}
	mean, variance := meanAndVariance(perUser)
	if dispersion := variance / mean; dispersion < 0.85 || dispersion > 1.15 {
		t.Errorf("index of dispersion %.3f (mean %.1f, variance %.1f), want ≈ 1 for Poisson arrivals", dispersion, mean, variance)
	}
	// Inter-arrival times of one user are exponential: the coefficient of
	// variation of the gaps is 1.
	var gaps []float64
	last := make(map[int32]time.Duration)
	for _, start := range starts {
		if previous, ok := last[start.User]; ok {
			gaps = append(gaps, float64(start.At-previous))
		}
		last[start.User] = start.At
	}
	gapMean, gapVariance := meanAndVariance(gaps)
	if cv := math.Sqrt(gapVariance) / gapMean; cv < 0.95 || cv > 1.05 {
		t.Errorf("coefficient of variation of the gaps %.3f, want ≈ 1", cv)
	}
}

func meanAndVariance(values []float64) (float64, float64) {
	sum := 0.0
	for _, value := range values {
		sum += value
	}
	mean := sum / float64(len(values))
	squares := 0.0
	for _, value := range values {
		squares += (value - mean) * (value - mean)
	}
	return mean, squares / float64(len(values)-1)
}

// TestDiurnalCurveShapesArrivals: a triangular curve 08:00 0 → 12:00 1 →
// 16:00 0 at 10 calls/h gives per-hour counts proportional to the
// curve's integral over each hour (1/8, 3/8, 5/8, 7/8, ...).
func TestDiurnalCurveShapesArrivals(t *testing.T) {
	p := population(t, `name: diurnal
seed: 3
day: {start: "08:00", length: 8h}
curves:
  triangle: [{at: "08:00", value: 0}, {at: "12:00", value: 1}, {at: "16:00", value: 0}]
population:
  users: 1000
  personas:
    - name: caller
      share: 1
      clients: {devices: []}
      calls: {busy_hour_rate: 10, curve: triangle}
`)
	starts := callStarts(events(p))
	var perHour [8]float64
	for _, start := range starts {
		perHour[int(start.At/time.Hour)]++
	}
	integral := [8]float64{1, 3, 5, 7, 7, 5, 3, 1}
	for hour, count := range perHour {
		want := 1000 * 10 * integral[hour] / 8
		if math.Abs(count-want) > 5*math.Sqrt(want) {
			t.Errorf("hour %d: %v calls, want %.0f ± 5σ", hour, count, want)
		}
	}
}

// holdingTimes returns the connected→disconnected spans of answered calls
// without hold, on the caller's side.
func holdingTimes(all []Event) []float64 {
	var spans []float64
	for key, states := range calls(all) {
		if states[0].Origin() != int(key.user) {
			continue
		}
		var connected time.Duration = -1
		held := false
		for _, state := range states {
			switch state.CallState {
			case CallConnected:
				if connected < 0 {
					connected = state.At
				}
			case CallHold:
				held = true
			case CallDisconnected:
				if connected >= 0 && !held {
					spans = append(spans, float64(state.At-connected))
				}
			}
		}
	}
	return spans
}

func TestHoldingTimeLaws(t *testing.T) {
	cases := []struct {
		law          string
		medianToMean float64 // exponential: ln 2; lognormal σ=1: e^(-1/2)
	}{
		{"{distribution: exponential, mean: 3m}", math.Ln2},
		{"{distribution: lognormal, mean: 3m, sigma: 1}", math.Exp(-0.5)},
		{"{distribution: erlang, mean: 3m, shape: 4}", 0.918}, // median of Erlang-4 / mean
	}
	for _, c := range cases {
		var all []Event
		if c.law == "{distribution: exponential, mean: 3m}" {
			_, all = flatCallsStream(t)
		} else {
			all = events(population(t, strings.Replace(flatCalls, "holding: {distribution: exponential, mean: 3m}", "holding: "+c.law, 1)))
		}
		spans := holdingTimes(all)
		if len(spans) < 20000 {
			t.Fatalf("%s: only %d answered calls", c.law, len(spans))
		}
		mean, _ := meanAndVariance(spans)
		if !within(mean, float64(3*time.Minute), 0.03) {
			t.Errorf("%s: mean holding %v, want 3m ± 3%%", c.law, time.Duration(mean))
		}
		slices.Sort(spans)
		median := spans[len(spans)/2]
		if ratio := median / mean; !within(ratio, c.medianToMean, 0.04) {
			t.Errorf("%s: median/mean %.3f, want %.3f (the law's shape)", c.law, ratio, c.medianToMean)
		}
	}
}

// TestOutcomes: the default outcome mix answered 0.85 / no answer 0.10 /
// busy 0.05.
func TestOutcomes(t *testing.T) {
	var answered, busy, total float64
	_, all := flatCallsStream(t)
	for key, states := range calls(all) {
		if states[0].Origin() != int(key.user) {
			continue
		}
		total++
		for _, state := range states {
			if state.CallState == CallConnected {
				answered++
				break
			}
			if state.CallState == CallBusy {
				busy++
			}
		}
	}
	if !within(answered/total, 0.85, 0.02) {
		t.Errorf("answered share %.3f, want 0.85", answered/total)
	}
	// Busy signals exist only on outbound calls (half of the external, all
	// of the internal ones): 0.05 × (0.3 + 0.7 × 0.5).
	if !within(busy/total, 0.05*0.65, 0.15) {
		t.Errorf("busy-signal share %.4f, want %.4f", busy/total, 0.05*0.65)
	}
}

// TestInternalCallsChangeBothUsers: an internal call that rings shows on
// the callee at the caller's ringback time, connects and clears at the
// same instants on both sides, and carries the same call ID with the
// parties cross-referenced.
func TestInternalCallsChangeBothUsers(t *testing.T) {
	_, all := flatCallsStream(t)
	grouped := calls(all)
	internal, withCallee := 0, 0
	for key, caller := range grouped {
		if caller[0].Origin() != int(key.user) || !caller[0].Internal || caller[0].Direction != Outbound {
			continue
		}
		internal++
		remote := caller[0].Remote
		if remote == NoUser || remote == key.user {
			t.Fatalf("internal call with remote %d: %v", remote, caller[0])
		}
		callee := grouped[callKey{remote, key.call}]
		if caller[1].CallState == CallBusy {
			if len(callee) != 0 {
				t.Fatalf("a busy internal call reached the callee: %v", callee)
			}
			continue
		}
		withCallee++
		if len(callee) == 0 {
			t.Fatalf("internal call %x has no events on callee %d", key.call, remote)
		}
		if callee[0].CallState != CallOffering || callee[0].At != caller[1].At || caller[1].CallState != CallRingback {
			t.Fatalf("callee offering %v does not match caller ringback %v", callee[0], caller[1])
		}
		if callee[0].Remote != key.user || callee[0].Direction != Inbound || !callee[0].Internal {
			t.Fatalf("callee side does not point back to the caller: %v", callee[0])
		}
		at := func(states []Event, state CallState) time.Duration {
			for _, event := range states {
				if event.CallState == state {
					return event.At
				}
			}
			return -1
		}
		if at(callee, CallConnected) != at(caller, CallConnected) || at(callee, CallDisconnected) != at(caller, CallDisconnected) {
			t.Fatalf("caller and callee connect or clear at different times:\n%v\n%v", caller, callee)
		}
	}
	// 60,000 calls × 0.3 internal.
	if !within(float64(internal), 18000, 0.05) || withCallee < internal*9/10 {
		t.Errorf("%d internal calls, %d reaching the callee; want ≈ 18000, nearly all", internal, withCallee)
	}
	// Every callee-side event belongs to a caller-side call.
	for key, states := range grouped {
		if states[0].Origin() != int(key.user) {
			if _, ok := grouped[callKey{int32(states[0].Origin()), key.call}]; !ok {
				t.Fatalf("callee events without a caller: %v", states)
			}
		}
	}
}

// TestEveryCallEnds: each side of each call starts with dialing or
// offering, ends with exactly one disconnect, and moves only forward in
// time, even for calls that run past the end of the day.
func TestEveryCallEnds(t *testing.T) {
	_, flat := flatCallsStream(t)
	for _, all := range [][]Event{flat, events(shipped(t, "smoke")), events(shipped(t, "callcenter"))} {
		for key, states := range calls(all) {
			first, last := states[0], states[len(states)-1]
			if first.CallState != CallDialing && first.CallState != CallOffering {
				t.Fatalf("call %x on user %d starts with %s", key.call, key.user, first.CallState)
			}
			if last.CallState != CallDisconnected {
				t.Fatalf("call %x on user %d does not end: last state %s", key.call, key.user, last.CallState)
			}
			for i, state := range states {
				if i < len(states)-1 && state.CallState == CallDisconnected {
					t.Fatalf("call %x on user %d disconnects twice", key.call, key.user)
				}
				if i > 0 && state.At < states[i-1].At {
					t.Fatalf("call %x goes back in time", key.call)
				}
			}
		}
	}
}

// TestLinesAndCallWaiting: with two lines, a second own call while the
// first is active takes line 1.
func TestLinesAndCallWaiting(t *testing.T) {
	text := strings.Replace(flatCalls, "busy_hour_rate: 6", "busy_hour_rate: 30", 1)
	text = strings.Replace(text, "  users: 1000", "  users: 200\n  lines_per_user: 2", 1)
	secondLine := 0
	for _, event := range events(population(t, text)) {
		if event.Kind == KindCall && event.Line == 1 {
			secondLine++
		}
		if event.Line > 1 {
			t.Fatalf("line %d with two lines", event.Line)
		}
	}
	if secondLine == 0 {
		t.Error("no call used the second line")
	}
}

// TestAgentStates: the ACD offers an agent calls only when ready; an answered
// call makes it busy, then working-after-call, then ready; it logs out
// last.
func TestAgentStates(t *testing.T) {
	p := shipped(t, "callcenter")
	state := make(map[int32]AgentState)
	sawWrapUp := false
	for _, event := range events(p) {
		if !p.personas[p.Users[event.User].Persona].agent {
			continue
		}
		switch event.Kind {
		case KindAgentState:
			previous := state[event.User]
			switch event.Agent {
			case AgentBusy:
				if previous != AgentReady {
					t.Fatalf("agent %d busy from %s", event.User, previous)
				}
			case AgentWorkingAfterCall:
				sawWrapUp = true
				if previous != AgentBusy {
					t.Fatalf("agent %d in wrap-up from %s", event.User, previous)
				}
			case AgentNotReady:
				if previous != AgentReady {
					t.Fatalf("agent %d takes a break from %s", event.User, previous)
				}
			case AgentLoggedOut:
				if previous != AgentReady {
					t.Fatalf("agent %d logs out from %s", event.User, previous)
				}
			}
			state[event.User] = event.Agent
		case KindCall:
			// Colleagues' internal calls ring directly, past the ACD.
			if event.CallState == CallOffering && !event.Internal && state[event.User] != AgentReady {
				t.Fatalf("call offered to agent %d in state %s", event.User, state[event.User])
			}
		}
	}
	if !sawWrapUp || len(state) < 300 {
		t.Errorf("agent states of %d agents, wrap-up seen %t", len(state), sawWrapUp)
	}
}

func TestForwardsSetAndClear(t *testing.T) {
	text := strings.Replace(flatCalls, "holding: {distribution: exponential, mean: 3m}", "forwards: {per_day: 2, duration: {distribution: constant, mean: 30m}}", 1)
	active := make(map[int32]bool)
	set := 0
	for _, event := range only(events(population(t, text)), KindForward) {
		if event.Active == active[event.User] {
			t.Fatalf("forward %v repeats the state", event)
		}
		active[event.User] = event.Active
		if event.Active {
			set++
			if (event.Remote == NoUser) == (event.RemoteNumber == 0) {
				t.Fatalf("forward without exactly one destination: %v", event)
			}
		}
	}
	// 2 per day offered, minus those arriving while a forward is set.
	if set < 1000 || set > 2000 {
		t.Errorf("%d forwards set by 1000 users at 2/day", set)
	}
}
