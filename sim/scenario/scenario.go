package scenario

import "time"

// Scenario is one decoded and validated scenario file. The field comments
// give the YAML key, the unit and the default that Parse applies when the
// key is absent; docs/SCENARIOS.md is the full reference.
type Scenario struct {
	// Name identifies the scenario in reports. Required.
	Name string `yaml:"name"`
	// Description is free text for humans.
	Description string `yaml:"description"`
	// Seed makes the run reproducible: the same scenario and seed produce
	// the same population, graph and event sequence. Default 0.
	Seed uint64 `yaml:"seed"`
	// Day is the virtual business day.
	Day Day `yaml:"day"`
	// Curves are named diurnal curves that personas refer to by name.
	Curves map[string]Curve `yaml:"curves"`
	// Population is who is simulated.
	Population Population `yaml:"population"`
	// Subscriptions shapes who watches whom beyond the per-persona counts.
	Subscriptions Subscriptions `yaml:"subscriptions"`
	// Rights says which level each owner grants each watcher.
	Rights Rights `yaml:"rights"`
	// Faults are injected disturbances such as a network blip.
	Faults []Fault `yaml:"faults"`
	// SLO is the list of pass/fail thresholds of the run.
	SLO Thresholds `yaml:"slo"`

	// file is the name given to Parse, for messages after parsing.
	file string
}

// File returns the file name the scenario was parsed from.
func (s *Scenario) File() string { return s.file }

// Curve returns the named curve; the empty name is the flat curve (1.0 all
// day). Validation guarantees that every name used by a persona exists.
func (s *Scenario) Curve(name string) Curve {
	if name == "" {
		return nil
	}
	return s.Curves[name]
}

// PersonaIndex returns the index of the named persona, or -1.
func (s *Scenario) PersonaIndex(name string) int {
	for i := range s.Population.Personas {
		if s.Population.Personas[i].Name == name {
			return i
		}
	}
	return -1
}

// Day is the virtual business day. Event times are offsets from Start;
// activities start within [Start, Start+Length).
type Day struct {
	// Start is the time of day of offset zero. Default "07:00".
	Start TimeOfDay `yaml:"start"`
	// Length is the virtual span in which activities start; activities
	// that started end after it (the drain tail). Default 12h, at most 24h,
	// and Start+Length must not pass 24:00.
	Length Duration `yaml:"length"`
	// WallTime is the wall-clock time the virtual day is compressed into,
	// e.g. 10m for "12 h in 10 minutes". Default Length (real time).
	WallTime Duration `yaml:"wall_time"`
}

// Speed returns virtual time per wall time (1 = real time, 72 = 12 h in
// 10 min).
func (d Day) Speed() float64 {
	if d.WallTime <= 0 {
		return 1
	}
	return float64(d.Length) / float64(d.WallTime)
}

// End returns the time of day at which the arrival window closes.
func (d Day) End() time.Duration { return d.Start.Std() + d.Length.Std() }

// Population is the set of simulated users.
type Population struct {
	// Users is the number of users. Required, 1..2,000,000.
	Users int `yaml:"users"`
	// Domains are the SIP domains; department d lives in domain d mod
	// len(Domains). Default ["example.com"].
	Domains []string `yaml:"domains"`
	// LinesPerUser is the number of phone lines of each user unless the
	// persona overrides it. Default 1, at most 8.
	LinesPerUser int `yaml:"lines_per_user"`
	// TeamSize is the number of users per team; team t holds users
	// [t·TeamSize, (t+1)·TeamSize). Default 8.
	TeamSize int `yaml:"team_size"`
	// DepartmentSize is the number of users per department, a multiple of
	// TeamSize. Default 64.
	DepartmentSize int `yaml:"department_size"`
	// Personas are the behaviour classes. At least one is required.
	Personas []Persona `yaml:"personas"`
}

// Persona is a behaviour class of users. A persona has either a Count (the
// first users of the population, in file order) or a Share of the remaining
// users; the shares of all share-personas sum to 1.
type Persona struct {
	// Name identifies the persona ([a-z0-9_-]). Required, unique.
	Name string `yaml:"name"`
	// Share is the fraction of the users not taken by counted personas.
	Share float64 `yaml:"share"`
	// Count is an absolute number of users, e.g. 4 reception consoles.
	Count int `yaml:"count"`
	// Lines overrides Population.LinesPerUser when > 0.
	Lines int `yaml:"lines"`
	// Watch says whom users of this persona subscribe to.
	Watch Watch `yaml:"watch"`
	// Calls is the telephony behaviour; absent means no calls.
	Calls Calls `yaml:"calls"`
	// Calendar is the calendar behaviour; absent means an empty calendar.
	Calendar Calendar `yaml:"calendar"`
	// Clients is the client behaviour: devices, idle, manual status, notes,
	// reconnects.
	Clients Clients `yaml:"clients"`
	// Agent makes the users contact-center agents; nil means not agents.
	// The key alone ("agent: {}") enables agents with default parameters.
	Agent *Agent `yaml:"agent"`
}

// Watch says whom a user subscribes to. The lists are merged and
// de-duplicated; a user never watches itself.
type Watch struct {
	// OwnTeam subscribes to every other member of the own team. Default true.
	OwnTeam bool `yaml:"own_team"`
	// DepartmentColleagues is the number of random members of the own
	// department. Default 0.
	DepartmentColleagues int `yaml:"department_colleagues"`
	// RandomColleagues is the number of random users of the whole
	// company. Default 0.
	RandomColleagues int `yaml:"random_colleagues"`
	// PopularContacts is the number of draws from the Zipf-popular users
	// (see Subscriptions.ZipfExponent). Default 0.
	PopularContacts int `yaml:"popular_contacts"`
	// Console subscribes to the first Console users of the directory, as a
	// reception console or wall-board does. Default 0.
	Console int `yaml:"console"`
}

// Subscriptions holds the graph parameters shared by all personas.
type Subscriptions struct {
	// EventFlags is the iEventFlagsToSubscribe of every subscription.
	// Default 1023 (bits 1..512, the flags that are on by default).
	EventFlags uint32 `yaml:"event_flags"`
	// ZipfExponent is s in P(rank k) ∝ k^-s for popular contacts.
	// Default 1.0.
	ZipfExponent float64 `yaml:"zipf_exponent"`
	// PopularPool is the number of users that can be drawn as popular
	// (ranks 1..PopularPool, capped at Users). Default 100.
	PopularPool int `yaml:"popular_pool"`
	// OptIn adds flags that are not in the default set (e.g. 32768, agent
	// status) to matching subscriptions.
	OptIn []OptIn `yaml:"opt_in"`
}

// OptIn adds Flags to the subscriptions whose owner and watcher have the
// listed personas, for a Share of them.
type OptIn struct {
	// Flags are OR-ed into the subscription's event flags. Required.
	Flags uint32 `yaml:"flags"`
	// OwnerPersonas restricts the rule to owners of these personas; empty
	// means every owner.
	OwnerPersonas []string `yaml:"owner_personas"`
	// WatcherPersonas restricts the rule to watchers of these personas;
	// empty means every watcher.
	WatcherPersonas []string `yaml:"watcher_personas"`
	// Share is the fraction of matching subscriptions that opt in.
	// Default 1.
	Share float64 `yaml:"share"`
}

// Rights says which level an owner grants a watcher, by their relation.
// The nearest relation wins: team, then department, then company (same
// domain), then other domain. WatcherPersonas overrides the relation for
// watchers of a persona. Then, per (owner, watcher) pair, BlockedShare of
// the pairs become Blocked and PersonalShare become Personal.
type Rights struct {
	// Team is the level granted to members of the own team. Default team.
	Team Level `yaml:"team"`
	// Department is the level granted within the department. Default company.
	Department Level `yaml:"department"`
	// Company is the level granted within the same domain. Default company.
	Company Level `yaml:"company"`
	// OtherDomain is the level granted across domains. Default public.
	OtherDomain Level `yaml:"other_domain"`
	// WatcherPersonas maps a watcher persona name to the level every owner
	// grants it, e.g. {receptionist: team}.
	WatcherPersonas map[string]Level `yaml:"watcher_personas"`
	// BlockedShare is the fraction of pairs the owner blocked. Default 0.
	BlockedShare float64 `yaml:"blocked_share"`
	// PersonalShare is the fraction of pairs granted Personal. Default 0.
	PersonalShare float64 `yaml:"personal_share"`
}

// Fault is an injected disturbance at a time of day.
type Fault struct {
	// At is the time of day of the fault. Required.
	At TimeOfDay `yaml:"at"`
	// Kind is the fault kind; "disconnect" drops connections. Required.
	Kind FaultKind `yaml:"kind"`
	// Share is the fraction of the online sessions hit. Default 1.
	Share float64 `yaml:"share"`
	// Outage is how long the network stays down for a hit session; the
	// client then reconnects with its backoff. Default constant 5s.
	Outage Distribution `yaml:"outage"`
}
