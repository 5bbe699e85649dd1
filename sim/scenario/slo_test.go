package scenario

import (
	"math"
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	cases := []struct {
		text     string
		metric   string
		operator Operator
		value    float64
		unit     string
	}{
		{"delivery.p99 < 50ms", "delivery.p99", OperatorLess, 0.05, "ms"},
		{"fanout.p99.9 < 200ms", "fanout.p99.9", OperatorLess, 0.2, "ms"},
		{"lost == 0", "lost", OperatorEqual, 0, ""},
		{"divergence==0", "divergence", OperatorEqual, 0, ""},
		{"schedule_lag.max < 1s", "schedule_lag.max", OperatorLess, 1, "s"},
		{"  login.p99<=2.5s ", "login.p99", OperatorLessOrEqual, 2.5, "s"},
		{"throughput.rate >= 1e5", "throughput.rate", OperatorGreaterOrEqual, 1e5, ""},
		{"errors.ratio < 0.1%", "errors.ratio", OperatorLess, 0.001, "%"},
		{"delivery.p50 > 100us", "delivery.p50", OperatorGreater, 1e-4, "us"},
		{"delivery.p100 != 3m", "delivery.p100", OperatorNotEqual, 180, "m"},
		{"engine.queue_depth.max < 10000", "engine.queue_depth.max", OperatorLess, 10000, ""},
	}
	for _, c := range cases {
		threshold, err := ParseThreshold(c.text)
		if err != nil {
			t.Errorf("ParseThreshold(%q): %v", c.text, err)
			continue
		}
		if threshold.Metric != c.metric || threshold.Operator != c.operator || math.Abs(threshold.Value-c.value) > 1e-12 || threshold.Unit != c.unit {
			t.Errorf("ParseThreshold(%q) = %+v, want %s %s %v %s", c.text, threshold, c.metric, c.operator, c.value, c.unit)
		}
	}
}

func TestParseThresholdRejects(t *testing.T) {
	cases := map[string]string{
		"":                        "want a metric name",
		"< 5ms":                   "want a metric name",
		"delivery.p99 50ms":       "want an operator",
		"delivery.p99 <":          "want a number",
		"delivery.p99 < fast":     "want a number",
		"delivery.p99 < 5 fs":     "unknown unit",
		"delivery.p0 < 5ms":       "out of range",
		"delivery.p101 < 5ms":     "out of range",
		"delivery..p99 < 5ms":     "empty name part",
		"9lives < 5":              "starts with a digit",
		"delivery.p99 =< 5ms":     "want an operator",
		"delivery.p99 < 5ms 10ms": "unknown unit",
	}
	for text, want := range cases {
		if _, err := ParseThreshold(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseThreshold(%q) = %v, want an error containing %q", text, err, want)
		}
	}
}

func TestThresholdsEvaluate(t *testing.T) {
	var thresholds Thresholds
	for _, text := range []string{"delivery.p99 < 50ms", "fanout.p99.9 < 200ms", "lost == 0", "divergence == 0", "schedule_lag.max < 1s", "login.p99 <= 2s"} {
		threshold, err := ParseThreshold(text)
		if err != nil {
			t.Fatal(err)
		}
		thresholds = append(thresholds, threshold)
	}
	results := map[string]float64{
		"delivery.p99":     0.049,      // passes
		"fanout.p99.9":     0.2,        // fails: not strictly below
		"lost":             0,          // passes
		"divergence":       3,          // fails
		"schedule_lag.max": math.NaN(), // fails: NaN never holds
		// login.p99 missing: fails
	}
	failures := thresholds.Evaluate(results)
	var failed []string
	for _, failure := range failures {
		failed = append(failed, failure.Threshold.Metric)
	}
	if got, want := strings.Join(failed, ","), "fanout.p99.9,divergence,schedule_lag.max,login.p99"; got != want {
		t.Fatalf("failed = %s, want %s", got, want)
	}
	if !failures[3].Missing || !strings.Contains(failures[3].String(), "not reported") {
		t.Errorf("missing metric failure = %+v / %q", failures[3], failures[3].String())
	}
	if got := failures[0].String(); got != "fanout.p99.9 < 200ms: observed 200ms" {
		t.Errorf("failure text = %q", got)
	}
	results["fanout.p99.9"], results["divergence"], results["schedule_lag.max"], results["login.p99"] = 0.1, 0, 0.5, 2
	if failures := thresholds.Evaluate(results); len(failures) != 0 {
		t.Errorf("all thresholds met, got failures %v", failures)
	}
}
