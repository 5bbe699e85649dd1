package engine_test

import (
	"errors"
	"fmt"

	"github.com/ucpresence/presence/engine"
)

// Embedding the engine: the snippet of the README, step 4. A trusted
// watcher (empty User) subscribes to a contact, a source update arrives,
// and the watcher pulls the coalesced update once Ready fires.
func Example() {
	e, _ := engine.New(engine.Config{})
	defer e.Close()
	e.PutContact("sip:bob@example.com", engine.ContactEntry{Data: &engine.ContactData{DisplayName: "Bob"}})
	w := e.NewWatcher(engine.WatcherConfig{}) // a trusted watcher sees everything
	snapshot, _, _ := w.Subscribe([]string{"sip:bob@example.com"}, engine.SubscribeOptions{}, nil)
	fmt.Println("subscribed:", snapshot[0].ContactID, snapshot[0].Snapshot.Data.DisplayName)
	e.PutCall("sip:bob@example.com", engine.Call{ConnectionID: "c1", State: engine.CallOffering})
	<-w.Ready()
	for _, u := range w.Pull(nil) {
		fmt.Println(u.ContactID, u.Changed, u.Snapshot.State)
	}
	// Output:
	// subscribed: sip:bob@example.com Bob
	// sip:bob@example.com presence|calls busy+ringing+offline
}

// memoryPersister is a Persister that keeps the changes in memory and can
// be told to fail, as a disk does when it is full.
type memoryPersister struct {
	changes []engine.Change
	fail    error
}

func (p *memoryPersister) Persist(changes ...engine.Change) error {
	if p.fail != nil {
		return p.fail
	}
	p.changes = append(p.changes, changes...)
	return nil
}

// A Persister makes user-set state (notes, absent states, rights,
// challenges, images) durable before the engine applies it. When it fails,
// the change is refused with ErrNotDurable and the engine's state stays as
// it was: memory never runs ahead of the disk. Package store is the real
// Persister (bbolt with group commit).
func ExamplePersister() {
	e, _ := engine.New(engine.Config{})
	defer e.Close()
	e.PutContact("sip:bob@example.com", engine.ContactEntry{})
	p := &memoryPersister{}
	e.SetPersister(p)

	_ = e.SetNote("sip:bob@example.com", "in the lab until 3")
	fmt.Println("persisted:", len(p.changes), p.changes[0].Contact, p.changes[0].Note.Text)

	p.fail = errors.New("disk full")
	err := e.SetNote("sip:bob@example.com", "gone fishing")
	fmt.Println("refused:", errors.Is(err, engine.ErrNotDurable))
	snapshot, _ := e.Snapshot("sip:bob@example.com")
	fmt.Println("note kept:", snapshot.Note.Text)
	// Output:
	// persisted: 1 sip:bob@example.com in the lab until 3
	// refused: true
	// note kept: in the lab until 3
}

// Rights decide what a watcher sees of a contact. Without any entry Alice
// is blocked on Bob: she sees his note (every level does) but not that he
// is on the phone. Bob grants her the personal level with SetDynamicRights
// (what asnSetDynamicRights does); her effective rights on Bob are the sum
// of the global, group and personal lists, and her view now shows the call.
func ExampleEngine_SetDynamicRights() {
	e, _ := engine.New(engine.Config{})
	defer e.Close()
	const alice, bob = "sip:alice@example.com", "sip:bob@example.com"
	e.PutContact(alice, engine.ContactEntry{})
	e.PutContact(bob, engine.ContactEntry{})
	_ = e.SetNote(bob, "in the lab until 3")
	_ = e.PutCall(bob, engine.Call{ConnectionID: "c1", State: engine.CallConnected})

	before := e.EffectiveRights(alice, bob)
	fmt.Printf("before: visible %v\n", before.Presence&engine.RightVisible != 0)
	w := e.NewWatcher(engine.WatcherConfig{User: alice})
	snapshot, _, _ := w.Subscribe([]string{bob}, engine.SubscribeOptions{}, nil)
	fmt.Printf("alice sees %q, %v, %d calls\n", snapshot[0].Snapshot.Note.Text, snapshot[0].Snapshot.State, len(snapshot[0].Snapshot.Calls))

	entry, err := e.SetDynamicRights(bob, bob, alice, engine.LevelPersonal, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	after := e.EffectiveRights(alice, bob)
	fmt.Printf("after: level personal %v, visible %v\n", entry.Rights == after, after.Presence&engine.RightVisible != 0)
	fresh, _ := e.SnapshotFor(alice, bob)
	fmt.Printf("alice sees %q, %v, %d calls\n", fresh.Note.Text, fresh.State, len(fresh.Calls))
	// Output:
	// before: visible false
	// alice sees "in the lab until 3", uncontrolled, 0 calls
	// after: level personal true, visible true
	// alice sees "in the lab until 3", busy+call+offline+note, 1 calls
}
