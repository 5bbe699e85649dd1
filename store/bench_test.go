package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// benchmarkContacts is the population the benchmarks write to: a store of
// 10,000 users' notes, absent states and personal rights (about 2 MiB), so
// that every commit dirties realistic B+tree pages, not one hot leaf.
const benchmarkContacts = 10_000

// benchmarkMutation is one user-set change: a note, an absent state or a
// personal rights entry of a random contact.
func benchmarkMutation(random *rand.Rand) Mutation {
	contact := fmt.Sprintf("contact-%05d", random.IntN(benchmarkContacts))
	switch random.IntN(3) {
	case 0:
		return PutNote(contact, Note{Text: "back at 14:00", SetAt: at(random.Int64N(1 << 31))})
	case 1:
		return PutAbsentState(contact, AbsentState{State: random.IntN(4), SetAt: at(random.Int64N(1 << 31))})
	}
	return PutRights(ScopePersonal, contact, RightsEntry{
		RemoteID:       fmt.Sprintf("contact-%05d", random.IntN(benchmarkContacts)),
		PresenceRights: 294947, PhonePrimary: 519,
	})
}

// populatedBenchmarkDir creates a store directory with the population.
func populatedBenchmarkDir(b *testing.B) string {
	b.Helper()
	config := Config{Dir: b.TempDir()}
	s := mustOpen(b, config)
	random := rand.New(rand.NewPCG(1, 1))
	mutations := make([]Mutation, 0, 3*benchmarkContacts)
	for range 3 * benchmarkContacts {
		mutations = append(mutations, benchmarkMutation(random))
	}
	mustApply(b, s, mutations...)
	mustClose(b, s)
	return config.Dir
}

// lastTransactionID is the id of the last committed write transaction;
// the difference over a run counts commits for all three variants alike.
func lastTransactionID(b *testing.B, db *bolt.DB) int {
	var id int
	if err := db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		b.Fatal(err)
	}
	return id
}

// runConcurrent runs apply from callers goroutines until b.N changes are
// acknowledged and reports acknowledged changes/s and fsyncs/change.
func runConcurrent(b *testing.B, db *bolt.DB, callers int, apply func(Mutation) error) {
	b.ReportAllocs()
	b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
	var seed atomic.Uint64
	before := lastTransactionID(b, db)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		random := rand.New(rand.NewPCG(seed.Add(1), 3))
		for pb.Next() {
			if err := apply(benchmarkMutation(random)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	commits := lastTransactionID(b, db) - before
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	// bbolt syncs twice per commit: data pages, then the meta page.
	b.ReportMetric(2*float64(commits)/float64(b.N), "fsyncs/change")
}

// BenchmarkApplyConcurrent measures acknowledged (fsynced) changes per
// second with concurrent callers, each applying one change per call:
//
//   - group-commit: this package's Store.Apply;
//   - bbolt-batch: bbolt's DB.Batch with its defaults (10 ms, 1000 calls);
//   - naive: one DB.Update (one transaction, two fsyncs) per change, the
//     baseline the gain is measured against.
//
// Run: go test -run '^$' -bench BenchmarkApplyConcurrent -benchtime 2s ./store
// Figures for this machine are in docs/DURABILITY.md.
func BenchmarkApplyConcurrent(b *testing.B) {
	for _, callers := range []int{64, 256} {
		b.Run(fmt.Sprintf("group-commit/callers=%d", callers), func(b *testing.B) {
			s := mustOpen(b, Config{Dir: populatedBenchmarkDir(b)})
			defer mustClose(b, s)
			runConcurrent(b, s.db, callers, func(mutation Mutation) error {
				return s.Apply(context.Background(), mutation)
			})
			var stats Stats
			s.Stats(&stats)
			b.ReportMetric(float64(stats.Mutations)/float64(max(1, stats.Commits)), "changes/commit")
		})
		b.Run(fmt.Sprintf("bbolt-batch/callers=%d", callers), func(b *testing.B) {
			db := openRawBenchmarkDB(b)
			runConcurrent(b, db, callers, func(mutation Mutation) error {
				return db.Batch(func(tx *bolt.Tx) error {
					var buckets [bucketCount]*bolt.Bucket
					return mutation.apply(tx, &buckets)
				})
			})
		})
	}
	b.Run("naive/callers=64", func(b *testing.B) {
		db := openRawBenchmarkDB(b)
		runConcurrent(b, db, 64, func(mutation Mutation) error {
			return db.Update(func(tx *bolt.Tx) error {
				var buckets [bucketCount]*bolt.Bucket
				return mutation.apply(tx, &buckets)
			})
		})
	})
}

// openRawBenchmarkDB opens a populated store file with bbolt directly.
func openRawBenchmarkDB(b *testing.B) *bolt.DB {
	db, err := bolt.Open(filepath.Join(populatedBenchmarkDir(b), FileName), 0o600,
		&bolt.Options{InitialMmapSize: initialMmapSize})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkOpen measures Open's full verification (meta pages, schema,
// every value decoded, bbolt's page check) on a store of 10,000 users
// with notes, absent states, rights and a 20 KiB picture each (~230 MiB).
// SetBytes makes the figure a verification speed in MB/s.
func BenchmarkOpen(b *testing.B) {
	config := Config{Dir: b.TempDir(), NoSync: true}
	s := mustOpen(b, config)
	random := rand.New(rand.NewPCG(2, 2))
	picture := make([]byte, 20<<10)
	for start := 0; start < benchmarkContacts; start += 1000 {
		var mutations []Mutation
		for index := start; index < start+1000; index++ {
			contact := fmt.Sprintf("contact-%05d", index)
			mutations = append(mutations,
				PutUser(typicalUserWithID(contact)),
				PutImage(contact, Image{Hash: contact, Small: picture[:2<<10], Large: picture}),
				benchmarkMutation(random), benchmarkMutation(random), benchmarkMutation(random),
			)
		}
		mustApply(b, s, mutations...)
	}
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		b.Fatal(err)
	}
	mustClose(b, s)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		mustClose(b, mustOpen(b, config))
	}
}

func typicalUserWithID(id string) User {
	user := typicalUser
	user.ID = id
	return user
}
