package engine

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// Snapshot is the immutable state of one contact at one version. The engine
// publishes a new Snapshot for every change; readers never lock. Section
// values reachable from a Snapshot (slices, pointers) are shared between
// versions and must never be modified.
type Snapshot struct {
	ContactID string
	Version   uint64
	State     PresenceState
	// Published is when this version was published (wall clock, Unix
	// nanoseconds, whatever the engine clock says): the start of the
	// apply-to-write latency the server and the simulator measure.
	Published int64
	// changed is what this version changed relative to the previous one.
	changed Section
	// sectionVersions holds, per contact section (see sectionSlot), the low
	// 32 bits of the version in which that section last changed (48 bytes a
	// version instead of 96 for full versions; see changedSince for why 32
	// bits are exact). Pull derives what a watcher has not seen from it:
	// marks only say "look again", so a delivery never depends on which
	// marks landed when.
	sectionVersions [sectionSlots]uint32
	// recent[i] is the union of the contact sections changed in the last
	// i+1 versions, (Version-i-1, Version]: changedSince answers a lag of
	// up to recentVersions with one load instead of a walk over
	// sectionVersions. A puller a few versions behind is the common case
	// under coalescing (the hot fan-out benchmark pulls 4 versions at a
	// time), and the walk cost ~8 ns of every such delivery.
	recent [recentVersions]Section

	Data          *ContactData
	PropertyBag   []StringPair
	FeatureSet    uint32
	StaticRights  uint32
	StaticRights2 uint32
	MonitorRights uint32

	Absent *AbsentState // never nil; Kind == AbsentNotSet when none
	Note   *Note        // never nil; Text == "" when none

	ActiveAppointments []Appointment
	NextAppointment    *Appointment // first appointment starting within 30 days, or nil
	NextAppointments   []Appointment

	Lines    []Line
	Calls    []*Call
	Forwards []Forward

	Capabilities *Capabilities // never nil
	Agent        *AgentState   // never nil
	Grouping     *GroupingAttribute

	SmallImage *Image // nil when none
	LargeImage *Image // nil when none

	// visibility is the filter this snapshot was made for (visibilityFull for
	// the engine's own copy).
	visibility Visibility
	// cache holds filtered copies of this version (see View). It lives in
	// the same allocation as the snapshot (snapshotBox) but outside the
	// Snapshot struct, so copying a Snapshot to make the next version never
	// reads memory that pullers write.
	cache *viewCache
	// filtered caches filtered contact data across versions (shared by
	// every version of one contact): data changes far less often than state.
	filtered *dataCache
}

const viewSlots = 4

// viewCache holds filtered copies of one version (*Snapshot, accessed
// atomically), one per visibility in use, so a fan-out to many watchers at
// the same level filters once per version. Four slots cover the four
// visible levels; a fifth distinct visibility is filtered uncached.
type viewCache struct {
	views [viewSlots]unsafe.Pointer
}

// snapshotBox allocates a version and its view cache together.
type snapshotBox struct {
	snapshot Snapshot
	cache    viewCache
}

// nextSnapshot returns a copy of old, with an empty view cache, to become
// the next version.
func nextSnapshot(old *Snapshot) *Snapshot {
	b := &snapshotBox{snapshot: *old}
	b.snapshot.cache = &b.cache
	return &b.snapshot
}

// sectionSlots is the number of versioned sections: the twelve contact
// sections of SectionsContact (bits 0..9, 15 and 16).
const sectionSlots = 12

// sectionSlot returns the index of a single contact-section bit in
// Snapshot.sectionVersions.
func sectionSlot(bit Section) int {
	n := bits.TrailingZeros32(uint32(bit))
	if n >= 10 {
		return n - 5 // agent (bit 15) and grouping (bit 16) follow forwards (bit 9)
	}
	return n
}

// recentVersions is how many of the latest versions Snapshot.recent
// covers (32 bytes a version).
const recentVersions = 8

// stamp records, on the next version s of old (s.Version already set), that
// the sections in changed changed in it. Called before s is published.
// Versions may jump (a replica receives the owner's latest version, a
// rebase continues above another node's): the versions in between never
// existed here, so a watcher can have seen only old or earlier.
func (s *Snapshot) stamp(old *Snapshot, changed Section) {
	changed &= SectionsContact
	s.stampSections(changed)
	jump := s.Version - old.Version
	for i := range s.recent {
		s.recent[i] = changed
		if uint64(i) >= jump {
			s.recent[i] |= old.recent[uint64(i)-jump]
		}
	}
}

// stampSections records that the sections in changed last changed in this
// snapshot's version (see stamp).
func (s *Snapshot) stampSections(changed Section) {
	changed &= SectionsContact
	for changed != 0 {
		bit := changed & -changed
		s.sectionVersions[sectionSlot(bit)] = uint32(s.Version)
		changed &^= bit
	}
}

// changedSince returns the contact sections that changed after version
// seen, up to this version. Most pulls follow the previous version, whose
// changes are this snapshot's own.
//
// A section changed after seen when its age (versions since its last
// change) is below the lag (versions since seen). Ages are computed modulo
// 2^32 from the stored low bits: exact for every section changed within the
// last 2^32 versions; an older section can only look younger, which names
// it once too often and never misses a change. A lag of 2^31 versions or
// more (a watcher that has not pulled for two billion changes of one
// contact) names every section.
func (s *Snapshot) changedSince(seen uint64) Section {
	if seen >= s.Version {
		return 0
	}
	lag := s.Version - seen
	if lag <= recentVersions {
		return s.recent[lag-1]
	}
	return s.changedSinceWalk(lag)
}

// changedSinceWalk is changedSince for a lag beyond Snapshot.recent, from
// the per-section versions.
func (s *Snapshot) changedSinceWalk(lag uint64) Section {
	if lag >= 1<<31 {
		return SectionsContact
	}
	current := uint32(s.Version)
	var out Section
	for i, v := range s.sectionVersions {
		if uint64(current-v) < lag {
			out |= slotSection[i]
		}
	}
	return out
}

// slotSection is the inverse of sectionSlot.
var slotSection = [sectionSlots]Section{
	SectionPresence, SectionData, SectionImage, SectionConfig, SectionAbsentState, SectionNote,
	SectionAppointments, SectionLines, SectionCalls, SectionForwards, SectionAgent, SectionGrouping,
}

// View returns this snapshot as a watcher with visibility v may see it. The
// result is cached on the snapshot: concurrent callers share one copy.
func (s *Snapshot) View(v Visibility) *Snapshot {
	if v == visibilityFull || s.visibility != visibilityFull {
		return s
	}
	if s.cache == nil {
		return filterSnapshot(s, v)
	}
	views := &s.cache.views
	for i := range views {
		p := atomic.LoadPointer(&views[i])
		if p == nil {
			view := filterSnapshot(s, v)
			if atomic.CompareAndSwapPointer(&views[i], nil, unsafe.Pointer(view)) {
				return view
			}
			p = atomic.LoadPointer(&views[i]) // lost the race: use the winner if it matches
		}
		if view := (*Snapshot)(p); view.visibility == v {
			return view
		}
	}
	return filterSnapshot(s, v)
}

// dataCache remembers the last filtered copy of a contact's data per data
// visibility (the three data bits give at most 8 entries).
type dataCache struct {
	entries [8]atomic.Pointer[dataCacheEntry]
}

type dataCacheEntry struct {
	source, filtered *ContactData
}

func (c *dataCache) get(d *ContactData, v Visibility) *ContactData {
	if c == nil {
		return filterData(d, v)
	}
	slot := &c.entries[dataBits(v)]
	if e := slot.Load(); e != nil && e.source == d {
		return e.filtered
	}
	f := filterData(d, v)
	slot.Store(&dataCacheEntry{source: d, filtered: f})
	return f
}

func dataBits(v Visibility) int {
	n := 0
	if v&VisibilityDataPublic != 0 {
		n |= 1
	}
	if v&VisibilityDataCompany != 0 {
		n |= 2
	}
	if v&VisibilityDataPersonal != 0 {
		n |= 4
	}
	return n
}

var (
	emptyAbsent       = &AbsentState{Kind: AbsentNotSet}
	emptyNote         = &Note{}
	emptyCapabilities = &Capabilities{}
	emptyAgent        = &AgentState{}
)
