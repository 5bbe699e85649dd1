package directory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ucpresence/presence/engine"
)

// User is one entry of the directory. A User is immutable once its
// Directory is loaded: share it freely, do not modify it.
type User struct {
	// ID is the contact id, e.g. "sip:alice@example.com".
	ID string
	// Login is the login name for Basic authentication. Logins compare
	// case-insensitively (Unicode simple folding).
	Login string
	// PasswordHash is the encoded hash (see HashPassword).
	PasswordHash string
	// Enabled users may log in; a disabled user is refused with 107 after
	// a correct password (and 101 after a wrong one).
	Enabled bool
	// Administrator users may change every rights list.
	Administrator bool
	// Groups are the rights groups the user belongs to.
	Groups []string

	// Contact data, copied into engine.ContactData by ContactEntry.
	DisplayName, FirstName, LastName string
	EMail, JobTitle, Company         string
	Department, OfficeRoom           string
	BusinessPhone, MobilePhone       string
	HomePhone                        string
	BusinessAddress                  engine.Address
	PrivateAddress                   engine.Address
	OtherAddress                     engine.Address

	// Lines are the user's phone lines, the primary one first.
	Lines []Line

	hash passwordHash // parsed PasswordHash
	line int          // line of the entry in its file, for messages
}

// Line is a phone line of a user.
type Line struct {
	// URI identifies the line, e.g. "tel:+4981511234100".
	URI string
	// Number is the readable number, e.g. "100".
	Number string
	// Primary marks the first line, which rights treat differently from
	// further lines. At most one line of a user is primary.
	Primary bool
}

// ContactEntry returns what the engine should know about the user: the
// contact data (AsnNetDatabaseContact fields), groups and administrator
// flag. Each call returns a fresh value that the caller may hand to
// (*engine.Engine).PutContact.
//
// The login name is deliberately not copied into CTIServerUserName: that
// field is visible at the Public level and would list every login name for
// password guessing.
func (u *User) ContactEntry() engine.ContactEntry {
	data := &engine.ContactData{
		DisplayName:      u.DisplayName,
		FirstName:        u.FirstName,
		LastName:         u.LastName,
		EMail:            u.EMail,
		JobTitle:         u.JobTitle,
		Company:          u.Company,
		Department:       u.Department,
		OfficeRoomNumber: u.OfficeRoom,
		PhoneBusiness:    u.BusinessPhone,
		PhoneMobile:      u.MobilePhone,
		PhoneHome:        u.HomePhone,
		BusinessAddress:  u.BusinessAddress,
		PrivateAddress:   u.PrivateAddress,
		OtherAddress:     u.OtherAddress,
		EntryID:          u.ID,
		Valid:            true,
	}
	if strings.HasPrefix(u.ID, "sip:") {
		data.SIPAddress = u.ID
	}
	for _, l := range u.Lines {
		if l.Primary {
			data.PrimaryPhone = l.Number
		}
	}
	return engine.ContactEntry{
		Data:          data,
		Groups:        slices.Clone(u.Groups),
		Administrator: u.Administrator,
	}
}

// EngineLines returns the user's lines for (*engine.Engine).SetLine. The
// directory does not know the PBX: a listed line is reported online until a
// PBX source says otherwise.
func (u *User) EngineLines() []engine.Line {
	lines := make([]engine.Line, len(u.Lines))
	for i, l := range u.Lines {
		lines[i] = engine.Line{URI: l.URI, Number: l.Number, Primary: l.Primary, State: engine.LineOnline}
	}
	return lines
}

// Grant is one entry of an initial rights list: Remote is a contact id,
// engine.GroupRemote(name) ("group:<name>") or engine.Everyone ("*").
type Grant struct {
	Remote string
	Level  engine.Level
}

// InitialRights are the rights lists of the directory file, applied once at
// startup by (*Directory).Apply or ApplyRights. Lists keep file order.
type InitialRights struct {
	// Global applies to every contact.
	Global []Grant
	// Groups maps a group name to the list that applies to its members.
	Groups map[string][]Grant
	// Personal maps an owner's contact id to its own list.
	Personal map[string][]Grant
}

// Directory is a loaded user directory. It is immutable and safe for
// concurrent use.
type Directory struct {
	file    string
	users   []*User
	byID    map[string]*User
	byLogin map[string]*User // key: FoldLogin(Login)
	rights  InitialRights
	// decoyIterations is the most common iteration count among the users:
	// an unknown login name costs as much as a wrong password.
	decoyIterations int
}

// File returns the name the directory was loaded from.
func (d *Directory) File() string { return d.file }

// Users returns the users in file order. The slice is a copy; the users
// are shared.
func (d *Directory) Users() []*User { return slices.Clone(d.users) }

// Len returns the number of users.
func (d *Directory) Len() int { return len(d.users) }

// User returns the user with contact id id.
func (d *Directory) User(id string) (*User, bool) {
	u, ok := d.byID[id]
	return u, ok
}

// UserByLogin returns the user with the login name, compared
// case-insensitively.
func (d *Directory) UserByLogin(login string) (*User, bool) {
	u, ok := d.byLogin[FoldLogin(login)]
	return u, ok
}

// Rights returns the initial rights lists. The result shares the
// directory's slices: do not modify it.
func (d *Directory) Rights() InitialRights { return d.rights }

// FoldLogin is the case-insensitive key of a login name: UserByLogin
// compares logins by it, and the authenticator counts failed attempts per
// folded name.
func FoldLogin(login string) string { return strings.ToLower(login) }

// CheckPassword reports whether password is the user's: one PBKDF2
// derivation at the user's iteration count (84 ms at DefaultIterations),
// compared in constant time.
func (u *User) CheckPassword(password string) bool { return u.hash.verify(password) }

// Decoy spends the work of one CheckPassword at the directory's most
// common iteration count and checks nothing, so that an unknown login name
// takes as long to refuse as a wrong password.
func (d *Directory) Decoy(password string) { burn(password, d.decoyIterations) }

// Apply puts every user into the engine (contact entry and lines), then
// applies the initial rights lists (ApplyRights). Users already present are
// updated; contacts not in the directory are left alone.
func (d *Directory) Apply(e *engine.Engine) error {
	for _, u := range d.users {
		if err := e.PutContact(u.ID, u.ContactEntry()); err != nil {
			return fmt.Errorf("directory: cannot add %s: %w", u.ID, err)
		}
		for _, l := range u.EngineLines() {
			if err := e.SetLine(u.ID, l); err != nil {
				return fmt.Errorf("directory: cannot set line %s of %s: %w", l.URI, u.ID, err)
			}
		}
	}
	return d.ApplyRights(e)
}

// ApplyRights sets the initial rights lists in the engine: global and
// group entries with SetListRights and the empty (trusted) actor; personal
// entries with SetDynamicRights on behalf of their owner, who may always
// change its own list (the engine grants the empty actor no personal-list
// rights). Owners must already be contacts of the engine (Apply adds them).
// Entries replace the engine's entries for the same remote; other entries
// stay.
func (d *Directory) ApplyRights(e *engine.Engine) error {
	for _, g := range d.rights.Global {
		if err := e.SetListRights("", engine.ScopeGlobal, "", g.Remote, levelRights(g.Level), false); err != nil {
			return fmt.Errorf("directory: global rights for %s: %w", g.Remote, err)
		}
	}
	for _, group := range sortedKeys(d.rights.Groups) {
		for _, g := range d.rights.Groups[group] {
			if err := e.SetListRights("", engine.ScopeGroup, group, g.Remote, levelRights(g.Level), false); err != nil {
				return fmt.Errorf("directory: rights of group %s for %s: %w", group, g.Remote, err)
			}
		}
	}
	for _, owner := range sortedKeys(d.rights.Personal) {
		for _, g := range d.rights.Personal[owner] {
			if _, err := e.SetDynamicRights(owner, owner, g.Remote, g.Level, nil); err != nil {
				return fmt.Errorf("directory: rights of %s for %s: %w", owner, g.Remote, err)
			}
		}
	}
	return nil
}

// levelRights returns the pattern of a level checked at load time.
func levelRights(l engine.Level) engine.Rights {
	r, ok := l.Rights()
	if !ok {
		panic(fmt.Sprintf("BUG: unchecked rights level %d", l))
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
