package engine

import (
	"errors"
	"sync"
	"testing"
)

// fakeRouter owns the contacts in owned and records what it forwards.
type fakeRouter struct {
	mu        sync.Mutex
	owned     map[string]bool
	forwarded []Change
}

func (r *fakeRouter) Owns(id string) bool { return r.owned[id] }
func (r *fakeRouter) Forward(ch Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forwarded = append(r.forwarded, ch)
	return nil
}

func TestRouterForwardsUserSetInputsOfOtherOwners(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a", "b")
	r := &fakeRouter{owned: map[string]bool{"a": true}}
	e.SetRouter(r)
	if err := e.SetNote("b", "away"); err != nil {
		t.Fatal(err)
	}
	if err := e.SetAbsentState("b", AbsentState{Kind: AbsentBusy}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetImages("b", []byte{1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.SetNote("a", "here"); err != nil {
		t.Fatal(err)
	}
	if len(r.forwarded) != 3 || r.forwarded[0].Kind != ChangeNote || r.forwarded[0].Note.Text != "away" ||
		r.forwarded[1].Kind != ChangeAbsent || r.forwarded[1].Absent.Kind != AbsentBusy || r.forwarded[2].Kind != ChangeImages {
		t.Fatalf("forwarded %+v", r.forwarded)
	}
	if s, _ := e.Snapshot("b"); s.Note.Text != "" || s.Absent.Kind != AbsentNotSet || s.SmallImage != nil {
		t.Fatalf("forwarded change applied locally: %+v", s)
	}
	if s, _ := e.Snapshot("a"); s.Note.Text != "here" {
		t.Fatalf("owned contact's note %q", s.Note.Text)
	}
	// The owner applies what was forwarded.
	owner, _ := newTestEngine(t)
	mustPut(t, owner, "b")
	for _, ch := range r.forwarded {
		if err := owner.ApplyForwarded(ch); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := owner.Snapshot("b"); s.Note.Text != "away" || s.Absent.Kind != AbsentBusy || s.SmallImage == nil {
		t.Fatalf("owner state %+v", s)
	}
}

func TestApplyReplicaDeliversOwnerVersionsOnce(t *testing.T) {
	owner, _ := newTestEngine(t)
	replica, _ := newTestEngine(t)
	mustPut(t, owner, "c")
	mustPut(t, replica, "c")
	var published []string
	owner.SetHooks(&Hooks{Published: func(id string) { published = append(published, id) }})
	if err := owner.RebaseVersion("c", 100); err != nil {
		t.Fatal(err)
	}
	w := replica.NewWatcher(WatcherConfig{})
	if _, _, err := w.Subscribe([]string{"c"}, SubscribeOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetLine("c", Line{URI: "tel:1", State: LineOnline}); err != nil {
		t.Fatal(err)
	}
	if err := owner.SetNote("c", "in a meeting"); err != nil {
		t.Fatal(err)
	}
	if len(published) != 2 {
		t.Fatalf("published hook called %d times", len(published))
	}
	snap, _ := owner.Snapshot("c")
	if snap.Version != 102 {
		t.Fatalf("owner version %d, want 102 after rebase to 100", snap.Version)
	}
	copied := *snap
	if ok, err := replica.ApplyReplica(&copied); !ok || err != nil {
		t.Fatalf("apply %v %v", ok, err)
	}
	if ok, _ := replica.ApplyReplica(&copied); ok {
		t.Fatal("the same version was installed twice")
	}
	updates := w.Pull(nil)
	if len(updates) != 1 || updates[0].Snapshot.Version != 102 || updates[0].Snapshot.Note.Text != "in a meeting" ||
		!updates[0].Changed.Has(SectionLines|SectionNote) || updates[0].Changed.Has(SectionCalls) {
		t.Fatalf("updates %+v", updates)
	}
	if updates := w.Pull(nil); len(updates) != 0 {
		t.Fatalf("duplicate delivery %+v", updates)
	}
	if _, err := replica.ApplyReplica(&Snapshot{ContactID: "nobody", Version: 1}); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("unknown contact: %v", err)
	}
}

func TestApplyChangeWithoutPersisting(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "owner", "watcher")
	p := &countingPersister{}
	e.SetPersister(p)
	r := Rights{Presence: RightVisible | RightPatternPublic}
	for _, ch := range []Change{
		{Kind: ChangeRights, Scope: ScopePersonal, Key: "owner", Remote: "watcher", Rights: &r},
		{Kind: ChangeAbsent, Contact: "owner", Absent: &AbsentState{Kind: AbsentBusy}},
		{Kind: ChangeNote, Contact: "owner", Note: &Note{Text: "n"}},
		{Kind: ChangeChallenge, Key: "owner", Remote: "x", Challenge: &Challenge{Challenger: "x"}},
	} {
		if err := e.ApplyChange(ch); err != nil {
			t.Fatal(err)
		}
	}
	if p.n != 0 {
		t.Fatalf("%d changes persisted again", p.n)
	}
	if got := e.EffectiveRights("watcher", "owner"); got.Presence == 0 {
		t.Fatalf("rights %+v", got)
	}
	if s, _ := e.Snapshot("owner"); s.Absent.Kind != AbsentBusy || s.Note.Text != "n" {
		t.Fatalf("snapshot %+v", s)
	}
	if len(e.Challenges("owner")) != 1 {
		t.Fatal("challenge not applied")
	}
	if err := e.ApplyChange(Change{Kind: ChangeRights, Scope: ScopePersonal, Key: "owner", Remote: "watcher"}); err != nil {
		t.Fatal(err)
	}
	if got := e.EffectiveRights("watcher", "owner"); got.Presence != 0 {
		t.Fatalf("rights not removed: %+v", got)
	}
}

type countingPersister struct{ n int }

func (p *countingPersister) Persist(changes ...Change) error { p.n += len(changes); return nil }
