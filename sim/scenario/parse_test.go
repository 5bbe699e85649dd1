package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid scenario; the table tests below break it.
const minimal = `name: t
population:
  users: 10
  personas:
    - name: office
      share: 1
`

func TestParseMinimalAppliesDefaults(t *testing.T) {
	s, err := Parse("min.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	persona := s.Population.Personas[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"day.start", s.Day.Start, TimeOfDay(7 * time.Hour)},
		{"day.length", s.Day.Length, Duration(12 * time.Hour)},
		{"day.wall_time", s.Day.WallTime, Duration(12 * time.Hour)},
		{"team_size", s.Population.TeamSize, 8},
		{"department_size", s.Population.DepartmentSize, 64},
		{"domains", strings.Join(s.Population.Domains, ","), "example.com"},
		{"event_flags", s.Subscriptions.EventFlags, uint32(1023)},
		{"rights.team", s.Rights.Team, LevelTeam},
		{"rights.other_domain", s.Rights.OtherDomain, LevelPublic},
		{"own_team", persona.Watch.OwnTeam, true},
		{"holding", persona.Calls.Holding, defaultHolding},
		{"outcomes", persona.Calls.Outcomes, defaultOutcomes},
		{"inbound_share", persona.Calls.InboundShare, 0.5},
		{"devices", len(persona.Clients.Devices), 1},
		{"device login", persona.Clients.Devices[0].Login, defaultLogin},
		{"backoff", persona.Clients.Reconnect.Backoff, defaultBackoff},
		{"start slots", len(persona.Calendar.StartSlots), 4},
		{"agent", persona.Agent == nil, true},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s = %v, want the default %v", check.name, check.got, check.want)
		}
	}
	if s.Day.Speed() != 1 {
		t.Errorf("speed = %v, want 1 for a real-time day", s.Day.Speed())
	}
}

func TestParseKeepsExplicitZeros(t *testing.T) {
	s, err := Parse("zero.yaml", []byte(minimal+`      watch: {own_team: false}
      calls: {inbound_share: 0, setup_delay: 0, internal_targets: {team: 0, department: 0}}
      clients:
        devices: []
      agent:
`))
	if err != nil {
		t.Fatal(err)
	}
	persona := s.Population.Personas[0]
	if persona.Watch.OwnTeam || persona.Calls.InboundShare != 0 || persona.Calls.SetupDelay != 0 || persona.Calls.InternalTargets.Team != 0 {
		t.Errorf("explicit zeros were replaced by defaults: %+v %+v", persona.Watch, persona.Calls)
	}
	if len(persona.Clients.Devices) != 0 {
		t.Errorf("devices: [] gave %d devices, want none", len(persona.Clients.Devices))
	}
	if persona.Agent == nil || persona.Agent.WorkingAfterCall != defaultWrapUp {
		t.Errorf("agent: (empty) should enable agents with defaults, got %+v", persona.Agent)
	}
}

func TestParseMergeKeysCountAsWritten(t *testing.T) {
	s, err := Parse("merge.yaml", []byte(`name: t
population:
  users: 10
  personas:
    - name: a
      share: 0.5
      calls: &calls {busy_hour_rate: 3, inbound_share: 0}
    - name: b
      share: 0.5
      calls:
        <<: *calls
        busy_hour_rate: 5
`))
	if err != nil {
		t.Fatal(err)
	}
	b := s.Population.Personas[1].Calls
	if b.BusyHourRate != 5 || b.InboundShare != 0 {
		t.Errorf("merged persona calls = rate %v inbound %v, want 5 and the merged explicit 0", b.BusyHourRate, b.InboundShare)
	}
}

// TestParseErrorsNameFileLineAndKey breaks one thing at a time and checks
// the whole message prefix: file, line, and the key named.
func TestParseErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name string
		file string
		want string
	}{
		{"unknown top key", "name: t\nseeds: 3\n" + minimal[8:], `bad.yaml:2: unknown key "seeds" (did you mean "seed"?)`},
		{"unknown nested key", strings.Replace(minimal, "  users: 10\n", "  users: 10\n  persona: 1\n", 1), `bad.yaml:4: unknown key "persona" in population (did you mean "personas"?)`},
		{"unknown persona key", minimal + "      behaviour: {}\n", `bad.yaml:7: unknown key "behaviour" in population.personas[0]`},
		{"unknown deep key", minimal + "      calls:\n        holding: {distribution: exponential, mean: 3m, median: 2m}\n", `bad.yaml:8: unknown key "median" in population.personas[0].calls.holding`},
		{"duplicate key", minimal + "      share: 1\n", `bad.yaml:7: duplicate key "share" (first at line 6)`},
		{"wrong type", strings.Replace(minimal, "users: 10", "users: many", 1), `bad.yaml:3: population.users: want an integer, got the string "many"`},
		{"list for mapping", minimal + "      calls: [1, 2]\n", `bad.yaml:7: population.personas[0].calls: want a mapping, got a list`},
		{"duration without unit", minimal + "      calls: {setup_delay: 3}\n", `bad.yaml:7: population.personas[0].calls.setup_delay: duration "3" needs a unit`},
		{"bad time of day", "name: t\nday: {start: \"25:00\"}\n" + minimal[8:], `bad.yaml:2: day.start: time of day "25:00" out of range`},
		{"bad enum", minimal + "      clients: {devices: [{kind: phone}]}\n", `bad.yaml:7: population.personas[0].clients.devices[0].kind: invalid device kind "phone" (want one of desktop, web, mobile)`},
		{"bad slo", minimal + "slo:\n  - \"delivery.p99 < 50 parsecs\"\n", `bad.yaml:8: slo[0]: SLO "delivery.p99 < 50 parsecs": unknown unit "parsecs"`},
		{"slo without operator", minimal + "slo: [\"lost 0\"]\n", `bad.yaml:7: slo[0]: SLO "lost 0": want an operator`},
		{"syntax", "name: t\n  population: : :\n", `bad.yaml:2: syntax error:`},
		{"tabs", "name: t\npopulation:\n\tusers: 3\n", `bad.yaml:3: syntax error:`},
		{"empty", "", `bad.yaml:1: empty scenario`},
		{"top-level list", "- a\n- b\n", `bad.yaml:1: the top level must be a mapping`},
		{"two documents", minimal + "---\nname: u\n", `bad.yaml:7: only one YAML document`},
		// Semantic errors.
		{"missing name", minimal[8:], `bad.yaml:1: name: required`},
		{"shares do not sum", strings.Replace(minimal, "share: 1", "share: 0.7", 1), `bad.yaml:4: population.personas: the shares of the personas sum to 0.7, want 1`},
		{"share out of range", minimal + "      calls: {internal_share: 1.5}\n", `bad.yaml:7: population.personas[0].calls.internal_share: must be between 0 and 1, got 1.5`},
		{"nan share", minimal + "      calls: {internal_share: .nan}\n", `bad.yaml:7: population.personas[0].calls.internal_share: must be between 0 and 1, got NaN`},
		{"outcomes do not sum", minimal + "      calls:\n        outcomes: {answered: 0.5, no_answer: 0.1, busy: 0.1}\n", `bad.yaml:8: population.personas[0].calls.outcomes: answered + no_answer + busy = 0.7, want 1`},
		{"unknown curve", "name: t\ncurves:\n  office: [{at: \"08:00\", value: 1}]\n" + minimal[8:] + "      calls: {curve: ofice}\n", `bad.yaml:9: population.personas[0].calls.curve: unknown curve "ofice" (did you mean "office"?)`},
		{"curve out of order", "name: t\ncurves:\n  c:\n    - {at: \"09:00\", value: 1}\n    - {at: \"08:00\", value: 1}\n" + minimal[8:], `bad.yaml:5: curves.c[1].at: 08:00 is not after the previous point's 09:00`},
		{"unknown persona in rights", minimal + "rights: {watcher_personas: {reception: team}}\n", `bad.yaml:7: rights.watcher_personas.reception: unknown persona "reception" (defined: office)`},
		{"unknown persona in opt-in", minimal + "subscriptions:\n  opt_in: [{flags: 32768, owner_personas: [agents]}]\n", `bad.yaml:8: subscriptions.opt_in[0].owner_personas[0]: unknown persona "agents"`},
		{"parameter of another law", minimal + "      calls:\n        holding: {distribution: exponential, mean: 3m, sigma: 1}\n", `bad.yaml:8: population.personas[0].calls.holding.sigma: does not apply to the exponential distribution`},
		{"missing distribution", minimal + "      calls:\n        ring: {mean: 3s}\n", `bad.yaml:8: population.personas[0].calls.ring.distribution: required`},
		{"count beyond users", strings.Replace(minimal, "share: 1", "count: 11", 1), `bad.yaml:4: population.personas: the counted personas need 11 users`},
		{"department not multiple", strings.Replace(minimal, "users: 10", "users: 10\n  team_size: 8\n  department_size: 20", 1), `bad.yaml:5: population.department_size: must be a multiple of team_size (8), got 20`},
		{"day past midnight", "name: t\nday: {start: \"20:00\", length: 6h}\n" + minimal[8:], `bad.yaml:2: day.length: the day 20:00 + 6h0m0s passes 24:00`},
		{"fault outside day", minimal + "faults: [{at: \"23:00\", kind: disconnect}]\n", `bad.yaml:7: faults[0].at: 23:00 is outside the day 07:00..19:00`},
		{"duplicate persona", strings.Replace(minimal, "share: 1", "share: 0.5\n    - name: office\n      share: 0.5", 1), `bad.yaml:7: population.personas[1].name: duplicate persona name "office"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.file))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", c.file)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want a non-empty ErrorList", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, c.want) {
					return
				}
			}
			t.Errorf("no message starts with\n  %s\ngot\n  %s", c.want, strings.ReplaceAll(err.Error(), "\n", "\n  "))
		})
	}
}

func TestParseReportsEveryErrorInLineOrder(t *testing.T) {
	file := strings.Replace(minimal, "users: 10", "users: 0", 1) + "      lines: 9\n      calls: {busy_hour_rate: -1}\n"
	_, err := Parse("many.yaml", []byte(file))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want an ErrorList", err)
	}
	if len(list) != 3 {
		t.Fatalf("got %d errors, want 3:\n%v", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Errorf("errors out of line order:\n%v", err)
		}
	}
	if list[0].Key != "population.users" || list[0].Line != 3 {
		t.Errorf("first error = %+v, want population.users at line 3", list[0])
	}
}

func TestValidateGoBuiltScenario(t *testing.T) {
	s, err := Parse("ok.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("a parsed scenario must validate again: %v", err)
	}
	s.Population.Personas[0].Calls.Outcomes.Answered = 2
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "outcomes.answered") {
		t.Errorf("Validate after breaking outcomes = %v, want an outcomes error", err)
	}
}

func TestLoadNamesThePath(t *testing.T) {
	if _, err := Load("testdata/does-not-exist.yaml"); err == nil || !strings.HasPrefix(err.Error(), "scenario: ") {
		t.Errorf("Load of a missing file = %v, want a scenario: error", err)
	}
}
