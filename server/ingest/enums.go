package ingest

import "github.com/ucpresence/presence/engine"

// Enum values travel either by name (the lower-camel names below, which the
// encoder writes) or by their estos number. Each table lists names and the
// numbers they stand for; lookups are linear (at most 11 entries, cheaper
// than hashing the name).

var lineStateNames = []string{"offline", "online"}
var lineStateValues = []int32{int32(engine.LineOffline), int32(engine.LineOnline)}

var callStateNames = []string{
	"unknown", "destroyed", "offering", "dialing", "ringback", "busy",
	"connected", "conferenced", "hold", "disconnected", "prepare",
}
var callStateValues = []int32{
	int32(engine.CallUnknown), int32(engine.CallDestroyed), int32(engine.CallOffering),
	int32(engine.CallDialing), int32(engine.CallRingback), int32(engine.CallBusy),
	int32(engine.CallConnected), int32(engine.CallConferenced), int32(engine.CallHold),
	int32(engine.CallDisconnected), int32(engine.CallPrepare),
}

var callTypeNames = []string{
	"normal", "consult", "conferenceController", "callback", "conferenceMember",
	"conferenceControllerPending", "conferenceMemberPending",
}
var callTypeValues = sequence(len(callTypeNames))

var journalTypeNames = []string{
	"cti", "videoChat", "audioChat", "audioVideoChat", "im", "bluetoothMobile",
	"bluetoothMobileUnknownDuration", "sipAvCall", "sms", "screenSharing", "requestedScreenSharing",
}
var journalTypeValues = sequence(len(journalTypeNames))

var appointmentStatusNames = []string{"free", "tentative", "busy", "outOfOffice"}
var appointmentStatusValues = sequence(len(appointmentStatusNames))

var sensitivityNames = []string{"normal", "personal", "private", "confidential"}
var sensitivityValues = sequence(len(sensitivityNames))

var absentKindNames = []string{"available", "outOfOffice", "busy", "doNotDisturb", "notSet"}
var absentKindValues = sequence(len(absentKindNames))

var reachabilityNames = []string{"normal", "pause", "businessTrip", "homeOffice", "vacation", "unreachable"}
var reachabilityValues = sequence(len(reachabilityNames))

var agentStateNames = []string{"none", "notReady", "ready", "busy", "workingAfterCall"}
var agentStateValues = sequence(len(agentStateNames))

var deviceNames = []string{"desktop", "web", "mobile"}
var deviceValues = sequence(len(deviceNames))

// sequence returns 0, 1, ..., n-1: the tables whose numbers follow the names.
func sequence(n int) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(i)
	}
	return v
}

// enumName returns the name of value v in a table, or "" when it has none
// (the encoder then writes the number).
func enumName(names []string, values []int32, v int32) string {
	for i, x := range values {
		if x == v {
			return names[i]
		}
	}
	return ""
}
