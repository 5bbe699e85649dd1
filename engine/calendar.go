package engine

import (
	"container/heap"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// VirtualClock is a Clock that moves only when told to. Safe for concurrent use.
type VirtualClock struct {
	ns atomic.Int64
}

// NewVirtualClock returns a clock reading t.
func NewVirtualClock(t time.Time) *VirtualClock {
	c := &VirtualClock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now returns the clock's reading.
func (c *VirtualClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *VirtualClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock forward by d.
func (c *VirtualClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// wakeEntry asks the scheduler to look at c at time at; it is stale when
// c.wakeGen has moved on.
type wakeEntry struct {
	at  time.Time
	c   *contact
	gen uint64
}

type wakeHeap []wakeEntry

func (h wakeHeap) Len() int           { return len(h) }
func (h wakeHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h wakeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *wakeHeap) Push(x any)        { *h = append(*h, x.(wakeEntry)) }
func (h *wakeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// scheduler wakes contacts at appointment starts and ends, when an
// appointment enters the next-appointments window, and at the bounds of a
// manual absent state. Lock order: contact.mu before scheduler.mu.
type scheduler struct {
	mu   sync.Mutex // guards heap
	heap wakeHeap
	kick chan struct{}
}

func (s *scheduler) init() { s.kick = make(chan struct{}, 1) }

func (s *scheduler) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.heap)
}

// reschedule computes when c next needs the scheduler and queues it. Caller
// holds c.mu.
func (e *Engine) reschedule(c *contact, next *Snapshot, now time.Time) {
	wake := time.Time{}
	consider := func(t time.Time) {
		if t.After(now) && (wake.IsZero() || t.Before(wake)) {
			wake = t
		}
	}
	for i := range c.calendar {
		a := &c.calendar[i]
		consider(a.Start.Add(-e.cfg.NextAppointmentsWindow))
		consider(a.Start)
		consider(a.End)
	}
	if next.Absent.Kind != AbsentNotSet {
		consider(next.Absent.From)
		consider(next.Absent.To)
	}
	if wake.Equal(c.wake) {
		return
	}
	c.wake = wake
	c.wakeGen++
	if wake.IsZero() {
		return
	}
	e.sched.mu.Lock()
	heap.Push(&e.sched.heap, wakeEntry{at: wake, c: c, gen: c.wakeGen})
	first := e.sched.heap[0].c == c && e.sched.heap[0].gen == c.wakeGen
	e.sched.mu.Unlock()
	if first {
		select {
		case e.sched.kick <- struct{}{}:
		default:
		}
	}
}

// Tick processes every appointment and absent-state boundary due at the
// clock's current reading. With Config.ManualTick the embedder calls it
// after moving a virtual clock; otherwise the engine's goroutine does.
// Each boundary runs at its own instant, not at the clock's reading, and
// as its own version (catchUp): a scheduler that runs late (a loaded
// machine, a virtual clock moved by minutes) produces the same versions
// as one on time. It returns the number of contacts refreshed.
func (e *Engine) Tick() int {
	now := e.clock.Now()
	var due []wakeEntry
	e.sched.mu.Lock()
	for len(e.sched.heap) > 0 && !e.sched.heap[0].at.After(now) {
		due = append(due, heap.Pop(&e.sched.heap).(wakeEntry))
	}
	e.sched.mu.Unlock()
	n := 0
	// The boundaries of one instant (every meeting starting at 10:00) wake
	// each watcher once per wakeBatchAge rather than once per contact, so
	// connection writers send them together.
	var batch wakeBatch
	batch.begin(time.Now())
	for _, w := range due {
		c := w.c
		c.mu.Lock()
		published := 0
		if !c.removed && c.wakeGen == w.gen {
			n++
			published = e.catchUp(c, now, &batch)
		}
		c.mu.Unlock()
		e.afterPublish(c, published)
		t := time.Now() // one reading: the end of this update, the start of the next
		if batch.due(t) {
			batch.flush()
		}
		batch.begin(t)
	}
	batch.flush()
	return n
}

// catchUp runs c's calendar boundaries that are due at or before upTo, in
// order, each at its own instant: the active appointments, the next
// appointments and the state are those of that instant, and the override
// rule sees every step. It returns the number of versions published.
// Caller holds c.mu.
func (e *Engine) catchUp(c *contact, upTo time.Time, batch *wakeBatch) int {
	published := 0
	for !c.wake.IsZero() && !c.wake.After(upTo) {
		at := c.wake
		c.wake = time.Time{} // consumed; refreshCalendar queues the next one
		if e.apply(c, func(c *contact, next *Snapshot, now time.Time) Section {
			return e.refreshCalendar(c, next, now) | sectionRecompute
		}, at, batch) {
			published++
		}
		if !c.wake.After(at) {
			break // refreshCalendar queued nothing later (cannot happen; a guard against a loop)
		}
	}
	return published
}

// nextWake returns the time of the earliest queued boundary.
func (e *Engine) nextWake() (time.Time, bool) {
	e.sched.mu.Lock()
	defer e.sched.mu.Unlock()
	if len(e.sched.heap) == 0 {
		return time.Time{}, false
	}
	return e.sched.heap[0].at, true
}

func (e *Engine) runScheduler() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.Tick()
		wait := time.Hour
		if at, ok := e.nextWake(); ok {
			wait = at.Sub(e.clock.Now())
			if wait < 0 {
				wait = 0
			}
		}
		timer.Reset(wait)
		select {
		case <-e.stop:
			return
		case <-e.sched.kick:
		case <-timer.C:
		}
	}
}

// refreshCalendar recomputes the active and next appointments and expires a
// manual absent state whose window has ended. Caller holds c.mu.
func (e *Engine) refreshCalendar(c *contact, next *Snapshot, now time.Time) Section {
	var changed Section
	var active, upcoming []Appointment
	horizon := now.Add(e.cfg.NextAppointmentsWindow)
	for i := range c.calendar {
		a := &c.calendar[i]
		switch {
		case !a.Start.After(now) && a.End.After(now):
			active = append(active, *a)
		case a.Start.After(now) && !a.Start.After(horizon) && len(upcoming) < e.cfg.NextAppointmentsLimit:
			upcoming = append(upcoming, *a)
		}
	}
	if !sameAppointments(active, next.ActiveAppointments) || !sameAppointments(upcoming, next.NextAppointments) {
		next.ActiveAppointments = active
		next.NextAppointments = upcoming
		next.NextAppointment = nil
		if len(upcoming) > 0 {
			next.NextAppointment = &upcoming[0]
		}
		changed |= SectionAppointments
	}
	if m := next.Absent; m.Kind != AbsentNotSet && !m.To.IsZero() && !now.Before(m.To) {
		next.Absent = emptyAbsent
		c.overridden = false
		changed |= SectionAbsentState
	}
	e.reschedule(c, next, now)
	return changed
}

func sameAppointments(a, b []Appointment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sortAppointments orders a calendar by start, then end, then id.
func sortAppointments(list []Appointment) {
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].Start.Equal(list[j].Start) {
			return list[i].Start.Before(list[j].Start)
		}
		if !list[i].End.Equal(list[j].End) {
			return list[i].End.Before(list[j].End)
		}
		return list[i].EntryID < list[j].EntryID
	})
}
