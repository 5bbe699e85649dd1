package oracle

import (
	"container/heap"
	"sync"
	"time"
)

// Boundary is a calendar boundary of one user (an appointment start or
// end) at which the engine's clock makes it look at the contact again.
type Boundary struct {
	At   time.Time // on the engine's clock
	User int32
}

// BoundaryHeap orders boundaries by time (container/heap).
type BoundaryHeap []Boundary

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h BoundaryHeap) Len() int           { return len(h) }
func (h BoundaryHeap) Less(i, j int) bool { return h[i].At.Before(h[j].At) }
func (h BoundaryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *BoundaryHeap) Push(x any)        { *h = append(*h, x.(Boundary)) }
func (h *BoundaryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Boundaries is the driver's own list of upcoming calendar boundaries, so
// that the change a boundary causes can be recorded with the boundary's
// intended time. Registered after every calendar change; a boundary that
// no longer exists (the appointment moved) is popped and causes nothing.
// Safe for concurrent use.
type Boundaries struct {
	mu   sync.Mutex // guards heap
	heap BoundaryHeap
}

// Add registers boundaries of user.
func (b *Boundaries) Add(user int32, times []time.Time) {
	if len(times) == 0 {
		return
	}
	b.mu.Lock()
	for _, t := range times {
		heap.Push(&b.heap, Boundary{At: t, User: user})
	}
	b.mu.Unlock()
}

// Next returns the earliest boundary time.
func (b *Boundaries) Next() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.heap) == 0 {
		return time.Time{}, false
	}
	return b.heap[0].At, true
}

// DueInOrder pops every boundary at or before now and appends it to dst in
// time order (the engine runs each instant on its own, see engine.Tick).
func (b *Boundaries) DueInOrder(now time.Time, dst []Boundary) []Boundary {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.heap) > 0 && !b.heap[0].At.After(now) {
		dst = append(dst, heap.Pop(&b.heap).(Boundary))
	}
	return dst
}

// Due pops every boundary at or before now into dst, keeping for each user
// the earliest time (the cause that waited longest).
func (b *Boundaries) Due(now time.Time, dst map[int32]time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.heap) > 0 && !b.heap[0].At.After(now) {
		x := heap.Pop(&b.heap).(Boundary)
		if t, ok := dst[x.User]; !ok || x.At.Before(t) {
			dst[x.User] = x.At
		}
	}
}
