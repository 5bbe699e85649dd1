package ingest

import (
	"strconv"

	"github.com/ucpresence/presence/engine"
)

// Op is the kind of a source event: which engine input it calls.
type Op uint8

// Ops, one per engine input (see docs/INGEST.md for the JSON of each).
const (
	OpInvalid            Op = iota // zero value: no op given
	OpPutContact                   // engine.PutContact: add or update a directory entry
	OpRemoveContact                // engine.RemoveContact
	OpSetLine                      // engine.SetLine
	OpRemoveLine                   // engine.RemoveLine
	OpSetForward                   // engine.SetForward
	OpClearForward                 // engine.ClearForward
	OpPutCall                      // engine.PutCall (Disconnected/Destroyed removes the call)
	OpRemoveCall                   // engine.RemoveCall
	OpSetAppointments              // engine.SetAppointments: the full calendar
	OpClientLogin                  // engine.ClientLogin
	OpClientLogout                 // engine.ClientLogout
	OpClientIdle                   // engine.SetClientIdle
	OpClientCapabilities           // engine.SetClientCapabilities
	OpSetAbsent                    // engine.SetAbsentState
	OpResetAbsent                  // engine.ResetAbsentState
	OpSetNote                      // engine.SetNote
	OpClearNote                    // engine.SetNote with an empty text
	OpSetAgentState                // engine.SetAgentState
	OpSetGrouping                  // engine.SetGroupingAttribute
	OpClearGrouping                // engine.SetGroupingAttribute(nil)
	OpSetImages                    // engine.SetImages: both pictures; a missing one is cleared
	opCount
)

// opNames are the JSON names of the ops, indexed by Op.
var opNames = [opCount]string{
	OpInvalid:            "",
	OpPutContact:         "putContact",
	OpRemoveContact:      "removeContact",
	OpSetLine:            "setLine",
	OpRemoveLine:         "removeLine",
	OpSetForward:         "setForward",
	OpClearForward:       "clearForward",
	OpPutCall:            "putCall",
	OpRemoveCall:         "removeCall",
	OpSetAppointments:    "setAppointments",
	OpClientLogin:        "clientLogin",
	OpClientLogout:       "clientLogout",
	OpClientIdle:         "clientIdle",
	OpClientCapabilities: "clientCapabilities",
	OpSetAbsent:          "setAbsent",
	OpResetAbsent:        "resetAbsent",
	OpSetNote:            "setNote",
	OpClearNote:          "clearNote",
	OpSetAgentState:      "setAgentState",
	OpSetGrouping:        "setGrouping",
	OpClearGrouping:      "clearGrouping",
	OpSetImages:          "setImages",
}

// String returns the JSON name of the op ("putCall"), or "op(N)".
func (o Op) String() string {
	if o < opCount && o != OpInvalid {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// lookupOp returns the op with this JSON name.
func lookupOp(name []byte) (Op, bool) {
	for o := OpPutContact; o < opCount; o++ {
		if string(name) == opNames[o] {
			return o, true
		}
	}
	return OpInvalid, false
}

// Event is one source event: an op, the contact it is about and the
// arguments of that op; fields an op does not use are ignored by Apply.
// JSON field names are given in brackets.
//
// Apply hands Entry.Data, Entry.PropertyBag and Call.Remote to the engine,
// which keeps them: do not modify them afterwards. The engine copies every
// other slice, so a Decoder reuses them from one event to the next. An
// Event is a plain value: not safe for concurrent modification.
type Event struct {
	Op      Op     // ["op"] required
	Contact string // ["contact"] the contact id, required
	ID      string // ["id"] optional client-assigned id, echoed in errors

	Entry        engine.ContactEntry  // ["entry"] putContact
	Line         engine.Line          // ["line"] setLine
	LineURI      string               // ["lineUri"] removeLine, clearForward
	Forward      engine.Forward       // ["forward"] setForward
	InternalID   int32                // ["internalId"] clearForward
	Call         engine.Call          // ["call"] putCall
	ConnectionID string               // ["connectionId"] removeCall
	Appointments []engine.Appointment // ["appointments"] setAppointments: the full calendar; empty clears

	Client       string              // ["client"] client id: clientLogin, clientLogout, clientIdle, clientCapabilities
	Device       engine.Device       // ["device"] clientLogin; default desktop
	Idle         bool                // ["idle"] clientIdle
	Capabilities engine.Capabilities // ["capabilities"] clientCapabilities

	Absent   engine.AbsentState       // ["absent"] setAbsent
	Note     string                   // ["note"] setNote (empty clears)
	Agent    engine.AgentState        // ["agent"] setAgentState
	Grouping engine.GroupingAttribute // ["grouping"] setGrouping

	SmallImage []byte // ["smallImage"] setImages, base64 in JSON; empty clears
	LargeImage []byte // ["largeImage"] setImages, base64 in JSON; empty clears
}

// reset clears ev for the next decode, keeping the capacity of the slices
// the engine copies (and dropping the ones it keeps).
func (ev *Event) reset() {
	appointments := ev.Appointments[:0]
	values, custom := ev.Capabilities.Values[:0], ev.Capabilities.Custom[:0]
	external := ev.Absent.External[:0]
	details := ev.Agent.Details[:0]
	groups := ev.Entry.Groups[:0]
	small, large := ev.SmallImage[:0], ev.LargeImage[:0]
	clear(ev.Appointments[:cap(ev.Appointments)]) // drop strings for the GC
	*ev = Event{}
	ev.Appointments = appointments
	ev.Capabilities = engine.Capabilities{Values: values, Custom: custom}
	ev.Absent.External = external
	ev.Agent.Details = details
	ev.Entry.Groups = groups
	ev.SmallImage, ev.LargeImage = small, large
}

// field is a bit per top-level JSON field, to check which ones an op needs
// and allows.
type field uint32

const (
	fieldOp field = 1 << iota
	fieldContact
	fieldID
	fieldEntry
	fieldLine
	fieldLineURI
	fieldForward
	fieldInternalID
	fieldCall
	fieldConnectionID
	fieldAppointments
	fieldClient
	fieldDevice
	fieldIdle
	fieldCapabilities
	fieldAbsent
	fieldNote
	fieldAgent
	fieldGrouping
	fieldSmallImage
	fieldLargeImage
	fieldCount = iota
)

// fieldNames are the JSON names of the fields, by bit number.
var fieldNames = [fieldCount]string{
	"op", "contact", "id", "entry", "line", "lineUri", "forward", "internalId", "call",
	"connectionId", "appointments", "client", "device", "idle", "capabilities", "absent",
	"note", "agent", "grouping", "smallImage", "largeImage",
}

// opFields says which fields an op requires and which it allows besides.
type opFields struct{ required, optional field }

const common = fieldOp | fieldContact

var opSchema = [opCount]opFields{
	OpPutContact:         {common, fieldEntry},
	OpRemoveContact:      {common, 0},
	OpSetLine:            {common | fieldLine, 0},
	OpRemoveLine:         {common | fieldLineURI, 0},
	OpSetForward:         {common | fieldForward, 0},
	OpClearForward:       {common | fieldLineURI, fieldInternalID},
	OpPutCall:            {common | fieldCall, 0},
	OpRemoveCall:         {common | fieldConnectionID, 0},
	OpSetAppointments:    {common | fieldAppointments, 0},
	OpClientLogin:        {common | fieldClient, fieldDevice},
	OpClientLogout:       {common | fieldClient, 0},
	OpClientIdle:         {common | fieldClient | fieldIdle, 0},
	OpClientCapabilities: {common | fieldClient | fieldCapabilities, 0},
	OpSetAbsent:          {common | fieldAbsent, 0},
	OpResetAbsent:        {common, 0},
	OpSetNote:            {common | fieldNote, 0},
	OpClearNote:          {common, 0},
	OpSetAgentState:      {common | fieldAgent, 0},
	OpSetGrouping:        {common | fieldGrouping, 0},
	OpClearGrouping:      {common, 0},
	OpSetImages:          {common, fieldSmallImage | fieldLargeImage},
}

// firstField returns the name of the lowest field set in f.
func firstField(f field) string {
	for i := range fieldNames {
		if f&(1<<i) != 0 {
			return fieldNames[i]
		}
	}
	return ""
}
