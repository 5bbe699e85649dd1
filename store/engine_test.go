package store

import (
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

func newEngineWithContacts(t *testing.T, ids ...string) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{ManualTick: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	for _, id := range ids {
		if err := e.PutContact(id, engine.ContactEntry{Groups: []string{"g"}}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestEngineRoundTrip persists user-set changes through the engine, reopens
// the store into a fresh engine and checks that exactly the final state is back.
func TestEngineRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"a", "b", "c"}
	e := newEngineWithContacts(t, ids...)
	e.SetPersister(EnginePersister{Store: s})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	to := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	must(e.SetNote("a", "first"))
	must(e.SetNote("a", "second"))
	must(e.SetNote("b", "gone"))
	must(e.SetNote("b", ""))
	must(e.SetAbsentState("a", engine.AbsentState{Kind: engine.AbsentOutOfOffice, To: to}))
	must(e.SetAbsentState("b", engine.AbsentState{Kind: engine.AbsentBusy}))
	must(e.ResetAbsentState("b"))
	_, err = e.SetDynamicRights("a", "a", "b", engine.LevelTeam, nil)
	must(err)
	_, err = e.SetDynamicRights("a", "a", "c", engine.LevelPublic, nil)
	must(err)
	must(e.RemoveDynamicRights("a", "a", "c"))
	w := e.NewWatcher(engine.WatcherConfig{User: "c"})
	if _, _, err := w.Subscribe([]string{"b"}, engine.SubscribeOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	must(e.SetListRights("", engine.ScopeGroup, "g", engine.Everyone, engine.Rights{Presence: engine.RightVisible}, false))
	must(e.SetImages("c", []byte("small"), []byte("large")))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A closed store refuses: the engine reports the change as not durable.
	if err := e.SetNote("a", "after close"); err == nil {
		t.Fatal("change acknowledged with the store closed")
	}

	s2, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	e2 := newEngineWithContacts(t, ids...)
	st, err := Restore(s2, e2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := e2.Snapshot("a")
	b, _ := e2.Snapshot("b")
	c, _ := e2.Snapshot("c")
	if a.Note.Text != "second" || b.Note.Text != "" {
		t.Fatalf("notes %q %q", a.Note.Text, b.Note.Text)
	}
	if a.Absent.Kind != engine.AbsentOutOfOffice || !a.Absent.To.Equal(to) || b.Absent.Kind != engine.AbsentNotSet {
		t.Fatalf("absent states %+v %+v", a.Absent, b.Absent)
	}
	if got := e2.RightsList(engine.ScopePersonal, "a"); len(got) != 1 || got[0].Remote != "b" {
		t.Fatalf("personal list %+v", got)
	}
	if got := e2.RightsList(engine.ScopeGroup, "g"); len(got) != 1 {
		t.Fatalf("group list %+v", got)
	}
	if c.SmallImage == nil || string(c.LargeImage.Data) != "large" {
		t.Fatal("images lost")
	}
	if ch := e2.Challenges("b"); len(ch) != 1 || ch[0].Challenger != "c" {
		t.Fatalf("challenges %+v", ch)
	}
	if st.Notes != 1 || st.AbsentStates != 1 {
		t.Fatalf("restore stats %+v", st)
	}
}
