package run

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/wire"
)

// The simulator's own cost, without an engine behind it ("no-op engine
// path"): what the generators do per source event and what the consumers
// do per delivery. The bar: 100,000 events/s generated and 500,000
// deliveries/s consumed on this two-core machine.

func benchPlan(b *testing.B, name string) *driver.Plan {
	b.Helper()
	cfg := Config{Scenario: loadScenario(b, name)}
	p, err := driver.NewPlan(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkGenerate is the generator's own work per event in-process: the
// behaviour models (the merged stream) and the mapping to engine inputs.
func BenchmarkGenerate(b *testing.B) {
	for _, name := range []string{"office-1k", "enterprise-20k"} {
		b.Run(name, func(b *testing.B) {
			p := benchPlan(b, name)
			day := dayDate.Add(p.Scenario.Day.Start.Std())
			m := driver.NewMapper(p.Population, func(offset time.Duration) time.Time { return day.Add(offset) })
			stream := model.NewStream(p.Population)
			var ev model.Event
			var ops []ingest.Event
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !stream.Next(&ev) {
					stream = model.NewStream(p.Population)
					m = driver.NewMapper(p.Population, m.At)
					stream.Next(&ev)
				}
				ops = m.Ops(&ev, ops[:0])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// consumeFixture is one contact with a log of notes and the engine
// updates that deliver them, and watchers positioned at the start.
type consumeFixture struct {
	log      *oracle.ContactLog
	updates  []engine.Update
	watchers int
	base     oracle.ViewPrint // the view before the first change
	first    uint64           // its version
	index    map[string]int32
}

// benchOwner is the fixture contact's user index; the watcher views hold
// 30 subscriptions around it (a typical list), found like the consumer
// finds them: contact id → user → binary search.
const benchOwner = 17

func newConsumeFixture(b *testing.B, changes, watchers int) *consumeFixture {
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	const id = "sip:bench@example.com"
	if err := e.PutContact(id, engine.ContactEntry{}); err != nil {
		b.Fatal(err)
	}
	f := &consumeFixture{log: &oracle.ContactLog{}, watchers: watchers, index: map[string]int32{}}
	for i := range 1000 {
		f.index["sip:user"+strconv.Itoa(i)+"@example.com"] = int32(i)
	}
	f.index[id] = benchOwner
	snap, _ := e.Snapshot(id)
	f.base.FromSnapshot(snap, oracle.PrintSections)
	f.first = snap.Version
	for range watchers {
		f.log.AddWatcher(uint8(4), engine.SectionsDefault, false)
	}
	for i := range changes {
		if err := e.SetNote(id, "note "+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		snap, _ := e.Snapshot(id)
		ch := &oracle.Change{Key: snap.Version, Intended: time.Now().UnixNano(), Applied: time.Now().UnixNano(), Measured: true}
		for c := range oracle.NumClasses {
			ch.Prints[c].FromSnapshot(snap, oracle.PrintSections)
			ch.Changed[c] = engine.SectionNote | engine.SectionPresence
		}
		f.log.Append(ch)
		f.updates = append(f.updates, engine.Update{ContactID: id, Changed: engine.SectionNote | engine.SectionPresence, Snapshot: snap})
	}
	return f
}

// consume delivers every update to watcher views, as the in-process
// consumer does (one pull per update: the recorder is locked per update),
// recording into rec.
func (f *consumeFixture) consume(views []oracle.WatcherView, rec *oracle.Recorder) int {
	n := 0
	recv := time.Now().UnixNano()
	for i := range f.updates {
		u := &f.updates[i]
		rec.Mutex.Lock()
		for v := range views {
			sv := views[v].Sub(f.index[u.ContactID])
			before := sv.Print
			mergeUpdate(sv, u)
			res, unexplained := oracle.ResolveKeyed(f.log, &views[v], sv, u.Snapshot.Version, u.Changed, &before, recv, rec)
			if res != oracle.Resolved || unexplained {
				panic("BUG: benchmark fixture not explained")
			}
			n++
		}
		rec.Mutex.Unlock()
	}
	return n
}

func (f *consumeFixture) freshViews(n int) []oracle.WatcherView {
	views := make([]oracle.WatcherView, n)
	for i := range views {
		views[i].Subs = make([]oracle.SubView, 30)
		for k := range views[i].Subs {
			views[i].Subs[k] = oracle.SubView{Owner: int32(k), Class: 4, Flags: engine.SectionsDefault, Key: f.first, Print: f.base}
		}
		views[i].Index()
	}
	return views
}

// BenchmarkConsume is the in-process consumer's accounting per delivery:
// merging the update into the watcher's view, finding the change, checking
// the view, measuring delivery and fan-out; one recorder per goroutine.
func BenchmarkConsume(b *testing.B) {
	benchConsume(b, false)
}

// BenchmarkConsumeSharedRecorderBaseline is the naive variant: every
// goroutine records into one shared recorder (one mutex, one set of
// histograms), as a single global HdrHistogram would need.
func BenchmarkConsumeSharedRecorderBaseline(b *testing.B) {
	benchConsume(b, true)
}

func benchConsume(b *testing.B, shared bool) {
	// One contact per goroutine: the contention measured is the
	// recorders', not a single contact's fan-out counters.
	const changes, watchers = 64, 64
	var fixtures []*consumeFixture
	var recorders []*oracle.Recorder
	for range runtime.GOMAXPROCS(0) {
		fixtures = append(fixtures, newConsumeFixture(b, changes, watchers))
		recorders = append(recorders, oracle.NewRecorder())
	}
	common := oracle.NewRecorder()
	var next atomic.Int32
	var mu sync.Mutex
	total := 0
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)-1) % len(fixtures)
		f, rec := fixtures[i], recorders[i]
		if shared {
			rec = common
		}
		n := 0
		for pb.Next() {
			// One op: one watcher takes the whole log (64 deliveries) —
			// reset the view between rounds.
			views := f.freshViews(1)
			n += f.consume(views, rec)
		}
		mu.Lock()
		total += n
		mu.Unlock()
	})
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkConsumeWire is the wire client's work per delivery: decoding the
// asnUpdatePresenceV2 JSON, merging it, matching it against the log.
func BenchmarkConsumeWire(b *testing.B) {
	const changes = 64
	f := newConsumeFixture(b, changes, 1)
	var messages [][]byte
	for i := range f.updates {
		s := f.updates[i].Snapshot
		p := protocol.AsnPresenceV2{ContactID: s.ContactID, PresenceState: protocol.Some(int64(s.State)),
			CustomNote: &protocol.AsnCustomNote{ContactID: s.ContactID, Note: s.Note.Text}}
		msg := protocol.AppendUpdatePresenceV2Event(nil, &p, uint32(engine.SectionNote|engine.SectionPresence), true)
		messages = append(messages, msg)
	}
	var mu sync.Mutex
	total := 0
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rec := oracle.NewRecorder()
		n := 0
		for pb.Next() {
			views := f.freshViews(1)
			sv := views[0].Sub(benchOwner)
			for _, msg := range messages {
				m, err := protocol.DecodeMessage(msg)
				if err != nil {
					panic(err)
				}
				var arg protocol.AsnUpdatePresenceV2Argument
				if err := json.Unmarshal(m.Invoke.Argument, &arg); err != nil {
					panic(err)
				}
				before := sv.Print
				wire.MergePresence(sv, &arg.Presence, engine.Section(arg.ChangedFlags))
				rec.Mutex.Lock()
				if oracle.ResolveMatched(f.log, &views[0], sv, engine.Section(arg.ChangedFlags), &before, time.Now().UnixNano(), rec) != oracle.Resolved {
					panic("BUG: wire benchmark fixture not explained")
				}
				rec.Mutex.Unlock()
				n++
			}
		}
		mu.Lock()
		total += n
		mu.Unlock()
	})
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkInProcessApply is the in-process generator's whole path per
// event with the engine behind it (office-1k, every watcher subscribed,
// nobody pulling): mapping, the engine call and its fan-out, and the
// recording of the change (snapshot diff, five class views, the model
// check). BenchmarkInProcessApplyEngineOnlyBaseline makes only the engine
// calls: the difference is the simulator's bookkeeping.
func BenchmarkInProcessApply(b *testing.B) { benchApply(b, true) }

// BenchmarkInProcessApplyEngineOnlyBaseline: see BenchmarkInProcessApply.
func BenchmarkInProcessApplyEngineOnlyBaseline(b *testing.B) { benchApply(b, false) }

func benchApply(b *testing.B, record bool) {
	cfg, err := Config{Scenario: loadScenario(b, "office-1k"), CheckModel: true}.WithDefaults()
	if err != nil {
		b.Fatal(err)
	}
	p, err := driver.NewPlan(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	r := &runner{State: driver.State{Config: cfg, Plan: p}}
	d, err := newInProcess(r)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Setup(b.Context()); err != nil {
		b.Fatal(err)
	}
	rec := r.Recorders.Add()
	var ev model.Event
	var ops []ingest.Event
	stream := model.NewStream(p.Population)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if !stream.Next(&ev) {
			// The day is over: run it again on the same engine (calls and
			// appointments keep their ids, so the state stays bounded).
			stream = model.NewStream(p.Population)
			stream.Next(&ev)
		}
		if record {
			d.apply(&ev, time.Now().UnixNano(), true, &ops, rec)
			continue
		}
		ops = d.mapper.Ops(&ev, ops[:0])
		for k := range ops {
			_ = ingest.Apply(d.engine, &ops[k])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
