package protocol

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// SystemTime is the ASN.1 AsnSystemTime. In JSON it is an ISO-8601 UTC string:
// "2006-01-02T15:04:05Z" when the milliseconds are 0, "2006-01-02T15:04:05.000Z"
// otherwise, and "" for the zero time (the UCServer's Windows build). Precision
// below a millisecond is dropped on encoding.
//
// Decoding accepts "", RFC 3339 with any fraction and any offset (converted to
// UTC), the same without a zone (taken as UTC), null (zero), and a JSON number
// holding a Windows variant time (days since 1899-12-30, as the non-Windows C++
// runtime and BER carry it; 0 is the zero time).
type SystemTime struct {
	time.Time
}

// layouts of the encoder: whole seconds, and milliseconds.
const (
	systemTimeLayoutSeconds      = "2006-01-02T15:04:05Z"
	systemTimeLayoutMilliseconds = "2006-01-02T15:04:05.000Z"
)

// variantTimeUnixEpochDays is 1970-01-01 as a Windows variant time.
const variantTimeUnixEpochDays = 25569

// NewSystemTime returns t in UTC, truncated to the millisecond (the wire precision).
func NewSystemTime(t time.Time) SystemTime {
	if t.IsZero() {
		return SystemTime{}
	}
	return SystemTime{Time: t.UTC().Truncate(time.Millisecond)}
}

// MarshalJSON encodes the ISO-8601 string, "" for the zero time.
func (s SystemTime) MarshalJSON() ([]byte, error) {
	return s.appendJSON(nil), nil
}

// appendJSON appends the quoted ISO-8601 string without allocating.
func (s SystemTime) appendJSON(dst []byte) []byte {
	if s.Time.IsZero() {
		return append(dst, `""`...)
	}
	utc := s.Time.UTC()
	dst = append(dst, '"')
	if utc.Nanosecond()/int(time.Millisecond) == 0 {
		dst = utc.AppendFormat(dst, systemTimeLayoutSeconds)
	} else {
		dst = utc.AppendFormat(dst, systemTimeLayoutMilliseconds)
	}
	return append(dst, '"')
}

// UnmarshalJSON decodes the forms listed on SystemTime.
func (s *SystemTime) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		*s = SystemTime{}
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		var days float64
		if numberErr := json.Unmarshal(data, &days); numberErr != nil {
			return fmt.Errorf("AsnSystemTime: %w", err)
		}
		parsed, err := timeFromVariant(days)
		if err != nil {
			return err
		}
		*s = parsed
		return nil
	}
	parsed, err := ParseSystemTime(text)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

// ParseSystemTime parses the string form of an AsnSystemTime; "" is the zero time.
func ParseSystemTime(text string) (SystemTime, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return SystemTime{}, nil
	}
	parsed, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		var zoneErr error
		if parsed, zoneErr = time.Parse("2006-01-02T15:04:05.999999999", text); zoneErr != nil {
			return SystemTime{}, fmt.Errorf("AsnSystemTime: cannot parse %q", text)
		}
	}
	parsed = parsed.UTC()
	if year := parsed.Year(); year < 1 || year > 9999 {
		return SystemTime{}, fmt.Errorf("AsnSystemTime: %q is outside the years 1-9999", text)
	}
	return SystemTime{Time: parsed}, nil
}

// timeFromVariant converts a Windows variant time (days since 1899-12-30).
func timeFromVariant(days float64) (SystemTime, error) {
	if days == 0 {
		return SystemTime{}, nil
	}
	// The variant time range is 0100-01-01 (-657434) to 9999-12-31 (2958465);
	// it also keeps the millisecond arithmetic far from overflow.
	if math.IsNaN(days) || days < -657434 || days >= 2958466 {
		return SystemTime{}, fmt.Errorf("AsnSystemTime: variant time %v out of range", days)
	}
	milliseconds := math.Round((days - variantTimeUnixEpochDays) * 86400000)
	return SystemTime{Time: time.UnixMilli(int64(milliseconds)).UTC()}, nil
}
