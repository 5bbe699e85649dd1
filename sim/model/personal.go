package model

import (
	"time"
)

// manualProcess sets manual states (do-not-disturb, busy, out of office,
// available) at a Poisson rate that follows an optional curve, while the
// user is at a client, and resets each after a drawn duration.
type manualProcess struct {
	random      stream
	meanGap     float64
	acceptScale float64
}

func (g *userGenerator) initManual() {
	p := g.persona
	m := &g.manual
	m.random = newStream(g.population.Scenario.Seed, int(g.user), purposeManual)
	g.timers[processManual] = never
	bound := p.manualPerHour * p.manualCurveMax
	if bound <= 0 || len(g.sessions.sessions) == 0 {
		return
	}
	m.meanGap = meanGap(bound)
	m.acceptScale = 1 / p.manualCurveMax
	g.timers[processManual] = g.nextArrival(&m.random, 0, m.meanGap)
}

func (g *userGenerator) stepManual(at time.Duration) {
	p := g.persona
	m := &g.manual
	accept := m.random.float() < g.curveAt(p.manualCurve, at)*m.acceptScale
	state := manualStateOrder[p.manualStates.pick(&m.random)]
	length := p.manualDuration.sample(&m.random)
	if accept && g.present() && g.manualUntil <= at && length > 0 {
		g.setManual(at, state, at+length)
	}
	g.timers[processManual] = g.nextArrival(&m.random, at, m.meanGap)
}

// setManual sets a manual state at at and resets it at until.
func (g *userGenerator) setManual(at time.Duration, state AbsentState, until time.Duration) {
	set := g.newEvent(KindAbsentState, at)
	set.Absent = state
	g.push(set)
	reset := g.newEvent(KindAbsentState, until)
	reset.Absent = AbsentNotSet
	g.push(reset)
	g.manualUntil = until
}

// noteTexts are the notes users write; static strings, so events do not
// allocate.
var noteTexts = [...]string{
	"in a customer meeting",
	"working from home today",
	"at the Munich office",
	"please call my mobile",
	"focus time, chat only",
	"on a business trip",
	"in training until noon",
	"back in 10 minutes",
}

// notesProcess sets presence notes at a Poisson rate while the user is at
// a client and clears each after a drawn duration.
type notesProcess struct {
	random  stream
	meanGap float64
}

func (g *userGenerator) initNotes() {
	n := &g.notes
	n.random = newStream(g.population.Scenario.Seed, int(g.user), purposeNotes)
	n.meanGap = meanGap(g.persona.notesPerHour)
	g.timers[processNotes] = never
	if len(g.sessions.sessions) > 0 {
		g.timers[processNotes] = g.nextArrival(&n.random, 0, n.meanGap)
	}
}

func (g *userGenerator) stepNotes(at time.Duration) {
	n := &g.notes
	text := noteTexts[n.random.below(len(noteTexts))]
	length := g.persona.noteDuration.sample(&n.random)
	if g.present() && g.noteUntil <= at && length > 0 {
		set := g.newEvent(KindNote, at)
		set.Note = text
		g.push(set)
		g.push(g.newEvent(KindNote, at+length))
		g.noteUntil = at + length
	}
	g.timers[processNotes] = g.nextArrival(&n.random, at, n.meanGap)
}

// forwardsProcess sets call forwarding on the primary line at a Poisson
// rate over the day, to a team colleague or an external number, and clears
// it after a drawn duration. A user who is out of office all day forwards
// from offset 0 to the end of the day.
type forwardsProcess struct {
	random  stream
	meanGap float64
}

func (g *userGenerator) initForwards() {
	p := g.persona
	f := &g.forwards
	f.random = newStream(g.population.Scenario.Seed, int(g.user), purposeForwards)
	f.meanGap = meanGap(p.forwardsPerHour)
	g.timers[processForwards] = never
	if g.outOfOfficeDay {
		// Set at offset 0 and never cleared within the day.
		g.setForward(0, f.random.uint64(), never)
		return
	}
	g.timers[processForwards] = g.nextArrival(&f.random, 0, f.meanGap)
}

func (g *userGenerator) stepForwards(at time.Duration) {
	f := &g.forwards
	key := f.random.uint64()
	length := g.persona.forwardDuration.sample(&f.random)
	if g.forwardUntil <= at && length > 0 {
		g.setForward(at, key, at+length)
	}
	g.timers[processForwards] = g.nextArrival(&f.random, at, f.meanGap)
}

// setForward sets a forward at at, to a team colleague or an external
// number as the key decides, and clears it at until unless until is never.
func (g *userGenerator) setForward(at time.Duration, key uint64, until time.Duration) {
	set := g.newEvent(KindForward, at)
	set.Active = true
	if unit(key) < g.persona.forwardInternal {
		set.Remote = g.pickColleague(mix(key), 1, 0)
	}
	if set.Remote == NoUser {
		set.RemoteNumber = externalNumber(key)
	}
	g.push(set)
	g.forwardUntil = until
	if until != never {
		cleared := set
		cleared.At = until
		cleared.Active = false
		g.push(cleared)
	}
}
