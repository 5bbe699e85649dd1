package scenario

import (
	"math"
	"testing"
	"time"
)

func curveOf(points ...float64) Curve {
	var curve Curve
	for i := 0; i+1 < len(points); i += 2 {
		curve = append(curve, CurvePoint{At: TimeOfDay(time.Duration(points[i] * float64(time.Hour))), Value: points[i+1]})
	}
	return curve
}

func TestCurveValue(t *testing.T) {
	curve := curveOf(8, 0, 10, 1, 12, 0.5)
	cases := []struct {
		hours float64
		want  float64
	}{{6, 0}, {8, 0}, {9, 0.5}, {10, 1}, {11, 0.75}, {12, 0.5}, {23, 0.5}}
	for _, c := range cases {
		if got := curve.Value(time.Duration(c.hours * float64(time.Hour))); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Value(%vh) = %v, want %v", c.hours, got, c.want)
		}
	}
	if got := Curve(nil).Value(5 * time.Hour); got != 1 {
		t.Errorf("empty curve = %v, want 1", got)
	}
}

func TestCurveMaxAndIntegral(t *testing.T) {
	curve := curveOf(8, 0, 10, 1, 12, 0.5)
	if got := curve.Max(7*time.Hour, 20*time.Hour); got != 1 {
		t.Errorf("Max = %v, want 1", got)
	}
	if got := curve.Max(11*time.Hour, 20*time.Hour); got != 0.75 {
		t.Errorf("Max from 11:00 = %v, want 0.75 (the value at the window start)", got)
	}
	// Triangle 08-10 (area 1) + trapezoid 10-12 (1.5) + flat 12-14 (1).
	if got := curve.Integral(7*time.Hour, 14*time.Hour); math.Abs(got-3.5) > 1e-9 {
		t.Errorf("Integral = %v, want 3.5", got)
	}
	// 09-10: (0.5+1)/2; 10-11: (1+0.75)/2.
	if got := curve.Integral(9*time.Hour, 11*time.Hour); math.Abs(got-1.625) > 1e-9 {
		t.Errorf("Integral 9-11 = %v, want 1.625", got)
	}
	if got := Curve(nil).Integral(8*time.Hour, 10*time.Hour); got != 2 {
		t.Errorf("flat Integral = %v, want 2", got)
	}
}

func TestParseDurationAndTimeOfDay(t *testing.T) {
	if d, err := ParseDuration("1m30s"); err != nil || d != 90*time.Second {
		t.Errorf("ParseDuration = %v, %v", d, err)
	}
	for _, bad := range []string{"30", "1.5", "abc", "-"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if d, err := ParseDuration("0"); err != nil || d != 0 {
		t.Errorf("ParseDuration(0) = %v, %v", d, err)
	}
	good := map[string]time.Duration{"08:00": 8 * time.Hour, "23:59:59": 24*time.Hour - time.Second, "24:00": 24 * time.Hour, "00:00": 0}
	for text, want := range good {
		if got, err := ParseTimeOfDay(text); err != nil || got.Std() != want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v", text, got, err)
		}
	}
	for _, bad := range []string{"8:00", "08:60", "24:01", "08", "08:00:00:00", "ab:cd", "-1:00"} {
		if _, err := ParseTimeOfDay(bad); err == nil {
			t.Errorf("ParseTimeOfDay(%q) accepted", bad)
		}
	}
	if s := TimeOfDay(8*time.Hour + 30*time.Minute).String(); s != "08:30" {
		t.Errorf("String = %q", s)
	}
}

func TestDistributionExpected(t *testing.T) {
	if got := (Distribution{Kind: DistributionUniform, Min: Duration(time.Second), Max: Duration(3 * time.Second)}).Expected(); got != 2*time.Second {
		t.Errorf("uniform Expected = %v", got)
	}
	if got := (Distribution{Kind: DistributionLognormal, Mean: Duration(time.Minute), Sigma: 1}).Expected(); got != time.Minute {
		t.Errorf("lognormal Expected = %v", got)
	}
}
