package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store is the durable store of user-set state: one bbolt file written by
// one writer goroutine that group-commits the calls of all Apply callers
// (commit.go).
//
// Concurrency: every method is safe for concurrent use. Apply blocks until
// its mutations are committed and fsynced (or have failed); Load, Image and
// Backup read consistent snapshots and run in parallel with Apply and with
// each other. Close waits for queued calls to commit, then closes the file;
// later calls return ErrClosed.
//
// Lock order: Store.mutex is a leaf lock; it is never held across bbolt
// calls, channel operations or I/O.
type Store struct {
	path   string
	config Config
	db     *bolt.DB

	// mutex guards pending and closed.
	mutex   sync.Mutex
	pending []*request
	closed  bool

	// wake has capacity 1; Apply and Close send without blocking after
	// changing pending or closed, the writer receives when it found
	// nothing to do. A token left over only causes one extra look.
	wake chan struct{}
	// writerDone is closed when the writer goroutine has exited.
	writerDone chan struct{}

	closeOnce sync.Once
	closeErr  error

	counters counters
}

// request is one Apply call waiting for the writer.
type request struct {
	mutations []Mutation
	// state moves from requestQueued to requestTaken (writer) or to
	// requestCancelled (Apply, when ctx ends first); whoever swaps first wins.
	state atomic.Int32
	// done receives exactly one result once state is requestTaken.
	done chan error
}

const (
	requestQueued int32 = iota
	requestTaken
	requestCancelled
)

// counters are written by the writer goroutine (and Apply, for cancelled)
// and read by Stats.
type counters struct {
	calls           atomic.Uint64
	mutations       atomic.Uint64
	commits         atomic.Uint64
	failedCommits   atomic.Uint64
	failedCalls     atomic.Uint64
	cancelledCalls  atomic.Uint64
	largestBatch    atomic.Uint64
	commitNanos     atomic.Uint64
	lastCommitNanos atomic.Uint64
	// takenCalls counts calls the writer took into a batch (tests wait on it).
	takenCalls atomic.Uint64
}

// Stats is a snapshot of the store's counters since Open.
type Stats struct {
	// Calls is the number of Apply calls acknowledged as committed.
	Calls uint64
	// Mutations is the number of mutations in those calls.
	Mutations uint64
	// Commits is the number of successful bbolt write transactions. Each
	// costs two fdatasync calls unless Config.NoSync (bbolt writes the data
	// pages, syncs, writes the meta page, syncs), plus one fsync when the
	// file grows (every 16 MiB).
	Commits uint64
	// FailedCommits counts transactions that failed; every call in such a
	// batch was answered with the error (FailedCalls).
	FailedCommits uint64
	// FailedCalls counts Apply calls answered with a commit error.
	FailedCalls uint64
	// CancelledCalls counts Apply calls whose context ended before the
	// writer took them; none of their mutations were applied.
	CancelledCalls uint64
	// LargestBatch is the most mutations committed in one transaction.
	LargestBatch uint64
	// CommitTime is the total time spent in write transactions, including
	// fsync.
	CommitTime time.Duration
	// LastCommitTime is the duration of the most recent write transaction.
	LastCommitTime time.Duration
}

// Stats fills stats with a snapshot of the counters. Safe for concurrent
// use; the fields are read one by one, so they may be from slightly
// different instants.
func (s *Store) Stats(stats *Stats) {
	*stats = Stats{
		Calls:          s.counters.calls.Load(),
		Mutations:      s.counters.mutations.Load(),
		Commits:        s.counters.commits.Load(),
		FailedCommits:  s.counters.failedCommits.Load(),
		FailedCalls:    s.counters.failedCalls.Load(),
		CancelledCalls: s.counters.cancelledCalls.Load(),
		LargestBatch:   s.counters.largestBatch.Load(),
		CommitTime:     time.Duration(s.counters.commitNanos.Load()),
		LastCommitTime: time.Duration(s.counters.lastCommitNanos.Load()),
	}
}

// Path returns the store file's path. Safe for concurrent use.
func (s *Store) Path() string { return s.path }

func newStore(db *bolt.DB, path string, config Config) *Store {
	s := &Store{
		path:       path,
		config:     config,
		db:         db,
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
	}
	go s.runWriter()
	return s
}

// Apply commits mutations atomically (all or none) and returns after the
// commit is fsynced. Calls from many goroutines are committed together in
// one transaction (group commit), so throughput grows with the number of
// concurrent callers while each caller still waits for its own fsync.
//
// Errors:
//   - an invalid mutation gives ErrInvalidMutation and nothing is queued;
//   - after Close, ErrClosed;
//   - if ctx ends before the writer takes the call, ctx.Err() and nothing
//     is applied. Once taken, Apply waits for the commit regardless of
//     ctx, so its answer is always definitive;
//   - if the transaction fails, every call in that batch gets the error
//     and none of their mutations is applied.
//
// Safe for concurrent use. Mutations are applied in the order of the calls
// as the writer took them; two concurrent calls on the same key have no
// defined order, one call's mutations apply in argument order.
func (s *Store) Apply(ctx context.Context, mutations ...Mutation) error {
	if len(mutations) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	call, err := s.enqueue(mutations)
	if err != nil {
		return err
	}
	select {
	case err := <-call.done:
		return err
	case <-ctx.Done():
		if call.state.CompareAndSwap(requestQueued, requestCancelled) {
			s.counters.cancelledCalls.Add(1)
			return ctx.Err()
		}
		return <-call.done
	}
}

// Pending is the durability of mutations queued by ApplyAsync.
type Pending struct {
	call   *request
	err    error
	waited bool
}

// Wait blocks until the queued mutations are committed and fsynced and
// returns nil, or returns the commit's error (then none of them was
// applied). A second Wait returns the first one's result. Wait is for one
// goroutine: a Pending is not safe for concurrent use.
func (p *Pending) Wait() error {
	if !p.waited {
		if p.call != nil {
			p.err = <-p.call.done
		}
		p.waited = true
	}
	return p.err
}

// ApplyAsync queues mutations like Apply but returns at once: the returned
// Pending's Wait reports the commit. Calls are committed in the order they
// were queued, so one goroutine that queues A then B never sees B durable
// without A (a failed commit fails every call of its batch; a later batch
// can still succeed, which is why every Pending must be waited, not only
// the last). It is how one ingest stream keeps many entries in one group
// commit instead of waiting an fsync per entry (server/ingest). A queued
// call cannot be cancelled. Errors: an invalid mutation gives
// ErrInvalidMutation and ErrClosed after Close, with nothing queued.
func (s *Store) ApplyAsync(mutations ...Mutation) (*Pending, error) {
	if len(mutations) == 0 {
		return &Pending{waited: true}, nil
	}
	call, err := s.enqueue(mutations)
	if err != nil {
		return nil, err
	}
	return &Pending{call: call}, nil
}

// enqueue validates mutations and appends one call to the writer's queue.
func (s *Store) enqueue(mutations []Mutation) (*request, error) {
	for _, mutation := range mutations {
		if err := mutation.validate(); err != nil {
			return nil, err
		}
	}
	call := &request{mutations: mutations, done: make(chan error, 1)}
	s.mutex.Lock()
	if s.closed {
		s.mutex.Unlock()
		return nil, ErrClosed
	}
	s.pending = append(s.pending, call)
	s.mutex.Unlock()
	s.signal()
	return call, nil
}

// signal wakes the writer without blocking.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close stops accepting calls, waits until every call queued before it is
// committed (and answered), then closes the file. It is safe to call more
// than once and concurrently; every call returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mutex.Lock()
		s.closed = true
		s.mutex.Unlock()
		s.signal()
		<-s.writerDone
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}
