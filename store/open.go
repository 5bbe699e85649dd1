package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// initialMmapSize is bbolt's initial mapping. A write that outgrows the
// mapping must remap, and remapping waits for every read transaction (a
// running Backup or Load) to finish. 256 MiB of address space (not memory)
// makes that rare for a store of user-set state; the file itself still
// grows only as data is written.
const initialMmapSize = 256 << 20

// Open opens the store in config.Dir, creating the directory and an empty
// store if neither exists, and starts the writer goroutine.
//
// Before returning it checks the whole file: the bbolt meta pages against
// the file size, the schema record, every page (bbolt's consistency check)
// and every value (decoded once). A file that fails any check is reported
// with ErrCorrupt or ErrSchema and the file's path; Open never starts empty
// on an unreadable file. Another holder of the file lock gives ErrLocked
// after config.Timeout.
func Open(config Config) (*Store, error) {
	config, err := config.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(config.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: cannot create directory: %w", err)
	}
	path := filepath.Join(config.Dir, FileName)
	switch _, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		if err := createStore(path, config); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
	default:
		if err := inspectHeader(path); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(path, bolt.Options{
		Timeout:         config.Timeout,
		NoSync:          config.NoSync,
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return nil, err
	}
	if err := verifyDatabase(db, path); err != nil {
		_ = db.Close()
		return nil, err
	}
	return newStore(db, path, config), nil
}

// Verify checks the store file in dir without changing it: meta pages,
// schema, every page and every value, as Open does. It is the operator's
// check (docs/DURABILITY.md). It opens the file read-only and fails with
// ErrLocked after DefaultTimeout if a process has the store open; verify a
// fresh backup (VerifyFile) to check a running store.
func Verify(dir string) error {
	return VerifyFile(filepath.Join(dir, FileName))
}

// VerifyFile is Verify for a file at any path, typically a backup.
func VerifyFile(path string) error {
	if err := inspectHeader(path); err != nil {
		return err
	}
	// PreLoadFreelist reads the freelist inside openBolt's guard; otherwise
	// bbolt's check would read it first, on a goroutine guard cannot cover.
	db, err := openBolt(path, bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: DefaultTimeout})
	if err != nil {
		return err
	}
	verifyErr := verifyDatabase(db, path)
	if err := db.Close(); err != nil && verifyErr == nil {
		verifyErr = fmt.Errorf("store: closing %s after verification: %w", path, err)
	}
	return verifyErr
}

// createStore writes a new, empty store under a temporary name and links it
// into place, so FileName either does not exist or holds a complete store:
// an empty or half-initialised FileName therefore always means damage.
func createStore(path string, config Config) error {
	directory := filepath.Dir(path)
	temporary, err := os.CreateTemp(directory, FileName+".new-*")
	if err != nil {
		return fmt.Errorf("store: cannot create %s: %w", path, err)
	}
	temporaryPath := temporary.Name()
	_ = temporary.Close()
	defer os.Remove(temporaryPath)

	db, err := bolt.Open(temporaryPath, 0o600, &bolt.Options{Timeout: config.Timeout, NoSync: config.NoSync})
	if err != nil {
		return fmt.Errorf("store: cannot create %s: %w", path, err)
	}
	err = db.Update(initializeSchema)
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("store: cannot initialise %s: %w", path, err)
	}
	// Link instead of rename: if another process created the store
	// meanwhile, keep theirs (the link fails with "exists").
	if err := os.Link(temporaryPath, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: cannot create %s: %w", path, err)
	}
	return syncDirectory(directory)
}

// openBolt opens path with bbolt, converting bbolt's errors and any fault
// or panic while bbolt reads the file into the package's errors.
func openBolt(path string, options bolt.Options) (*bolt.DB, error) {
	var file *os.File
	options.OpenFile = func(name string, flag int, mode os.FileMode) (*os.File, error) {
		opened, err := os.OpenFile(name, flag, mode)
		file = opened
		return opened, err
	}
	var db *bolt.DB
	err := guard(path, func() error {
		var openErr error
		db, openErr = bolt.Open(path, 0o600, &options)
		return openErr
	})
	switch {
	case err == nil:
		return db, nil
	case db == nil && file != nil && errors.Is(err, ErrCorrupt):
		// bbolt panicked half-way: release the lock and the descriptor. The
		// mapping (address space only) leaks; bbolt keeps no handle to it.
		releaseFileLock(file)
		_ = file.Close()
		return nil, err
	case errors.Is(err, ErrCorrupt):
		return nil, err
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s (waited %v; stop the other process or choose another Config.Dir)",
			ErrLocked, path, options.Timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corruptError(path, err)
	}
	return nil, fmt.Errorf("store: cannot open %s: %w", path, err)
}

// guard runs fn, turning a memory fault on the mapped file (SIGBUS after a
// truncation, SIGSEGV on a wild page id) or a bbolt assertion panic into a
// corruptError. Faults become panics only on this goroutine, and only while
// the fault handling is switched on, so guard wraps every first read of a
// file that has not been verified yet.
func guard(path string, fn func() error) (err error) {
	previous := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(previous)
		if recovered := recover(); recovered != nil {
			err = corruptError(path, fmt.Errorf("reading the file failed: %v", recovered))
		}
	}()
	return fn()
}

// verifyDatabase checks schema, values and pages of an open database. The
// value walk runs first, under guard, because it reads every page bbolt's
// check follows; the check itself runs on a goroutine of bbolt's where a
// fault could not be caught.
func verifyDatabase(db *bolt.DB, path string) error {
	return guard(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			if err := checkSchema(tx, path); err != nil {
				return err
			}
			if err := loadRecords(tx, Loader{}, true); err != nil {
				return corruptError(path, err)
			}
			var problems []error
			for problem := range tx.Check() {
				if len(problems) < 10 { // keep draining: Check stops when read out
					problems = append(problems, problem)
				}
			}
			if len(problems) > 0 {
				return corruptError(path, fmt.Errorf("page check: %w", errors.Join(problems...)))
			}
			return nil
		})
	})
}

// syncDirectory makes a rename or link in directory durable.
func syncDirectory(directory string) error {
	handle, err := os.Open(directory)
	if err != nil {
		return fmt.Errorf("store: cannot sync directory %s: %w", directory, err)
	}
	defer handle.Close()
	if err := handle.Sync(); err != nil {
		return fmt.Errorf("store: cannot sync directory %s: %w", directory, err)
	}
	return nil
}
