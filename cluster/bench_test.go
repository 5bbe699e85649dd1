package cluster

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
)

// The cost of the cluster link per update: what a contact's change costs
// when its watcher sits on another node, against the same change with the
// watcher on the owner (the single-node path), in the same run:
//
//	go test -run '^$' -bench Link -benchmem ./cluster/
//
// Link/local: the owner applies a line change and its one watcher pulls it.
// Link/across: the owner applies the change, the publisher encodes the
// snapshot (JSON) and publishes it on NATS (embedded server, loopback), the
// interested node decodes and installs it (ApplyReplica) and its watcher
// pulls it; the iteration waits for the watcher, so this is the latency
// path, one update in flight. Link/across-pipelined: b.N changes back to
// back, waiting only for the last: the throughput path, where the
// coalescing publisher may send one snapshot for several versions
// (published/op says how many crossed).
// SnapshotJSON: the encode and decode of one snapshot alone, with its
// size (bytes/update).

// benchContact makes a realistic contact: directory data, two lines, a
// call, a note, an absent state.
func benchContact(b *testing.B, e *engine.Engine, id string) {
	b.Helper()
	data := &engine.ContactData{DisplayName: "Alice Adler", FirstName: "Alice", LastName: "Adler", JobTitle: "Managing Director",
		Company: "Example Ltd", Department: "Management", EMail: "alice@example.com", PhoneBusiness: "+49 8151 1234-100",
		PhoneMobile: "+49 170 5550100", BusinessAddress: engine.Address{Street: "Hauptstrasse 1", PostalCode: "82319", City: "Starnberg", Country: "Germany"}}
	if err := e.PutContact(id, engine.ContactEntry{Data: data}); err != nil {
		b.Fatal(err)
	}
	for _, err := range []error{
		e.SetLine(id, engine.Line{URI: "tel:+4981511234100", Number: "100", State: engine.LineState(1), Primary: true}),
		e.SetLine(id, engine.Line{URI: "tel:+4917055501000", Number: "0100", State: engine.LineState(1)}),
		e.PutCall(id, engine.Call{ConnectionID: "c1", LineURI: "tel:+4981511234100", LineNumber: "100", RemoteNumber: "+4989123456", State: engine.CallState(2)}),
		e.SetNote(id, "in the office until 17:00"),
		e.SetAbsentState(id, engine.AbsentState{Kind: engine.AbsentBusy}),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSnapshotJSON(b *testing.B) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	benchContact(b, e, "sip:alice@x")
	s, _ := e.Snapshot("sip:alice@x")
	body, _ := json.Marshal(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		out, err := json.Marshal(s)
		if err != nil {
			b.Fatal(err)
		}
		var back engine.Snapshot
		if err := json.Unmarshal(out, &back); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(body)), "bytes/update")
}

func BenchmarkLink(b *testing.B) {
	const id = "sip:alice@x"
	line := func(k int) engine.Line {
		return engine.Line{URI: "tel:+4981511234100", Number: fmt.Sprint(k), State: engine.LineState(1 + k%2), Primary: true}
	}

	b.Run("local", func(b *testing.B) {
		e, err := engine.New(engine.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		benchContact(b, e, id)
		if err := e.PutContact(watcherUser, engine.ContactEntry{Data: &engine.ContactData{DisplayName: "w"}}); err != nil {
			b.Fatal(err)
		}
		if _, err := e.SetDynamicRights(id, id, watcherUser, engine.LevelPersonal, nil); err != nil {
			b.Fatal(err)
		}
		w := e.NewWatcher(engine.WatcherConfig{User: watcherUser})
		if _, _, err := w.Subscribe([]string{id}, engine.SubscribeOptions{DontRequestPermissions: true}, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for k := range b.N {
			if err := e.SetLine(id, line(k)); err != nil {
				b.Fatal(err)
			}
			if len(w.Pull(nil)) != 1 {
				b.Fatal("no update")
			}
		}
	})

	// Two nodes: a owns the contact (the ids are chosen so), b watches it.
	setup := func(b *testing.B) (owner, replica *testNode, w *engine.Watcher) {
		url := startNATS(b)
		nodes := []*testNode{startNode(b, url, "a", nil), startNode(b, url, "b", nil)}
		waitFor(b, 20*time.Second, "two members", func() bool {
			return len(nodes[0].node.Members()) == 2 && len(nodes[1].node.Members()) == 2
		})
		for _, n := range nodes {
			benchContact(b, n.engine, id) // every node knows the contact; only the owner's inputs count
		}
		owner, replica = nodes[0], nodes[1]
		if owner.node.Owner(id) != "a" {
			owner, replica = replica, owner
		}
		for _, n := range nodes { // the same entry on both: no wait for the bucket's watch
			if _, err := n.engine.SetDynamicRights(id, id, watcherUser, engine.LevelPersonal, nil); err != nil {
				b.Fatal(err)
			}
		}
		w = replica.engine.NewWatcher(engine.WatcherConfig{User: watcherUser})
		if _, _, err := w.Subscribe([]string{id}, engine.SubscribeOptions{DontRequestPermissions: true}, nil); err != nil {
			b.Fatal(err)
		}
		return owner, replica, w
	}
	// waitNumber pulls w until it shows line number k.
	waitNumber := func(b *testing.B, w *engine.Watcher, k int) {
		want := fmt.Sprint(k)
		deadline := time.Now().Add(10 * time.Second)
		for {
			for _, u := range w.Pull(nil) {
				if u.Snapshot != nil && len(u.Snapshot.Lines) > 0 && u.Snapshot.Lines[0].Number == want {
					return
				}
			}
			if time.Now().After(deadline) {
				b.Fatalf("line %d never reached the replica", k)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
	tryNumber := func(w *engine.Watcher, k int) bool {
		want := fmt.Sprint(k)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for _, u := range w.Pull(nil) {
				if u.Snapshot != nil && len(u.Snapshot.Lines) > 0 && u.Snapshot.Lines[0].Number == want {
					return true
				}
			}
			time.Sleep(20 * time.Microsecond)
		}
		return false
	}
	report := func(b *testing.B, owner, replica *testNode) {
		b.ReportMetric(float64(owner.node.stats.Published.Load())/float64(b.N), "published/op")
		b.ReportMetric(float64(owner.node.stats.PublishedBytes.Load())/float64(max(1, owner.node.stats.Published.Load())), "bytes/update")
		b.ReportMetric(float64(replica.node.stats.ReplicaApplied.Load())/float64(b.N), "installed/op")
	}

	b.Run("across", func(b *testing.B) {
		owner, replica, w := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		owner.node.stats.Published.Store(0)
		owner.node.stats.PublishedBytes.Store(0)
		replica.node.stats.ReplicaApplied.Store(0)
		for k := range b.N {
			if err := owner.engine.SetLine(id, line(k+1)); err != nil {
				b.Fatal(err)
			}
			waitNumber(b, w, k+1)
		}
		b.StopTimer()
		report(b, owner, replica)
	})

	b.Run("across-pipelined", func(b *testing.B) {
		owner, replica, w := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		owner.node.stats.Published.Store(0)
		owner.node.stats.PublishedBytes.Store(0)
		replica.node.stats.ReplicaApplied.Store(0)
		for k := range b.N {
			if err := owner.engine.SetLine(id, line(k+1)); err != nil {
				b.Fatal(err)
			}
		}
		if !tryNumber(w, b.N) {
			o, _ := owner.engine.Snapshot(id)
			r, _ := replica.engine.Snapshot(id)
			b.Fatalf("line %d never reached the watcher: owner %d %s, replica %d %s, published %d installed %d stale %d", b.N,
				o.Version, o.Lines[0].Number, r.Version, r.Lines[0].Number, owner.node.stats.Published.Load(),
				replica.node.stats.ReplicaApplied.Load(), replica.node.stats.ReplicaStale.Load())
		}
		b.StopTimer()
		report(b, owner, replica)
	})
}
