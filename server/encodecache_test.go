package server

import (
	"testing"

	"github.com/ucpresence/presence/engine"
)

func TestEncodeCacheKeys(t *testing.T) {
	var c encodeCache
	a, b := &engine.Snapshot{ContactID: "a"}, &engine.Snapshot{ContactID: "a"}
	c.put(a, engine.SectionNote, false, []byte("note of a"))
	if got, ok := c.get(a, engine.SectionNote, false); !ok || string(got) != "note of a" {
		t.Fatalf("hit: %q %v", got, ok)
	}
	for _, miss := range []struct {
		view    *engine.Snapshot
		changed engine.Section
		wrapped bool
	}{{b, engine.SectionNote, false}, {a, engine.SectionNote | engine.SectionPresence, false}, {a, engine.SectionNote, true}} {
		if got, ok := c.get(miss.view, miss.changed, miss.wrapped); ok {
			t.Fatalf("%+v: hit %q", miss, got)
		}
	}
	if c.hits.Load() != 1 || c.misses.Load() != 3 {
		t.Fatalf("hits %d misses %d", c.hits.Load(), c.misses.Load())
	}
	for _, u := range []engine.Update{
		{Snapshot: a, Changed: engine.SectionCalls},
		{Snapshot: a, Changed: engine.SectionConfig},
		{Snapshot: a, Changed: engine.SectionNote, CurrentRights: &engine.CurrentRights{}},
		{ContactID: "a", Removed: true},
	} {
		if cacheable(&u) {
			t.Errorf("per-watcher update cacheable: %+v", u)
		}
	}
	if !cacheable(&engine.Update{Snapshot: a, Changed: engine.SectionNote | engine.SectionPresence}) {
		t.Error("a note and presence update is not cacheable")
	}
}
