package run

import (
	"bytes"
	"hash/fnv"
	"testing"
	"time"

	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
)

// generated returns, per user, a hash of every engine input the
// generators produce for the events that user originates, in order, with
// the day split across n generators.
func generated(t *testing.T, cfg Config, n int) (map[int32]uint64, *driver.Plan) {
	t.Helper()
	p, err := driver.NewPlan(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	m := driver.NewMapper(p.Population, func(offset time.Duration) time.Time { return day.Add(offset) })
	hashes := map[int32]uint64{}
	var ev model.Event
	var ops []ingest.Event
	var line []byte
	for _, shard := range p.Shards(n) {
		stream, err := model.NewStreamRange(p.Population, shard[0], shard[1])
		if err != nil {
			t.Fatal(err)
		}
		for stream.Next(&ev) {
			ops = m.Ops(&ev, ops[:0])
			h := fnv.New64a()
			h.Write([]byte(ev.String()))
			for i := range ops {
				line = ingest.AppendEvent(line[:0], &ops[i])
				h.Write(line)
			}
			origin := int32(ev.Origin())
			hashes[origin] = hashes[origin]*1099511628211 ^ h.Sum64()
		}
	}
	return hashes, p
}

func TestGenerationIsDeterministic(t *testing.T) {
	s := loadScenario(t, "smoke")
	a, pa := generated(t, Config{Scenario: s, SlowReaderShare: -1}, 1)
	b, pb := generated(t, Config{Scenario: s, SlowReaderShare: -1}, 3)
	if len(a) != s.Population.Users || len(a) != len(b) {
		t.Fatalf("%d and %d users generated", len(a), len(b))
	}
	for u, h := range a {
		if b[u] != h {
			t.Errorf("user %d: the inputs differ between 1 and 3 generators", u)
		}
	}
	if len(pa.Watchers) != len(pb.Watchers) || pa.Subscriptions != pb.Subscriptions {
		t.Fatal("the watchers differ")
	}
	slow := 0
	for i := range pa.Watchers {
		wa, wb := pa.Watchers[i], pb.Watchers[i]
		if wa.Slow != wb.Slow || len(wa.Subs) != len(wb.Subs) {
			t.Fatalf("watcher %d differs", i)
		}
		for j := range wa.Subs {
			if wa.Subs[j].Owner != wb.Subs[j].Owner || wa.Subs[j].Class != wb.Subs[j].Class || wa.Subs[j].Flags != wb.Subs[j].Flags {
				t.Fatalf("watcher %d subscription %d differs", i, j)
			}
		}
		if wa.Slow {
			slow++
		}
	}
	if slow == 0 {
		t.Error("no slow reader although the smoke personas have some")
	}
	seed := s.Seed + 1
	c, _ := generated(t, Config{Scenario: s, Seed: &seed}, 1)
	same := 0
	for u, h := range a {
		if c[u] == h {
			same++
		}
	}
	if same > len(a)/4 {
		t.Errorf("another seed generated the same inputs for %d of %d users", same, len(a))
	}
}

// TestScheduleLagWithSlowGenerator injects a generator that cannot keep up:
// the lag must show in schedule_lag and, because latencies are measured
// from the intended time, in delivery, while the service time (from the
// actual apply) stays small; the status must name the generator as the
// bottleneck.
func TestScheduleLagWithSlowGenerator(t *testing.T) {
	var status bytes.Buffer
	res := run(t, Config{Scenario: loadScenario(t, "smoke"), WallTime: 3 * time.Second, StopAfter: 600 * time.Millisecond,
		Generators: 2, Interval: 100 * time.Millisecond, Fault: Fault{SlowGenerator: 5 * time.Millisecond}, Status: &status})
	lag := res.Metrics["schedule_lag"]
	// Every event is one lag sample; events cut off by StopAfter while being
	// recorded may miss theirs on a loaded machine (seen once under -race).
	if ev := res.Counters["events"]; lag.Count > ev || lag.Count < ev-ev/100-2 {
		t.Errorf("%d lag samples for %d events", lag.Count, ev)
	}
	if lag.Max < 200 {
		t.Errorf("schedule lag max %.1f ms, want the generator far behind", lag.Max)
	}
	if d, s := res.Metrics["delivery"], res.Metrics["service_time"]; d.P99 < 100 || s.P99 > d.P99/2 {
		t.Errorf("delivery p99 %.1f ms, service time p99 %.1f ms: the lag must count in delivery only", d.P99, s.P99)
	}
	if !res.Generator.Bottleneck || len(res.Generator.Warnings) == 0 || res.Generator.OwnShare < 0.5 {
		t.Errorf("generator report %+v", res.Generator)
	}
	if res.Oracle.Lost != 0 || res.Oracle.Divergence != 0 {
		t.Errorf("a slow generator must not break delivery: %+v", res.Oracle)
	}
}
