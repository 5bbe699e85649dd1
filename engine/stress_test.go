package engine

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStressConcurrent runs writers, subscribers and pullers at once (run it
// with -race). Each model-checked watcher is owned by one goroutine; after
// the writers stop, every model must equal the engine.
func TestStressConcurrent(t *testing.T) {
	e, clock := newTestEngine(t)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:s%d@x", i)
		mustPut(t, e, ids[i])
	}
	duration := 300 * time.Millisecond
	if testing.Short() {
		duration = 100 * time.Millisecond
	}
	var stop atomic.Bool
	var writers, others sync.WaitGroup
	for g := 0; g < 3; g++ {
		writers.Add(1)
		go func(g int) {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for n := 0; !stop.Load(); n++ {
				id := ids[r.IntN(len(ids))]
				var err error
				switch r.IntN(8) {
				case 0:
					err = e.SetNote(id, fmt.Sprint(n))
				case 1:
					err = e.PutCall(id, Call{ConnectionID: fmt.Sprint(g, "-", r.IntN(3)), State: CallConnected})
				case 2:
					err = e.RemoveCall(id, fmt.Sprint(g, "-", r.IntN(3)))
				case 3:
					err = e.SetLine(id, Line{URI: "tel:1", State: LineState(n % 2)})
				case 4:
					err = e.ClientLogin(id, "pc", DeviceDesktop)
				case 5:
					err = e.SetClientIdle(id, "pc", n%2 == 0)
				case 6:
					err = e.SetAbsentState(id, AbsentState{Kind: AbsentKind(n % 5)})
				case 7:
					if g == 0 && n%50 == 0 {
						clock.Advance(time.Minute)
						e.Tick()
					}
				}
				if err != nil && err != ErrUnknownContact {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	// Churn: subscribe and close watchers while another goroutine pulls them.
	churn := make(chan *Watcher, 16)
	others.Add(2)
	go func() {
		defer others.Done()
		defer close(churn)
		r := rand.New(rand.NewPCG(99, 1))
		for !stop.Load() {
			w := e.NewWatcher(WatcherConfig{})
			if _, _, err := w.Subscribe([]string{ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]}, SubscribeOptions{}, nil); err != nil {
				t.Error(err)
				return
			}
			churn <- w
		}
	}()
	go func() {
		defer others.Done()
		for w := range churn {
			w.Pull(nil)
			w.Close()
			w.Pull(nil)
		}
	}()
	models := make([]*watcherModel, 4)
	var pullers sync.WaitGroup
	for i := range models {
		models[i] = newWatcherModel(e)
		pullers.Add(1)
		go func(m *watcherModel, seed uint64) {
			defer pullers.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			for !stop.Load() {
				switch r.IntN(10) {
				case 0:
					sub := []string{ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]}
					snaps, _, err := m.w.Subscribe(sub, SubscribeOptions{}, nil)
					if err != nil {
						t.Error(err)
						return
					}
					for _, id := range sub {
						m.events[id] = SectionsDefault
					}
					for _, u := range snaps {
						m.apply(t, u, true)
					}
				case 1:
					id := ids[r.IntN(len(ids))]
					m.w.Unsubscribe([]string{id})
					delete(m.events, id)
					delete(m.views, id)
					delete(m.calls, id)
				default:
					select {
					case <-m.w.Ready():
					case <-time.After(time.Millisecond):
					}
					m.pull(t)
				}
			}
		}(models[i], uint64(i))
	}
	time.Sleep(duration)
	stop.Store(true)
	writers.Wait()
	others.Wait()
	pullers.Wait()
	for _, m := range models {
		m.pull(t)
		m.check(t, e)
	}
	var st Stats
	e.Stats(&st)
	if st.Updates == 0 || st.Deliveries == 0 {
		t.Fatalf("nothing happened: %+v", st)
	}
}

// TestConcurrentCloseCompaction closes many watchers of one contact from
// several goroutines while others subscribe, forcing compactions of the
// contact's array concurrently (a regression test: the live count once
// drifted from the dead bits and a rebuild overflowed).
func TestConcurrentCloseCompaction(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "ceo")
	for round := 0; round < 20; round++ {
		ws := make([]*Watcher, 300)
		for i := range ws {
			ws[i] = e.NewWatcher(WatcherConfig{})
			if _, _, err := ws[i].Subscribe([]string{"ceo"}, SubscribeOptions{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := g; i < len(ws); i += 6 {
					if i%3 != 0 {
						ws[i].Close()
					}
				}
			}(g)
		}
		wg.Wait()
		c := e.lookup("ceo")
		c.mu.Lock()
		live := 0
		c.subs.Load().forEach(func(s *subscription) {
			if s.word.Load()&deadBit == 0 {
				live++
			}
		})
		if live != c.live {
			c.mu.Unlock()
			t.Fatalf("round %d: live count %d, array holds %d live", round, c.live, live)
		}
		c.mu.Unlock()
		must(t, e.SetNote("ceo", fmt.Sprint(round)))
		for i, w := range ws {
			if got, want := len(w.Pull(nil)), map[bool]int{true: 1, false: 0}[i%3 == 0]; got != want {
				t.Fatalf("round %d watcher %d: %d updates, want %d", round, i, got, want)
			}
			w.Close()
		}
	}
}
