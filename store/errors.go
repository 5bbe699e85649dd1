package store

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by Apply, Load, Backup and Image after Close.
	ErrClosed = errors.New("store: closed")

	// ErrCorrupt marks a store file (or backup) that cannot be read: bad
	// meta pages, a file shorter than its own header says, a broken page
	// tree or an undecodable value. The store refuses to start on it rather
	// than start empty; the operator restores a backup (docs/DURABILITY.md).
	ErrCorrupt = errors.New("store: corrupt store file")

	// ErrSchema marks a file that is a valid bbolt database but not a
	// presence store this binary can use: no schema record, another format
	// name, or a schema version written by a newer binary.
	ErrSchema = errors.New("store: unsupported store schema")

	// ErrLocked is returned when another process (or another Store in this
	// process) holds the file lock for longer than Config.Timeout.
	ErrLocked = errors.New("store: store file is locked by another process")

	// ErrInvalidMutation is returned by Apply, before anything is queued,
	// for a mutation built with invalid arguments (empty id, unknown scope,
	// a key over bbolt's 32 KiB limit) or a zero Mutation.
	ErrInvalidMutation = errors.New("store: invalid mutation")
)

// corruptError is the one message an operator sees for an unreadable file:
// which file, what is wrong, and what to do.
func corruptError(path string, detail error) error {
	return fmt.Errorf("%w %s: %w; the store will not start on this file: "+
		"move it away and restore the latest backup with "+
		"'presenced restore -backup FILE -data DIR' (server stopped) "+
		"(see docs/DURABILITY.md, section 'Corrupt store')", ErrCorrupt, path, detail)
}
