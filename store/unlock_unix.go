//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"os"
	"syscall"
)

// releaseFileLock drops bbolt's flock on file. Closing the descriptor is
// not enough after bbolt mapped the file: the mapping keeps the open file
// description, and with it the lock, alive.
func releaseFileLock(file *os.File) {
	_ = syscall.Flock(int(file.Fd()), syscall.LOCK_UN)
}
