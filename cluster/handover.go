package cluster

import (
	"encoding/json"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ucpresence/presence/engine"
)

// A membership flap moves contacts away from their owner and back while
// the owner itself may notice nothing: its lease ran out at the others (a
// heartbeat delayed under load), or another node's view of membership was
// late. Meanwhile a temporary owner applied inputs, made user-set changes
// durable, and published versions above the owner's. When the temporary
// owner's view moves the contacts on, it hands each one over to the owner
// of its new view: the owner continues above the temporary owner's
// versions, reads back the user-set state the temporary owner wrote, and
// publishes, so every replica (also one that never saw the flap but got
// the temporary owner's publications on the shared contact subject) ends
// at the owner's state and an acknowledged change is not lost. Without it
// the owner kept its old note (TestFlapKeepsWritesAndConverges) and its
// replicas refused its versions until a replica asked it to rebase.

// handover is one contact a node stopped owning, as it tells the new
// owner.
type handover struct {
	Contact string
	// Version is the contact's version when this node stopped owning it:
	// every version it published is at most this.
	Version uint64
	// Wrote: this node made a user-set change of the contact (absent
	// state, note, images) durable while it owned it; the new owner reads
	// them back.
	Wrote bool `json:",omitempty"`
	// Shared: another node was interested in the contact here, so this
	// node may have published versions that replicas hold.
	Shared bool `json:",omitempty"`
}

// handoverChunk bounds the contacts of one handover request (about 100
// bytes each).
const handoverChunk = 1000

// sendHandovers tells the owners of the contacts in list (in this node's
// current view) what this node did as their owner, and retries those an
// owner refused (its view of membership differs for a moment) or did not
// answer, for up to ForwardDeadline.
func (n *Node) sendHandovers(list []handover) {
	deadline := time.Now().Add(n.cfg.ForwardDeadline)
	left := n.askHandover(list)
	for len(left) > 0 && time.Now().Before(deadline) {
		select {
		case <-n.stop:
			return
		case <-time.After(n.cfg.Heartbeat / 4):
		}
		left = n.askHandover(left)
	}
	if len(left) > 0 {
		n.log.Warn("owners did not take over contacts", "contacts", len(left))
	}
}

// askHandover sends one round of handover requests and returns the ones to
// send again. A contact this node owns again is dropped: its own rebalance
// restored and rebased it.
func (n *Node) askHandover(list []handover) (retry []handover) {
	byOwner := map[string][]handover{}
	members := n.view.Load().members
	for _, h := range list {
		if o := OwnerOf(members, h.Contact); o != n.id {
			byOwner[o] = append(byOwner[o], h)
		}
	}
	for owner, all := range byOwner {
		for len(all) > 0 {
			part := all[:min(len(all), handoverChunk)]
			all = all[len(part):]
			body, _ := json.Marshal(part)
			msg, err := n.nc.Request(n.subject("node", owner, "handover"), body, n.cfg.RequestTimeout)
			if err != nil {
				retry = append(retry, part...)
				continue
			}
			var refused []string
			if json.Unmarshal(msg.Data, &refused) != nil {
				retry = append(retry, part...)
				continue
			}
			if len(refused) > 0 {
				again := map[string]bool{}
				for _, id := range refused {
					again[id] = true
				}
				for _, h := range part {
					if again[h.Contact] {
						retry = append(retry, h)
					}
				}
			}
		}
	}
	return retry
}

// serveHandover takes over contacts another node stopped owning: each one
// this node owns continues above the other node's version (and above
// this millisecond's base, as a new owner does, which also passes any
// other temporary owner whose handover is lost), gets its user-set state
// read back if the other node wrote some, and is published if anything
// changed or some node may hold the other node's versions. It answers the
// ids this node does not own.
func (n *Node) serveHandover(msg *nats.Msg) {
	var list []handover
	if json.Unmarshal(msg.Data, &list) != nil {
		return
	}
	var refused []string
	base := uint64(time.Now().UnixMilli()) << 20
	n.ownership.RLock()
	for _, h := range list {
		if !n.Owns(h.Contact) {
			refused = append(refused, h.Contact)
			continue
		}
		s, ok := n.engine.Snapshot(h.Contact)
		if !ok {
			continue // removed meanwhile
		}
		changed := false
		if s.Version <= h.Version {
			_ = n.engine.RebaseVersion(h.Contact, max(h.Version+1, base))
			changed = true
		}
		if h.Wrote {
			n.restore(h.Contact)
			changed = true
		}
		if changed || h.Shared {
			n.markDirty(h.Contact)
		}
	}
	n.ownership.RUnlock()
	body, _ := json.Marshal(refused)
	_ = msg.Respond(body)
}

// handOverLateWrites hands over the contacts of changes (just made durable
// as their owner) that this node no longer owns: the contact moved away
// while the write was under way (a local input does not hold the
// ownership lock), and the new owner may have read the state back before
// the write.
func (n *Node) handOverLateWrites(changes []engine.Change) {
	var late []handover
	for i := range changes {
		c := &changes[i]
		if c.Kind == engine.ChangeRights || c.Kind == engine.ChangeChallenge || n.Owns(c.Contact) {
			continue
		}
		if s, ok := n.engine.Snapshot(c.Contact); ok {
			late = append(late, handover{Contact: c.Contact, Version: s.Version, Wrote: true})
		}
	}
	if len(late) > 0 {
		n.sendHandovers(late) // before the write is acknowledged
	}
}
