package engine

import (
	"fmt"
	"testing"
	"time"
)

// Each row here is a row of docs/PRESENCE-RULES.md (same id).
func TestComputeStateRules(t *testing.T) {
	now := t0
	desktop := []ClientSession{{Device: DeviceDesktop}}
	call := func(s CallState) []*Call { return []*Call{{ConnectionID: "c", LineURI: "tel:1", State: s}} }
	appt := func(st AppointmentStatus) []Appointment {
		return []Appointment{{EntryID: "m", Start: now.Add(-time.Minute), End: now.Add(time.Hour), Status: st}}
	}
	manual := func(k AbsentKind) AbsentState { return AbsentState{Kind: k} }
	notSet := manual(AbsentNotSet)
	rows := []struct {
		id   string
		in   StateInputs
		want PresenceState
	}{
		{"R1 nothing, no client", StateInputs{Manual: notSet}, StateAvailable | FlagOffline},
		{"R2 desktop client", StateInputs{Manual: notSet, Clients: desktop}, StateAvailable},
		{"R3 manual DND", StateInputs{Manual: manual(AbsentDoNotDisturb), Clients: desktop}, StateDoNotDisturb},
		{"R3 manual DND beats a ringing call", StateInputs{Manual: manual(AbsentDoNotDisturb), ManualOverridden: true, Calls: call(CallOffering), Clients: desktop}, StateDoNotDisturb | FlagRinging},
		{"R4 ringing call", StateInputs{Manual: notSet, Calls: call(CallOffering), Clients: desktop}, StateBusy | FlagRinging},
		{"R5 connected call", StateInputs{Manual: notSet, Calls: call(CallConnected), Clients: desktop}, StateBusy | FlagCall},
		{"R6 dialing", StateInputs{Manual: notSet, Calls: call(CallDialing), Clients: desktop}, StateBusy | FlagCall},
		{"R6 ringback", StateInputs{Manual: notSet, Calls: call(CallRingback), Clients: desktop}, StateBusy | FlagCall},
		{"R6 busy tone", StateInputs{Manual: notSet, Calls: call(CallBusy), Clients: desktop}, StateBusy | FlagCall},
		{"R6 hold", StateInputs{Manual: notSet, Calls: call(CallHold), Clients: desktop}, StateBusy | FlagCall},
		{"R6 conferenced", StateInputs{Manual: notSet, Calls: call(CallConferenced), Clients: desktop}, StateBusy | FlagCall | FlagConferencing},
		{"R7 disconnected", StateInputs{Manual: notSet, Calls: call(CallDisconnected), Clients: desktop}, StateAvailable},
		{"R7 prepare", StateInputs{Manual: notSet, Calls: call(CallPrepare), Clients: desktop}, StateAvailable},
		{"R7 unknown", StateInputs{Manual: notSet, Calls: call(CallUnknown), Clients: desktop}, StateAvailable},
		{"R8 A/V call", StateInputs{Manual: notSet, Calls: []*Call{{ConnectionID: "av", State: CallConnected, JournalType: JournalAudioVideoChat}}, Clients: desktop}, StateBusy | FlagCall},
		{"R8 Bluetooth ringing", StateInputs{Manual: notSet, Calls: []*Call{{ConnectionID: "bt", State: CallOffering, JournalType: JournalBluetoothMobile}}, Clients: desktop}, StateBusy | FlagRinging},
		{"R9 busy appointment", StateInputs{Manual: notSet, ActiveAppointments: appt(AppointmentBusy), Clients: desktop}, StateBusy | FlagAppointment},
		{"R10 out-of-office appointment", StateInputs{Manual: notSet, ActiveAppointments: appt(AppointmentOutOfOffice), Clients: desktop}, StateAbsent | FlagAppointment},
		{"R11 free appointment", StateInputs{Manual: notSet, ActiveAppointments: appt(AppointmentFree), Clients: desktop}, StateAvailable | FlagAppointment},
		{"R11 tentative appointment", StateInputs{Manual: notSet, ActiveAppointments: appt(AppointmentTentative), Clients: desktop}, StateAvailable | FlagAppointment},
		{"R12 call beats appointment", StateInputs{Manual: notSet, Calls: call(CallConnected), ActiveAppointments: appt(AppointmentOutOfOffice), Clients: desktop}, StateBusy | FlagCall | FlagAppointment},
		{"R12 out-of-office beats busy appointment", StateInputs{Manual: notSet, ActiveAppointments: append(appt(AppointmentBusy), appt(AppointmentOutOfOffice)...), Clients: desktop}, StateAbsent | FlagAppointment},
		{"R13 manual out of office", StateInputs{Manual: manual(AbsentOutOfOffice), Clients: desktop}, StateAbsent},
		{"R13 manual busy", StateInputs{Manual: manual(AbsentBusy), Clients: desktop}, StateBusy},
		{"R13 manual available", StateInputs{Manual: manual(AbsentAvailable), Clients: desktop}, StateAvailable},
		{"R14 manual set after the appointment wins", StateInputs{Manual: manual(AbsentOutOfOffice), ActiveAppointments: appt(AppointmentBusy), Clients: desktop}, StateAbsent | FlagAppointment},
		{"R14 manual available during a busy appointment", StateInputs{Manual: manual(AbsentAvailable), ActiveAppointments: appt(AppointmentBusy), Clients: desktop}, StateAvailable | FlagAppointment},
		{"R15 overridden manual: call wins", StateInputs{Manual: manual(AbsentOutOfOffice), ManualOverridden: true, Calls: call(CallConnected), Clients: desktop}, StateBusy | FlagCall},
		{"R16 manual before its window", StateInputs{Now: now, Manual: AbsentState{Kind: AbsentOutOfOffice, From: now.Add(time.Hour)}, Clients: desktop}, StateAvailable},
		{"R16 manual inside its window", StateInputs{Now: now, Manual: AbsentState{Kind: AbsentOutOfOffice, From: now.Add(-time.Hour), To: now.Add(time.Hour)}, Clients: desktop}, StateAbsent},
		{"R16 manual after its window", StateInputs{Now: now, Manual: AbsentState{Kind: AbsentOutOfOffice, To: now}, Clients: desktop}, StateAvailable},
		{"R17 all desktops idle", StateInputs{Manual: notSet, Clients: []ClientSession{{Device: DeviceDesktop, Idle: true}, {Device: DeviceWeb, Idle: true}}}, StateAvailable | FlagIdle},
		{"R17 one desktop active", StateInputs{Manual: notSet, Clients: []ClientSession{{Device: DeviceDesktop, Idle: true}, {Device: DeviceWeb}}}, StateAvailable},
		{"R17 mobile only", StateInputs{Manual: notSet, Clients: []ClientSession{{Device: DeviceMobile}}}, StateAvailable | FlagIdle | FlagMobileAvailable},
		{"R18 mobile and active desktop", StateInputs{Manual: notSet, Clients: []ClientSession{{Device: DeviceMobile}, {Device: DeviceDesktop}}}, StateAvailable | FlagMobileAvailable},
		{"R19 note set", StateInputs{Manual: notSet, NoteSet: true, Clients: desktop}, StateAvailable | FlagNoteSet},
		{"R20 agent working after call", StateInputs{Manual: notSet, Agent: AgentWorkingAfterCall, Clients: desktop}, StateBusy | FlagWorkingAfterCall},
		{"R20 agent ready", StateInputs{Manual: notSet, Agent: AgentReady, Clients: desktop}, StateAvailable},
		{"R21 conference controller call", StateInputs{Manual: notSet, Calls: []*Call{{ConnectionID: "c", State: CallConnected, Type: CallTypeConferenceController}}, Clients: desktop}, StateBusy | FlagCall | FlagConferencing},
		{"R22 offline keeps the base state", StateInputs{Manual: notSet, Calls: call(CallConnected)}, StateBusy | FlagCall | FlagOffline},
	}
	for _, r := range rows {
		if got := ComputeState(&r.in); got != r.want {
			t.Errorf("%s: got %#x want %#x", r.id, got, r.want)
		}
	}
}

func TestOverrideRule(t *testing.T) {
	rows := []struct {
		id             string
		overridden     bool
		prev, next     PresenceState
		wantOverridden bool
	}{
		{"O1 no system change keeps it applied", false, StateAvailable, StateAvailable, false},
		{"O2 new system state busy overrides", false, StateAvailable, StateBusy, true},
		{"O2 new system state absent overrides", false, StateBusy, StateAbsent, true},
		{"O3 system back to available re-applies", true, StateBusy, StateAvailable, false},
		{"O2 a call during a busy meeting overrides", false, StateBusy | FlagAppointment, StateBusy | FlagAppointment | FlagRinging, true},
		{"O3 a free appointment is available: re-applies", true, StateBusy | FlagCall, StateAvailable | FlagAppointment, false},
		{"O4 same system state keeps overridden", true, StateBusy, StateBusy, true},
		{"O4 same system state keeps applied", false, StateBusy, StateBusy, false},
	}
	for _, r := range rows {
		if got := Override(r.overridden, r.prev, r.next); got != r.wantOverridden {
			t.Errorf("%s: got %v", r.id, got)
		}
	}
}

// TestOverrideSequence runs the documented override rule through the engine.
func TestOverrideSequence(t *testing.T) {
	e, clock := newTestEngine(t)
	mustPut(t, e, "a")
	must(t, e.ClientLogin("a", "pc", DeviceDesktop))
	state := func() PresenceState { s, _ := e.Snapshot("a"); return s.State }
	must(t, e.SetAppointments("a", []Appointment{{EntryID: "m1", Start: t0.Add(-time.Minute), End: t0.Add(time.Hour), Status: AppointmentBusy}}))
	if state() != StateBusy|FlagAppointment {
		t.Fatalf("in meeting: %#x", state())
	}
	must(t, e.SetAbsentState("a", AbsentState{Kind: AbsentOutOfOffice}))
	if state() != StateAbsent|FlagAppointment {
		t.Fatalf("manual set during meeting must override: %#x", state())
	}
	must(t, e.PutCall("a", Call{ConnectionID: "c", State: CallOffering}))
	if state() != StateBusy|FlagRinging|FlagAppointment {
		t.Fatalf("new call must override manual: %#x", state())
	}
	must(t, e.PutCall("a", Call{ConnectionID: "c", State: CallConnected}))
	must(t, e.RemoveCall("a", "c"))
	// System back to busy (meeting), not available: the call's override holds.
	if state() != StateBusy|FlagAppointment {
		t.Fatalf("after call, meeting still on: %#x", state())
	}
	clock.Advance(2 * time.Hour)
	e.Tick()
	if state() != StateAbsent {
		t.Fatalf("system back to available: manual applies again: %#x", state())
	}
	must(t, e.ResetAbsentState("a"))
	if state() != StateAvailable {
		t.Fatalf("reset: %#x", state())
	}
}

func TestCalendarOnVirtualClock(t *testing.T) {
	e, clock := newTestEngine(t)
	mustPut(t, e, "a")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{}, nil)
	must(t, err)
	far := Appointment{EntryID: "far", Start: t0.Add(40 * 24 * time.Hour), End: t0.Add(40*24*time.Hour + time.Hour), Status: AppointmentBusy}
	m := Appointment{EntryID: "m", Start: t0.Add(time.Hour), End: t0.Add(90 * time.Minute), Status: AppointmentOutOfOffice}
	must(t, e.SetAppointments("a", []Appointment{far, m}))
	s, _ := e.Snapshot("a")
	if s.NextAppointment == nil || s.NextAppointment.EntryID != "m" || len(s.NextAppointments) != 1 || len(s.ActiveAppointments) != 0 {
		t.Fatalf("next %+v list %d active %d", s.NextAppointment, len(s.NextAppointments), len(s.ActiveAppointments))
	}
	w.Pull(nil)
	clock.Advance(59 * time.Minute)
	e.Tick()
	if w.Pending() {
		t.Fatal("change before the start")
	}
	clock.Advance(time.Minute)
	e.Tick()
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed != SectionAppointments|SectionPresence {
		t.Fatalf("at start: %+v", ups)
	}
	if st := ups[0].Snapshot.State; st != StateAbsent|FlagAppointment|FlagOffline {
		t.Fatalf("state %#x", st)
	}
	if ups[0].Snapshot.NextAppointment != nil {
		t.Fatal("far appointment is beyond 30 days")
	}
	clock.Advance(30 * time.Minute)
	e.Tick()
	s, _ = e.Snapshot("a")
	if len(s.ActiveAppointments) != 0 || s.State != StateAvailable|FlagOffline {
		t.Fatalf("after end: %d active, %#x", len(s.ActiveAppointments), s.State)
	}
	// 40 days ahead enters the 30-day window at day 10.
	clock.Set(far.Start.Add(-30*24*time.Hour + time.Second))
	e.Tick()
	s, _ = e.Snapshot("a")
	if s.NextAppointment == nil || s.NextAppointment.EntryID != "far" {
		t.Fatalf("far appointment did not enter the window: %+v", s.NextAppointment)
	}
}

func TestAbsentWindowExpires(t *testing.T) {
	e, clock := newTestEngine(t)
	mustPut(t, e, "a")
	must(t, e.ClientLogin("a", "pc", DeviceDesktop))
	must(t, e.SetAbsentState("a", AbsentState{Kind: AbsentBusy, From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}))
	state := func() PresenceState { s, _ := e.Snapshot("a"); return s.State }
	if state() != StateAvailable {
		t.Fatalf("before window %#x", state())
	}
	clock.Advance(time.Hour)
	e.Tick()
	if state() != StateBusy {
		t.Fatalf("inside window %#x", state())
	}
	clock.Advance(time.Hour)
	e.Tick()
	s, _ := e.Snapshot("a")
	if s.State != StateAvailable || s.Absent.Kind != AbsentNotSet {
		t.Fatalf("after window %#x kind %d", s.State, s.Absent.Kind)
	}
}

func TestSchedulerGoroutine(t *testing.T) {
	e, err := New(Config{})
	must(t, err)
	defer e.Close()
	mustPut(t, e, "a")
	start := time.Now().Add(50 * time.Millisecond)
	must(t, e.SetAppointments("a", []Appointment{{EntryID: "m", Start: start, End: start.Add(time.Hour), Status: AppointmentBusy}}))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s, _ := e.Snapshot("a"); s.State.Base() == StateBusy {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("appointment never became active on the wall clock")
}

// TestAbsentStateAtMeetingStartKeepsTheMeeting: setting a manual state at a
// boundary that is due but not yet ticked must not skip the boundary (found
// by the simulator's oracle).
func TestAbsentStateAtMeetingStartKeepsTheMeeting(t *testing.T) {
	e, clock := newTestEngine(t)
	mustPut(t, e, "a")
	must(t, e.SetAppointments("a", []Appointment{{EntryID: "m", Start: t0.Add(time.Minute), End: t0.Add(time.Hour), Status: AppointmentBusy}}))
	clock.Set(t0.Add(time.Minute))
	must(t, e.SetAbsentState("a", AbsentState{Kind: AbsentDoNotDisturb}))
	e.Tick()
	s, _ := e.Snapshot("a")
	if len(s.ActiveAppointments) != 1 || s.State&FlagAppointment == 0 {
		t.Fatalf("meeting lost: %d active, state %v", len(s.ActiveAppointments), s.State)
	}
}

// TestTickBatchesWakeUps: when many appointments start at the same instant,
// a watcher that follows several of them is woken once per batch, not once
// per contact: its first wake-up comes after every boundary of the run was
// applied or after wakeBatchAge, and one pull then gets them together.
func TestTickBatchesWakeUps(t *testing.T) {
	e, clock := newTestEngine(t)
	const n = 2000
	ids := make([]string, n)
	start := t0.Add(time.Hour)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%04d", i)
		mustPut(t, e, ids[i])
		must(t, e.SetAppointments(ids[i], []Appointment{{EntryID: "m", Start: start, End: start.Add(time.Hour), Status: AppointmentBusy}}))
	}
	type wake struct {
		at        time.Time
		published int // contacts showing the meeting at the wake-up
	}
	var wakes []wake
	var tickStarted time.Time
	w := e.NewWatcher(WatcherConfig{Notify: func() {
		at := time.Now()
		published := 0
		for _, id := range ids {
			if s, _ := e.Snapshot(id); len(s.ActiveAppointments) > 0 {
				published++
			}
		}
		wakes = append(wakes, wake{at, published})
	}})
	_, _, err := w.Subscribe(ids, SubscribeOptions{}, nil)
	must(t, err)
	w.Pull(nil)
	wakes = nil
	clock.Set(start)
	tickStarted = time.Now()
	if got := e.Tick(); got != n {
		t.Fatalf("Tick refreshed %d contacts, want %d", got, n)
	}
	if len(wakes) != 1 {
		t.Fatalf("%d wake-ups for a watcher that did not pull, want 1", len(wakes))
	}
	if first := wakes[0]; first.published < n && first.at.Sub(tickStarted) < wakeBatchAge {
		t.Fatalf("woken %v into the run with %d of %d boundaries applied: not batched", first.at.Sub(tickStarted), first.published, n)
	}
	if ups := w.Pull(nil); len(ups) != n {
		t.Fatalf("pulled %d updates, want %d", len(ups), n)
	}
}
