package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Rights is one dynamic rights value (AsnUserDynamicRights without the
// object id): presence bits and phone-control bits for the first and the
// further lines.
type Rights struct {
	Presence       uint32
	PhonePrimary   uint32
	PhoneSecondary uint32
}

// Presence rights bits (AsnPresenceRightsFlags).
const (
	RightVisible            uint32 = 0x1
	RightChangeable         uint32 = 0x2
	RightAppointmentPrivate uint32 = 0x10
	RightAppointmentPublic  uint32 = 0x20
	RightPatternUsed        uint32 = 0x8000
	RightPatternPublic      uint32 = 0x10000
	RightPatternCompany     uint32 = 0x20000
	RightPatternTeam        uint32 = 0x40000
	RightPatternPersonal    uint32 = 0x80000
)

// Phone-control bits (AsnPhoneControlRightsFlags).
const (
	PhoneNumbersOutbound   uint32 = 0x1
	PhoneNumbersInbound    uint32 = 0x2
	PhoneNumbersRedirected uint32 = 0x4
	PhoneSetForwards       uint32 = 0x100
	PhonePickup            uint32 = 0x200
	phoneNumbersMask              = PhoneNumbersOutbound | PhoneNumbersInbound | PhoneNumbersRedirected
)

// Level is one of the fixed rights levels (the iDynamicRights values of
// asnSetDynamicRights).
type Level uint32

// Levels.
const (
	LevelBlocked  Level = 0
	LevelPublic   Level = 65536
	LevelCompany  Level = 131072
	LevelTeam     Level = 262144
	LevelPersonal Level = 524288
)

// Rights returns the fixed pattern of a level, or false for an unknown one.
func (l Level) Rights() (Rights, bool) {
	switch l {
	case LevelBlocked:
		return Rights{}, true
	case LevelPublic:
		return Rights{Presence: 98305}, true
	case LevelCompany:
		return Rights{Presence: 163873, PhonePrimary: 7}, true
	case LevelTeam:
		return Rights{Presence: 294947, PhonePrimary: 519, PhoneSecondary: 7}, true
	case LevelPersonal:
		return Rights{Presence: 557107, PhonePrimary: 775, PhoneSecondary: 775}, true
	}
	return Rights{}, false
}

func (r Rights) or(o Rights) Rights {
	return Rights{r.Presence | o.Presence, r.PhonePrimary | o.PhonePrimary, r.PhoneSecondary | o.PhoneSecondary}
}

// Visibility maps rights to what they let a watcher see (docs/RIGHTS.md).
func (r Rights) Visibility() Visibility {
	var v Visibility
	if r.Presence&RightVisible != 0 {
		v |= VisibilityPresence | VisibilityDataPublic
	}
	if r.Presence&RightAppointmentPublic != 0 {
		v |= VisibilityAppointments | VisibilityDataCompany
	}
	if r.Presence&RightAppointmentPrivate != 0 {
		v |= VisibilityAppointments | VisibilityPrivateAppts | VisibilityDataPersonal
	}
	if r.PhonePrimary&phoneNumbersMask != 0 {
		v |= VisibilityFirstLine
	}
	if r.PhoneSecondary&phoneNumbersMask != 0 {
		v |= VisibilityOtherLines
	}
	if r.Presence&RightChangeable != 0 {
		v |= VisibilitySetAbsent
	}
	for _, p := range [...]struct {
		rights  uint32
		bit     uint32
		granted Visibility
	}{
		{r.PhonePrimary, PhonePickup, VisibilityPickupFirst}, {r.PhoneSecondary, PhonePickup, VisibilityPickupOther},
		{r.PhonePrimary, PhoneSetForwards, VisibilityForwardFirst}, {r.PhoneSecondary, PhoneSetForwards, VisibilityForwardOther},
	} {
		if p.rights&p.bit != 0 {
			v |= p.granted
		}
	}
	if v == visibilityAll {
		return visibilityFull // Personal sees everything: share the engine's snapshot
	}
	return v
}

// Remote ids in a rights entry: a contact id, GroupRemote(name) for every
// member of a group, or Everyone.
const (
	Everyone    = "*"
	groupPrefix = "group:"
)

// GroupRemote returns the remote id naming every member of a group.
func GroupRemote(group string) string { return groupPrefix + group }

// RightsEntry is one entry of a rights list.
type RightsEntry struct {
	Remote string
	Rights Rights
}

// Scope tells which rights list an operation addresses.
type Scope uint8

// Scopes.
const (
	ScopePersonal Scope = iota // one contact's own list
	ScopeGroup                 // the list of a group: applies to every member
	ScopeGlobal                // the administrator's list: applies to every contact
)

// RightsErrorDetail is AsnSetDynamicRightsErrorEnum.
type RightsErrorDetail int

// Rights error details.
const (
	RightsGeneral            RightsErrorDetail = 0
	RightsPermissionDenied   RightsErrorDetail = 1
	RightsWriteProfileDenied RightsErrorDetail = 2
	RightsUnknownRights      RightsErrorDetail = 3
)

// RightsError is the error of a rights operation, with the documented
// detail code.
type RightsError struct {
	Detail RightsErrorDetail
	Msg    string
}

func (e *RightsError) Error() string { return "engine: rights: " + e.Msg }

// ErrRights matches every *RightsError with errors.Is.
var ErrRights = errors.New("engine: rights")

// Is makes errors.Is(err, ErrRights) true for rights errors.
func (e *RightsError) Is(target error) bool { return target == ErrRights }

func rightsError(d RightsErrorDetail, format string, args ...any) error {
	return &RightsError{Detail: d, Msg: fmt.Sprintf(format, args...)}
}

// Challenge is a pending rights request: Challenger subscribed to the owner
// without any rights granted.
type Challenge struct {
	Challenger string
	At         time.Time
}

// rightsModel holds the rights lists and the challenge lists.
type rightsModel struct {
	mu         sync.RWMutex // guards everything below
	global     map[string]Rights
	groups     map[string]map[string]Rights // group -> remote -> rights
	personal   map[string]map[string]Rights // owner -> remote -> rights
	challenges map[string][]Challenge       // owner -> pending challengers
}

func newRightsModel() *rightsModel {
	return &rightsModel{
		global:     map[string]Rights{},
		groups:     map[string]map[string]Rights{},
		personal:   map[string]map[string]Rights{},
		challenges: map[string][]Challenge{},
	}
}

// matchList ORs into r every entry of list naming the watcher (by id, by one
// of its groups, or Everyone). Caller holds m.mu.
func matchList(list map[string]Rights, watcher string, watcherGroups []string, r *Rights) bool {
	if len(list) == 0 {
		return false
	}
	found := false
	if x, ok := list[watcher]; ok {
		*r, found = r.or(x), true
	}
	for _, g := range watcherGroups {
		if x, ok := list[groupPrefix+g]; ok {
			*r, found = r.or(x), true
		}
	}
	if x, ok := list[Everyone]; ok {
		*r, found = r.or(x), true
	}
	return found
}

// effective returns the sum of every list naming watcher for owner, and
// whether any entry (a blocked one included) exists. Caller holds m.mu.
func (m *rightsModel) effective(watcher string, watcherGroups []string, owner string, ownerGroups []string) (Rights, bool) {
	var r Rights
	found := matchList(m.global, watcher, watcherGroups, &r)
	for _, g := range ownerGroups {
		found = matchList(m.groups[g], watcher, watcherGroups, &r) || found
	}
	found = matchList(m.personal[owner], watcher, watcherGroups, &r) || found
	return r, found
}

// minimum returns what the global and group lists alone grant: a personal
// entry can add to it, never go below it. Caller holds m.mu.
func (m *rightsModel) minimum(watcher string, watcherGroups []string, ownerGroups []string) Rights {
	var r Rights
	matchList(m.global, watcher, watcherGroups, &r)
	for _, g := range ownerGroups {
		matchList(m.groups[g], watcher, watcherGroups, &r)
	}
	return r
}

// groupsOf returns the groups of a contact id (nil when unknown).
func (e *Engine) groupsOf(id string) []string {
	c := e.lookup(id)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.groups
}

// EffectiveRights returns the rights watcher has on owner: the sum of the
// global, group and personal lists. A contact has every right on itself.
func (e *Engine) EffectiveRights(watcher, owner string) Rights {
	if watcher == owner {
		r, _ := LevelPersonal.Rights()
		return r
	}
	wg, og := e.groupsOf(watcher), e.groupsOf(owner)
	e.rights.mu.RLock()
	defer e.rights.mu.RUnlock()
	r, _ := e.rights.effective(watcher, wg, owner, og)
	return r
}

// visibilityOf returns what watcher user may see of c. The empty user is a
// trusted system watcher; a contact sees itself unfiltered.
func (e *Engine) visibilityOf(user string, c *contact) Visibility {
	if user == "" || user == c.id {
		return visibilityFull
	}
	return e.EffectiveRights(user, c.id).Visibility()
}

// CurrentRights is the asnCurrentUserDynamicRights section for (watcher,
// contact): what the watcher has granted the contact in its personal list
// (Current, nil when nothing is set yet), the least it can set (what global
// and group lists already grant) and the most (Personal).
type CurrentRights struct {
	Current  *Rights
	Min, Max Rights
}

// CurrentRightsFor returns the asnCurrentUserDynamicRights section that
// watcher sees on contact.
func (e *Engine) CurrentRightsFor(watcher, contact string) CurrentRights {
	max, _ := LevelPersonal.Rights()
	cg, wg := e.groupsOf(contact), e.groupsOf(watcher)
	e.rights.mu.RLock()
	defer e.rights.mu.RUnlock()
	out := CurrentRights{Max: max, Min: e.rights.minimum(contact, cg, wg)}
	if r, ok := e.rights.personal[watcher][contact]; ok {
		out.Current = &r
	}
	return out
}

// mayChange reports whether actor may change owner's personal list: only
// the owner and administrators may. The empty actor is the embedding system
// itself (directory import, admin tools). UR_PRESENCE_CHANGEABLE does not
// count: it lets a colleague set the owner's absent state and note on the
// owner's behalf (ENetUC_Common), not edit who may see the owner; with it a
// Team holder could raise herself to Personal (private appointments, home
// numbers) and remove others' grants (docs/RIGHTS.md).
func (e *Engine) mayChange(actor, owner string) bool {
	return actor == "" || actor == owner || e.isAdmin(actor)
}

func (e *Engine) isAdmin(id string) bool {
	c := e.lookup(id)
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.admin
}

// SetDynamicRights sets owner's personal entry for remote, on behalf of
// actor (asnSetDynamicRights). Either level is one of the five levels, or
// explicit is non-nil and level is ignored. It returns the resulting entry.
// Granting or blocking answers a pending challenge of remote.
func (e *Engine) SetDynamicRights(actor, owner, remote string, level Level, explicit *Rights) (RightsEntry, error) {
	var r Rights
	if explicit != nil {
		r = *explicit
	} else {
		var ok bool
		if r, ok = level.Rights(); !ok {
			return RightsEntry{}, rightsError(RightsUnknownRights, "unknown rights level %d", level)
		}
	}
	if remote == "" || remote == owner {
		return RightsEntry{}, rightsError(RightsGeneral, "invalid remote %q", remote)
	}
	if e.lookup(owner) == nil {
		return RightsEntry{}, rightsError(RightsGeneral, "unknown owner %q", owner)
	}
	if !e.mayChange(actor, owner) {
		return RightsEntry{}, rightsError(RightsPermissionDenied, "%s may not change the rights of %s", actor, owner)
	}
	changes := []Change{
		{Kind: ChangeRights, Scope: ScopePersonal, Key: owner, Remote: remote, Rights: &r},
		{Kind: ChangeChallenge, Key: owner, Remote: remote}, // answering deletes a pending challenge
	}
	err := e.durably(owner, func() []Change { return changes }, func() error {
		m := e.rights
		m.mu.Lock()
		list := m.personal[owner]
		if list == nil {
			list = map[string]Rights{}
			m.personal[owner] = list
		}
		list[remote] = r
		answered := m.dropChallenge(owner, remote)
		m.mu.Unlock()
		e.personalChanged(owner, remote, answered)
		return nil
	})
	if err != nil {
		return RightsEntry{}, rightsError(RightsWriteProfileDenied, "%v", err)
	}
	return RightsEntry{Remote: remote, Rights: r}, nil
}

// RemoveDynamicRights removes owner's personal entry for remote
// (asnRemoveDynamicRights). Rights granted by global or group lists stay.
// remote may challenge again afterwards.
func (e *Engine) RemoveDynamicRights(actor, owner, remote string) error {
	if e.lookup(owner) == nil {
		return rightsError(RightsGeneral, "unknown owner %q", owner)
	}
	if !e.mayChange(actor, owner) {
		return rightsError(RightsPermissionDenied, "%s may not change the rights of %s", actor, owner)
	}
	err := e.durably(owner, func() []Change {
		return []Change{{Kind: ChangeRights, Scope: ScopePersonal, Key: owner, Remote: remote}}
	}, func() error {
		m := e.rights
		m.mu.Lock()
		_, ok := m.personal[owner][remote]
		delete(m.personal[owner], remote)
		m.mu.Unlock()
		if ok {
			e.personalChanged(owner, remote, false)
		}
		return nil
	})
	if err != nil {
		return rightsError(RightsWriteProfileDenied, "%v", err)
	}
	return nil
}

// SetListRights sets (or, with remove, deletes) an entry of the global list
// or of a group's list. Only administrators may.
func (e *Engine) SetListRights(actor string, scope Scope, group, remote string, r Rights, remove bool) error {
	if !e.isAdmin(actor) && actor != "" {
		return rightsError(RightsPermissionDenied, "%s is not an administrator", actor)
	}
	if scope != ScopeGlobal && scope != ScopeGroup {
		return rightsError(RightsGeneral, "use SetDynamicRights for personal lists")
	}
	if scope == ScopeGroup && group == "" {
		return rightsError(RightsGeneral, "group list without a group")
	}
	change := Change{Kind: ChangeRights, Scope: scope, Key: group, Remote: remote}
	if !remove {
		change.Rights = &r
	}
	err := e.durably("list:"+scope.String()+":"+group, func() []Change { return []Change{change} }, func() error { return e.setListRights(scope, group, remote, r, remove) })
	if err != nil {
		return rightsError(RightsWriteProfileDenied, "%v", err)
	}
	return nil
}

func (e *Engine) setListRights(scope Scope, group, remote string, r Rights, remove bool) error {
	m := e.rights
	m.mu.Lock()
	switch scope {
	case ScopeGlobal:
		if remove {
			delete(m.global, remote)
		} else {
			m.global[remote] = r
		}
	case ScopeGroup:
		if group == "" {
			m.mu.Unlock()
			return rightsError(RightsGeneral, "group list without a group")
		}
		list := m.groups[group]
		if list == nil {
			list = map[string]Rights{}
			m.groups[group] = list
		}
		if remove {
			delete(list, remote)
		} else {
			list[remote] = r
		}
	default:
		m.mu.Unlock()
		return rightsError(RightsGeneral, "use SetDynamicRights for personal lists")
	}
	m.mu.Unlock()
	e.listChanged(scope, group)
	return nil
}

// RightsList returns a copy of one list, sorted by remote.
func (e *Engine) RightsList(scope Scope, key string) []RightsEntry {
	m := e.rights
	m.mu.RLock()
	defer m.mu.RUnlock()
	var list map[string]Rights
	switch scope {
	case ScopeGlobal:
		list = m.global
	case ScopeGroup:
		list = m.groups[key]
	case ScopePersonal:
		list = m.personal[key]
	}
	out := make([]RightsEntry, 0, len(list))
	for remote, r := range list {
		out = append(out, RightsEntry{Remote: remote, Rights: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Remote < out[j].Remote })
	return out
}

// Challenges returns owner's pending rights challenges, oldest first.
func (e *Engine) Challenges(owner string) []Challenge {
	m := e.rights
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.challenges[owner])
}

// dropChallenge removes remote's challenge from owner's list. Caller holds m.mu.
func (m *rightsModel) dropChallenge(owner, remote string) bool {
	list := m.challenges[owner]
	i := slices.IndexFunc(list, func(c Challenge) bool { return c.Challenger == remote })
	if i < 0 {
		return false
	}
	list = slices.Delete(list, i, i+1)
	if len(list) == 0 {
		delete(m.challenges, owner)
	} else {
		m.challenges[owner] = list
	}
	return true
}

// maybeChallenge starts a rights challenge of user on c when no list has
// any entry (a blocked one included) naming user for c. The challenge is
// made durable before it enters the owner's list; when it cannot be, the
// error (wrapping ErrNotDurable) is returned and nothing changes, so a
// later subscription asks again. Callers must not hold watcher or contact
// locks (persisting may wait for an fsync).
func (e *Engine) maybeChallenge(user string, c *contact) error {
	if user == c.id || !e.needsChallenge(user, c) {
		return nil
	}
	ch := Challenge{Challenger: user, At: e.clock.Now()}
	err := e.durably(c.id, func() []Change { return []Change{{Kind: ChangeChallenge, Key: c.id, Remote: user, Challenge: &ch}} }, func() error {
		if !e.needsChallenge(user, c) { // answered or challenged meanwhile
			return nil
		}
		m := e.rights
		m.mu.Lock()
		m.challenges[c.id] = append(m.challenges[c.id], ch)
		m.mu.Unlock()
		e.markOwn(c, SectionChallenges)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cannot challenge %s for %s: %w", c.id, user, err)
	}
	return nil
}

// needsChallenge reports whether no list names user for c and no challenge
// of user is pending.
func (e *Engine) needsChallenge(user string, c *contact) bool {
	wg := e.groupsOf(user)
	c.mu.Lock()
	cg := c.groups
	c.mu.Unlock()
	m := e.rights
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, found := m.effective(user, wg, c.id, cg); found {
		return false
	}
	return !slices.ContainsFunc(m.challenges[c.id], func(x Challenge) bool { return x.Challenger == user })
}

// markOwn marks the owner's own subscriptions to itself (its clients) with
// a list-change section (challenges, rights list updates).
func (e *Engine) markOwn(c *contact, changed Section) {
	if a := c.subs.Load(); a != nil {
		a.forEach(func(s *subscription) {
			if s.watcher.user == c.id {
				s.mark(changed, nil)
			}
		})
	}
}

// refreshSubscriptions recomputes the visibility of c's subscriptions whose
// watcher matches (nil: all). A subscription whose visibility changes is
// queued to look again: its next pull compares the new visibility with the
// one it delivered and sends the configuration section plus exactly the
// sections that became visible or hidden (hidden ones arrive emptied; see
// visibilityDelta). The index is not rebuilt: only the visibility packed
// into each subscription changes.
func (e *Engine) refreshSubscriptions(c *contact, match func(user string) bool) {
	a := c.subs.Load()
	if a == nil {
		return
	}
	a.forEach(func(s *subscription) {
		if match != nil && !match(s.watcher.user) {
			return
		}
		e.refreshSubscription(s, c)
	})
}

// refreshSubscription recomputes the visibility of one subscription to c
// and marks what the change shows or hides.
func (e *Engine) refreshSubscription(s *subscription, c *contact) {
	nv := e.visibilityOf(s.watcher.user, c)
	for {
		old := s.word.Load()
		if old&deadBit != 0 {
			return
		}
		ov := unpackVisibility(old)
		if ov == nv {
			return
		}
		if s.word.CompareAndSwap(old, packWord(unpackFlags(old), nv)) {
			s.poke(sectionLook)
			return
		}
	}
}

// personalChanged re-evaluates after owner's personal entry for remote
// changed: remote's view of owner, owner's configuration section on remote
// (what it granted), owner's own list-change subscribers, and the challenge
// list if an entry answered one.
func (e *Engine) personalChanged(owner, remote string, answered bool) {
	c := e.lookup(owner)
	if c == nil {
		return
	}
	if strings.HasPrefix(remote, groupPrefix) || remote == Everyone {
		e.refreshSubscriptions(c, nil)
	} else {
		e.refreshSubscriptions(c, func(user string) bool { return user == remote })
		if r := e.lookup(remote); r != nil {
			if a := r.subs.Load(); a != nil {
				a.forEach(func(s *subscription) {
					if s.watcher.user == owner && unpackFlags(s.word.Load())&SectionConfig != 0 {
						s.poke(sectionConfigEvent) // the rights owner granted: no new version of remote
					}
				})
			}
		}
	}
	changed := SectionRightsOwn
	if answered {
		changed |= SectionChallenges
	}
	e.markOwn(c, changed)
}

// listChanged re-evaluates every subscription a global or group list can
// affect: a group list changes what others see of the group's members only
// (found through the group index); the global list walks every contact
// that has subscribers.
func (e *Engine) listChanged(scope Scope, group string) {
	if scope == ScopeGroup {
		for _, c := range e.members.list(group) {
			if c.subs.Load() != nil {
				e.refreshSubscriptions(c, nil)
				e.markOwn(c, SectionRightsGroup)
			}
		}
		return
	}
	e.forEachContact(func(c *contact) {
		if c.subs.Load() != nil {
			e.refreshSubscriptions(c, nil)
			e.markOwn(c, SectionRightsGlobal)
		}
	})
}

// groupIndex maps each rights group to its member contacts.
type groupIndex struct {
	mu      sync.Mutex // guards byGroup
	byGroup map[string]map[*contact]struct{}
}

// move takes c out of the groups in from and into the groups in to.
func (g *groupIndex) move(c *contact, from, to []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, name := range from {
		if set := g.byGroup[name]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(g.byGroup, name)
			}
		}
	}
	for _, name := range to {
		if g.byGroup == nil {
			g.byGroup = map[string]map[*contact]struct{}{}
		}
		set := g.byGroup[name]
		if set == nil {
			set = map[*contact]struct{}{}
			g.byGroup[name] = set
		}
		set[c] = struct{}{}
	}
}

// list returns the members of a group (a copy: callers act without the lock).
func (g *groupIndex) list(name string) []*contact {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*contact, 0, len(g.byGroup[name]))
	for c := range g.byGroup[name] {
		out = append(out, c)
	}
	return out
}

// groupsChanged re-evaluates after c's group membership changed: what others
// see of c (c's fan-out list), and what c sees of others (the subscriptions
// of c's own watchers, found through the user → watchers index). Cost: the
// subscriptions that depend on c, not the directory size.
func (e *Engine) groupsChanged(c *contact) {
	e.refreshSubscriptions(c, nil)
	if e.walkGroupsForBaseline {
		e.forEachContact(func(o *contact) {
			if o != c {
				e.refreshSubscriptions(o, func(user string) bool { return user == c.id })
			}
		})
		return
	}
	watchers, _ := e.watchersByUser.Load(c.id)
	for _, w := range watchers {
		for _, s := range w.subscriptionsSnapshot() {
			if s.contact != c {
				e.refreshSubscription(s, s.contact)
			}
		}
	}
}

// contactAdded re-evaluates rights that name a contact that just joined.
func (e *Engine) contactAdded(c *contact) {
	c.mu.Lock()
	groups := c.groups
	if !c.removed {
		e.members.move(c, nil, groups)
	}
	c.mu.Unlock()
	if len(groups) > 0 {
		e.groupsChanged(c)
	}
}

func (e *Engine) forEachContact(fn func(*contact)) {
	for i := range e.shards {
		e.shards[i].contacts.Range(func(_ string, c *contact) bool {
			fn(c)
			return true
		})
	}
}

// String names the scope.
func (s Scope) String() string {
	switch s {
	case ScopePersonal:
		return "personal"
	case ScopeGroup:
		return "group"
	case ScopeGlobal:
		return "global"
	}
	return "invalid"
}
