package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
)

// ApplyEvents applies a batch of source events on their owners and returns
// one error per event (nil: applied), when every owner has applied its
// part: the ingest handler's RouteBatch. The events of each owner travel
// in one request ("presence.node.<id>.batch"), in batch order, and the
// owners work in parallel: a 1,000-event batch over 3 nodes costs two
// round trips instead of 667 (ApplyEvent, one per event). A contact's
// events keep their order, since they all go to its one owner. Directory
// changes (putContact, removeContact) are applied one at a time at their
// place in the batch, after the events before them.
//
// times, when not nil (len(evs)), receives for each applied event the
// engine time its owner applied it at (engine.InputTime on the owner; 0
// when unknown, e.g. a directory change): the ingest answer's times=1,
// which the simulator's exact oracle orders against calendar boundaries.
func (n *Node) ApplyEvents(evs []ingest.Event, times []int64) []error {
	errs := make([]error, len(evs))
	if times != nil {
		times = times[:len(evs)]
		clear(times)
	}
	start := 0
	for i := range evs {
		if evs[i].Op == ingest.OpPutContact || evs[i].Op == ingest.OpRemoveContact {
			n.applySegment(evs[start:i], errs[start:i], sub(times, start, i))
			errs[i] = n.ApplyEvent(&evs[i])
			start = i + 1
		}
	}
	n.applySegment(evs[start:], errs[start:], sub(times, start, len(evs)))
	return errs
}

// sub is times[i:j], or nil when times is nil.
func sub(times []int64, i, j int) []int64 {
	if times == nil {
		return nil
	}
	return times[i:j]
}

// applySegment applies events without directory changes: grouped by
// owner, each group in one request, the groups in parallel.
func (n *Node) applySegment(evs []ingest.Event, errs []error, times []int64) {
	if len(evs) == 0 {
		return
	}
	pending := make([]int, len(evs))
	for i := range pending {
		pending[i] = i
	}
	deadline := time.Now().Add(n.cfg.ForwardDeadline)
	for attempt := 0; len(pending) > 0; attempt++ {
		members := n.view.Load().members
		groups := map[string][]int{}
		for _, i := range pending {
			o := OwnerOf(members, evs[i].Contact)
			groups[o] = append(groups[o], i)
		}
		var mu sync.Mutex
		var retry []int
		var wg sync.WaitGroup
		for owner, idx := range groups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var again []int
				if owner == n.id {
					n.ownership.RLock()
					for _, i := range idx {
						err := n.applyEventOwned(&evs[i])
						if errors.Is(err, ErrNotOwner) {
							again = append(again, i)
						}
						errs[i] = err
						if err == nil && times != nil {
							times[i] = n.engine.InputTime(evs[i].Contact).UnixNano()
						}
					}
					n.ownership.RUnlock()
				} else {
					again = n.sendBatch(owner, evs, idx, errs, times)
				}
				mu.Lock()
				retry = append(retry, again...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(retry) == 0 || time.Now().After(deadline) {
			return
		}
		n.stats.ForwardRetries.Add(uint64(len(retry)))
		select {
		case <-n.stop:
			return
		case <-time.After(n.cfg.Heartbeat / 4):
		}
		slices.Sort(retry) // keep batch order within a contact
		pending = retry
	}
}

// sendBatch sends the events idx of evs to owner, in order, in as few
// requests as NATS's message limit allows (a request body stays under half
// the server's max_payload: 700 line events of about 1.5 KB each were
// "maximum payload exceeded" at the default 1 MB), and returns the ones to
// retry (no responder, timeout, not the owner).
func (n *Node) sendBatch(owner string, evs []ingest.Event, idx []int, errs []error, times []int64) []int {
	limit := int(n.nc.MaxPayload() / 2)
	if limit <= 0 {
		limit = 512 << 10
	}
	var retry []int
	var unencodable map[int]error
	body := []byte{'['}
	first := 0
	for k, i := range idx {
		one, err := json.Marshal(&evs[i])
		if err != nil {
			if unencodable == nil {
				unencodable = map[int]error{}
			}
			unencodable[i] = err
			one = []byte("null") // the owner answers it as invalid; keeps the positions
		}
		if k > first && len(body)+len(one)+2 > limit {
			retry = append(retry, n.sendBatchRequest(owner, append(body, ']'), idx[first:k], unencodable, errs, times)...)
			body, first = body[:1], k
		}
		if k > first {
			body = append(body, ',')
		}
		body = append(body, one...)
	}
	return append(retry, n.sendBatchRequest(owner, append(body, ']'), idx[first:], unencodable, errs, times)...)
}

// sendBatchRequest sends one request of events (body: their JSON array)
// to owner and records the replies; unencodable are the events sent as
// null, with their encoding errors.
func (n *Node) sendBatchRequest(owner string, body []byte, idx []int, unencodable map[int]error, errs []error, times []int64) []int {
	n.stats.Forwarded.Add(1)
	n.stats.ForwardedEvents.Add(uint64(len(idx)))
	msg, err := n.nc.Request(n.subject("node", owner, "batch"), body, n.cfg.RequestTimeout)
	if err != nil {
		for _, i := range idx {
			errs[i] = err
		}
		if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrTimeout) {
			return idx
		}
		return nil
	}
	var replies []reply
	if json.Unmarshal(msg.Data, &replies) != nil || len(replies) != len(idx) {
		for _, i := range idx {
			errs[i] = errors.New("cluster: bad batch reply from " + owner)
		}
		return nil
	}
	var retry []int
	for k, i := range idx {
		errs[i] = errorOf(replies[k])
		if err, ok := unencodable[i]; ok {
			errs[i] = err
			continue
		}
		if errors.Is(errs[i], ErrNotOwner) {
			retry = append(retry, i)
		}
		if errs[i] == nil && times != nil {
			times[i] = replies[k].At
		}
	}
	return retry
}

// serveBatch applies another node's batch of events as their owner, in
// order, and answers one reply per event.
func (n *Node) serveBatch(msg *nats.Msg) {
	n.stats.Served.Add(1)
	var list []json.RawMessage
	if err := json.Unmarshal(msg.Data, &list); err != nil {
		_ = msg.Respond([]byte("[]"))
		return
	}
	replies := make([]json.RawMessage, len(list))
	for k, raw := range list {
		replies[k] = n.applyBatchEvent(raw)
	}
	body, _ := json.Marshal(replies)
	_ = msg.Respond(body)
}

// applyBatchEvent applies one event of a forwarded batch as its owner and
// answers its reply, with the engine time it was applied at.
func (n *Node) applyBatchEvent(raw json.RawMessage) []byte {
	var ev ingest.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return replyOf(fmt.Errorf("%w: %v", engine.ErrInvalid, err))
	}
	n.ownership.RLock()
	err := n.applyEventOwned(&ev)
	n.ownership.RUnlock()
	if err != nil {
		return replyOf(err)
	}
	b, _ := json.Marshal(&reply{At: n.engine.InputTime(ev.Contact).UnixNano()})
	return b
}
