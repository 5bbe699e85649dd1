package cluster

import (
	"context"
	"encoding/base64"
	"hash/fnv"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// encode makes a contact id a single subject token or key token: base64url
// has no '.', '*', '>' or space; the "k" keeps an empty id a valid token.
func encode(id string) string { return "k" + base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decode(token string) (string, bool) {
	if len(token) == 0 || token[0] != 'k' {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(token[1:])
	return string(b), err == nil
}

// OwnerOf returns the owner of contact id among members (the live node
// ids), the placement every node computes. It is rendezvous (highest
// random weight) hashing: the member with
// the highest hash of (member, contact) owns the contact. When a member
// leaves, only its contacts move (1/N of them), each to the member that
// ranks second for it; every node computes the same owner from the same
// member list, with no shared ring to keep.
func OwnerOf(members []string, id string) string {
	var best string
	var bestScore uint64
	for _, m := range members {
		h := fnv.New64a()
		h.Write([]byte(m))
		h.Write([]byte{0})
		h.Write([]byte(id))
		score := mix(h.Sum64())
		if best == "" || score > bestScore {
			best, bestScore = m, score
		}
	}
	return best
}

// mix is the splitmix64 finaliser: FNV's low bits alone rank poorly.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// heartbeat renews the membership key and re-evaluates the live set.
func (n *Node) heartbeat() {
	defer n.done.Done()
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if n.heartbeatPaused.Load() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.Heartbeat)
		if _, err := n.member.Put(ctx, n.id, []byte(n.id)); err != nil {
			n.log.Warn("heartbeat failed", "error", err)
		}
		cancel()
		if n.liveChanged() {
			n.wakeRebalance()
		}
	}
}

// rebalancer applies membership changes, apart from the heartbeat and the
// membership watch: a rebalance of thousands of contacts (three reads from
// the state bucket for each gained one, under the ownership lock) outlasted
// a 700 ms lease under -race, and while it ran on their goroutines the
// heartbeat did not renew (the others re-owned this node's contacts) and
// the watch did not record the others' heartbeats (this node then found
// them expired): both made membership flaps.
func (n *Node) rebalancer() {
	defer n.done.Done()
	for {
		select {
		case <-n.stop:
			return
		case <-n.rebalanceWake:
		}
		n.rebalance()
	}
}

// wakeRebalance asks the rebalancer for a rebalance; requests made while
// one runs fold into the next (it reads the membership when it starts).
func (n *Node) wakeRebalance() {
	select {
	case n.rebalanceWake <- struct{}{}:
	default:
	}
}

// watchMembers follows the membership bucket: each heartbeat stamps its
// member with the time the NATS server stored it (one clock for all).
func (n *Node) watchMembers(ctx context.Context) error {
	w, err := n.member.WatchAll(context.Background())
	if err != nil {
		return err
	}
	initial := make(chan struct{})
	go func() {
		defer w.Stop() //nolint:errcheck
		first := true
		for {
			select {
			case <-n.stop:
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil {
					if first {
						first = false
						close(initial)
					}
					continue
				}
				n.seenMu.Lock()
				if e.Operation() == jetstream.KeyValuePut {
					n.seen[e.Key()] = e.Created()
				} else {
					delete(n.seen, e.Key())
				}
				n.seenMu.Unlock()
				if !first && n.liveChanged() {
					n.wakeRebalance()
				}
			}
		}
	}()
	select {
	case <-initial:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// live returns the members whose lease has not run out, sorted; this node
// is always one of them while it runs.
func (n *Node) live() []string {
	now := time.Now()
	n.seenMu.Lock()
	out := []string{n.id}
	for id, at := range n.seen {
		if id != n.id && now.Sub(at) < n.cfg.Lease {
			out = append(out, id)
		}
	}
	n.seenMu.Unlock()
	slices.Sort(out)
	return out
}

func (n *Node) liveChanged() bool {
	v := n.view.Load()
	return v == nil || !slices.Equal(v.members, n.live())
}

// rebalance applies a new membership view: contacts this node now owns are
// restored from the state bucket and their versions rebased above any
// earlier owner's; the contacts local watchers are interested in are asked
// for at their (new) owners.
func (n *Node) rebalance() {
	n.ownership.Lock()
	members := n.live()
	if v := n.view.Load(); v != nil && slices.Equal(v.members, members) {
		n.ownership.Unlock()
		return
	}
	n.view.Store(&view{members: members, at: time.Now()})
	n.stats.Rebalances.Add(1)
	// The new owner's versions start above every version an earlier owner
	// published: the millisecond clock shifted by 20 bits leaves room for a
	// million versions per contact per millisecond between two ownership
	// changes (the clocks of the nodes must agree within the lease).
	base := uint64(time.Now().UnixMilli()) << 20
	var gained []string
	owned := map[string]bool{}
	n.engine.Range(func(id string) bool {
		if OwnerOf(members, id) == n.id {
			owned[id] = true
			if !n.owned[id] {
				gained = append(gained, id)
			}
		}
		return true
	})
	var lost []handover
	for id := range n.owned {
		if !owned[id] {
			// The new owner hears of the interest from the replicas, and
			// of what this node did as owner from the handover. The
			// interest stays recorded here (interest is sticky: the
			// replicas stay subscribed): if the contact comes back while
			// a replica's view did not change (it does not ask again),
			// the rebalance below publishes to it.
			_, shared := n.remote.Load(id)
			_, wrote := n.wrote.LoadAndDelete(id)
			if s, ok := n.engine.Snapshot(id); ok {
				lost = append(lost, handover{Contact: id, Version: s.Version, Wrote: wrote, Shared: shared})
			}
		}
	}
	n.owned = owned
	for _, id := range gained {
		n.wrote.Delete(id) // the restore below reads every earlier write
		_ = n.engine.RebaseVersion(id, base)
		n.restore(id)
		if _, ok := n.remote.Load(id); ok {
			n.markDirty(id)
		}
	}
	n.stats.Gained.Add(uint64(len(gained)))
	n.ownership.Unlock()
	n.log.Info("membership changed", "members", members, "gained", len(gained), "owned", len(owned))
	// Outside the lock: hand over what this node no longer owns, subscribe
	// to what moved away, then ask the owners of what local watchers
	// watch.
	if len(lost) > 0 {
		// In the background: a new owner busy with its own rebalance
		// answers late, and this node's replicas should not wait for it.
		go n.sendHandovers(lost)
	}
	n.subscribeMoved()
	var ids []string
	n.interest.Range(func(id string, _ *natsSub) bool {
		ids = append(ids, id)
		return true
	})
	n.requestInterest(ids)
	n.rebalanced.Add(1)
}
