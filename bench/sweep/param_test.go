package sweep

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/sim/scenario"
)

func loadFile(t *testing.T, name string) ([]byte, *scenario.Scenario) {
	t.Helper()
	data, err := os.ReadFile("../../scenarios/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return data, s
}

func TestApply(t *testing.T) {
	data, base := loadFile(t, "office-1k.yaml")
	w := Window{Start: 9*time.Hour + 45*time.Minute, Length: 30 * time.Minute}
	s, text, err := Apply("office-1k.yaml", data, base, w, Setting{ParamUsers, 4000}, Setting{ParamCalls, 2}, Setting{ParamWatch, 12})
	if err != nil {
		t.Fatal(err)
	}
	if s.Population.Users != 4000 || s.Day.Start.Std() != w.Start || s.Day.Length.Std() != w.Length {
		t.Errorf("users %d, day %v+%v", s.Population.Users, s.Day.Start, s.Day.Length)
	}
	// The speed stays the file's (60x): 30 virtual minutes in 30 s.
	if s.Day.WallTime.Std() != 30*time.Second || s.Day.Speed() != base.Day.Speed() {
		t.Errorf("wall %v speed %v", s.Day.WallTime, s.Day.Speed())
	}
	for i, p := range s.Population.Personas {
		b := base.Population.Personas[i]
		if p.Calls.BusyHourRate != 2*b.Calls.BusyHourRate {
			t.Errorf("%s: rate %v, want %v", p.Name, p.Calls.BusyHourRate, 2*b.Calls.BusyHourRate)
		}
		switch {
		case b.Watch.Console > 0:
			// The receptionists watched the whole company and still do.
			if p.Watch.Console != 4000 || p.Watch.RandomColleagues != b.Watch.RandomColleagues {
				t.Errorf("%s: console %d, random %d", p.Name, p.Watch.Console, p.Watch.RandomColleagues)
			}
		case p.Watch.RandomColleagues != 12:
			t.Errorf("%s: random colleagues %d", p.Name, p.Watch.RandomColleagues)
		}
	}
	if !strings.Contains(string(text), "users: 4000") {
		t.Errorf("yaml lacks the users:\n%.400s", text)
	}
	// Speed: the window at 120x takes 15 s.
	s, _, err = Apply("office-1k.yaml", data, base, w, Setting{ParamSpeed, 120})
	if err != nil || s.Day.WallTime.Std() != 15*time.Second {
		t.Errorf("speed: %v %v", err, s.Day.WallTime)
	}
	// A part-company console keeps its count.
	data, base = loadFile(t, "enterprise-20k.yaml")
	if s, _, err = Apply("enterprise-20k.yaml", data, base, Window{}, Setting{ParamUsers, 30000}); err != nil || s.Population.Personas[0].Watch.Console != 5000 {
		t.Errorf("enterprise console: %v", err)
	}
	// Faults outside the window are dropped (login-storm's 09:00 restart).
	data, base = loadFile(t, "login-storm.yaml")
	if s, _, err = Apply("login-storm.yaml", data, base, Window{Start: 7 * time.Hour, Length: time.Hour}); err != nil || len(s.Faults) != 0 {
		t.Errorf("faults: %v %v", err, s)
	}
	if s, _, err = Apply("login-storm.yaml", data, base, Window{Start: 8*time.Hour + 30*time.Minute, Length: time.Hour}); err != nil || len(s.Faults) != 1 {
		t.Errorf("fault kept: %v", err)
	}
	// Invalid results are reported, not run.
	if _, _, err := Apply("office-1k.yaml", data, base, Window{}, Setting{ParamUsers, 3e6}); !errors.Is(err, ErrConfig) {
		t.Errorf("3M users: %v", err)
	}
	if _, _, err := Apply("office-1k.yaml", data, base, Window{}, Setting{ParamUsers, -1}); !errors.Is(err, ErrConfig) {
		t.Errorf("negative: %v", err)
	}
	if _, err := ParseParam("colour"); !errors.Is(err, ErrConfig) {
		t.Error("unknown param accepted")
	}
}

func TestPeakWindow(t *testing.T) {
	_, base := loadFile(t, "office-1k.yaml")
	w, err := PeakWindow(base, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The calls curve peaks at 10:00; the window starts 7.5 minutes
	// before, on a whole minute, and holds 10:00.
	if w.Length != 30*time.Minute || w.Start != 9*time.Hour+52*time.Minute {
		t.Errorf("window %v", w)
	}
	if w, _ := PeakWindow(base, 24*time.Hour); w.Length != 0 {
		t.Errorf("a window longer than the day is the day: %v", w)
	}
}
