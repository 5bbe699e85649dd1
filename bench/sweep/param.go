package sweep

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/scenario"
)

// ErrConfig is wrapped by every configuration error of a sweep.
var ErrConfig = errors.New("sweep: invalid configuration")

// Param is a scenario parameter a sweep steps.
type Param string

// The parameters. Each is applied to the scenario file's YAML and the
// result is parsed and validated again, so a step is always a valid
// scenario (written next to the step's results).
const (
	// ParamUsers sets population.users (an integer). A console that
	// watches the whole company in the file (watch.console ≥ users, as in
	// office-1k, callcenter and reception) keeps watching the whole
	// company; one that watches part of it (enterprise-20k: 5,000 of
	// 20,000) keeps its count.
	ParamUsers Param = "users"
	// ParamWatch sets watch.random_colleagues of every persona that is
	// not a console (watch.console = 0): contacts watched per user on top
	// of the team, department and popular contacts (an integer). The step
	// records the resulting subscriptions per watcher.
	ParamWatch Param = "watch"
	// ParamCalls multiplies every persona's calls.busy_hour_rate (a
	// factor; 2 = twice the scenario's call rate).
	ParamCalls Param = "calls"
	// ParamSpeed sets the time compression: virtual time per wall time
	// (60 = an hour of the day in a minute). More speed is more events per
	// wall second with the same population and subscriptions.
	ParamSpeed Param = "speed"
)

// ParseParam parses a parameter name.
func ParseParam(s string) (Param, error) {
	switch p := Param(strings.TrimSpace(s)); p {
	case ParamUsers, ParamWatch, ParamCalls, ParamSpeed:
		return p, nil
	}
	return "", fmt.Errorf("%w: unknown parameter %q (want users, watch, calls or speed)", ErrConfig, s)
}

// Integer reports whether the parameter takes whole numbers.
func (p Param) Integer() bool { return p == ParamUsers || p == ParamWatch }

// Setting is one parameter at one value.
type Setting struct {
	Param Param   `json:"param"`
	Value float64 `json:"value"`
}

// String formats the setting as "users=2000".
func (s Setting) String() string {
	return string(s.Param) + "=" + strconv.FormatFloat(s.Value, 'f', -1, 64)
}

// Window is the part of the virtual day a step runs: the events of
// [Start, Start+Length) at the scenario's speed. Events before Start (the
// morning's logins, the published calendars) become the step's initial
// state, applied before the clock starts. The zero Window is the whole
// day.
type Window struct {
	// Start is the time of day the step begins (since midnight).
	Start time.Duration `json:"start_ns"`
	// Length is the virtual span; zero means the whole day.
	Length time.Duration `json:"length_ns"`
}

// String formats the window as "09:45+30m0s".
func (w Window) String() string {
	if w.Length == 0 {
		return "whole day"
	}
	return scenario.TimeOfDay(w.Start).String() + "+" + w.Length.String()
}

// PeakWindow returns a window of the given virtual length that starts a
// quarter of it before the scenario's telephony peak (model.Offered's
// PeakAt), so that calls have ramped up and the :00 meeting burst nearest
// the peak is inside; it is clamped into the day.
func PeakWindow(s *scenario.Scenario, length time.Duration) (Window, error) {
	day := s.Day.Length.Std()
	if length <= 0 || length >= day {
		return Window{}, nil
	}
	population, err := model.NewPopulation(s)
	if err != nil {
		return Window{}, fmt.Errorf("sweep: %w", err)
	}
	offset := model.Offered(population).PeakAt - length/4
	offset = max(0, min(offset, day-length))
	// Start on a whole minute: a :00 or :30 boundary stays on one.
	start := (s.Day.Start.Std() + offset).Truncate(time.Minute)
	return Window{Start: start, Length: length}, nil
}

// Apply returns the scenario of the file data with the window and the
// settings applied, parsed and validated, and the YAML it was parsed
// from. base is data parsed (for the values a setting scales).
func Apply(name string, data []byte, base *scenario.Scenario, window Window, settings ...Setting) (*scenario.Scenario, []byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("sweep: %s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%w: %s is not a YAML mapping", ErrConfig, name)
	}
	root := doc.Content[0]
	speed := base.Day.Speed()
	length := base.Day.Length.Std()
	if window.Length > 0 {
		setScalar(root, []string{"day", "start"}, scenario.TimeOfDay(window.Start).String(), "!!str")
		setScalar(root, []string{"day", "length"}, window.Length.String(), "!!str")
		length = window.Length
		dropFaults(root, base, window)
	}
	for _, s := range settings {
		if s.Value <= 0 || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			return nil, nil, fmt.Errorf("%w: %s must be positive", ErrConfig, s)
		}
		switch s.Param {
		case ParamUsers:
			users := strconv.Itoa(int(math.Round(s.Value)))
			setScalar(root, []string{"population", "users"}, users, "!!int")
			if err := scaleConsoles(root, base, users); err != nil {
				return nil, nil, err
			}
		case ParamSpeed:
			speed = s.Value
		case ParamWatch, ParamCalls:
			if err := applyPersonas(root, base, s); err != nil {
				return nil, nil, err
			}
		default:
			return nil, nil, fmt.Errorf("%w: unknown parameter %q", ErrConfig, s.Param)
		}
	}
	wall := time.Duration(float64(length) / speed).Round(time.Millisecond)
	setScalar(root, []string{"day", "wall_time"}, max(wall, time.Millisecond).String(), "!!str")
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, nil, fmt.Errorf("sweep: %s: %w", name, err)
	}
	s, err := scenario.Parse(name, out)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s with %s, %v: %w", ErrConfig, name, window, settings, err)
	}
	return s, out, nil
}

// applyPersonas applies a per-persona setting to every persona node.
func applyPersonas(root *yaml.Node, base *scenario.Scenario, s Setting) error {
	list := lookup(root, "population", "personas")
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) != len(base.Population.Personas) {
		return fmt.Errorf("%w: population.personas does not match the parsed scenario", ErrConfig)
	}
	for i, node := range list.Content {
		node = resolve(node)
		persona := &base.Population.Personas[i]
		switch s.Param {
		case ParamWatch:
			if persona.Watch.Console > 0 {
				continue
			}
			setScalar(node, []string{"watch", "random_colleagues"}, strconv.Itoa(int(math.Round(s.Value))), "!!int")
		case ParamCalls:
			rate := persona.Calls.BusyHourRate
			if rate == 0 {
				continue
			}
			if lookup(node, "calls") == nil {
				return fmt.Errorf("%w: persona %s inherits calls through a merge key; scale it in the file", ErrConfig, persona.Name)
			}
			setScalar(node, []string{"calls", "busy_hour_rate"}, strconv.FormatFloat(rate*s.Value, 'g', 6, 64), "!!float")
		}
	}
	return nil
}

// scaleConsoles sets watch.console to users for every persona whose
// console covers the whole population of the file.
func scaleConsoles(root *yaml.Node, base *scenario.Scenario, users string) error {
	list := lookup(root, "population", "personas")
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) != len(base.Population.Personas) {
		return fmt.Errorf("%w: population.personas does not match the parsed scenario", ErrConfig)
	}
	for i, node := range list.Content {
		if c := base.Population.Personas[i].Watch.Console; c > 0 && c >= base.Population.Users {
			setScalar(resolve(node), []string{"watch", "console"}, users, "!!int")
		}
	}
	return nil
}

// dropFaults removes the faults outside the window (a fault must fall in
// the day).
func dropFaults(root *yaml.Node, base *scenario.Scenario, window Window) {
	list := lookup(root, "faults")
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) != len(base.Faults) {
		return
	}
	kept := list.Content[:0]
	for i, node := range list.Content {
		at := base.Faults[i].At.Std()
		if at >= window.Start && at < window.Start+window.Length {
			kept = append(kept, node)
		}
	}
	list.Content = kept
}

// resolve follows an alias.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// lookup returns the value node at path in a mapping, or nil.
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return resolve(n)
}

// setScalar sets the scalar at path, creating the mappings on the way.
func setScalar(n *yaml.Node, path []string, value, tag string) {
	for i, key := range path {
		n = resolve(n)
		at := -1
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				at = j + 1
			}
		}
		last := i == len(path)-1
		if at < 0 {
			keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
			n.Content = append(n.Content, keyNode, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
			at = len(n.Content) - 1
		} else if !last && resolve(n.Content[at]).Kind != yaml.MappingNode {
			n.Content[at] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} // e.g. "day:" left empty
		}
		next := n.Content[at]
		if last {
			*next = yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
			if tag == "!!str" {
				next.Style = yaml.DoubleQuotedStyle
			}
			return
		}
		n = next
	}
}
