package engine

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// CallAction tells a watcher what happened to a call since it last looked
// (AsnPresenceAction: 0 added, 1 changed, 2 removed).
type CallAction uint8

// Call actions.
const (
	CallAdded   CallAction = 0
	CallChanged CallAction = 1
	CallRemoved CallAction = 2
)

// CallChange is one call in an update, with what happened to it from this
// watcher's point of view.
type CallChange struct {
	Action CallAction
	Call   *Call
}

// Update is what a watcher receives for one contact: the sections that
// changed since its last pull (restricted to what it subscribed to and may
// see), read from Snapshot, which is already filtered for the watcher.
//
// Updates returned by Pull share memory with the watcher (Calls) and stay
// valid until the next Pull or Subscribe on the same watcher; Snapshot stays
// valid forever.
type Update struct {
	ContactID string
	Changed   Section
	Removed   bool // the contact left the directory; no other field is set
	Snapshot  *Snapshot
	// Calls lists, when Changed has SectionCalls, the calls added, changed
	// or removed for this watcher. In a subscribe result every visible call
	// is "added".
	Calls []CallChange
	// CurrentRights is, when Changed has SectionConfig and the watcher has
	// a user, the asnCurrentUserDynamicRights section the user sees on the
	// contact, computed when the update is made (encoders do not ask the
	// engine back per update).
	CurrentRights *CurrentRights
}

// SubscribeOptions are the options of a subscription request.
type SubscribeOptions struct {
	// Events is the set of sections to receive updates for
	// (iEventFlagsToSubscribe). Zero means SectionsDefault.
	Events Section
	// Return is the set of sections to return in the snapshot
	// (iContactDetailsReturnFilter). Zero means every section.
	Return Section
	// DontRequestPermissions suppresses the rights challenge.
	DontRequestPermissions bool
}

// WatcherConfig configures a watcher.
type WatcherConfig struct {
	// User is the contact id of the watching user; rights are evaluated for
	// it. Empty means a trusted system watcher that sees everything.
	User string
	// Notify, when set, is called (instead of a send on Ready) each time the
	// watcher goes from nothing pending to something pending. It runs on the
	// goroutine of the source update and must not block: a connection writer
	// uses it to share one wake-up channel between its watchers and its
	// response queue.
	Notify func()
}

// Watcher is one consumer of updates: in the server, one client
// connection. Subscribe, Unsubscribe, Pull and Close may be called from
// different goroutines; Pull is meant for one goroutine at a time (the
// connection writer).
type Watcher struct {
	engine *Engine
	user   string
	ready  chan struct{}
	notify func()

	// dirty is the head of a lock-free stack of subscriptions with pending
	// changes (Treiber stack; only pushes and pop-all, so no ABA).
	dirty atomic.Pointer[subscription]

	mu sync.Mutex // guards the fields below
	// subs is sorted by (contact hash, contact id) for binary search; 8
	// bytes per subscription.
	subs   []*subscription
	seen   map[*subscription][]*Call // calls this watcher has seen, per subscription
	calls  []CallChange              // backing store of Update.Calls
	closed bool
}

// NewWatcher returns a watcher with no subscriptions.
func (e *Engine) NewWatcher(cfg WatcherConfig) *Watcher {
	e.watchers.Inc()
	w := &Watcher{engine: e, user: cfg.User, ready: make(chan struct{}, 1), notify: cfg.Notify}
	if w.user != "" {
		e.watchersByUser.Compute(w.user, func(old []*Watcher, _ bool) ([]*Watcher, bool) {
			return append(old[:len(old):len(old)], w), false
		})
	}
	return w
}

// User returns the watcher's user id.
func (w *Watcher) User() string { return w.user }

// Ready returns a channel that receives a value when the watcher goes from
// nothing pending to something pending. A writer loops: wait on Ready, Pull,
// write.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// push puts s on the dirty stack; called by mark when s.pending leaves
// zero. The watcher is woken at once, or, with a batch, when the batch is
// flushed.
func (w *Watcher) push(s *subscription, batch *wakeBatch) {
	for {
		head := w.dirty.Load()
		s.next = head
		if w.dirty.CompareAndSwap(head, s) {
			if head == nil {
				if batch != nil {
					batch.watchers = append(batch.watchers, w)
				} else {
					w.wake()
				}
			}
			return
		}
	}
}

// wake tells the watcher's consumer that something is pending.
func (w *Watcher) wake() {
	if w.notify != nil {
		w.notify()
		return
	}
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

// wakeBatch defers the wake-ups of a run of updates (a calendar boundary
// shared by thousands of contacts) so that each watcher's consumer wakes
// once for all of them and writes them together, instead of waking, pulling
// and writing after every contact while the run goes on.
type wakeBatch struct {
	watchers []*Watcher
	started  time.Time
}

// wakeBatchAge is how long a batch defers wake-ups at most: the first
// update of a run waits no longer than this for its watchers to wake.
const wakeBatchAge = 500 * time.Microsecond

// begin notes the time before an update: when the batch is empty, the
// update may start it.
func (b *wakeBatch) begin(now time.Time) {
	if len(b.watchers) == 0 {
		b.started = now
	}
}

// due reports whether the batch has waited long enough to be flushed.
func (b *wakeBatch) due(now time.Time) bool {
	return len(b.watchers) > 0 && now.Sub(b.started) >= wakeBatchAge
}

// flush wakes every watcher queued since the last flush.
func (b *wakeBatch) flush() {
	for i, w := range b.watchers {
		w.wake()
		b.watchers[i] = nil
	}
	b.watchers = b.watchers[:0]
}

// Pending reports whether a Pull would return something (it may return an
// empty result if the pending changes are invisible to the watcher).
func (w *Watcher) Pending() bool { return w.dirty.Load() != nil }

func less(a *contact, hash uint64, id string) bool {
	if a.hash != hash {
		return a.hash < hash
	}
	return a.id < id
}

// find returns the index of the subscription to c in w.subs, or the insert
// position and false. A subscription to an earlier contact with the same id
// (removed from the directory, its removal not yet pulled) is dropped: the
// new subscription's snapshot supersedes the removal. Caller holds w.mu.
func (w *Watcher) find(c *contact) (int, bool) {
	i := sort.Search(len(w.subs), func(i int) bool { return !less(w.subs[i].contact, c.hash, c.id) })
	for i < len(w.subs) && w.subs[i].contact.id == c.id {
		if w.subs[i].contact == c {
			return i, true
		}
		stale := w.subs[i]
		w.subs = append(w.subs[:i], w.subs[i+1:]...)
		w.engine.subscriptions.Add(-1)
		w.kill(stale)
	}
	return i, false
}

// Subscribe subscribes to the given contacts and appends a snapshot of each
// to dst, in the order of ids. Unknown contacts are returned in missing.
// Subscribing again to a contact replaces its event flags and returns a
// fresh snapshot (its calls all "added" again, as for a new subscriber).
// When a rights challenge cannot be made durable, the subscriptions stand,
// the snapshots are returned and so is the first such error (wrapping
// ErrNotDurable): the caller reports it, and subscribing again retries the
// challenge.
func (w *Watcher) Subscribe(ids []string, opts SubscribeOptions, dst []Update) (result []Update, missing []string, err error) {
	events := opts.Events
	if events == 0 {
		events = SectionsDefault
	}
	ret := opts.Return
	if ret == 0 {
		ret = SectionsContact
	}
	e := w.engine
	e.subscribing(ids) // a cluster brings replicas up to date (before w.mu: it may wait)
	w.mu.Lock()
	locked := true
	defer func() {
		if locked {
			w.mu.Unlock()
		}
	}()
	if w.closed {
		return dst, nil, ErrClosed
	}
	// Subscribe results get their own call buffer: the writer may still be
	// encoding the Calls of the last Pull.
	var calls []CallChange
	var added []*subscription
	var challenge []*contact
	var addedBy map[*contact]*subscription // subscriptions new in this call (only for len(ids) > 1)
	var block []subscription               // new subscriptions are carved from one allocation
	for k, id := range ids {
		c := e.lookup(id)
		if c == nil {
			missing = append(missing, id)
			continue
		}
		vis := e.visibilityOf(w.user, c)
		word := packWord(events, vis)
		i, ok := w.find(c)
		var s *subscription
		if ok {
			s = w.subs[i]
			s.word.Store(word)
		} else if s, ok = addedBy[c]; ok {
			s.word.Store(word)
		} else {
			if len(block) == 0 {
				block = make([]subscription, len(ids)-k)
			}
			s = &block[0]
			block = block[1:]
			s.watcher, s.contact = w, c
			s.word.Store(word)
		}
		c.mu.Lock()
		if c.removed {
			c.mu.Unlock()
			missing = append(missing, id)
			continue
		}
		if !ok {
			c.addSubscription(s)
			added = append(added, s)
			if len(ids) > 1 {
				if addedBy == nil {
					addedBy = make(map[*contact]*subscription)
				}
				addedBy[c] = s
			}
		}
		snap := c.snap.Load()
		c.mu.Unlock()
		if !opts.DontRequestPermissions && w.user != "" && w.user != c.id {
			challenge = append(challenge, c) // after w.mu is released: it may wait for an fsync
		}
		view := snap.View(vis)
		s.delivered = packDelivered(snap.Version, vis) // marks pending from before now find this version delivered
		u := Update{ContactID: c.id, Changed: ret & vis.Sections(), Snapshot: view}
		delete(w.seen, s) // a snapshot restarts call tracking for this watcher
		if u.Changed&SectionCalls != 0 {
			u.Calls = w.diffCalls(&calls, s, view.Calls)
		}
		u.CurrentRights = w.currentRights(c.id, u.Changed)
		dst = append(dst, u)
	}
	if len(added) > 0 {
		w.insert(added)
		e.subscriptions.Add(int64(len(added)))
	}
	w.mu.Unlock()
	locked = false
	var challengeErr error
	for _, c := range challenge {
		if err := e.maybeChallenge(w.user, c); err != nil && challengeErr == nil {
			challengeErr = err
		}
	}
	return dst, missing, challengeErr
}

// insert merges new subscriptions into the sorted w.subs. Caller holds w.mu.
func (w *Watcher) insert(added []*subscription) {
	sort.Slice(added, func(i, j int) bool { return less(added[i].contact, added[j].contact.hash, added[j].contact.id) })
	merged := make([]*subscription, 0, len(w.subs)+len(added))
	i, j := 0, 0
	for i < len(w.subs) && j < len(added) {
		if less(w.subs[i].contact, added[j].contact.hash, added[j].contact.id) {
			merged = append(merged, w.subs[i])
			i++
		} else {
			merged = append(merged, added[j])
			j++
		}
	}
	merged = append(merged, w.subs[i:]...)
	merged = append(merged, added[j:]...)
	w.subs = merged
}

// Unsubscribe ends the subscriptions to the given contacts. Unknown or not
// subscribed ids are ignored. Pending changes of those contacts are dropped.
func (w *Watcher) Unsubscribe(ids []string) {
	e := w.engine
	w.mu.Lock()
	defer w.mu.Unlock()
	removed := 0
	for _, id := range ids {
		c := e.lookup(id)
		if c == nil {
			continue
		}
		i, ok := w.find(c)
		if !ok {
			continue
		}
		s := w.subs[i]
		w.subs = append(w.subs[:i], w.subs[i+1:]...)
		w.kill(s)
		removed++
	}
	e.subscriptions.Add(-int64(removed))
}

// kill marks s dead and detaches it from its contact. The dead bit is set
// under the contact's lock so that the contact's live count and the dead bits
// in its array always agree. Caller holds w.mu.
func (w *Watcher) kill(s *subscription) {
	delete(w.seen, s)
	c := s.contact
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		old := s.word.Load()
		if old&deadBit != 0 {
			return
		}
		if s.word.CompareAndSwap(old, old|deadBit) {
			break
		}
	}
	c.removeSubscription()
}

// Close ends every subscription of the watcher. Further Subscribe calls fail.
func (w *Watcher) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	for _, s := range w.subs {
		w.kill(s)
	}
	w.engine.subscriptions.Add(-int64(len(w.subs)))
	w.subs = nil
	w.seen = nil
	w.engine.watchers.Dec()
	if w.user != "" {
		w.engine.watchersByUser.Compute(w.user, func(old []*Watcher, _ bool) ([]*Watcher, bool) {
			i := slices.Index(old, w)
			if i < 0 {
				return old, len(old) == 0
			}
			next := slices.Delete(slices.Clone(old), i, i+1)
			return next, len(next) == 0
		})
	}
}

// subscriptionsSnapshot returns a copy of the watcher's subscriptions.
func (w *Watcher) subscriptionsSnapshot() []*subscription {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.subs)
}

// Subscriptions returns the number of contacts the watcher is subscribed to.
func (w *Watcher) Subscriptions() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.subs)
}

// Pull appends one Update per contact that changed since the last pull to
// dst and returns it. It never blocks on the engine: it detaches the whole
// dirty stack with one atomic swap and reads the latest snapshots.
func (w *Watcher) Pull(dst []Update) []Update {
	head := w.dirty.Swap(nil)
	if head == nil {
		return dst
	}
	w.mu.Lock()
	w.calls = w.calls[:0]
	start := len(dst)
	for s := head; s != nil; {
		next := s.next // read before pending is cleared: a pusher may reuse next
		// Clear pending, then read the latest version. A version published
		// after this load is marked after the swap, which pushes the
		// subscription again for the next pull; one published before it is
		// delivered now, and its marks, if they land later, find it
		// delivered. pending must be cleared exactly once here: a second
		// swap could clear a mark that has already pushed the subscription
		// again (a cycle in the stack).
		pending := Section(s.pending.Swap(0))
		snap := s.contact.snap.Load()
		word := s.word.Load()
		if word&deadBit == 0 {
			if pending&sectionRemoved != 0 {
				dst = append(dst, Update{ContactID: s.contact.id, Removed: true})
				w.dropRemoved(s)
			} else {
				dst = w.materialise(dst, s, snap, pending, word)
			}
		}
		s = next
	}
	// The stack is LIFO; reverse the output so contacts come out in the
	// order they first changed (cheaper than walking the list twice).
	for i, j := start, len(dst)-1; i < j; i, j = i+1, j-1 {
		dst[i], dst[j] = dst[j], dst[i]
	}
	delivered := len(dst) - start
	w.mu.Unlock()
	if delivered > 0 {
		w.engine.deliveries.Add(int64(delivered))
	}
	return dst
}

// materialise appends the update of one subscription to dst, building it
// in place (an Update is 64 bytes; copying it through a return value showed
// up as a fifth of Pull's time). Caller holds w.mu.
//
// The update carries exactly what differs between the view the watcher
// last received (s.delivered: version and visibility) and snap at the
// current visibility: the sections changed since that version (from the
// snapshot's per-section versions, not from the marks, which only say "look
// again"), the sections a rights change made visible or hidden (hidden
// ones arrive emptied) with the configuration section, and the list events
// marked since the last pull. The same version is never delivered twice.
func (w *Watcher) materialise(dst []Update, s *subscription, snap *Snapshot, pending Section, word uint32) []Update {
	vis := unpackVisibility(word)
	seenVersion, seenVisibility := unpackDelivered(s.delivered)
	var changed Section
	const versionMask = 1<<deliveredVersionBits - 1
	if version := snap.Version & versionMask; version != seenVersion {
		// The full seen version, from its low 48 bits: exact for a lag
		// below 2^48 (a cluster owner's versions start near 2^60, so the
		// truncated value itself would look 2^31 versions old and name
		// every section).
		seen := snap.Version - ((version - seenVersion) & versionMask)
		changed = snap.changedSince(seen) & vis.Sections()
	}
	if vis != seenVisibility {
		changed |= SectionConfig | visibilityDelta(seenVisibility, vis)
	}
	if pending&sectionConfigEvent != 0 {
		changed |= SectionConfig
	}
	changed |= pending & sectionEvents
	s.delivered = packDelivered(snap.Version, vis)
	changed &= unpackFlags(word)
	if changed == 0 {
		return dst
	}
	view := snap.View(vis)
	var calls []CallChange
	if changed&SectionCalls != 0 {
		calls = w.diffCalls(&w.calls, s, view.Calls)
		if len(calls) == 0 {
			changed &^= SectionCalls
			if changed == 0 {
				return dst
			}
		}
	}
	dst = append(dst, Update{})
	u := &dst[len(dst)-1]
	u.ContactID, u.Changed, u.Snapshot, u.Calls = s.contact.id, changed, view, calls
	if changed&SectionConfig != 0 { // rare; the call itself showed in Pull's profile
		u.CurrentRights = w.currentRights(s.contact.id, changed)
	}
	return dst
}

// currentRights returns the watcher's current-rights section on contact
// when changed carries the configuration section (rare: rights and
// directory changes), nil otherwise or for a system watcher. Lock order:
// w.mu, then the contact's and the rights model's locks.
func (w *Watcher) currentRights(contact string, changed Section) *CurrentRights {
	if changed&SectionConfig == 0 || w.user == "" {
		return nil
	}
	r := w.engine.CurrentRightsFor(w.user, contact)
	return &r
}

// dropRemoved forgets a subscription whose contact was removed. Caller
// holds w.mu.
func (w *Watcher) dropRemoved(s *subscription) {
	if i, ok := w.find(s.contact); ok {
		w.subs = append(w.subs[:i], w.subs[i+1:]...)
		w.engine.subscriptions.Add(-1)
	}
	w.kill(s)
}

// diffCalls compares the calls the watcher has seen on s with current and
// returns the changes, recording current as seen. Calls are compared by
// identity: a Call value is immutable, so a new pointer means a change.
// Caller holds w.mu.
func (w *Watcher) diffCalls(buf *[]CallChange, s *subscription, current []*Call) []CallChange {
	seen := w.seen[s]
	start := len(*buf)
	for _, c := range current {
		action, found := CallAdded, false
		for _, o := range seen {
			if o.ConnectionID == c.ConnectionID {
				found = true
				if o != c {
					action = CallChanged
				}
				break
			}
		}
		if !found || action == CallChanged {
			*buf = append(*buf, CallChange{Action: action, Call: c})
		}
	}
	for _, o := range seen {
		gone := true
		for _, c := range current {
			if o.ConnectionID == c.ConnectionID {
				gone = false
				break
			}
		}
		if gone {
			*buf = append(*buf, CallChange{Action: CallRemoved, Call: o})
		}
	}
	switch {
	case len(current) == 0:
		if seen != nil {
			delete(w.seen, s)
		}
	case len(*buf) > start || seen == nil:
		if w.seen == nil {
			w.seen = make(map[*subscription][]*Call)
		}
		w.seen[s] = append(seen[:0], current...)
	}
	return (*buf)[start:len(*buf):len(*buf)]
}

// String describes the watcher for logs.
func (w *Watcher) String() string { return fmt.Sprintf("watcher(%s)", w.user) }
