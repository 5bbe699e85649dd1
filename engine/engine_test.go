package engine

import (
	"errors"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)

func newTestEngine(t testing.TB) (*Engine, *VirtualClock) {
	t.Helper()
	clock := NewVirtualClock(t0)
	e, err := New(Config{Clock: clock, ManualTick: true, Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e, clock
}

func mustPut(t testing.TB, e *Engine, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := e.PutContact(id, ContactEntry{Data: &ContactData{DisplayName: id}}); err != nil {
			t.Fatal(err)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLayout(t *testing.T) {
	if got := unsafe.Sizeof(subscription{}); got != subscriptionMaxSize {
		t.Fatalf("subscription is %d bytes, want %d", got, subscriptionMaxSize)
	}
	if got := unsafe.Sizeof(shard{}); got%128 != 0 {
		t.Fatalf("shard is %d bytes, not padded to 128", got)
	}
}

func TestConfigValidation(t *testing.T) {
	if _, err := New(Config{Shards: 3}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Shards=3: %v", err)
	}
}

func TestSubscribeSnapshotAndUpdate(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "sip:alice@x", "sip:bob@x")
	must(t, e.ClientLogin("sip:bob@x", "pc", DeviceDesktop))
	company, _ := LevelCompany.Rights()
	must(t, e.SetListRights("", ScopeGlobal, "", Everyone, company, false))
	w := e.NewWatcher(WatcherConfig{User: "sip:alice@x"})
	snap, missing, err := w.Subscribe([]string{"sip:bob@x", "sip:nobody@x"}, SubscribeOptions{}, nil)
	must(t, err)
	if len(snap) != 1 || len(missing) != 1 || missing[0] != "sip:nobody@x" {
		t.Fatalf("snapshot %v missing %v", snap, missing)
	}
	if got := snap[0].Snapshot.State; got != StateAvailable { // one desktop client, not idle
		t.Fatalf("state %#x", got)
	}
	if snap[0].Changed != SectionsContact {
		t.Fatalf("snapshot sections %d", snap[0].Changed)
	}
	if w.Pending() {
		t.Fatal("pending after subscribe")
	}
	must(t, e.SetNote("sip:bob@x", "at lunch"))
	ups := w.Pull(nil)
	if len(ups) != 1 {
		t.Fatalf("got %d updates", len(ups))
	}
	u := ups[0]
	if u.ContactID != "sip:bob@x" || u.Changed != SectionNote|SectionPresence {
		t.Fatalf("update %+v", u)
	}
	if u.Snapshot.Note.Text != "at lunch" || u.Snapshot.State&FlagNoteSet == 0 {
		t.Fatalf("note %q state %#x", u.Snapshot.Note.Text, u.Snapshot.State)
	}
	if len(w.Pull(nil)) != 0 {
		t.Fatal("second pull not empty")
	}
}

func TestCoalescing(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a", "b")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a", "b"}, SubscribeOptions{}, nil)
	must(t, err)
	for i := 0; i < 100; i++ {
		must(t, e.SetNote("a", string(rune('A'+i%26))+"x"))
		must(t, e.SetLine("b", Line{URI: "tel:1", State: LineState(i % 2)}))
	}
	ups := w.Pull(nil)
	if len(ups) != 2 {
		t.Fatalf("want 2 coalesced updates, got %d", len(ups))
	}
	if ups[0].ContactID != "a" || ups[1].ContactID != "b" {
		t.Fatalf("order %s %s", ups[0].ContactID, ups[1].ContactID)
	}
	if ups[0].Snapshot.Note.Text != "Vx" { // i=99: 'A'+99%26 = 'V'
		t.Fatalf("latest note %q", ups[0].Snapshot.Note.Text)
	}
}

func TestEventFlagsFilter(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{Events: SectionNote, Return: SectionPresence}, nil)
	must(t, err)
	must(t, e.SetLine("a", Line{URI: "tel:1"}))
	if w.Pending() {
		t.Fatal("line change marked a note-only subscription")
	}
	must(t, e.SetAgentState("a", AgentState{State: AgentReady}))
	if w.Pending() {
		t.Fatal("agent state is opt-in")
	}
	must(t, e.SetNote("a", "n"))
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed != SectionNote {
		t.Fatalf("%+v", ups)
	}
}

func TestRemoveContactOnce(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a", "b")
	w1 := e.NewWatcher(WatcherConfig{})
	w2 := e.NewWatcher(WatcherConfig{})
	for _, w := range []*Watcher{w1, w2} {
		_, _, err := w.Subscribe([]string{"a", "b"}, SubscribeOptions{}, nil)
		must(t, err)
	}
	must(t, e.SetNote("a", "x"))
	must(t, e.RemoveContact("a"))
	if err := e.SetNote("a", "y"); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("update after remove: %v", err)
	}
	if err := e.RemoveContact("a"); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("double remove: %v", err)
	}
	for _, w := range []*Watcher{w1, w2} {
		ups := w.Pull(nil)
		if len(ups) != 1 || !ups[0].Removed || ups[0].ContactID != "a" {
			t.Fatalf("%+v", ups)
		}
		if w.Subscriptions() != 1 {
			t.Fatalf("subscriptions %d", w.Subscriptions())
		}
		if len(w.Pull(nil)) != 0 {
			t.Fatal("second removal")
		}
	}
	// A new contact with the same id is a new contact: old watchers are not subscribed.
	mustPut(t, e, "a")
	must(t, e.SetNote("a", "z"))
	if w1.Pending() {
		t.Fatal("re-added contact reached a removed subscription")
	}
}

func TestCallSemanticsUnderCoalescing(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{}, nil)
	must(t, err)
	// Added and removed between two pulls: vanishes entirely.
	must(t, e.PutCall("a", Call{ConnectionID: "c1", State: CallOffering}))
	must(t, e.RemoveCall("a", "c1"))
	for _, u := range w.Pull(nil) {
		if len(u.Calls) != 0 {
			t.Fatalf("call that came and went is visible: %+v", u.Calls)
		}
	}
	// Seen, then changed and removed: one removal.
	must(t, e.PutCall("a", Call{ConnectionID: "c2", State: CallOffering}))
	ups := w.Pull(nil)
	if len(ups) != 1 || len(ups[0].Calls) != 1 || ups[0].Calls[0].Action != CallAdded {
		t.Fatalf("%+v", ups)
	}
	if ups[0].Snapshot.State != StateBusy|FlagRinging|FlagOffline {
		t.Fatalf("state %#x", ups[0].Snapshot.State)
	}
	must(t, e.PutCall("a", Call{ConnectionID: "c2", State: CallConnected}))
	must(t, e.PutCall("a", Call{ConnectionID: "c3", State: CallDialing}))
	must(t, e.PutCall("a", Call{ConnectionID: "c2", State: CallDisconnected}))
	ups = w.Pull(nil)
	if len(ups) != 1 {
		t.Fatalf("%+v", ups)
	}
	got := map[string]CallAction{}
	for _, c := range ups[0].Calls {
		got[c.Call.ConnectionID] = c.Action
	}
	if len(got) != 2 || got["c2"] != CallRemoved || got["c3"] != CallAdded {
		t.Fatalf("calls %+v", got)
	}
	// A change that leaves the call identical produces nothing.
	must(t, e.PutCall("a", Call{ConnectionID: "c3", State: CallDialing}))
	if w.Pending() {
		t.Fatal("no-op call change marked")
	}
}

func TestUnsubscribeAndClose(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a", "b")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a", "b", "a"}, SubscribeOptions{}, nil)
	must(t, err)
	if w.Subscriptions() != 2 {
		t.Fatalf("duplicate id subscribed twice: %d", w.Subscriptions())
	}
	must(t, e.SetNote("a", "x"))
	w.Unsubscribe([]string{"a"})
	if ups := w.Pull(nil); len(ups) != 0 {
		t.Fatalf("pending change of an unsubscribed contact delivered: %+v", ups)
	}
	must(t, e.SetNote("a", "y"))
	if w.Pending() {
		t.Fatal("unsubscribed contact marked")
	}
	var st Stats
	e.Stats(&st)
	if st.Subscriptions != 1 || st.Watchers != 1 {
		t.Fatalf("stats %+v", st)
	}
	w.Close()
	must(t, e.SetNote("b", "y"))
	if w.Pending() {
		t.Fatal("closed watcher marked")
	}
	if _, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("subscribe after close: %v", err)
	}
	e.Stats(&st)
	if st.Subscriptions != 0 || st.Watchers != 0 {
		t.Fatalf("stats after close %+v", st)
	}
}

func TestManySubscribersCompaction(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "ceo")
	ws := make([]*Watcher, 1000)
	for i := range ws {
		ws[i] = e.NewWatcher(WatcherConfig{})
		_, _, err := ws[i].Subscribe([]string{"ceo"}, SubscribeOptions{}, nil)
		must(t, err)
	}
	for i := 0; i < len(ws); i += 2 {
		ws[i].Close()
	}
	c := e.lookup("ceo")
	c.mu.Lock()
	live, n := c.live, int(c.subs.Load().n.Load())
	c.mu.Unlock()
	if live != 500 || n > 2*live+16 {
		t.Fatalf("live %d slots %d: dead slots not compacted", live, n)
	}
	must(t, e.SetNote("ceo", "x"))
	for i, w := range ws {
		got := len(w.Pull(nil))
		if want := i % 2; got != want {
			t.Fatalf("watcher %d got %d updates want %d", i, got, want)
		}
	}
}

func TestReadySignal(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{}, nil)
	must(t, err)
	select {
	case <-w.Ready():
		t.Fatal("ready before any change")
	default:
	}
	must(t, e.SetNote("a", "x"))
	select {
	case <-w.Ready():
	default:
		t.Fatal("no ready signal")
	}
}

func TestCapabilitiesSum(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	must(t, e.ClientLogin("a", "pc", DeviceDesktop))
	must(t, e.ClientLogin("a", "phone", DeviceMobile))
	must(t, e.SetClientCapabilities("a", "pc", Capabilities{Values: []Capability{2, 1}}))
	must(t, e.SetClientCapabilities("a", "phone", Capabilities{Values: []Capability{1, 3}}))
	s, _ := e.Snapshot("a")
	if got := s.Capabilities.Values; len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("sum %v", got)
	}
	must(t, e.ClientLogout("a", "pc"))
	s, _ = e.Snapshot("a")
	if got := s.Capabilities.Values; len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("after logout %v", got)
	}
}

func TestIdenticalCallWithRemoteIsNoChange(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	call := Call{ConnectionID: "c", State: CallConnected, Remote: &ContactData{DisplayName: "Alice"}}
	must(t, e.PutCall("a", call))
	v1, _ := e.Snapshot("a")
	call.Remote = &ContactData{DisplayName: "Alice"} // a new record with the same content
	must(t, e.PutCall("a", call))
	if v2, _ := e.Snapshot("a"); v2.Version != v1.Version {
		t.Fatalf("identical call re-sent made version %d -> %d", v1.Version, v2.Version)
	}
}
