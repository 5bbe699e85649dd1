package model

import (
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// minimumSession is the shortest span between login and logout; a drawn
// logout before it moves to login + minimumSession.
const minimumSession = 30 * time.Minute

type sessionState uint8

const (
	sessionOffline sessionState = iota // before login
	sessionOnline
	sessionDown  // connection lost, reconnect scheduled
	sessionEnded // logged out, or lost and not back before the logout
)

// session is one client device of a user: login, logout, connection
// drops and reconnects with a jittered exponential backoff.
type session struct {
	random      stream
	kind        scenario.DeviceKind
	slot        uint8
	state       sessionState
	slowReader  bool
	attempt     uint8
	login       time.Duration
	logout      time.Duration
	nextDrop    time.Duration
	reconnectAt time.Duration
	nextFault   int // index of the next fault in Population.faults
}

// sessionsProcess holds the user's sessions.
type sessionsProcess struct {
	sessions []session
}

func (g *userGenerator) initSessions() {
	p := g.persona
	if g.outOfOfficeDay || len(p.devices) == 0 {
		g.timers[processSessions] = never
		return
	}
	dayLength := g.population.dayLength
	for slot := range p.devices {
		device := &p.devices[slot]
		s := session{
			random: newStream(g.population.Scenario.Seed, int(g.user), purposeSessions+purpose(slot)),
			kind:   device.kind,
			slot:   uint8(slot),
		}
		// Fixed draw order: has it, login, logout, slow reader.
		has := s.random.chance(device.share)
		login := g.population.Offset(device.login.sample(&s.random))
		logout := g.population.Offset(device.logout.sample(&s.random))
		s.slowReader = s.random.chance(p.slowReaderShare)
		if !has || login >= dayLength {
			continue
		}
		s.login = max(login, 0)
		s.logout = max(logout, s.login+minimumSession)
		s.nextDrop, s.reconnectAt = never, never
		g.firstLogin = min(g.firstLogin, s.login)
		g.lastLogout = max(g.lastLogout, s.logout)
		g.sessions.sessions = append(g.sessions.sessions, s)
	}
	g.timers[processSessions] = g.sessionsTimer()
}

// timer returns when the session acts next.
func (s *session) timer(faults []faultModel) time.Duration {
	switch s.state {
	case sessionOffline:
		return s.login
	case sessionOnline:
		next := min(s.logout, s.nextDrop)
		if s.nextFault < len(faults) {
			next = min(next, faults[s.nextFault].at)
		}
		return next
	case sessionDown:
		return s.reconnectAt
	}
	return never
}

func (g *userGenerator) sessionsTimer() time.Duration {
	next := never
	for i := range g.sessions.sessions {
		next = min(next, g.sessions.sessions[i].timer(g.population.faults))
	}
	return next
}

func (g *userGenerator) stepSessions(at time.Duration) {
	faults := g.population.faults
	for i := range g.sessions.sessions {
		s := &g.sessions.sessions[i]
		if s.timer(faults) != at {
			continue
		}
		switch s.state {
		case sessionOffline:
			s.state = sessionOnline
			event := g.sessionEvent(KindLogin, at, s)
			event.SlowReader = s.slowReader
			g.push(event)
			g.scheduleDrop(s, at)
		case sessionOnline:
			switch {
			case at == s.logout:
				s.state = sessionEnded
				g.push(g.sessionEvent(KindLogout, at, s))
			case at == s.nextDrop:
				g.drop(s, at, g.persona.outage.sample(&s.random))
			default:
				fault := &faults[s.nextFault]
				s.nextFault++
				if s.random.chance(fault.share) {
					g.drop(s, at, fault.outage.sample(&s.random))
				}
			}
		case sessionDown:
			s.state = sessionOnline
			event := g.sessionEvent(KindReconnect, at, s)
			event.Attempt = s.attempt
			g.push(event)
			g.scheduleDrop(s, at)
		}
		break // one session per step; ties are taken on the next step
	}
	g.timers[processSessions] = g.sessionsTimer()
}

// sessionEvent returns a session event carrying the current idle state.
func (g *userGenerator) sessionEvent(kind Kind, at time.Duration, s *session) Event {
	event := g.newEvent(kind, at)
	event.Device = s.kind
	event.Session = s.slot
	event.Idle = g.activity.idle && s.kind.ReportsIdle()
	return event
}

// scheduleDrop draws the next connection loss after a (re)connect and
// skips the faults that passed while the session was away.
func (g *userGenerator) scheduleDrop(s *session, at time.Duration) {
	s.nextDrop = g.nextArrival(&s.random, at, meanGap(g.persona.dropsPerHour))
	faults := g.population.faults
	for s.nextFault < len(faults) && faults[s.nextFault].at <= at {
		s.nextFault++
	}
}

// drop loses the connection for outage and schedules the reconnect: the
// client retries after min(Max, Initial·Multiplier^k)·(1 − Jitter·U) and
// the first attempt after the network is back succeeds. If that is after
// the logout, the session is over.
func (g *userGenerator) drop(s *session, at, outage time.Duration) {
	g.push(g.sessionEvent(KindDisconnect, at, s))
	backoff := &g.persona.backoff
	up := at + outage
	attemptAt := at
	delay := float64(backoff.Initial)
	attempt := 0
	for {
		attempt++
		attemptAt += time.Duration(delay * (1 - backoff.Jitter*s.random.float()))
		if attemptAt >= up || attempt == 255 {
			break
		}
		delay = min(float64(backoff.Max), delay*backoff.Multiplier)
	}
	if attemptAt >= s.logout {
		s.state = sessionEnded
		return
	}
	s.state = sessionDown
	s.reconnectAt = attemptAt
	s.attempt = uint8(attempt)
}

// present reports whether any session is online, i.e. the user is at a
// client that could set a manual state or a note.
func (g *userGenerator) present() bool {
	for i := range g.sessions.sessions {
		if g.sessions.sessions[i].state == sessionOnline {
			return true
		}
	}
	return false
}

// reportIdle pushes an idle change for every online session that reports
// idle (desktop and web clients).
func (g *userGenerator) reportIdle(at time.Duration, idle bool) {
	for i := range g.sessions.sessions {
		s := &g.sessions.sessions[i]
		if s.state == sessionOnline && s.kind.ReportsIdle() {
			event := g.sessionEvent(KindIdle, at, s)
			event.Idle = idle
			g.push(event)
		}
	}
}
