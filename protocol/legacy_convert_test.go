package protocol

import (
	"testing"
	"time"
)

// TestLegacyAbsentStateRoundTrip converts V2 -> V1 -> V2.
func TestLegacyAbsentStateRoundTrip(t *testing.T) {
	from := NewSystemTime(time.Date(2024, 9, 16, 8, 0, 0, 0, time.UTC))
	state := AsnAbsentStateV2{ContactID: "sip:a@b", AbsentState: AbsentStateOutOfOffice, PresenceState: Some[int64](3),
		TimeFrom: Some(from), Reachability: Some[int64](ReachabilityVacation)}
	legacy := LegacyAbsentState(&state, "Alice")
	if legacy.Username != "Alice" || legacy.AbsentState != AbsentStateOutOfOffice || !legacy.TimeTo.IsZero() || legacy.PresenceState != 3 {
		t.Errorf("legacy %+v", legacy)
	}
	if parameter, ok := legacy.OptionalParams.Lookup("iReachability"); !ok || parameter.Integer != ReachabilityVacation {
		t.Errorf("iReachability missing: %+v", legacy.OptionalParams)
	}
	back := legacy.AbsentStateV2()
	if back.ContactID != state.ContactID || back.TimeFrom != state.TimeFrom || back.TimeTo.Present ||
		back.Reachability != state.Reachability || back.PresenceState != state.PresenceState || back.AbsentState != state.AbsentState {
		t.Errorf("round trip %+v", back)
	}
}

// TestLegacyPresence checks the V1 presence and call mapping.
func TestLegacyPresence(t *testing.T) {
	presence := AsnPresenceV2{ContactID: "sip:a@b", PresenceState: Some[int64](PresenceStateBusy | PresenceFlagCall),
		Calls:                 []AsnPresenceCallV2{{ConnectionID: "c1", Outbound: true, TrackerID: "T", JournalCallType: 7, CallState: 32}},
		ContactCapabilitiesEx: &AsnClientCapabilitiesV2{ClientCapabilities: List[int64]{1, 3, 6}},
		NextAppointments:      []AsnAppointmentEntry{{EntryID: "x"}}}
	legacy := LegacyPresence(&presence, "A")
	if legacy.PresenceState != presence.PresenceState || len(legacy.Calls) != 1 || legacy.AbsentState != nil {
		t.Fatalf("legacy %+v", legacy)
	}
	call := legacy.Calls[0]
	if call.Outbound != 1 || call.Internal != 0 || call.CallState != 32 {
		t.Errorf("call %+v", call)
	}
	if tracker, _ := call.OptionalParams.Lookup("TrackerID"); tracker.String != "T" {
		t.Errorf("TrackerID %+v", call.OptionalParams)
	}
	if journal, _ := call.OptionalParams.Lookup("eJournalCallType"); journal.Integer != 7 {
		t.Errorf("eJournalCallType %+v", call.OptionalParams)
	}
	want := AsnContactCapabilities{Audio: true, ScreenShare: true, CamControl: true}
	if legacy.ContactCapabilities == nil || *legacy.ContactCapabilities != want {
		t.Errorf("capabilities %+v", legacy.ContactCapabilities)
	}
}
