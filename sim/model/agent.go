package model

import "time"

// agentProcess is a contact-center agent's state: ready from the first
// login, busy on answered calls, working-after-call for the wrap-up time,
// not ready during breaks, logged out after the last logout once the
// current call and wrap-up are over.
type agentProcess struct {
	random     stream
	meanGap    float64
	shiftStart time.Duration
	shiftEnd   time.Duration
	nextBreak  time.Duration
	busyUntil  time.Duration // on a call, in wrap-up or on a break until then
	inShift    bool
}

func (g *userGenerator) initAgent() {
	a := &g.agent
	a.random = newStream(g.population.Scenario.Seed, int(g.user), purposeAgent)
	a.shiftStart, a.shiftEnd, a.nextBreak = never, never, never
	g.timers[processAgent] = never
	if !g.persona.agent || g.firstLogin == never {
		return
	}
	a.shiftStart = g.firstLogin
	a.meanGap = meanGap(g.persona.notReadyPerHour)
	a.nextBreak = g.nextArrival(&a.random, g.firstLogin, a.meanGap)
	g.timers[processAgent] = a.timer()
}

func (a *agentProcess) timer() time.Duration {
	return min(a.shiftStart, a.shiftEnd, a.nextBreak)
}

func (g *userGenerator) stepAgent(at time.Duration) {
	a := &g.agent
	switch at {
	case a.shiftStart:
		a.shiftStart = never
		a.inShift = true
		a.shiftEnd = g.lastLogout
		g.agentState(AgentReady, at)
	case a.shiftEnd:
		if a.busyUntil > at {
			a.shiftEnd = a.busyUntil // finish the call and the wrap-up first
			break
		}
		a.shiftEnd = never
		a.nextBreak = never
		a.inShift = false
		g.agentState(AgentLoggedOut, at)
	case a.nextBreak:
		length := g.persona.notReady.sample(&a.random)
		if g.agentAvailable(at) && length > 0 {
			g.agentState(AgentNotReady, at)
			g.agentState(AgentReady, at+length)
			a.busyUntil = at + length
		}
		a.nextBreak = g.nextArrival(&a.random, at, a.meanGap)
	}
	g.timers[processAgent] = a.timer()
}

// agentAvailable reports whether the ACD may offer a call to the agent.
func (g *userGenerator) agentAvailable(at time.Duration) bool {
	a := &g.agent
	return a.inShift && a.busyUntil <= at && at < a.shiftEnd && at < g.lastLogout
}

// agentBusy keeps an agent from new calls until until.
func (g *userGenerator) agentBusy(until time.Duration) {
	if g.persona.agent {
		g.agent.busyUntil = max(g.agent.busyUntil, until)
	}
}

// agentState pushes an agent state change.
func (g *userGenerator) agentState(state AgentState, at time.Duration) {
	event := g.newEvent(KindAgentState, at)
	event.Agent = state
	g.push(event)
}
