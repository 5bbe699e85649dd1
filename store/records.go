package store

import "time"

// Scope says which of the three dynamic rights lists an entry belongs to.
// Effective rights are the sum of all three (Presence V2 wire digest §5.2);
// the store keeps them apart because people edit them apart.
type Scope uint8

const (
	// ScopeGlobal is the server-wide list; its owner is always "".
	ScopeGlobal Scope = 1
	// ScopeGroup is the list of one group; its owner is the group name.
	ScopeGroup Scope = 2
	// ScopePersonal is the list a contact keeps for others; its owner is
	// that contact's id.
	ScopePersonal Scope = 3
)

// String returns "global", "group" or "personal".
func (scope Scope) String() string {
	switch scope {
	case ScopeGlobal:
		return "global"
	case ScopeGroup:
		return "group"
	case ScopePersonal:
		return "personal"
	}
	return "invalid-scope"
}

// RightsEntry is one row of a dynamic rights list (AsnUserDynamicRights).
// It is a plain value; copies are independent.
type RightsEntry struct {
	// RemoteID is the contact id or group name the rights are granted to.
	RemoteID string
	// PresenceRights is the AsnPresenceRightsFlags bit set (§4.3).
	PresenceRights uint32
	// PhonePrimary is the AsnPhoneControlRightsFlags set for the first line.
	PhonePrimary uint32
	// PhoneSecondary is the AsnPhoneControlRightsFlags set for all other lines.
	PhoneSecondary uint32
}

// AbsentState is a contact's manual absent state (AsnAbsentStateV2 without
// the server-calculated presence, which is live state). It is a plain value;
// the ExternalStates slice is owned by whoever holds the value.
type AbsentState struct {
	// State is the AsnAbsentStateEnum value (0 available ... 4 not set).
	State int
	// From is when the absence starts; the zero time means "not given".
	From time.Time
	// To is when the absence ends; the zero time means "not given".
	To time.Time
	// HasReachability says whether Reachability was given.
	HasReachability bool
	// Reachability is the AsnReachabilityEnum value, meaningful only when
	// HasReachability is true.
	Reachability int
	// ExternalStates are the external presence states (e.g. MS Teams); nil
	// and empty are the same.
	ExternalStates []ExternalPresenceState
	// SetAt is when the user set the state.
	SetAt time.Time
}

// ExternalPresenceState is one AsnExternalPresenceState.
type ExternalPresenceState struct {
	// UserName is the account name in the external system.
	UserName string
	// State is the external system's presence value.
	State int
	// Type is the AsnExternalPresenceType (0 MS Teams).
	Type int
}

// Note is a contact's custom note (AsnCustomNote text).
type Note struct {
	// Text is the note as the user typed it; it may be empty.
	Text string
	// SetAt is when the user set the note.
	SetAt time.Time
}

// Challenge is one pending rights challenge: Challenger subscribed to
// Owner's presence while no rights existed (§5.3) and Owner has not
// answered yet.
type Challenge struct {
	// Owner is the challengee's contact id (whose list the entry is in).
	Owner string
	// Challenger is the contact id asking for rights.
	Challenger string
	// At is when the challenge was raised.
	At time.Time
}

// Image is a contact's picture in two sizes. PutImage copies the bytes
// into the mutation, and Load and (*Store).Image return fresh copies, so
// the caller may reuse or modify its slices at any time.
type Image struct {
	// Hash identifies the picture version (opaque to the store, e.g. a hex
	// digest); clients use it to skip downloads.
	Hash string
	// Small is the JPEG thumbnail.
	Small []byte
	// Large is the full-size JPEG.
	Large []byte
}

// User is one entry of the user directory.
type User struct {
	// ID is the contact id of the user.
	ID string
	// Display holds the display data fields (display name, e-mail, ...),
	// keyed by field name. nil and empty are the same.
	Display map[string]string
	// PasswordHash is opaque to the store (the server chooses the scheme).
	PasswordHash string
	// Groups are the names of the groups the user belongs to.
	Groups []string
	// Lines are the user's phone line URIs, first line first.
	Lines []string
	// Administrator marks a server administrator.
	Administrator bool
}
