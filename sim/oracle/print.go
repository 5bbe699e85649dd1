package oracle

import (
	"hash/maphash"
	"time"

	"github.com/ucpresence/presence/engine"
)

// PrintSections are the sections the oracle compares: the state word, the
// manual absent state, the note, the active appointments, the lines, the
// calls, the forwards and the agent state. Contact data, configuration
// and the next-appointments list are not compared (they do not change
// during a simulated day, or are a function of the calendar and the clock).
const PrintSections = engine.SectionPresence | engine.SectionAbsentState | engine.SectionNote |
	engine.SectionAppointments | engine.SectionLines | engine.SectionCalls | engine.SectionForwards | engine.SectionAgent

// printSeed keys the section hashes. Prints are compared only within one
// process, so a per-process seed is enough.
var printSeed = maphash.MakeSeed()

// ViewPrint is the fingerprint of one contact as one watcher sees it: the
// state word and the small enums verbatim, every list section as a 64-bit
// hash. Two views with equal prints show the same presence (up to hash
// collisions, about 2^-64 per comparison). 40 bytes; a plain value.
type ViewPrint struct {
	State        uint32
	Absent       uint8
	Agent        uint8
	Note         uint64
	Appointments uint64
	Lines        uint64
	Calls        uint64
	Forwards     uint64
}

// Differs returns the sections of mask whose content differs between p and q.
func (p *ViewPrint) Differs(q *ViewPrint, mask engine.Section) engine.Section {
	var d engine.Section
	if p.State != q.State {
		d |= engine.SectionPresence
	}
	if p.Absent != q.Absent {
		d |= engine.SectionAbsentState
	}
	if p.Agent != q.Agent {
		d |= engine.SectionAgent
	}
	if p.Note != q.Note {
		d |= engine.SectionNote
	}
	if p.Appointments != q.Appointments {
		d |= engine.SectionAppointments
	}
	if p.Lines != q.Lines {
		d |= engine.SectionLines
	}
	if p.Calls != q.Calls {
		d |= engine.SectionCalls
	}
	if p.Forwards != q.Forwards {
		d |= engine.SectionForwards
	}
	return d & mask
}

// FromSnapshot sets the sections in mask from a (filtered) engine snapshot.
func (p *ViewPrint) FromSnapshot(s *engine.Snapshot, mask engine.Section) {
	if mask&engine.SectionPresence != 0 {
		p.State = uint32(s.State)
	}
	if mask&engine.SectionAbsentState != 0 {
		p.Absent = uint8(s.Absent.Kind)
	}
	if mask&engine.SectionAgent != 0 {
		p.Agent = uint8(s.Agent.State)
	}
	if mask&engine.SectionNote != 0 {
		p.Note = HashString(s.Note.Text)
	}
	if mask&engine.SectionAppointments != 0 {
		h := uint64(0)
		for i := range s.ActiveAppointments {
			a := &s.ActiveAppointments[i]
			h ^= AppointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start, a.End)
		}
		p.Appointments = h
	}
	if mask&engine.SectionLines != 0 {
		h := uint64(len(s.Lines))
		for i := range s.Lines {
			l := &s.Lines[i]
			h = Mix(h ^ LineHash(l.URI, int32(l.State), l.DoNotDisturb))
		}
		p.Lines = h
	}
	if mask&engine.SectionCalls != 0 {
		h := uint64(0)
		for _, c := range s.Calls {
			h ^= callHash(HashString(c.ConnectionID), int32(c.State))
		}
		p.Calls = h
	}
	if mask&engine.SectionForwards != 0 {
		h := uint64(0)
		for i := range s.Forwards {
			f := &s.Forwards[i]
			h ^= ForwardHash(f.LineURI, f.InternalID, f.Destination)
		}
		p.Forwards = h
	}
}

// HashString hashes a string section; the empty string hashes to 0 so that
// "no note" is the zero print.
func HashString(s string) uint64 {
	if s == "" {
		return 0
	}
	return maphash.String(printSeed, s)
}

// Mix is the splitmix64 finalizer.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// callHash is one call's contribution to the calls hash: the calls section
// is a set, hashed as the XOR of its members (order-free, and a delta
// updates it in O(1)).
func callHash(id uint64, state int32) uint64 { return Mix(id + uint64(state)*0x9e3779b97f4a7c15) }

// AppointmentHash is one active appointment's contribution. Times count in
// milliseconds, the resolution of the wire's AsnSystemTime.
func AppointmentHash(id string, status int32, allDay bool, start, end time.Time) uint64 {
	h := HashString(id) ^ uint64(status)<<1
	if allDay {
		h ^= 1
	}
	return Mix(Mix(h^uint64(start.UnixMilli())) + uint64(end.UnixMilli()))
}

// LineHash is one line's contribution to the lines hash.
func LineHash(uri string, state int32, doNotDisturb bool) uint64 {
	h := HashString(uri) + uint64(state)
	if doNotDisturb {
		h ^= 1 << 40
	}
	return h
}

// ForwardHash is one forward's contribution to the forwards hash.
func ForwardHash(lineURI string, internalID int32, destination string) uint64 {
	return Mix(HashString(lineURI) ^ uint64(internalID)<<32 ^ Mix(HashString(destination)))
}

// CallItem is one call in a watcher's merged view.
type CallItem struct {
	ID    uint64 // hash of the connection id
	State int32
}

// CallSet is the calls a watcher currently sees on one contact, maintained
// from the added/changed/removed deltas it receives. Almost always empty
// or one call, so a slice.
type CallSet []CallItem

// Apply merges one delta; ok is false when the delta contradicts the set
// (an add of a known call, a change or removal of an unknown one).
func (s *CallSet) Apply(action engine.CallAction, id uint64, state int32) (ok bool) {
	list := *s
	at := -1
	for i := range list {
		if list[i].ID == id {
			at = i
			break
		}
	}
	switch action {
	case engine.CallAdded:
		if at >= 0 {
			list[at].State = state
			return false
		}
		*s = append(list, CallItem{id, state})
	case engine.CallChanged:
		if at < 0 {
			*s = append(list, CallItem{id, state})
			return false
		}
		list[at].State = state
	case engine.CallRemoved:
		if at < 0 {
			return false
		}
		list[at] = list[len(list)-1]
		*s = list[:len(list)-1]
		if len(*s) == 0 {
			*s = nil
		}
	}
	return true
}

// Hash returns the set's calls hash (as ViewPrint.Calls).
func (s CallSet) Hash() uint64 {
	h := uint64(0)
	for _, c := range s {
		h ^= callHash(c.ID, c.State)
	}
	return h
}
