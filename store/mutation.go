package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Mutation is one typed change to the store, built by a constructor
// (PutRights, DeleteNote, ...) and passed to (*Store).Apply. The constructor
// validates its arguments and encodes key and value at once, on the
// caller's goroutine, so the single writer only copies bytes into bbolt. An
// invalid argument does not panic: the Mutation carries the error and Apply
// returns it (wrapping ErrInvalidMutation) before queueing anything.
//
// A Mutation is an immutable value: it may be copied, kept, applied more
// than once and shared between goroutines. The zero Mutation is invalid.
type Mutation struct {
	bucket bucketID
	key    []byte
	// value is the encoded record; nil means delete key (or, with
	// deletePrefix, every key starting with key).
	value        []byte
	deletePrefix bool
	err          error
}

// String describes the mutation for logs, e.g. "put notes key \"alice\"".
func (mutation Mutation) String() string {
	switch {
	case mutation.err != nil:
		return "invalid mutation: " + mutation.err.Error()
	case mutation.bucket == 0:
		return "zero mutation"
	case mutation.deletePrefix:
		return fmt.Sprintf("delete %s keys with prefix %q", mutation.bucket.name(), mutation.key)
	case mutation.value == nil:
		return fmt.Sprintf("delete %s key %q", mutation.bucket.name(), mutation.key)
	}
	return fmt.Sprintf("put %s key %q (%d bytes)", mutation.bucket.name(), mutation.key, len(mutation.value))
}

// validate returns the error Apply reports for this mutation, or nil.
func (mutation Mutation) validate() error {
	if mutation.err != nil {
		return mutation.err
	}
	if mutation.bucket == 0 || mutation.bucket >= bucketCount {
		return fmt.Errorf("%w: zero Mutation (use a constructor such as PutNote)", ErrInvalidMutation)
	}
	return nil
}

// invalid builds the Mutation that carries a constructor's argument error.
func invalid(format string, arguments ...any) Mutation {
	return Mutation{err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidMutation}, arguments...)...)}
}

// put and remove check the key against bbolt's limits, so that Apply
// rejects an oversized key up front instead of failing a whole batch.
func put(bucket bucketID, key, value []byte) Mutation {
	if len(key) > bolt.MaxKeySize {
		return invalid("%s key is %d bytes, limit %d", bucket.name(), len(key), bolt.MaxKeySize)
	}
	if int64(len(value)) > bolt.MaxValueSize {
		return invalid("%s value is %d bytes, limit %d", bucket.name(), len(value), int64(bolt.MaxValueSize))
	}
	return Mutation{bucket: bucket, key: key, value: value}
}

func remove(bucket bucketID, key []byte) Mutation {
	if len(key) > bolt.MaxKeySize {
		return invalid("%s key is %d bytes, limit %d", bucket.name(), len(key), bolt.MaxKeySize)
	}
	return Mutation{bucket: bucket, key: key}
}

// rightsKey validates scope and owner and returns the bucket and key.
func rightsKey(scope Scope, owner, remoteID string) (bucketID, []byte, error) {
	bucket, ok := rightsBucket(scope)
	switch {
	case !ok:
		return 0, nil, fmt.Errorf("%w: unknown rights scope %d", ErrInvalidMutation, scope)
	case scope == ScopeGlobal && owner != "":
		return 0, nil, fmt.Errorf("%w: global rights have no owner, got %q", ErrInvalidMutation, owner)
	case scope != ScopeGlobal && owner == "":
		return 0, nil, fmt.Errorf("%w: %s rights need an owner", ErrInvalidMutation, scope)
	}
	return bucket, compositeKey(owner, remoteID), nil
}

// PutRights sets the entry for entry.RemoteID in one rights list: the
// global list (owner ""), a group's list (owner = group name) or a
// contact's personal list (owner = contact id). It replaces an existing
// entry for the same remote id.
func PutRights(scope Scope, owner string, entry RightsEntry) Mutation {
	if entry.RemoteID == "" {
		return invalid("rights entry without remote id")
	}
	bucket, key, err := rightsKey(scope, owner, entry.RemoteID)
	if err != nil {
		return Mutation{err: err}
	}
	return put(bucket, key, appendRightsValue(nil, entry))
}

// DeleteRights removes the entry for remoteID from one rights list.
// Deleting an absent entry is not an error.
func DeleteRights(scope Scope, owner, remoteID string) Mutation {
	if remoteID == "" {
		return invalid("rights deletion without remote id")
	}
	bucket, key, err := rightsKey(scope, owner, remoteID)
	if err != nil {
		return Mutation{err: err}
	}
	return remove(bucket, key)
}

// DeleteRightsList removes a whole rights list: every entry of owner's list
// in scope (for ScopeGlobal, owner is "" and the global list is emptied).
// Use it when a group or a contact is removed.
func DeleteRightsList(scope Scope, owner string) Mutation {
	bucket, key, err := rightsKey(scope, owner, "")
	if err != nil {
		return Mutation{err: err}
	}
	mutation := remove(bucket, key)
	mutation.deletePrefix = true
	return mutation
}

// PutAbsentState sets contactID's manual absent state, replacing the
// previous one.
func PutAbsentState(contactID string, state AbsentState) Mutation {
	if contactID == "" {
		return invalid("absent state without contact id")
	}
	return put(bucketAbsentStates, []byte(contactID), appendAbsentStateValue(nil, state))
}

// DeleteAbsentState clears contactID's manual absent state.
func DeleteAbsentState(contactID string) Mutation {
	if contactID == "" {
		return invalid("absent state deletion without contact id")
	}
	return remove(bucketAbsentStates, []byte(contactID))
}

// PutNote sets contactID's custom note. An empty text is stored as such;
// use DeleteNote to remove the note.
func PutNote(contactID string, note Note) Mutation {
	if contactID == "" {
		return invalid("note without contact id")
	}
	return put(bucketNotes, []byte(contactID), appendNoteValue(nil, note))
}

// DeleteNote removes contactID's custom note.
func DeleteNote(contactID string) Mutation {
	if contactID == "" {
		return invalid("note deletion without contact id")
	}
	return remove(bucketNotes, []byte(contactID))
}

// PutChallenge records a pending rights challenge. A second challenge from
// the same challenger replaces the first (only its time changes).
func PutChallenge(challenge Challenge) Mutation {
	if challenge.Owner == "" || challenge.Challenger == "" {
		return invalid("challenge needs owner and challenger, got %q and %q", challenge.Owner, challenge.Challenger)
	}
	return put(bucketChallenges, compositeKey(challenge.Owner, challenge.Challenger),
		appendChallengeValue(nil, challenge.At))
}

// DeleteChallenge removes one pending challenge, typically once the owner
// answered it by setting rights.
func DeleteChallenge(owner, challenger string) Mutation {
	if owner == "" || challenger == "" {
		return invalid("challenge deletion needs owner and challenger, got %q and %q", owner, challenger)
	}
	return remove(bucketChallenges, compositeKey(owner, challenger))
}

// DeleteChallenges removes every pending challenge in owner's list.
func DeleteChallenges(owner string) Mutation {
	if owner == "" {
		return invalid("challenge list deletion without owner")
	}
	mutation := remove(bucketChallenges, compositeKey(owner, ""))
	mutation.deletePrefix = true
	return mutation
}

// PutImage sets contactID's picture. The image bytes are encoded (copied)
// by this call.
func PutImage(contactID string, image Image) Mutation {
	if contactID == "" {
		return invalid("image without contact id")
	}
	return put(bucketImages, []byte(contactID), appendImageValue(nil, image))
}

// DeleteImage removes contactID's picture.
func DeleteImage(contactID string) Mutation {
	if contactID == "" {
		return invalid("image deletion without contact id")
	}
	return remove(bucketImages, []byte(contactID))
}

// PutUser adds or replaces a user directory entry.
func PutUser(user User) Mutation {
	if user.ID == "" {
		return invalid("user without id")
	}
	return put(bucketUsers, []byte(user.ID), appendUserValue(nil, user))
}

// DeleteUser removes a user directory entry. It deletes nothing else: to
// remove everything a user set, apply it together with DeleteNote,
// DeleteAbsentState, DeleteImage, DeleteRightsList(ScopePersonal, id) and
// DeleteChallenges(id) in one Apply call, which is atomic.
func DeleteUser(id string) Mutation {
	if id == "" {
		return invalid("user deletion without id")
	}
	return remove(bucketUsers, []byte(id))
}

// apply performs the mutation inside a write transaction. buckets caches
// the bucket handles for the duration of one transaction.
func (mutation Mutation) apply(tx *bolt.Tx, buckets *[bucketCount]*bolt.Bucket) error {
	bucket := buckets[mutation.bucket]
	if bucket == nil {
		bucket = tx.Bucket(bucketNames[mutation.bucket])
		if bucket == nil {
			return fmt.Errorf("bucket %q is missing", bucketNames[mutation.bucket])
		}
		buckets[mutation.bucket] = bucket
	}
	switch {
	case mutation.deletePrefix:
		return deletePrefix(bucket, mutation.key)
	case mutation.value == nil:
		return bucket.Delete(mutation.key)
	}
	return bucket.Put(mutation.key, mutation.value)
}

// deletePrefix deletes every key starting with prefix. Keys are collected
// first: deleting through a bbolt cursor while iterating skips keys.
func deletePrefix(bucket *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	cursor := bucket.Cursor()
	for key, _ := cursor.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = cursor.Next() {
		keys = append(keys, bytes.Clone(key))
	}
	for _, key := range keys {
		if err := bucket.Delete(key); err != nil {
			return err
		}
	}
	return nil
}
