package model

import (
	"fmt"
	"iter"
	"time"
)

// Stream merges the per-user generators into one sequence ordered by
// intended time: a binary heap keyed by each user's next event, so memory
// holds a few scheduled events per user, never the whole day. Events with
// equal At come in the order of the originating user's index, then of
// generation.
//
// A Stream is not safe for concurrent use; independent streams (e.g. one
// per shard from NewStreamRange) may run in parallel.
type Stream struct {
	users []userGenerator
	heap  []streamEntry
	from  int
}

// streamEntry is a heap slot: a user generator and the time of its next
// event.
type streamEntry struct {
	at    time.Duration
	index int32
}

func (e streamEntry) before(other streamEntry) bool {
	return e.at < other.at || (e.at == other.at && e.index < other.index)
}

// NewStream returns the event stream of every user of the population.
func NewStream(population *Population) *Stream {
	stream, _ := NewStreamRange(population, 0, population.Size())
	return stream
}

// NewStreamRange returns the stream of the events that users [from, to)
// generate. It includes the callee side of their internal calls, which may
// concern users outside the range, and excludes calls that users outside
// the range place to users inside it. The union of the streams of a
// partition of the users is exactly the full stream.
func NewStreamRange(population *Population, from, to int) (*Stream, error) {
	if from < 0 || to > population.Size() || from > to {
		return nil, fmt.Errorf("model: user range [%d, %d) outside [0, %d)", from, to, population.Size())
	}
	s := &Stream{users: make([]userGenerator, to-from), from: from}
	s.heap = make([]streamEntry, 0, to-from)
	for i := range s.users {
		generator := &s.users[i]
		generator.init(population, from+i)
		if generator.advance() {
			s.heap = append(s.heap, streamEntry{at: generator.pending.peek().At, index: int32(i)})
		}
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
	return s, nil
}

// Next stores the next event in dst and returns true, or returns false at
// the end of the stream.
func (s *Stream) Next(dst *Event) bool {
	if len(s.heap) == 0 {
		return false
	}
	top := &s.heap[0]
	generator := &s.users[top.index]
	generator.pending.pop(dst)
	if generator.advance() {
		top.at = generator.pending.peek().At
	} else {
		last := len(s.heap) - 1
		s.heap[0] = s.heap[last]
		s.heap = s.heap[:last]
	}
	if len(s.heap) > 1 {
		s.down(0)
	}
	return true
}

// All returns the remaining events as an iterator.
func (s *Stream) All() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		var event Event
		for s.Next(&event) {
			if !yield(event) {
				return
			}
		}
	}
}

// Peek returns the intended time of the next event, false at the end.
func (s *Stream) Peek() (time.Duration, bool) {
	if len(s.heap) == 0 {
		return 0, false
	}
	return s.heap[0].at, true
}

func (s *Stream) down(i int) {
	heap := s.heap
	n := len(heap)
	entry := heap[i]
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && heap[right].before(heap[child]) {
			child = right
		}
		if !heap[child].before(entry) {
			break
		}
		heap[i] = heap[child]
		i = child
	}
	heap[i] = entry
}
