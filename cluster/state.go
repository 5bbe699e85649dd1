package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
)

// Keys of the state bucket (ids encoded with encode):
//
//	rights.<scope>.<key>.<remote>   a rights entry (scope as a number)
//	challenge.<owner>.<remote>      a pending rights challenge
//	absent.<contact>                a manual absent state
//	note.<contact>                  a custom note
//	images.<contact>                the two pictures
//
// A value is the JSON of the engine.Change; a deleted key is a removal.
func changeKey(c *engine.Change) string {
	switch c.Kind {
	case engine.ChangeRights:
		return "rights." + strconv.Itoa(int(c.Scope)) + "." + encode(c.Key) + "." + encode(c.Remote)
	case engine.ChangeChallenge:
		return "challenge." + encode(c.Key) + "." + encode(c.Remote)
	case engine.ChangeAbsent:
		return "absent." + encode(c.Contact)
	case engine.ChangeNote:
		return "note." + encode(c.Contact)
	case engine.ChangeImages:
		return "images." + encode(c.Contact)
	}
	return ""
}

// deleted reports whether a change removes its key.
func deleted(c *engine.Change) bool {
	switch c.Kind {
	case engine.ChangeRights:
		return c.Rights == nil
	case engine.ChangeChallenge:
		return c.Challenge == nil
	case engine.ChangeAbsent:
		return c.Absent == nil
	case engine.ChangeNote:
		return c.Note == nil
	case engine.ChangeImages:
		return c.Small == nil && c.Large == nil
	}
	return false
}

// changeFromDeletedKey rebuilds the removal a deleted rights or challenge
// key stands for.
func changeFromDeletedKey(key string) (engine.Change, bool) {
	parts := strings.Split(key, ".")
	switch {
	case parts[0] == "rights" && len(parts) == 4:
		scope, err := strconv.Atoi(parts[1])
		k, ok1 := decode(parts[2])
		r, ok2 := decode(parts[3])
		return engine.Change{Kind: engine.ChangeRights, Scope: engine.Scope(scope), Key: k, Remote: r}, err == nil && ok1 && ok2
	case parts[0] == "challenge" && len(parts) == 3:
		k, ok1 := decode(parts[1])
		r, ok2 := decode(parts[2])
		return engine.Change{Kind: engine.ChangeChallenge, Key: k, Remote: r}, ok1 && ok2
	}
	return engine.Change{}, false
}

// persister makes user-set changes durable in the state bucket: Persist
// returns when JetStream has acknowledged every write (stored on its
// replicas), so the engine acknowledges a change only after that.
type persister struct{ n *Node }

func (p persister) Persist(changes ...engine.Change) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.n.cfg.RequestTimeout)
	defer cancel()
	var global [2]uint64 // the last revision written of rights, of challenges
	for i := range changes {
		c := &changes[i]
		key := changeKey(c)
		if key == "" {
			return fmt.Errorf("cluster: change kind %d has no key", c.Kind)
		}
		if c.Kind == engine.ChangeRights || c.Kind == engine.ChangeChallenge {
			// Rights and challenges are put even when removed (the change
			// with a nil value): a put has a revision the other nodes can
			// be asked to have applied.
			body, err := json.Marshal(c)
			if err != nil {
				return err
			}
			rev, err := p.n.state.Put(ctx, key, body)
			if err != nil {
				return fmt.Errorf("cluster: storing %s: %w", key, err)
			}
			global[globalIndex(c.Kind)] = rev
			continue
		}
		// Recorded before the write: a rebalance that moves the contact
		// away after the write hands the write over with it.
		p.n.wrote.Store(c.Contact, struct{}{})
		if deleted(c) {
			if err := p.n.state.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
				return fmt.Errorf("cluster: deleting %s: %w", key, err)
			}
			continue
		}
		body, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if _, err := p.n.state.Put(ctx, key, body); err != nil {
			return fmt.Errorf("cluster: storing %s: %w", key, err)
		}
	}
	p.n.handOverLateWrites(changes)
	p.n.syncMembers(global)
	return nil
}

func globalIndex(k engine.ChangeKind) int {
	if k == engine.ChangeChallenge {
		return 1
	}
	return 0
}

// syncMembers returns when every other live member has applied the rights
// and challenge revisions up to global (or after RequestTimeout): a rights
// change acknowledged on one node filters the watchers that subscribe next
// on any node. Without it, a client that set rights on node A and a
// watcher that subscribed on node B right after got B's old view (855
// subscribe snapshots of the 3-node office-1k run).
func (n *Node) syncMembers(global [2]uint64) {
	if global == [2]uint64{} {
		return
	}
	body, _ := json.Marshal(global)
	var wg sync.WaitGroup
	for _, m := range n.Members() {
		if m == n.id {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = n.nc.Request(n.subject("node", m, "sync"), body, n.cfg.RequestTimeout)
		}()
	}
	wg.Wait()
}

// serveSync answers when this node has applied the revisions asked for.
func (n *Node) serveSync(msg *nats.Msg) {
	var want [2]uint64
	if json.Unmarshal(msg.Data, &want) != nil {
		return
	}
	deadline := time.After(n.cfg.RequestTimeout)
	for {
		n.appliedMu.Lock()
		ok := n.applied[0] >= want[0] && n.applied[1] >= want[1]
		wake := n.appliedWake
		n.appliedMu.Unlock()
		if ok {
			_ = msg.Respond([]byte("{}"))
			return
		}
		select {
		case <-wake:
		case <-deadline:
			_ = msg.Respond([]byte(`{"Error":"not caught up"}`))
			return
		case <-n.stop:
			return
		}
	}
}

// noteApplied records that the rights (0) or challenge (1) watcher applied
// revision rev, and wakes serveSync.
func (n *Node) noteApplied(which int, rev uint64) {
	n.appliedMu.Lock()
	if rev > n.applied[which] {
		n.applied[which] = rev
	}
	close(n.appliedWake)
	n.appliedWake = make(chan struct{})
	n.appliedMu.Unlock()
}

// watchState applies every rights and challenge change of the bucket on
// this node (its own writes come back and apply again, which is a no-op);
// it returns when the stored ones are loaded.
func (n *Node) watchState(ctx context.Context) error {
	var opts []jetstream.WatchOpt
	w, err := n.state.Watch(context.Background(), "rights.>", opts...)
	if err != nil {
		return err
	}
	cw, err := n.state.Watch(context.Background(), "challenge.>", opts...)
	if err != nil {
		return err
	}
	ready := make(chan struct{}, 2)
	follow := func(w jetstream.KeyWatcher, which int) {
		defer w.Stop() //nolint:errcheck
		for {
			select {
			case <-n.stop:
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					ready <- struct{}{}
					continue
				}
				var c engine.Change
				if e.Operation() == jetstream.KeyValuePut {
					if json.Unmarshal(e.Value(), &c) != nil {
						n.log.Warn("bad state record", "key", e.Key())
						continue
					}
				} else if c, ok = changeFromDeletedKey(e.Key()); !ok {
					continue
				}
				if err := n.engine.ApplyChange(c); err != nil && !errors.Is(err, engine.ErrUnknownContact) {
					n.log.Warn("cannot apply a stored change", "key", e.Key(), "error", err)
				}
				n.noteApplied(which, e.Revision())
			}
		}
	}
	go follow(w, 0)
	go follow(cw, 1)
	for range 2 {
		select {
		case <-ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// restore reads a newly owned contact's absent state, note and images from
// the bucket (the last acknowledged values, whichever node wrote them).
// Called with the ownership lock held.
func (n *Node) restore(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.RequestTimeout)
	defer cancel()
	for _, kind := range []engine.ChangeKind{engine.ChangeAbsent, engine.ChangeNote, engine.ChangeImages} {
		c := engine.Change{Kind: kind, Contact: id}
		e, err := n.state.Get(ctx, changeKey(&c))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			// Absent from the store: cleared (the replica may hold a value).
		} else if err != nil {
			n.log.Error("cannot restore user-set state", "contact", id, "error", err)
			continue
		} else if json.Unmarshal(e.Value(), &c) != nil {
			continue
		}
		if err := n.engine.ApplyChange(c); err != nil {
			n.log.Warn("cannot restore user-set state", "contact", id, "error", err)
		}
	}
}

// router is the engine's Router: user-set inputs of contacts owned
// elsewhere are forwarded to the owner.
type router struct{ n *Node }

func (r router) Owns(id string) bool { return r.n.Owns(id) }

func (r router) Forward(c engine.Change) error {
	if c.Kind == engine.ChangeClientLogin || c.Kind == engine.ChangeClientLogout {
		// Session ids are unique per process (connection numbers): the
		// node id keeps two nodes' sessions apart on the owner.
		c.Client = r.n.id + "/" + c.Client
	}
	body, err := json.Marshal(&c)
	if err != nil {
		return err
	}
	return r.n.forward(c.Contact, "change", body)
}

// reply is the answer to a forwarded input.
type reply struct {
	Error string `json:",omitempty"`
	Kind  string `json:",omitempty"` // "unknown", "invalid", "notowner", "notdurable"
	// At is, for an applied event of a forwarded batch, the owner's engine
	// time it was applied at (Unix ns; ApplyEvents' times).
	At int64 `json:",omitempty"`
}

func replyOf(err error) []byte {
	if err == nil {
		return []byte("{}")
	}
	r := reply{Error: err.Error()}
	switch {
	case errors.Is(err, ErrNotOwner):
		r.Kind = "notowner"
	case errors.Is(err, engine.ErrUnknownContact):
		r.Kind = "unknown"
	case errors.Is(err, engine.ErrInvalid):
		r.Kind = "invalid"
	case errors.Is(err, engine.ErrNotDurable):
		r.Kind = "notdurable"
	}
	b, _ := json.Marshal(&r)
	return b
}

func errorOf(r reply) error {
	switch r.Kind {
	case "":
		if r.Error == "" {
			return nil
		}
		return errors.New(r.Error)
	case "notowner":
		return ErrNotOwner
	case "unknown":
		return engine.ErrUnknownContact
	case "invalid":
		return fmt.Errorf("%w: %s", engine.ErrInvalid, strings.TrimPrefix(r.Error, engine.ErrInvalid.Error()+": "))
	case "notdurable":
		return fmt.Errorf("%w: %s", engine.ErrNotDurable, r.Error)
	}
	return errors.New(r.Error)
}

// forward sends an input of contact id to its owner ("apply" for a source
// event, "change" for a user-set change) and retries while ownership
// moves: no responder (the owner died), a timeout, or "not the owner".
// If the owner became this node meanwhile, apply runs here.
func (n *Node) forward(id, kind string, body []byte) error {
	deadline := time.Now().Add(n.cfg.ForwardDeadline)
	for attempt := 0; ; attempt++ {
		owner := n.Owner(id)
		var err error
		if owner == n.id {
			err = n.applyLocal(kind, body)
		} else {
			n.stats.Forwarded.Add(1)
			var msg *nats.Msg
			msg, err = n.nc.Request(n.subject("node", owner, kind), body, n.cfg.RequestTimeout)
			if err == nil {
				var r reply
				if json.Unmarshal(msg.Data, &r) != nil {
					return errors.New("cluster: bad reply from " + owner)
				}
				err = errorOf(r)
			}
		}
		retry := errors.Is(err, ErrNotOwner) || errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrTimeout)
		if !retry || time.Now().After(deadline) {
			return err
		}
		n.stats.ForwardRetries.Add(1)
		select {
		case <-n.stop:
			return err
		case <-time.After(n.cfg.Heartbeat / 4):
		}
	}
}

// applyLocal applies a forwarded input as owner, under the ownership read
// lock so that a concurrent rebalance cannot move the contact meanwhile.
func (n *Node) applyLocal(kind string, body []byte) error {
	n.ownership.RLock()
	defer n.ownership.RUnlock()
	switch kind {
	case "change":
		var c engine.Change
		if err := json.Unmarshal(body, &c); err != nil {
			return fmt.Errorf("%w: %v", engine.ErrInvalid, err)
		}
		if !n.Owns(c.Contact) {
			return ErrNotOwner
		}
		return n.engine.ApplyForwarded(c)
	case "apply":
		var ev ingest.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return fmt.Errorf("%w: %v", engine.ErrInvalid, err)
		}
		return n.applyEventOwned(&ev)
	}
	return engine.ErrInvalid
}

// applyEventOwned applies a source event as its owner. Caller holds the
// ownership read lock.
func (n *Node) applyEventOwned(ev *ingest.Event) error {
	owns := n.Owns(ev.Contact)
	if !owns && ev.Op != ingest.OpPutContact {
		return ErrNotOwner
	}
	err := ingest.Apply(n.engine, ev)
	if err == nil && owns && ev.Op == ingest.OpPutContact {
		// A contact created after the last rebalance starts at version 1
		// here and on every replica, which may have counted local changes
		// (rights) above the owner's first versions and then refused them
		// as stale: the owner's versions start above any replica's.
		_ = n.engine.RebaseVersion(ev.Contact, uint64(time.Now().UnixMilli())<<20)
	}
	return err
}

func (n *Node) serveApply(msg *nats.Msg) {
	n.stats.Served.Add(1)
	_ = msg.Respond(replyOf(n.applyLocal("apply", msg.Data)))
}

func (n *Node) serveChange(msg *nats.Msg) {
	n.stats.Served.Add(1)
	_ = msg.Respond(replyOf(n.applyLocal("change", msg.Data)))
}

// ApplyEvent applies a source event on the contact's owner (here, or
// forwarded over NATS) and returns when the owner has applied it: the
// ingest handler's Route. Directory changes (putContact, removeContact)
// also reach every other node, which must know every contact to hold
// replicas of it.
func (n *Node) ApplyEvent(ev *ingest.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if ev.Op == ingest.OpPutContact || ev.Op == ingest.OpRemoveContact {
		defer func() { _ = n.nc.Publish(n.subject("directory"), body) }()
	}
	if ev.Op == ingest.OpPutContact {
		if _, known := n.engine.Snapshot(ev.Contact); !known {
			// A new contact has no owner state yet: add it here first so
			// the owner (which may be this node) and Owns agree it exists.
			if err := ingest.Apply(n.engine, ev); err != nil {
				return err
			}
		}
	}
	return n.forward(ev.Contact, "apply", body)
}

// serveDirectory applies another node's directory change locally: a new
// contact is added (its state then comes from its owner), a removed one
// removed. Changes of existing contacts come from the owner's snapshots.
func (n *Node) serveDirectory(msg *nats.Msg) {
	var ev ingest.Event
	if json.Unmarshal(msg.Data, &ev) != nil {
		return
	}
	switch ev.Op {
	case ingest.OpPutContact:
		if _, known := n.engine.Snapshot(ev.Contact); !known {
			_ = ingest.Apply(n.engine, &ev)
		}
	case ingest.OpRemoveContact:
		_ = n.engine.RemoveContact(ev.Contact)
	}
}
