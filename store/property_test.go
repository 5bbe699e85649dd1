package store

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// operation is one random mutation and its effect on the model.
type operation struct {
	mutation Mutation
	effect   func(snapshot)
}

// generator draws random operations over a small id space (so that puts,
// replacements and deletions hit the same keys often). Every id carries
// prefix, so generators with different prefixes never touch the same key.
type generator struct {
	random          *rand.Rand
	prefix          string
	allowGlobalList bool // DeleteRightsList(ScopeGlobal) clears other prefixes too
}

func (g generator) pick(values ...string) string {
	return g.prefix + values[g.random.IntN(len(values))]
}

func (g generator) contact() string { return g.pick("a", "ab", "b", "c") }

func (g generator) owner(scope Scope) string {
	switch scope {
	case ScopeGlobal:
		return ""
	case ScopeGroup:
		return g.pick("g", "gg", "a")
	}
	return g.contact()
}

func (g generator) scope() Scope { return Scope(1 + g.random.IntN(3)) }

func (g generator) text() string {
	return [...]string{"", "x", "Mittagspause 🍝", "longer note text"}[g.random.IntN(4)]
}

// time returns the zero time ("not set") a quarter of the time, else a
// time between 1938 and 2096 as decoding returns it (UTC).
func (g generator) time() time.Time {
	if g.random.IntN(4) == 0 {
		return time.Time{}
	}
	return at(g.random.Int64N(4_000_000_000) - 1_000_000_000)
}

func (g generator) strings(maximum int) []string {
	count := g.random.IntN(maximum + 1)
	if count == 0 {
		return nil
	}
	values := make([]string, count)
	for index := range values {
		values[index] = g.pick("s1", "s2", "sales", "")
	}
	return values
}

func (g generator) bytes() []byte {
	count := g.random.IntN(5)
	if count == 0 {
		return nil
	}
	value := make([]byte, count)
	for index := range value {
		value[index] = byte(g.random.Uint32())
	}
	return value
}

func (g generator) next() operation {
	switch g.random.IntN(14) {
	case 0:
		scope := g.scope()
		owner := g.owner(scope)
		entry := RightsEntry{
			RemoteID: g.pick("a", "b", "x"), PresenceRights: g.random.Uint32(),
			PhonePrimary: uint32(g.random.IntN(1024)), PhoneSecondary: uint32(g.random.IntN(3)),
		}
		return operation{PutRights(scope, owner, entry), func(m snapshot) {
			m.rights[rightsID{scope, owner, entry.RemoteID}] = entry
		}}
	case 1:
		scope := g.scope()
		owner, remote := g.owner(scope), g.pick("a", "b", "x")
		return operation{DeleteRights(scope, owner, remote), func(m snapshot) {
			delete(m.rights, rightsID{scope, owner, remote})
		}}
	case 2:
		scope := g.scope()
		if scope == ScopeGlobal && !g.allowGlobalList {
			scope = ScopePersonal
		}
		owner := g.owner(scope)
		return operation{DeleteRightsList(scope, owner), func(m snapshot) {
			maps.DeleteFunc(m.rights, func(id rightsID, _ RightsEntry) bool {
				return id.scope == scope && id.owner == owner
			})
		}}
	case 3:
		contact := g.contact()
		state := AbsentState{State: g.random.IntN(5), SetAt: g.time()}
		if g.random.IntN(2) == 0 {
			state.From, state.To = g.time(), g.time()
		}
		if g.random.IntN(2) == 0 {
			state.HasReachability, state.Reachability = true, g.random.IntN(6)
		}
		for range g.random.IntN(3) {
			state.ExternalStates = append(state.ExternalStates,
				ExternalPresenceState{UserName: g.pick("teams", ""), State: g.random.IntN(100) - 50, Type: g.random.IntN(2)})
		}
		return operation{PutAbsentState(contact, state), func(m snapshot) { m.absent[contact] = state }}
	case 4:
		contact := g.contact()
		return operation{DeleteAbsentState(contact), func(m snapshot) { delete(m.absent, contact) }}
	case 5:
		contact := g.contact()
		note := Note{Text: g.text(), SetAt: g.time()}
		return operation{PutNote(contact, note), func(m snapshot) { m.notes[contact] = note }}
	case 6:
		contact := g.contact()
		return operation{DeleteNote(contact), func(m snapshot) { delete(m.notes, contact) }}
	case 7:
		challenge := Challenge{Owner: g.contact(), Challenger: g.contact(), At: g.time()}
		return operation{PutChallenge(challenge), func(m snapshot) {
			m.challenges[[2]string{challenge.Owner, challenge.Challenger}] = challenge.At
		}}
	case 8:
		owner, challenger := g.contact(), g.contact()
		return operation{DeleteChallenge(owner, challenger), func(m snapshot) {
			delete(m.challenges, [2]string{owner, challenger})
		}}
	case 9:
		owner := g.contact()
		return operation{DeleteChallenges(owner), func(m snapshot) {
			maps.DeleteFunc(m.challenges, func(key [2]string, _ time.Time) bool { return key[0] == owner })
		}}
	case 10:
		contact := g.contact()
		image := Image{Hash: g.text(), Small: g.bytes(), Large: g.bytes()}
		return operation{PutImage(contact, image), func(m snapshot) { m.images[contact] = image }}
	case 11:
		contact := g.contact()
		return operation{DeleteImage(contact), func(m snapshot) { delete(m.images, contact) }}
	case 12:
		user := User{
			ID: g.contact(), PasswordHash: g.text(), Groups: g.strings(2), Lines: g.strings(3),
			Administrator: g.random.IntN(2) == 0,
		}
		if count := g.random.IntN(3); count > 0 {
			user.Display = map[string]string{}
			for range count {
				user.Display[g.pick("displayName", "email", "")] = g.text()
			}
		}
		return operation{PutUser(user), func(m snapshot) { m.users[user.ID] = user }}
	default:
		id := g.contact()
		return operation{DeleteUser(id), func(m snapshot) { delete(m.users, id) }}
	}
}

// TestRandomMutationsMatchTheModel applies random calls one by one,
// reopening the store now and then, and compares the store with a model
// that applied the same mutations to maps.
func TestRandomMutationsMatchTheModel(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			config := testConfig(t)
			config.NoSync = true // the property is about content, not fsync
			s := mustOpen(t, config)
			g := generator{random: rand.New(rand.NewPCG(seed, 7)), allowGlobalList: true}
			model := newSnapshot()
			for call := range 300 {
				operations := make([]operation, 1+g.random.IntN(4))
				mutations := make([]Mutation, len(operations))
				for index := range operations {
					operations[index] = g.next()
					mutations[index] = operations[index].mutation
				}
				mustApply(t, s, mutations...)
				for _, op := range operations {
					op.effect(model)
				}
				if call%100 == 99 {
					mustClose(t, s)
					s = mustOpen(t, config)
				}
			}
			mustClose(t, s)
			s = mustOpen(t, config)
			defer mustClose(t, s)
			if diff := loadSnapshot(t, s).diff(model); diff != "" {
				t.Fatalf("store differs from the model after reopen:\n%s", diff)
			}
		})
	}
}

// TestBatchedCallsMatchSequentialModel runs generators with disjoint id
// spaces on 8 goroutines, so calls are group-committed together; the result
// must equal each goroutine's sequential model.
func TestBatchedCallsMatchSequentialModel(t *testing.T) {
	const goroutines, calls = 8, 150
	config := testConfig(t)
	config.NoSync = true
	s := mustOpen(t, config)
	models := make([]snapshot, goroutines)
	var group sync.WaitGroup
	for worker := range goroutines {
		models[worker] = newSnapshot()
		group.Go(func() {
			g := generator{random: rand.New(rand.NewPCG(uint64(worker), 11)), prefix: fmt.Sprintf("w%d/", worker)}
			for range calls {
				operations := make([]operation, 1+g.random.IntN(4))
				mutations := make([]Mutation, len(operations))
				for index := range operations {
					operations[index] = g.next()
					mutations[index] = operations[index].mutation
				}
				if err := s.Apply(context.Background(), mutations...); err != nil {
					t.Errorf("Apply: %v", err)
					return
				}
				for _, op := range operations {
					op.effect(models[worker])
				}
			}
		})
	}
	group.Wait()
	var stats Stats
	s.Stats(&stats)
	mustClose(t, s)
	if stats.Commits >= stats.Calls {
		t.Logf("no batching happened (%d commits for %d calls); the property still holds", stats.Commits, stats.Calls)
	}

	want := newSnapshot()
	for _, model := range models {
		maps.Copy(want.rights, model.rights)
		maps.Copy(want.absent, model.absent)
		maps.Copy(want.notes, model.notes)
		maps.Copy(want.challenges, model.challenges)
		maps.Copy(want.images, model.images)
		maps.Copy(want.users, model.users)
	}
	s = mustOpen(t, config)
	defer mustClose(t, s)
	if diff := loadSnapshot(t, s).diff(want); diff != "" {
		t.Fatalf("store differs from the merged sequential models:\n%s", diff)
	}
}
