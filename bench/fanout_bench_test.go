package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// BenchmarkFanoutEncode spans the engine and the protocol encoder: a
// producer changes calls (offering → connected → removed, so the state word
// and the calls section change) on 64 contacts while two consumer
// goroutines, standing in for connection writers, pull 256 watchers
// (16 random contacts each: fan-out 64) and encode every update to the
// asnUpdatePresenceV2 wire message. One op is one source update; the clock
// stops when every watcher has caught up.
//
//   - engine: the sharded engine with coalescing pulls and the
//     hand-written allocation-free encoder (protocol.AppendUpdatePresenceV2Event);
//   - naive: a mutex-guarded map, a per-watcher event queue (every event
//     encoded) and the generic reflection encoder (protocol.AppendEvent).
//
// Figures: updates/s, encodes/s, encodes/update (coalescing), B/op.
func BenchmarkFanoutEncode(b *testing.B) {
	b.Run("engine", benchFanoutEngine)
	b.Run("naive", benchFanoutNaive)
}

const (
	fanContacts = 64
	fanWatchers = 256
	fanPerWatch = 16
)

// fanGraph returns, per watcher, the contacts it watches (fixed seed).
func fanGraph() (ids []string, watching [][]int) {
	ids = make([]string, fanContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@bench", i)
	}
	r := rand.New(rand.NewPCG(7, 11))
	watching = make([][]int, fanWatchers)
	for w := range watching {
		watching[w] = append(watching[w], r.Perm(fanContacts)[:fanPerWatch]...)
	}
	return ids, watching
}

// callStep is source update i: the call of contact i%64 goes offering,
// connected, removed in turn.
func callStep(i int) (contact int, state engine.CallState, remove bool) {
	contact = i % fanContacts
	switch (i / fanContacts) % 3 {
	case 0:
		return contact, engine.CallOffering, false
	case 1:
		return contact, engine.CallConnected, false
	}
	return contact, 0, true
}

var updatePresenceV2, _ = protocol.OperationByName("asnUpdatePresenceV2")

// wirePresence fills p with the changed state and calls of an update.
func wirePresence(p *protocol.AsnPresenceV2, calls *[]protocol.AsnPresenceCallV2, id string, changed engine.Section, state engine.PresenceState, deltas []engine.CallChange) {
	*p = protocol.AsnPresenceV2{ContactID: id}
	if changed&engine.SectionPresence != 0 {
		p.PresenceState = protocol.Some(int64(state))
	}
	if changed&engine.SectionCalls != 0 {
		*calls = (*calls)[:0]
		for _, d := range deltas {
			*calls = append(*calls, protocol.AsnPresenceCallV2{Action: int64(d.Action), ConnectionID: d.Call.ConnectionID, CallState: int64(d.Call.State)})
		}
		if len(*calls) == 0 {
			*calls = []protocol.AsnPresenceCallV2{}
		}
		p.Calls = *calls
	}
}

func benchFanoutEngine(b *testing.B) {
	ids, watching := fanGraph()
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, id := range ids {
		if err := e.PutContact(id, engine.ContactEntry{Data: &engine.ContactData{DisplayName: id}}); err != nil {
			b.Fatal(err)
		}
	}
	watchers := make([]*engine.Watcher, fanWatchers)
	for w, list := range watching {
		watchers[w] = e.NewWatcher(engine.WatcherConfig{})
		var sub []string
		for _, c := range list {
			sub = append(sub, ids[c])
		}
		if _, _, err := watchers[w].Subscribe(sub, engine.SubscribeOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Bool
	var encodes atomic.Int64
	var consumers sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < 2; g++ {
		consumers.Add(1)
		go func(mine []*engine.Watcher) {
			defer consumers.Done()
			buf := make([]byte, 0, 4096)
			updates := make([]engine.Update, 0, fanPerWatch)
			var p protocol.AsnPresenceV2
			var calls []protocol.AsnPresenceCallV2
			n := int64(0)
			for {
				finished := done.Load() // read before the sweep: a clean sweep after it means caught up
				pulled := 0
				for _, w := range mine {
					updates = w.Pull(updates[:0])
					for i := range updates {
						u := &updates[i]
						wirePresence(&p, &calls, u.ContactID, u.Changed, u.Snapshot.State, u.Calls)
						buf = protocol.AppendUpdatePresenceV2Event(buf[:0], &p, uint32(u.Changed), true)
					}
					pulled += len(updates)
				}
				n += int64(pulled)
				if pulled == 0 {
					if finished {
						break
					}
					runtime.Gosched()
				}
			}
			encodes.Add(n)
		}(watchers[g*fanWatchers/2 : (g+1)*fanWatchers/2])
	}
	for i := 0; i < b.N; i++ {
		c, state, remove := callStep(i)
		if remove {
			_ = e.RemoveCall(ids[c], "call")
		} else {
			_ = e.PutCall(ids[c], engine.Call{ConnectionID: "call", State: state, RemoteNumber: "+4930123456"})
		}
	}
	done.Store(true)
	consumers.Wait()
	report(b, start, encodes.Load())
}

func report(b *testing.B, start time.Time, encodes int64) {
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "updates/s")
	b.ReportMetric(float64(encodes)/elapsed, "encodes/s")
	b.ReportMetric(float64(encodes)/float64(b.N), "encodes/update")
}

// naiveContact is the baseline's contact: state and calls under the
// map's mutex.
type naiveContact struct {
	state    engine.PresenceState
	call     *engine.Call
	watchers []*naiveQueue
}

// naiveEvent is one queued change, encoded when pulled.
type naiveEvent struct {
	id      string
	changed engine.Section
	state   engine.PresenceState
	calls   []engine.CallChange
}

// naiveQueue is a watcher's event queue.
type naiveQueue struct {
	mu     sync.Mutex // guards events
	events []naiveEvent
}

func benchFanoutNaive(b *testing.B) {
	ids, watching := fanGraph()
	var mu sync.Mutex // guards contacts and every contact's fields
	contacts := map[string]*naiveContact{}
	for _, id := range ids {
		contacts[id] = &naiveContact{state: engine.StateAvailable}
	}
	queues := make([]*naiveQueue, fanWatchers)
	for w, list := range watching {
		queues[w] = &naiveQueue{}
		for _, c := range list {
			contacts[ids[c]].watchers = append(contacts[ids[c]].watchers, queues[w])
		}
	}
	var done atomic.Bool
	var encodes atomic.Int64
	var consumers sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < 2; g++ {
		consumers.Add(1)
		go func(mine []*naiveQueue) {
			defer consumers.Done()
			var buf []byte
			var batch []naiveEvent
			var p protocol.AsnPresenceV2
			var calls []protocol.AsnPresenceCallV2
			n := int64(0)
			for {
				finished := done.Load()
				pulled := 0
				for _, q := range mine {
					q.mu.Lock()
					batch = append(batch[:0], q.events...)
					q.events = q.events[:0]
					q.mu.Unlock()
					for i := range batch {
						ev := &batch[i]
						wirePresence(&p, &calls, ev.id, ev.changed, ev.state, ev.calls)
						var err error
						buf, err = protocol.AppendEvent(buf[:0], updatePresenceV2, &protocol.AsnUpdatePresenceV2Argument{Presence: p, ChangedFlags: int64(ev.changed)}, true)
						if err != nil {
							panic(err)
						}
					}
					pulled += len(batch)
				}
				n += int64(pulled)
				if pulled == 0 {
					if finished {
						break
					}
					runtime.Gosched()
				}
			}
			encodes.Add(n)
		}(queues[g*fanWatchers/2 : (g+1)*fanWatchers/2])
	}
	for i := 0; i < b.N; i++ {
		c, state, remove := callStep(i)
		mu.Lock()
		ct := contacts[ids[c]]
		var delta engine.CallChange
		if remove {
			delta = engine.CallChange{Action: engine.CallRemoved, Call: ct.call}
			ct.call, ct.state = nil, engine.StateAvailable
		} else {
			action := engine.CallChanged
			if ct.call == nil {
				action = engine.CallAdded
			}
			ct.call = &engine.Call{ConnectionID: "call", State: state, RemoteNumber: "+4930123456"}
			ct.state = engine.StateBusy
			delta = engine.CallChange{Action: action, Call: ct.call}
		}
		ev := naiveEvent{id: ids[c], changed: engine.SectionPresence | engine.SectionCalls, state: ct.state, calls: []engine.CallChange{delta}}
		for _, q := range ct.watchers {
			q.mu.Lock()
			q.events = append(q.events, ev)
			q.mu.Unlock()
		}
		mu.Unlock()
	}
	done.Store(true)
	consumers.Wait()
	report(b, start, encodes.Load())
}
