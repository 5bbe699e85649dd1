package auth

import (
	"container/list"
	"sync"
	"time"
)

// busyRetry is the RetryAfter of an attempt refused because too many
// attempts for the same name are being checked right now: one derivation
// (84 ms) later the picture has changed.
const busyRetry = time.Second

// failureTracker counts failed password attempts per login name and locks a
// name out after too many.
//
// Attempts in flight count against the budget: a name with f failures in
// the window accepts at most maxFailures-f attempts at the same time, and
// refuses more with 131 and a RetryAfter of one second. So at most
// maxFailures passwords are ever checked per name and window, however many
// requests arrive in parallel; counting failures only after the check
// would let a burst of N parallel guesses through. The price: more than
// maxFailures simultaneous logins of one user (within one derivation time)
// see a transient 131.
//
// The table is bounded: at most capacity names, least recently attempted
// evicted first (map plus LRU list, O(1) per attempt). An attacker who
// sprays capacity distinct names can evict a locked entry and so win
// another maxFailures guesses, but every sprayed name costs the server one
// full password derivation (84 ms at the default cost): with the default
// 10,000 names, 14 CPU-minutes per extra round of guesses.
//
// Safe for concurrent use.
type failureTracker struct {
	maxFailures int // <= 0: lockout disabled
	window      time.Duration
	duration    time.Duration
	capacity    int

	mu      sync.Mutex               // guards entries and order
	entries map[string]*list.Element // login -> element of order (*failureEntry)
	order   list.List                // front: most recently attempted
}

// failureEntry is the record of one login name.
type failureEntry struct {
	login       string
	first       time.Time // first failure of the window (zero: no failure)
	failures    int       // failures since first
	inFlight    int       // attempts begun and not finished
	lockedUntil time.Time // zero: not locked
}

func newFailureTracker(maxFailures int, window, duration time.Duration, capacity int) *failureTracker {
	return &failureTracker{
		maxFailures: maxFailures,
		window:      window,
		duration:    duration,
		capacity:    capacity,
		entries:     make(map[string]*list.Element),
	}
}

// begin starts an attempt for login at now. It returns false and how long
// to wait when the name is locked out or its budget is taken by attempts in
// flight. Every successful begin must be followed by one finish.
func (t *failureTracker) begin(login string, now time.Time) (time.Duration, bool) {
	if t.maxFailures <= 0 {
		return 0, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var e *failureEntry
	if element, ok := t.entries[login]; ok {
		t.order.MoveToFront(element)
		e = element.Value.(*failureEntry)
		if now.Before(e.lockedUntil) {
			return e.lockedUntil.Sub(now), false
		}
		if !e.lockedUntil.IsZero() || e.failures > 0 && now.Sub(e.first) >= t.window {
			e.failures, e.first, e.lockedUntil = 0, time.Time{}, time.Time{}
		}
	} else {
		if len(t.entries) >= t.capacity {
			oldest := t.order.Back()
			delete(t.entries, oldest.Value.(*failureEntry).login)
			t.order.Remove(oldest)
		}
		e = &failureEntry{login: login}
		t.entries[login] = t.order.PushFront(e)
	}
	if e.failures+e.inFlight >= t.maxFailures {
		return busyRetry, false
	}
	e.inFlight++
	return 0, true
}

// finish ends an attempt begun at begin. A success forgets the name (its
// failures and any lockout); a failure counts, and the one that reaches
// maxFailures locks the name for the lockout duration from now.
func (t *failureTracker) finish(login string, now time.Time, success bool) {
	if t.maxFailures <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	element, ok := t.entries[login]
	if !ok {
		return // evicted meanwhile
	}
	e := element.Value.(*failureEntry)
	if e.inFlight > 0 {
		e.inFlight--
	}
	if success {
		if e.inFlight == 0 {
			delete(t.entries, login)
			t.order.Remove(element)
			return
		}
		e.failures, e.first, e.lockedUntil = 0, time.Time{}, time.Time{}
		return
	}
	if e.failures == 0 {
		e.first = now
	}
	e.failures++
	if e.failures >= t.maxFailures && e.lockedUntil.IsZero() {
		e.lockedUntil = now.Add(t.duration)
	}
}

// size returns the number of login names tracked.
func (t *failureTracker) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
