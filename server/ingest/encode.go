package ingest

import (
	"encoding/base64"
	"reflect"
	"strconv"
	"time"

	"github.com/ucpresence/presence/engine"
)

// AppendEvent appends ev as one NDJSON line (with its "\n") in the schema
// Decoder reads: the fields ev.Op uses, enums by name, zero values left out
// where the schema allows it. It is what a Go event source (a CTI or
// calendar connector, the simulator) uses to build batches, and decoding
// its output gives ev back. Engine-set fields (AbsentState.SetAt,
// Appointment.Owner) are not written.
func AppendEvent(dst []byte, ev *Event) []byte {
	w := jsonObject{dst: dst}
	w.open()
	w.str("op", ev.Op.String())
	w.str("contact", ev.Contact)
	if ev.ID != "" {
		w.str("id", ev.ID)
	}
	switch ev.Op {
	case OpPutContact:
		w.key("entry")
		w.entry(&ev.Entry)
	case OpSetLine:
		w.key("line")
		w.line(&ev.Line)
	case OpRemoveLine:
		w.str("lineUri", ev.LineURI)
	case OpSetForward:
		w.key("forward")
		w.forward(&ev.Forward)
	case OpClearForward:
		w.str("lineUri", ev.LineURI)
		w.int("internalId", int64(ev.InternalID))
	case OpPutCall:
		w.key("call")
		w.call(&ev.Call)
	case OpRemoveCall:
		w.str("connectionId", ev.ConnectionID)
	case OpSetAppointments:
		w.key("appointments")
		w.appointments(ev.Appointments)
	case OpClientLogin:
		w.str("client", ev.Client)
		w.enum("device", deviceNames, deviceValues, int32(ev.Device))
	case OpClientLogout:
		w.str("client", ev.Client)
	case OpClientIdle:
		w.str("client", ev.Client)
		w.bool("idle", ev.Idle)
	case OpClientCapabilities:
		w.str("client", ev.Client)
		w.key("capabilities")
		w.capabilities(&ev.Capabilities)
	case OpSetAbsent:
		w.key("absent")
		w.absent(&ev.Absent)
	case OpSetNote:
		w.str("note", ev.Note)
	case OpSetAgentState:
		w.key("agent")
		w.agent(&ev.Agent)
	case OpSetGrouping:
		w.key("grouping")
		w.grouping(&ev.Grouping)
	case OpSetImages:
		w.base64("smallImage", ev.SmallImage)
		w.base64("largeImage", ev.LargeImage)
	}
	w.close()
	return append(w.dst, '\n')
}

// jsonObject writes JSON objects; n counts the members of the innermost
// open object (for the commas).
type jsonObject struct {
	dst []byte
	n   int
}

func (w *jsonObject) open() {
	w.dst = append(w.dst, '{')
	w.n = 0
}

func (w *jsonObject) close() {
	w.dst = append(w.dst, '}')
	w.n = 1 // the closed object is a member of its parent
}

func (w *jsonObject) key(k string) {
	if w.n > 0 {
		w.dst = append(w.dst, ',')
	}
	w.n++
	w.dst = append(w.dst, '"')
	w.dst = append(w.dst, k...)
	w.dst = append(w.dst, '"', ':')
}

func (w *jsonObject) str(k, v string) {
	w.key(k)
	w.dst = appendString(w.dst, v)
}

// optStr writes a string member unless it is empty.
func (w *jsonObject) optStr(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonObject) int(k string, v int64) {
	w.key(k)
	w.dst = strconv.AppendInt(w.dst, v, 10)
}

// optInt writes an integer member unless it is zero.
func (w *jsonObject) optInt(k string, v int64) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonObject) bool(k string, v bool) {
	w.key(k)
	w.dst = strconv.AppendBool(w.dst, v)
}

// optTrue writes a boolean member when it is true.
func (w *jsonObject) optTrue(k string, v bool) {
	if v {
		w.bool(k, v)
	}
}

func (w *jsonObject) enum(k string, names []string, values []int32, v int32) {
	if name := enumName(names, values, v); name != "" {
		w.str(k, name)
	} else {
		w.int(k, int64(v))
	}
}

func (w *jsonObject) time(k string, t time.Time) {
	w.key(k)
	w.dst = append(w.dst, '"')
	w.dst = t.UTC().AppendFormat(w.dst, time.RFC3339Nano)
	w.dst = append(w.dst, '"')
}

func (w *jsonObject) base64(k string, b []byte) {
	if len(b) == 0 {
		return
	}
	w.key(k)
	w.dst = append(w.dst, '"')
	w.dst = base64.StdEncoding.AppendEncode(w.dst, b)
	w.dst = append(w.dst, '"')
}

// array writes n elements with fn, separated by commas.
func (w *jsonObject) array(n int, fn func(i int)) {
	w.dst = append(w.dst, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			w.dst = append(w.dst, ',')
		}
		fn(i)
	}
	w.dst = append(w.dst, ']')
	w.n = 1
}

func (w *jsonObject) line(l *engine.Line) {
	w.open()
	w.str("uri", l.URI)
	w.optStr("number", l.Number)
	w.enum("state", lineStateNames, lineStateValues, int32(l.State))
	w.optTrue("doNotDisturb", l.DoNotDisturb)
	w.optInt("forwardFeatures", int64(l.ForwardFeatures))
	w.optTrue("primary", l.Primary)
	w.close()
}

func (w *jsonObject) forward(f *engine.Forward) {
	w.open()
	w.str("lineUri", f.LineURI)
	w.optStr("lineNumber", f.LineNumber)
	w.int("internalId", int64(f.InternalID))
	w.optStr("destination", f.Destination)
	w.optInt("mode", int64(f.Mode))
	w.optInt("noAnswerTime", int64(f.NoAnswerTime))
	w.close()
}

func (w *jsonObject) call(c *engine.Call) {
	w.open()
	w.str("connectionId", c.ConnectionID)
	w.optStr("lineUri", c.LineURI)
	w.optStr("lineNumber", c.LineNumber)
	w.optStr("remoteNumber", c.RemoteNumber)
	w.optStr("trackerId", c.TrackerID)
	w.enum("state", callStateNames, callStateValues, int32(c.State))
	w.optInt("features", int64(c.Features))
	w.optTrue("outbound", c.Outbound)
	w.optTrue("internal", c.Internal)
	if c.Type != engine.CallTypeNormal {
		w.enum("type", callTypeNames, callTypeValues, int32(c.Type))
	}
	if c.JournalType != engine.JournalCTI {
		w.enum("journalType", journalTypeNames, journalTypeValues, int32(c.JournalType))
	}
	switch {
	case c.Remote == nil:
	case reflect.DeepEqual(*c.Remote, engine.ContactData{DisplayName: c.Remote.DisplayName}) && c.Remote.DisplayName != "":
		w.str("remoteDisplayName", c.Remote.DisplayName) // the shorthand a CTI sends
	default:
		w.key("remote")
		w.contactData(c.Remote)
	}
	w.close()
}

func (w *jsonObject) appointments(list []engine.Appointment) {
	w.array(len(list), func(i int) {
		a := &list[i]
		w.open()
		w.optStr("entryId", a.EntryID)
		w.optStr("dataSource", a.DataSource)
		w.time("start", a.Start)
		w.time("end", a.End)
		w.optStr("subject", a.Subject)
		w.optStr("text", a.Text)
		w.optStr("location", a.Location)
		w.optTrue("allDay", a.AllDay)
		w.enum("status", appointmentStatusNames, appointmentStatusValues, int32(a.Status))
		w.optStr("category", a.Category)
		w.optInt("importance", int64(a.Importance))
		if a.Sensitivity != engine.SensitivityNormal {
			w.enum("sensitivity", sensitivityNames, sensitivityValues, int32(a.Sensitivity))
		}
		w.close()
	})
}

func (w *jsonObject) capabilities(c *engine.Capabilities) {
	w.open()
	if len(c.Values) > 0 {
		w.key("values")
		w.array(len(c.Values), func(i int) { w.dst = strconv.AppendInt(w.dst, int64(c.Values[i]), 10) })
	}
	if len(c.Custom) > 0 {
		w.key("custom")
		w.pairs(c.Custom)
	}
	w.close()
}

func (w *jsonObject) absent(a *engine.AbsentState) {
	w.open()
	w.enum("kind", absentKindNames, absentKindValues, int32(a.Kind))
	if !a.From.IsZero() {
		w.time("from", a.From)
	}
	if !a.To.IsZero() {
		w.time("to", a.To)
	}
	if a.HasReachability {
		w.enum("reachability", reachabilityNames, reachabilityValues, int32(a.Reachability))
	}
	if len(a.External) > 0 {
		w.key("external")
		w.array(len(a.External), func(i int) {
			x := &a.External[i]
			w.open()
			w.str("userName", x.UserName)
			w.int("state", int64(x.State))
			w.int("type", int64(x.Type))
			w.close()
		})
	}
	w.close()
}

func (w *jsonObject) agent(a *engine.AgentState) {
	w.open()
	w.enum("state", agentStateNames, agentStateValues, int32(a.State))
	if len(a.Details) > 0 {
		w.key("details")
		w.array(len(a.Details), func(i int) {
			w.open()
			w.str("name", a.Details[i].Name)
			w.int("value", int64(a.Details[i].Value))
			w.close()
		})
	}
	w.close()
}

func (w *jsonObject) grouping(g *engine.GroupingAttribute) {
	w.open()
	w.optStr("guid", g.GUID)
	w.optStr("short", g.Short)
	w.optStr("long", g.Long)
	w.optStr("additionalText", g.AdditionalText)
	w.close()
}

func (w *jsonObject) pairs(list []engine.StringPair) {
	w.array(len(list), func(i int) {
		w.open()
		w.str("key", list[i].Key)
		w.str("value", list[i].Value)
		w.close()
	})
}
