package server

import (
	"testing"

	"github.com/ucpresence/presence/engine"
)

// TestRightsListAndChallengeOperations: a subscribe of dave (no rights on
// carol) starts a challenge; carol's own subscription with bit 1024 is told,
// asnRequestMyPresenceRightsChallenge returns dave in
// asnMyPresenceRightsChallenge; carol answers with asnSetDynamicRights and
// asnGetSettingsDynamicRights shows the entry; the challenge list is then empty.
func TestRightsListAndChallengeOperations(t *testing.T) {
	ts := startServer(t, nil)
	carol, dave := ts.dialWS(t, ""), ts.dialWS(t, "")
	carol.login("carol")
	dave.login("dave")
	id := carol.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{"sip:carol@x"}, "iEventFlagsToSubscribe": 0xFFFF})
	resultValue(t, carol.result(id))

	// Only the own list can be read.
	if m := carol.result(carol.invoke("asnGetSettingsDynamicRights", map[string]any{"u8sContactID": "sip:bob@x"})); m["error"] == nil {
		t.Fatalf("reading bob's list: %v", m)
	}
	list := resultValue(t, carol.result(carol.invoke("asnGetSettingsDynamicRights", map[string]any{"u8sContactID": "sip:carol@x"})))
	if l := list["seqDynamicRightsList"].([]any); len(l) != 0 {
		t.Fatalf("carol's list before: %v", l)
	}

	subscribe(dave, "sip:carol@x")
	carol.await("challenge update", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		_, flags := updatePresence(m)
		return int(flags)&int(engine.SectionChallenges) != 0
	})
	carol.sendRaw([]byte(`[{"invoke":{"invokeID":99999,"operationID":0,"operationName":"asnRequestMyPresenceRightsChallenge","argument":{}}}]`))
	ev := carol.await("challenge list", isEvent("asnMyPresenceRightsChallenge"))
	contacts := ev["invoke"].(map[string]any)["argument"].(map[string]any)["contactsChallenging"].([]any)
	if len(contacts) != 1 || contacts[0].(map[string]any)["u8sEntryID"] != "sip:dave@x" || contacts[0].(map[string]any)["u8sDisplayName"] != "dave" {
		t.Fatalf("challengers %v", contacts)
	}

	resultValue(t, carol.result(carol.invoke("asnSetDynamicRights", map[string]any{
		"u8sOwnerContactID": "sip:carol@x", "u8sRemoteContactID": "sip:dave@x", "iDynamicRights": 131072})))
	list = resultValue(t, carol.result(carol.invoke("asnGetSettingsDynamicRights", map[string]any{"u8sContactID": "sip:carol@x"})))
	l := list["seqDynamicRightsList"].([]any)
	if len(l) != 1 || l[0].(map[string]any)["u8sObjectID"] != "sip:dave@x" || l[0].(map[string]any)["iPresenceRights"] != float64(163873) {
		t.Fatalf("carol's list after: %v", l)
	}
	carol.sendRaw([]byte(`{"invoke":{"invokeID":99999,"operationID":0,"operationName":"asnRequestMyPresenceRightsChallenge","argument":{}}}`))
	ev = carol.await("challenge list", isEvent("asnMyPresenceRightsChallenge"))
	if contacts := ev["invoke"].(map[string]any)["argument"].(map[string]any)["contactsChallenging"].([]any); len(contacts) != 0 {
		t.Fatalf("challengers after the answer %v", contacts)
	}
}
