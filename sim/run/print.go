package run

import (
	"hash/maphash"
	"time"

	"github.com/ucpresence/presence/engine"
)

// printSections are the sections the oracle compares: the state word, the
// manual absent state, the note, the active appointments, the lines, the
// calls, the forwards and the agent state. Contact data, configuration
// and the next-appointments list are not compared (they do not change
// during a simulated day, or are a function of the calendar and the clock).
const printSections = engine.SectionPresence | engine.SectionAbsentState | engine.SectionNote |
	engine.SectionAppointments | engine.SectionLines | engine.SectionCalls | engine.SectionForwards | engine.SectionAgent

// printSeed keys the section hashes. Prints are compared only within one
// process, so a per-process seed is enough.
var printSeed = maphash.MakeSeed()

// viewPrint is the fingerprint of one contact as one watcher sees it: the
// state word and the small enums verbatim, every list section as a 64-bit
// hash. Two views with equal prints show the same presence (up to hash
// collisions, about 2^-64 per comparison). 40 bytes; a plain value.
type viewPrint struct {
	state        uint32
	absent       uint8
	agent        uint8
	note         uint64
	appointments uint64
	lines        uint64
	calls        uint64
	forwards     uint64
}

// differs returns the sections of mask whose content differs between p and q.
func (p *viewPrint) differs(q *viewPrint, mask engine.Section) engine.Section {
	var d engine.Section
	if p.state != q.state {
		d |= engine.SectionPresence
	}
	if p.absent != q.absent {
		d |= engine.SectionAbsentState
	}
	if p.agent != q.agent {
		d |= engine.SectionAgent
	}
	if p.note != q.note {
		d |= engine.SectionNote
	}
	if p.appointments != q.appointments {
		d |= engine.SectionAppointments
	}
	if p.lines != q.lines {
		d |= engine.SectionLines
	}
	if p.calls != q.calls {
		d |= engine.SectionCalls
	}
	if p.forwards != q.forwards {
		d |= engine.SectionForwards
	}
	return d & mask
}

// fromSnapshot sets the sections in mask from a (filtered) engine snapshot.
func (p *viewPrint) fromSnapshot(s *engine.Snapshot, mask engine.Section) {
	if mask&engine.SectionPresence != 0 {
		p.state = uint32(s.State)
	}
	if mask&engine.SectionAbsentState != 0 {
		p.absent = uint8(s.Absent.Kind)
	}
	if mask&engine.SectionAgent != 0 {
		p.agent = uint8(s.Agent.State)
	}
	if mask&engine.SectionNote != 0 {
		p.note = hashString(s.Note.Text)
	}
	if mask&engine.SectionAppointments != 0 {
		h := uint64(0)
		for i := range s.ActiveAppointments {
			a := &s.ActiveAppointments[i]
			h ^= appointmentHash(a.EntryID, int32(a.Status), a.AllDay, a.Start, a.End)
		}
		p.appointments = h
	}
	if mask&engine.SectionLines != 0 {
		h := uint64(len(s.Lines))
		for i := range s.Lines {
			l := &s.Lines[i]
			h = mix(h ^ lineHash(l.URI, int32(l.State), l.DoNotDisturb))
		}
		p.lines = h
	}
	if mask&engine.SectionCalls != 0 {
		h := uint64(0)
		for _, c := range s.Calls {
			h ^= callHash(hashString(c.ConnectionID), int32(c.State))
		}
		p.calls = h
	}
	if mask&engine.SectionForwards != 0 {
		h := uint64(0)
		for i := range s.Forwards {
			f := &s.Forwards[i]
			h ^= forwardHash(f.LineURI, f.InternalID, f.Destination)
		}
		p.forwards = h
	}
}

// hashString hashes a string section; the empty string hashes to 0 so that
// "no note" is the zero print.
func hashString(s string) uint64 {
	if s == "" {
		return 0
	}
	return maphash.String(printSeed, s)
}

// mix is the splitmix64 finalizer.
func mix(x uint64) uint64 {
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
func callHash(id uint64, state int32) uint64 { return mix(id + uint64(state)*0x9e3779b97f4a7c15) }

// appointmentHash is one active appointment's contribution. Times count in
// milliseconds, the resolution of the wire's AsnSystemTime.
func appointmentHash(id string, status int32, allDay bool, start, end time.Time) uint64 {
	h := hashString(id) ^ uint64(status)<<1
	if allDay {
		h ^= 1
	}
	return mix(mix(h^uint64(start.UnixMilli())) + uint64(end.UnixMilli()))
}

func lineHash(uri string, state int32, doNotDisturb bool) uint64 {
	h := hashString(uri) + uint64(state)
	if doNotDisturb {
		h ^= 1 << 40
	}
	return h
}

func forwardHash(lineURI string, internalID int32, destination string) uint64 {
	return mix(hashString(lineURI) ^ uint64(internalID)<<32 ^ mix(hashString(destination)))
}

// callItem is one call in a watcher's merged view.
type callItem struct {
	id    uint64 // hash of the connection id
	state int32
}

// callSet is the calls a watcher currently sees on one contact, maintained
// from the added/changed/removed deltas it receives. Almost always empty
// or one call, so a slice.
type callSet []callItem

// apply merges one delta; ok is false when the delta contradicts the set
// (an add of a known call, a change or removal of an unknown one).
func (s *callSet) apply(action engine.CallAction, id uint64, state int32) (ok bool) {
	list := *s
	at := -1
	for i := range list {
		if list[i].id == id {
			at = i
			break
		}
	}
	switch action {
	case engine.CallAdded:
		if at >= 0 {
			list[at].state = state
			return false
		}
		*s = append(list, callItem{id, state})
	case engine.CallChanged:
		if at < 0 {
			*s = append(list, callItem{id, state})
			return false
		}
		list[at].state = state
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

// hash returns the set's calls hash (as viewPrint.calls).
func (s callSet) hash() uint64 {
	h := uint64(0)
	for _, c := range s {
		h ^= callHash(c.id, c.state)
	}
	return h
}
