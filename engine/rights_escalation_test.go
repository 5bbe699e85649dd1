package engine

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRightsCannotBeEscalated is a property test: whatever a user who is
// neither the owner nor an administrator does (set any level or explicit
// rights on the owner's list, for herself or others, remove entries, change
// her own list), what anyone may see of the owner does not change, and
// every attempt on the owner's list is refused with permissiondenied. Some
// actors hold Team or Personal (UR_PRESENCE_CHANGEABLE) on the owner.
func TestRightsCannotBeEscalated(t *testing.T) {
	levels := []Level{LevelBlocked, LevelPublic, LevelCompany, LevelTeam, LevelPersonal}
	users := []string{"u0", "u1", "u2", "u3", "u4", "u5"}
	sequences, steps := 200, 40
	if testing.Short() {
		sequences = 60
	}
	for seed := uint64(0); seed < uint64(sequences); seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		e, _ := newTestEngine(t)
		mustPut(t, e, append([]string{"owner"}, users...)...)
		must(t, e.PutContact("admin", ContactEntry{Administrator: true}))
		// The owner grants random levels, Team and Personal included.
		for _, u := range users {
			if r.IntN(3) > 0 {
				_, err := e.SetDynamicRights("owner", "owner", u, levels[r.IntN(len(levels))], nil)
				must(t, err)
			}
		}
		watchers := append([]string{"owner", "admin"}, users...)
		view := func() ([]Rights, []RightsEntry) {
			var seen []Rights
			for _, w := range watchers {
				seen = append(seen, e.EffectiveRights(w, "owner"))
			}
			return seen, e.RightsList(ScopePersonal, "owner")
		}
		seen, list := view()
		for step := 0; step < steps; step++ {
			actor := users[r.IntN(len(users))]
			remote := watchers[r.IntN(len(watchers))]
			var err error
			onOwner := true
			switch r.IntN(4) {
			case 0:
				_, err = e.SetDynamicRights(actor, "owner", remote, levels[r.IntN(len(levels))], nil)
			case 1:
				explicit := Rights{Presence: r.Uint32(), PhonePrimary: r.Uint32(), PhoneSecondary: r.Uint32()}
				_, err = e.SetDynamicRights(actor, "owner", remote, 0, &explicit)
			case 2:
				err = e.RemoveDynamicRights(actor, "owner", remote)
			case 3: // her own list: allowed, and it says nothing about the owner
				onOwner = false
				if remote != actor {
					_, err = e.SetDynamicRights(actor, actor, remote, levels[r.IntN(len(levels))], nil)
				}
			}
			if onOwner {
				var re *RightsError
				ok := errors.As(err, &re) && (re.Detail == RightsPermissionDenied ||
					remote == "owner" && re.Detail == RightsGeneral) // an entry of the owner for himself is invalid before it is forbidden
				if !ok {
					t.Fatalf("seed %d step %d: %s on the owner's list: %v, want permissiondenied", seed, step, actor, err)
				}
			} else if err != nil {
				t.Fatalf("seed %d step %d: own list: %v", seed, step, err)
			}
			nowSeen, nowList := view()
			if !slices.Equal(nowSeen, seen) || !slices.Equal(nowList, list) {
				t.Fatalf("seed %d step %d: %s changed what others see of the owner: %v -> %v, list %v -> %v", seed, step, actor, seen, nowSeen, list, nowList)
			}
		}
		// The owner and an administrator still can.
		if _, err := e.SetDynamicRights("admin", "owner", "u0", LevelPersonal, nil); err != nil {
			t.Fatalf("admin: %v", err)
		}
		if err := e.RemoveDynamicRights("owner", "owner", "u0"); err != nil {
			t.Fatalf("owner: %v", err)
		}
		e.Close()
	}
}
