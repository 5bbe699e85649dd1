package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// holdWriter takes bbolt's write lock, so the writer goroutine blocks at
// the start of its next transaction with the batch it has taken. The
// returned function releases it. Calls applied meanwhile queue in pending.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	tx, err := s.db.Begin(true)
	if err != nil {
		t.Fatalf("begin write transaction: %v", err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = tx.Rollback() }) }
	t.Cleanup(release)
	return release
}

// waitTaken waits until the writer has taken count calls in total.
func waitTaken(t *testing.T, s *Store, count uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.counters.takenCalls.Load() < count {
		if time.Now().After(deadline) {
			t.Fatalf("writer took %d calls in 5 s, want %d", s.counters.takenCalls.Load(), count)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitPending waits until exactly count calls are queued and not taken.
func waitPending(t *testing.T, s *Store, count int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mutex.Lock()
		pending := len(s.pending)
		s.mutex.Unlock()
		if pending == count {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls pending after 5 s, want %d", pending, count)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentAcknowledgedCallsSurviveReopen(t *testing.T) {
	const goroutines, callsEach = 64, 25
	config := testConfig(t)
	s := mustOpen(t, config)

	var group sync.WaitGroup
	errs := make(chan error, goroutines)
	for worker := range goroutines {
		group.Go(func() {
			for call := range callsEach {
				contact := fmt.Sprintf("c%d-%d", worker, call)
				// Two records per call: both or neither must survive.
				err := s.Apply(context.Background(),
					PutNote(contact, Note{Text: contact, SetAt: at(int64(call))}),
					PutRights(ScopePersonal, contact, RightsEntry{RemoteID: "watcher", PresenceRights: uint32(call)}),
				)
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	group.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Apply: %v", err)
	}
	var stats Stats
	s.Stats(&stats)
	mustClose(t, s)

	if stats.Calls != goroutines*callsEach || stats.Mutations != 2*goroutines*callsEach {
		t.Errorf("stats %+v, want %d calls and %d mutations", stats, goroutines*callsEach, 2*goroutines*callsEach)
	}
	// With 64 callers waiting on each fsync, batches must form: a commit
	// per call would mean group commit is not working.
	if stats.Commits*4 > stats.Calls {
		t.Errorf("%d commits for %d calls: fewer than 4 calls per commit", stats.Commits, stats.Calls)
	}
	t.Logf("%d calls in %d commits, largest batch %d mutations", stats.Calls, stats.Commits, stats.LargestBatch)

	s = mustOpen(t, config)
	defer mustClose(t, s)
	snap := loadSnapshot(t, s)
	for worker := range goroutines {
		for call := range callsEach {
			contact := fmt.Sprintf("c%d-%d", worker, call)
			note, ok := snap.notes[contact]
			entry, hasRights := snap.rights[rightsID{ScopePersonal, contact, "watcher"}]
			if !ok || note.Text != contact || !hasRights || entry.PresenceRights != uint32(call) {
				t.Fatalf("acknowledged call for %s lost: note %v %v, rights %v %v", contact, note, ok, entry, hasRights)
			}
		}
	}
	if len(snap.notes) != goroutines*callsEach {
		t.Errorf("%d notes, want %d", len(snap.notes), goroutines*callsEach)
	}
}

func TestFailingBatchFailsEveryWaiterAndAppliesNothing(t *testing.T) {
	const goodCalls = 20
	config := testConfig(t)
	s := mustOpen(t, config)
	release := holdWriter(t, s)

	// The first call is taken alone and blocks in the held transaction.
	first := make(chan error, 1)
	go func() { first <- s.Apply(context.Background(), PutNote("first", Note{Text: "first"})) }()
	waitTaken(t, s, 1)

	// These queue behind it and form the next batch together.
	results := make(chan error, goodCalls+1)
	for index := range goodCalls {
		go func() {
			results <- s.Apply(context.Background(), PutNote(fmt.Sprintf("good%d", index), Note{Text: "x"}))
		}()
	}
	// A mutation that passes validation but fails inside the transaction:
	// bbolt refuses an empty key (constructors never build one).
	broken := Mutation{bucket: bucketNotes, key: nil, value: appendNoteValue(nil, Note{})}
	go func() { results <- s.Apply(context.Background(), broken) }()
	waitPending(t, s, goodCalls+1)
	release()

	if err := <-first; err != nil {
		t.Fatalf("first call, alone in its batch: %v", err)
	}
	for range goodCalls + 1 {
		if err := <-results; err == nil {
			t.Errorf("a call in the failing batch was acknowledged")
		}
	}
	var stats Stats
	s.Stats(&stats)
	if stats.FailedCommits != 1 || stats.FailedCalls != goodCalls+1 {
		t.Errorf("stats %+v, want 1 failed commit with %d calls", stats, goodCalls+1)
	}
	// The store stays usable after a failed batch.
	mustApply(t, s, PutNote("after", Note{Text: "after"}))
	mustClose(t, s)

	s = mustOpen(t, config)
	defer mustClose(t, s)
	notes := loadSnapshot(t, s).notes
	if len(notes) != 2 || notes["first"].Text != "first" || notes["after"].Text != "after" {
		t.Errorf("notes after reopen %v, want only first and after", notes)
	}
}

func TestCloseDrainsQueuedCalls(t *testing.T) {
	const queued = 30
	config := testConfig(t)
	s := mustOpen(t, config)
	release := holdWriter(t, s)

	results := make(chan error, queued+1)
	go func() { results <- s.Apply(context.Background(), PutNote("taken", Note{})) }()
	waitTaken(t, s, 1)
	for index := range queued {
		go func() { results <- s.Apply(context.Background(), PutNote(fmt.Sprintf("q%d", index), Note{})) }()
	}
	waitPending(t, s, queued)

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while calls were still queued", err)
	case <-time.After(20 * time.Millisecond):
	}
	if err := s.Apply(context.Background(), PutNote("late", Note{})); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply during Close: %v, want ErrClosed", err)
	}
	release()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the writer was released")
	}
	for range queued + 1 {
		if err := <-results; err != nil {
			t.Errorf("queued call answered %v, want nil (drained)", err)
		}
	}

	s = mustOpen(t, config)
	defer mustClose(t, s)
	if notes := loadSnapshot(t, s).notes; len(notes) != queued+1 {
		t.Errorf("%d notes after reopen, want %d", len(notes), queued+1)
	}
}

func TestContextEndingBeforeTheWriterTakesTheCall(t *testing.T) {
	config := testConfig(t)
	s := mustOpen(t, config)
	release := holdWriter(t, s)

	taken := make(chan error, 1)
	takenContext, cancelTaken := context.WithCancel(context.Background())
	go func() { taken <- s.Apply(takenContext, PutNote("taken", Note{})) }()
	waitTaken(t, s, 1)

	queuedContext, cancelQueued := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() { queued <- s.Apply(queuedContext, PutNote("cancelled", Note{})) }()
	waitPending(t, s, 1)

	cancelQueued()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled queued call: %v, want context.Canceled", err)
	}
	cancelTaken() // too late: the call is in a batch, Apply waits for the commit
	release()
	if err := <-taken; err != nil {
		t.Fatalf("taken call: %v, want nil (a taken call's answer is definitive)", err)
	}
	var stats Stats
	s.Stats(&stats)
	mustClose(t, s)
	if stats.CancelledCalls != 1 {
		t.Errorf("CancelledCalls %d, want 1", stats.CancelledCalls)
	}

	s = mustOpen(t, config)
	defer mustClose(t, s)
	notes := loadSnapshot(t, s).notes
	if _, ok := notes["cancelled"]; ok {
		t.Error("a call cancelled before being taken was applied")
	}
	if _, ok := notes["taken"]; !ok {
		t.Error("the taken call was not applied")
	}
}

func TestMaxBatchSizeBoundsTransactions(t *testing.T) {
	config := testConfig(t)
	config.MaxBatchSize = 5
	s := mustOpen(t, config)
	defer mustClose(t, s)
	release := holdWriter(t, s)

	done := make(chan error, 13)
	go func() { done <- s.Apply(context.Background(), PutNote("head", Note{})) }()
	waitTaken(t, s, 1)
	for index := range 10 { // ten single calls: two batches of 5
		go func() { done <- s.Apply(context.Background(), PutNote(fmt.Sprint(index), Note{})) }()
	}
	waitPending(t, s, 10)
	// A call larger than the bound still commits, atomically, alone.
	large := make([]Mutation, 8)
	for index := range large {
		large[index] = PutNote(fmt.Sprint("large", index), Note{})
	}
	go func() { done <- s.Apply(context.Background(), large...) }()
	waitPending(t, s, 11)
	release()
	for range 12 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var stats Stats
	s.Stats(&stats)
	if stats.LargestBatch != 8 || stats.Commits != 4 {
		t.Errorf("largest batch %d in %d commits, want 8 in 4 (1 + 5 + 5 + 8)", stats.LargestBatch, stats.Commits)
	}
}

func TestCloseCutsTheBatchDelayShort(t *testing.T) {
	const calls = 20
	config := testConfig(t)
	config.MaxBatchDelay = time.Hour
	s := mustOpen(t, config)

	results := make(chan error, calls)
	for index := range calls {
		go func() { results <- s.Apply(context.Background(), PutNote(fmt.Sprint(index), Note{})) }()
	}
	waitTaken(t, s, calls) // all in the batch the writer is lingering on
	var stats Stats
	if s.Stats(&stats); stats.Commits != 0 {
		t.Fatalf("%d commits while lingering, want 0", stats.Commits)
	}
	started := time.Now()
	mustClose(t, s)
	if elapsed := time.Since(started); elapsed > 5*time.Second {
		t.Errorf("Close took %v: it waited for MaxBatchDelay", elapsed)
	}
	for range calls {
		if err := <-results; err != nil {
			t.Errorf("call in the lingering batch answered %v, want nil", err)
		}
	}
	s = mustOpen(t, config)
	defer mustClose(t, s)
	if notes := loadSnapshot(t, s).notes; len(notes) != calls {
		t.Errorf("%d notes after reopen, want %d", len(notes), calls)
	}
}
