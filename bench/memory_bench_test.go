package bench

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/ucpresence/presence/engine"
)

// BenchmarkSubscriptionMemory measures what one subscription costs in the
// engine alone (the in-process sweeps' bytes per subscription include the
// simulator's own view of every subscription). One op is one subscription
// of a watcher to one contact; watchers take 25 contacts each, out of
// 10,000. The figure is the live-heap growth per subscription after a
// collection.
//
//   - engine: the engine's subscription index (32-byte subscription,
//     slot in the contact's array, entry in the watcher's sorted slice);
//   - naive: a map of contact → set of watchers and a map of watcher →
//     set of contacts, what a straightforward implementation keeps.
func BenchmarkSubscriptionMemory(b *testing.B) {
	b.Run("engine", benchMemoryEngine)
	b.Run("naive", benchMemoryNaive)
}

const (
	memoryContacts = 10000
	memoryPerWatch = 25
)

func memoryIDs() []string {
	ids := make([]string, memoryContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:m%d@bench", i)
	}
	return ids
}

// liveHeap collects and returns the live heap.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func benchMemoryEngine(b *testing.B) {
	ids := memoryIDs()
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, id := range ids {
		if err := e.PutContact(id, engine.ContactEntry{}); err != nil {
			b.Fatal(err)
		}
	}
	watchers := make([]*engine.Watcher, 0, b.N/memoryPerWatch+1)
	one := make([]string, 1)
	b.ReportAllocs()
	b.ResetTimer()
	before := liveHeap()
	for i := 0; i < b.N; i++ {
		if i%memoryPerWatch == 0 {
			watchers = append(watchers, e.NewWatcher(engine.WatcherConfig{}))
		}
		one[0] = ids[(i*7919)%memoryContacts]
		if _, _, err := watchers[len(watchers)-1].Subscribe(one, engine.SubscribeOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	grown := float64(liveHeap()) - float64(before)
	var st engine.Stats
	e.Stats(&st)
	b.ReportMetric(grown/float64(st.Subscriptions), "bytes/subscription")
	runtime.KeepAlive(watchers)
}

func benchMemoryNaive(b *testing.B) {
	ids := memoryIDs()
	type watcher struct{ contacts map[string]struct{} }
	contacts := make(map[string]map[*watcher]struct{}, memoryContacts)
	for _, id := range ids {
		contacts[id] = map[*watcher]struct{}{}
	}
	var watchers []*watcher
	b.ReportAllocs()
	b.ResetTimer()
	before := liveHeap()
	for i := 0; i < b.N; i++ {
		if i%memoryPerWatch == 0 {
			watchers = append(watchers, &watcher{contacts: map[string]struct{}{}})
		}
		w := watchers[len(watchers)-1]
		id := ids[(i*7919)%memoryContacts]
		w.contacts[id] = struct{}{}
		contacts[id][w] = struct{}{}
	}
	b.StopTimer()
	b.ReportMetric((float64(liveHeap())-float64(before))/float64(b.N), "bytes/subscription")
	runtime.KeepAlive(contacts)
}
