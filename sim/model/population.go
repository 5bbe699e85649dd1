package model

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

// User is one simulated user. Team, department and domain follow from the
// index alone (blocks of consecutive indices), so they do not change when
// the population grows.
type User struct {
	// Index is the user's position, 0..Users-1.
	Index int
	// Persona is the index into Scenario.Population.Personas.
	Persona int
	// Team is Index / TeamSize.
	Team int
	// Department is Index / DepartmentSize.
	Department int
	// Domain is the index into Population.Domains: Department mod the
	// number of domains.
	Domain int
	// Lines is the number of phone lines.
	Lines int
	// ContactID is the presence contact ID, "sip:user000042@example.com".
	ContactID string
	// Number is the primary line's phone number, "+49301000042".
	Number string
}

// Population is the users of a scenario and the prepared behaviour models
// of their personas. It is read-only after NewPopulation and safe for
// concurrent use.
type Population struct {
	// Scenario is the validated scenario.
	Scenario *scenario.Scenario
	// Users are all users, by index.
	Users []User

	personas    []personaModel
	countedEnd  int       // users [0, countedEnd) belong to counted personas
	shareBounds []float64 // cumulative shares of the share personas
	sharePicks  []int     // persona index per share bound
	weylStart   float64
	faults      []faultModel
	dayStart    time.Duration
	dayLength   time.Duration
}

// golden is the fractional part of the golden ratio. The Weyl sequence
// frac(start + i·golden) spreads the share personas over the users so that
// every prefix of the population has nearly exact shares (the error is
// O(log n) users), and user i's persona does not depend on how many users
// follow it.
const golden = 0.6180339887498949

// NewPopulation builds the users of a validated scenario (see
// scenario.Parse). It fails if the scenario does not validate.
func NewPopulation(s *scenario.Scenario) (*Population, error) {
	if s == nil {
		return nil, fmt.Errorf("model: nil scenario")
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	p := &Population{
		Scenario:  s,
		dayStart:  s.Day.Start.Std(),
		dayLength: s.Day.Length.Std(),
		weylStart: unit(hash(s.Seed, uint64(purposePersona), 0, 0)),
	}
	share := 0.0
	for i := range s.Population.Personas {
		persona := &s.Population.Personas[i]
		p.personas = append(p.personas, newPersonaModel(s, i))
		if persona.Count > 0 {
			p.countedEnd += persona.Count
			continue
		}
		share += persona.Share
		p.shareBounds = append(p.shareBounds, share)
		p.sharePicks = append(p.sharePicks, i)
	}
	for _, fault := range s.Faults {
		p.faults = append(p.faults, faultModel{at: fault.At.Std() - p.dayStart, share: fault.Share, outage: newDurationLaw(fault.Outage)})
	}
	sort.SliceStable(p.faults, func(i, j int) bool { return p.faults[i].at < p.faults[j].at })

	p.Users = make([]User, s.Population.Users)
	for i := range p.Users {
		user := &p.Users[i]
		user.Index = i
		user.Persona = p.personaOf(i)
		user.Team = i / s.Population.TeamSize
		user.Department = i / s.Population.DepartmentSize
		user.Domain = user.Department % len(s.Population.Domains)
		user.Lines = p.personas[user.Persona].lines
		user.ContactID = fmt.Sprintf("sip:user%06d@%s", i, s.Population.Domains[user.Domain])
		user.Number = fmt.Sprintf("+4930%07d", 1000000+i)
	}
	return p, nil
}

// personaOf assigns the persona of user i: counted personas take the
// first users in file order, the share personas the rest by the Weyl
// sequence.
func (p *Population) personaOf(i int) int {
	if i < p.countedEnd {
		offset := 0
		for index, persona := range p.Scenario.Population.Personas {
			if persona.Count > 0 {
				offset += persona.Count
				if i < offset {
					return index
				}
			}
		}
	}
	if len(p.sharePicks) == 0 {
		return len(p.personas) - 1 // unreachable for a validated scenario
	}
	x := p.weylStart + float64(i-p.countedEnd)*golden
	x -= math.Floor(x)
	x *= p.shareBounds[len(p.shareBounds)-1]
	for j, bound := range p.shareBounds {
		if x < bound {
			return p.sharePicks[j]
		}
	}
	return p.sharePicks[len(p.sharePicks)-1]
}

// Size returns the number of users.
func (p *Population) Size() int { return len(p.Users) }

// Persona returns the persona of user i.
func (p *Population) Persona(i int) *scenario.Persona {
	return &p.Scenario.Population.Personas[p.Users[i].Persona]
}

// PersonaCounts returns the number of users per persona, by persona index.
func (p *Population) PersonaCounts() []int {
	counts := make([]int, len(p.personas))
	for _, user := range p.Users {
		counts[user.Persona]++
	}
	return counts
}

// TeamMembers returns the index range [from, to) of user i's team.
func (p *Population) TeamMembers(i int) (from, to int) {
	size := p.Scenario.Population.TeamSize
	from = i / size * size
	return from, min(from+size, len(p.Users))
}

// DepartmentMembers returns the index range [from, to) of user i's
// department.
func (p *Population) DepartmentMembers(i int) (from, to int) {
	size := p.Scenario.Population.DepartmentSize
	from = i / size * size
	return from, min(from+size, len(p.Users))
}

// TimeOfDay converts an event offset into the time of day.
func (p *Population) TimeOfDay(offset time.Duration) time.Duration { return p.dayStart + offset }

// Offset converts a time of day into an event offset.
func (p *Population) Offset(timeOfDay time.Duration) time.Duration { return timeOfDay - p.dayStart }

// faultModel is an injected fault at an offset.
type faultModel struct {
	at     time.Duration
	share  float64
	outage durationLaw
}
