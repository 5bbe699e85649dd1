package ingest

import (
	"fmt"

	"github.com/ucpresence/presence/engine"
)

// Apply makes the one engine call that ev stands for and returns its error
// (engine.ErrUnknownContact, engine.ErrInvalid, ...). It returns when the
// engine has applied the event. ErrUnknownOp is returned for an Op outside
// the list. Safe for concurrent use with distinct Events.
func Apply(e *engine.Engine, ev *Event) error {
	id := ev.Contact
	if id == "" {
		return fmt.Errorf("%w: empty contact id", engine.ErrInvalid)
	}
	switch ev.Op {
	case OpPutContact:
		return e.PutContact(id, ev.Entry)
	case OpRemoveContact:
		return e.RemoveContact(id)
	case OpSetLine:
		return e.SetLine(id, ev.Line)
	case OpRemoveLine:
		return e.RemoveLine(id, ev.LineURI)
	case OpSetForward:
		return e.SetForward(id, ev.Forward)
	case OpClearForward:
		return e.ClearForward(id, ev.LineURI, ev.InternalID)
	case OpPutCall:
		return e.PutCall(id, ev.Call)
	case OpRemoveCall:
		return e.RemoveCall(id, ev.ConnectionID)
	case OpSetAppointments:
		return e.SetAppointments(id, ev.Appointments)
	case OpClientLogin:
		return e.ClientLogin(id, ev.Client, ev.Device)
	case OpClientLogout:
		return e.ClientLogout(id, ev.Client)
	case OpClientIdle:
		return e.SetClientIdle(id, ev.Client, ev.Idle)
	case OpClientCapabilities:
		return e.SetClientCapabilities(id, ev.Client, ev.Capabilities)
	case OpSetAbsent:
		return e.SetAbsentState(id, ev.Absent)
	case OpResetAbsent:
		return e.ResetAbsentState(id)
	case OpSetNote:
		return e.SetNote(id, ev.Note)
	case OpClearNote:
		return e.SetNote(id, "")
	case OpSetAgentState:
		return e.SetAgentState(id, ev.Agent)
	case OpSetGrouping:
		return e.SetGroupingAttribute(id, &ev.Grouping)
	case OpClearGrouping:
		return e.SetGroupingAttribute(id, nil)
	case OpSetImages:
		return e.SetImages(id, ev.SmallImage, ev.LargeImage)
	}
	return fmt.Errorf("%w: %s", ErrUnknownOp, ev.Op)
}

// applyDeferred is Apply with the durable ops (notes, absent states,
// images) through the stream's Deferred writer: applied at once, their
// durability collected in d for the caller to wait on before it answers.
func applyDeferred(d *engine.Deferred, ev *Event) error {
	id := ev.Contact
	if id == "" {
		return fmt.Errorf("%w: empty contact id", engine.ErrInvalid)
	}
	switch ev.Op {
	case OpSetAbsent:
		return d.SetAbsentState(id, ev.Absent)
	case OpResetAbsent:
		return d.ResetAbsentState(id)
	case OpSetNote:
		return d.SetNote(id, ev.Note)
	case OpClearNote:
		return d.SetNote(id, "")
	case OpSetImages:
		return d.SetImages(id, ev.SmallImage, ev.LargeImage)
	}
	return Apply(d.Engine(), ev)
}
