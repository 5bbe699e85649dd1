package engine

import (
	"fmt"
	"testing"
)

// startupGroups is how many rights groups the startup benchmarks spread
// contacts over: an enterprise directory of 100,000 users has departments
// of a few hundred (250 groups of 400).
const startupGroups = 250

// loadContactsWithGroups puts n contacts into e, each in one department
// group and every tenth also in a second, cross-cutting one.
func loadContactsWithGroups(tb testing.TB, e *Engine, n int) {
	tb.Helper()
	for i := 0; i < n; i++ {
		groups := []string{fmt.Sprintf("department-%d", i%startupGroups)}
		if i%10 == 0 {
			groups = append(groups, fmt.Sprintf("project-%d", i%17))
		}
		if err := e.PutContact(fmt.Sprintf("user-%d", i), ContactEntry{Groups: groups}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkPutContactsWithGroups measures loading a directory whose
// contacts have groups. "walk" is the naive baseline (every new contact
// with groups walks every contact to re-evaluate what it sees of them:
// quadratic); "indexed" finds the contact's own watchers through the
// user → watchers index (linear).
func BenchmarkPutContactsWithGroups(b *testing.B) {
	for _, n := range []int{5000, 20000, 100000} {
		for _, mode := range []string{"walk", "indexed"} {
			if mode == "walk" && n > 5000 {
				continue // 20,000 take 19 s on the loaded 2-core machine; 100,000 would take minutes
			}
			b.Run(fmt.Sprintf("%s/contacts=%d", mode, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					e, err := New(Config{ManualTick: true})
					if err != nil {
						b.Fatal(err)
					}
					e.walkGroupsForBaseline = mode == "walk"
					loadContactsWithGroups(b, e, n)
					e.Close()
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
			})
		}
	}
}
