package scenario

import (
	"fmt"
	"time"
)

// The defaults of the format, one place for the code and the docs. An
// absent key takes its default; a key written with a zero value keeps it.
var (
	defaultDayStart        = TimeOfDay(7 * time.Hour)
	defaultDayLength       = Duration(12 * time.Hour)
	defaultDomains         = []string{"example.com"}
	defaultEventFlags      = uint32(1023)
	defaultZipfExponent    = 1.0
	defaultPopularPool     = 100
	defaultTeamSize        = 8
	defaultDepartmentSize  = 64
	defaultHolding         = Distribution{Kind: DistributionExponential, Mean: Duration(3 * time.Minute)}
	defaultRing            = Distribution{Kind: DistributionLognormal, Mean: Duration(8 * time.Second), Sigma: 0.5}
	defaultSetupDelay      = Duration(time.Second)
	defaultOutcomes        = Outcomes{Answered: 0.85, NoAnswer: 0.10, Busy: 0.05}
	defaultInboundShare    = 0.5
	defaultTargets         = InternalTargets{Team: 0.5, Department: 0.3}
	defaultHoldDuration    = Distribution{Kind: DistributionExponential, Mean: Duration(30 * time.Second)}
	defaultForwardDuration = Distribution{Kind: DistributionExponential, Mean: Duration(2 * time.Hour)}
	defaultForwardInternal = 0.5
	defaultWindow          = Window{From: TimeOfDay(8 * time.Hour), To: TimeOfDay(18 * time.Hour)}
	defaultStartSlots      = map[Minute]float64{0: 0.6, 30: 0.3, 15: 0.05, 45: 0.05}
	defaultDurations       = map[Duration]float64{Duration(30 * time.Minute): 0.6, Duration(time.Hour): 0.4}
	defaultStatus          = StatusMix{Busy: 0.8, Tentative: 0.1, Free: 0.05, OutOfOffice: 0.05}
	defaultAdjustment      = Distribution{Kind: DistributionExponential, Mean: Duration(10 * time.Minute)}
	defaultLogin           = TimeDistribution{Kind: DistributionNormal, Mean: TimeOfDay(8 * time.Hour), Stddev: Duration(20 * time.Minute)}
	defaultLogout          = TimeDistribution{Kind: DistributionNormal, Mean: TimeOfDay(17 * time.Hour), Stddev: Duration(45 * time.Minute)}
	defaultIdleAfter       = Duration(5 * time.Minute)
	defaultLunchStart      = TimeDistribution{Kind: DistributionNormal, Mean: TimeOfDay(12*time.Hour + 15*time.Minute), Stddev: Duration(20 * time.Minute)}
	defaultLunchDuration   = Distribution{Kind: DistributionLognormal, Mean: Duration(40 * time.Minute), Sigma: 0.3}
	defaultLockDuration    = Distribution{Kind: DistributionLognormal, Mean: Duration(8 * time.Minute), Sigma: 0.8}
	defaultManualStates    = ManualStates{DoNotDisturb: 0.4, Busy: 0.3, OutOfOffice: 0.3}
	defaultManualDuration  = Distribution{Kind: DistributionExponential, Mean: Duration(30 * time.Minute)}
	defaultNoteDuration    = Distribution{Kind: DistributionExponential, Mean: Duration(time.Hour)}
	defaultOutage          = Distribution{Kind: DistributionExponential, Mean: Duration(10 * time.Second)}
	defaultBackoff         = Backoff{Initial: Duration(time.Second), Max: Duration(time.Minute), Multiplier: 2, Jitter: 0.5}
	defaultNotReady        = Distribution{Kind: DistributionExponential, Mean: Duration(5 * time.Minute)}
	defaultWrapUp          = Distribution{Kind: DistributionExponential, Mean: Duration(30 * time.Second)}
	defaultFaultOutage     = Distribution{Kind: DistributionConstant, Mean: Duration(5 * time.Second)}
)

// defaulter fills absent keys; it asks the key index whether a key was
// written, so that an explicit zero is kept.
type defaulter struct{ index *keyIndex }

func setDefault[T any](d defaulter, path string, field *T, value T) {
	if !d.index.has(path) {
		*field = value
	}
}

func applyDefaults(s *Scenario, index *keyIndex) {
	d := defaulter{index}
	setDefault(d, "day.start", &s.Day.Start, defaultDayStart)
	setDefault(d, "day.length", &s.Day.Length, defaultDayLength)
	setDefault(d, "day.wall_time", &s.Day.WallTime, s.Day.Length)

	setDefault(d, "population.domains", &s.Population.Domains, append([]string(nil), defaultDomains...))
	setDefault(d, "population.lines_per_user", &s.Population.LinesPerUser, 1)
	setDefault(d, "population.team_size", &s.Population.TeamSize, defaultTeamSize)
	setDefault(d, "population.department_size", &s.Population.DepartmentSize, defaultDepartmentSize)

	setDefault(d, "subscriptions.event_flags", &s.Subscriptions.EventFlags, defaultEventFlags)
	setDefault(d, "subscriptions.zipf_exponent", &s.Subscriptions.ZipfExponent, defaultZipfExponent)
	setDefault(d, "subscriptions.popular_pool", &s.Subscriptions.PopularPool, defaultPopularPool)
	for i := range s.Subscriptions.OptIn {
		setDefault(d, fmt.Sprintf("subscriptions.opt_in[%d].share", i), &s.Subscriptions.OptIn[i].Share, 1.0)
	}

	setDefault(d, "rights.team", &s.Rights.Team, LevelTeam)
	setDefault(d, "rights.department", &s.Rights.Department, LevelCompany)
	setDefault(d, "rights.company", &s.Rights.Company, LevelCompany)
	setDefault(d, "rights.other_domain", &s.Rights.OtherDomain, LevelPublic)

	for i := range s.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		setDefault(d, path+".share", &s.Faults[i].Share, 1.0)
		setDefault(d, path+".outage", &s.Faults[i].Outage, defaultFaultOutage)
	}
	for i := range s.Population.Personas {
		d.persona(&s.Population.Personas[i], fmt.Sprintf("population.personas[%d]", i))
	}
}

func (d defaulter) persona(p *Persona, path string) {
	setDefault(d, path+".watch.own_team", &p.Watch.OwnTeam, true)

	calls := path + ".calls"
	setDefault(d, calls+".holding", &p.Calls.Holding, defaultHolding)
	setDefault(d, calls+".ring", &p.Calls.Ring, defaultRing)
	setDefault(d, calls+".setup_delay", &p.Calls.SetupDelay, defaultSetupDelay)
	setDefault(d, calls+".outcomes", &p.Calls.Outcomes, defaultOutcomes)
	setDefault(d, calls+".inbound_share", &p.Calls.InboundShare, defaultInboundShare)
	setDefault(d, calls+".internal_targets", &p.Calls.InternalTargets, defaultTargets)
	setDefault(d, calls+".hold.duration", &p.Calls.Hold.Duration, defaultHoldDuration)
	setDefault(d, calls+".forwards.duration", &p.Calls.Forwards.Duration, defaultForwardDuration)
	setDefault(d, calls+".forwards.internal_share", &p.Calls.Forwards.InternalShare, defaultForwardInternal)

	calendar := path + ".calendar"
	setDefault(d, calendar+".window", &p.Calendar.Window, defaultWindow)
	if !d.index.has(calendar + ".start_slots") {
		p.Calendar.StartSlots = copyMap(defaultStartSlots)
	}
	if !d.index.has(calendar + ".durations") {
		p.Calendar.Durations = copyMap(defaultDurations)
	}
	setDefault(d, calendar+".status", &p.Calendar.Status, defaultStatus)
	setDefault(d, calendar+".early_end.by", &p.Calendar.EarlyEnd.By, defaultAdjustment)
	setDefault(d, calendar+".overrun.by", &p.Calendar.Overrun.By, defaultAdjustment)
	for i := range p.Calendar.Fixed {
		setDefault(d, fmt.Sprintf("%s.fixed[%d].status", calendar, i), &p.Calendar.Fixed[i].Status, StatusBusy)
	}

	clients := path + ".clients"
	setDefault(d, clients+".devices", &p.Clients.Devices, []Device{{Kind: DeviceDesktop}})
	for i := range p.Clients.Devices {
		device := fmt.Sprintf("%s.devices[%d]", clients, i)
		if !d.index.has(clients + ".devices") {
			device = "-" // the default device: every field takes its default
		}
		setDefault(d, device+".share", &p.Clients.Devices[i].Share, 1.0)
		setDefault(d, device+".login", &p.Clients.Devices[i].Login, defaultLogin)
		setDefault(d, device+".logout", &p.Clients.Devices[i].Logout, defaultLogout)
	}
	setDefault(d, clients+".idle.after", &p.Clients.Idle.After, defaultIdleAfter)
	setDefault(d, clients+".idle.lunch.start", &p.Clients.Idle.Lunch.Start, defaultLunchStart)
	setDefault(d, clients+".idle.lunch.duration", &p.Clients.Idle.Lunch.Duration, defaultLunchDuration)
	setDefault(d, clients+".idle.screen_lock.duration", &p.Clients.Idle.ScreenLock.Duration, defaultLockDuration)
	setDefault(d, clients+".manual.states", &p.Clients.Manual.States, defaultManualStates)
	setDefault(d, clients+".manual.duration", &p.Clients.Manual.Duration, defaultManualDuration)
	setDefault(d, clients+".notes.duration", &p.Clients.Notes.Duration, defaultNoteDuration)
	setDefault(d, clients+".reconnect.outage", &p.Clients.Reconnect.Outage, defaultOutage)
	backoff := clients + ".reconnect.backoff"
	setDefault(d, backoff+".initial", &p.Clients.Reconnect.Backoff.Initial, defaultBackoff.Initial)
	setDefault(d, backoff+".max", &p.Clients.Reconnect.Backoff.Max, defaultBackoff.Max)
	setDefault(d, backoff+".multiplier", &p.Clients.Reconnect.Backoff.Multiplier, defaultBackoff.Multiplier)
	setDefault(d, backoff+".jitter", &p.Clients.Reconnect.Backoff.Jitter, defaultBackoff.Jitter)

	agent := path + ".agent"
	if d.index.has(agent) && p.Agent == nil {
		p.Agent = &Agent{}
	}
	if p.Agent != nil {
		setDefault(d, agent+".not_ready", &p.Agent.NotReady, defaultNotReady)
		setDefault(d, agent+".working_after_call", &p.Agent.WorkingAfterCall, defaultWrapUp)
	}
}

func copyMap[K comparable, V any](source map[K]V) map[K]V {
	copied := make(map[K]V, len(source))
	for key, value := range source {
		copied[key] = value
	}
	return copied
}
