package model

import (
	"math"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// busyTone is how long a caller listens to the busy signal before hanging
// up.
const busyTone = 3 * time.Second

// callProcess generates the user's call attempts: a non-homogeneous
// Poisson process by thinning. Candidates arrive at the bound rate
// λmax = rate × multiplier × max(curve) and each is kept with probability
// curve(t)/max(curve), which leaves a Poisson process of rate
// rate × multiplier × curve(t).
type callProcess struct {
	random        stream
	meanGap       float64 // nanoseconds between candidates
	acceptScale   float64 // 1 / max(curve)
	count         uint32
	lineBusyUntil [scenario.MaxLinesPerUser]time.Duration
}

func (g *userGenerator) initCalls() {
	p := g.persona
	c := &g.calls
	c.random = newStream(g.population.Scenario.Seed, int(g.user), purposeCalls)
	multiplier := 1.0
	if p.rateSpread > 0 {
		multiplier = c.random.gamma(p.rateSpread) / p.rateSpread
	}
	bound := p.callsPerHour * multiplier * p.callCurveMax
	g.timers[processCalls] = never
	if bound <= 0 || g.outOfOfficeDay {
		return
	}
	c.meanGap = meanGap(bound)
	c.acceptScale = 1 / p.callCurveMax
	g.timers[processCalls] = g.nextArrival(&c.random, 0, c.meanGap)
}

func (g *userGenerator) stepCalls(at time.Duration) {
	c := &g.calls
	if c.random.float() < g.curveAt(g.persona.callCurve, at)*c.acceptScale {
		g.placeCall(at)
	}
	g.timers[processCalls] = g.nextArrival(&c.random, at, c.meanGap)
}

// callOutcome indexes personaModel.outcomes.
const (
	outcomeAnswered = iota
	outcomeNoAnswer
	outcomeBusy
)

// placeCall generates the whole life of one call that arrives at at: the
// user's own call states and, for an internal call, the callee's. Every
// call that starts also ends; its last events may fall after the day.
func (g *userGenerator) placeCall(at time.Duration) {
	p := g.persona
	if p.agent && !g.agentAvailable(at) {
		return // the ACD offers calls only to ready agents
	}
	random := &g.calls.random
	// Fixed draw order, independent of the population size.
	key := random.uint64()
	kind := random.float()
	outcome := p.outcomes.pick(random)
	ring := p.ring.sample(random)
	holding := p.holding.sample(random)
	holdAt, holdFor := never, time.Duration(0)
	if p.holdProbability > 0 && random.chance(p.holdProbability) {
		holdAt = time.Duration(random.float() * float64(holding))
		holdFor = p.holdDuration.sample(random)
	}

	callID := uint64(g.user)<<32 | uint64(g.calls.count)
	g.calls.count++
	remote := NoUser
	internal := kind < p.internalShare
	if internal {
		remote = g.pickColleague(key, p.teamShare, p.departmentShare)
		internal = remote != NoUser
	}
	inbound := !internal && (kind-p.internalShare)/(1-p.internalShare) < p.inboundShare

	call := g.newEvent(KindCall, at)
	call.CallID = callID
	call.Internal = internal
	call.Remote = remote
	if !internal {
		call.RemoteNumber = externalNumber(key)
	}
	var callee Event
	if internal {
		callee = call
		callee.User = remote
		callee.Remote = g.user
		callee.Direction = Inbound
	}

	if inbound {
		call.Direction = Inbound
		g.inboundCall(call, outcome, ring, holding, holdAt, holdFor)
	} else {
		call.Direction = Outbound
		g.outboundCall(call, callee, outcome, p.setupDelay, ring, holding, holdAt, holdFor)
	}
}

// state pushes a copy of the call event with a state and time.
func (g *userGenerator) state(call Event, state CallState, at time.Duration) {
	call.At = at
	call.CallState = state
	g.push(call)
}

// takeLine picks the first free line, or line 0 (call waiting), and keeps
// it busy until until.
func (g *userGenerator) takeLine(at, until time.Duration) uint8 {
	lines := min(g.persona.lines, len(g.calls.lineBusyUntil))
	line := 0
	for candidate := 0; candidate < lines; candidate++ {
		if g.calls.lineBusyUntil[candidate] <= at {
			line = candidate
			break
		}
	}
	g.calls.lineBusyUntil[line] = max(g.calls.lineBusyUntil[line], until)
	return uint8(line)
}

// outboundCall: dialing, then busy, or ringback with the callee offered,
// then connected and cleared, or cleared after the ring time.
func (g *userGenerator) outboundCall(call, callee Event, outcome int, setup, ring, holding, holdAt, holdFor time.Duration) {
	at := call.At
	var end time.Duration
	switch outcome {
	case outcomeBusy:
		end = at + setup + busyTone
	case outcomeNoAnswer:
		end = at + setup + ring
	default:
		end = at + setup + ring + holding
	}
	call.Line = g.takeLine(at, end)
	g.state(call, CallDialing, at)
	if outcome == outcomeBusy {
		// The callee is busy elsewhere: only the caller sees the call.
		g.state(call, CallBusy, at+setup)
		g.state(call, CallDisconnected, end)
		return
	}
	ringing := at + setup
	g.state(call, CallRingback, ringing)
	if call.Internal {
		g.state(callee, CallOffering, ringing)
	}
	if outcome == outcomeNoAnswer {
		g.state(call, CallDisconnected, end)
		if call.Internal {
			g.state(callee, CallDisconnected, end)
		}
		return
	}
	connected := ringing + ring
	g.state(call, CallConnected, connected)
	if call.Internal {
		g.state(callee, CallConnected, connected)
	}
	g.hold(call, connected, end, holdAt, holdFor)
	g.state(call, CallDisconnected, end)
	if call.Internal {
		g.state(callee, CallDisconnected, end)
	}
}

// inboundCall: an external call offered to the user, answered, not
// answered, or rejected (busy) after a quarter of the ring time. Agents
// go busy while talking and into working-after-call afterwards.
func (g *userGenerator) inboundCall(call Event, outcome int, ring, holding, holdAt, holdFor time.Duration) {
	at := call.At
	var end time.Duration
	switch outcome {
	case outcomeBusy:
		end = at + ring/4
	case outcomeNoAnswer:
		end = at + ring
	default:
		end = at + ring + holding
	}
	call.Line = g.takeLine(at, end)
	g.state(call, CallOffering, at)
	if outcome != outcomeAnswered {
		g.state(call, CallDisconnected, end)
		g.agentBusy(end)
		return
	}
	connected := at + ring
	g.state(call, CallConnected, connected)
	if g.persona.agent {
		g.agentState(AgentBusy, connected)
	}
	g.hold(call, connected, end, holdAt, holdFor)
	g.state(call, CallDisconnected, end)
	if g.persona.agent {
		wrapUp := g.persona.wrapUp.sample(&g.agent.random)
		g.agentState(AgentWorkingAfterCall, end)
		g.agentState(AgentReady, end+wrapUp)
		g.agentBusy(end + wrapUp)
	}
}

// hold puts the call on hold at connected+holdAt for holdFor, if that ends
// before the call does.
func (g *userGenerator) hold(call Event, connected, end, holdAt, holdFor time.Duration) {
	if holdAt == never || holdFor <= 0 {
		return
	}
	start := connected + holdAt
	if start+holdFor >= end {
		return
	}
	g.state(call, CallHold, start)
	g.state(call, CallConnected, start+holdFor)
}

// pickColleague draws the other party of an internal call (or a forward
// destination) from the team with probability team, the department with
// probability department, else the company. Picks go through jump
// consistent hashing, so adding users moves a pick only to a new user.
// It returns NoUser in a population of one.
func (g *userGenerator) pickColleague(key uint64, team, department float64) int32 {
	population := g.population
	self := int(g.user)
	scope := unit(mix(key))
	from, to := 0, len(population.Users)
	switch {
	case scope < team:
		from, to = population.TeamMembers(self)
	case scope < team+department:
		from, to = population.DepartmentMembers(self)
	}
	if to-from < 2 {
		from, to = population.DepartmentMembers(self)
	}
	if to-from < 2 {
		from, to = 0, len(population.Users)
	}
	if to-from < 2 {
		return NoUser
	}
	for attempt := uint64(1); ; attempt++ {
		candidate := from + jump(mix(key+attempt*0x9e3779b97f4a7c15), to-from)
		if candidate != self {
			return int32(candidate)
		}
	}
}

// externalNumber makes a German-looking E.164 number (49 and ten digits)
// from random bits.
func externalNumber(key uint64) uint64 {
	const digits = 10_000_000_000
	return 49*digits + mix(key^0x5bd1e995)%digits
}

// erlangs is λ·h for a rate per hour and a mean holding time.
func erlangs(perHour float64, holding time.Duration) float64 {
	if perHour <= 0 || math.IsInf(perHour, 0) {
		return 0
	}
	return perHour * holding.Hours()
}
