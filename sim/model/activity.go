package model

import (
	"fmt"
	"time"
)

// activityProcess is the user's presence at the desk: the lunch break and
// screen locks. Desktop and web sessions report idle while the user is
// away; a screen lock reports at once, walking away for lunch after the
// inactivity threshold (Idle.After), and a break shorter than it goes
// unnoticed. An agent who is ready goes not-ready for the lunch break.
type activityProcess struct {
	random      stream
	lunchStart  time.Duration
	lunchIdleAt time.Duration
	lunchEnd    time.Duration
	nextLock    time.Duration
	lockEnd     time.Duration
	lockGap     float64
	lunchNote   bool
	atLunch     bool
	lunchIdle   bool
	locked      bool
	idle        bool // the last idle state reported
}

func (g *userGenerator) initActivity() {
	p := g.persona
	a := &g.activity
	a.random = newStream(g.population.Scenario.Seed, int(g.user), purposeActivity)
	a.lunchStart, a.lunchIdleAt, a.lunchEnd, a.lockEnd = never, never, never, never
	// Fixed draw order: lunch or not, start, length, note; then locks.
	takesLunch := a.random.chance(p.lunchShare)
	start := g.population.Offset(p.lunchStart.sample(&a.random))
	length := p.lunchDuration.sample(&a.random)
	a.lunchNote = a.random.chance(p.lunchNoteShare)
	if takesLunch && len(g.sessions.sessions) > 0 && start >= 0 && start < g.population.dayLength && length > 0 {
		a.lunchStart = start
		a.lunchEnd = start + length
		if p.idleAfter < length {
			a.lunchIdleAt = start + p.idleAfter
		}
	}
	a.lockGap = meanGap(p.locksPerHour)
	a.nextLock = never
	if len(g.sessions.sessions) > 0 {
		a.nextLock = g.nextArrival(&a.random, 0, a.lockGap)
	}
	g.timers[processActivity] = a.timer()
}

func (a *activityProcess) timer() time.Duration {
	return min(a.lunchStart, a.lunchIdleAt, a.lunchEnd, a.nextLock, a.lockEnd)
}

func (g *userGenerator) stepActivity(at time.Duration) {
	a := &g.activity
	switch at {
	case a.lunchEnd:
		a.lunchEnd = never
		a.atLunch, a.lunchIdle = false, false
	case a.lockEnd:
		a.lockEnd = never
		a.locked = false
	case a.lunchStart:
		a.lunchStart = never
		a.atLunch = true
		if g.persona.agent && g.agentAvailable(at) {
			// Agents sign off the queue for lunch.
			g.agentState(AgentNotReady, at)
			g.agentState(AgentReady, a.lunchEnd)
			g.agentBusy(a.lunchEnd)
		}
		if a.lunchNote && g.noteUntil <= at && g.present() {
			note := g.newEvent(KindNote, at)
			note.Note = backAtNote(g.population.TimeOfDay(a.lunchEnd))
			g.push(note)
			cleared := g.newEvent(KindNote, a.lunchEnd)
			g.push(cleared)
			g.noteUntil = a.lunchEnd
		}
	case a.lunchIdleAt:
		a.lunchIdleAt = never
		a.lunchIdle = true
	case a.nextLock:
		length := g.persona.lockDuration.sample(&a.random)
		if g.present() && !a.atLunch && !a.locked && length > 0 {
			a.locked = true
			a.lockEnd = at + length
		}
		a.nextLock = g.nextArrival(&a.random, at, a.lockGap)
	}
	if idle := a.lunchIdle || a.locked; idle != a.idle {
		a.idle = idle
		g.reportIdle(at, idle)
	}
	g.timers[processActivity] = a.timer()
}

// backAtNotes are the "back at HH:MM" texts for each quarter hour, built
// once so that events carry a static string and generating them does not
// allocate.
var backAtNotes = func() [97]string {
	var notes [97]string
	for quarter := range notes {
		notes[quarter] = fmt.Sprintf("back at %02d:%02d", quarter/4, quarter%4*15)
	}
	return notes
}()

// backAtNote returns the note for a return at timeOfDay, rounded up to the
// quarter hour.
func backAtNote(timeOfDay time.Duration) string {
	quarter := int((timeOfDay + 15*time.Minute - 1) / (15 * time.Minute))
	return backAtNotes[min(max(quarter, 0), len(backAtNotes)-1)]
}
