package protocol

// V1 rights-list and rights-challenge operations (SDK asndoc, "General"
// module, marked PRIVATE there; no published ids, so they resolve by name).
// presenced serves them so a client can read the list it may change and the
// challenges it may answer: the V2 interface only announces changes of both
// (subscription bits 1024 and 2048) and has no operation to read them.

// AsnGetSettingsDynamicRightsArgument is the argument of asnGetSettingsDynamicRights.
type AsnGetSettingsDynamicRightsArgument struct {
	// ContactID is the owner whose personal list is read ("for now only
	// one's own", says the asndoc; presenced also lets administrators read any).
	ContactID string `json:"u8sContactID"`
}

// AsnGetSettingsDynamicRightsResult is the result of asnGetSettingsDynamicRights.
type AsnGetSettingsDynamicRightsResult struct {
	// Result is 0 on success.
	Result int64 `json:"iResult"`
	// DynamicRightsList is the owner's personal list, one entry per remote.
	DynamicRightsList List[AsnUserDynamicRights] `json:"seqDynamicRightsList"`
}

// AsnRequestMyPresenceRightsChallengeArgument is the (empty) argument of the
// client event asnRequestMyPresenceRightsChallenge: "send me the list".
type AsnRequestMyPresenceRightsChallengeArgument struct{}

// AsnMyPresenceRightsChallengeArgument is the argument of the server event
// asnMyPresenceRightsChallenge: the contacts waiting for an answer.
type AsnMyPresenceRightsChallengeArgument struct {
	ContactsChallenging List[AsnNetDatabaseContact] `json:"contactsChallenging"`
}
