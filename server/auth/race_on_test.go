//go:build race

package auth

// raceEnabled: the race detector makes sync.Pool drop a share of its
// items, so allocation counts are not meaningful.
const raceEnabled = true
