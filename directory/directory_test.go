package directory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucpresence/presence/engine"
)

func TestParseDirectory(t *testing.T) {
	d := testDirectory(t)
	if d.Len() != 3 || d.File() != "test.yaml" {
		t.Fatalf("%d users from %q", d.Len(), d.File())
	}
	ann, ok := d.UserByLogin("ANN")
	if !ok || ann.ID != "sip:ann@example.com" || ann.Login != "Ann" {
		t.Fatalf("UserByLogin(ANN) = %+v, %v", ann, ok)
	}
	if u, ok := d.User("sip:ann@example.com"); !ok || u != ann {
		t.Fatal("User(id) does not find ann")
	}
	if !ann.Enabled || ann.Administrator || ann.DisplayName != "Ann Arbor" {
		t.Fatalf("defaults: %+v", ann)
	}
	// The line marked primary comes first, even though it is listed second.
	if len(ann.Lines) != 2 || ann.Lines[0].URI != "tel:+1002" || !ann.Lines[0].Primary || ann.Lines[1].Primary {
		t.Fatalf("lines %+v", ann.Lines)
	}
	ben, _ := d.UserByLogin("ben")
	if ben.Enabled || ben.DisplayName != "ben" {
		t.Fatalf("ben: %+v", ben)
	}
	cid, _ := d.UserByLogin("cid")
	if !cid.Administrator || strings.Join(cid.Groups, ",") != "red,blue" {
		t.Fatalf("cid: %+v", cid)
	}
	r := d.Rights()
	if len(r.Global) != 1 || r.Global[0] != (Grant{Remote: "*", Level: engine.LevelPublic}) {
		t.Fatalf("global %+v", r.Global)
	}
	if g := r.Groups["red"]; len(g) != 1 || g[0] != (Grant{Remote: "group:red", Level: engine.LevelTeam}) {
		t.Fatalf("group red %+v", g)
	}
	if p := r.Personal["sip:ann@example.com"]; len(p) != 1 || p[0] != (Grant{Remote: "sip:cid@example.com", Level: engine.LevelPersonal}) {
		t.Fatalf("personal %+v", p)
	}
	if d.decoyIterations != MinIterations {
		t.Fatalf("decoy iterations %d", d.decoyIterations)
	}
}

func TestContactEntry(t *testing.T) {
	hash, _ := testHashes(t)
	d, err := Parse("full.yaml", []byte(`users:
  - id: sip:zoe@example.com
    login: zoe
    password_hash: `+hash+`
    administrator: true
    groups: [ops]
    display_name: Dr. Zoe Zander
    first_name: Zoe
    last_name: Zander
    email: zoe@example.com
    job_title: CTO
    company: Example Ltd
    department: Engineering
    office_room: "4.01"
    phones: {business: "+49 1", mobile: "+49 2", home: "+49 3"}
    addresses:
      business: {street: A 1, postal_code: "1", city: B, state: C, country: D}
      private: {street: E 2, city: F}
      other: {country: G}
    lines:
      - {uri: "tel:+4911", number: "11"}
`))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := d.User("sip:zoe@example.com")
	entry := u.ContactEntry()
	want := engine.ContactData{
		DisplayName: "Dr. Zoe Zander", FirstName: "Zoe", LastName: "Zander", EMail: "zoe@example.com",
		JobTitle: "CTO", Company: "Example Ltd", Department: "Engineering", OfficeRoomNumber: "4.01",
		PhoneBusiness: "+49 1", PhoneMobile: "+49 2", PhoneHome: "+49 3", PrimaryPhone: "11",
		BusinessAddress: engine.Address{Street: "A 1", PostalCode: "1", City: "B", State: "C", Country: "D"},
		PrivateAddress:  engine.Address{Street: "E 2", City: "F"},
		OtherAddress:    engine.Address{Country: "G"},
		SIPAddress:      "sip:zoe@example.com", EntryID: "sip:zoe@example.com", Valid: true,
	}
	if fmt.Sprintf("%+v", *entry.Data) != fmt.Sprintf("%+v", want) {
		t.Fatalf("contact data\n got %+v\nwant %+v", *entry.Data, want)
	}
	if !entry.Administrator || len(entry.Groups) != 1 || entry.Groups[0] != "ops" {
		t.Fatalf("entry %+v", entry)
	}
	entry.Groups[0] = "changed"
	if u.Groups[0] != "ops" {
		t.Fatal("ContactEntry shares the user's groups")
	}
	lines := u.EngineLines()
	if len(lines) != 1 || lines[0] != (engine.Line{URI: "tel:+4911", Number: "11", Primary: true, State: engine.LineOnline}) {
		t.Fatalf("lines %+v", lines)
	}
}

// TestDirectoryErrors checks every validation error: each must name the
// file and the line of the offending key.
func TestDirectoryErrors(t *testing.T) {
	a, _ := testHashes(t)
	user := func(id, login string, extra ...string) string {
		s := fmt.Sprintf("  - id: %s\n    login: %s\n    password_hash: %s\n", id, login, a)
		for _, e := range extra {
			s += "    " + e + "\n"
		}
		return s
	}
	two := "users:\n" + user("sip:a@x", "a", "groups: [g]") + user("sip:b@x", "b") // lines 2-6, 7-9
	for _, tc := range []struct {
		name, text, want string
	}{
		{"syntax", "users:\n  - id: [\n", "bad.yaml:2: syntax error"},
		{"not a mapping", "- a\n- b\n", "bad.yaml:1: the file must be a mapping"},
		{"empty", "", "bad.yaml:1: the file must be a mapping"},
		{"no users", "users: []\n", "bad.yaml:1: no users"},
		{"unknown top key", "users: []\nuser: 1\n", `bad.yaml:2: unknown key "user" (want one of users, rights)`},
		{"unknown user key", "users:\n" + user("sip:a@x", "a", "pasword: x"), `bad.yaml:5: unknown key "pasword" (want one of id, login, password_hash`},
		{"unknown phone key", "users:\n" + user("sip:a@x", "a", "phones: {office: 1}"), `bad.yaml:5: unknown key "office" (want one of business, mobile, home)`},
		{"unknown line key", "users:\n" + user("sip:a@x", "a", "lines: [{url: x}]"), `bad.yaml:5: unknown key "url" (want one of uri, number, primary)`},
		{"wrong type", "users:\n" + user("sip:a@x", "a", "enabled: maybe"), "bad.yaml:5: cannot unmarshal"},
		{"id not a string", "users:\n  - id: [a]\n", "bad.yaml:2: want a string, got a list"},
		{"duplicate key", "users:\n" + user("sip:a@x", "a", "login: b"), `bad.yaml:5: mapping key "login" already defined at line 3`},
		{"two documents", two + "---\nusers: []\n", "bad.yaml:9: only one YAML document"},
		{"missing id", "users:\n  - login: a\n    password_hash: " + a + "\n", "bad.yaml:2: user without id"},
		{"id with space", "users:\n" + user("sip:a b@x", "a"), `bad.yaml:2: id "sip:a b@x" must not contain white space`},
		{"missing login", "users:\n  - id: sip:a@x\n    password_hash: " + a + "\n", `bad.yaml:2: user "sip:a@x" without login`},
		{"login with colon", "users:\n" + user("sip:a@x", "a:b"), `bad.yaml:3: login "a:b" must not contain ':'`},
		{"login too long", "users:\n" + user("sip:a@x", strings.Repeat("a", MaxLoginLength+1)), "bad.yaml:3: login is longer than 256 bytes"},
		{"missing hash", "users:\n  - id: sip:a@x\n    login: a\n", `bad.yaml:2: user "sip:a@x" without password_hash`},
		{"bad hash", "users:\n  - id: sip:a@x\n    login: a\n    password_hash: plain-text\n", "bad.yaml:4: password_hash: bad password hash"},
		{"weak hash", "users:\n  - id: sip:a@x\n    login: a\n    password_hash: " + strings.Replace(a, "$1000$", "$10$", 1) + "\n", "bad.yaml:4: password_hash: bad password hash: iterations must be between"},
		{"duplicate id", two + user("sip:a@x", "c"), `bad.yaml:9: duplicate id "sip:a@x" (first at line 2)`},
		{"duplicate login", two + user("sip:c@x", "A"), `bad.yaml:10: duplicate login "A" (first at line 2, logins ignore case)`},
		{"empty group", "users:\n" + user("sip:a@x", "a", `groups: [""]`), `bad.yaml:5: group name "" must be non-empty`},
		{"group twice", "users:\n" + user("sip:a@x", "a", "groups: [g, g]"), `bad.yaml:5: group "g" listed twice`},
		{"line without uri", "users:\n" + user("sip:a@x", "a", "lines: [{number: '1'}]"), "bad.yaml:2: line without a uri"},
		{"line twice", two + user("sip:c@x", "c", "lines: [{uri: 'tel:1'}, {uri: 'tel:1'}]"), `bad.yaml:12: line "tel:1" already listed at line 12`},
		{"line of two users", "users:\n" + user("sip:a@x", "a", "lines: [{uri: 'tel:1'}]") + user("sip:b@x", "b", "lines:", "  - uri: tel:1"), `bad.yaml:10: line "tel:1" already listed at line 5`},
		{"two primaries", "users:\n" + user("sip:a@x", "a", "lines: [{uri: 'tel:1', primary: true}, {uri: 'tel:2', primary: true}]"), "bad.yaml:5: more than one primary line"},
		{"unknown level", two + "rights:\n  global: {'*': compny}\n", `bad.yaml:10: unknown rights level "compny" for * (want blocked, public, company, team or personal)`},
		{"unknown rights key", two + "rights:\n  globals: {}\n", `bad.yaml:10: unknown key "globals" (want one of global, groups, personal)`},
		{"rights not a mapping", two + "rights:\n  global: [a]\n", "bad.yaml:10: want a mapping of remote: level"},
		{"level not a scalar", two + "rights:\n  global: {'*': [team]}\n", "bad.yaml:10: want remote: level"},
		{"duplicate remote", two + "rights:\n  global:\n    '*': team\n    '*': public\n", `bad.yaml:12: duplicate key "*" (first at line 11)`},
		{"unknown remote", two + "rights:\n  global: {sip:zz@x: team}\n", `bad.yaml:10: remote "sip:zz@x" is not a user id`},
		{"unknown remote group", two + "rights:\n  global: {group:nobody: team}\n", `bad.yaml:10: remote "group:nobody": no user is in group "nobody"`},
		{"unknown group list", two + "rights:\n  groups:\n    nobody: {'*': team}\n", `bad.yaml:11: rights for group "nobody", but no user is in that group`},
		{"duplicate group list", two + "rights:\n  groups:\n    g: {'*': team}\n    g: {'*': public}\n", `bad.yaml:12: duplicate key "g" (first at line 11)`},
		{"unknown owner", two + "rights:\n  personal:\n    sip:zz@x: {'*': team}\n", `bad.yaml:11: personal rights for "sip:zz@x", which is not a user id`},
		{"owner names itself", two + "rights:\n  personal:\n    sip:a@x: {sip:a@x: team}\n", `bad.yaml:11: remote "sip:a@x" is the owner of the list`},
		{"personal unknown level", two + "rights:\n  personal:\n    sip:a@x:\n      sip:b@x: friend\n", `bad.yaml:12: unknown rights level "friend" for sip:b@x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse("bad.yaml", []byte(tc.text))
			if err == nil {
				t.Fatalf("no error; directory with %d users", d.Len())
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "directory: bad.yaml") {
				t.Errorf("error %q lacks the package prefix and file", err)
			}
		})
	}
	// The control: the building blocks alone make a valid file.
	if _, err := Parse("good.yaml", []byte(two+"rights:\n  global: {'*': Company}\n  groups: {g: {group:g: team}}\n  personal: {sip:a@x: {sip:b@x: personal}}\n")); err != nil {
		t.Fatalf("control file refused: %v", err)
	}
}

func TestDirectoryErrorsCollected(t *testing.T) {
	a, _ := testHashes(t)
	text := "users:\n" +
		"  - {id: sip:a@x, login: a, password_hash: " + a + "}\n" +
		"  - {id: sip:a@x, login: b, password_hash: " + a + "}\n" +
		"  - {id: sip:c@x, login: c, password_hash: nope}\n"
	_, err := Parse("many.yaml", []byte(text))
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "directory: many.yaml:3: duplicate id") || !strings.HasPrefix(lines[1], "directory: many.yaml:4: password_hash") {
		t.Fatalf("want two errors in line order, got:\n%v", err)
	}
	var fileError *FileError
	if !errors.As(err, &fileError) || fileError.Line != 3 || fileError.File != "many.yaml" {
		t.Fatalf("errors.As: %+v", fileError)
	}
}

func TestLoadDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(path, []byte(testDirectoryYAML(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil || d.Len() != 3 || d.File() != path {
		t.Fatalf("Load = %v, %v", d, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.HasPrefix(err.Error(), "directory: ") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestDemoDirectory(t *testing.T) {
	d, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() < 8 || d.Len() > 12 {
		t.Fatalf("demo has %d users", d.Len())
	}
	groups := map[string]int{}
	admins := 0
	for _, u := range d.Users() {
		for _, g := range u.Groups {
			groups[g]++
		}
		if u.Administrator {
			admins++
		}
		if !u.Enabled || len(u.Lines) == 0 || u.DisplayName == "" || u.EMail == "" {
			t.Errorf("demo user %s incomplete: %+v", u.ID, u)
		}
	}
	if len(groups) < 2 || len(groups) > 3 || admins != 1 {
		t.Fatalf("groups %v, %d administrators", groups, admins)
	}
	if g := d.Rights().Global; len(g) != 1 || g[0] != (Grant{Remote: engine.Everyone, Level: engine.LevelCompany}) {
		t.Fatalf("demo global rights %+v, want everyone at Company", g)
	}
	if !strings.Contains(string(DemoYAML()), `password is "`+DemoPassword+`"`) {
		t.Fatal("the demo file does not document its password")
	}
}

// TestDemoPasswords: every demo user's hash checks the documented
// password and refuses another.
func TestDemoPasswords(t *testing.T) {
	d, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	users := d.Users()
	errs := make([]error, len(users))
	done := make(chan int)
	for i, u := range users { // in parallel: 100,000 iterations each
		go func() {
			if !u.CheckPassword(DemoPassword) {
				errs[i] = errors.New("DemoPassword refused")
			}
			done <- i
		}()
	}
	for range users {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("demo user %s: %v", users[i].Login, err)
		}
	}
	if users[0].CheckPassword(DemoPassword + "x") {
		t.Errorf("wrong demo password accepted")
	}
}

func TestApply(t *testing.T) {
	d := testDirectory(t)
	e, err := engine.New(engine.Config{ManualTick: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := d.Apply(e); err != nil {
		t.Fatal(err)
	}
	snap, ok := e.Snapshot("sip:ann@example.com")
	if !ok || snap.Data.DisplayName != "Ann Arbor" || len(snap.Lines) != 2 || snap.Lines[0].URI != "tel:+1002" {
		t.Fatalf("ann in the engine: %v %+v", ok, snap)
	}
	if groups, _ := e.Groups("sip:cid@example.com"); strings.Join(groups, ",") != "red,blue" {
		t.Fatalf("cid groups %v", groups)
	}
	public, _ := engine.LevelPublic.Rights()
	team, _ := engine.LevelTeam.Rights()
	personal, _ := engine.LevelPersonal.Rights()
	if got := e.RightsList(engine.ScopeGlobal, ""); len(got) != 1 || got[0] != (engine.RightsEntry{Remote: "*", Rights: public}) {
		t.Fatalf("global list %+v", got)
	}
	if got := e.RightsList(engine.ScopeGroup, "red"); len(got) != 1 || got[0] != (engine.RightsEntry{Remote: "group:red", Rights: team}) {
		t.Fatalf("group list %+v", got)
	}
	if got := e.RightsList(engine.ScopePersonal, "sip:ann@example.com"); len(got) != 1 || got[0] != (engine.RightsEntry{Remote: "sip:cid@example.com", Rights: personal}) {
		t.Fatalf("personal list %+v", got)
	}
	// Effective: ben sees ann at Public (global), cid sees ann at Personal.
	if got := e.EffectiveRights("sip:ben@example.com", "sip:ann@example.com"); got != public {
		t.Errorf("ben on ann: %+v", got)
	}
	if got := e.EffectiveRights("sip:cid@example.com", "sip:ann@example.com"); got.Presence != public.Presence|team.Presence|personal.Presence {
		t.Errorf("cid on ann: %+v", got)
	}
	// Applying twice changes nothing.
	if err := d.Apply(e); err != nil {
		t.Fatal(err)
	}
	if got := e.RightsList(engine.ScopePersonal, "sip:ann@example.com"); len(got) != 1 {
		t.Fatalf("after a second Apply: %+v", got)
	}
}

func TestApplyDemo(t *testing.T) {
	d, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{ManualTick: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := d.Apply(e); err != nil {
		t.Fatal(err)
	}
	company, _ := engine.LevelCompany.Rights()
	if got := e.EffectiveRights("sip:carol@example.com", "sip:erin@example.com"); got != company {
		t.Fatalf("carol on erin (different groups): %+v, want Company", got)
	}
	if got := e.EffectiveRights("sip:alice@example.com", "sip:bob@example.com"); got.Presence&engine.RightAppointmentPrivate == 0 {
		t.Fatalf("alice on bob: %+v, want Personal", got)
	}
}

// TestDocumentedExample parses the example of docs/AUTH.md, so that the
// documentation cannot drift from the format.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/AUTH.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/AUTH.md has no yaml example")
	}
	d, err := Parse("AUTH.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	alice, ok := d.UserByLogin("alice")
	if !ok || len(alice.Lines) != 2 || alice.PrivateAddress.City != "Starnberg" || alice.BusinessAddress.State != "Bavaria" {
		t.Fatalf("alice: %+v", alice)
	}
	if testing.Short() {
		return
	}
	if ok, err := VerifyPassword(alice.PasswordHash, "demo"); !ok || err != nil {
		t.Fatalf("the documented hash is not the hash of demo: %v %v", ok, err)
	}
}
