package run

import (
	"container/heap"
	"sync"
	"time"
)

// boundary is a calendar boundary of one user (an appointment start or
// end) at which the engine's clock makes it look at the contact again.
type boundary struct {
	at   time.Time // on the engine's clock
	user int32
}

// boundaryHeap orders boundaries by time (container/heap).
type boundaryHeap []boundary

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h boundaryHeap) Len() int           { return len(h) }
func (h boundaryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h boundaryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *boundaryHeap) Push(x any)        { *h = append(*h, x.(boundary)) }
func (h *boundaryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// boundaries is the driver's own list of upcoming calendar boundaries, so
// that the change a boundary causes can be recorded with the boundary's
// intended time. Registered after every calendar change; a boundary that
// no longer exists (the appointment moved) is popped and causes nothing.
// Safe for concurrent use.
type boundaries struct {
	mu   sync.Mutex // guards heap
	heap boundaryHeap
}

// add registers boundaries of user.
func (b *boundaries) add(user int32, times []time.Time) {
	if len(times) == 0 {
		return
	}
	b.mu.Lock()
	for _, t := range times {
		heap.Push(&b.heap, boundary{at: t, user: user})
	}
	b.mu.Unlock()
}

// next returns the earliest boundary time.
func (b *boundaries) next() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.heap) == 0 {
		return time.Time{}, false
	}
	return b.heap[0].at, true
}

// due pops every boundary at or before now into dst, keeping for each user
// the earliest time (the cause that waited longest).
func (b *boundaries) due(now time.Time, dst map[int32]time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.heap) > 0 && !b.heap[0].at.After(now) {
		x := heap.Pop(&b.heap).(boundary)
		if t, ok := dst[x.user]; !ok || x.at.Before(t) {
			dst[x.user] = x.at
		}
	}
}
