package cluster

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
)

// Membership flaps: a node's lease runs out at the others for a moment (a
// rebalance of thousands of contacts under -race outlasted a 700 ms lease)
// and it comes back, so its contacts move away and back while the node
// itself noticed nothing. These tests make the flap happen on purpose:
// the node's heartbeats stop and its membership key is deleted, as the
// others see an expired lease, then the heartbeats resume.

// stall stops victim's heartbeats and deletes its membership key: the
// other nodes re-own its contacts at once; victim's own view stays as it
// was (a node always counts itself live).
func stall(t *testing.T, nodes []*testNode, victim *testNode) {
	t.Helper()
	victim.node.heartbeatPaused.Store(true)
	gone := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Again while a heartbeat that was under way when the pause began
		// puts the key back.
		if _, err := victim.node.member.Get(ctx, victim.node.ID()); !errors.Is(err, jetstream.ErrKeyNotFound) {
			if err := victim.node.member.Delete(ctx, victim.node.ID()); err != nil {
				t.Fatal(err)
			}
			return false
		}
		for _, n := range nodes {
			if n != victim && contains(n.node.Members(), victim.node.ID()) {
				return false
			}
		}
		return true
	}
	waitFor(t, 20*time.Second, "the others to see "+victim.node.ID()+" gone", gone)
}

// resume restarts victim's heartbeats and waits until every node sees
// every node again.
func resume(t *testing.T, nodes []*testNode, victim *testNode) {
	t.Helper()
	victim.node.heartbeatPaused.Store(false)
	waitFor(t, 20*time.Second, "every node to see "+victim.node.ID()+" again", func() bool {
		for _, n := range nodes {
			if len(n.node.Members()) != len(nodes) {
				return false
			}
		}
		return true
	})
}

// grantPersonal lets the watcher see everything of ids (notes, lines) and
// waits until every node applied it.
func grantPersonal(t *testing.T, nodes []*testNode, ids []string) {
	t.Helper()
	for _, id := range ids {
		if _, err := nodes[0].engine.SetDynamicRights(id, id, watcherUser, engine.LevelPersonal, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "rights on every node", func() bool {
		for _, n := range nodes {
			for _, id := range ids {
				if n.engine.EffectiveRights(watcherUser, id) != mustLevel(t, engine.LevelPersonal) {
					return false
				}
			}
		}
		return true
	})
}

func setLine(t *testing.T, via *testNode, id, number string) {
	t.Helper()
	if err := via.node.ApplyEvent(&ingest.Event{Op: ingest.OpSetLine, Contact: id,
		Line: engine.Line{URI: "tel:" + id, Number: number, State: engine.LineState(1)}}); err != nil {
		t.Fatalf("%s via %s: %v", id, via.node.ID(), err)
	}
}

// replicasConverged reports whether, for every id, each watcher node's
// copy has its owner's version and state and its recorder shows the
// owner's state filtered for the watcher (a version that changed nothing,
// such as an owner's rebase, reaches no watcher, so the recorder's version
// may be older); problem describes the first difference.
func replicasConverged(owner *testNode, ids []string, watchers map[*testNode]*recorder, problem *string) bool {
	for _, id := range ids {
		own, _ := owner.engine.Snapshot(id)
		filtered, _ := owner.engine.SnapshotFor(watcherUser, id)
		for n, r := range watchers {
			r.pull()
			rep, _ := n.engine.Snapshot(id)
			got := r.get(id)
			if rep.Version != own.Version || !reflect.DeepEqual(rep.Lines, own.Lines) || rep.Note.Text != own.Note.Text ||
				got == nil || !sameView(got, filtered) {
				sub, interested := n.node.interest.Load(id)
				*problem = fmt.Sprintf("%s on %s: copy v%d lines %+v note %q, watcher %+v; owner %s v%d lines %+v note %q; interest %v, subscribed %v",
					id, n.node.ID(), rep.Version, rep.Lines, rep.Note.Text, got, owner.node.ID(), own.Version, own.Lines, own.Note.Text,
					interested, sub != nil)
				return false
			}
		}
	}
	return true
}

// waitConverged waits until replicasConverged, failing with the first
// difference after limit.
func waitConverged(t *testing.T, limit time.Duration, owner *testNode, ids []string, watchers map[*testNode]*recorder) {
	t.Helper()
	var problem string
	deadline := time.Now().Add(limit)
	for !replicasConverged(owner, ids, watchers, &problem) {
		if time.Now().After(deadline) {
			t.Fatalf("replicas did not converge to their owner within %v: %s", limit, problem)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for n, r := range watchers {
		if len(r.errors) > 0 {
			t.Fatalf("exact delivery broken on %s: %v", n.node.ID(), r.errors)
		}
	}
}

// TestSubscribeWhileOwningForAMoment: a watcher on a subscribes to
// contacts of b while a owns them for a moment (b's lease ran out at a),
// and the flap ends between a's ownership check and its recording of the
// interest (a node does not subscribe to its own contacts). a must still
// end up subscribed with the owner's snapshot: the owner's next change
// reaches the watcher.
func TestSubscribeWhileOwningForAMoment(t *testing.T) {
	ids := contactIDs(24)
	_, nodes := startCluster(t, ids)
	a, b := nodes[0], nodes[1]
	var moving []string // owned by b, and by a while b is away
	for _, id := range ids {
		if OwnerOf([]string{"a", "b", "c"}, id) == "b" && OwnerOf([]string{"a", "c"}, id) == "a" {
			moving = append(moving, id)
		}
	}
	if len(moving) == 0 {
		t.Fatal("no contact of b moves to a")
	}
	grantPersonal(t, nodes, moving)
	for _, id := range moving {
		setLine(t, b, id, "before")
	}
	stall(t, nodes, b)
	for _, id := range moving {
		if !a.node.Owns(id) {
			t.Fatalf("a does not own %s while b is away", id)
		}
	}
	var once sync.Once
	a.node.subscribingOwned = func(string) {
		once.Do(func() {
			done := a.node.rebalanced.Load()
			b.node.heartbeatPaused.Store(false)
			waitFor(t, 20*time.Second, "a's rebalance with b back", func() bool {
				return len(a.node.Members()) == 3 && a.node.rebalanced.Load() > done
			})
		})
	}
	r := newRecorder(t, a.engine, moving)
	a.node.subscribingOwned = nil
	resume(t, nodes, b)
	// A change on the owner after the flap.
	for _, id := range moving {
		setLine(t, b, id, "after")
	}
	waitConverged(t, 20*time.Second, b, moving, map[*testNode]*recorder{a: r})
}

// TestFlapKeepsWritesAndConverges: watchers on a and c watch b's contacts;
// b's lease runs out and comes back. While it is away, notes and line
// events for b's contacts go through c to their temporary owners (a or
// c), which make the notes durable and acknowledge them. Afterwards the
// owner b has every acknowledged note, every replica has b's version and
// state, and a change on b reaches every watcher.
func TestFlapKeepsWritesAndConverges(t *testing.T) {
	ids := contactIDs(24)
	_, nodes := startCluster(t, ids)
	a, b, c := nodes[0], nodes[1], nodes[2]
	var ofB []string
	for _, id := range ids {
		if a.node.Owner(id) == "b" {
			ofB = append(ofB, id)
		}
	}
	if len(ofB) < 2 {
		t.Fatalf("b owns %d contacts", len(ofB))
	}
	grantPersonal(t, nodes, ofB)
	for _, id := range ofB {
		setLine(t, b, id, "1")
		if err := b.engine.SetNote(id, "before"); err != nil {
			t.Fatal(err)
		}
	}
	watchers := map[*testNode]*recorder{a: newRecorder(t, a.engine, ofB), c: newRecorder(t, c.engine, ofB)}
	waitConverged(t, 20*time.Second, b, ofB, watchers)

	stall(t, nodes, b)
	for _, id := range ofB {
		if err := c.engine.SetNote(id, "during"); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		setLine(t, c, id, "2")
	}
	for _, r := range watchers {
		r.pull()
	}
	resume(t, nodes, b)
	waitFor(t, 20*time.Second, "the notes acknowledged during the flap on their owner", func() bool {
		for _, id := range ofB {
			if s, _ := b.engine.Snapshot(id); s.Note.Text != "during" {
				return false
			}
		}
		return true
	})
	waitConverged(t, 20*time.Second, b, ofB, watchers)
	// A change on the owner afterwards (sent through a) reaches every watcher.
	for _, id := range ofB {
		setLine(t, a, id, "3")
	}
	waitConverged(t, 20*time.Second, b, ofB, watchers)
	for _, id := range ofB {
		if s, _ := b.engine.Snapshot(id); len(s.Lines) != 1 || s.Lines[0].Number != "3" {
			t.Fatalf("%s: owner's lines %+v", id, s.Lines)
		}
	}
}

// TestOwnerFlapAloneKeepsReplicas: only the owner's view flaps (a member
// d appears to b for one lease and expires: a node that joins and dies
// at once, or b's late view), so b's contacts that d would own move away
// from b and back while the replica on a sees no change and does not ask
// b again. b's changes afterwards must still reach a.
func TestOwnerFlapAloneKeepsReplicas(t *testing.T) {
	ids := contactIDs(48)
	_, nodes := startCluster(t, ids)
	a, b := nodes[0], nodes[1]
	var moving []string // b's, and d's when d is a member
	for _, id := range ids {
		if OwnerOf([]string{"a", "b", "c"}, id) == "b" && OwnerOf([]string{"a", "b", "c", "d"}, id) == "d" {
			moving = append(moving, id)
		}
	}
	if len(moving) == 0 {
		t.Fatal("no contact of b moves to d")
	}
	grantPersonal(t, nodes, moving)
	for _, id := range moving {
		setLine(t, b, id, "before")
	}
	watchers := map[*testNode]*recorder{a: newRecorder(t, a.engine, moving)}
	waitConverged(t, 20*time.Second, b, moving, watchers)
	rebalances := a.node.Counters().Rebalances.Load()
	b.node.seenMu.Lock()
	b.node.seen["d"] = time.Now()
	b.node.seenMu.Unlock()
	waitFor(t, 20*time.Second, "b to see d", func() bool { return contains(b.node.Members(), "d") })
	waitFor(t, 20*time.Second, "d's lease to run out at b", func() bool { return !contains(b.node.Members(), "d") && b.node.Owns(moving[0]) })
	if a.node.Counters().Rebalances.Load() != rebalances {
		t.Fatal("a's view changed")
	}
	for _, id := range moving {
		setLine(t, b, id, "after")
	}
	waitConverged(t, 20*time.Second, b, moving, watchers)
}
