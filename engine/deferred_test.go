package engine

import (
	"errors"
	"testing"
)

// syncPersister records Persist calls (no PersistAsync).
type syncPersister struct{ calls int }

func (p *syncPersister) Persist(changes ...Change) error { p.calls++; return nil }

// asyncPersister queues changes; their Durables fail when fail is set.
type asyncPersister struct {
	syncPersister
	queued []Change
	fail   bool
}

type doneDurable struct{ err error }

func (d doneDurable) Wait() error { return d.err }

func (p *asyncPersister) PersistAsync(changes ...Change) (Durable, error) {
	p.queued = append(p.queued, changes...)
	if p.fail {
		return doneDurable{errors.New("disk full")}, nil
	}
	return doneDurable{}, nil
}

func TestDeferredWithoutAsyncPersisterWaitsPerChange(t *testing.T) {
	e, _ := newTestEngine(t)
	if err := e.PutContact("a", ContactEntry{}); err != nil {
		t.Fatal(err)
	}
	p := &syncPersister{}
	e.SetPersister(p)
	d := e.NewDeferred()
	if err := d.SetNote("a", "hello"); err != nil {
		t.Fatal(err)
	}
	if p.calls != 1 || len(d.Take(nil)) != 0 {
		t.Fatalf("Persist calls %d; a sync persister must be called in line, nothing deferred", p.calls)
	}
}

func TestDeferredQueuesAndAppliesAtOnce(t *testing.T) {
	e, _ := newTestEngine(t)
	if err := e.PutContact("a", ContactEntry{}); err != nil {
		t.Fatal(err)
	}
	p := &asyncPersister{fail: true}
	e.SetPersister(p)
	d := e.NewDeferred()
	if err := d.SetNote("a", "hello"); err != nil {
		t.Fatal(err)
	}
	if err := d.SetAbsentState("a", AbsentState{Kind: AbsentBusy}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetNote("nobody", "x"); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("unknown contact: %v", err)
	}
	if p.calls != 0 || len(p.queued) != 2 {
		t.Fatalf("sync calls %d, queued %d: want 0 and 2", p.calls, len(p.queued))
	}
	snap, _ := e.Snapshot("a")
	if snap.Note.Text != "hello" || snap.Absent.Kind != AbsentBusy {
		t.Fatalf("not applied before durability: note %q absent %v", snap.Note.Text, snap.Absent.Kind)
	}
	waits := d.Take(nil)
	if len(waits) != 2 || len(d.Take(nil)) != 0 {
		t.Fatalf("Take returned %d, then more", len(waits))
	}
	for _, w := range waits {
		if err := w.Wait(); err == nil {
			t.Fatal("the store's failure must reach the caller")
		}
	}
}
