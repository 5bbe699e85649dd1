package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// valueError reports a malformed scalar at the node's line. It is a
// *yaml.TypeError so that the decoder keeps going and collects every error
// of the file in one pass.
func valueError(node *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", node.Line) + fmt.Sprintf(format, args...)}}
}

// scalar returns the node's value if it is a scalar, or an error naming what
// was found instead.
func scalar(node *yaml.Node, want string) (string, error) {
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	if node.Kind != yaml.ScalarNode {
		return "", valueError(node, "expected %s, got a %s", want, kindName(node.Kind))
	}
	return node.Value, nil
}

func kindName(kind yaml.Kind) string {
	switch kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	default:
		return "document"
	}
}

// Duration is a span of virtual time written as a Go duration string
// ("250ms", "30s", "1h30m"). A bare number is rejected because its unit
// would be a guess; only "0" may be written without a unit.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(node *yaml.Node) error {
	text, err := scalar(node, "a duration such as 30s")
	if err != nil {
		return err
	}
	parsed, err := ParseDuration(text)
	if err != nil {
		return valueError(node, "%v", err)
	}
	*d = Duration(parsed)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String returns the Go duration syntax.
func (d Duration) String() string { return time.Duration(d).String() }

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// ParseDuration parses a Go duration string; "0" is accepted without a unit,
// any other bare number is an error.
func ParseDuration(text string) (time.Duration, error) {
	text = strings.TrimSpace(text)
	if text == "0" {
		return 0, nil
	}
	if _, err := strconv.ParseFloat(text, 64); err == nil {
		return 0, fmt.Errorf("duration %q needs a unit, e.g. %ss or %sms", text, text, text)
	}
	parsed, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (want e.g. 30s, 1m30s, 250ms)", text)
	}
	return parsed, nil
}

// TimeOfDay is a wall-clock time of the simulated day written "HH:MM" or
// "HH:MM:SS", stored as the span since midnight. "24:00" is the end of the
// day.
type TimeOfDay time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (t *TimeOfDay) UnmarshalYAML(node *yaml.Node) error {
	text, err := scalar(node, `a time of day such as "08:00"`)
	if err != nil {
		return err
	}
	parsed, err := ParseTimeOfDay(text)
	if err != nil {
		return valueError(node, "%v", err)
	}
	*t = parsed
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (t TimeOfDay) MarshalYAML() (any, error) { return t.String(), nil }

// ParseTimeOfDay parses "HH:MM" or "HH:MM:SS" between 00:00 and 24:00.
func ParseTimeOfDay(text string) (TimeOfDay, error) {
	parts := strings.Split(strings.TrimSpace(text), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("invalid time of day %q (want HH:MM or HH:MM:SS)", text)
	}
	var fields [3]int
	for i, part := range parts {
		if len(part) != 2 {
			return 0, fmt.Errorf("invalid time of day %q (want HH:MM or HH:MM:SS)", text)
		}
		value, err := strconv.Atoi(part)
		if err != nil || value < 0 {
			return 0, fmt.Errorf("invalid time of day %q (want HH:MM or HH:MM:SS)", text)
		}
		fields[i] = value
	}
	if fields[1] > 59 || fields[2] > 59 || fields[0] > 24 || (fields[0] == 24 && fields[1]+fields[2] > 0) {
		return 0, fmt.Errorf("time of day %q out of range 00:00..24:00", text)
	}
	span := time.Duration(fields[0])*time.Hour + time.Duration(fields[1])*time.Minute + time.Duration(fields[2])*time.Second
	return TimeOfDay(span), nil
}

// String returns "HH:MM", or "HH:MM:SS" when seconds are set.
func (t TimeOfDay) String() string {
	total := int64(time.Duration(t) / time.Second)
	hours, minutes, seconds := total/3600, total/60%60, total%60
	if seconds != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", hours, minutes, seconds)
	}
	return fmt.Sprintf("%02d:%02d", hours, minutes)
}

// Std returns the span since midnight.
func (t TimeOfDay) Std() time.Duration { return time.Duration(t) }

// Minute is a minute of the hour (0..59), the key of calendar start-slot
// weights. It is written ":30" or 30.
type Minute int

// UnmarshalYAML implements yaml.Unmarshaler.
func (m *Minute) UnmarshalYAML(node *yaml.Node) error {
	text, err := scalar(node, `a minute of the hour such as ":30"`)
	if err != nil {
		return err
	}
	value, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(text), ":"))
	if err != nil || value < 0 || value > 59 {
		return valueError(node, "invalid minute of the hour %q (want :00 .. :59)", text)
	}
	*m = Minute(value)
	return nil
}

// String returns ":MM".
func (m Minute) String() string { return fmt.Sprintf(":%02d", int(m)) }

// enumNames maps YAML names to values for the small enums of the format.
type enumNames[T ~uint8] []string

func (names enumNames[T]) decode(node *yaml.Node, what string, out *T) error {
	text, err := scalar(node, what)
	if err != nil {
		return err
	}
	for i, name := range names {
		if name != "" && name == text {
			*out = T(i)
			return nil
		}
	}
	valid := make([]string, 0, len(names))
	for _, name := range names {
		if name != "" {
			valid = append(valid, name)
		}
	}
	return valueError(node, "invalid %s %q (want one of %s)", what, text, strings.Join(valid, ", "))
}

func (names enumNames[T]) name(value T) string {
	if int(value) < len(names) && names[value] != "" {
		return names[value]
	}
	return fmt.Sprintf("%d", uint8(value))
}

// DeviceKind is the kind of a client device.
type DeviceKind uint8

// Device kinds. The zero value is not a valid kind, so a device entry
// without a kind is caught by validation.
const (
	DeviceDesktop DeviceKind = iota + 1 // a desktop client; reports idle and screen lock
	DeviceWeb                           // a browser client; reports idle and screen lock
	DeviceMobile                        // a mobile app; never reports idle
)

var deviceNames = enumNames[DeviceKind]{"", "desktop", "web", "mobile"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (k *DeviceKind) UnmarshalYAML(node *yaml.Node) error {
	return deviceNames.decode(node, "device kind", k)
}

// String returns the YAML name.
func (k DeviceKind) String() string { return deviceNames.name(k) }

// ReportsIdle tells whether clients of this kind report idle and screen lock.
func (k DeviceKind) ReportsIdle() bool { return k == DeviceDesktop || k == DeviceWeb }

// Level is a rights level that a presence owner grants a watcher, from
// Blocked (sees nothing) to Personal (sees private appointments).
type Level uint8

// Rights levels, in increasing order of what the watcher may see.
const (
	LevelBlocked Level = iota
	LevelPublic
	LevelCompany
	LevelTeam
	LevelPersonal
)

var levelNames = enumNames[Level]{"blocked", "public", "company", "team", "personal"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *Level) UnmarshalYAML(node *yaml.Node) error {
	return levelNames.decode(node, "rights level", l)
}

// String returns the YAML name.
func (l Level) String() string { return levelNames.name(l) }

// AppointmentStatus is the free/busy status of an appointment.
type AppointmentStatus uint8

// Appointment statuses, numbered like the wire's EnumAppointmentState.
const (
	StatusFree AppointmentStatus = iota
	StatusTentative
	StatusBusy
	StatusOutOfOffice
)

var statusNames = enumNames[AppointmentStatus]{"free", "tentative", "busy", "out_of_office"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *AppointmentStatus) UnmarshalYAML(node *yaml.Node) error {
	return statusNames.decode(node, "appointment status", s)
}

// String returns the YAML name.
func (s AppointmentStatus) String() string { return statusNames.name(s) }

// DistributionKind selects the law of a random duration.
type DistributionKind uint8

// Distribution kinds. The zero value means "not given" and is replaced by
// the field's documented default.
const (
	DistributionDefault     DistributionKind = iota
	DistributionConstant                     // always Mean
	DistributionExponential                  // exponential with Mean
	DistributionLognormal                    // lognormal with Mean and shape Sigma
	DistributionErlang                       // Erlang-k: sum of Shape exponentials, total Mean
	DistributionNormal                       // normal with Mean and Stddev, cut at Min
	DistributionUniform                      // uniform between Min and Max
)

var distributionNames = enumNames[DistributionKind]{"", "constant", "exponential", "lognormal", "erlang", "normal", "uniform"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (k *DistributionKind) UnmarshalYAML(node *yaml.Node) error {
	return distributionNames.decode(node, "distribution", k)
}

// String returns the YAML name.
func (k DistributionKind) String() string { return distributionNames.name(k) }

// FaultKind is the kind of an injected fault.
type FaultKind uint8

// Fault kinds.
const (
	FaultNone       FaultKind = iota
	FaultDisconnect           // a share of the online sessions lose their connection at once
)

var faultNames = enumNames[FaultKind]{"", "disconnect"}

// UnmarshalYAML implements yaml.Unmarshaler.
func (k *FaultKind) UnmarshalYAML(node *yaml.Node) error {
	return faultNames.decode(node, "fault kind", k)
}

// String returns the YAML name.
func (k FaultKind) String() string { return faultNames.name(k) }

// finite reports whether x is neither NaN nor infinite; YAML accepts .nan
// and .inf, which every range check must reject.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
