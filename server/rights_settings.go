package server

import (
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// The V1 rights-list and challenge operations (protocol/types_rights_settings.go).
// The V2 interface announces a change of the own rights list (subscription
// bit 2048) or challenge list (bit 1024) with an asnUpdatePresenceV2 of the
// own contact and no section; a client then reads the list with these.

var myChallengeOperation, _ = protocol.OperationByName("asnMyPresenceRightsChallenge")

// settingsDynamicRights answers asnGetSettingsDynamicRights: the caller's
// own personal list. Reading another user's list is refused with
// AsnSetDynamicRightsErrorEnum 1 (permission denied), as the asndoc says
// "for now only one's own list can be read".
func (c *conn) settingsDynamicRights(inv *protocol.Invoke, wrapped bool, a *protocol.AsnGetSettingsDynamicRightsArgument) {
	user := c.currentUser()
	owner := a.ContactID
	if owner == "" {
		owner = user
	}
	if owner != user {
		c.requestError(inv, wrapped, int64(engine.RightsPermissionDenied), "only the own rights list can be read")
		return
	}
	entries := c.srv.cfg.Engine.RightsList(engine.ScopePersonal, owner)
	list := make(protocol.List[protocol.AsnUserDynamicRights], 0, len(entries))
	for _, entry := range entries {
		list = append(list, wireRights(entry.Remote, entry.Rights))
	}
	c.result(inv, wrapped, &protocol.AsnGetSettingsDynamicRightsResult{DynamicRightsList: list})
}

// sendMyChallenges answers the client event asnRequestMyPresenceRightsChallenge
// with the event asnMyPresenceRightsChallenge: one contact per pending
// challenger, oldest first, with the challenger's always-visible data
// (display name, names, e-mail, entry id; docs/RIGHTS.md).
func (c *conn) sendMyChallenges() {
	user := c.currentUser()
	if user == "" {
		return
	}
	e := c.srv.cfg.Engine
	challenges := e.Challenges(user)
	list := make(protocol.List[protocol.AsnNetDatabaseContact], 0, len(challenges))
	for _, ch := range challenges {
		var contact *protocol.AsnNetDatabaseContact
		if s, ok := e.SnapshotFor(user, ch.Challenger); ok && s.Data != nil {
			contact = contactData(s.Data, nil, false)
		} else {
			contact = &protocol.AsnNetDatabaseContact{}
		}
		contact.EntryID = protocol.Some(ch.Challenger)
		list = append(list, *contact)
	}
	out, err := protocol.AppendEvent(nil, myChallengeOperation, &protocol.AsnMyPresenceRightsChallengeArgument{ContactsChallenging: list}, c.wrapped)
	if err != nil {
		c.log.Error("cannot encode the challenge list", "error", err)
		return
	}
	if len(out) <= c.t.maxPayload() {
		c.queue(out)
	}
}
