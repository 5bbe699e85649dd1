package model

import (
	"math"
	"testing"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

const meetings = `name: meetings
seed: 11
day: {start: "07:00", length: 12h}
population:
  users: 2000
  personas:
    - name: office
      share: 1
      clients: {devices: []}
      calendar:
        meetings_per_day: 4
        recurring_share: 0.3
        all_day_share: 0.1
        out_of_office_day_share: 0.05
        early_end: {probability: 0.2}
        overrun: {probability: 0.3}
`

// published returns the first publication of every appointment.
func published(all []Event) []Appointment {
	seen := make(map[uint64]bool)
	var list []Appointment
	for _, event := range only(all, KindAppointment) {
		if !seen[event.Appointment.ID] {
			seen[event.Appointment.ID] = true
			list = append(list, event.Appointment)
		}
	}
	return list
}

// TestMeetingStartSlots: meetings start on the hour and half hour, rarely
// on the quarters, with the default weights 0.6/0.3/0.05/0.05; lengths
// are 30 or 60 minutes at 0.6/0.4; the status mix is the default.
func TestMeetingStartSlots(t *testing.T) {
	p := population(t, meetings)
	minutes := make(map[int]float64)
	lengths := make(map[time.Duration]float64)
	status := make(map[scenario.AppointmentStatus]float64)
	recurring, total := 0.0, 0.0
	for _, appointment := range published(events(p)) {
		if appointment.AllDay {
			continue
		}
		total++
		minutes[int(p.TimeOfDay(appointment.Start)/time.Minute%60)]++
		lengths[appointment.End-appointment.Start]++
		status[appointment.Status]++
		if appointment.Recurring() {
			recurring++
		}
	}
	// 2000 users × 4 × (1 − 0.05 out of office) ≈ 7600 meetings.
	if !within(total, 7600, 0.05) {
		t.Fatalf("%v meetings, want ≈ 7600", total)
	}
	for minute, want := range map[int]float64{0: 0.6, 30: 0.3, 15: 0.05, 45: 0.05} {
		if got := minutes[minute] / total; math.Abs(got-want) > 5*math.Sqrt(want*(1-want)/total) {
			t.Errorf(":%02d share %.3f, want %.2f", minute, got, want)
		}
	}
	if len(minutes) != 4 {
		t.Errorf("meetings start on %d different minutes, want only :00 :15 :30 :45", len(minutes))
	}
	if got := lengths[30*time.Minute] / total; math.Abs(got-0.6) > 0.03 || len(lengths) != 2 {
		t.Errorf("30-minute share %.3f of lengths %v, want 0.6 and only 30m/60m", got, lengths)
	}
	for value, want := range map[scenario.AppointmentStatus]float64{scenario.StatusBusy: 0.8, scenario.StatusTentative: 0.1, scenario.StatusFree: 0.05, scenario.StatusOutOfOffice: 0.05} {
		if got := status[value] / total; math.Abs(got-want) > 5*math.Sqrt(want*(1-want)/total) {
			t.Errorf("status %s share %.3f, want %.2f", value, got, want)
		}
	}
	if got := recurring / total; math.Abs(got-0.3) > 0.03 {
		t.Errorf("recurring share %.3f, want 0.3", got)
	}
}

// TestAppointmentLifecycle: every meeting that starts within the day
// ends (unless past the day's end); early ends move the end earlier,
// overruns later, each through an appointment update.
func TestAppointmentLifecycle(t *testing.T) {
	p := population(t, meetings)
	all := events(p)
	scheduled := make(map[uint64]Appointment)
	for _, appointment := range published(all) {
		scheduled[appointment.ID] = appointment
	}
	checkAppointmentPairs(t, p, all)
	active := make(map[uint64]bool)
	early, late, meetingsSeen, allDay, oof := 0, 0, 0, 0, 0
	for _, event := range all {
		id := event.Appointment.ID
		switch event.Kind {
		case KindAppointment:
			if original := scheduled[id]; event.Appointment.End != original.End {
				if event.Appointment.End < original.End {
					early++
				} else {
					late++
				}
			}
		case KindAppointmentStart:
			if active[id] {
				t.Fatalf("appointment %x starts twice", id)
			}
			active[id] = true
			if event.Appointment.AllDay {
				allDay++
				if event.Appointment.Status == scenario.StatusOutOfOffice {
					oof++
				}
			} else {
				meetingsSeen++
				if want := max(scheduled[id].Start, 0); event.At != want {
					t.Fatalf("appointment %x starts at %v, scheduled %v", id, event.At, want)
				}
			}
		case KindAppointmentEnd:
			if !active[id] {
				t.Fatalf("appointment %x ends without starting", id)
			}
			active[id] = false
		}
	}
	for id, stillActive := range active {
		if stillActive && !scheduled[id].AllDay && scheduled[id].End+time.Hour < p.dayLength {
			t.Fatalf("appointment %x never ends: %+v", id, scheduled[id])
		}
	}
	// 0.2 early, 0.3 overrun of ≈ 7600 meetings; a few early ends are
	// too small to change anything.
	if !within(float64(early), 0.2*float64(meetingsSeen), 0.12) || !within(float64(late), 0.3*float64(meetingsSeen), 0.08) {
		t.Errorf("%d early ends and %d overruns of %d meetings", early, late, meetingsSeen)
	}
	// All-day entries: 10% of the users (free) + 5% (out of office).
	if !within(float64(allDay), 0.145*2000, 0.2) || !within(float64(oof), 0.05*2000, 0.25) {
		t.Errorf("%d all-day entries, %d out of office, of 2000 users", allDay, oof)
	}
}

// checkAppointmentPairs: every appointment alternates start and end, the
// first start no earlier than its scheduled start, and every meeting that
// ends within the day ends.
func checkAppointmentPairs(t *testing.T, p *Population, all []Event) {
	t.Helper()
	active := make(map[uint64]bool)
	scheduled := make(map[uint64]Appointment)
	for _, event := range all {
		id := event.Appointment.ID
		switch event.Kind {
		case KindAppointment:
			if _, ok := scheduled[id]; !ok {
				scheduled[id] = event.Appointment
			}
		case KindAppointmentStart:
			if active[id] {
				t.Fatalf("appointment %x of user %d starts twice (%v)", id, event.User, event.At)
			}
			active[id] = true
		case KindAppointmentEnd:
			if !active[id] {
				t.Fatalf("appointment %x of user %d ends without starting (%v)", id, event.User, event.At)
			}
			active[id] = false
		}
	}
	for id, stillActive := range active {
		if appointment := scheduled[id]; stillActive && !appointment.AllDay && appointment.End+2*time.Hour < p.dayLength {
			t.Fatalf("appointment %x never ends: %+v", id, appointment)
		}
	}
}

// TestFixedMeetingBurst: a third of 3000 users start the 10:00 meeting at
// exactly 10:00, as one recurring series.
func TestFixedMeetingBurst(t *testing.T) {
	p := population(t, `name: burst
seed: 12
day: {start: "09:00", length: 2h}
population:
  users: 3000
  personas:
    - name: office
      share: 1
      clients: {devices: []}
      calendar:
        fixed: [{start: "10:00", duration: 1h, share: 0.33, recurring: true}]
`)
	at := p.Offset(10 * time.Hour)
	starts := 0
	series := make(map[uint64]bool)
	for _, event := range only(events(p), KindAppointmentStart) {
		if event.At != at {
			t.Fatalf("a start at %v, want all at 10:00", p.TimeOfDay(event.At))
		}
		starts++
		series[event.Appointment.Series] = true
		if event.Appointment.Status != scenario.StatusBusy {
			t.Fatalf("fixed meeting status %s, want the default busy", event.Appointment.Status)
		}
	}
	if want := 990.0; math.Abs(float64(starts)-want) > 5*math.Sqrt(want*0.67) {
		t.Errorf("%d users start the 10:00 meeting, want ≈ %v", starts, want)
	}
	if len(series) != 1 {
		t.Errorf("the fixed recurring meeting spans %d series, want 1", len(series))
	}
}

// TestSyncIntervalDelaysChanges: with a 7-minute poll (off the
// quarter-hour grid of the meetings), changes become visible on the poll
// grid, and overruns seen only after the old end still leave every
// appointment started and ended in turn.
func TestSyncIntervalDelaysChanges(t *testing.T) {
	p := population(t, `name: sync
seed: 13
day: {start: "07:00", length: 12h}
population:
  users: 500
  personas:
    - name: office
      share: 1
      clients: {devices: []}
      calendar: {meetings_per_day: 4, early_end: {probability: 0.5}, overrun: {probability: 0.5, by: {distribution: exponential, mean: 3m}}, sync_interval: 7m}
`)
	all := events(p)
	checkAppointmentPairs(t, p, all)
	changes := 0
	for _, event := range only(all, KindAppointment) {
		if event.At == 0 {
			continue // the initial publication
		}
		changes++
		if p.TimeOfDay(event.At)%(7*time.Minute) != 0 {
			t.Fatalf("a change visible at %v, off the 7-minute poll grid", p.TimeOfDay(event.At))
		}
	}
	if changes < 1000 {
		t.Errorf("only %d changes", changes)
	}
}

// TestDoNotDisturbInMeetings: with dnd_share 1, every busy meeting start
// that finds no manual state sets do-not-disturb at its start.
func TestDoNotDisturbInMeetings(t *testing.T) {
	p := population(t, `name: dnd
seed: 14
population:
  users: 300
  personas:
    - name: office
      share: 1
      calendar: {meetings_per_day: 2, status: {busy: 1}, dnd_share: 1}
`)
	all := events(p)
	dnd := make(map[int32]map[time.Duration]bool)
	for _, event := range only(all, KindAbsentState) {
		if event.Absent == AbsentDoNotDisturb {
			if dnd[event.User] == nil {
				dnd[event.User] = make(map[time.Duration]bool)
			}
			dnd[event.User][event.At] = true
		}
	}
	matched, total := 0, 0
	for _, event := range only(all, KindAppointmentStart) {
		total++
		if dnd[event.User][event.At] {
			matched++
		}
	}
	// Overlapping meetings keep the first one's DND, so not all match.
	if total == 0 || matched < total*3/4 {
		t.Errorf("%d of %d busy meeting starts set do-not-disturb", matched, total)
	}
}
