package model

import (
	"slices"
	"sync"
	"testing"
)

func TestStreamIsOrderedAndIDsAreUnique(t *testing.T) {
	for _, name := range []string{"smoke", "callcenter"} {
		all := events(shipped(t, name))
		if len(all) < 1000 {
			t.Fatalf("%s: only %d events", name, len(all))
		}
		seen := make(map[uint64]bool, len(all))
		for i, event := range all {
			if i > 0 && event.At < all[i-1].At {
				t.Fatalf("%s: event %d at %v comes after one at %v:\n%v\n%v", name, i, event.At, all[i-1].At, all[i-1], event)
			}
			if seen[event.ID] {
				t.Fatalf("%s: duplicate event ID %x", name, event.ID)
			}
			seen[event.ID] = true
			if event.At < 0 {
				t.Fatalf("%s: negative time %v", name, event)
			}
		}
	}
}

// TestOnlyCallsOutliveTheDay: after the day's length only the life of
// calls that started continues.
func TestOnlyCallsOutliveTheDay(t *testing.T) {
	p, all := flatCallsStream(t)
	late := 0
	for _, event := range all {
		if event.At > p.dayLength {
			late++
			if event.Kind != KindCall && event.Kind != KindAgentState {
				t.Fatalf("%v is after the day and not part of a call", event)
			}
			if event.CallState == CallDialing || event.CallState == CallOffering && int(event.User) == event.Origin() {
				t.Fatalf("a call starts after the day: %v", event)
			}
		}
	}
	if late == 0 {
		t.Error("no call ran past the day end; the drain is untested (raise the rate)")
	}
}

// TestStreamRangesPartitionTheStream: streams over a partition of the
// users together give exactly the full stream; run in parallel under
// -race they share the population safely.
func TestStreamRangesPartitionTheStream(t *testing.T) {
	p := shipped(t, "smoke")
	full := events(p)
	bounds := []int{0, 3, 9, 14, p.Size()}
	parts := make([][]Event, len(bounds)-1)
	var wait sync.WaitGroup
	for i := range parts {
		wait.Add(1)
		go func() {
			defer wait.Done()
			stream, err := NewStreamRange(p, bounds[i], bounds[i+1])
			if err != nil {
				t.Error(err)
				return
			}
			for event := range stream.All() {
				parts[i] = append(parts[i], event)
			}
		}()
	}
	wait.Wait()
	var union []Event
	for _, part := range parts {
		union = append(union, part...)
	}
	byID := func(a, b Event) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	}
	slices.SortFunc(union, byID)
	sorted := slices.Clone(full)
	slices.SortFunc(sorted, byID)
	if !slices.Equal(union, sorted) {
		t.Fatalf("the partition's streams (%d events) differ from the full stream (%d)", len(union), len(sorted))
	}
	if _, err := NewStreamRange(p, 5, p.Size()+1); err == nil {
		t.Error("NewStreamRange accepted a range past the population")
	}
}

// TestNextDoesNotAllocate guards the hot path: after warm-up, generating
// an event allocates nothing (pending buffers are reused).
func TestNextDoesNotAllocate(t *testing.T) {
	p := shipped(t, "smoke")
	stream := NewStream(p)
	var event Event
	for range 500 {
		stream.Next(&event)
	}
	allocations := testing.AllocsPerRun(1000, func() {
		if !stream.Next(&event) {
			stream = NewStream(p)
		}
	})
	if allocations >= 1 {
		t.Errorf("Next allocates %.2f times per event, want 0", allocations)
	}
}
