package model

import (
	"sort"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// personaModel is a persona's parameters prepared for sampling: laws with
// their derived constants, weights as cumulative tables with map keys in a
// fixed order, curves with their maxima over the day.
type personaModel struct {
	config *scenario.Persona
	lines  int
	agent  bool

	// Telephony.
	callsPerHour    float64
	callCurve       scenario.Curve
	callCurveMax    float64
	rateSpread      float64
	holding         durationLaw
	ring            durationLaw
	setupDelay      time.Duration
	outcomes        weighted // answered, no answer, busy
	inboundShare    float64
	internalShare   float64
	teamShare       float64
	departmentShare float64
	holdProbability float64
	holdDuration    durationLaw
	forwardsPerHour float64
	forwardDuration durationLaw
	forwardInternal float64

	// Calendar.
	meetingsPerDay    float64
	windowFrom        time.Duration // time of day
	windowTo          time.Duration
	meetingCurve      scenario.Curve
	meetingCurveMax   float64
	slotMinutes       []time.Duration
	slots             weighted
	meetingLengths    []time.Duration
	lengths           weighted
	status            weighted // free, tentative, busy, out of office
	recurringShare    float64
	allDayShare       float64
	outOfOfficeShare  float64
	earlyEnd          float64
	earlyBy           durationLaw
	overrun           float64
	overrunBy         durationLaw
	doNotDisturbShare float64
	syncInterval      time.Duration
	fixed             []scenario.FixedMeeting

	// Clients.
	devices         []deviceModel
	idleAfter       time.Duration
	lunchShare      float64
	lunchStart      timeLaw
	lunchDuration   durationLaw
	locksPerHour    float64
	lockDuration    durationLaw
	manualPerHour   float64
	manualCurve     scenario.Curve
	manualCurveMax  float64
	manualStates    weighted // available, busy, do not disturb, out of office
	manualDuration  durationLaw
	notesPerHour    float64
	noteDuration    durationLaw
	lunchNoteShare  float64
	dropsPerHour    float64
	outage          durationLaw
	backoff         scenario.Backoff
	slowReaderShare float64

	// Agents.
	notReadyPerHour float64
	notReady        durationLaw
	wrapUp          durationLaw
}

// deviceModel is one client kind of a persona.
type deviceModel struct {
	kind   scenario.DeviceKind
	share  float64
	login  timeLaw
	logout timeLaw
}

// manualStateOrder maps the manual weights' order to the absent states.
var manualStateOrder = [4]AbsentState{AbsentNotAbsent, AbsentBusy, AbsentDoNotDisturb, AbsentOutOfOffice}

func newPersonaModel(s *scenario.Scenario, index int) personaModel {
	persona := &s.Population.Personas[index]
	dayFrom, dayTo := s.Day.Start.Std(), s.Day.End()
	dayHours := s.Day.Length.Std().Hours()
	calls, calendar, clients := &persona.Calls, &persona.Calendar, &persona.Clients
	m := personaModel{
		config: persona,
		lines:  persona.Lines,
		agent:  persona.Agent != nil,

		callsPerHour:    calls.BusyHourRate,
		callCurve:       s.Curve(calls.Curve),
		rateSpread:      calls.RateSpread,
		holding:         newDurationLaw(calls.Holding),
		ring:            newDurationLaw(calls.Ring),
		setupDelay:      calls.SetupDelay.Std(),
		outcomes:        newWeighted(calls.Outcomes.Answered, calls.Outcomes.NoAnswer, calls.Outcomes.Busy),
		inboundShare:    calls.InboundShare,
		internalShare:   calls.InternalShare,
		teamShare:       calls.InternalTargets.Team,
		departmentShare: calls.InternalTargets.Department,
		holdProbability: calls.Hold.Probability,
		holdDuration:    newDurationLaw(calls.Hold.Duration),
		forwardsPerHour: calls.Forwards.PerDay / dayHours,
		forwardDuration: newDurationLaw(calls.Forwards.Duration),
		forwardInternal: calls.Forwards.InternalShare,

		meetingsPerDay:    calendar.MeetingsPerDay,
		windowFrom:        calendar.Window.From.Std(),
		windowTo:          calendar.Window.To.Std(),
		meetingCurve:      s.Curve(calendar.Curve),
		status:            newWeighted(calendar.Status.Free, calendar.Status.Tentative, calendar.Status.Busy, calendar.Status.OutOfOffice),
		recurringShare:    calendar.RecurringShare,
		allDayShare:       calendar.AllDayShare,
		outOfOfficeShare:  calendar.OutOfOfficeDayShare,
		earlyEnd:          calendar.EarlyEnd.Probability,
		earlyBy:           newDurationLaw(calendar.EarlyEnd.By),
		overrun:           calendar.Overrun.Probability,
		overrunBy:         newDurationLaw(calendar.Overrun.By),
		doNotDisturbShare: calendar.DoNotDisturbShare,
		syncInterval:      calendar.SyncInterval.Std(),
		fixed:             calendar.Fixed,

		idleAfter:       clients.Idle.After.Std(),
		lunchShare:      clients.Idle.Lunch.Share,
		lunchStart:      newTimeLaw(clients.Idle.Lunch.Start),
		lunchDuration:   newDurationLaw(clients.Idle.Lunch.Duration),
		locksPerHour:    clients.Idle.ScreenLock.PerHour,
		lockDuration:    newDurationLaw(clients.Idle.ScreenLock.Duration),
		manualPerHour:   clients.Manual.PerHour,
		manualCurve:     s.Curve(clients.Manual.Curve),
		manualStates:    newWeighted(clients.Manual.States.Available, clients.Manual.States.Busy, clients.Manual.States.DoNotDisturb, clients.Manual.States.OutOfOffice),
		manualDuration:  newDurationLaw(clients.Manual.Duration),
		notesPerHour:    clients.Notes.PerHour,
		noteDuration:    newDurationLaw(clients.Notes.Duration),
		lunchNoteShare:  clients.Notes.LunchShare,
		dropsPerHour:    clients.Reconnect.DropsPerDay / dayHours,
		outage:          newDurationLaw(clients.Reconnect.Outage),
		backoff:         clients.Reconnect.Backoff,
		slowReaderShare: clients.SlowReaderShare,
	}
	if m.lines == 0 {
		m.lines = s.Population.LinesPerUser
	}
	m.callCurveMax = m.callCurve.Max(dayFrom, dayTo)
	m.manualCurveMax = m.manualCurve.Max(dayFrom, dayTo)
	m.meetingCurveMax = m.meetingCurve.Max(m.windowFrom, m.windowTo)

	minutes := make([]scenario.Minute, 0, len(calendar.StartSlots))
	for minute := range calendar.StartSlots {
		minutes = append(minutes, minute)
	}
	sort.Slice(minutes, func(i, j int) bool { return minutes[i] < minutes[j] })
	slotWeights := make([]float64, len(minutes))
	for i, minute := range minutes {
		m.slotMinutes = append(m.slotMinutes, time.Duration(minute)*time.Minute)
		slotWeights[i] = calendar.StartSlots[minute]
	}
	m.slots = newWeighted(slotWeights...)

	lengths := make([]scenario.Duration, 0, len(calendar.Durations))
	for length := range calendar.Durations {
		lengths = append(lengths, length)
	}
	sort.Slice(lengths, func(i, j int) bool { return lengths[i] < lengths[j] })
	lengthWeights := make([]float64, len(lengths))
	for i, length := range lengths {
		m.meetingLengths = append(m.meetingLengths, length.Std())
		lengthWeights[i] = calendar.Durations[length]
	}
	m.lengths = newWeighted(lengthWeights...)

	for _, device := range clients.Devices {
		m.devices = append(m.devices, deviceModel{kind: device.Kind, share: device.Share, login: newTimeLaw(device.Login), logout: newTimeLaw(device.Logout)})
	}
	if persona.Agent != nil {
		m.notReadyPerHour = persona.Agent.NotReadyPerHour
		m.notReady = newDurationLaw(persona.Agent.NotReady)
		m.wrapUp = newDurationLaw(persona.Agent.WorkingAfterCall)
	}
	return m
}
