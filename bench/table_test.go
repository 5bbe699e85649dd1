package bench

import (
	"math"
	"strings"
	"testing"
)

const benchOutput = `goos: linux
goarch: amd64
pkg: github.com/ucpresence/presence/bench
cpu: AMD EPYC
BenchmarkFanoutEncode/engine-2         	   20000	      1663 ns/op	   1611495 encodes/s	         2.679 encodes/update	    601551 updates/s	     483 B/op	       3 allocs/op
BenchmarkFanoutEncode/naive-2          	   20000	     61426 ns/op	   1041922 encodes/s	        64.00 encodes/update	     16280 updates/s	   85988 B/op	     641 allocs/op
BenchmarkFanoutEncode/engine-2         	   20000	      1700 ns/op	   1600000 encodes/s	         2.7 encodes/update	    600000 updates/s	     480 B/op	       0 allocs/op
BenchmarkFanoutEncode/engine-2         	   20000	      1500 ns/op	   1700000 encodes/s	         2.6 encodes/update	    650000 updates/s	     490 B/op	       0 allocs/op
BenchmarkLonely-2                      	     100	        10 ns/op
PASS
ok  	github.com/ucpresence/presence/bench	1.292s
`

func TestParseAndCompare(t *testing.T) {
	results, err := ParseBenchmarks(strings.NewReader(benchOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 5 || results[0].Benchmark != "FanoutEncode" || results[0].Variant != "engine" || results[0].Iterations != 20000 ||
		results[0].Package != "github.com/ucpresence/presence/bench" || results[4].Benchmark != "Lonely" || results[4].Variant != "" {
		t.Fatalf("parsed %+v", results)
	}
	cs := Compare(results)
	byMetric := map[string]Comparison{}
	for _, c := range cs {
		if c.Benchmark != "FanoutEncode" || c.Variant != "engine" {
			t.Errorf("unexpected comparison %+v", c)
		}
		byMetric[c.Metric] = c
	}
	if len(byMetric) != 6 {
		t.Fatalf("%d metrics: %+v", len(byMetric), cs)
	}
	// Medians of three engine runs: 601551 updates/s, 1663 ns/op, 0 allocs.
	if c := byMetric["updates/s"]; c.Value != 601551 || math.Abs(c.Better-601551.0/16280) > 1e-9 {
		t.Errorf("updates/s %+v", c)
	}
	if c := byMetric["ns/op"]; c.Value != 1663 || math.Abs(c.Better-61426.0/1663) > 1e-9 {
		t.Errorf("ns/op %+v (cost: baseline/value)", c)
	}
	if c := byMetric["allocs/op"]; !math.IsInf(c.Better, 1) {
		t.Errorf("allocs/op %+v", c)
	}
	if cs[0].Metric != "encodes/s" && cs[0].Metric != "updates/s" {
		t.Errorf("rates should come first: %+v", cs[0])
	}
	var out strings.Builder
	if err := WriteTable(&out, cs); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"FanoutEncode", "updates/s", "601.6k", "37×", "∞ (0)", "better by"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if _, err := ParseBenchmarks(strings.NewReader("BenchmarkX-2 10 5 ns/op 7\n")); err == nil {
		t.Error("odd pairs accepted")
	}
}
