//go:build !race

package run

// raceDetector is true in a -race build (race_on_test.go).
const raceDetector = false
