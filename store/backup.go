package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Backup writes a consistent snapshot of the store to w: a complete bbolt
// file holding exactly the calls acknowledged before Backup started its
// read transaction. It runs while Apply goes on; commits continue except
// when the file must grow beyond its 256 MiB mapping, which waits for the
// backup to finish. Returns the bytes written. Safe for concurrent use.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var written int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		written, err = tx.WriteTo(w)
		return err
	})
	switch {
	case err == nil:
		return written, nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return written, ErrClosed
	}
	return written, fmt.Errorf("store: backup: %w", err)
}

// BackupToFile writes a snapshot (see Backup) to path atomically: into a
// temporary file in the same directory, fsynced, renamed over path, and the
// directory fsynced. path is never left half-written; an existing file at
// path is replaced only by a complete backup. Safe for concurrent use, but
// two concurrent backups to the same path race for the final rename.
func (s *Store) BackupToFile(path string) (int64, error) {
	directory := filepath.Dir(path)
	temporary, err := os.CreateTemp(directory, filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	temporaryPath := temporary.Name()
	written, err := s.Backup(temporary)
	if err == nil {
		err = temporary.Sync()
	}
	if closeErr := temporary.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(temporaryPath, path)
	}
	if err != nil {
		_ = os.Remove(temporaryPath)
		if errors.Is(err, ErrClosed) {
			return written, err
		}
		return written, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return written, syncDirectory(directory)
}

// RestoreFromFile makes the backup at backupPath the store of dir. The
// server must be stopped: no Store may have dir open (ErrLocked otherwise).
//
// Steps: VerifyFile(backupPath) (a damaged backup is refused); copy it to a
// temporary file in dir and fsync it; rename an existing store file to
// FileName+".before-restore-<UTC time>" (kept for the operator, never
// deleted); rename the copy to FileName; fsync dir. A crash in between
// leaves either the old file or the restored one in place, never a partial
// one. The next Open starts from the backup.
func RestoreFromFile(backupPath, dir string) error {
	if err := VerifyFile(backupPath); err != nil {
		return fmt.Errorf("store: refusing to restore %s: %w", backupPath, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	target := filepath.Join(dir, FileName)
	if err := ensureUnlocked(target); err != nil {
		return err
	}
	temporaryPath, err := copyToTemporary(backupPath, dir)
	if err != nil {
		return err
	}
	defer os.Remove(temporaryPath) // no-op once renamed
	if _, err := os.Stat(target); err == nil {
		aside := target + ".before-restore-" + time.Now().UTC().Format("20060102T150405.000000000Z")
		if err := os.Rename(target, aside); err != nil {
			return fmt.Errorf("store: restore: cannot move the current store aside: %w", err)
		}
	}
	if err := os.Rename(temporaryPath, target); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	return syncDirectory(dir)
}

// ensureUnlocked fails with ErrLocked if a process holds path's write lock.
// It takes bbolt's shared lock for a moment; a missing or unreadable file
// counts as unlocked (restoring over a damaged file is the point).
func ensureUnlocked(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := inspectHeader(path); err != nil {
		return nil // damaged: bbolt cannot open it, and nobody else can either
	}
	db, err := openBolt(path, bolt.Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if errors.Is(err, ErrLocked) {
		return fmt.Errorf("store: restore: stop the server first: %w", err)
	}
	if err == nil {
		_ = db.Close()
	}
	return nil
}

// copyToTemporary copies source into a new fsynced file in directory and
// returns its path.
func copyToTemporary(source, directory string) (string, error) {
	input, err := os.Open(source)
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	defer input.Close()
	output, err := os.CreateTemp(directory, FileName+".restore-*")
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	_, err = io.Copy(output, input)
	if err == nil {
		err = output.Sync()
	}
	if closeErr := output.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(output.Name())
		return "", fmt.Errorf("store: restore: copying %s: %w", source, err)
	}
	return output.Name(), nil
}
