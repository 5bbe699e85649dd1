package model

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestOfferedLoadFlat(t *testing.T) {
	p := population(t, `name: flat
day: {start: "08:00", length: 10h}
population:
  users: 100
  personas:
    - name: caller
      share: 1
      calls: {busy_hour_rate: 6, holding: {distribution: constant, mean: 3m}}
`)
	load := Offered(p)
	// 100 users × 6/h × 10 h; 100 × 6 × 0.05 h = 30 E; × 0.85 answered.
	if load.CallsPerDay != 6000 || math.Abs(load.MeanErlangs-30) > 1e-9 || math.Abs(load.PeakErlangs-30) > 1e-9 || math.Abs(load.CarriedErlangs-25.5) > 1e-9 {
		t.Errorf("offered load %+v, want 6000 calls, 30 E mean and peak, 25.5 E carried", load)
	}
}

func TestOfferedLoadCurvesAndPersonas(t *testing.T) {
	p := population(t, `name: mixed
day: {start: "08:00", length: 8h}
curves:
  triangle: [{at: "08:00", value: 0}, {at: "12:00", value: 1}, {at: "16:00", value: 0}]
population:
  users: 100
  personas:
    - name: a
      count: 60
      calls: {busy_hour_rate: 10, curve: triangle, holding: {distribution: exponential, mean: 2m}}
    - name: b
      share: 1
      calls: {busy_hour_rate: 5, holding: {distribution: lognormal, mean: 4m, sigma: 1}}
      calendar: {out_of_office_day_share: 0.25}
`)
	load := Offered(p)
	// a: 60 × 10 × 4 (the triangle's integral) = 2400 calls of 2m;
	// b: 40 × 0.75 present × 5 × 8 = 1200 calls of 4m.
	wantCalls := 2400.0 + 1200
	wantMean := (2400*2.0/60 + 1200*4.0/60) / 8
	// Peak at 12:00: a 60 × 10 × 2/60 = 20 E; b 30 × 5 × 4/60 = 10 E.
	if math.Abs(load.CallsPerDay-wantCalls) > 1e-6 || math.Abs(load.MeanErlangs-wantMean) > 1e-9 || math.Abs(load.PeakErlangs-30) > 1e-9 || load.PeakAt != 4*time.Hour {
		t.Errorf("offered %+v, want %.0f calls, %.3f E mean, 30 E peak at +4h", load, wantCalls, wantMean)
	}
	if !strings.Contains(load.String(), "E peak") {
		t.Errorf("String() = %q", load.String())
	}
}

// TestProducedLoadMatchesOffered: the talk time the stream carries is the
// offered load × P(answered), within 3% (60,000 calls).
func TestProducedLoadMatchesOffered(t *testing.T) {
	p, all := flatCallsStream(t)
	var meter LoadMeter
	for i := range all {
		meter.Observe(&all[i])
	}
	if meter.Open() != 0 {
		t.Fatalf("%d calls never ended", meter.Open())
	}
	offered := Offered(p)
	if !within(float64(meter.Calls), offered.CallsPerDay, 0.02) {
		t.Errorf("%d calls, offered %.0f", meter.Calls, offered.CallsPerDay)
	}
	if produced := meter.CarriedErlangs(p.dayLength); !within(produced, offered.CarriedErlangs, 0.03) {
		t.Errorf("carried %.1f E, offered × P(answered) = %.1f E", produced, offered.CarriedErlangs)
	}
}
