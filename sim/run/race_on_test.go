//go:build race

package run

// raceDetector is true in a -race build: the wire tests then run five to
// ten times slower, so they check what stays exact at any speed (lost,
// errors, unattributed, quiescence) and log the ordering counts instead of
// failing on them (see wireOrderingChecked).
const raceDetector = true
