package engine

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// ---- Naive baseline: a mutex-guarded map and a per-watcher event queue ----

type naiveEvent struct {
	contactID string
	changed   Section
	state     *Snapshot
}

type naiveWatcher struct {
	mu    sync.Mutex
	queue []naiveEvent
}

type naiveContact struct {
	state    *Snapshot
	watchers []*naiveWatcher
}

type naiveEngine struct {
	mu       sync.Mutex
	contacts map[string]*naiveContact
}

func (n *naiveEngine) setNote(id, text string) {
	n.mu.Lock()
	c := n.contacts[id]
	next := *c.state
	next.Note = &Note{Text: text}
	next.Version++
	c.state = &next
	for _, w := range c.watchers {
		w.mu.Lock()
		w.queue = append(w.queue, naiveEvent{contactID: id, changed: SectionNote, state: &next})
		w.mu.Unlock()
	}
	n.mu.Unlock()
}

func (n *naiveEngine) subscribe(w *naiveWatcher, id string) {
	n.mu.Lock()
	c := n.contacts[id]
	c.watchers = append(c.watchers, w)
	n.mu.Unlock()
}

func (w *naiveWatcher) pull(dst []naiveEvent) []naiveEvent {
	w.mu.Lock()
	dst = append(dst, w.queue...)
	w.queue = w.queue[:0]
	w.mu.Unlock()
	return dst
}

// ---- Fan-out: update -> fan-out -> pull ----

const fanoutContacts = 64

// fanoutWorkload describes one round: updates to `updates` contacts chosen
// from `distinct` contacts, then every watcher pulls once.
type fanoutWorkload struct {
	name     string
	updates  int
	distinct int
}

var fanoutWorkloads = []fanoutWorkload{
	{"distinct", 16, 16}, // no coalescing possible: each update is one delivery per watcher
	{"hot", 16, 4},       // 4 updates per contact between pulls: coalescing 4:1
}

var notes = func() []string {
	s := make([]string, 1024)
	for i := range s {
		s[i] = fmt.Sprint("note ", i)
	}
	return s
}()

// BenchmarkFanout measures source updates applied, fanned out to every
// watcher of the contact and pulled, with the naive baseline in the same run.
// One op is one source update. Figures: updates/s, deliveries/s (after
// coalescing), allocs/op.
func BenchmarkFanout(b *testing.B) {
	for _, wl := range fanoutWorkloads {
		for _, watchers := range []int{1, 10, 100, 1000} {
			b.Run(fmt.Sprintf("engine/%s/watchers=%d", wl.name, watchers), func(b *testing.B) { benchEngineFanout(b, wl, watchers) })
			b.Run(fmt.Sprintf("naive/%s/watchers=%d", wl.name, watchers), func(b *testing.B) { benchNaiveFanout(b, wl, watchers) })
		}
	}
}

// BenchmarkFanoutRights compares, in one run, the fan-out to 100 watchers
// per contact for trusted watchers (unfiltered) and for users whose rights
// on the contacts are a mix of the four visible levels (filtered per watcher).
//
// The "heap=256MB" variants keep a 256 MB pointer-free ballast alive, so the
// garbage collector paces itself as in a server holding thousands of
// contacts and subscriptions; with the benchmark's tiny live heap alone the
// collector runs almost continuously and its write barriers dominate (the
// filtered views allocate ~1 KB per update, so they suffer more).
func BenchmarkFanoutRights(b *testing.B) {
	for _, heap := range []int{0, 256} {
		for _, wl := range fanoutWorkloads {
			name := fmt.Sprintf("%s/watchers=100", wl.name)
			if heap > 0 {
				name += fmt.Sprintf("/heap=%dMB", heap)
			}
			b.Run("unfiltered/"+name, func(b *testing.B) {
				ballast := make([]byte, heap<<20)
				benchEngineFanoutWith(b, wl, 100, false)
				runtime.KeepAlive(ballast)
			})
			b.Run("rights/"+name, func(b *testing.B) {
				ballast := make([]byte, heap<<20)
				benchEngineFanoutWith(b, wl, 100, true)
				runtime.KeepAlive(ballast)
			})
		}
	}
}

func benchEngineFanout(b *testing.B, wl fanoutWorkload, watchers int) {
	benchEngineFanoutWith(b, wl, watchers, false)
}

func benchEngineFanoutWith(b *testing.B, wl fanoutWorkload, watchers int, rights bool) {
	e, _ := newTestEngine(b)
	ids := make([]string, fanoutContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		mustPut(b, e, ids[i])
	}
	levels := []Level{LevelPublic, LevelCompany, LevelTeam, LevelPersonal}
	ws := make([]*Watcher, watchers)
	for i := range ws {
		user := ""
		if rights {
			user = fmt.Sprintf("sip:w%d@x", i)
			mustPut(b, e, user)
			for _, id := range ids {
				if _, err := e.SetDynamicRights(id, id, user, levels[i%len(levels)], nil); err != nil {
					b.Fatal(err)
				}
			}
		}
		ws[i] = e.NewWatcher(WatcherConfig{User: user})
		if _, _, err := ws[i].Subscribe(ids, SubscribeOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]Update, 0, fanoutContacts)
	deliveries := 0
	round := func(r int) {
		for u := 0; u < wl.updates; u++ {
			id := ids[(r*wl.distinct+u%wl.distinct)%fanoutContacts]
			_ = e.SetNote(id, notes[(r*wl.updates+u)%len(notes)])
		}
		for _, w := range ws {
			buf = w.Pull(buf[:0])
			deliveries += len(buf)
		}
	}
	round(0) // warm the buffers
	deliveries = 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	rounds := (b.N + wl.updates - 1) / wl.updates
	for r := 0; r < rounds; r++ {
		round(r + 1)
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(rounds*wl.updates)/elapsed, "updates/s")
	b.ReportMetric(float64(deliveries)/elapsed, "deliveries/s")
}

func benchNaiveFanout(b *testing.B, wl fanoutWorkload, watchers int) {
	n := &naiveEngine{contacts: map[string]*naiveContact{}}
	ids := make([]string, fanoutContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		n.contacts[ids[i]] = &naiveContact{state: &Snapshot{ContactID: ids[i], Note: emptyNote}}
	}
	ws := make([]*naiveWatcher, watchers)
	for i := range ws {
		ws[i] = &naiveWatcher{}
		for _, id := range ids {
			n.subscribe(ws[i], id)
		}
	}
	buf := make([]naiveEvent, 0, 64)
	deliveries := 0
	round := func(r int) {
		for u := 0; u < wl.updates; u++ {
			id := ids[(r*wl.distinct+u%wl.distinct)%fanoutContacts]
			n.setNote(id, notes[(r*wl.updates+u)%len(notes)])
		}
		for _, w := range ws {
			buf = w.pull(buf[:0])
			deliveries += len(buf)
		}
	}
	round(0)
	deliveries = 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	rounds := (b.N + wl.updates - 1) / wl.updates
	for r := 0; r < rounds; r++ {
		round(r + 1)
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(rounds*wl.updates)/elapsed, "updates/s")
	b.ReportMetric(float64(deliveries)/elapsed, "deliveries/s")
}

// ---- Source updates with no watchers ----

// BenchmarkApply measures source updates applied to contacts nobody
// watches: a mix of line, call and idle changes, the common CTI traffic.
func BenchmarkApply(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run("engine/"+name, func(b *testing.B) {
			e, _ := newTestEngine(b)
			ids := make([]string, 10000)
			for i := range ids {
				ids[i] = fmt.Sprintf("sip:c%d@x", i)
				mustPut(b, e, ids[i])
				_ = e.ClientLogin(ids[i], "pc", DeviceDesktop)
			}
			calls := [2]Call{{ConnectionID: "c1", LineURI: "tel:1", State: CallOffering}, {ConnectionID: "c1", LineURI: "tel:1", State: CallConnected}}
			op := func(i int) {
				id := ids[i%len(ids)]
				switch (i / len(ids)) % 4 {
				case 0:
					_ = e.PutCall(id, calls[0])
				case 1:
					_ = e.PutCall(id, calls[1])
				case 2:
					_ = e.RemoveCall(id, "c1")
				case 3:
					_ = e.SetClientIdle(id, "pc", (i/len(ids))%8 == 3)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if parallel {
				var next sync.Mutex
				base := 0
				b.RunParallel(func(pb *testing.PB) {
					next.Lock()
					off := base
					base += len(ids) / 2
					next.Unlock()
					i := off
					for pb.Next() {
						op(i)
						i++
					}
				})
			} else {
				for i := 0; i < b.N; i++ {
					op(i)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
		})
	}
}

// ---- Subscribe ----

// BenchmarkSubscribe measures subscriptions per second: watchers subscribing
// to 100 contacts each out of 100,000, as a client does after login. One op
// is one subscription.
func BenchmarkSubscribe(b *testing.B) {
	const contacts, perWatcher = 100000, 100
	e, _ := newTestEngine(b)
	ids := make([]string, contacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		mustPut(b, e, ids[i])
	}
	lists := make([][]string, 1000)
	for i := range lists {
		lists[i] = make([]string, perWatcher)
		for j := range lists[i] {
			lists[i][j] = ids[(i*7919+j*104729)%contacts]
		}
	}
	b.Run("engine", func(b *testing.B) {
		buf := make([]Update, 0, perWatcher)
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for n := 0; n < b.N; n += perWatcher {
			w := e.NewWatcher(WatcherConfig{})
			buf, _, _ = w.Subscribe(lists[(n/perWatcher)%len(lists)], SubscribeOptions{}, buf[:0])
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "subscriptions/s")
	})
	b.Run("naive", func(b *testing.B) {
		n := &naiveEngine{contacts: map[string]*naiveContact{}}
		for _, id := range ids {
			n.contacts[id] = &naiveContact{state: &Snapshot{ContactID: id}}
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i += perWatcher {
			w := &naiveWatcher{}
			for _, id := range lists[(i/perWatcher)%len(lists)] {
				n.subscribe(w, id)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "subscriptions/s")
	})
}

// BenchmarkMemoryPerSubscription holds 10 million subscriptions (100,000
// watchers x 100 contacts of 100,000) and reports heap bytes per
// subscription, measured from the heap after GC.
func BenchmarkMemoryPerSubscription(b *testing.B) {
	const contacts, watchers, perWatcher = 100000, 100000, 100
	for i := 0; i < b.N; i++ {
		e, _ := newTestEngine(b)
		ids := make([]string, contacts)
		for i := range ids {
			ids[i] = fmt.Sprintf("sip:c%d@x", i)
			mustPut(b, e, ids[i])
		}
		list := make([]string, perWatcher)
		ws := make([]*Watcher, watchers)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for w := range ws {
			for j := range list {
				list[j] = ids[(w*7919+j*104729)%contacts]
			}
			ws[w] = e.NewWatcher(WatcherConfig{})
			if _, _, err := ws[w].Subscribe(list, SubscribeOptions{}, nil); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		var st Stats
		e.Stats(&st)
		perWatcherBytes := 0.0 // the Watcher struct and its channel, reported apart
		{
			var m1, m2 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m1)
			extra := make([]*Watcher, 10000)
			for i := range extra {
				extra[i] = e.NewWatcher(WatcherConfig{})
			}
			runtime.GC()
			runtime.ReadMemStats(&m2)
			perWatcherBytes = float64(m2.HeapAlloc-m1.HeapAlloc) / float64(len(extra))
			runtime.KeepAlive(extra)
		}
		total := float64(after.HeapAlloc - before.HeapAlloc)
		subs := float64(st.Subscriptions)
		b.ReportMetric(subs, "subscriptions")
		b.ReportMetric(total/subs, "heap-bytes/subscription")
		b.ReportMetric((total-perWatcherBytes*watchers)/subs, "heap-bytes/subscription-excl-watcher")
		runtime.KeepAlive(ws)
	}
}
