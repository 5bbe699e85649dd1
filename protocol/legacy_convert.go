package protocol

// Conversions between the V2 types and the deprecated V1 types, so the server
// keeps one model and serves V1 clients (no eASN1V2EVENTS capability) and the
// V1 operation names at the edge.

// V1 optionalParams keys.
const (
	legacyKeyReachability    = "iReachability"
	legacyKeyTrackerID       = "TrackerID"
	legacyKeyJournalCallType = "eJournalCallType"
)

// LegacyAbsentState converts a V2 absent state to the V1 AsnAbsentState.
// username fills u8sUsername (V2 has no such member); absent times become the
// zero time (""); eReachability moves to optionalParams "iReachability".
func LegacyAbsentState(state *AsnAbsentStateV2, username string) AsnAbsentState {
	legacy := AsnAbsentState{
		ContactID:     state.ContactID,
		Username:      username,
		TimeFrom:      state.TimeFrom.Value,
		TimeTo:        state.TimeTo.Value,
		AbsentState:   state.AbsentState,
		PresenceState: state.PresenceState.Value,
	}
	if state.Reachability.Present {
		legacy.OptionalParams = AsnOptionalParameters{IntegerParam(legacyKeyReachability, state.Reachability.Value)}
	}
	return legacy
}

// AbsentStateV2 converts a V1 absent state (from asnAbsentStateSetUser) to V2:
// zero times become absent, optionalParams "iReachability" becomes eReachability.
func (s *AsnAbsentState) AbsentStateV2() AsnAbsentStateV2 {
	state := AsnAbsentStateV2{ContactID: s.ContactID, AbsentState: s.AbsentState}
	if s.PresenceState != 0 {
		state.PresenceState = Some(s.PresenceState)
	}
	if !s.TimeFrom.IsZero() {
		state.TimeFrom = Some(s.TimeFrom)
	}
	if !s.TimeTo.IsZero() {
		state.TimeTo = Some(s.TimeTo)
	}
	if parameter, ok := s.OptionalParams.Lookup(legacyKeyReachability); ok && parameter.Kind == OptionalParamInteger {
		state.Reachability = Some(parameter.Integer)
	}
	return state
}

// LegacyPresenceCall converts a V2 call to the V1 AsnPresenceCall: booleans
// become 1/0, the tracker id and journal call type move to optionalParams.
func LegacyPresenceCall(call *AsnPresenceCallV2) AsnPresenceCall {
	return AsnPresenceCall{
		Action:          call.Action,
		ConnectionID:    call.ConnectionID,
		LinePhoneNumber: call.LinePhoneNumber,
		LineNumber:      call.LineNumber,
		CurrentNumberSC: call.CurrentNumberSC,
		CallState:       call.CallState,
		Features:        call.Features,
		Outbound:        boolToInteger(call.Outbound),
		Internal:        boolToInteger(call.Internal),
		CallType:        call.CallType,
		RemoteContact:   call.RemoteContact,
		OptionalParams: AsnOptionalParameters{
			StringParam(legacyKeyTrackerID, call.TrackerID),
			IntegerParam(legacyKeyJournalCallType, call.JournalCallType),
		},
	}
}

// LegacyPresence converts a V2 presence to the V1 AsnPresence for the V1
// asnUpdatePresence event and asnGetAndSubscribePresence result. username fills
// the V1 absent state's u8sUsername. asnNextAppointments has no V1 JSON form (V1
// carried it BER-encoded in optionalParams) and is dropped; the V1
// asnContactCapabilities is derived from asnContactCapabilitiesEx. The result
// shares the nested values (contact, lists) of presence; it does not copy them.
func LegacyPresence(presence *AsnPresenceV2, username string) AsnPresence {
	legacy := AsnPresence{
		ContactID:                presence.ContactID,
		PresenceState:            presence.PresenceState,
		RemoteContact:            presence.RemoteContact,
		UserPropertyBag:          presence.UserPropertyBag,
		ContactFeatureSet:        presence.ContactFeatureSet,
		StaticRights:             presence.StaticRights,
		MonitorAccessRights:      presence.MonitorAccessRights,
		CustomNote:               presence.CustomNote,
		ActualAppointments:       presence.ActualAppointments,
		NextAppointment:          presence.NextAppointment,
		PhoneLines:               presence.PhoneLines,
		LineForwards:             presence.LineForwards,
		ContactCapabilitiesEx:    presence.ContactCapabilitiesEx,
		CurrentUserDynamicRights: presence.CurrentUserDynamicRights,
		StaticRights2:            presence.StaticRights2,
		AgentState:               presence.AgentState,
		MonitorGroupingAttribute: presence.MonitorGroupingAttribute,
	}
	if presence.AbsentState != nil {
		absent := LegacyAbsentState(presence.AbsentState, username)
		legacy.AbsentState = &absent
	}
	if presence.Calls != nil {
		legacy.Calls = make([]AsnPresenceCall, len(presence.Calls))
		for index := range presence.Calls {
			legacy.Calls[index] = LegacyPresenceCall(&presence.Calls[index])
		}
	}
	if presence.ContactCapabilitiesEx != nil {
		capabilities := legacyContactCapabilities(presence.ContactCapabilitiesEx.ClientCapabilities)
		legacy.ContactCapabilities = &capabilities
	}
	return legacy
}

// legacyContactCapabilities maps AsnClientCapabilityEnum values to the V1 booleans.
func legacyContactCapabilities(values []int64) AsnContactCapabilities {
	var capabilities AsnContactCapabilities
	for _, value := range values {
		switch value {
		case 1:
			capabilities.Audio = true
		case 2:
			capabilities.Video = true
		case 3:
			capabilities.ScreenShare = true
		case 4:
			capabilities.ExchangeCalendar = true
		case 5:
			capabilities.NotesCalendar = true
		case 6:
			capabilities.CamControl = true
		}
	}
	return capabilities
}

// boolToInteger returns 1 for true and 0 for false.
func boolToInteger(value bool) int64 {
	if value {
		return 1
	}
	return 0
}
