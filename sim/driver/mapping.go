package driver

import (
	"strconv"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/scenario"
)

// Mapper turns behaviour-model events into engine inputs, expressed as
// ingest events so that both drivers share one mapping: the in-process
// driver applies them with ingest.Apply, the wire driver encodes them with
// ingest.AppendEvent.
//
// Identifiers: client sessions are "d<slot>" (unique per contact), calls
// carry the model's call id in hex, line k of a user is "tel:<number>" for
// k = 0 and "tel:<number>-<k>" otherwise, appointments carry their id in
// hex.
//
// The mapper keeps each user's calendar (appointment events are upserts,
// the engine wants the whole list). A user's calendar is touched only by
// whoever serialises that user's events (the contact's apply lock
// in-process, the user's sender on the wire).
type Mapper struct {
	population *model.Population
	// At converts a virtual offset into the time the engine's clock shows
	// then: the virtual day in-process, the compressed wall time over the
	// wire.
	At        func(time.Duration) time.Time
	lines     [][]string // per user: line URIs
	numbers   [][]string // per user: line numbers
	calendars [][]engine.Appointment
}

// clientIDs are the session ids by slot.
var clientIDs = [...]string{"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"}

// NewMapper returns the mapper of population; at converts a virtual
// offset into the time the engine's clock shows then.
func NewMapper(population *model.Population, at func(time.Duration) time.Time) *Mapper {
	m := &Mapper{population: population, At: at}
	n := population.Size()
	m.lines = make([][]string, n)
	m.numbers = make([][]string, n)
	m.calendars = make([][]engine.Appointment, n)
	for i := range population.Users {
		u := &population.Users[i]
		count := max(u.Lines, 1)
		m.lines[i] = make([]string, count)
		m.numbers[i] = make([]string, count)
		for k := range count {
			number := u.Number
			if k > 0 {
				number += "-" + strconv.Itoa(k)
			}
			m.numbers[i][k] = number
			m.lines[i][k] = "tel:" + number
		}
	}
	return m
}

// Directory appends the events that create user i: its directory entry
// and its phone lines (all online, the first one primary).
func (m *Mapper) Directory(i int, dst []ingest.Event) []ingest.Event {
	u := &m.population.Users[i]
	dst = append(dst, ingest.Event{Op: ingest.OpPutContact, Contact: u.ContactID, Entry: engine.ContactEntry{Data: &engine.ContactData{
		DisplayName:   "User " + strconv.Itoa(i),
		FirstName:     "User",
		LastName:      strconv.Itoa(i),
		SIPAddress:    u.ContactID,
		PhoneBusiness: u.Number,
		Company:       "Simulated",
		Department:    "Department " + strconv.Itoa(u.Department),
		Valid:         true,
	}}})
	for k := range m.lines[i] {
		dst = append(dst, ingest.Event{Op: ingest.OpSetLine, Contact: u.ContactID, Line: engine.Line{
			URI: m.lines[i][k], Number: m.numbers[i][k], State: engine.LineOnline, Primary: k == 0,
		}})
	}
	return dst
}

// device maps a scenario device kind to the engine's.
func device(k scenario.DeviceKind) engine.Device {
	switch k {
	case scenario.DeviceWeb:
		return engine.DeviceWeb
	case scenario.DeviceMobile:
		return engine.DeviceMobile
	}
	return engine.DeviceDesktop
}

// line returns the URI and number of line k of user u (line 0 when k is
// out of range).
func (m *Mapper) line(u int, k uint8) (uri, number string) {
	if int(k) >= len(m.lines[u]) {
		k = 0
	}
	return m.lines[u][k], m.numbers[u][k]
}

// remote returns the number of an event's other party.
func (m *Mapper) remote(ev *model.Event) string {
	if ev.Remote != model.NoUser && int(ev.Remote) < m.population.Size() {
		return m.population.Users[ev.Remote].Number
	}
	if ev.RemoteNumber == 0 {
		return ""
	}
	return "+" + strconv.FormatUint(ev.RemoteNumber, 10)
}

// Ops appends the engine inputs that ev stands for; marker events (the
// start and end of an appointment, which the engine derives from the
// calendar and its clock) append nothing.
func (m *Mapper) Ops(ev *model.Event, dst []ingest.Event) []ingest.Event {
	u := int(ev.User)
	id := m.population.Users[u].ContactID
	switch ev.Kind {
	case model.KindLogin, model.KindReconnect:
		client := clientIDs[ev.Session&7]
		dst = append(dst, ingest.Event{Op: ingest.OpClientLogin, Contact: id, Client: client, Device: device(ev.Device)})
		if ev.Idle && ev.Device.ReportsIdle() {
			dst = append(dst, ingest.Event{Op: ingest.OpClientIdle, Contact: id, Client: client, Idle: true})
		}
	case model.KindLogout, model.KindDisconnect:
		dst = append(dst, ingest.Event{Op: ingest.OpClientLogout, Contact: id, Client: clientIDs[ev.Session&7]})
	case model.KindIdle:
		dst = append(dst, ingest.Event{Op: ingest.OpClientIdle, Contact: id, Client: clientIDs[ev.Session&7], Idle: ev.Idle})
	case model.KindCall:
		uri, number := m.line(u, ev.Line)
		dst = append(dst, ingest.Event{Op: ingest.OpPutCall, Contact: id, Call: engine.Call{
			ConnectionID: strconv.FormatUint(ev.CallID, 16),
			LineURI:      uri,
			LineNumber:   number,
			RemoteNumber: m.remote(ev),
			State:        engine.CallState(ev.CallState),
			Outbound:     ev.Direction == model.Outbound,
			Internal:     ev.Internal,
		}})
	case model.KindForward:
		uri, number := m.line(u, ev.Line)
		if ev.Active {
			dst = append(dst, ingest.Event{Op: ingest.OpSetForward, Contact: id, Forward: engine.Forward{
				LineURI: uri, LineNumber: number, Destination: m.remote(ev),
			}})
		} else {
			dst = append(dst, ingest.Event{Op: ingest.OpClearForward, Contact: id, LineURI: uri})
		}
	case model.KindAppointment:
		dst = append(dst, ingest.Event{Op: ingest.OpSetAppointments, Contact: id, Appointments: m.upsert(u, &ev.Appointment)})
	case model.KindAbsentState:
		if ev.Absent == model.AbsentNotSet {
			dst = append(dst, ingest.Event{Op: ingest.OpResetAbsent, Contact: id})
		} else {
			dst = append(dst, ingest.Event{Op: ingest.OpSetAbsent, Contact: id, Absent: engine.AbsentState{Kind: engine.AbsentKind(ev.Absent)}})
		}
	case model.KindNote:
		if ev.Note == "" {
			dst = append(dst, ingest.Event{Op: ingest.OpClearNote, Contact: id})
		} else {
			dst = append(dst, ingest.Event{Op: ingest.OpSetNote, Contact: id, Note: ev.Note})
		}
	case model.KindAgentState:
		dst = append(dst, ingest.Event{Op: ingest.OpSetAgentState, Contact: id, Agent: engine.AgentState{State: engine.AgentStateKind(ev.Agent)}})
	}
	return dst
}

// upsert puts a into user u's calendar (by id) and returns the calendar.
// The returned slice is handed to the engine, which copies it.
func (m *Mapper) upsert(u int, a *model.Appointment) []engine.Appointment {
	entry := engine.Appointment{
		EntryID: strconv.FormatUint(a.ID, 16),
		Start:   m.At(a.Start),
		End:     m.At(a.End),
		AllDay:  a.AllDay,
		Status:  engine.AppointmentStatus(a.Status),
		Subject: "Meeting",
	}
	if entry.End.Before(entry.Start) {
		entry.End = entry.Start
	}
	list := m.calendars[u]
	for i := range list {
		if list[i].EntryID == entry.EntryID {
			list[i] = entry
			return list
		}
	}
	m.calendars[u] = append(list, entry)
	return m.calendars[u]
}
