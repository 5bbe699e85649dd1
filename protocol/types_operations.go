package protocol

// Arguments and results of the presence, own-state, note and keepalive
// operations (ENetUC_PresenceV2.asn1, ENetROSEInterface.asn1,
// ENetUC_Transport.asn1).

// AsnGetAndSubscribePresenceArgument is the argument of asnGetAndSubscribePresenceV2
// (4505) and of the legacy asnGetAndSubscribePresence.
type AsnGetAndSubscribePresenceArgument struct {
	// ContactIDs lists the contacts to subscribe, e.g. "sip:tester@test.com".
	ContactIDs List[string] `json:"seqContactIDs"`
	// EventFlagsToSubscribe selects the events (AsnPresenceSubscriptionFlags); absent means the default.
	EventFlagsToSubscribe Optional[int64] `json:"iEventFlagsToSubscribe,omitzero"` // [0]
	// ContactDetailsReturnFilter selects the result sections; absent means no filter but rights.
	ContactDetailsReturnFilter Optional[int64] `json:"iContactDetailsReturnFilter,omitzero"` // [1]
	// OpenOnlyInternalContacts excludes SIP/XMPP federation contacts.
	OpenOnlyInternalContacts Optional[bool] `json:"bOpenOnlyInternalContacts,omitzero"` // [2]
	// DontRequestPermissions suppresses the rights challenge.
	DontRequestPermissions Optional[bool] `json:"bDontRequestPermissions,omitzero"` // [3]
}

// AsnGetAndSubscribePresenceV2Result is the result of asnGetAndSubscribePresenceV2.
type AsnGetAndSubscribePresenceV2Result struct {
	// SubscribedPresence holds the contacts that were subscribed.
	SubscribedPresence List[AsnPresenceV2] `json:"seqSubscribedPresence"`
}

// AsnUnsubscribePresenceArgument is the argument of asnUnsubscribePresence (4503).
type AsnUnsubscribePresenceArgument struct {
	ContactIDs List[string] `json:"seqContactIDs"`
}

// AsnUnsubscribePresenceResult is the result of asnUnsubscribePresence; Result should be 0.
type AsnUnsubscribePresenceResult struct {
	Result int64 `json:"iResult"`
}

// AsnUpdatePresenceV2Argument is the argument of the asnUpdatePresenceV2 event (4504).
type AsnUpdatePresenceV2Argument struct {
	// Presence holds the contact id and only the changed sections.
	Presence AsnPresenceV2 `json:"presence"`
	// ChangedFlags holds the AsnPresenceSubscriptionFlags bits of the changed sections.
	ChangedFlags int64 `json:"iChangedFlags"`
}

// AsnRemovePresenceArgument is the argument of the asnRemovePresence event (4501).
type AsnRemovePresenceArgument struct {
	// ContactID is the removed contact (wire name u8sContactID).
	ContactID string `json:"u8sContactID"`
}

// AsnSetDynamicRightsArgument is the argument of asnSetDynamicRights (4510).
type AsnSetDynamicRightsArgument struct {
	// OwnerContactID is the contact who grants the rights.
	OwnerContactID string `json:"u8sOwnerContactID"`
	// RemoteContactID is the contact who receives the rights.
	RemoteContactID string `json:"u8sRemoteContactID"`
	// DynamicRightsLevel is one of the levels 0, 65536, 131072, 262144, 524288
	// (RightsLevel* constants); wire name iDynamicRights.
	DynamicRightsLevel int64 `json:"iDynamicRights"`
	// DynamicRights sets explicit rights instead of a level ([1], "not recommended").
	DynamicRights *AsnUserDynamicRights `json:"dynamicRights,omitzero"`
}

// AsnSetDynamicRightsResult is the result of asnSetDynamicRights.
type AsnSetDynamicRightsResult struct {
	// Result should always be 0.
	Result int64 `json:"iResult"`
	// DynamicRights is the resulting entry of the owner's rights list.
	DynamicRights AsnUserDynamicRights `json:"dynamicRights"`
}

// AsnRemoveDynamicRightsArgument is the argument of asnRemoveDynamicRights (4511).
type AsnRemoveDynamicRightsArgument struct {
	OwnerContactID  string `json:"u8sOwnerContactID"`
	RemoteContactID string `json:"u8sRemoteContactID"`
}

// AsnRemoveDynamicRightsResult is the result of asnRemoveDynamicRights; 0 on success.
type AsnRemoveDynamicRightsResult struct {
	Result int64 `json:"iResult"`
}

// AsnRequestLargeProfileImageArgument is the argument of asnRequestLargeProfileImage (1601).
type AsnRequestLargeProfileImageArgument struct {
	// ContactID is the contact (wire name u8sContactID).
	ContactID string `json:"u8sContactID"`
	// KnownHash is the hash of the image the client has, "" for none.
	KnownHash string `json:"u8sKnownHash"`
	// NetDatabaseContactID identifies the contact instead of ContactID ([0]).
	NetDatabaseContactID *AsnNetDatabaseContactID `json:"netDatabaseContactID,omitzero"`
}

// AsnRequestLargeProfileImageResult is the result of asnRequestLargeProfileImage.
type AsnRequestLargeProfileImageResult struct {
	// Result is an EnumRequestImageResult value.
	Result    int64            `json:"iResult"`
	ImageData OctetString      `json:"sImageData,omitzero"`   // [0]
	ImageHash Optional[string] `json:"u8sImageHash,omitzero"` // [1]
}

// AsnRequestContactImageArgument is the argument of asnRequestContactImage (1602).
type AsnRequestContactImageArgument struct {
	NetDatabaseContactID AsnNetDatabaseContactID `json:"netDatabaseContactID"`
	KnownHash            string                  `json:"u8sKnownHash"`
}

// AsnRequestContactImageResult is the result of asnRequestContactImage.
type AsnRequestContactImageResult struct {
	// Result is an EnumRequestImageResult value.
	Result    int64            `json:"iResult"`
	ImageData OctetString      `json:"sImageData,omitzero"`   // [0]
	ImageHash Optional[string] `json:"u8sImageHash,omitzero"` // [1]
}

// AsnSetUserAbsentStateArgument is the argument of asnSetUserAbsentState (1128).
type AsnSetUserAbsentStateArgument struct {
	AbsentState AsnAbsentStateV2 `json:"absentstate"`
}

// AsnSetUserAbsentStateResult is the result of asnSetUserAbsentState; Success should be true.
type AsnSetUserAbsentStateResult struct {
	Success bool `json:"bSuccess"`
}

// AsnGetUserAbsentStateArgument is the argument of asnGetUserAbsentState (1129).
type AsnGetUserAbsentStateArgument struct {
	// ContactID is the user (wire name contactId).
	ContactID string `json:"contactId"`
}

// AsnGetUserAbsentStateResult is the result of asnGetUserAbsentState.
type AsnGetUserAbsentStateResult struct {
	AbsentState AsnAbsentStateV2 `json:"absentstate"`
}

// AsnResetUserAbsentStateArgument is the argument of asnResetUserAbsentState (1130).
type AsnResetUserAbsentStateArgument struct {
	// ContactID is the user (wire name u8sContactId).
	ContactID string `json:"u8sContactId"`
}

// AsnResetUserAbsentStateResult is the (empty) result of asnResetUserAbsentState.
type AsnResetUserAbsentStateResult struct{}

// AsnUpdateMyAbsentStateV2Argument is the argument of the asnUpdateMyAbsentStateV2 event (1313).
type AsnUpdateMyAbsentStateV2Argument struct {
	AbsentState AsnAbsentStateV2 `json:"absentstate"`
}

// AsnCustomNoteSetArgument is the argument of asnCustomNoteSet (1510).
type AsnCustomNoteSetArgument struct {
	CustomNote AsnCustomNote `json:"customnote"`
}

// AsnCustomNoteSetResult is the result of asnCustomNoteSet (optional key "RemoteInvokeID").
type AsnCustomNoteSetResult struct {
	OptionalParams AsnOptionalParameters `json:"optionalParams,omitzero"`
}

// AsnUpdateMyCustomNoteArgument is the argument of the asnUpdateMyCustomNote event (1511).
type AsnUpdateMyCustomNoteArgument struct {
	CustomNote AsnCustomNote `json:"customnote"`
}

// AsnUpdateMyContactConfigurationV2Argument is the argument of the
// asnUpdateMyContactConfigurationV2 event (1309).
type AsnUpdateMyContactConfigurationV2Argument struct {
	ContactChanged AsnContactV2 `json:"contactChanged"`
}

// AsnTransportKeepAliveArgument is the argument of the asnTransportKeepAlive event (1706).
type AsnTransportKeepAliveArgument struct {
	Dummy Null `json:"dummy"`
}

// AsnKeepAliveArgument is the argument of the legacy asnKeepAlive event (100).
type AsnKeepAliveArgument struct {
	Dummy Null `json:"dummy"`
}

// AsnSubscribeServicesArgument is the (empty) argument of asnSubscribeServices (703).
type AsnSubscribeServicesArgument struct{}

// AsnSubscribeServicesResult is the (empty) result of asnSubscribeServices.
type AsnSubscribeServicesResult struct{}

// AsnStartTLSArgument is the (empty) argument of asnStartTLS (1103).
type AsnStartTLSArgument struct{}

// AsnStartTLSResult is the (empty) result of asnStartTLS.
type AsnStartTLSResult struct{}
