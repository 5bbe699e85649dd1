package engine

import (
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
	// views caches filtered copies of this snapshot, one per visibility in
	// use, so a fan-out to many watchers at the same level filters once. It is
	// a *viewList accessed atomically (an atomic.Pointer would forbid the
	// struct copy that makes the next version).
	views unsafe.Pointer
}

type viewEntry struct {
	visibility Visibility
	view       *Snapshot
}

type viewList []viewEntry

// View returns this snapshot as a watcher with visibility v may see it. The
// result is cached on the snapshot: concurrent callers share one copy.
func (s *Snapshot) View(v Visibility) *Snapshot {
	if v == visibilityFull || s.visibility != visibilityFull {
		return s
	}
	for {
		list := (*viewList)(atomic.LoadPointer(&s.views))
		if list != nil {
			for i := range *list {
				if (*list)[i].visibility == v {
					return (*list)[i].view
				}
			}
		}
		view := filterSnapshot(s, v)
		var next viewList
		if list != nil {
			next = make(viewList, len(*list), len(*list)+1)
			copy(next, *list)
		}
		next = append(next, viewEntry{visibility: v, view: view})
		if atomic.CompareAndSwapPointer(&s.views, unsafe.Pointer(list), unsafe.Pointer(&next)) {
			return view
		}
	}
}

var (
	emptyAbsent       = &AbsentState{Kind: AbsentNotSet}
	emptyNote         = &Note{}
	emptyCapabilities = &Capabilities{}
	emptyAgent        = &AgentState{}
)
