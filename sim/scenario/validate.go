package scenario

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Limits of the format. They keep a typo (an extra zero) from turning into
// an hour of generation or an exhausted machine.
const (
	MaxUsers          = 2_000_000
	MaxLinesPerUser   = 8
	MaxTeamSize       = 10_000
	MaxRatePerHour    = 3600.0
	MaxMeetingsPerDay = 50.0
	MaxPerDay         = 1000.0
	MaxWatch          = MaxUsers
	MaxDevices        = 8
	MaxFixedMeetings  = 50
	maxSigma          = 5.0
	maxErlangShape    = 100
	shareTolerance    = 1e-6
)

var (
	personaName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	curveName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// Validate checks a scenario built in Go (Parse and Load validate already).
// Such a scenario gets no defaults: every field must be set. Errors name
// the key path; lines are unknown.
func (s *Scenario) Validate() error {
	file := s.file
	if file == "" {
		file = "scenario"
	}
	c := &collector{file: file, index: newKeyIndex(nil)}
	validate(s, c)
	return c.result()
}

type validator struct {
	*collector
	scenario *Scenario
}

func validate(s *Scenario, c *collector) {
	v := validator{collector: c, scenario: s}
	if strings.TrimSpace(s.Name) == "" {
		v.at("name", "required: a name for reports")
	}
	v.day()
	v.curves()
	v.population()
	v.subscriptions()
	v.rights()
	for i, fault := range s.Faults {
		v.fault(fmt.Sprintf("faults[%d]", i), fault)
	}
}

func (v validator) day() {
	day := v.scenario.Day
	if day.Length <= 0 || day.Length.Std() > 24*time.Hour {
		v.at("day.length", "must be more than 0 and at most 24h, got %s", day.Length)
	}
	if day.Start.Std() > 24*time.Hour || day.Start.Std()+day.Length.Std() > 24*time.Hour {
		v.at("day.length", "the day %s + %s passes 24:00", day.Start, day.Length)
	}
	if day.WallTime.Std() < time.Millisecond {
		v.at("day.wall_time", "must be at least 1ms, got %s", day.WallTime)
	}
}

func (v validator) curves() {
	names := make([]string, 0, len(v.scenario.Curves))
	for name := range v.scenario.Curves {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := "curves." + name
		curve := v.scenario.Curves[name]
		if !curveName.MatchString(name) {
			v.at(path, "invalid curve name (want letters, digits, _ and -)")
		}
		if len(curve) == 0 {
			v.at(path, "needs at least one point")
		}
		for i, point := range curve {
			pointPath := fmt.Sprintf("%s[%d]", path, i)
			if !finite(point.Value) || point.Value < 0 {
				v.at(pointPath+".value", "must be a finite number ≥ 0, got %v", point.Value)
			}
			if point.At.Std() > 24*time.Hour {
				v.at(pointPath+".at", "must be within 00:00..24:00")
			}
			if i > 0 && point.At <= curve[i-1].At {
				v.at(pointPath+".at", "%s is not after the previous point's %s; points must be in increasing time", point.At, curve[i-1].At)
			}
		}
	}
}

func (v validator) curveReference(path, name string) {
	if name == "" {
		return
	}
	if _, ok := v.scenario.Curves[name]; !ok {
		v.at(path, "unknown curve %q%s", name, v.suggest(name, v.curveNames()))
	}
}

func (v validator) curveNames() []string {
	names := make([]string, 0, len(v.scenario.Curves))
	for name := range v.scenario.Curves {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (v validator) personaReference(path, name string) {
	if v.scenario.PersonaIndex(name) < 0 {
		names := make([]string, 0, len(v.scenario.Population.Personas))
		for _, persona := range v.scenario.Population.Personas {
			names = append(names, persona.Name)
		}
		v.at(path, "unknown persona %q%s", name, v.suggest(name, names))
	}
}

func (v validator) suggest(name string, known []string) string {
	if guess := closest(name, known); guess != "" {
		return fmt.Sprintf(" (did you mean %q?)", guess)
	}
	if len(known) == 0 {
		return " (none are defined)"
	}
	return fmt.Sprintf(" (defined: %s)", strings.Join(known, ", "))
}

func (v validator) population() {
	population := v.scenario.Population
	if population.Users < 1 || population.Users > MaxUsers {
		v.at("population.users", "must be between 1 and %d, got %d", MaxUsers, population.Users)
	}
	if len(population.Domains) == 0 {
		v.at("population.domains", "needs at least one domain")
	}
	for i, domain := range population.Domains {
		if domain == "" || strings.ContainsAny(domain, " \t@:/") {
			v.at(fmt.Sprintf("population.domains[%d]", i), "invalid domain %q", domain)
		}
	}
	v.intRange("population.lines_per_user", population.LinesPerUser, 1, MaxLinesPerUser)
	v.intRange("population.team_size", population.TeamSize, 1, MaxTeamSize)
	if population.DepartmentSize < population.TeamSize || population.TeamSize < 1 || population.DepartmentSize%population.TeamSize != 0 {
		v.at("population.department_size", "must be a multiple of team_size (%d), got %d", population.TeamSize, population.DepartmentSize)
	}
	if len(population.Personas) == 0 {
		v.at("population.personas", "needs at least one persona")
		return
	}
	seen := make(map[string]bool)
	counted, shares, sharePersonas := 0, 0.0, 0
	for i := range population.Personas {
		persona := &population.Personas[i]
		path := fmt.Sprintf("population.personas[%d]", i)
		if !personaName.MatchString(persona.Name) {
			v.at(path+".name", "invalid persona name %q (want lower-case letters, digits, _ and -)", persona.Name)
		} else if seen[persona.Name] {
			v.at(path+".name", "duplicate persona name %q", persona.Name)
		}
		seen[persona.Name] = true
		switch {
		case persona.Count < 0:
			v.at(path+".count", "must be ≥ 0, got %d", persona.Count)
		case persona.Count > 0 && persona.Share != 0:
			v.at(path+".share", "give either share or count, not both")
		case persona.Count > 0:
			counted += persona.Count
		case !finite(persona.Share) || persona.Share <= 0 || persona.Share > 1:
			v.at(path+".share", "must be in (0, 1], or give a count instead, got %v", persona.Share)
		default:
			shares += persona.Share
			sharePersonas++
		}
		v.persona(path, persona)
	}
	if counted > population.Users {
		v.at("population.personas", "the counted personas need %d users, more than population.users (%d)", counted, population.Users)
	}
	if sharePersonas > 0 && math.Abs(shares-1) > shareTolerance {
		v.at("population.personas", "the shares of the personas sum to %.6g, want 1", shares)
	}
	if sharePersonas == 0 && counted < population.Users {
		v.at("population.personas", "the counted personas cover %d of %d users and no persona has a share for the rest", counted, population.Users)
	}
}

func (v validator) persona(path string, p *Persona) {
	if p.Lines < 0 || p.Lines > MaxLinesPerUser {
		v.at(path+".lines", "must be between 0 (population default) and %d, got %d", MaxLinesPerUser, p.Lines)
	}
	v.intRange(path+".watch.department_colleagues", p.Watch.DepartmentColleagues, 0, MaxWatch)
	v.intRange(path+".watch.random_colleagues", p.Watch.RandomColleagues, 0, MaxWatch)
	v.intRange(path+".watch.popular_contacts", p.Watch.PopularContacts, 0, MaxWatch)
	v.intRange(path+".watch.console", p.Watch.Console, 0, MaxWatch)
	v.calls(path+".calls", &p.Calls)
	v.calendar(path+".calendar", &p.Calendar)
	v.clients(path+".clients", &p.Clients)
	if p.Agent != nil {
		v.rate(path+".agent.not_ready_per_hour", p.Agent.NotReadyPerHour, MaxRatePerHour)
		v.distribution(path+".agent.not_ready", p.Agent.NotReady)
		v.distribution(path+".agent.working_after_call", p.Agent.WorkingAfterCall)
	}
}

func (v validator) calls(path string, calls *Calls) {
	v.rate(path+".busy_hour_rate", calls.BusyHourRate, MaxRatePerHour)
	v.curveReference(path+".curve", calls.Curve)
	if !finite(calls.RateSpread) || calls.RateSpread < 0 || (calls.RateSpread > 0 && calls.RateSpread < 0.05) {
		v.at(path+".rate_spread", "must be 0 (no spread) or a gamma shape ≥ 0.05, got %v", calls.RateSpread)
	}
	v.distribution(path+".holding", calls.Holding)
	v.distribution(path+".ring", calls.Ring)
	v.nonNegativeDuration(path+".setup_delay", calls.SetupDelay)
	outcomes := calls.Outcomes
	v.share(path+".outcomes.answered", outcomes.Answered)
	v.share(path+".outcomes.no_answer", outcomes.NoAnswer)
	v.share(path+".outcomes.busy", outcomes.Busy)
	if sum := outcomes.Answered + outcomes.NoAnswer + outcomes.Busy; math.Abs(sum-1) > shareTolerance {
		v.at(path+".outcomes", "answered + no_answer + busy = %.6g, want 1", sum)
	}
	v.share(path+".inbound_share", calls.InboundShare)
	v.share(path+".internal_share", calls.InternalShare)
	v.share(path+".internal_targets.team", calls.InternalTargets.Team)
	v.share(path+".internal_targets.department", calls.InternalTargets.Department)
	if calls.InternalTargets.Team+calls.InternalTargets.Department > 1+shareTolerance {
		v.at(path+".internal_targets", "team + department = %.6g, more than 1", calls.InternalTargets.Team+calls.InternalTargets.Department)
	}
	v.share(path+".hold.probability", calls.Hold.Probability)
	v.distribution(path+".hold.duration", calls.Hold.Duration)
	v.rate(path+".forwards.per_day", calls.Forwards.PerDay, MaxPerDay)
	v.distribution(path+".forwards.duration", calls.Forwards.Duration)
	v.share(path+".forwards.internal_share", calls.Forwards.InternalShare)
}

func (v validator) calendar(path string, calendar *Calendar) {
	v.rate(path+".meetings_per_day", calendar.MeetingsPerDay, MaxMeetingsPerDay)
	if calendar.Window.To <= calendar.Window.From || calendar.Window.To.Std() > 24*time.Hour {
		v.at(path+".window", "to (%s) must be after from (%s) and at most 24:00", calendar.Window.To, calendar.Window.From)
	}
	v.curveReference(path+".curve", calendar.Curve)
	if calendar.Curve != "" && calendar.MeetingsPerDay > 0 {
		curve := v.scenario.Curves[calendar.Curve]
		if curve != nil && curve.Integral(calendar.Window.From.Std(), calendar.Window.To.Std()) <= 0 {
			v.at(path+".curve", "curve %q is zero over the whole window", calendar.Curve)
		}
	}
	// Map keys in order, so that the messages come in the same order on
	// every run.
	minutes := slices.Sorted(maps.Keys(calendar.StartSlots))
	slotWeights := make([]float64, 0, len(minutes))
	for _, minute := range minutes {
		if minute < 0 || minute > 59 {
			v.at(path+".start_slots", "minute %d out of range :00..:59", int(minute))
		}
		slotWeights = append(slotWeights, calendar.StartSlots[minute])
	}
	v.weights(path+".start_slots", slotWeights...)
	lengths := slices.Sorted(maps.Keys(calendar.Durations))
	durationWeights := make([]float64, 0, len(lengths))
	for _, length := range lengths {
		if length <= 0 || length.Std() > 24*time.Hour {
			v.at(path+".durations", "meeting length %s must be in (0, 24h]", length)
		}
		durationWeights = append(durationWeights, calendar.Durations[length])
	}
	v.weights(path+".durations", durationWeights...)
	status := calendar.Status
	v.weights(path+".status", status.Busy, status.Tentative, status.Free, status.OutOfOffice)
	v.share(path+".recurring_share", calendar.RecurringShare)
	v.share(path+".all_day_share", calendar.AllDayShare)
	v.share(path+".out_of_office_day_share", calendar.OutOfOfficeDayShare)
	v.share(path+".early_end.probability", calendar.EarlyEnd.Probability)
	v.distribution(path+".early_end.by", calendar.EarlyEnd.By)
	v.share(path+".overrun.probability", calendar.Overrun.Probability)
	v.distribution(path+".overrun.by", calendar.Overrun.By)
	v.share(path+".dnd_share", calendar.DoNotDisturbShare)
	v.nonNegativeDuration(path+".sync_interval", calendar.SyncInterval)
	if len(calendar.Fixed) > MaxFixedMeetings {
		v.at(path+".fixed", "at most %d fixed meetings, got %d", MaxFixedMeetings, len(calendar.Fixed))
	}
	for i, fixed := range calendar.Fixed {
		fixedPath := fmt.Sprintf("%s.fixed[%d]", path, i)
		if fixed.Start.Std() >= 24*time.Hour {
			v.at(fixedPath+".start", "must be before 24:00")
		}
		if fixed.Duration <= 0 || fixed.Duration.Std() > 24*time.Hour {
			v.at(fixedPath+".duration", "must be in (0, 24h], got %s", fixed.Duration)
		}
		if !finite(fixed.Share) || fixed.Share <= 0 || fixed.Share > 1 {
			v.at(fixedPath+".share", "must be in (0, 1], got %v", fixed.Share)
		}
	}
}

func (v validator) clients(path string, clients *Clients) {
	if len(clients.Devices) > MaxDevices {
		v.at(path+".devices", "at most %d devices per persona, got %d", MaxDevices, len(clients.Devices))
	}
	for i, device := range clients.Devices {
		devicePath := fmt.Sprintf("%s.devices[%d]", path, i)
		if device.Kind == 0 {
			v.at(devicePath+".kind", "required: desktop, web or mobile")
		}
		v.share(devicePath+".share", device.Share)
		v.timeDistribution(devicePath+".login", device.Login)
		v.timeDistribution(devicePath+".logout", device.Logout)
	}
	idle := clients.Idle
	v.nonNegativeDuration(path+".idle.after", idle.After)
	v.share(path+".idle.lunch.share", idle.Lunch.Share)
	v.timeDistribution(path+".idle.lunch.start", idle.Lunch.Start)
	v.distribution(path+".idle.lunch.duration", idle.Lunch.Duration)
	v.rate(path+".idle.screen_lock.per_hour", idle.ScreenLock.PerHour, 60)
	v.distribution(path+".idle.screen_lock.duration", idle.ScreenLock.Duration)
	manual := clients.Manual
	v.rate(path+".manual.per_hour", manual.PerHour, 60)
	v.curveReference(path+".manual.curve", manual.Curve)
	v.weights(path+".manual.states", manual.States.Available, manual.States.Busy, manual.States.DoNotDisturb, manual.States.OutOfOffice)
	v.distribution(path+".manual.duration", manual.Duration)
	v.rate(path+".notes.per_hour", clients.Notes.PerHour, 60)
	v.distribution(path+".notes.duration", clients.Notes.Duration)
	v.share(path+".notes.lunch_share", clients.Notes.LunchShare)
	reconnect := clients.Reconnect
	v.rate(path+".reconnect.drops_per_day", reconnect.DropsPerDay, MaxPerDay)
	v.distribution(path+".reconnect.outage", reconnect.Outage)
	backoff := reconnect.Backoff
	if backoff.Initial <= 0 {
		v.at(path+".reconnect.backoff.initial", "must be more than 0, got %s", backoff.Initial)
	}
	if backoff.Max < backoff.Initial {
		v.at(path+".reconnect.backoff.max", "must be at least initial (%s), got %s", backoff.Initial, backoff.Max)
	}
	if !finite(backoff.Multiplier) || backoff.Multiplier < 1 || backoff.Multiplier > 100 {
		v.at(path+".reconnect.backoff.multiplier", "must be between 1 and 100, got %v", backoff.Multiplier)
	}
	v.share(path+".reconnect.backoff.jitter", backoff.Jitter)
	v.share(path+".slow_reader_share", clients.SlowReaderShare)
}

func (v validator) subscriptions() {
	subscriptions := v.scenario.Subscriptions
	if !finite(subscriptions.ZipfExponent) || subscriptions.ZipfExponent < 0 || subscriptions.ZipfExponent > 10 {
		v.at("subscriptions.zipf_exponent", "must be between 0 and 10, got %v", subscriptions.ZipfExponent)
	}
	v.intRange("subscriptions.popular_pool", subscriptions.PopularPool, 1, MaxUsers)
	for i, rule := range subscriptions.OptIn {
		path := fmt.Sprintf("subscriptions.opt_in[%d]", i)
		if rule.Flags == 0 {
			v.at(path+".flags", "required: the flags to add, e.g. 32768 for agent status")
		}
		for j, name := range rule.OwnerPersonas {
			v.personaReference(fmt.Sprintf("%s.owner_personas[%d]", path, j), name)
		}
		for j, name := range rule.WatcherPersonas {
			v.personaReference(fmt.Sprintf("%s.watcher_personas[%d]", path, j), name)
		}
		v.share(path+".share", rule.Share)
	}
}

func (v validator) rights() {
	rights := v.scenario.Rights
	names := make([]string, 0, len(rights.WatcherPersonas))
	for name := range rights.WatcherPersonas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v.personaReference("rights.watcher_personas."+name, name)
	}
	levels := []struct {
		path  string
		level Level
	}{{"rights.team", rights.Team}, {"rights.department", rights.Department}, {"rights.company", rights.Company}, {"rights.other_domain", rights.OtherDomain}}
	for _, entry := range levels {
		if entry.level > LevelPersonal {
			v.at(entry.path, "unknown rights level %d", entry.level)
		}
	}
	v.share("rights.blocked_share", rights.BlockedShare)
	v.share("rights.personal_share", rights.PersonalShare)
	if rights.BlockedShare+rights.PersonalShare > 1+shareTolerance {
		v.at("rights", "blocked_share + personal_share = %.6g, more than 1", rights.BlockedShare+rights.PersonalShare)
	}
}

func (v validator) fault(path string, fault Fault) {
	day := v.scenario.Day
	if fault.At < day.Start || fault.At.Std() >= day.End() {
		v.at(path+".at", "%s is outside the day %s..%s", fault.At, day.Start, TimeOfDay(day.End()))
	}
	if fault.Kind == FaultNone {
		v.at(path+".kind", "required: disconnect")
	}
	v.share(path+".share", fault.Share)
	v.distribution(path+".outage", fault.Outage)
}

// share checks a probability or fraction.
func (v validator) share(path string, value float64) {
	if !(value >= 0 && value <= 1) {
		v.at(path, "must be between 0 and 1, got %v", value)
	}
}

// rate checks a non-negative finite rate with an upper bound.
func (v validator) rate(path string, value, limit float64) {
	if !(value >= 0 && value <= limit) {
		v.at(path, "must be between 0 and %v, got %v", limit, value)
	}
}

func (v validator) intRange(path string, value, low, high int) {
	if value < low || value > high {
		v.at(path, "must be between %d and %d, got %d", low, high, value)
	}
}

func (v validator) nonNegativeDuration(path string, value Duration) {
	if value < 0 {
		v.at(path, "must not be negative, got %s", value)
	}
}

// weights checks relative weights: each ≥ 0 and finite, and a positive sum.
func (v validator) weights(path string, weights ...float64) {
	sum := 0.0
	for _, weight := range weights {
		if !(weight >= 0) || !finite(weight) {
			v.at(path, "weights must be finite numbers ≥ 0, got %v", weight)
			return
		}
		sum += weight
	}
	if !(sum > 0) || !finite(sum) {
		v.at(path, "needs at least one positive weight")
	}
}

// distribution checks a duration law and rejects parameters that do not
// apply to its kind, which are almost always a mistake.
func (v validator) distribution(path string, d Distribution) {
	uses := map[DistributionKind][]string{
		DistributionConstant:    {"mean"},
		DistributionExponential: {"mean"},
		DistributionLognormal:   {"mean", "sigma"},
		DistributionErlang:      {"mean", "shape"},
		DistributionNormal:      {"mean", "stddev"},
		DistributionUniform:     {},
	}
	applies, ok := uses[d.Kind]
	if !ok {
		v.at(path+".distribution", "required: one of constant, exponential, lognormal, erlang, normal, uniform")
		return
	}
	for _, parameter := range []string{"mean", "sigma", "stddev", "shape"} {
		if v.index.has(path+"."+parameter) && !contains(applies, parameter) {
			v.at(path+"."+parameter, "does not apply to the %s distribution", d.Kind)
		}
	}
	switch d.Kind {
	case DistributionConstant:
		if d.Mean < 0 {
			v.at(path+".mean", "must not be negative, got %s", d.Mean)
		}
	case DistributionExponential, DistributionLognormal, DistributionErlang, DistributionNormal:
		if d.Mean <= 0 {
			v.at(path+".mean", "must be more than 0, got %s", d.Mean)
		}
	}
	if d.Kind == DistributionLognormal && !(d.Sigma >= 0 && d.Sigma <= maxSigma) {
		v.at(path+".sigma", "must be between 0 and %v, got %v", maxSigma, d.Sigma)
	}
	if d.Kind == DistributionErlang && (d.Shape < 1 || d.Shape > maxErlangShape) {
		v.at(path+".shape", "must be between 1 and %d, got %d", maxErlangShape, d.Shape)
	}
	if d.Kind == DistributionNormal && d.Stddev < 0 {
		v.at(path+".stddev", "must not be negative, got %s", d.Stddev)
	}
	if d.Min < 0 {
		v.at(path+".min", "must not be negative, got %s", d.Min)
	}
	if d.Max < 0 || (d.Max > 0 && d.Max < d.Min) {
		v.at(path+".max", "must be 0 (no limit) or at least min (%s), got %s", d.Min, d.Max)
	}
	if d.Kind == DistributionUniform && d.Max <= d.Min {
		v.at(path+".max", "a uniform distribution needs max > min, got min %s max %s", d.Min, d.Max)
	}
}

// timeDistribution checks a time-of-day law.
func (v validator) timeDistribution(path string, d TimeDistribution) {
	uses := map[DistributionKind][]string{
		DistributionConstant:  {"mean"},
		DistributionNormal:    {"mean", "stddev"},
		DistributionUniform:   {"from", "to"},
		DistributionLognormal: {"from", "mean", "sigma"},
	}
	applies, ok := uses[d.Kind]
	if !ok {
		v.at(path+".distribution", "required: one of constant, normal, uniform, lognormal")
		return
	}
	for _, parameter := range []string{"mean", "stddev", "sigma", "from", "to"} {
		if v.index.has(path+"."+parameter) && !contains(applies, parameter) {
			v.at(path+"."+parameter, "does not apply to the %s time distribution", d.Kind)
		}
	}
	switch d.Kind {
	case DistributionNormal:
		if d.Stddev < 0 {
			v.at(path+".stddev", "must not be negative, got %s", d.Stddev)
		}
	case DistributionUniform:
		if d.To <= d.From {
			v.at(path+".to", "must be after from (%s), got %s", d.From, d.To)
		}
	case DistributionLognormal:
		if d.Mean <= d.From {
			v.at(path+".mean", "must be after from (%s), got %s", d.From, d.Mean)
		}
		if !(d.Sigma >= 0 && d.Sigma <= maxSigma) {
			v.at(path+".sigma", "must be between 0 and %v, got %v", maxSigma, d.Sigma)
		}
	}
}

func contains(list []string, item string) bool {
	for _, candidate := range list {
		if candidate == item {
			return true
		}
	}
	return false
}
