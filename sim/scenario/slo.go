package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Operator is the comparison of a threshold.
type Operator uint8

// Operators.
const (
	OperatorLess Operator = iota + 1
	OperatorLessOrEqual
	OperatorGreater
	OperatorGreaterOrEqual
	OperatorEqual
	OperatorNotEqual
)

var operatorText = [...]string{"", "<", "<=", ">", ">=", "==", "!="}

// String returns the operator's symbol.
func (o Operator) String() string {
	if int(o) < len(operatorText) {
		return operatorText[o]
	}
	return "?"
}

// holds reports whether "observed o value" is true. NaN never holds.
func (o Operator) holds(observed, value float64) bool {
	switch o {
	case OperatorLess:
		return observed < value
	case OperatorLessOrEqual:
		return observed <= value
	case OperatorGreater:
		return observed > value
	case OperatorGreaterOrEqual:
		return observed >= value
	case OperatorEqual:
		return observed == value
	case OperatorNotEqual:
		return !math.IsNaN(observed) && observed != value
	}
	return false
}

// unitScale maps a value unit to its factor into the result unit: seconds
// for durations, a fraction for percent.
var unitScale = map[string]float64{
	"":   1,
	"ns": 1e-9,
	"us": 1e-6,
	"µs": 1e-6,
	"ms": 1e-3,
	"s":  1,
	"m":  60,
	"h":  3600,
	"%":  1e-2,
}

// Threshold is one parsed SLO expression such as "fanout.p99.9 < 200ms".
// Value is in the result unit: seconds for a duration, a fraction for a
// percentage, the plain number otherwise.
type Threshold struct {
	// Expression is the text as written.
	Expression string
	// Metric is the key looked up in the results, e.g. "fanout.p99.9".
	Metric string
	// Operator is the comparison.
	Operator Operator
	// Value is the bound in the result unit.
	Value float64
	// Unit is the unit as written ("ms", "%", or "").
	Unit string
	// Line is the line of the expression in the scenario file (0 when
	// parsed from a string).
	Line int
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (t *Threshold) UnmarshalYAML(node *yaml.Node) error {
	text, err := scalar(node, `an SLO expression such as "delivery.p99 < 50ms"`)
	if err != nil {
		return err
	}
	parsed, err := ParseThreshold(text)
	if err != nil {
		return valueError(node, "%v", err)
	}
	parsed.Line = node.Line
	*t = parsed
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (t Threshold) MarshalYAML() (any, error) { return t.Expression, nil }

// String returns the expression as written.
func (t Threshold) String() string { return t.Expression }

// Holds reports whether the observed value (in the result unit) meets the
// threshold. NaN never meets a threshold.
func (t Threshold) Holds(observed float64) bool { return t.Operator.holds(observed, t.Value) }

// ParseThreshold parses "metric operator value[unit]". See docs/SCENARIOS.md
// for the grammar.
func ParseThreshold(text string) (Threshold, error) {
	threshold := Threshold{Expression: strings.TrimSpace(text)}
	rest := threshold.Expression
	end := 0
	for end < len(rest) && isMetricByte(rest[end]) {
		end++
	}
	metric := rest[:end]
	if err := checkMetric(metric); err != nil {
		return Threshold{}, fmt.Errorf("SLO %q: %w", text, err)
	}
	threshold.Metric = metric
	rest = strings.TrimLeft(rest[end:], " \t")
	operator := Operator(0)
	for candidate := OperatorLessOrEqual; candidate <= OperatorNotEqual; candidate++ {
		// Two-character operators first so that "<=" is not read as "<".
		if len(candidate.String()) == 2 && strings.HasPrefix(rest, candidate.String()) {
			operator = candidate
			break
		}
	}
	if operator == 0 {
		for _, candidate := range []Operator{OperatorLess, OperatorGreater} {
			if strings.HasPrefix(rest, candidate.String()) {
				operator = candidate
			}
		}
	}
	if operator == 0 {
		return Threshold{}, fmt.Errorf("SLO %q: want an operator (<, <=, >, >=, ==, !=) after %q", text, metric)
	}
	threshold.Operator = operator
	rest = strings.TrimSpace(rest[len(operator.String()):])
	number := numberPrefix(rest)
	if number == "" {
		return Threshold{}, fmt.Errorf("SLO %q: want a number after %q", text, operator)
	}
	value, err := strconv.ParseFloat(number, 64)
	if err != nil || !finite(value) {
		return Threshold{}, fmt.Errorf("SLO %q: invalid number %q", text, number)
	}
	unit := strings.TrimSpace(rest[len(number):])
	scale, ok := unitScale[unit]
	if !ok {
		return Threshold{}, fmt.Errorf("SLO %q: unknown unit %q (want ns, us, ms, s, m, h, %% or none)", text, unit)
	}
	threshold.Value = value * scale
	threshold.Unit = unit
	return threshold, nil
}

func isMetricByte(c byte) bool {
	return c == '_' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// checkMetric accepts name { "." name } where a name is
// [a-zA-Z_][a-zA-Z0-9_]* or a percentile p<digits>[.<digits>] in (0, 100].
func checkMetric(metric string) error {
	if metric == "" {
		return fmt.Errorf("want a metric name such as delivery.p99")
	}
	segments := strings.Split(metric, ".")
	for i := 0; i < len(segments); i++ {
		segment := segments[i]
		if segment == "" {
			return fmt.Errorf("metric %q has an empty name part", metric)
		}
		if isPercentile(segment) {
			percentile := segment[1:]
			// "p99.9": the decimal part is the next dot-separated segment.
			if i+1 < len(segments) && isDigits(segments[i+1]) {
				percentile += "." + segments[i+1]
				i++
			}
			value, _ := strconv.ParseFloat(percentile, 64)
			if value <= 0 || value > 100 {
				return fmt.Errorf("metric %q: percentile %s out of range (0, 100]", metric, percentile)
			}
			continue
		}
		if c := segment[0]; '0' <= c && c <= '9' {
			return fmt.Errorf("metric %q: name part %q starts with a digit", metric, segment)
		}
	}
	return nil
}

func isPercentile(segment string) bool {
	return len(segment) > 1 && segment[0] == 'p' && isDigits(segment[1:])
}

func isDigits(text string) bool {
	if text == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}
	return true
}

// numberPrefix returns the longest prefix that reads as a decimal number
// with an optional sign, fraction and exponent.
func numberPrefix(text string) string {
	i := 0
	if i < len(text) && (text[i] == '-' || text[i] == '+') {
		i++
	}
	digits := 0
	for i < len(text) && (('0' <= text[i] && text[i] <= '9') || text[i] == '.') {
		if text[i] != '.' {
			digits++
		}
		i++
	}
	if digits == 0 {
		return ""
	}
	if i+1 < len(text) && (text[i] == 'e' || text[i] == 'E') {
		j := i + 1
		if j < len(text) && (text[j] == '-' || text[j] == '+') {
			j++
		}
		if j < len(text) && '0' <= text[j] && text[j] <= '9' {
			for j < len(text) && '0' <= text[j] && text[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return text[:i]
}

// Thresholds is the SLO list of a scenario.
type Thresholds []Threshold

// Failure is a threshold that did not hold.
type Failure struct {
	// Threshold is the threshold that failed.
	Threshold Threshold
	// Observed is the reported value in the result unit (NaN if missing).
	Observed float64
	// Missing is true when the results did not report the metric; a
	// threshold that cannot be evaluated fails.
	Missing bool
}

// String describes the failure, e.g. `delivery.p99 < 50ms: observed 73.2ms`.
func (f Failure) String() string {
	if f.Missing {
		return fmt.Sprintf("%s: metric %q not reported", f.Threshold.Expression, f.Threshold.Metric)
	}
	scale := unitScale[f.Threshold.Unit]
	return fmt.Sprintf("%s: observed %.4g%s", f.Threshold.Expression, f.Observed/scale, f.Threshold.Unit)
}

// Evaluate checks every threshold against the results, keyed by metric
// name with durations in seconds and ratios as fractions, and returns the
// thresholds that failed, in file order. A metric missing from the results
// fails its threshold.
func (t Thresholds) Evaluate(results map[string]float64) []Failure {
	var failures []Failure
	for _, threshold := range t {
		observed, ok := results[threshold.Metric]
		if !ok {
			failures = append(failures, Failure{Threshold: threshold, Observed: math.NaN(), Missing: true})
			continue
		}
		if !threshold.Holds(observed) {
			failures = append(failures, Failure{Threshold: threshold, Observed: observed})
		}
	}
	return failures
}
