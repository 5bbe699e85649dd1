package model

import (
	"math"
	"strings"
	"testing"
	"time"
)

const clients = `name: clients
seed: 21
day: {start: "06:00", length: 14h}
population:
  users: 2000
  personas:
    - name: office
      share: 1
      clients:
        devices:
          - {kind: desktop}
          - {kind: mobile, share: 0.5, login: {distribution: normal, mean: "07:30", stddev: 30m}}
        idle: {lunch: {share: 0.8}, screen_lock: {per_hour: 0.5}}
        manual: {per_hour: 0.3}
        notes: {per_hour: 0.2, lunch_share: 0.5}
        reconnect: {drops_per_day: 1}
        slow_reader_share: 0.1
faults: [{at: "11:00", kind: disconnect, share: 0.5}]
`

type sessionKey struct {
	user int32
	slot uint8
}

// TestLoginWave: desktop logins are normal around 08:00 with σ = 20m (the
// default): the mean within 2 minutes, σ within 10%, and 68% of the
// logins within one σ. Not a ramp: a ramp has no such center mass.
func TestLoginWave(t *testing.T) {
	p := population(t, clients)
	var desktop []float64
	mobile := 0
	slow := 0
	for _, event := range only(events(p), KindLogin) {
		if event.SlowReader {
			slow++
		}
		if event.Device.String() == "mobile" {
			mobile++
			continue
		}
		desktop = append(desktop, float64(p.TimeOfDay(event.At)))
	}
	if len(desktop) != 2000 || !within(float64(mobile), 1000, 0.1) {
		t.Fatalf("%d desktop and %d mobile logins, want 2000 and ≈ 1000", len(desktop), mobile)
	}
	mean, variance := meanAndVariance(desktop)
	if math.Abs(mean-float64(8*time.Hour)) > float64(2*time.Minute) {
		t.Errorf("mean login %v, want 08:00 ± 2m", time.Duration(mean))
	}
	if stddev := math.Sqrt(variance); !within(stddev, float64(20*time.Minute), 0.1) {
		t.Errorf("login stddev %v, want 20m", time.Duration(stddev))
	}
	inside := 0
	for _, at := range desktop {
		if math.Abs(at-float64(8*time.Hour)) <= float64(20*time.Minute) {
			inside++
		}
	}
	if share := float64(inside) / float64(len(desktop)); math.Abs(share-0.683) > 0.04 {
		t.Errorf("%.3f of the logins within 08:00 ± 20m, want 0.683", share)
	}
	if !within(float64(slow), 300, 0.25) {
		t.Errorf("%d slow-reader sessions of 3000, want ≈ 300", slow)
	}
}

// TestSessionLifecycle: a session logs in once, then alternates
// disconnect/reconnect, reports idle only while online and only for
// desktop and web, and logs out at most once, last.
func TestSessionLifecycle(t *testing.T) {
	p := population(t, clients)
	type state struct {
		online, down, done, idle bool
	}
	sessions := make(map[sessionKey]*state)
	faulted := 0
	fault := p.Offset(11 * time.Hour)
	for _, event := range events(p) {
		switch event.Kind {
		case KindLogin, KindLogout, KindDisconnect, KindReconnect, KindIdle:
		default:
			continue
		}
		key := sessionKey{event.User, event.Session}
		s := sessions[key]
		if s == nil {
			s = &state{}
			sessions[key] = s
		}
		if s.done {
			t.Fatalf("event after the session ended: %v", event)
		}
		switch event.Kind {
		case KindLogin:
			if s.online || s.down {
				t.Fatalf("second login: %v", event)
			}
			s.online, s.idle = true, event.Idle
		case KindDisconnect:
			if !s.online {
				t.Fatalf("disconnect while not online: %v", event)
			}
			if event.At == fault {
				faulted++
			}
			s.online, s.down = false, true
		case KindReconnect:
			if !s.down || event.Attempt < 1 {
				t.Fatalf("reconnect without a disconnect or attempt %d: %v", event.Attempt, event)
			}
			s.online, s.down, s.idle = true, false, event.Idle
		case KindLogout:
			if !s.online {
				t.Fatalf("logout while not online: %v", event)
			}
			s.done = true
		case KindIdle:
			if !s.online || !event.Device.ReportsIdle() {
				t.Fatalf("idle report from an offline or mobile session: %v", event)
			}
			if event.Idle == s.idle {
				t.Fatalf("idle report repeats the state: %v", event)
			}
			s.idle = event.Idle
		}
	}
	// Half of the ~3000 sessions online at 11:00 drop at the fault.
	if faulted < 1200 || faulted > 1800 {
		t.Errorf("%d sessions dropped at the 11:00 fault, want about 1500", faulted)
	}
}

// TestBackoffSchedule: without jitter the attempts wait 1s, 2s, 4s, 8s
// (initial 1s, multiplier 2), so a 10-second outage reconnects on the 4th
// attempt, 15 s after the drop.
func TestBackoffSchedule(t *testing.T) {
	p := population(t, `name: backoff
seed: 22
day: {start: "06:00", length: 14h}
population:
  users: 200
  personas:
    - name: office
      share: 1
      clients:
        reconnect:
          drops_per_day: 3
          outage: {distribution: constant, mean: 10s}
          backoff: {initial: 1s, max: 1m, multiplier: 2, jitter: 0}
`)
	dropped := make(map[sessionKey]time.Duration)
	reconnects := 0
	for _, event := range events(p) {
		key := sessionKey{event.User, event.Session}
		switch event.Kind {
		case KindDisconnect:
			dropped[key] = event.At
		case KindReconnect:
			reconnects++
			if delay := event.At - dropped[key]; delay != 15*time.Second || event.Attempt != 4 {
				t.Fatalf("reconnect after %v on attempt %d, want 15s on attempt 4", delay, event.Attempt)
			}
		}
	}
	if reconnects < 300 {
		t.Errorf("only %d reconnects", reconnects)
	}
}

// TestJitteredBackoffSpreadsReconnects: a fault that drops every session
// at once must not bring them back at once: jitter spreads the attempts.
func TestJitteredBackoffSpreadsReconnects(t *testing.T) {
	p := shipped(t, "login-storm")
	fault := p.Offset(9 * time.Hour)
	perSecond := make(map[time.Duration]int)
	reconnects := 0
	for _, event := range only(events(p), KindReconnect) {
		if event.At >= fault && event.At < fault+2*time.Minute {
			reconnects++
			perSecond[(event.At-fault)/time.Second]++
		}
	}
	busiest := 0
	for _, count := range perSecond {
		busiest = max(busiest, count)
	}
	if reconnects < 10000 || busiest > reconnects/5 {
		t.Errorf("%d reconnects after the fault, %d in the busiest second; want them spread", reconnects, busiest)
	}
}

// TestManualStatesAndNotes: each manual state is reset before the next is
// set, and notes are set and cleared in turn, lunch notes included.
func TestManualStatesAndNotes(t *testing.T) {
	p := population(t, clients)
	manual := make(map[int32]bool)
	note := make(map[int32]bool)
	sets, notes, lunchNotes := 0, 0, 0
	for _, event := range events(p) {
		switch event.Kind {
		case KindAbsentState:
			set := event.Absent != AbsentNotSet
			if set == manual[event.User] {
				t.Fatalf("manual state %v without a reset in between", event)
			}
			manual[event.User] = set
			if set {
				sets++
			}
		case KindNote:
			set := event.Note != ""
			if set == note[event.User] {
				t.Fatalf("note %v without a clear in between", event)
			}
			note[event.User] = set
			if set {
				notes++
				if strings.HasPrefix(event.Note, "back at ") {
					lunchNotes++
				}
			}
		}
	}
	if sets < 2000 || notes < 2000 || lunchNotes < 400 {
		t.Errorf("%d manual states, %d notes (%d lunch notes) for 2000 users", sets, notes, lunchNotes)
	}
}

func TestBackAtNoteRoundsUp(t *testing.T) {
	cases := map[time.Duration]string{
		13 * time.Hour:                                 "back at 13:00",
		13*time.Hour + time.Second:                     "back at 13:15",
		12*time.Hour + 46*time.Minute:                  "back at 13:00",
		23*time.Hour + 59*time.Minute:                  "back at 24:00",
		25 * time.Hour:                                 "back at 24:00",
		-time.Hour:                                     "back at 00:00",
		12*time.Hour + 14*time.Minute + 59*time.Second: "back at 12:15",
	}
	for at, want := range cases {
		if got := backAtNote(at); got != want {
			t.Errorf("backAtNote(%v) = %q, want %q", at, got, want)
		}
	}
}
