package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// TestPullBetweenPublishAndMark reproduces the interleaving behind the
// simulator's "duplicated" count deterministically: a pull runs after a
// version is published and before its marks land. It must deliver that
// version once, whole, and the marks that land afterwards must not deliver
// it again.
func TestPullBetweenPublishAndMark(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "a")
	w := e.NewWatcher(WatcherConfig{})
	_, _, err := w.Subscribe([]string{"a"}, SubscribeOptions{}, nil)
	must(t, err)
	must(t, e.SetNote("a", "first")) // marked, not pulled: the watcher has something pending
	var inHook []Update
	testHookPublished = func(*contact, *Snapshot) { inHook = w.Pull(inHook[:0]) }
	must(t, e.SetLine("a", Line{URI: "tel:1", State: LineOnline})) // published, pulled, then marked
	testHookPublished = nil
	if len(inHook) != 1 {
		t.Fatalf("pull between publish and mark: %d updates, want 1", len(inHook))
	}
	want := SectionNote | SectionPresence | SectionLines
	if got := inHook[0].Changed; got != want {
		t.Fatalf("pull between publish and mark delivered %v, want %v", got, want)
	}
	version := inHook[0].Snapshot.Version
	if again := w.Pull(nil); len(again) != 0 {
		t.Fatalf("version %d delivered twice: second delivery %v at version %d", version, again[0].Changed, again[0].Snapshot.Version)
	}
	// The next change is delivered alone.
	must(t, e.SetNote("a", "second"))
	ups := w.Pull(nil)
	if len(ups) != 1 || ups[0].Changed != SectionNote || ups[0].Snapshot.Version != version+1 {
		t.Fatalf("next update %+v", ups)
	}
}

// TestDeliveriesExact checks the invariant under concurrency (run it with
// -race): every delivery names exactly the sections that changed between the
// version the watcher last received and the one it receives now, and no
// version is received twice. The publish hook records what each version
// changed; the puller checks every update against that record.
func TestDeliveriesExact(t *testing.T) {
	e, _ := newTestEngine(t)
	ids := []string{"a", "b", "c", "d"}
	mustPut(t, e, ids...)
	type key struct {
		id      string
		version uint64
	}
	var recordMu sync.Mutex
	record := map[key]Section{}
	testHookPublished = func(c *contact, s *Snapshot) {
		recordMu.Lock()
		record[key{c.id, s.Version}] = s.changed
		recordMu.Unlock()
	}
	t.Cleanup(func() { testHookPublished = nil })
	changed := func(id string, version uint64) Section {
		for {
			recordMu.Lock()
			x, ok := record[key{id, version}]
			recordMu.Unlock()
			if ok {
				return x
			}
			runtime.Gosched() // published, its writer is about to record it
		}
	}
	w := e.NewWatcher(WatcherConfig{})
	first, _, err := w.Subscribe(ids, SubscribeOptions{Events: SectionsContact}, nil)
	must(t, err)
	last := map[string]uint64{}
	for _, u := range first {
		last[u.ContactID] = u.Snapshot.Version
	}
	rounds := 20000
	if testing.Short() {
		rounds = 5000
	}
	var writers sync.WaitGroup
	for g := 0; g < 2; g++ {
		writers.Add(1)
		go func(g int) {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for n := 0; n < rounds; n++ {
				id := ids[r.IntN(len(ids))]
				var err error
				switch r.IntN(4) {
				case 0:
					err = e.SetNote(id, fmt.Sprint(g, n))
				case 1:
					err = e.SetLine(id, Line{URI: "tel:1", State: LineState(n % 2)})
				case 2:
					err = e.PutCall(id, Call{ConnectionID: fmt.Sprint(g), State: CallState(n % 3)})
				case 3:
					err = e.SetAgentState(id, AgentState{State: AgentStateKind(n % 3)})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	var ups []Update
	failures := 0
	check := func() {
		ups = w.Pull(ups[:0])
		for _, u := range ups {
			v, from := u.Snapshot.Version, last[u.ContactID]
			if v <= from {
				failures++
				t.Errorf("%s: version %d delivered after version %d", u.ContactID, v, from)
				continue
			}
			var want Section
			for x := from + 1; x <= v; x++ {
				want |= changed(u.ContactID, x)
			}
			// A call added and removed between two pulls may net to no call
			// change: the calls bit alone may be missing.
			if got := u.Changed; got != want && got != want&^SectionCalls {
				failures++
				t.Errorf("%s: version %d after %d delivered %v, want %v", u.ContactID, v, from, got, want)
			}
			last[u.ContactID] = v
		}
	}
	done := make(chan struct{})
	go func() { writers.Wait(); close(done) }()
	for running := true; running && failures < 5; {
		select {
		case <-done:
			running = false
		default:
		}
		check()
	}
	<-done
	check()
	for _, id := range ids {
		if s, _ := e.Snapshot(id); last[id] != s.Version {
			t.Errorf("%s: last delivered version %d, engine at %d", id, last[id], s.Version)
		}
	}
}

func TestSectionSlots(t *testing.T) {
	seen := map[int]bool{}
	for bit := Section(1); bit != 0 && bit <= SectionGrouping; bit <<= 1 {
		if bit&SectionsContact == 0 {
			continue
		}
		i := sectionSlot(bit)
		if i < 0 || i >= sectionSlots || seen[i] || slotSection[i] != bit {
			t.Fatalf("section %v: slot %d (taken %v, inverse %v)", bit, i, seen[i], slotSection[i])
		}
		seen[i] = true
	}
	if len(seen) != sectionSlots {
		t.Fatalf("%d slots used, want %d", len(seen), sectionSlots)
	}
}

// TestRightsChangeNamesOnlyWhatChanged: after a rights change a watcher gets
// the configuration section and exactly the sections that became visible or
// hidden; the last change (a note) is not repeated.
func TestRightsChangeNamesOnlyWhatChanged(t *testing.T) {
	e, _ := newTestEngine(t)
	fullContact(t, e, "owner")
	mustPut(t, e, "w")
	_, err := e.SetDynamicRights("owner", "owner", "w", LevelPublic, nil)
	must(t, err)
	w := e.NewWatcher(WatcherConfig{User: "w"})
	_, _, err = w.Subscribe([]string{"owner"}, SubscribeOptions{Events: SectionsContact, DontRequestPermissions: true}, nil)
	must(t, err)
	must(t, e.SetNote("owner", "new note"))
	if ups := w.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionNote {
		t.Fatalf("note: %+v", ups)
	}
	steps := []struct {
		level Level
		want  Section
	}{
		// Public -> Company: company data, public appointments, the first line.
		{LevelCompany, SectionConfig | SectionData | SectionAppointments | SectionLines | SectionCalls | SectionForwards},
		// Company -> Team: the second line; private appointments as busy blocks stay.
		{LevelTeam, SectionConfig | SectionLines | SectionCalls | SectionForwards},
		// Team -> Blocked: everything but data (name, e-mail) and the note is emptied.
		{LevelBlocked, SectionConfig | SectionPresence | SectionAbsentState | SectionAgent | SectionGrouping | SectionData | SectionImage |
			SectionAppointments | SectionLines | SectionCalls | SectionForwards},
	}
	for _, step := range steps {
		_, err := e.SetDynamicRights("owner", "owner", "w", step.level, nil)
		must(t, err)
		ups := w.Pull(nil)
		if len(ups) != 1 || ups[0].Changed != step.want {
			t.Fatalf("to level %d: %+v, want %v", step.level, ups, step.want)
		}
		if again := w.Pull(nil); len(again) != 0 {
			t.Fatalf("to level %d: delivered again: %+v", step.level, again)
		}
	}
	// A rights change that leaves the visibility as it was sends nothing but
	// nothing is pending either.
	_, err = e.SetDynamicRights("owner", "owner", "w", LevelBlocked, nil)
	must(t, err)
	if ups := w.Pull(nil); len(ups) != 0 {
		t.Fatalf("same rights again: %+v", ups)
	}
}

// TestChallengeDoesNotRepeatLastChange: the owner's clients get a challenge
// alone, not the owner's last note change again.
func TestChallengeDoesNotRepeatLastChange(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "c", "w")
	own := e.NewWatcher(WatcherConfig{User: "c"})
	_, _, err := own.Subscribe([]string{"c"}, SubscribeOptions{Events: SectionsDefault | SectionChallenges | SectionRightsOwn}, nil)
	must(t, err)
	must(t, e.SetNote("c", "back at 3"))
	if ups := own.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionNote|SectionPresence {
		t.Fatalf("note: %+v", ups)
	}
	other := e.NewWatcher(WatcherConfig{User: "w"})
	_, _, err = other.Subscribe([]string{"c"}, SubscribeOptions{}, nil)
	must(t, err)
	if ups := own.Pull(nil); len(ups) != 1 || ups[0].Changed != SectionChallenges {
		t.Fatalf("challenge: %+v", ups)
	}
}

type failingPersister struct{ err error }

func (p failingPersister) Persist(...Change) error { return p.err }

// TestChallengePersistFailure: a challenge that cannot be made durable is an
// error the subscriber sees, and it is not pending in memory either.
func TestChallengePersistFailure(t *testing.T) {
	e, _ := newTestEngine(t)
	mustPut(t, e, "c", "w")
	disk := errors.New("disk full")
	e.SetPersister(failingPersister{err: disk})
	w := e.NewWatcher(WatcherConfig{User: "w"})
	snaps, _, err := w.Subscribe([]string{"c"}, SubscribeOptions{}, nil)
	if !errors.Is(err, ErrNotDurable) || !errors.Is(err, disk) {
		t.Fatalf("subscribe with a failing store: %v", err)
	}
	if len(snaps) != 1 || w.Subscriptions() != 1 {
		t.Fatalf("the subscription itself stands: %d snapshots, %d subscriptions", len(snaps), w.Subscriptions())
	}
	if ch := e.Challenges("c"); len(ch) != 0 {
		t.Fatalf("challenge applied without being durable: %+v", ch)
	}
	// Once the store works again, subscribing again challenges.
	e.SetPersister(failingPersister{})
	_, _, err = w.Subscribe([]string{"c"}, SubscribeOptions{}, nil)
	must(t, err)
	if ch := e.Challenges("c"); len(ch) != 1 || ch[0].Challenger != "w" {
		t.Fatalf("challenges after retry: %+v", ch)
	}
}

// stepSnapshot returns the version after old at version, changing changed,
// as the engine's apply, ApplyReplica and RebaseVersion make it.
func stepSnapshot(old *Snapshot, version uint64, changed Section) *Snapshot {
	next := nextSnapshot(old)
	next.Version, next.changed = version, changed
	next.stamp(old, changed)
	return next
}

func TestChangedSinceAcrossWrap(t *testing.T) {
	s := stepSnapshot(&Snapshot{}, 7, SectionsContact) // old: 2^32 versions before the note
	s = stepSnapshot(s, 1<<32+3, SectionNote)
	s = stepSnapshot(s, 1<<32+5, SectionCalls)
	for _, c := range []struct {
		seen uint64
		want Section
	}{
		{1<<32 + 5, 0},
		{1<<32 + 4, SectionCalls},
		{1<<32 + 3, SectionCalls},
		{1<<32 + 2, SectionCalls | SectionNote},
		{1<<32 - 100, SectionCalls | SectionNote}, // the others, 2^32 versions old, are not named
		{1, SectionsContact},                      // a lag of 2^31 or more names every section
	} {
		if got := s.changedSince(c.seen); got != c.want {
			t.Errorf("changedSince(%d) = %v, want %v", c.seen, got, c.want)
		}
	}
}

// TestChangedSinceRecentMatchesWalk: the recent-versions table answers
// exactly what the per-section walk answers, for every lag, across version
// jumps (replica, rebase) and versions that change nothing.
func TestChangedSinceRecentMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		s := stepSnapshot(&Snapshot{}, 1+uint64(rng.IntN(3)), 0)
		for step := 0; step < 60; step++ {
			jump := uint64(1)
			if rng.IntN(4) == 0 {
				jump += uint64(rng.IntN(12)) // a replica's or a rebase's jump
			}
			var changed Section
			if rng.IntN(6) != 0 {
				for n := rng.IntN(3) + 1; n > 0; n-- {
					changed |= slotSection[rng.IntN(sectionSlots)]
				}
			}
			s = stepSnapshot(s, s.Version+jump, changed)
			for lag := uint64(1); lag <= recentVersions+4 && lag <= s.Version; lag++ {
				if got, want := s.changedSince(s.Version-lag), s.changedSinceWalk(lag); got != want {
					t.Fatalf("trial %d step %d: changedSince(version-%d) = %v, walk says %v", trial, step, lag, got, want)
				}
			}
		}
	}
}
