package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// watcherModel is what a client rebuilds from its snapshot and the updates
// it pulled; the property test compares it with the engine at quiescence.
type watcherModel struct {
	w      *Watcher
	events map[string]Section          // subscribed contacts and their event flags
	views  map[string]*Snapshot        // latest section values received, per contact
	calls  map[string]map[string]*Call // calls the client believes exist
	have   map[string]Section          // sections received at least once
}

func newWatcherModel(e *Engine) *watcherModel {
	return &watcherModel{
		w:      e.NewWatcher(WatcherConfig{}),
		events: map[string]Section{},
		views:  map[string]*Snapshot{},
		calls:  map[string]map[string]*Call{},
		have:   map[string]Section{},
	}
}

// apply folds one update into the model and checks call pairing.
func (m *watcherModel) apply(t *testing.T, u Update, snapshot bool) {
	t.Helper()
	if u.Removed {
		if _, ok := m.events[u.ContactID]; !ok {
			t.Fatalf("removal of %s which the watcher does not hold", u.ContactID)
		}
		delete(m.events, u.ContactID)
		delete(m.views, u.ContactID)
		delete(m.calls, u.ContactID)
		delete(m.have, u.ContactID)
		return
	}
	if _, ok := m.events[u.ContactID]; !ok {
		t.Fatalf("update for %s which the watcher does not hold", u.ContactID)
	}
	if !snapshot && u.Changed&^m.events[u.ContactID] != 0 {
		t.Fatalf("update sections %d outside subscribed %d", u.Changed, m.events[u.ContactID])
	}
	v := m.views[u.ContactID]
	if v == nil || snapshot {
		v = &Snapshot{}
		m.views[u.ContactID] = v
	}
	if snapshot {
		m.calls[u.ContactID] = map[string]*Call{}
		m.have[u.ContactID] = 0
	}
	m.have[u.ContactID] |= u.Changed
	s := u.Snapshot
	if u.Changed&SectionPresence != 0 {
		v.State = s.State
	}
	if u.Changed&SectionNote != 0 {
		v.Note = s.Note
	}
	if u.Changed&SectionLines != 0 {
		v.Lines = s.Lines
	}
	if u.Changed&SectionAbsentState != 0 {
		v.Absent = s.Absent
	}
	if u.Changed&SectionAppointments != 0 {
		v.ActiveAppointments = s.ActiveAppointments
	}
	if u.Changed&SectionAgent != 0 {
		v.Agent = s.Agent
	}
	if u.Changed&SectionCalls != 0 {
		calls := m.calls[u.ContactID]
		for _, c := range u.Calls {
			_, exists := calls[c.Call.ConnectionID]
			switch c.Action {
			case CallAdded:
				if exists {
					t.Fatalf("%s: call %s added twice", u.ContactID, c.Call.ConnectionID)
				}
				calls[c.Call.ConnectionID] = c.Call
			case CallChanged:
				if !exists {
					t.Fatalf("%s: change of unseen call %s", u.ContactID, c.Call.ConnectionID)
				}
				calls[c.Call.ConnectionID] = c.Call
			case CallRemoved:
				if !exists {
					t.Fatalf("%s: removal of unseen call %s", u.ContactID, c.Call.ConnectionID)
				}
				delete(calls, c.Call.ConnectionID)
			}
		}
	}
}

func (m *watcherModel) pull(t *testing.T) {
	t.Helper()
	for _, u := range m.w.Pull(nil) {
		m.apply(t, u, false)
	}
}

// check compares the model with the engine for every subscribed section.
func (m *watcherModel) check(t *testing.T, e *Engine) {
	t.Helper()
	for id, events := range m.events {
		s, ok := e.Snapshot(id)
		if !ok {
			t.Fatalf("watcher holds %s, which is gone", id)
		}
		v := m.views[id]
		if events&SectionPresence != 0 && v.State != s.State {
			t.Fatalf("%s: state %#x, engine %#x", id, v.State, s.State)
		}
		if events&SectionNote != 0 && v.Note.Text != s.Note.Text {
			t.Fatalf("%s: note %q, engine %q", id, v.Note.Text, s.Note.Text)
		}
		if events&SectionLines != 0 && !slices.Equal(v.Lines, s.Lines) {
			t.Fatalf("%s: lines %v, engine %v", id, v.Lines, s.Lines)
		}
		if events&SectionAbsentState != 0 && v.Absent.Kind != s.Absent.Kind {
			t.Fatalf("%s: absent %d, engine %d", id, v.Absent.Kind, s.Absent.Kind)
		}
		if events&SectionAppointments != 0 && !sameAppointments(v.ActiveAppointments, s.ActiveAppointments) {
			t.Fatalf("%s: appointments differ", id)
		}
		if events&SectionAgent != 0 && v.Agent.State != s.Agent.State {
			t.Fatalf("%s: agent %d, engine %d", id, v.Agent.State, s.Agent.State)
		}
		if events&SectionCalls != 0 {
			calls := m.calls[id]
			if len(calls) != len(s.Calls) {
				t.Fatalf("%s: %d calls, engine %d", id, len(calls), len(s.Calls))
			}
			for _, c := range s.Calls {
				if calls[c.ConnectionID] != c {
					t.Fatalf("%s: call %s differs", id, c.ConnectionID)
				}
			}
		}
	}
}

func TestPropertyRandomInterleavings(t *testing.T) {
	seeds := 40
	steps := 3000
	if testing.Short() {
		seeds, steps = 10, 1000
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runProperty(t, uint64(seed), steps) })
	}
}

func runProperty(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	e, clock := newTestEngine(t)
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:u%d@x", i)
		mustPut(t, e, ids[i])
	}
	models := make([]*watcherModel, 5)
	for i := range models {
		models[i] = newWatcherModel(e)
	}
	flagChoices := []Section{SectionsDefault, SectionsContact, SectionCalls | SectionPresence, SectionNote, SectionLines | SectionAgent | SectionAppointments}
	callSeq := 0
	for step := 0; step < steps; step++ {
		id := ids[r.IntN(len(ids))]
		m := models[r.IntN(len(models))]
		var err error
		switch op := r.IntN(20); op {
		case 0, 1:
			err = e.SetNote(id, []string{"", "a", "b"}[r.IntN(3)])
		case 2:
			err = e.SetLine(id, Line{URI: fmt.Sprintf("tel:%d", r.IntN(2)), State: LineState(r.IntN(2)), Primary: r.IntN(2) == 0})
		case 3, 4, 5:
			s, ok := e.Snapshot(id)
			if ok && len(s.Calls) > 0 && r.IntN(2) == 0 {
				c := *s.Calls[r.IntN(len(s.Calls))]
				c.State = []CallState{CallConnected, CallHold, CallDisconnected}[r.IntN(3)]
				err = e.PutCall(id, c)
			} else {
				callSeq++
				err = e.PutCall(id, Call{ConnectionID: fmt.Sprint("c", callSeq), State: CallOffering})
			}
		case 6:
			s, ok := e.Snapshot(id)
			if ok && len(s.Calls) > 0 {
				err = e.RemoveCall(id, s.Calls[0].ConnectionID)
			}
		case 7:
			err = e.SetAbsentState(id, AbsentState{Kind: AbsentKind(r.IntN(5))})
		case 8:
			switch r.IntN(3) {
			case 0:
				err = e.ClientLogin(id, fmt.Sprint("cl", r.IntN(2)), Device(r.IntN(3)))
			case 1:
				err = e.ClientLogout(id, fmt.Sprint("cl", r.IntN(2)))
			default:
				err = e.SetClientIdle(id, fmt.Sprint("cl", r.IntN(2)), r.IntN(2) == 0)
			}
		case 9:
			start := clock.Now().Add(time.Duration(r.IntN(60)) * time.Minute)
			err = e.SetAppointments(id, []Appointment{{EntryID: "m", Start: start, End: start.Add(30 * time.Minute), Status: AppointmentStatus(r.IntN(4))}})
		case 10:
			clock.Advance(time.Duration(r.IntN(40)) * time.Minute)
			e.Tick()
		case 11:
			err = e.SetAgentState(id, AgentState{State: AgentStateKind(r.IntN(5))})
		case 12:
			if r.IntN(4) == 0 {
				err = e.RemoveContact(id)
				if err == nil {
					mustPut(t, e, id)
				}
			}
		case 13, 14:
			sub := []string{ids[r.IntN(len(ids))], ids[r.IntN(len(ids))], id}
			events := flagChoices[r.IntN(len(flagChoices))]
			snaps, missing, err := m.w.Subscribe(sub, SubscribeOptions{Events: events}, nil)
			if err != nil || len(missing) != 0 {
				t.Fatalf("subscribe: %v %v", err, missing)
			}
			for _, id := range sub {
				m.events[id] = events
			}
			for _, u := range snaps {
				m.apply(t, u, true)
			}
		case 15:
			m.w.Unsubscribe([]string{id})
			delete(m.events, id)
			delete(m.views, id)
			delete(m.calls, id)
		default:
			m.pull(t)
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	for _, m := range models {
		m.pull(t)
		m.check(t, e)
		if got := m.w.Subscriptions(); got != len(m.events) {
			t.Fatalf("watcher holds %d subscriptions, model %d", got, len(m.events))
		}
	}
}
