package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func level(t testing.TB, l Level) Rights {
	r, ok := l.Rights()
	if !ok {
		t.Fatalf("level %d", l)
	}
	return r
}

// fullContact puts a contact with every kind of data, two lines, a call and a
// forward on each, a public and a private appointment, a note and a manual state.
func fullContact(t testing.TB, e *Engine, id string) {
	t.Helper()
	must(t, e.PutContact(id, ContactEntry{Data: &ContactData{
		DisplayName: id, EMail: id + "@mail", JobTitle: "jt", Company: "co", PhoneBusiness: "pb", PhoneMobile: "pm",
		BusinessAddress: Address{City: "city"}, PhoneHome: "ph", PrivateAddress: Address{City: "home"},
	}, PropertyBag: []StringPair{{"k", "v"}}}))
	must(t, e.ClientLogin(id, "pc", DeviceDesktop))
	must(t, e.SetLine(id, Line{URI: "tel:1", Number: "1", Primary: true}))
	must(t, e.SetLine(id, Line{URI: "tel:2", Number: "2"}))
	must(t, e.PutCall(id, Call{ConnectionID: "c1", LineURI: "tel:1", State: CallConnected, RemoteNumber: "+49"}))
	must(t, e.PutCall(id, Call{ConnectionID: "c2", LineURI: "tel:2", State: CallHold, RemoteNumber: "+43"}))
	must(t, e.SetForward(id, Forward{LineURI: "tel:1", Destination: "voicemail"}))
	must(t, e.SetForward(id, Forward{LineURI: "tel:2", Destination: "mobile"}))
	must(t, e.SetAppointments(id, []Appointment{
		{EntryID: "pub", Subject: "standup", Start: t0.Add(-time.Minute), End: t0.Add(time.Hour), Status: AppointmentBusy},
		{EntryID: "priv", Subject: "doctor", Sensitivity: SensitivityPrivate, Start: t0.Add(-time.Minute), End: t0.Add(time.Hour), Status: AppointmentFree},
	}))
	must(t, e.SetNote(id, "note"))
	must(t, e.SetAgentState(id, AgentState{State: AgentReady}))
}

// allowedCheck returns an error when view shows something visibility v does
// not allow. It is the oracle of the rights tests (docs/RIGHTS.md).
func allowedCheck(v Visibility, s *Snapshot, calls []CallChange) error {
	if v == visibilityFull {
		return nil
	}
	if v&VisibilityPresence == 0 && (s.State != 0 || s.Absent.Kind != AbsentNotSet || s.Agent.State != AgentNone || s.Grouping != nil) {
		return fmt.Errorf("presence visible without the right: %#x", s.State)
	}
	if d := s.Data; d != nil {
		if v&VisibilityDataPublic == 0 && (d.JobTitle != "" || d.PhoneBusiness != "" || d.PhoneMobile != "" || d.Company != "") {
			return fmt.Errorf("public contact data visible")
		}
		if v&VisibilityDataCompany == 0 && d.BusinessAddress.City != "" {
			return fmt.Errorf("business address visible")
		}
		if v&VisibilityDataPersonal == 0 && (d.PhoneHome != "" || d.PrivateAddress.City != "") {
			return fmt.Errorf("private data visible")
		}
	}
	if v&VisibilityDataPublic == 0 && len(s.PropertyBag) > 0 {
		return fmt.Errorf("property bag visible")
	}
	if v&VisibilityAppointments == 0 && (len(s.ActiveAppointments) > 0 || s.NextAppointment != nil || len(s.NextAppointments) > 0) {
		return fmt.Errorf("appointments visible")
	}
	if v&VisibilityPrivateAppts == 0 {
		for _, a := range append(append([]Appointment{}, s.ActiveAppointments...), s.NextAppointments...) {
			if a.IsPrivate() && a.Subject != "" {
				return fmt.Errorf("private appointment details visible")
			}
		}
	}
	lineOK := func(uri string) bool {
		primary := uri != "tel:2"
		return (primary && v&VisibilityFirstLine != 0) || (!primary && v&VisibilityOtherLines != 0)
	}
	for _, l := range s.Lines {
		if !lineOK(l.URI) {
			return fmt.Errorf("line %s visible", l.URI)
		}
	}
	for _, c := range s.Calls {
		if !lineOK(c.LineURI) {
			return fmt.Errorf("call on %s visible", c.LineURI)
		}
	}
	for _, c := range calls {
		if c.Action != CallRemoved && !lineOK(c.Call.LineURI) {
			return fmt.Errorf("call change on %s visible", c.Call.LineURI)
		}
	}
	for _, f := range s.Forwards {
		if !lineOK(f.LineURI) {
			return fmt.Errorf("forward on %s visible", f.LineURI)
		}
	}
	return nil
}

// TestLevelTable checks each row of docs/RIGHTS.md against a contact with
// every kind of data.
func TestLevelTable(t *testing.T) {
	e, _ := newTestEngine(t)
	fullContact(t, e, "owner")
	rows := []struct {
		level                                           Level
		presence, public, company, private, appts, priv bool
		line1, line2                                    bool
	}{
		{LevelBlocked, false, false, false, false, false, false, false, false},
		{LevelPublic, true, true, false, false, false, false, false, false},
		{LevelCompany, true, true, true, false, true, false, true, false},
		{LevelTeam, true, true, true, false, true, false, true, true},
		{LevelPersonal, true, true, true, true, true, true, true, true},
	}
	for _, r := range rows {
		watcher := fmt.Sprint("w", r.level)
		mustPut(t, e, watcher)
		if r.level != LevelBlocked {
			_, err := e.SetDynamicRights("owner", "owner", watcher, r.level, nil)
			must(t, err)
		}
		w := e.NewWatcher(WatcherConfig{User: watcher})
		snaps, _, err := w.Subscribe([]string{"owner"}, SubscribeOptions{DontRequestPermissions: true}, nil)
		must(t, err)
		s := snaps[0].Snapshot
		got := []bool{s.State != 0, s.Data.JobTitle != "", s.Data.BusinessAddress.City != "", s.Data.PhoneHome != "",
			len(s.ActiveAppointments) == 2, len(s.ActiveAppointments) == 2 && s.ActiveAppointments[0].EntryID == "priv" && s.ActiveAppointments[0].Subject == "doctor",
			len(s.Lines) > 0 && s.Lines[0].URI == "tel:1", len(s.Lines) == 2 || (len(s.Lines) == 1 && s.Lines[0].URI == "tel:2")}
		want := []bool{r.presence, r.public, r.company, r.private, r.appts, r.priv, r.line1, r.line2}
		names := []string{"presence", "public data", "company data", "private data", "appointments", "private appointment details", "first line", "other lines"}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("level %d: %s visible=%v want %v", r.level, names[i], got[i], want[i])
			}
		}
		if s.Data.DisplayName != "owner" || s.Data.EMail != "owner@mail" || s.Note.Text != "note" {
			t.Errorf("level %d: display name, e-mail and note are visible on every level", r.level)
		}
		if err := allowedCheck(level(t, r.level).Visibility(), s, snaps[0].Calls); err != nil {
			t.Errorf("level %d: %v", r.level, err)
		}
		if r.line1 && !r.line2 && (len(snaps[0].Calls) != 1 || snaps[0].Calls[0].Call.ConnectionID != "c1") {
			t.Errorf("level %d: calls %+v", r.level, snaps[0].Calls)
		}
	}
}

func TestAdditiveRights(t *testing.T) {
	e, _ := newTestEngine(t)
	must(t, e.PutContact("owner", ContactEntry{Groups: []string{"sales"}}))
	must(t, e.PutContact("w", ContactEntry{Groups: []string{"support"}}))
	mustPut(t, e, "admin")
	must(t, e.PutContact("admin", ContactEntry{Administrator: true}))
	rows := []struct {
		name string
		do   func() error
		want Rights
	}{
		{"nothing granted", func() error { return nil }, Rights{}},
		{"global everyone public", func() error {
			return e.SetListRights("admin", ScopeGlobal, "", Everyone, level(t, LevelPublic), false)
		}, level(t, LevelPublic)},
		{"personal blocked does not remove global", func() error {
			_, err := e.SetDynamicRights("owner", "owner", "w", LevelBlocked, nil)
			return err
		}, level(t, LevelPublic)},
		{"group list of the owner's group grants company to the watcher's group", func() error {
			return e.SetListRights("admin", ScopeGroup, "sales", GroupRemote("support"), level(t, LevelCompany), false)
		}, level(t, LevelCompany).or(level(t, LevelPublic))},
		{"personal team adds", func() error {
			_, err := e.SetDynamicRights("owner", "owner", "w", LevelTeam, nil)
			return err
		}, level(t, LevelTeam).or(level(t, LevelCompany)).or(level(t, LevelPublic))},
		{"removing personal keeps group and global", func() error { return e.RemoveDynamicRights("owner", "owner", "w") }, level(t, LevelCompany).or(level(t, LevelPublic))},
		{"explicit rights", func() error {
			_, err := e.SetDynamicRights("owner", "owner", "w", 0, &Rights{PhoneSecondary: PhoneNumbersInbound})
			return err
		}, level(t, LevelCompany).or(level(t, LevelPublic)).or(Rights{PhoneSecondary: PhoneNumbersInbound})},
		{"removing the group entry", func() error {
			return e.SetListRights("admin", ScopeGroup, "sales", GroupRemote("support"), Rights{}, true)
		}, level(t, LevelPublic).or(Rights{PhoneSecondary: PhoneNumbersInbound})},
	}
	for _, r := range rows {
		must(t, r.do())
		if got := e.EffectiveRights("w", "owner"); got != r.want {
			t.Errorf("%s: got %+v want %+v", r.name, got, r.want)
		}
	}
	cur := e.CurrentRightsFor("owner", "w")
	if cur.Current == nil || cur.Current.PhoneSecondary != PhoneNumbersInbound || cur.Min != level(t, LevelPublic) || cur.Max != level(t, LevelPersonal) {
		t.Errorf("current rights %+v", cur)
	}
}

func TestRightsPermissions(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "alice", "bob", "carol")
	must(t, e.PutContact("admin", ContactEntry{Administrator: true}))
	detail := func(err error) RightsErrorDetail {
		var re *RightsError
		if !errors.As(err, &re) {
			t.Fatalf("not a rights error: %v", err)
		}
		return re.Detail
	}
	_, err := e.SetDynamicRights("alice", "bob", "carol", LevelTeam, nil)
	if detail(err) != RightsPermissionDenied {
		t.Fatalf("alice changing bob's list: %v", err)
	}
	if err := e.SetListRights("alice", ScopeGlobal, "", Everyone, Rights{}, false); detail(err) != RightsPermissionDenied {
		t.Fatalf("non-admin global list: %v", err)
	}
	if _, err := e.SetDynamicRights("bob", "bob", "carol", 12345, nil); detail(err) != RightsUnknownRights {
		t.Fatalf("unknown level: %v", err)
	}
	if _, err := e.SetDynamicRights("admin", "bob", "carol", LevelTeam, nil); err != nil {
		t.Fatalf("admin: %v", err)
	}
	// carol has Team (CHANGEABLE) on bob: still not his list, neither to
	// raise herself nor to grant others.
	if _, err := e.SetDynamicRights("carol", "bob", "carol", LevelPersonal, nil); detail(err) != RightsPermissionDenied {
		t.Fatalf("changeable raising herself: %v", err)
	}
	if _, err := e.SetDynamicRights("carol", "bob", "alice", LevelPublic, nil); detail(err) != RightsPermissionDenied {
		t.Fatalf("changeable granting another: %v", err)
	}
	if err := e.RemoveDynamicRights("carol", "bob", "carol"); detail(err) != RightsPermissionDenied {
		t.Fatalf("changeable removing: %v", err)
	}
	if _, err := e.SetDynamicRights("bob", "bob", "alice", LevelPublic, nil); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if err := e.RemoveDynamicRights("alice", "bob", "carol"); detail(err) != RightsPermissionDenied {
		t.Fatalf("alice removing from bob's list: %v", err)
	}
	if got := e.RightsList(ScopePersonal, "bob"); len(got) != 2 || got[0].Remote != "alice" || got[1].Remote != "carol" {
		t.Fatalf("list %+v", got)
	}
}

func TestRightsChangeTakesEffect(t *testing.T) {
	e, _ := newTestEngine(t)
	fullContact(t, e, "owner")
	mustPut(t, e, "w")
	w := e.NewWatcher(WatcherConfig{User: "w"})
	snaps, _, err := w.Subscribe([]string{"owner"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	if snaps[0].Snapshot.State != 0 || len(snaps[0].Calls) != 0 {
		t.Fatal("blocked watcher sees presence")
	}
	_, err = e.SetDynamicRights("owner", "owner", "w", LevelTeam, nil)
	must(t, err)
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed&SectionConfig == 0 || ups[0].Changed&(SectionPresence|SectionCalls|SectionLines) != SectionPresence|SectionCalls|SectionLines {
		t.Fatalf("grant: %+v", ups)
	}
	if ups[0].Snapshot.State.Base() != StateBusy || len(ups[0].Calls) != 2 {
		t.Fatalf("after grant: state %#x calls %d", ups[0].Snapshot.State, len(ups[0].Calls))
	}
	// Downgrade to Company: the call on the second line is removed for w.
	_, err = e.SetDynamicRights("owner", "owner", "w", LevelCompany, nil)
	must(t, err)
	ups = w.Pull(nil)
	if len(ups) != 1 || len(ups[0].Calls) != 1 || ups[0].Calls[0].Action != CallRemoved || ups[0].Calls[0].Call.ConnectionID != "c2" {
		t.Fatalf("downgrade: %+v", ups)
	}
	// Block: presence goes back to uncontrolled, calls removed.
	_, err = e.SetDynamicRights("owner", "owner", "w", LevelBlocked, nil)
	must(t, err)
	ups = w.Pull(nil)
	if len(ups) != 1 || ups[0].Snapshot.State != 0 || ups[0].Changed&SectionPresence == 0 || len(ups[0].Calls) != 1 || ups[0].Calls[0].Action != CallRemoved {
		t.Fatalf("block: %+v", ups)
	}
	must(t, e.PutCall("owner", Call{ConnectionID: "c3", LineURI: "tel:1", State: CallOffering}))
	if ups := w.Pull(nil); len(ups) != 0 {
		t.Fatalf("blocked watcher got %+v", ups)
	}
}

func TestRightsChallenge(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "c", "w", "quiet")
	own := e.NewWatcher(WatcherConfig{User: "c"})
	_, _, err := own.Subscribe([]string{"c"}, SubscribeOptions{Events: SectionsDefault | SectionChallenges | SectionRightsOwn}, nil)
	must(t, err)
	other := e.NewWatcher(WatcherConfig{User: "w"})
	_, _, err = other.Subscribe([]string{"c"}, SubscribeOptions{Events: SectionsDefault | SectionChallenges}, nil)
	must(t, err)
	if ch := e.Challenges("c"); len(ch) != 1 || ch[0].Challenger != "w" {
		t.Fatalf("challenges %+v", ch)
	}
	ups := own.Pull(nil)
	if len(ups) != 1 || ups[0].Changed != SectionChallenges {
		t.Fatalf("owner not told: %+v", ups)
	}
	if other.Pending() {
		t.Fatal("a challenge reached a watcher who is not the owner")
	}
	q := e.NewWatcher(WatcherConfig{User: "quiet"})
	_, _, err = q.Subscribe([]string{"c"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	if len(e.Challenges("c")) != 1 {
		t.Fatal("bDontRequestPermissions challenged")
	}
	// Deny = block: the challenge is answered and never comes back.
	_, err = e.SetDynamicRights("c", "c", "w", LevelBlocked, nil)
	must(t, err)
	if len(e.Challenges("c")) != 0 {
		t.Fatal("blocking did not answer the challenge")
	}
	if ups := own.Pull(nil); len(ups) != 1 || ups[0].Changed&SectionChallenges == 0 || ups[0].Changed&SectionRightsOwn == 0 {
		t.Fatalf("owner not told of the answer: %+v", ups)
	}
	other.Unsubscribe([]string{"c"})
	_, _, err = other.Subscribe([]string{"c"}, SubscribeOptions{}, nil)
	must(t, err)
	if len(e.Challenges("c")) != 0 {
		t.Fatal("blocked watcher challenged again")
	}
	// Removing the entry lets w ask again.
	must(t, e.RemoveDynamicRights("c", "c", "w"))
	_, _, err = other.Subscribe([]string{"c"}, SubscribeOptions{}, nil)
	must(t, err)
	if len(e.Challenges("c")) != 1 {
		t.Fatal("no new challenge after removal")
	}
	// Granting answers it; w starts to receive presence.
	other.Pull(nil)
	_, err = e.SetDynamicRights("c", "c", "w", LevelPublic, nil)
	must(t, err)
	if len(e.Challenges("c")) != 0 {
		t.Fatal("grant did not answer")
	}
	if ups := other.Pull(nil); len(ups) != 1 || ups[0].Snapshot.State == 0 {
		t.Fatalf("granted watcher: %+v", ups)
	}
}

func TestListChangeNotifications(t *testing.T) {
	e, _ := newTestEngine(t)
	must(t, e.PutContact("u", ContactEntry{Groups: []string{"g"}}))
	must(t, e.PutContact("v", ContactEntry{}))
	watch := func(user string) *Watcher {
		w := e.NewWatcher(WatcherConfig{User: user})
		_, _, err := w.Subscribe([]string{user}, SubscribeOptions{Events: SectionRightsOwn | SectionRightsGroup | SectionRightsGlobal}, nil)
		must(t, err)
		return w
	}
	wu, wv := watch("u"), watch("v")
	must(t, e.SetListRights("", ScopeGroup, "g", Everyone, level(t, LevelPublic), false))
	if ups := wu.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionRightsGroup {
		t.Fatalf("group member: %+v", ups)
	}
	if wv.Pending() {
		t.Fatal("non-member told of a group list change")
	}
	must(t, e.SetListRights("", ScopeGlobal, "", Everyone, level(t, LevelPublic), false))
	for _, w := range []*Watcher{wu, wv} {
		if ups := w.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionRightsGlobal {
			t.Fatalf("global: %+v", ups)
		}
	}
	_, err := e.SetDynamicRights("v", "v", "u", LevelTeam, nil)
	must(t, err)
	if ups := wv.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionRightsOwn {
		t.Fatalf("own list: %+v", ups)
	}
}

// TestPropertyRightsNeverLeak drives random rights changes and events and
// checks every snapshot and update against the watcher's effective rights,
// then that every watcher converges on exactly what its rights allow.
func TestPropertyRightsNeverLeak(t *testing.T) {
	seeds, steps := 20, 1500
	if testing.Short() {
		seeds, steps = 6, 600
	}
	for seed := 0; seed < seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 42))
			e, _ := newTestEngine(t)
			owners := []string{"o0", "o1", "o2"}
			for i, o := range owners {
				fullContact(t, e, o)
				must(t, e.PutContact(o, ContactEntry{Data: &ContactData{DisplayName: o, JobTitle: "jt", PhoneHome: "ph", BusinessAddress: Address{City: "c"}}, Groups: []string{fmt.Sprint("g", i%2)}}))
			}
			users := []string{"u0", "u1", "u2", "u3"}
			models := map[string]*watcherModel{}
			for i, u := range users {
				must(t, e.PutContact(u, ContactEntry{Groups: []string{fmt.Sprint("g", i%2)}}))
				m := newWatcherModel(e)
				m.w = e.NewWatcher(WatcherConfig{User: u})
				models[u] = m
			}
			levels := []Level{LevelBlocked, LevelPublic, LevelCompany, LevelTeam, LevelPersonal}
			check := func(u string, up Update) {
				if up.Removed {
					return
				}
				v := e.EffectiveRights(u, up.ContactID).Visibility()
				if err := allowedCheck(v, up.Snapshot, up.Calls); err != nil {
					t.Fatalf("%s on %s: %v", u, up.ContactID, err)
				}
			}
			for step := 0; step < steps; step++ {
				o := owners[r.IntN(len(owners))]
				u := users[r.IntN(len(users))]
				m := models[u]
				switch r.IntN(10) {
				case 0:
					_, err := e.SetDynamicRights(o, o, u, levels[r.IntN(len(levels))], nil)
					must(t, err)
				case 1:
					must(t, e.RemoveDynamicRights(o, o, u))
				case 2:
					must(t, e.SetListRights("", ScopeGroup, fmt.Sprint("g", r.IntN(2)), GroupRemote(fmt.Sprint("g", r.IntN(2))), level(t, levels[r.IntN(len(levels))]), r.IntN(3) == 0))
				case 3:
					must(t, e.SetListRights("", ScopeGlobal, "", Everyone, level(t, levels[r.IntN(3)]), r.IntN(2) == 0))
				case 4:
					line := []string{"tel:1", "tel:2", ""}[r.IntN(3)]
					must(t, e.PutCall(o, Call{ConnectionID: fmt.Sprint("x", r.IntN(4)), LineURI: line, State: CallConnected}))
				case 5:
					must(t, e.RemoveCall(o, fmt.Sprint("x", r.IntN(4))))
				case 6:
					must(t, e.SetNote(o, fmt.Sprint(step)))
				case 7:
					snaps, _, err := m.w.Subscribe([]string{o}, SubscribeOptions{}, nil)
					must(t, err)
					m.events[o] = SectionsDefault
					for _, s := range snaps {
						check(u, s)
						m.apply(t, s, true)
					}
				default:
					for _, up := range m.w.Pull(nil) {
						check(u, up)
						m.apply(t, up, false)
					}
				}
			}
			for u, m := range models {
				for _, up := range m.w.Pull(nil) {
					check(u, up)
					m.apply(t, up, false)
				}
				for id := range m.events {
					want, _ := e.SnapshotFor(u, id)
					v := m.views[id]
					if v.State != want.State || v.Note.Text != want.Note.Text || len(m.calls[id]) != len(want.Calls) || len(v.Lines) != len(want.Lines) {
						t.Fatalf("%s on %s: converged view differs: state %#x/%#x calls %d/%d lines %d/%d", u, id, v.State, want.State, len(m.calls[id]), len(want.Calls), len(v.Lines), len(want.Lines))
					}
				}
			}
		})
	}
}

// TestWatcherGroupsChangeReevaluatesItsSubscriptions checks the user →
// watchers index: when the watching user's groups change, what its open
// watchers see of others is re-evaluated, and closed watchers leave the index.
func TestWatcherGroupsChangeReevaluatesItsSubscriptions(t *testing.T) {
	e, _ := newTestEngine(t)
	must(t, e.PutContact("owner", ContactEntry{Groups: []string{"sales"}}))
	must(t, e.PutContact("w", ContactEntry{}))
	must(t, e.SetListRights("", ScopeGroup, "sales", GroupRemote("support"), level(t, LevelCompany), false))
	w := e.NewWatcher(WatcherConfig{User: "w"})
	snaps, _, err := w.Subscribe([]string{"owner"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	if snaps[0].Snapshot.State != 0 {
		t.Fatalf("w sees owner's state before joining support: %+v", snaps[0].Snapshot)
	}
	closed := e.NewWatcher(WatcherConfig{User: "w"})
	closed.Close()
	if ws, _ := e.watchersByUser.Load("w"); len(ws) != 1 || ws[0] != w {
		t.Fatalf("index of w: %v", ws)
	}
	must(t, e.PutContact("w", ContactEntry{Groups: []string{"support"}}))
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed&SectionConfig == 0 || ups[0].Snapshot.State == 0 {
		t.Fatalf("after joining support: %+v", ups)
	}
	must(t, e.PutContact("w", ContactEntry{}))
	if ups := w.Pull(nil); len(ups) != 1 || ups[0].Snapshot.State != 0 {
		t.Fatalf("after leaving support: %+v", ups)
	}
	w.Close()
	if _, ok := e.watchersByUser.Load("w"); ok {
		t.Fatal("closed watchers stay in the index")
	}
}

// TestGroupListChangeFollowsMembership checks the group → members index: a
// group list change reaches the contacts that are members now, not those
// that left the group or the directory.
func TestGroupListChangeFollowsMembership(t *testing.T) {
	e, _ := newTestEngine(t)
	must(t, e.PutContact("u", ContactEntry{Groups: []string{"g"}}))
	must(t, e.PutContact("w", ContactEntry{}))
	w := e.NewWatcher(WatcherConfig{User: "w"})
	_, _, err := w.Subscribe([]string{"u"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	must(t, e.SetListRights("", ScopeGroup, "g", Everyone, level(t, LevelPublic), false))
	if ups := w.Pull(nil); len(ups) != 1 || ups[0].Snapshot.State == 0 {
		t.Fatalf("member of g granted public: %+v", ups)
	}
	must(t, e.PutContact("u", ContactEntry{Groups: []string{"h"}}))
	if ups := w.Pull(nil); len(ups) != 1 || ups[0].Snapshot.State != 0 {
		t.Fatalf("u left g: %+v", ups)
	}
	must(t, e.SetListRights("", ScopeGroup, "g", Everyone, level(t, LevelTeam), false))
	if w.Pending() {
		t.Fatal("a former member re-evaluated for its old group's list")
	}
	must(t, e.SetListRights("", ScopeGroup, "h", Everyone, level(t, LevelPublic), false))
	if ups := w.Pull(nil); len(ups) != 1 || ups[0].Snapshot.State == 0 {
		t.Fatalf("member of h granted public: %+v", ups)
	}
	must(t, e.RemoveContact("u"))
	if got := e.members.list("h"); len(got) != 0 {
		t.Fatalf("removed contact stays in the group index: %v", got)
	}
}

// TestUpdateCarriesCurrentRights checks that updates with the configuration
// section carry the watcher's current-rights section, computed by the
// engine, and that other updates do not.
func TestUpdateCarriesCurrentRights(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a", "b")
	w := e.NewWatcher(WatcherConfig{User: "a"})
	snaps, _, err := w.Subscribe([]string{"b"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	if cur := snaps[0].CurrentRights; cur == nil || cur.Current != nil || cur.Max != level(t, LevelPersonal) {
		t.Fatalf("subscribe result: %+v", cur)
	}
	_, err = e.SetDynamicRights("a", "a", "b", LevelTeam, nil)
	must(t, err)
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed&SectionConfig == 0 || ups[0].CurrentRights == nil ||
		ups[0].CurrentRights.Current == nil || *ups[0].CurrentRights.Current != level(t, LevelTeam) {
		t.Fatalf("after granting Team: %+v", ups)
	}
	must(t, e.SetNote("b", "x"))
	ups = w.Pull(nil)
	if len(ups) != 1 || ups[0].CurrentRights != nil {
		t.Fatalf("a note update carries rights: %+v", ups)
	}
}
