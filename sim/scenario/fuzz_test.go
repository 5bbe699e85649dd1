package scenario

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the parser arbitrary bytes. It must never panic or hang;
// it must be deterministic; every error must be an ErrorList naming the
// file; and whatever it accepts must pass Validate and have sane derived
// values. Seeds: the shipped scenarios, the minimal file and the checked-in
// corpus in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "slo: [\"fanout.p99.9 < 200ms\", \"lost == 0\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		again, errAgain := Parse("fuzz.yaml", data)
		if (err == nil) != (errAgain == nil) || (err != nil && err.Error() != errAgain.Error()) {
			t.Fatalf("Parse is not deterministic:\n%v\n---\n%v", err, errAgain)
		}
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File != "fuzz.yaml" || e.Message == "" || e.Line < 0 {
					t.Fatalf("malformed error %+v", e)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("message line does not name the file: %q", line)
				}
			}
			return
		}
		if again == nil || s.Name != again.Name {
			t.Fatal("two parses of the same data differ")
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate rejects: %v", err)
		}
		if speed := s.Day.Speed(); !(speed > 0) || math.IsInf(speed, 0) {
			t.Fatalf("speed %v", speed)
		}
		shares := 0.0
		for _, persona := range s.Population.Personas {
			shares += persona.Share
		}
		if shares != 0 && math.Abs(shares-1) > 1e-5 {
			t.Fatalf("accepted shares summing to %v", shares)
		}
		for _, threshold := range s.SLO {
			if threshold.Metric == "" || threshold.Operator == 0 || math.IsNaN(threshold.Value) {
				t.Fatalf("accepted a malformed threshold %+v", threshold)
			}
		}
	})
}
