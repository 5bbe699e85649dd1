package protocol

// Hand-written appenders of the values nested in AsnPresenceV2. Member order is
// the struct order (= ASN.1 order), so the output equals encoding/json's.

// appendNetDatabaseContact appends an AsnNetDatabaseContact.
func appendNetDatabaseContact(dst []byte, c *AsnNetDatabaseContact) []byte {
	dst, object := beginObject(dst)
	dst = object.optionalStringMember(dst, `"u8sFound":`, c.Found)
	dst = object.optionalStringMember(dst, `"u8sDatabaseName":`, c.DatabaseName)
	dst = object.optionalStringMember(dst, `"u8sEntryIDDB":`, c.EntryIDDB)
	dst = object.optionalStringMember(dst, `"u8sEntryIDStore":`, c.EntryIDStore)
	dst = object.optionalStringMember(dst, `"u8sEntryID":`, c.EntryID)
	dst = object.optionalStringMember(dst, `"u8sCtiServerUserName":`, c.CtiServerUserName)
	dst = object.optionalStringMember(dst, `"u8sDisplayName":`, c.DisplayName)
	dst = object.optionalStringMember(dst, `"u8sFirstName":`, c.FirstName)
	dst = object.optionalStringMember(dst, `"u8sLastName":`, c.LastName)
	dst = object.optionalStringMember(dst, `"u8sJobTitle":`, c.JobTitle)
	dst = object.optionalStringMember(dst, `"u8sCompany":`, c.Company)
	dst = object.optionalStringMember(dst, `"u8sDepartment":`, c.Department)
	dst = object.optionalStringMember(dst, `"u8sOfficeRoomNumber":`, c.OfficeRoomNumber)
	dst = object.optionalStringMember(dst, `"u8sCustomerID":`, c.CustomerID)
	dst = object.optionalStringMember(dst, `"u8sBusinessAddressStreet":`, c.BusinessAddressStreet)
	dst = object.optionalStringMember(dst, `"u8sBusinessAddressPostalCode":`, c.BusinessAddressPostalCode)
	dst = object.optionalStringMember(dst, `"u8sBusinessAddressCity":`, c.BusinessAddressCity)
	dst = object.optionalStringMember(dst, `"u8sBusinessAddressState":`, c.BusinessAddressState)
	dst = object.optionalStringMember(dst, `"u8sBusinessAddressCountry":`, c.BusinessAddressCountry)
	dst = object.optionalStringMember(dst, `"u8sPrivateAddressStreet":`, c.PrivateAddressStreet)
	dst = object.optionalStringMember(dst, `"u8sPrivateAddressPostalCode":`, c.PrivateAddressPostalCode)
	dst = object.optionalStringMember(dst, `"u8sPrivateAddressCity":`, c.PrivateAddressCity)
	dst = object.optionalStringMember(dst, `"u8sPrivateAddressState":`, c.PrivateAddressState)
	dst = object.optionalStringMember(dst, `"u8sPrivateAddressCountry":`, c.PrivateAddressCountry)
	dst = object.optionalStringMember(dst, `"u8sOtherAddressStreet":`, c.OtherAddressStreet)
	dst = object.optionalStringMember(dst, `"u8sOtherAddressPostalCode":`, c.OtherAddressPostalCode)
	dst = object.optionalStringMember(dst, `"u8sOtherAddressCity":`, c.OtherAddressCity)
	dst = object.optionalStringMember(dst, `"u8sOtherAddressState":`, c.OtherAddressState)
	dst = object.optionalStringMember(dst, `"u8sOtherAddressCountry":`, c.OtherAddressCountry)
	dst = object.optionalStringMember(dst, `"u8sEMail":`, c.EMail)
	dst = object.optionalStringMember(dst, `"u8sEMail2":`, c.EMail2)
	dst = object.optionalStringMember(dst, `"u8sEMail3":`, c.EMail3)
	dst = object.optionalStringMember(dst, `"u8sSIPAddress":`, c.SIPAddress)
	dst = object.optionalStringMember(dst, `"u8sWebPageURL":`, c.WebPageURL)
	dst = object.optionalStringMember(dst, `"u8sPhoneBusiness":`, c.PhoneBusiness)
	dst = object.optionalStringMember(dst, `"u8sPhoneBusiness2":`, c.PhoneBusiness2)
	dst = object.optionalStringMember(dst, `"u8sCompanyMainTelephoneNumber":`, c.CompanyMainTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sAssistantTelephoneNumber":`, c.AssistantTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sPhoneHome":`, c.PhoneHome)
	dst = object.optionalStringMember(dst, `"u8sPhoneHome2":`, c.PhoneHome2)
	dst = object.optionalStringMember(dst, `"u8sPrimaryTelephoneNumber":`, c.PrimaryTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sPhoneMobile":`, c.PhoneMobile)
	dst = object.optionalStringMember(dst, `"u8sCarTelephoneNumber":`, c.CarTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sRadioTelephoneNumber":`, c.RadioTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sPagerTelephoneNumber":`, c.PagerTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sOtherTelephoneNumber":`, c.OtherTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sCallbackTelephoneNumber":`, c.CallbackTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sISDNTelephoneNumber":`, c.ISDNTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sTTYTTDTelephoneNumber":`, c.TTYTTDTelephoneNumber)
	dst = object.optionalStringMember(dst, `"u8sFaxBusiness":`, c.FaxBusiness)
	dst = object.optionalStringMember(dst, `"u8sFaxHome":`, c.FaxHome)
	dst = object.optionalStringMember(dst, `"u8sBody":`, c.Body)
	dst = object.optionalStringMember(dst, `"u8sDirectWebLink":`, c.DirectWebLink)
	if c.CustomFields != nil {
		dst = appendStringPairs(object.key(dst, `"customFields":`), c.CustomFields)
	}
	dst = object.optionalBoolMember(dst, `"bValid":`, c.Valid)
	dst = object.optionalIntMember(dst, `"iPrivateContact":`, c.PrivateContact)
	dst = object.optionalIntMember(dst, `"iCtiServerUser":`, c.CtiServerUser)
	if c.OptionalParams != nil {
		dst = c.OptionalParams.appendJSON(object.key(dst, `"optionalParams":`))
	}
	return endObject(dst)
}

// appendStringPairs appends an AsnStringPairList; nil encodes as [].
func appendStringPairs(dst []byte, pairs []AsnStringPair) []byte {
	dst = append(dst, '[')
	for index := range pairs {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"key":`...)
		dst = appendString(dst, pairs[index].Key)
		dst = append(dst, `,"value":`...)
		dst = appendString(dst, pairs[index].Value)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendUserPropertyBag appends an AsnUserPropertyBag.
func appendUserPropertyBag(dst []byte, bag *AsnUserPropertyBag) []byte {
	dst = append(dst, `{"asnProperties":`...)
	dst = appendStringPairs(dst, bag.Properties)
	return append(dst, '}')
}

// appendAbsentStateV2 appends an AsnAbsentStateV2.
func appendAbsentStateV2(dst []byte, state *AsnAbsentStateV2) []byte {
	dst, object := beginObject(dst)
	dst = object.stringMember(dst, `"u8sContactId":`, state.ContactID)
	dst = object.intMember(dst, `"eAbsentState":`, state.AbsentState)
	dst = object.optionalIntMember(dst, `"iPresenceState":`, state.PresenceState)
	dst = object.optionalTimeMember(dst, `"stTimeFrom":`, state.TimeFrom)
	dst = object.optionalTimeMember(dst, `"stTimeTo":`, state.TimeTo)
	dst = object.optionalIntMember(dst, `"eReachability":`, state.Reachability)
	if state.ExternalPresenceStates != nil {
		dst = object.key(dst, `"externalPresenceStates":`)
		dst = append(dst, '[')
		for index := range state.ExternalPresenceStates {
			external := &state.ExternalPresenceStates[index]
			if index > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"u8sUserName":`...)
			dst = appendString(dst, external.UserName)
			dst = append(dst, `,"iState":`...)
			dst = appendInt(dst, external.State)
			dst = append(dst, `,"eType":`...)
			dst = appendInt(dst, external.Type)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return endObject(dst)
}

// appendCustomNote appends an AsnCustomNote.
func appendCustomNote(dst []byte, note *AsnCustomNote) []byte {
	dst = append(dst, `{"u8sContactID":`...)
	dst = appendString(dst, note.ContactID)
	dst = append(dst, `,"u8sUsername":`...)
	dst = appendString(dst, note.Username)
	dst = append(dst, `,"u8sNote":`...)
	dst = appendString(dst, note.Note)
	return append(dst, '}')
}

// appendAppointmentList appends a SEQAppointmentList.
func appendAppointmentList(dst []byte, appointments []AsnAppointmentEntry) []byte {
	dst = append(dst, '[')
	for index := range appointments {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = appendAppointment(dst, &appointments[index])
	}
	return append(dst, ']')
}

// appendAppointment appends an AsnAppointmentEntry.
func appendAppointment(dst []byte, a *AsnAppointmentEntry) []byte {
	dst, object := beginObject(dst)
	dst = object.stringMember(dst, `"u8sEntryID":`, a.EntryID)
	dst = object.stringMember(dst, `"u8sOwner":`, a.Owner)
	dst = object.stringMember(dst, `"u8sDataSource":`, a.DataSource)
	dst = a.Start.appendJSON(object.key(dst, `"stStart":`))
	dst = a.End.appendJSON(object.key(dst, `"stEnd":`))
	dst = object.intMember(dst, `"iDuration":`, a.Duration)
	dst = object.stringMember(dst, `"u8sSubject":`, a.Subject)
	dst = object.stringMember(dst, `"u8sText":`, a.Text)
	dst = object.boolMember(dst, `"bAllDay":`, a.AllDay)
	dst = object.intMember(dst, `"iStatus":`, a.Status)
	dst = object.stringMember(dst, `"u8sCategory":`, a.Category)
	dst = object.intMember(dst, `"iImportance":`, a.Importance)
	dst = object.intMember(dst, `"iSensitivity":`, a.Sensitivity)
	dst = object.boolMember(dst, `"bIsValid":`, a.IsValid)
	if a.OptionalParams != nil {
		dst = a.OptionalParams.appendJSON(object.key(dst, `"optionalParams":`))
	}
	return endObject(dst)
}

// appendPresenceLines appends an AsnPresenceLines.
func appendPresenceLines(dst []byte, lines []AsnPresenceLine) []byte {
	dst = append(dst, '[')
	for index := range lines {
		line := &lines[index]
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"u8sLinePhoneNumber":`...)
		dst = appendString(dst, line.LinePhoneNumber)
		dst = append(dst, `,"u8sLineNumber":`...)
		dst = appendString(dst, line.LineNumber)
		dst = append(dst, `,"iState":`...)
		dst = appendInt(dst, line.State)
		dst = append(dst, `,"iDoNotDisturb":`...)
		dst = appendInt(dst, line.DoNotDisturb)
		dst = append(dst, `,"iForwardFeaturesPBX":`...)
		dst = appendInt(dst, line.ForwardFeaturesPBX)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendPresenceCalls appends an AsnPresenceCallsV2.
func appendPresenceCalls(dst []byte, calls []AsnPresenceCallV2) []byte {
	dst = append(dst, '[')
	for index := range calls {
		call := &calls[index]
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"iAction":`...)
		dst = appendInt(dst, call.Action)
		dst = append(dst, `,"u8sConnectionID":`...)
		dst = appendString(dst, call.ConnectionID)
		dst = append(dst, `,"u8sLinePhoneNumber":`...)
		dst = appendString(dst, call.LinePhoneNumber)
		dst = append(dst, `,"u8sLineNumber":`...)
		dst = appendString(dst, call.LineNumber)
		dst = append(dst, `,"u8sCurrentNumberSC":`...)
		dst = appendString(dst, call.CurrentNumberSC)
		dst = append(dst, `,"u8sTrackerID":`...)
		dst = appendString(dst, call.TrackerID)
		dst = append(dst, `,"eCallState":`...)
		dst = appendInt(dst, call.CallState)
		dst = append(dst, `,"iFeatures":`...)
		dst = appendInt(dst, call.Features)
		dst = append(dst, `,"bOutbound":`...)
		dst = appendBool(dst, call.Outbound)
		dst = append(dst, `,"bInternal":`...)
		dst = appendBool(dst, call.Internal)
		dst = append(dst, `,"eCallType":`...)
		dst = appendInt(dst, call.CallType)
		dst = append(dst, `,"eJournalCallType":`...)
		dst = appendInt(dst, call.JournalCallType)
		if call.RemoteContact != nil {
			dst = append(dst, `,"remoteContact":`...)
			dst = appendNetDatabaseContact(dst, call.RemoteContact)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendPresenceForwards appends an AsnPresenceForwards.
func appendPresenceForwards(dst []byte, forwards []AsnPresenceForward) []byte {
	dst = append(dst, '[')
	for index := range forwards {
		forward := &forwards[index]
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"u8sLinePhoneNumber":`...)
		dst = appendString(dst, forward.LinePhoneNumber)
		dst = append(dst, `,"u8sLineNumber":`...)
		dst = appendString(dst, forward.LineNumber)
		dst = append(dst, `,"iInternalID":`...)
		dst = appendInt(dst, forward.InternalID)
		dst = append(dst, `,"u8sDestination":`...)
		dst = appendString(dst, forward.Destination)
		dst = append(dst, `,"iForwardMode":`...)
		dst = appendInt(dst, forward.ForwardMode)
		if forward.NoAnswerTime.Present {
			dst = append(dst, `,"iNoAnswerTime":`...)
			dst = appendInt(dst, forward.NoAnswerTime.Value)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendClientCapabilitiesV2 appends an AsnClientCapabilitiesV2.
func appendClientCapabilitiesV2(dst []byte, capabilities *AsnClientCapabilitiesV2) []byte {
	dst = append(dst, `{"eClientCapabilities":`...)
	dst = appendIntList(dst, capabilities.ClientCapabilities)
	dst = append(dst, `,"customCapabilities":`...)
	dst = appendStringPairs(dst, capabilities.CustomCapabilities)
	return append(dst, '}')
}

// appendUserDynamicRights appends an AsnUserDynamicRights.
func appendUserDynamicRights(dst []byte, rights *AsnUserDynamicRights) []byte {
	dst = append(dst, `{"u8sObjectID":`...)
	dst = appendString(dst, rights.ObjectID)
	dst = append(dst, `,"iPresenceRights":`...)
	dst = appendInt(dst, rights.PresenceRights)
	dst = append(dst, `,"iPhoneControlRightsPrimary":`...)
	dst = appendInt(dst, rights.PhoneControlRightsPrimary)
	dst = append(dst, `,"iPhoneControlRightsSecondary":`...)
	dst = appendInt(dst, rights.PhoneControlRightsSecondary)
	return append(dst, '}')
}

// appendActualUserDynamicRights appends an AsnActualUserDynamicRights.
func appendActualUserDynamicRights(dst []byte, rights *AsnActualUserDynamicRights) []byte {
	dst = append(dst, `{"asnMinPossibleRights":`...)
	dst = appendUserDynamicRights(dst, &rights.MinPossibleRights)
	dst = append(dst, `,"asnMaxPossibleRights":`...)
	dst = appendUserDynamicRights(dst, &rights.MaxPossibleRights)
	if rights.CurrentRights != nil {
		dst = append(dst, `,"asnCurrentRights":`...)
		dst = appendUserDynamicRights(dst, rights.CurrentRights)
	}
	return append(dst, '}')
}

// appendAgentState appends an AsnAgentState.
func appendAgentState(dst []byte, state *AsnAgentState) []byte {
	dst = append(dst, `{"dwState":`...)
	dst = appendInt(dst, state.State)
	if state.Details != nil {
		dst = append(dst, `,"mapDetails":[`...)
		for index := range state.Details {
			if index > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"u8sStr":`...)
			dst = appendString(dst, state.Details[index].Text)
			dst = append(dst, `,"iInt":`...)
			dst = appendInt(dst, state.Details[index].Integer)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendMonitorGroupingAttribute appends an AsnMonitorGroupingAttribute.
func appendMonitorGroupingAttribute(dst []byte, attribute *AsnMonitorGroupingAttribute) []byte {
	dst, object := beginObject(dst)
	dst = object.optionalStringMember(dst, `"u8sAttributeGUID":`, attribute.AttributeGUID)
	dst = object.optionalStringMember(dst, `"u8sAttributeShort":`, attribute.AttributeShort)
	dst = object.optionalStringMember(dst, `"u8sAttributeLong":`, attribute.AttributeLong)
	dst = object.optionalStringMember(dst, `"u8sAdditionalText":`, attribute.AdditionalText)
	return endObject(dst)
}
