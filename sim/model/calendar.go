package model

import (
	"sort"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// overrunLead is the most time before the scheduled end at which a user
// extends an overrunning meeting.
const overrunLead = 5 * time.Minute

// shortestMeeting is the shortest span an early end leaves of a meeting.
const shortestMeeting = time.Minute

type calendarActionKind uint8

const (
	actionPublish calendarActionKind = iota // the initial calendar at offset 0
	actionStart                             // an appointment becomes active
	actionChange                            // the user changes the end
	actionEnd                               // an appointment stops being active
)

// calendarAction is one scheduled calendar step.
type calendarAction struct {
	at           time.Duration
	kind         calendarActionKind
	index        uint8         // appointment index
	doNotDisturb bool          // actionStart: also set do-not-disturb until until
	end          time.Duration // actionChange: the new end; actionStart: until
}

// calendarProcess replays the user's calendar for the day: everything is
// generated at init (a handful of appointments), then published at offset
// 0 and walked through start, change and end actions in time order.
type calendarProcess struct {
	appointments []Appointment
	actions      []calendarAction
	position     int
}

// meetingDraft is a generated meeting before it is laid out as actions.
type meetingDraft struct {
	appointment  Appointment
	adjustment   float64 // decides early end / overrun
	adjustBy     time.Duration
	lead         time.Duration // how long before its end an overrun is entered
	doNotDisturb bool
}

func (g *userGenerator) initCalendar() {
	p := g.persona
	population := g.population
	random := newStream(population.Scenario.Seed, int(g.user), purposeCalendar)
	c := &g.calendar
	dayStart := population.dayStart

	// Fixed draw order: out-of-office day, all-day entry, meeting count,
	// the meetings, then the fixed meetings.
	g.outOfOfficeDay = random.chance(p.outOfOfficeShare)
	allDay := random.chance(p.allDayShare)
	count := random.poisson(p.meetingsPerDay)
	midnight, nextMidnight := -dayStart, 24*time.Hour-dayStart

	if g.outOfOfficeDay {
		c.appointments = append(c.appointments, Appointment{Start: midnight, End: nextMidnight, Status: scenario.StatusOutOfOffice, AllDay: true})
	} else if allDay {
		c.appointments = append(c.appointments, Appointment{Start: midnight, End: nextMidnight, Status: scenario.StatusFree, AllDay: true})
	}
	var drafts []meetingDraft
	for k := 0; k < count; k++ {
		start := g.meetingStart(&random)
		length := p.meetingLengths[p.lengths.pick(&random)]
		draft := g.draftMeeting(&random, start-dayStart, length, scenario.AppointmentStatus(p.status.pick(&random)))
		if random.chance(p.recurringShare) {
			draft.appointment.Series = hash(population.Scenario.Seed, uint64(g.user), uint64(purposeFixedSeries), uint64(k)) | 1
		}
		drafts = append(drafts, draft)
	}
	for index, fixed := range p.fixed {
		attends := random.chance(fixed.Share)
		draft := g.draftMeeting(&random, fixed.Start.Std()-dayStart, fixed.Duration.Std(), fixed.Status)
		if fixed.Recurring {
			// One series for all attendees of the fixed meeting.
			draft.appointment.Series = hash(population.Scenario.Seed, uint64(population.Users[g.user].Persona), uint64(purposeFixedSeries), 1<<32+uint64(index)) | 1
		}
		if attends {
			drafts = append(drafts, draft)
		}
	}
	if g.outOfOfficeDay {
		drafts = nil
	}
	// At most 255 appointments: the action index is a byte. Validation
	// limits meetings per day to 50, so only an extreme Poisson draw hits it.
	if len(drafts) > 250 {
		drafts = drafts[:250]
	}
	sort.SliceStable(drafts, func(i, j int) bool { return drafts[i].appointment.Start < drafts[j].appointment.Start })
	for i := range drafts {
		c.appointments = append(c.appointments, drafts[i].appointment)
	}
	for i := range c.appointments {
		c.appointments[i].ID = uint64(g.user)<<32 | uint64(i)
	}
	g.layOutCalendar(drafts)
	g.timers[processCalendar] = never
	if len(c.actions) > 0 {
		g.timers[processCalendar] = c.actions[0].at
	}
}

// meetingStart draws a meeting start time of day: a time in the window
// (weighted by the calendar curve, by rejection), moved to a start slot
// of its hour.
func (g *userGenerator) meetingStart(random *stream) time.Duration {
	p := g.persona
	span := float64(p.windowTo - p.windowFrom)
	t := p.windowFrom + time.Duration(random.float()*span)
	if p.meetingCurve != nil && p.meetingCurveMax > 0 {
		for attempt := 0; attempt < 64; attempt++ {
			if random.float()*p.meetingCurveMax < p.meetingCurve.Value(t) {
				break
			}
			t = p.windowFrom + time.Duration(random.float()*span)
		}
	}
	start := t.Truncate(time.Hour) + p.slotMinutes[p.slots.pick(random)]
	if start < p.windowFrom {
		start += time.Hour
	}
	if start >= p.windowTo && start-time.Hour >= p.windowFrom {
		start -= time.Hour
	}
	return start
}

// draftMeeting draws the end adjustments of a meeting with a fixed number
// of draws.
func (g *userGenerator) draftMeeting(random *stream, start, length time.Duration, status scenario.AppointmentStatus) meetingDraft {
	p := g.persona
	draft := meetingDraft{appointment: Appointment{Start: start, End: start + length, Status: status}}
	draft.adjustment = random.float()
	if draft.adjustment < p.earlyEnd {
		draft.adjustBy = p.earlyBy.sample(random)
	} else if draft.adjustment < p.earlyEnd+p.overrun {
		draft.adjustBy = p.overrunBy.sample(random)
	}
	draft.lead = time.Duration(random.float() * float64(overrunLead))
	draft.doNotDisturb = status == scenario.StatusBusy && random.chance(p.doNotDisturbShare)
	return draft
}

// synced returns when a change made at offset t reaches the server: at
// once for a pushed calendar, else at the next poll (polls run at
// multiples of the sync interval from midnight).
func (g *userGenerator) synced(t time.Duration) time.Duration {
	interval := g.persona.syncInterval
	if interval <= 0 {
		return t
	}
	timeOfDay := g.population.dayStart + t
	polled := (timeOfDay + interval - 1) / interval * interval
	return polled - g.population.dayStart
}

// layOutCalendar turns the appointments into actions: the publication of
// the whole calendar at offset 0, and start, change and end actions. All-
// day entries end at midnight and get no end action.
func (g *userGenerator) layOutCalendar(drafts []meetingDraft) {
	p := g.persona
	c := &g.calendar
	dayLength := g.population.dayLength
	if len(c.appointments) == 0 {
		return
	}
	c.actions = append(c.actions, calendarAction{at: 0, kind: actionPublish})
	firstMeeting := len(c.appointments) - len(drafts)
	for i := 0; i < firstMeeting; i++ {
		c.actions = append(c.actions, calendarAction{at: 0, kind: actionStart, index: uint8(i)})
	}
	for k, draft := range drafts {
		index := uint8(firstMeeting + k)
		start, scheduledEnd := draft.appointment.Start, draft.appointment.End
		if start >= dayLength || scheduledEnd <= 0 {
			continue // the meeting is outside the day: published only
		}
		end := scheduledEnd
		var changes []calendarAction
		switch {
		case draft.adjustment < p.earlyEnd:
			// The user leaves early and shortens the appointment then.
			left := max(scheduledEnd-draft.adjustBy, start+shortestMeeting)
			if left < scheduledEnd {
				seen := g.synced(left)
				changes = append(changes, calendarAction{at: seen, kind: actionChange, index: index, end: left})
				end = min(seen, scheduledEnd)
			}
		case draft.adjustment < p.earlyEnd+p.overrun && draft.adjustBy > 0:
			// The user extends the appointment shortly before its end.
			extended := scheduledEnd + draft.adjustBy
			seen := g.synced(max(scheduledEnd-draft.lead, start))
			changes = append(changes, calendarAction{at: seen, kind: actionChange, index: index, end: extended})
			end = extended
			if seen > scheduledEnd {
				// The change arrives after the old end: the appointment
				// ends, and starts again when the change is seen, unless
				// the extension is over by then.
				changes = append(changes, calendarAction{at: scheduledEnd, kind: actionEnd, index: index})
				if seen < extended {
					changes = append(changes, calendarAction{at: seen, kind: actionStart, index: index})
				} else {
					end = -1 // ended at the old end; no final end
				}
			}
		}
		until := end
		if end < 0 {
			until = scheduledEnd
		}
		c.actions = append(c.actions, calendarAction{at: max(start, 0), kind: actionStart, index: index, doNotDisturb: draft.doNotDisturb, end: until})
		c.actions = append(c.actions, changes...)
		if end >= 0 {
			c.actions = append(c.actions, calendarAction{at: end, kind: actionEnd, index: index})
		}
	}
	// Stable: at equal times a change comes before the start it causes.
	sort.SliceStable(c.actions, func(i, j int) bool { return c.actions[i].at < c.actions[j].at })
}

func (g *userGenerator) stepCalendar(at time.Duration) {
	c := &g.calendar
	action := c.actions[c.position]
	c.position++
	switch action.kind {
	case actionPublish:
		for i := range c.appointments {
			event := g.newEvent(KindAppointment, at)
			event.Appointment = c.appointments[i]
			g.push(event)
		}
	case actionStart:
		event := g.newEvent(KindAppointmentStart, at)
		event.Appointment = c.appointments[action.index]
		g.push(event)
		if action.doNotDisturb && g.manualUntil <= at {
			g.setManual(at, AbsentDoNotDisturb, action.end)
		}
	case actionChange:
		c.appointments[action.index].End = action.end
		event := g.newEvent(KindAppointment, at)
		event.Appointment = c.appointments[action.index]
		g.push(event)
	case actionEnd:
		event := g.newEvent(KindAppointmentEnd, at)
		event.Appointment = c.appointments[action.index]
		g.push(event)
	}
	g.timers[processCalendar] = never
	if c.position < len(c.actions) {
		g.timers[processCalendar] = c.actions[c.position].at
	}
}
