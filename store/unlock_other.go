//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "os"

// releaseFileLock is a no-op where bbolt does not lock with flock; closing
// the file is all openBolt can do there.
func releaseFileLock(*os.File) {}
