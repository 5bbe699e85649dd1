package protocol

// Enumerations and bit values of the interface (ENetROSEInterface.asn1,
// ENetUC_PresenceV2.asn1, ENetUC_Common_AsnContact.asn1). They are untyped
// constants so they assign to the int64 wire fields directly.

// AsnPresenceStateEnum: the low byte of iPresenceState.
const (
	PresenceStateUncontrolled = 0 // eUNCONTROLLED: unknown contact or no rights
	PresenceStateAvailable    = 1 // eAVAILABLE
	PresenceStateBusy         = 2 // eBUSY
	PresenceStateAbsent       = 3 // eABSENT
	PresenceStateDoNotDisturb = 4 // eDONOTDISTURB
	PresenceStateOutOfOrder   = 7 // eOUTOFORDER
	PresenceStateMask         = 0x000000FF
)

// AsnPresenceStateFlags: the flag bits of iPresenceState. Bit 31 is unused.
const (
	PresenceFlagWorkingAfterCall   = 0x00010000 // eWORKINGAFTERCALL
	PresenceFlagConferencing       = 0x00020000 // eCONFERENCING
	PresenceFlagRinging            = 0x01000000 // eRINGING
	PresenceFlagAppointment        = 0x02000000 // eAPPOINTMENT
	PresenceFlagCall               = 0x04000000 // eCALL
	PresenceFlagOffline            = 0x08000000 // eOFFLINE
	PresenceFlagNoteSet            = 0x10000000 // eNOTESET
	PresenceFlagIdle               = 0x20000000 // eIDLE
	PresenceFlagMobileAvailability = 0x40000000 // eMOBILEAVAILABLITY (sic)
	PresenceFlagsMaskAdditional    = 0x00FF0000 // ePresenceStateFlagsMaskAdd
	PresenceFlagsMask              = 0x7F000000 // ePresenceStateFlagsMask
)

// AsnPresenceSubscriptionFlags: iEventFlagsToSubscribe,
// iContactDetailsReturnFilter and iChangedFlags.
const (
	SubscriptionPresence                  = 1     // ePresenceSubscriptionPresence
	SubscriptionData                      = 2     // ePresenceSubscriptionData
	SubscriptionDataIncludeImage          = 4     // ePresenceSubscriptionDataIncludeImage
	SubscriptionConfiguration             = 8     // ePresenceSubscriptionConfiguration
	SubscriptionAbsentState               = 16    // ePresenceSubscriptionAbsentstate
	SubscriptionNote                      = 32    // ePresenceSubscriptionNote
	SubscriptionAppointment               = 64    // ePresenceSubscriptionAppointment
	SubscriptionPhoneLines                = 128   // ePresenceSubscriptionPhoneLines
	SubscriptionPhoneCalls                = 256   // ePresenceSubscriptionPhoneCalls
	SubscriptionPhoneForwards             = 512   // ePresenceSubscriptionPhoneForwards
	SubscriptionMyChallengeUpdates        = 1024  // ePresenceSubscriptionMyChallengeUpdates
	SubscriptionDynamicRightsUpdate       = 2048  // ePresenceSubscriptionDynamicRightsUpdate
	SubscriptionDynamicGroupRightsUpdate  = 4096  // ePresenceSubscriptionDynamicGroupRightsUpdate
	SubscriptionDynamicGlobalRightsUpdate = 8192  // ePresenceSubscriptionDynamicGlobalRightsUpdate
	SubscriptionContactCapabilitiesV1     = 16384 // V1 only: ePresenceSubscriptionContactCapabilities
	SubscriptionAgentStatus               = 32768 // ePresenceSubscriptionAgentStatus, not in the default
	SubscriptionMonitorGroupingAttribute  = 65536 // ePresenceSubScriptionMonitorGroupingAttribute, not in the default
	// SubscriptionDefault is what an absent iEventFlagsToSubscribe means: the
	// bits 1..512 that the ASN.1 marks "(default: on)".
	SubscriptionDefault = 1023
)

// AsnAbsentStateEnum: eAbsentState / iAbsentState.
const (
	AbsentStateNotAbsent    = 0 // eABSENTSTATENOTABSENT (available)
	AbsentStateOutOfOffice  = 1 // eABSENTSTATEOUTOFOFFICE
	AbsentStateBusy         = 2 // eABSENTSTATEBUSY
	AbsentStateDoNotDisturb = 3 // eABSENTSTATEDONOTDISTURB
	AbsentStateNotSet       = 4 // eABSENTSTATENOTSET
)

// AsnReachabilityEnum: eReachability.
const (
	ReachabilityNormal       = 0
	ReachabilityPause        = 1
	ReachabilityBusinessTrip = 2
	ReachabilityHomeOffice   = 3
	ReachabilityVacation     = 4
	ReachabilityUnreachable  = 5
)

// Rights levels of iDynamicRights (AsnPresenceRightsFlags pattern bits).
const (
	RightsLevelBlocked  = 0
	RightsLevelPublic   = 0x10000
	RightsLevelCompany  = 0x20000
	RightsLevelTeam     = 0x40000
	RightsLevelPersonal = 0x80000
)

// AsnPresenceRightsFlags bits and the full AsnPresenceCommonRights patterns.
const (
	PresenceRightVisible            = 0x1
	PresenceRightChangeable         = 0x2
	PresenceRightAppointmentPrivate = 0x10
	PresenceRightAppointmentPublic  = 0x20
	PresenceRightPatternUsed        = 0x8000
	PresenceRightsPublic            = 98305  // 0x18001
	PresenceRightsCompany           = 163873 // 0x28021
	PresenceRightsTeam              = 294947 // 0x48023
	PresenceRightsPersonal          = 557107 // 0x88033
)

// AsnPhoneControlRightsFlags bits and the common patterns.
const (
	PhoneRightNumbersOutbound    = 0x1
	PhoneRightNumbersInbound     = 0x2
	PhoneRightNumbersRedirected  = 0x4
	PhoneRightSetForwards        = 0x100
	PhoneRightSetPickupCalls     = 0x200
	PhoneRightsPrimaryCompany    = 7
	PhoneRightsPrimaryTeam       = 519
	PhoneRightsPrimaryPersonal   = 775
	PhoneRightsSecondaryTeam     = 7
	PhoneRightsSecondaryPersonal = 775
)

// AsnPresenceAction: iAction of a call.
const (
	CallActionAdded   = 0
	CallActionChanged = 1
	CallActionDeleted = 2
)

// EnumRequestImageResult: iResult of the image operations.
const (
	ImageAttached       = 0 // eIMAGEATTACHED
	ImageHashNotChanged = 1 // eIMAGEHASHNOTCHANGED
	ImageNotFound       = 2 // eNOIMAGEFOUND
)

// AsnSetDynamicRightsErrorEnum / AsnRemoveDynamicRightsErrorEnum: iErrorDetail.
const (
	DynamicRightsErrorGeneral            = 0
	DynamicRightsErrorPermissionDenied   = 1
	DynamicRightsErrorWriteProfileDenied = 2
	DynamicRightsErrorUnknownRights      = 3
)

// AsnNegotiateServerConnectionClientCapabilities: iClientCapabilities bits.
const (
	ClientCapabilitySoftphone = 1 // eSOFTPHONE
	ClientCapabilityAVLine    = 2 // eAVLINE
	ClientCapabilityV2Events  = 4 // eASN1V2EVENTS: the client handles the V2 events
)
