package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rightsID identifies one rights entry in a snapshot.
type rightsID struct {
	scope           Scope
	owner, remoteID string
}

// snapshot is everything Load returns, in maps, for comparisons.
type snapshot struct {
	rights     map[rightsID]RightsEntry
	absent     map[string]AbsentState
	notes      map[string]Note
	challenges map[[2]string]time.Time
	images     map[string]Image
	users      map[string]User
}

func newSnapshot() snapshot {
	return snapshot{
		rights:     map[rightsID]RightsEntry{},
		absent:     map[string]AbsentState{},
		notes:      map[string]Note{},
		challenges: map[[2]string]time.Time{},
		images:     map[string]Image{},
		users:      map[string]User{},
	}
}

func (snap snapshot) size() int {
	return len(snap.rights) + len(snap.absent) + len(snap.notes) + len(snap.challenges) +
		len(snap.images) + len(snap.users)
}

// diff describes the first differences between two snapshots, "" if equal.
func (snap snapshot) diff(other snapshot) string {
	var lines []string
	compare := func(kind string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			lines = append(lines, fmt.Sprintf("%s differ:\n got  %v\n want %v", kind, got, want))
		}
	}
	compare("rights", snap.rights, other.rights)
	compare("absent states", snap.absent, other.absent)
	compare("notes", snap.notes, other.notes)
	compare("challenges", snap.challenges, other.challenges)
	compare("images", snap.images, other.images)
	compare("users", snap.users, other.users)
	return strings.Join(lines, "\n")
}

// loadSnapshot reads the whole store, images included.
func loadSnapshot(t testing.TB, s *Store) snapshot {
	t.Helper()
	snap := newSnapshot()
	err := s.Load(Loader{
		Rights: func(scope Scope, owner string, entry RightsEntry) error {
			snap.rights[rightsID{scope, owner, entry.RemoteID}] = entry
			return nil
		},
		AbsentState: func(contactID string, state AbsentState) error {
			snap.absent[contactID] = state
			return nil
		},
		Note: func(contactID string, note Note) error {
			snap.notes[contactID] = note
			return nil
		},
		Challenge: func(challenge Challenge) error {
			snap.challenges[[2]string{challenge.Owner, challenge.Challenger}] = challenge.At
			return nil
		},
		Image: func(contactID string, image Image) error {
			snap.images[contactID] = image
			return nil
		},
		User: func(user User) error {
			snap.users[user.ID] = user
			return nil
		},
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return snap
}

func testConfig(t testing.TB) Config {
	return Config{Dir: t.TempDir()}
}

func mustOpen(t testing.TB, config Config) *Store {
	t.Helper()
	s, err := Open(config)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustApply(t testing.TB, s *Store, mutations ...Mutation) {
	t.Helper()
	if err := s.Apply(context.Background(), mutations...); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func mustClose(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// at returns a UTC time with nanoseconds, as decoded times are.
func at(seconds int64) time.Time { return time.Unix(seconds, 123456789).UTC() }

func TestRoundTripEveryRecordKind(t *testing.T) {
	config := testConfig(t)
	s := mustOpen(t, config)
	want := newSnapshot()

	global := RightsEntry{RemoteID: "alice", PresenceRights: 98305, PhonePrimary: 7, PhoneSecondary: 0}
	group := RightsEntry{RemoteID: "sales", PresenceRights: 163873, PhonePrimary: 7, PhoneSecondary: 7}
	personal := RightsEntry{RemoteID: "bob", PresenceRights: 557107, PhonePrimary: 775, PhoneSecondary: 775}
	absent := AbsentState{
		State: 3, From: at(1700000000), To: at(1700003600), HasReachability: true, Reachability: 3,
		ExternalStates: []ExternalPresenceState{{UserName: "alice@contoso.example", State: -2, Type: 0}},
		SetAt:          at(1699999999),
	}
	minimalAbsent := AbsentState{State: 1, SetAt: at(5)} // no times, no reachability
	note := Note{Text: "Im Urlaub bis Montag ☀", SetAt: at(1700000001)}
	image := Image{Hash: "9f86d081", Small: []byte{0xff, 0xd8, 1, 2}, Large: make([]byte, 70_000)}
	image.Large[0], image.Large[69_999] = 0xff, 0xd9
	user := User{
		ID:           "alice",
		Display:      map[string]string{"displayName": "Alice A.", "email": "alice@example.com"},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Groups: []string{"sales", "all"},
		Lines: []string{"tel:+4930123", "sip:alice@example.com"}, Administrator: true,
	}

	mustApply(t, s,
		PutRights(ScopeGlobal, "", global),
		PutRights(ScopeGroup, "support", group),
		PutRights(ScopePersonal, "alice", personal),
		PutAbsentState("alice", absent),
		PutAbsentState("carol", minimalAbsent),
		PutNote("alice", note),
		PutNote("bob", Note{SetAt: at(9)}), // empty text is a note
		PutChallenge(Challenge{Owner: "alice", Challenger: "mallory", At: at(1700000002)}),
		PutImage("alice", image),
		PutUser(user),
		PutUser(User{ID: "bob"}),
	)
	want.rights[rightsID{ScopeGlobal, "", "alice"}] = global
	want.rights[rightsID{ScopeGroup, "support", "sales"}] = group
	want.rights[rightsID{ScopePersonal, "alice", "bob"}] = personal
	want.absent["alice"] = absent
	want.absent["carol"] = minimalAbsent
	want.notes["alice"] = note
	want.notes["bob"] = Note{SetAt: at(9)}
	want.challenges[[2]string{"alice", "mallory"}] = at(1700000002)
	want.images["alice"] = image
	want.users["alice"] = user
	want.users["bob"] = User{ID: "bob"}

	// Deletes and replacements in a second call.
	replaced := personal
	replaced.PresenceRights = 0 // blocked
	mustApply(t, s,
		PutRights(ScopePersonal, "alice", replaced),
		DeleteAbsentState("carol"),
		DeleteNote("bob"),
		DeleteUser("bob"),
	)
	want.rights[rightsID{ScopePersonal, "alice", "bob"}] = replaced
	delete(want.absent, "carol")
	delete(want.notes, "bob")
	delete(want.users, "bob")

	if diff := loadSnapshot(t, s).diff(want); diff != "" {
		t.Fatalf("before reopen:\n%s", diff)
	}
	mustClose(t, s)

	s = mustOpen(t, config)
	defer mustClose(t, s)
	if diff := loadSnapshot(t, s).diff(want); diff != "" {
		t.Fatalf("after reopen:\n%s", diff)
	}
	got, ok, err := s.Image("alice")
	if err != nil || !ok || !reflect.DeepEqual(got, image) {
		t.Fatalf("Image(alice) = %d/%d bytes, %v, %v; want the stored image", len(got.Small), len(got.Large), ok, err)
	}
	if _, ok, err := s.Image("nobody"); ok || err != nil {
		t.Fatalf("Image(nobody) = %v, %v; want not found", ok, err)
	}

	// Removing the remaining records one kind at a time empties the store.
	mustApply(t, s,
		DeleteRights(ScopeGlobal, "", "alice"),
		DeleteRights(ScopeGroup, "support", "sales"),
		DeleteRights(ScopePersonal, "alice", "bob"),
		DeleteAbsentState("alice"),
		DeleteNote("alice"),
		DeleteChallenge("alice", "mallory"),
		DeleteImage("alice"),
		DeleteUser("alice"),
	)
	if size := loadSnapshot(t, s).size(); size != 0 {
		t.Fatalf("after deleting everything %d records remain", size)
	}
}

func TestListDeletionKeepsOwnersWithSimilarNames(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	defer mustClose(t, s)
	entry := func(remote string) RightsEntry { return RightsEntry{RemoteID: remote, PresenceRights: 1} }
	mustApply(t, s,
		PutRights(ScopeGlobal, "", entry("x")),
		PutRights(ScopeGroup, "ab", entry("x")),
		PutRights(ScopeGroup, "ab", entry("y")),
		PutRights(ScopeGroup, "abc", entry("x")), // "ab" is a prefix of "abc"
		PutRights(ScopeGroup, "a", entry("bx")),  // "a"+"bx" spells "abx"
		PutRights(ScopePersonal, "ab", entry("x")),
		PutChallenge(Challenge{Owner: "ab", Challenger: "c"}),
		PutChallenge(Challenge{Owner: "abc", Challenger: "d"}),
	)
	mustApply(t, s, DeleteRightsList(ScopeGroup, "ab"), DeleteChallenges("ab"))

	snap := loadSnapshot(t, s)
	wantRights := []rightsID{
		{ScopeGlobal, "", "x"}, {ScopeGroup, "abc", "x"}, {ScopeGroup, "a", "bx"}, {ScopePersonal, "ab", "x"},
	}
	if len(snap.rights) != len(wantRights) {
		t.Errorf("rights after deleting group ab: %v", snap.rights)
	}
	for _, id := range wantRights {
		if _, ok := snap.rights[id]; !ok {
			t.Errorf("rights %v deleted with group ab's list", id)
		}
	}
	if _, ok := snap.challenges[[2]string{"abc", "d"}]; !ok || len(snap.challenges) != 1 {
		t.Errorf("challenges after deleting ab's: %v, want only abc/d", snap.challenges)
	}

	mustApply(t, s, DeleteRightsList(ScopeGlobal, ""))
	if _, ok := loadSnapshot(t, s).rights[rightsID{ScopeGlobal, "", "x"}]; ok {
		t.Error("global list not emptied")
	}
}

func TestInvalidMutationsAreRejectedBeforeQueueing(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	defer mustClose(t, s)
	entry := RightsEntry{RemoteID: "bob"}
	invalidMutations := map[string]Mutation{
		"zero":                  {},
		"unknown scope":         PutRights(Scope(9), "x", entry),
		"global with owner":     PutRights(ScopeGlobal, "alice", entry),
		"group without owner":   PutRights(ScopeGroup, "", entry),
		"personal, no owner":    DeleteRights(ScopePersonal, "", "bob"),
		"no remote id":          PutRights(ScopePersonal, "alice", RightsEntry{}),
		"absent no contact":     PutAbsentState("", AbsentState{}),
		"note no contact":       PutNote("", Note{}),
		"challenge no owner":    PutChallenge(Challenge{Challenger: "x"}),
		"challenges no owner":   DeleteChallenges(""),
		"image no contact":      PutImage("", Image{}),
		"user no id":            PutUser(User{}),
		"delete user no id":     DeleteUser(""),
		"key over bbolt limit":  PutNote(strings.Repeat("x", 40_000), Note{}),
		"list with empty owner": DeleteRightsList(ScopeGroup, ""),
	}
	for name, mutation := range invalidMutations {
		// A valid mutation in the same call must not be applied either.
		err := s.Apply(context.Background(), PutNote("valid", Note{Text: name}), mutation)
		if !errors.Is(err, ErrInvalidMutation) {
			t.Errorf("%s: Apply error %v, want ErrInvalidMutation", name, err)
		}
	}
	if notes := loadSnapshot(t, s).notes; len(notes) != 0 {
		t.Errorf("a call with an invalid mutation applied %v", notes)
	}
	var stats Stats
	s.Stats(&stats)
	if stats.Commits != 0 {
		t.Errorf("%d commits for invalid calls, want 0", stats.Commits)
	}
}

func TestClosedStore(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustClose(t, s)
	mustClose(t, s) // idempotent
	if err := s.Apply(context.Background(), PutNote("a", Note{})); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Close: %v, want ErrClosed", err)
	}
	if err := s.Load(Loader{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Backup(new(strings.Builder)); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup after Close: %v, want ErrClosed", err)
	}
	if _, _, err := s.Image("a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Image after Close: %v, want ErrClosed", err)
	}
}

func TestSecondOpenOfSameDirectoryIsLocked(t *testing.T) {
	config := testConfig(t)
	s := mustOpen(t, config)
	defer mustClose(t, s)
	config.Timeout = 50 * time.Millisecond
	second, err := Open(config)
	if !errors.Is(err, ErrLocked) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, config := range []Config{
		{},
		{Dir: t.TempDir(), Timeout: -1},
		{Dir: t.TempDir(), MaxBatchDelay: -1},
		{Dir: t.TempDir(), MaxBatchSize: -1},
	} {
		if s, err := Open(config); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded, want a config error", config)
		}
	}
}

func TestLoadCallbackErrorStopsLoad(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	defer mustClose(t, s)
	mustApply(t, s, PutNote("a", Note{}), PutNote("b", Note{}))
	stop := errors.New("enough")
	calls := 0
	err := s.Load(Loader{Note: func(string, Note) error { calls++; return stop }})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Load = %v after %d calls, want the callback's error after 1", err, calls)
	}
}
