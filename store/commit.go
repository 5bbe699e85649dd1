package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. One writer goroutine owns bbolt's write transaction. It
// sleeps until a call is pending, takes every pending call up to
// Config.MaxBatchSize mutations (lingering up to Config.MaxBatchDelay for
// more if the batch is not full), applies all of them in one transaction,
// commits (two fdatasync calls), and answers every call of the batch with
// the same result. While it commits, new calls queue; the next batch takes
// them all at once ("smart batching", as nats flushes pending clients), so
// at low load a call waits for one commit and under load the batch grows
// until one commit serves every waiting caller.
//
// Why not bbolt's DB.Batch: it always waits MaxBatchDelay (10 ms default)
// unless MaxBatchSize calls arrive first, re-runs a failing call alone
// (a partial batch can commit), and starts a goroutine per batch. The
// comparison is BenchmarkApplyConcurrent/bbolt-batch.

// runWriter is the writer goroutine. It exits once Close has been called
// and no call is pending.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	var batch []*request
	for {
		var exit bool
		batch, exit = s.nextBatch(batch[:0])
		if exit {
			return
		}
		if len(batch) > 0 {
			s.commit(batch)
		}
		clear(batch) // drop references to answered calls
	}
}

// nextBatch blocks until at least one call is pending (or the store is
// closed and drained: exit), then collects a batch.
func (s *Store) nextBatch(batch []*request) (_ []*request, exit bool) {
	var count int
	for {
		s.mutex.Lock()
		closed := s.closed
		if len(s.pending) > 0 {
			batch, count = s.takeLocked(batch, count)
			full := len(s.pending) > 0 // the next call did not fit
			s.mutex.Unlock()
			if full || closed || s.config.MaxBatchDelay <= 0 {
				return batch, false
			}
			break
		}
		s.mutex.Unlock()
		if closed {
			return batch, true
		}
		<-s.wake
	}
	timer := time.NewTimer(s.config.MaxBatchDelay)
	defer timer.Stop()
	for count < s.config.MaxBatchSize {
		select {
		case <-timer.C:
			return batch, false
		case <-s.wake:
		}
		s.mutex.Lock()
		batch, count = s.takeLocked(batch, count)
		full := len(s.pending) > 0 // the next call did not fit
		closed := s.closed
		s.mutex.Unlock()
		if full || closed { // closed: Close is waiting, do not linger
			break
		}
	}
	return batch, false
}

// takeLocked moves pending calls into batch while the batch has room for
// them (a call is never split; the first call is taken whatever its size).
// Calls cancelled by their context are dropped. s.mutex must be held.
func (s *Store) takeLocked(batch []*request, count int) ([]*request, int) {
	taken := 0
	for _, call := range s.pending {
		if call.state.Load() == requestCancelled {
			taken++ // its Apply has returned already; drop it
			continue
		}
		if count > 0 && count+len(call.mutations) > s.config.MaxBatchSize {
			break
		}
		taken++
		if !call.state.CompareAndSwap(requestQueued, requestTaken) {
			continue // cancelled just now
		}
		batch = append(batch, call)
		count += len(call.mutations)
		s.counters.takenCalls.Add(1)
	}
	remaining := copy(s.pending, s.pending[taken:])
	clear(s.pending[remaining:])
	s.pending = s.pending[:remaining]
	return batch, count
}

// commit applies batch in one transaction and answers every call.
func (s *Store) commit(batch []*request) {
	started := time.Now()
	mutations := 0
	err := s.update(func(tx *bolt.Tx) error {
		var buckets [bucketCount]*bolt.Bucket
		for _, call := range batch {
			for _, mutation := range call.mutations {
				if err := mutation.apply(tx, &buckets); err != nil {
					return fmt.Errorf("%v: %w", mutation, err)
				}
			}
			mutations += len(call.mutations)
		}
		return nil
	})
	elapsed := uint64(time.Since(started))
	s.counters.commitNanos.Add(elapsed)
	s.counters.lastCommitNanos.Store(elapsed)
	if err != nil {
		err = fmt.Errorf("store: commit of %d calls failed, none applied: %w", len(batch), err)
		s.counters.failedCommits.Add(1)
		s.counters.failedCalls.Add(uint64(len(batch)))
	} else {
		s.counters.commits.Add(1)
		s.counters.calls.Add(uint64(len(batch)))
		s.counters.mutations.Add(uint64(mutations))
		if uint64(mutations) > s.counters.largestBatch.Load() {
			s.counters.largestBatch.Store(uint64(mutations))
		}
	}
	for _, call := range batch {
		call.done <- err
	}
}

// update is db.Update with a bbolt panic turned into the batch's error, so
// that one bad transaction cannot kill the writer and strand every caller.
// bbolt's Update rolls the transaction back on a panic before re-raising.
func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("bbolt panicked: %v", recovered)
		}
	}()
	return s.db.Update(fn)
}
