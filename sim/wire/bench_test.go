package wire

import (
	"testing"
	"time"

	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
	"github.com/ucpresence/presence/sim/scenario"
)

// The wire driver's own cost per source event, without a server behind it
// (moved from sim/run with the driver; figures in docs/RESULTS.md).

// benchPlan builds the plan of a scenario from scenarios/.
func benchPlan(b *testing.B, name string) *driver.Plan {
	b.Helper()
	s, err := scenario.Load("../../scenarios/" + name + ".yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg := driver.Config{Scenario: s}
	p, err := driver.NewPlan(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkGenerateWithModel adds what the wire driver does per event
// before it is sent: the simulator's presence model, the per-class
// expected views and the change log, and the NDJSON encoding.
func BenchmarkGenerateWithModel(b *testing.B) {
	for _, name := range []string{"office-1k", "enterprise-20k"} {
		b.Run(name, func(b *testing.B) {
			p := benchPlan(b, name)
			start := time.Now()
			m := driver.NewMapper(p.Population, func(offset time.Duration) time.Time { return start.Add(p.WallOffset(offset)) })
			s := &sender{w: &wire{plan: p, mapper: m}, rec: oracle.NewRecorder(), prints: map[int32]*[oracle.NumClasses]oracle.ViewPrint{}, userBounds: map[int32][]int64{}}
			for u := range p.Logs {
				p.Logs[u].State = oracle.NewExpected()
			}
			stream := model.NewStream(p.Population)
			var ev model.Event
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !stream.Next(&ev) {
					stream = model.NewStream(p.Population)
					stream.Next(&ev)
				}
				s.ops = m.Ops(&ev, s.ops[:0])
				for i := range s.ops {
					s.apply(ev.User, &s.ops[i], time.Now().UnixNano(), 0, true)
					s.batch = ingest.AppendEvent(s.batch[:0], &s.ops[i])
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
