package engine

import "testing"

// TestFeatureSetFilteredByRights: the contact's feature set 0x843 (dial,
// set forward L1, pickup L1, set absent) is offered per level: Public,
// Company and blocked watchers may only dial, Team may also pick up and set
// the absent state, Personal everything; the contact itself sees it whole.
func TestFeatureSetFilteredByRights(t *testing.T) {
	e, _ := newTestEngine(t)
	must(t, e.PutContact("owner", ContactEntry{FeatureSet: 0x843 | featureSetForwardOther | featurePickupOther}))
	levels := map[string]Level{"blocked": LevelBlocked, "public": LevelPublic, "company": LevelCompany, "team": LevelTeam, "personal": LevelPersonal}
	for w, level := range levels {
		mustPut(t, e, w)
		_, err := e.SetDynamicRights("owner", "owner", w, level, nil)
		must(t, err)
	}
	mustPut(t, e, "stranger")
	const all = 0x843 | 4 | 128
	want := map[string]uint32{
		"blocked": 0x1, "public": 0x1, "company": 0x1, "stranger": 0x1,
		"team":     0x1 | 64 | 2048, // pickup on the first line (phone 519), CHANGEABLE; no forwards
		"personal": all, "owner": all,
	}
	for w, fs := range want {
		s, ok := e.SnapshotFor(w, "owner")
		if !ok {
			t.Fatalf("%s: no snapshot", w)
		}
		if s.FeatureSet != fs {
			t.Errorf("%s sees feature set %#x, want %#x", w, s.FeatureSet, fs)
		}
	}
	// A subscription gets the filtered set too, and a new grant changes it.
	watcher := e.NewWatcher(WatcherConfig{User: "public"})
	defer watcher.Close()
	snaps, _, err := watcher.Subscribe([]string{"owner"}, SubscribeOptions{DontRequestPermissions: true}, nil)
	must(t, err)
	if snaps[0].Snapshot.FeatureSet != 0x1 {
		t.Fatalf("subscribed Public watcher: %#x", snaps[0].Snapshot.FeatureSet)
	}
	_, err = e.SetDynamicRights("owner", "owner", "public", LevelPersonal, nil)
	must(t, err)
	if s, _ := e.SnapshotFor("public", "owner"); s.FeatureSet != all {
		t.Fatalf("after Personal: %#x", s.FeatureSet)
	}
}
