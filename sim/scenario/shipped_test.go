package scenario

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestShippedScenariosLoad loads and validates every file in scenarios/
// and checks that the set the docs promise is there.
func TestShippedScenariosLoad(t *testing.T) {
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, file := range files {
		s, err := Load(file)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		base := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if s.Name != base {
			t.Errorf("%s: name %q, want the file name %q", file, s.Name, base)
		}
		if len(s.SLO) == 0 {
			t.Errorf("%s: no SLO thresholds", file)
		}
		names = append(names, base)
	}
	for _, want := range []string{"smoke", "office-1k", "enterprise-20k", "callcenter", "login-storm", "meeting-burst", "reception"} {
		if !slices.Contains(names, want) {
			t.Errorf("scenarios/%s.yaml is missing", want)
		}
	}
}

func TestSmokeIsSmallAndFast(t *testing.T) {
	s, err := Load("../../scenarios/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Population.Users > 50 {
		t.Errorf("smoke has %d users; CI wants about 20", s.Population.Users)
	}
	if wall := s.Day.WallTime.Std(); wall.Seconds() > 10 {
		t.Errorf("smoke runs %v of wall time; CI wants a few seconds", wall)
	}
}
