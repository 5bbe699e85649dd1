//go:build race

package run

// raceDetector is true in a -race build: the runs then go five to
// ten times slower, so the tests log their latency thresholds instead of
// failing on them (see timingChecked); every correctness count is still
// asserted.
const raceDetector = true
