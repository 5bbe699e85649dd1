package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ucpresence/presence/engine"
)

// runDemo drives an embedded engine through a short virtual morning and
// prints what two watchers with different rights receive.
func runDemo(out io.Writer) error {
	start := time.Date(2026, 11, 25, 7, 55, 0, 0, time.UTC)
	clock := engine.NewVirtualClock(start)
	e, err := engine.New(engine.Config{Clock: clock, ManualTick: true})
	if err != nil {
		return err
	}
	defer e.Close()
	for _, u := range []struct{ id, name string }{
		{"sip:alice@example.com", "Alice Adler"}, {"sip:bob@example.com", "Bob Berg"}, {"sip:carol@example.com", "Carol Cruz"},
	} {
		if err := e.PutContact(u.id, engine.ContactEntry{Data: &engine.ContactData{DisplayName: u.name, JobTitle: "Engineer", PhoneHome: "+49 89 555"}}); err != nil {
			return err
		}
	}
	bob := "sip:bob@example.com"
	// Bob grants Alice "Team" and Carol "Public".
	if _, err := e.SetDynamicRights(bob, bob, "sip:alice@example.com", engine.LevelTeam, nil); err != nil {
		return err
	}
	if _, err := e.SetDynamicRights(bob, bob, "sip:carol@example.com", engine.LevelPublic, nil); err != nil {
		return err
	}
	watchers := map[string]*engine.Watcher{}
	for _, user := range []string{"sip:alice@example.com", "sip:carol@example.com"} {
		w := e.NewWatcher(engine.WatcherConfig{User: user})
		snaps, _, err := w.Subscribe([]string{bob}, engine.SubscribeOptions{}, nil)
		if err != nil {
			return err
		}
		watchers[user] = w
		fmt.Fprintf(out, "%s  %-22s subscribes to %s: %s, job title %q, home phone %q\n",
			clock.Now().Format("15:04"), user, bob, snaps[0].Snapshot.State, snaps[0].Snapshot.Data.JobTitle, snaps[0].Snapshot.Data.PhoneHome)
	}
	steps := []struct {
		at   time.Duration
		what string
		do   func() error
	}{
		{5 * time.Minute, "Bob logs in on his desktop", func() error { return e.ClientLogin(bob, "desktop-1", engine.DeviceDesktop) }},
		{6 * time.Minute, "Bob's line comes up", func() error {
			return e.SetLine(bob, engine.Line{URI: "tel:+4989100", Number: "100", State: engine.LineOnline, Primary: true})
		}},
		{7 * time.Minute, "a call rings on Bob's line", func() error {
			return e.PutCall(bob, engine.Call{ConnectionID: "call-1", LineURI: "tel:+4989100", State: engine.CallOffering, RemoteNumber: "+49301234"})
		}},
		{8 * time.Minute, "Bob answers", func() error {
			return e.PutCall(bob, engine.Call{ConnectionID: "call-1", LineURI: "tel:+4989100", State: engine.CallConnected, RemoteNumber: "+49301234"})
		}},
		{15 * time.Minute, "the call ends", func() error { return e.RemoveCall(bob, "call-1") }},
		{16 * time.Minute, "Bob's calendar syncs: a meeting 08:30-09:00", func() error {
			m := start.Add(35 * time.Minute)
			return e.SetAppointments(bob, []engine.Appointment{{EntryID: "m1", Subject: "Design review", Start: m, End: m.Add(30 * time.Minute), Status: engine.AppointmentBusy}})
		}},
		{35 * time.Minute, "the meeting starts (engine clock)", func() error { e.Tick(); return nil }},
		{40 * time.Minute, "Bob sets a note", func() error { return e.SetNote(bob, "In the design review") }},
		{65 * time.Minute, "the meeting ends", func() error { e.Tick(); return nil }},
		{70 * time.Minute, "Bob's screen locks", func() error { return e.SetClientIdle(bob, "desktop-1", true) }},
	}
	for _, s := range steps {
		clock.Set(start.Add(s.at))
		if err := s.do(); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s  -- %s\n", clock.Now().Format("15:04"), s.what)
		for _, user := range []string{"sip:alice@example.com", "sip:carol@example.com"} {
			for _, u := range watchers[user].Pull(nil) {
				line := fmt.Sprintf("%s     %-22s <- %s [%s] %s", clock.Now().Format("15:04"), user, u.ContactID, u.Changed, u.Snapshot.State)
				for _, c := range u.Calls {
					line += fmt.Sprintf(" call %s %s", c.Call.ConnectionID, [...]string{"added", "changed", "removed"}[c.Action])
				}
				if u.Changed&engine.SectionNote != 0 {
					line += fmt.Sprintf(" note %q", u.Snapshot.Note.Text)
				}
				fmt.Fprintln(out, line)
			}
		}
	}
	var st engine.Stats
	e.Stats(&st)
	fmt.Fprintf(out, "engine: %d contacts, %d subscriptions, %d source updates, %d deliveries\n", st.Contacts, st.Subscriptions, st.Updates, st.Deliveries)
	return nil
}
