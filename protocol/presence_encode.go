package protocol

// Hand-written encoders for the hot messages: the presence events and the
// subscription result. They do not use reflection and allocate nothing when dst
// has room; their output is byte-identical to encoding/json (with
// SetEscapeHTML(false)) of the same values, which the tests check on random
// presences.

// Pre-encoded envelope heads; TestFastEncoderHeadsMatchTable checks them
// against AppendInvoke and the operation table.
const (
	updatePresenceV2Head = `{"invoke":{"invokeID":99999,"operationID":4504,"operationName":"asnUpdatePresenceV2",` +
		`"argument":{"_type":"AsnUpdatePresenceV2Argument","presence":`
	removePresenceHead = `{"invoke":{"invokeID":99999,"operationID":4501,"operationName":"asnRemovePresence",` +
		`"argument":{"_type":"AsnRemovePresenceArgument","u8sContactID":`
	updateMyAbsentStateV2Head = `{"invoke":{"invokeID":99999,"operationID":1313,"operationName":"asnUpdateMyAbsentStateV2",` +
		`"argument":{"_type":"AsnUpdateMyAbsentStateV2Argument","absentstate":`
	updateMyCustomNoteHead = `{"invoke":{"invokeID":99999,"operationID":1511,"operationName":"asnUpdateMyCustomNote",` +
		`"argument":{"_type":"AsnUpdateMyCustomNoteArgument","customnote":`
)

// AppendUpdatePresenceV2Event appends the asnUpdatePresenceV2 event (4504) for
// presence p with iChangedFlags changedFlags. p should hold the contact id and
// only the changed sections. Nothing is allocated when dst has room.
func AppendUpdatePresenceV2Event(dst []byte, p *AsnPresenceV2, changedFlags uint32, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, updatePresenceV2Head...)
	dst = AppendPresenceV2(dst, p)
	dst = append(dst, `,"iChangedFlags":`...)
	dst = appendInt(dst, int64(changedFlags))
	return closeEvent(dst, arrayWrapped)
}

// AppendRemovePresenceEvent appends the asnRemovePresence event (4501) for contactID.
func AppendRemovePresenceEvent(dst []byte, contactID string, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, removePresenceHead...)
	dst = appendString(dst, contactID)
	return closeEvent(dst, arrayWrapped)
}

// AppendUpdateMyAbsentStateV2Event appends the asnUpdateMyAbsentStateV2 event (1313).
func AppendUpdateMyAbsentStateV2Event(dst []byte, state *AsnAbsentStateV2, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, updateMyAbsentStateV2Head...)
	dst = appendAbsentStateV2(dst, state)
	return closeEvent(dst, arrayWrapped)
}

// AppendUpdateMyCustomNoteEvent appends the asnUpdateMyCustomNote event (1511).
func AppendUpdateMyCustomNoteEvent(dst []byte, note *AsnCustomNote, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, updateMyCustomNoteHead...)
	dst = appendCustomNote(dst, note)
	return closeEvent(dst, arrayWrapped)
}

// AppendGetAndSubscribePresenceV2Result appends the result of
// asnGetAndSubscribePresenceV2 for invokeID: an AsnGetAndSubscribePresenceV2Result
// holding presences.
func AppendGetAndSubscribePresenceV2Result(dst []byte, invokeID int64, presences []AsnPresenceV2, arrayWrapped bool) []byte {
	return AppendGetAndSubscribePresenceV2ResultEntries(dst, invokeID, len(presences), arrayWrapped, func(dst []byte, index int) []byte {
		return AppendPresenceV2(dst, &presences[index])
	})
}

// AppendGetAndSubscribePresenceV2ResultEntries is
// AppendGetAndSubscribePresenceV2Result with its n entries appended by
// entry (each one AsnPresenceV2 object, as AppendPresenceV2 writes it), so
// that a caller can build and encode one entry at a time instead of
// holding the whole list.
func AppendGetAndSubscribePresenceV2ResultEntries(dst []byte, invokeID int64, n int, arrayWrapped bool, entry func(dst []byte, index int) []byte) []byte {
	dst = appendResultHead(dst, invokeID, arrayWrapped)
	dst = append(dst, `{"_type":"AsnGetAndSubscribePresenceV2Result","seqSubscribedPresence":[`...)
	for index := range n {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = entry(dst, index)
	}
	dst = append(dst, "]}"...)
	return appendResultTail(dst, arrayWrapped)
}

// closeEvent closes the argument object and the invoke.
func closeEvent(dst []byte, arrayWrapped bool) []byte {
	dst = append(dst, "}}}"...)
	if arrayWrapped {
		dst = append(dst, ']')
	}
	return dst
}

// AppendPresenceV2 appends p as a JSON object (without "_type"), members in
// ASN.1 order, absent optional members omitted.
func AppendPresenceV2(dst []byte, p *AsnPresenceV2) []byte {
	dst, object := beginObject(dst)
	dst = object.stringMember(dst, `"u8sContactId":`, p.ContactID)
	dst = object.optionalIntMember(dst, `"iPresenceState":`, p.PresenceState)
	if p.RemoteContact != nil {
		dst = appendNetDatabaseContact(object.key(dst, `"asnRemoteContact":`), p.RemoteContact)
	}
	if p.UserPropertyBag != nil {
		dst = appendUserPropertyBag(object.key(dst, `"asnUserPropertyBag":`), p.UserPropertyBag)
	}
	dst = object.optionalIntMember(dst, `"iContactFeatureSet":`, p.ContactFeatureSet)
	dst = object.optionalIntMember(dst, `"iStaticRights":`, p.StaticRights)
	dst = object.optionalIntMember(dst, `"iMonitorAccessRights":`, p.MonitorAccessRights)
	if p.AbsentState != nil {
		dst = appendAbsentStateV2(object.key(dst, `"asnAbsentState":`), p.AbsentState)
	}
	if p.CustomNote != nil {
		dst = appendCustomNote(object.key(dst, `"asnCustomNote":`), p.CustomNote)
	}
	if p.ActualAppointments != nil {
		dst = appendAppointmentList(object.key(dst, `"seqActualAppointments":`), p.ActualAppointments)
	}
	if p.NextAppointment != nil {
		dst = appendAppointment(object.key(dst, `"asnNextAppointment":`), p.NextAppointment)
	}
	if p.PhoneLines != nil {
		dst = appendPresenceLines(object.key(dst, `"seqPhoneLines":`), p.PhoneLines)
	}
	if p.Calls != nil {
		dst = appendPresenceCalls(object.key(dst, `"seqCalls":`), p.Calls)
	}
	if p.LineForwards != nil {
		dst = appendPresenceForwards(object.key(dst, `"seqLineForwards":`), p.LineForwards)
	}
	if p.ContactCapabilitiesEx != nil {
		dst = appendClientCapabilitiesV2(object.key(dst, `"asnContactCapabilitiesEx":`), p.ContactCapabilitiesEx)
	}
	if p.CurrentUserDynamicRights != nil {
		dst = appendActualUserDynamicRights(object.key(dst, `"asnCurrentUserDynamicRights":`), p.CurrentUserDynamicRights)
	}
	dst = object.optionalIntMember(dst, `"iStaticRights2":`, p.StaticRights2)
	if p.AgentState != nil {
		dst = appendAgentState(object.key(dst, `"asnAgentState":`), p.AgentState)
	}
	if p.MonitorGroupingAttribute != nil {
		dst = appendMonitorGroupingAttribute(object.key(dst, `"asnMonitorGroupingAttribute":`), p.MonitorGroupingAttribute)
	}
	if p.NextAppointments != nil {
		dst = appendAppointmentList(object.key(dst, `"asnNextAppointments":`), p.NextAppointments)
	}
	return endObject(dst)
}
