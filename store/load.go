package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Loader receives every record of the store, one callback per record kind,
// from (*Store).Load. A nil callback skips that kind without reading it
// (leave Image nil at startup and fetch pictures on demand with
// (*Store).Image). A callback's error stops Load and is returned wrapped.
//
// Callbacks run on Load's goroutine, one at a time, inside one bbolt read
// transaction, in bucket order (rights global, group, personal, absent
// states, notes, challenges, images, users) and key order within a bucket.
// Values passed to them are copies the callback may keep. A callback must
// not call (*Store).Apply and wait for it: a commit that needs to grow the
// file's mapping waits for the read transaction to end, which deadlocks.
type Loader struct {
	// Rights receives one entry of one rights list; owner is "" for
	// ScopeGlobal, the group name for ScopeGroup, the owning contact id for
	// ScopePersonal.
	Rights func(scope Scope, owner string, entry RightsEntry) error
	// AbsentState receives one contact's manual absent state.
	AbsentState func(contactID string, state AbsentState) error
	// Note receives one contact's custom note.
	Note func(contactID string, note Note) error
	// Challenge receives one pending rights challenge.
	Challenge func(challenge Challenge) error
	// Image receives one contact's picture (both sizes, copied).
	Image func(contactID string, image Image) error
	// User receives one user directory entry.
	User func(user User) error
}

// recordError marks a record that does not decode, as opposed to an error
// returned by a Loader callback.
type recordError struct{ err error }

// Error returns the decoding error's text.
func (e recordError) Error() string { return e.err.Error() }

// Unwrap returns the decoding error.
func (e recordError) Unwrap() error { return e.err }

// Load passes a consistent snapshot of every record to loader (see Loader
// for order and rules). It is meant for startup, before the engine serves,
// but is safe at any time and concurrently with Apply: it sees the state of
// the last commit before it started. A record that does not decode gives
// ErrCorrupt; after Close it returns ErrClosed.
func (s *Store) Load(loader Loader) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		return loadRecords(tx, loader, false)
	})
	var damaged recordError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return ErrClosed
	case errors.As(err, &damaged):
		return corruptError(s.path, err)
	}
	return fmt.Errorf("store: load: %w", err)
}

// Image returns contactID's picture; ok is false if it has none. Safe for
// concurrent use; it reads the last committed state.
func (s *Store) Image(contactID string) (image Image, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		value := tx.Bucket(bucketNames[bucketImages]).Get([]byte(contactID))
		if value == nil {
			return nil
		}
		ok = true
		image, err = decodeImageValue(value, false)
		if err != nil {
			return recordError{fmt.Errorf("bucket images key %q: %w", contactID, err)}
		}
		return nil
	})
	switch {
	case err == nil:
		return image, ok, nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return Image{}, false, ErrClosed
	}
	return Image{}, false, corruptError(s.path, err)
}

// loadRecords walks the data buckets. With verifyAll every value is
// decoded even where loader has no callback (image bytes are then
// borrowed, not copied); Open and Verify use that with an empty Loader.
func loadRecords(tx *bolt.Tx, loader Loader, verifyAll bool) error {
	for id := bucketRightsGlobal; id < bucketCount; id++ {
		visit := recordVisitor(id, loader, verifyAll)
		if visit == nil {
			continue
		}
		bucket := tx.Bucket(bucketNames[id])
		if bucket == nil {
			return recordError{fmt.Errorf("bucket %q is missing", bucketNames[id])}
		}
		cursor := bucket.Cursor()
		for key, value := cursor.First(); key != nil; key, value = cursor.Next() {
			if value == nil {
				return recordError{fmt.Errorf("bucket %s: unexpected nested bucket %q", id.name(), key)}
			}
			if err := visit(key, value); err != nil {
				var damaged recordError
				if errors.As(err, &damaged) {
					return recordError{fmt.Errorf("bucket %s key %q: %w", id.name(), key, damaged.err)}
				}
				return err
			}
		}
	}
	return nil
}

// recordVisitor returns the function that decodes one record of bucket id
// and hands it to loader, or nil to skip the bucket.
func recordVisitor(id bucketID, loader Loader, verifyAll bool) func(key, value []byte) error {
	switch id {
	case bucketRightsGlobal, bucketRightsGroup, bucketRightsPersonal:
		if loader.Rights == nil && !verifyAll {
			return nil
		}
		scope := scopeOfBucket(id)
		return func(key, value []byte) error {
			owner, remoteID, err := splitCompositeKey(key)
			if err == nil && remoteID == "" {
				err = errors.New("empty remote id")
			}
			if err == nil && (owner == "") != (scope == ScopeGlobal) {
				err = fmt.Errorf("owner %q does not fit scope %s", owner, scope)
			}
			if err != nil {
				return recordError{err}
			}
			entry, err := decodeRightsValue(value, remoteID)
			if err != nil {
				return recordError{err}
			}
			if loader.Rights == nil {
				return nil
			}
			return loader.Rights(scope, owner, entry)
		}
	case bucketAbsentStates:
		if loader.AbsentState == nil && !verifyAll {
			return nil
		}
		return func(key, value []byte) error {
			state, err := decodeAbsentStateValue(value)
			if err != nil {
				return recordError{err}
			}
			if loader.AbsentState == nil {
				return nil
			}
			return loader.AbsentState(string(key), state)
		}
	case bucketNotes:
		if loader.Note == nil && !verifyAll {
			return nil
		}
		return func(key, value []byte) error {
			note, err := decodeNoteValue(value)
			if err != nil {
				return recordError{err}
			}
			if loader.Note == nil {
				return nil
			}
			return loader.Note(string(key), note)
		}
	case bucketChallenges:
		if loader.Challenge == nil && !verifyAll {
			return nil
		}
		return func(key, value []byte) error {
			owner, challenger, err := splitCompositeKey(key)
			if err == nil && (owner == "" || challenger == "") {
				err = fmt.Errorf("challenge key needs owner and challenger, got %q and %q", owner, challenger)
			}
			if err != nil {
				return recordError{err}
			}
			challenge, err := decodeChallengeValue(value, owner, challenger)
			if err != nil {
				return recordError{err}
			}
			if loader.Challenge == nil {
				return nil
			}
			return loader.Challenge(challenge)
		}
	case bucketImages:
		if loader.Image == nil && !verifyAll {
			return nil
		}
		return func(key, value []byte) error {
			image, err := decodeImageValue(value, loader.Image == nil)
			if err != nil {
				return recordError{err}
			}
			if loader.Image == nil {
				return nil
			}
			return loader.Image(string(key), image)
		}
	case bucketUsers:
		if loader.User == nil && !verifyAll {
			return nil
		}
		return func(key, value []byte) error {
			user, err := decodeUserValue(value, string(key))
			if err != nil {
				return recordError{err}
			}
			if loader.User == nil {
				return nil
			}
			return loader.User(user)
		}
	}
	panic(fmt.Sprintf("BUG: no visitor for bucket id %d", id))
}
