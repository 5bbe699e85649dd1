package engine

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucpresence/presence/protocol"
)

// BenchmarkPipeline is the realistic shape of the fan-out: two writer
// goroutines apply note changes as fast as they can while two consumer
// goroutines (the connection writers) pull and encode every delivery to the
// wire format (the real allocation-free encoder of protocol/). 64 contacts,
// 100 watchers each watching all of them. One op is one source update; the
// clock stops when every watcher has caught up. The naive baseline (a
// mutex-guarded map and a per-watcher event queue) must encode every event;
// the engine encodes the latest state of each changed contact once per pull.
// Figures: updates/s fully delivered, deliveries/s, encodes per update, and
// for the naive queue the largest backlog of events.
func BenchmarkPipeline(b *testing.B) {
	b.Run("engine", benchPipelineEngine)
	b.Run("naive", benchPipelineNaive)
}

const pipelineWatchers = 100

func encodeNote(buf []byte, id string, note string) []byte {
	p := protocol.AsnPresenceV2{ContactID: id, CustomNote: &protocol.AsnCustomNote{ContactID: id, Note: note}}
	return protocol.AppendUpdatePresenceV2Event(buf, &p, uint32(SectionNote), true)
}

func benchPipelineEngine(b *testing.B) {
	e, _ := newTestEngine(b)
	ids := make([]string, fanoutContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		mustPut(b, e, ids[i])
	}
	ws := make([]*Watcher, pipelineWatchers)
	for i := range ws {
		ws[i] = e.NewWatcher(WatcherConfig{})
		if _, _, err := ws[i].Subscribe(ids, SubscribeOptions{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var writersDone atomic.Bool
	var deliveries atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg, cw sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < b.N; i += 2 {
				_ = e.SetNote(ids[(i*7)%fanoutContacts], notes[i%len(notes)])
			}
		}(g)
	}
	for g := 0; g < 2; g++ {
		cw.Add(1)
		go func(mine []*Watcher) {
			defer cw.Done()
			buf := make([]byte, 0, 4096)
			ups := make([]Update, 0, fanoutContacts)
			n := int64(0)
			for {
				done := writersDone.Load() // read before the sweep: a clean sweep after it means caught up
				pulled := 0
				for _, w := range mine {
					ups = w.Pull(ups[:0])
					for i := range ups {
						buf = encodeNote(buf[:0], ups[i].ContactID, ups[i].Snapshot.Note.Text)
					}
					pulled += len(ups)
				}
				n += int64(pulled)
				if pulled == 0 {
					if done {
						break
					}
					runtime.Gosched()
				}
			}
			deliveries.Add(n)
		}(ws[g*pipelineWatchers/2 : (g+1)*pipelineWatchers/2])
	}
	wg.Wait()
	writersDone.Store(true)
	cw.Wait()
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "updates/s")
	b.ReportMetric(float64(deliveries.Load())/elapsed, "deliveries/s")
	b.ReportMetric(float64(deliveries.Load())/float64(b.N), "encodes/update")
}

func benchPipelineNaive(b *testing.B) {
	n := &naiveEngine{contacts: map[string]*naiveContact{}}
	ids := make([]string, fanoutContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:c%d@x", i)
		n.contacts[ids[i]] = &naiveContact{state: &Snapshot{ContactID: ids[i], Note: emptyNote}}
	}
	ws := make([]*naiveWatcher, pipelineWatchers)
	for i := range ws {
		ws[i] = &naiveWatcher{}
		for _, id := range ids {
			n.subscribe(ws[i], id)
		}
	}
	var writersDone atomic.Bool
	var deliveries, backlog atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg, cw sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < b.N; i += 2 {
				n.setNote(ids[(i*7)%fanoutContacts], notes[i%len(notes)])
			}
		}(g)
	}
	for g := 0; g < 2; g++ {
		cw.Add(1)
		go func(mine []*naiveWatcher) {
			defer cw.Done()
			buf := make([]byte, 0, 4096)
			evs := make([]naiveEvent, 0, 1024)
			total := int64(0)
			for {
				done := writersDone.Load()
				pulled := 0
				for _, w := range mine {
					evs = w.pull(evs[:0])
					if int64(len(evs)) > backlog.Load() {
						backlog.Store(int64(len(evs)))
					}
					for i := range evs {
						buf = encodeNote(buf[:0], evs[i].contactID, evs[i].state.Note.Text)
					}
					pulled += len(evs)
				}
				total += int64(pulled)
				if pulled == 0 {
					if done {
						break
					}
					runtime.Gosched()
				}
			}
			deliveries.Add(total)
		}(ws[g*pipelineWatchers/2 : (g+1)*pipelineWatchers/2])
	}
	wg.Wait()
	writersDone.Store(true)
	cw.Wait()
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/elapsed, "updates/s")
	b.ReportMetric(float64(deliveries.Load())/elapsed, "deliveries/s")
	b.ReportMetric(float64(deliveries.Load())/float64(b.N), "encodes/update")
	b.ReportMetric(float64(backlog.Load()), "max-backlog-events")
}
