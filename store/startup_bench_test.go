package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

// startupContacts is the directory size of the startup benchmark: 100,000
// users in 250 department groups of 400, every tenth also in one of 17
// project groups.
const startupContacts = 100_000

func startupGroups(i int) []string {
	groups := []string{fmt.Sprintf("department-%d", i%250)}
	if i%10 == 0 {
		groups = append(groups, fmt.Sprintf("project-%d", i%17))
	}
	return groups
}

// startupStoreDir writes the durable state a day of use leaves behind:
// a note for every second user, an absent state for every fifth, two
// personal rights entries for every tenth, a rights list per department
// (its own members as Team) and a global Everyone entry.
func startupStoreDir(b *testing.B) string {
	b.Helper()
	config := Config{Dir: b.TempDir()}
	s := mustOpen(b, config)
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var mutations []Mutation
	for i := 0; i < startupContacts; i++ {
		id := fmt.Sprintf("user-%d", i)
		if i%2 == 0 {
			mutations = append(mutations, PutNote(id, Note{Text: "in the office until 17:00", SetAt: at}))
		}
		if i%5 == 0 {
			mutations = append(mutations, PutAbsentState(id, AbsentState{State: 2, SetAt: at}))
		}
		if i%10 == 0 {
			for _, remote := range []int{(i + 1) % startupContacts, (i + 7) % startupContacts} {
				mutations = append(mutations, PutRights(ScopePersonal, id, RightsEntry{RemoteID: fmt.Sprintf("user-%d", remote), PresenceRights: 294947, PhonePrimary: 519}))
			}
		}
	}
	for g := 0; g < 250; g++ {
		group := fmt.Sprintf("department-%d", g)
		mutations = append(mutations, PutRights(ScopeGroup, group, RightsEntry{RemoteID: engine.GroupRemote(group), PresenceRights: 294947, PhonePrimary: 519}))
	}
	mutations = append(mutations, PutRights(ScopeGlobal, "", RightsEntry{RemoteID: engine.Everyone, PresenceRights: 98305}))
	mustApply(b, s, mutations...)
	mustClose(b, s)
	return config.Dir
}

// BenchmarkStartup100kContacts measures what presenced does between reading
// its directory and serving: 100,000 contacts with groups into a new
// engine, then every record of a restored store (rights lists, notes,
// absent states). Goal: under 3 s (issue 12). The naive baseline
// (every contact with groups walking every contact) is
// engine.BenchmarkPutContactsWithGroups/walk: at 100,000 it would take
// minutes, so it is measured there at 5,000.
func BenchmarkStartup100kContacts(b *testing.B) {
	dir := startupStoreDir(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := engine.New(engine.Config{})
		if err != nil {
			b.Fatal(err)
		}
		for c := 0; c < startupContacts; c++ {
			if err := e.PutContact(fmt.Sprintf("user-%d", c), engine.ContactEntry{Groups: startupGroups(c)}); err != nil {
				b.Fatal(err)
			}
		}
		s, err := Open(Config{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		st, err := Restore(s, e)
		if err != nil {
			b.Fatal(err)
		}
		if st.Notes != startupContacts/2 || st.Rights != 2*startupContacts/10+251 {
			b.Fatalf("restored %+v", st)
		}
		mustClose(b, s)
		e.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/start")
}
