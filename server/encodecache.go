package server

import (
	"sync/atomic"
	"unsafe"

	"github.com/ucpresence/presence/engine"
)

// encodeCache shares the encoded bytes of one presence event between the
// connection writers that send it: N watchers with the same visibility of
// the same contact version receiving the same sections cost one encode,
// not N. The key is the engine's view snapshot (one per contact version and
// visibility level: the engine's view cache), the changed sections, the
// event version (V2 only: V1 events are not cached) and the envelope.
// Updates with per-watcher content (calls: a diff against what the watcher
// saw; configuration: the watcher's own current rights) are not cached.
//
// It is direct-mapped: encodeCacheSlots slots, a new entry replaces
// whatever its slot held, so memory is bounded (each slot pins one view
// snapshot and one event of ~0.1-2 KB) and no eviction runs. Safe for
// concurrent use: slots are atomic pointers to immutable entries.
type encodeCache struct {
	slots  [encodeCacheSlots]atomic.Pointer[encodedEvent]
	hits   atomic.Int64
	misses atomic.Int64
}

// encodeCacheSlots bounds the cache: 4,096 events of typically 200-600
// bytes (about 2 MB with their pinned snapshots).
const encodeCacheSlots = 4096

// encodedEvent is one cached event. Immutable once published.
type encodedEvent struct {
	view    *engine.Snapshot
	changed engine.Section
	wrapped bool
	payload []byte
}

// cacheable reports whether u's event is the same for every watcher that
// shares its view.
func cacheable(u *engine.Update) bool {
	return !u.Removed && u.Calls == nil && u.CurrentRights == nil &&
		u.Changed&(engine.SectionCalls|engine.SectionConfig) == 0
}

func (c *encodeCache) slot(view *engine.Snapshot, changed engine.Section, wrapped bool) *atomic.Pointer[encodedEvent] {
	h := uint64(uintptr(unsafe.Pointer(view)))
	h ^= uint64(changed) * 0x9E3779B97F4A7C15
	if wrapped {
		h ^= 0xBF58476D1CE4E5B9
	}
	h ^= h >> 29
	h *= 0x94D049BB133111EB
	h ^= h >> 32
	return &c.slots[h&(encodeCacheSlots-1)]
}

// get returns the cached event for (view, changed, wrapped).
func (c *encodeCache) get(view *engine.Snapshot, changed engine.Section, wrapped bool) ([]byte, bool) {
	e := c.slot(view, changed, wrapped).Load()
	if e != nil && e.view == view && e.changed == changed && e.wrapped == wrapped {
		c.hits.Add(1)
		return e.payload, true
	}
	c.misses.Add(1)
	return nil, false
}

// put publishes an encoded event; payload is copied.
func (c *encodeCache) put(view *engine.Snapshot, changed engine.Section, wrapped bool, payload []byte) {
	e := &encodedEvent{view: view, changed: changed, wrapped: wrapped, payload: append([]byte(nil), payload...)}
	c.slot(view, changed, wrapped).Store(e)
}
