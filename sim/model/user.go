package model

import (
	"math"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// never is the timer value of a process that has nothing more to do.
const never = time.Duration(math.MaxInt64)

// process names the behaviour processes of a user, in the order in which
// they step when their timers tie (a login comes before the agent's first
// ready state at the same instant).
type process uint8

const (
	processSessions process = iota
	processActivity
	processCalls
	processCalendar
	processManual
	processNotes
	processForwards
	processAgent
	processCount
)

// userGenerator produces one user's events in intended-time order. It is a
// small discrete-event simulation: each process keeps the time of its next
// step in timers; stepping a process at time t pushes events at t or later
// into pending. An event leaves pending only when no process could still
// push an earlier one, so the output is ordered. Events of an internal
// call's callee are pushed by the caller's generator.
//
// A userGenerator is not safe for concurrent use.
type userGenerator struct {
	population *Population
	persona    *personaModel
	user       int32
	sequence   uint32
	pending    pendingQueue
	timers     [processCount]time.Duration

	sessions sessionsProcess
	activity activityProcess
	calls    callProcess
	calendar calendarProcess
	manual   manualProcess
	notes    notesProcess
	forwards forwardsProcess
	agent    agentProcess

	// State shared by the processes.
	outOfOfficeDay bool          // the user is away all day
	firstLogin     time.Duration // first session login, never if none
	lastLogout     time.Duration // last session logout, -1 if none
	manualUntil    time.Duration // a manual state is set until then
	noteUntil      time.Duration // a note is set until then
	forwardUntil   time.Duration // a forward is set until then
}

// init prepares user index's processes. The calendar goes first because
// an out-of-office day switches the others off; the order is fixed, and
// every process draws from its own stream.
func (g *userGenerator) init(population *Population, index int) {
	*g = userGenerator{
		population: population,
		persona:    &population.personas[population.Users[index].Persona],
		user:       int32(index),
		firstLogin: never,
		lastLogout: -1,
	}
	g.initCalendar()
	g.initSessions()
	g.initActivity()
	g.initCalls()
	g.initManual()
	g.initNotes()
	g.initForwards()
	g.initAgent()
}

// newEvent returns an event of this user with no remote party.
func (g *userGenerator) newEvent(kind Kind, at time.Duration) Event {
	return Event{At: at, User: g.user, Remote: NoUser, Kind: kind}
}

// push assigns the event's ID and queues it. Past the day's length only
// the life of calls continues (call states and the agent states around
// them): every call that starts also ends, while other state simply
// persists when the stream ends (a session stays logged in, a meeting
// stays active, a note stays set).
func (g *userGenerator) push(event Event) {
	if event.At > g.population.dayLength && event.Kind != KindCall && event.Kind != KindAgentState {
		return
	}
	event.ID = uint64(g.user)<<32 | uint64(g.sequence)
	g.sequence++
	g.pending.push(event)
}

// advance steps processes until the earliest pending event can no longer
// be preceded; it returns false when the user has no more events.
func (g *userGenerator) advance() bool {
	for {
		which, at := process(0), never
		for index, timer := range g.timers {
			if timer < at {
				which, at = process(index), timer
			}
		}
		if g.pending.size() > 0 && g.pending.peek().At <= at {
			return true
		}
		if at == never {
			return g.pending.size() > 0
		}
		g.step(which, at)
	}
}

func (g *userGenerator) step(which process, at time.Duration) {
	switch which {
	case processSessions:
		g.stepSessions(at)
	case processActivity:
		g.stepActivity(at)
	case processCalls:
		g.stepCalls(at)
	case processCalendar:
		g.stepCalendar(at)
	case processManual:
		g.stepManual(at)
	case processNotes:
		g.stepNotes(at)
	case processForwards:
		g.stepForwards(at)
	case processAgent:
		g.stepAgent(at)
	default:
		panic("BUG: unknown process")
	}
}

// nextArrival returns the next time of a homogeneous Poisson process with
// the given mean gap, or never when it falls past the day (arrivals only
// happen within the day; what started may end after it).
func (g *userGenerator) nextArrival(random *stream, from time.Duration, meanGap float64) time.Duration {
	if meanGap <= 0 || math.IsInf(meanGap, 0) {
		return never
	}
	gap := random.exponential() * meanGap
	if gap >= float64(g.population.dayLength-from) {
		return never
	}
	return from + time.Duration(gap)
}

// meanGap returns the mean time between arrivals of a rate per hour, in
// nanoseconds (+Inf for rate 0).
func meanGap(perHour float64) float64 {
	if perHour <= 0 {
		return math.Inf(1)
	}
	return float64(time.Hour) / perHour
}

// curveAt returns the value of a curve at an event offset.
func (g *userGenerator) curveAt(curve scenario.Curve, offset time.Duration) float64 {
	return curve.Value(g.population.dayStart + offset)
}

// pendingQueue is a user's small queue of scheduled events, sorted by At
// and, for equal At, by push order. A user rarely has more than a dozen
// events scheduled ahead, so a sorted slice beats a heap.
type pendingQueue struct {
	events []Event
	head   int
}

func (q *pendingQueue) size() int    { return len(q.events) - q.head }
func (q *pendingQueue) peek() *Event { return &q.events[q.head] }

func (q *pendingQueue) pop(dst *Event) {
	*dst = q.events[q.head]
	q.head++
	if q.head == len(q.events) {
		q.events = q.events[:0]
		q.head = 0
	}
}

func (q *pendingQueue) push(event Event) {
	if len(q.events) == cap(q.events) && q.head > 0 {
		kept := copy(q.events, q.events[q.head:])
		q.events = q.events[:kept]
		q.head = 0
	}
	q.events = append(q.events, event)
	i := len(q.events) - 1
	for i > q.head && q.events[i-1].At > event.At {
		q.events[i] = q.events[i-1]
		i--
	}
	q.events[i] = event
}
