package ingest

import (
	"fmt"
	"testing"

	"github.com/ucpresence/presence/engine"
)

// workload is a realistic stream of source events for the tests and
// benchmarks: CTI call lifecycles (offering, connected, disconnected), line
// state flaps and desktop idle toggles, round-robin over the contacts.
// Every episode is whole within one batch and leaves its contact as it
// found it, so replaying the batches in a loop keeps the engine stationary.
type workload struct {
	contacts []string
	batches  [][]byte // NDJSON, written by AppendEvent
	counts   []int    // events per batch
	events   int      // total
}

func contactID(i int) string { return fmt.Sprintf("sip:user%05d@example.com", i) }

func lineURI(i int) string { return fmt.Sprintf("tel:+4930100%05d", i) }

// newWorkload builds batches of at least perBatch events (whole episodes).
func newWorkload(contacts, batches, perBatch int) *workload {
	w := &workload{}
	for i := 0; i < contacts; i++ {
		w.contacts = append(w.contacts, contactID(i))
	}
	episode := 0
	for b := 0; b < batches; b++ {
		var buf []byte
		n := 0
		for n < perBatch {
			var evs []Event
			evs, episode = w.episode(episode), episode+1
			for i := range evs {
				buf = AppendEvent(buf, &evs[i])
			}
			n += len(evs)
		}
		w.batches = append(w.batches, buf)
		w.counts = append(w.counts, n)
		w.events += n
	}
	return w
}

// episode returns the events of episode k.
func (w *workload) episode(k int) []Event {
	c := k % len(w.contacts)
	id := w.contacts[c]
	switch k % 3 {
	case 0:
		call := engine.Call{
			ConnectionID: fmt.Sprintf("conn-%d", k), LineURI: lineURI(c), LineNumber: fmt.Sprintf("+49 30 100 %05d", c),
			RemoteNumber: fmt.Sprintf("+4989%07d", k%10_000_000), TrackerID: fmt.Sprintf("trk-%d", k),
			State: engine.CallOffering, Features: 0x1F, Remote: &engine.ContactData{DisplayName: "Caller " + fmt.Sprint(k%97)},
		}
		events := make([]Event, 3)
		for i, st := range []engine.CallState{engine.CallOffering, engine.CallConnected, engine.CallDisconnected} {
			call.State = st
			events[i] = Event{Op: OpPutCall, Contact: id, ID: fmt.Sprintf("e%d.%d", k, i), Call: call}
		}
		return events
	case 1:
		line := engine.Line{URI: lineURI(c), Number: fmt.Sprintf("+49 30 100 %05d", c), State: engine.LineOffline, Primary: true}
		online := line
		online.State = engine.LineOnline
		return []Event{{Op: OpSetLine, Contact: id, Line: line}, {Op: OpSetLine, Contact: id, Line: online}}
	default:
		return []Event{
			{Op: OpClientIdle, Contact: id, Client: "desktop", Idle: true},
			{Op: OpClientIdle, Contact: id, Client: "desktop", Idle: false},
		}
	}
}

// setup puts the contacts with a desktop client and a primary line online.
func (w *workload) setup(t testing.TB, e *engine.Engine) {
	t.Helper()
	for i, id := range w.contacts {
		err := e.PutContact(id, engine.ContactEntry{Data: &engine.ContactData{DisplayName: fmt.Sprintf("User %d", i)}})
		if err == nil {
			err = e.ClientLogin(id, "desktop", engine.DeviceDesktop)
		}
		if err == nil {
			err = e.SetLine(id, engine.Line{URI: lineURI(i), Number: fmt.Sprintf("+49 30 100 %05d", i), State: engine.LineOnline, Primary: true})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// stateOf is the part of a contact's state the workload changes, to
// compare engines.
type stateOf struct {
	Version uint64
	State   engine.PresenceState
	Lines   string
	Calls   string
}

func snapshotState(e *engine.Engine, id string) stateOf {
	s, ok := e.Snapshot(id)
	if !ok {
		return stateOf{}
	}
	calls := ""
	for _, c := range s.Calls {
		calls += fmt.Sprintf("%+v;", *c)
	}
	return stateOf{Version: s.Version, State: s.State, Lines: fmt.Sprintf("%+v", s.Lines), Calls: calls}
}
