package engine

import "sync/atomic"

// subscription is one watcher's interest in one contact. It is 40 bytes on
// 64-bit platforms (a test asserts it): at 10 million subscriptions every
// word counts, so Subscribe allocates the new subscriptions of one call in
// one block (40 bytes each, instead of the 48-byte size class of a single
// 40-byte allocation).
//
// word packs the subscribed event sections (low 17 bits), the watcher's
// visibility of the contact (from bit visibilityShift = 17 up, masked by
// visibilityWordMask) and the
// dead bit, so that the fan-out path reads one atomic word per subscription.
type subscription struct {
	watcher *Watcher
	contact *contact
	// next links the subscription into its watcher's dirty stack. It is
	// written only while pending == 0 (by the pusher) and read only by the
	// puller that detached the stack, before it clears pending.
	next    *subscription
	pending atomic.Uint32 // "look again": sections marked since the last pull (Section bits)
	word    atomic.Uint32 // flags | visibility<<visibilityShift | deadBit
	// delivered is the version and visibility of the watcher's view of the
	// contact: what it last received (packDelivered). Guarded by the
	// watcher's mu (Subscribe and Pull).
	delivered uint64
}

// The version of a delivered view takes the low 48 bits of
// subscription.delivered (2.8e14 versions of one contact: 89 years at
// 100,000 changes a second), its visibility the high 16.
const deliveredVersionBits = 48

func packDelivered(version uint64, v Visibility) uint64 {
	return version&(1<<deliveredVersionBits-1) | uint64(v)<<deliveredVersionBits
}

func unpackDelivered(d uint64) (uint64, Visibility) {
	return d & (1<<deliveredVersionBits - 1), Visibility(d >> deliveredVersionBits)
}

// Internal pending bits: they ask a pull to look again without naming a
// contact section, and never reach Update.Changed themselves.
const (
	// sectionLook: the subscription's visibility changed (rights); the pull
	// compares it with the delivered one.
	sectionLook Section = 1 << 29
	// sectionConfigEvent: the watcher's own configuration on the contact
	// (the rights it granted) changed, without a new version.
	sectionConfigEvent Section = 1 << 28
	// sectionEvents are the list notifications (challenges, rights lists),
	// which have no version: a mark is the event itself.
	sectionEvents = SectionChallenges | SectionRightsOwn | SectionRightsGroup | SectionRightsGlobal
)

const (
	wordFlagsMask       = 1<<17 - 1
	visibilityShift     = 17
	visibilityWordMask  = 0x3FFF // 14 bits of visibility fit below the dead bit
	deadBit             = 1 << 31
	visibilityFullWord  = visibilityWordMask
	subscriptionMaxSize = 40
)

func packWord(flags Section, v Visibility) uint32 {
	vw := uint32(v)
	if v == visibilityFull {
		vw = visibilityFullWord
	}
	return uint32(flags)&wordFlagsMask | (vw&visibilityWordMask)<<visibilityShift
}

func unpackVisibility(word uint32) Visibility {
	vw := word >> visibilityShift & visibilityWordMask
	if vw == visibilityFullWord {
		return visibilityFull
	}
	return Visibility(vw)
}

func unpackFlags(word uint32) Section { return Section(word & wordFlagsMask) }

// mark records that sections changed on the subscription's contact and queues
// the subscription on its watcher the first time. It never blocks. It is the
// innermost loop of the fan-out: one atomic load, one atomic OR and, for the
// first change since the last pull, one CAS.
func (s *subscription) mark(changed Section, batch *wakeBatch) {
	w := s.word.Load()
	if w&deadBit != 0 {
		return
	}
	if changed != sectionRemoved {
		changed &= unpackFlags(w) & unpackVisibility(w).Sections()
		if changed == 0 {
			return
		}
	}
	// Under load most marks are redundant (the watcher has not pulled yet).
	// A plain load keeps the cache line shared with the puller's core; only
	// new bits pay for the exclusive OR. Skipping is safe: the snapshot was
	// published before this load, and the puller reads it after the swap that
	// clears these bits, which comes later.
	if Section(s.pending.Load())&changed == changed {
		return
	}
	if s.pending.Or(uint32(changed)) == 0 {
		s.watcher.push(s, batch)
	}
}

// poke queues s with internal pending bits (sectionLook,
// sectionConfigEvent), which mark's section filter would drop.
func (s *subscription) poke(bits Section) {
	if s.word.Load()&deadBit != 0 {
		return
	}
	if s.pending.Or(uint32(bits)) == 0 {
		s.watcher.push(s, nil)
	}
}

// subArray is the fan-out list of one contact. Readers load it through an
// atomic pointer and iterate slots [0, n) without locks; the contact's writer
// (under contact.mu) appends in place (slot first, then n) and copies only to
// grow or to compact dead slots, so subscribing costs amortised O(1) however
// many watchers the contact has.
type subArray struct {
	n     atomic.Int32
	slots []atomic.Pointer[subscription]
}

// forEach calls fn for every subscription in the array, dead ones included
// (mark ignores those).
func (a *subArray) forEach(fn func(*subscription)) {
	n := int(a.n.Load())
	for i := 0; i < n; i++ {
		if s := a.slots[i].Load(); s != nil {
			fn(s)
		}
	}
}

// addSubscription appends s to the contact's fan-out list. Caller holds c.mu.
func (c *contact) addSubscription(s *subscription) {
	a := c.subs.Load()
	if a == nil || int(a.n.Load()) == len(a.slots) {
		a = c.rebuildSubscriptions(a, 1)
	}
	n := a.n.Load()
	a.slots[n].Store(s)
	a.n.Store(n + 1)
	c.live++
}

// removeSubscription accounts for a subscription whose dead bit is set.
// Dead slots are dropped by the next rebuild; a rebuild is forced once dead
// slots outnumber live ones, which keeps removal amortised O(1). Caller holds
// c.mu.
func (c *contact) removeSubscription() {
	c.live--
	c.dead++
	a := c.subs.Load()
	if a != nil && c.dead > 16 && c.dead > c.live {
		c.rebuildSubscriptions(a, 0)
	}
}

// rebuildSubscriptions publishes a new array holding the live subscriptions
// of old with room for extra more (growth factor 1.5). Caller holds c.mu.
func (c *contact) rebuildSubscriptions(old *subArray, extra int) *subArray {
	live := 0
	if old != nil {
		old.forEach(func(s *subscription) {
			if s.word.Load()&deadBit == 0 {
				live++
			}
		})
	}
	size := live + extra
	if extra > 0 {
		size += size / 2
		if size < 4 {
			size = 4
		}
	}
	a := &subArray{slots: make([]atomic.Pointer[subscription], size)}
	n := int32(0)
	if old != nil {
		old.forEach(func(s *subscription) {
			if s.word.Load()&deadBit == 0 {
				a.slots[n].Store(s)
				n++
			}
		})
	}
	a.n.Store(n)
	c.live = int(n)
	c.dead = 0
	if size == 0 {
		a = nil
	}
	c.subs.Store(a)
	return a
}
