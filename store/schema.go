package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// On-disk layout (schema version 1). One bbolt file, FileName, with one
// bucket per record kind and a meta bucket. docs/DURABILITY.md has the same
// table for operators.
//
//	bucket           key                                   value
//	meta             "format", "schema_version"            format name, uint32 big-endian
//	rights_global    remote id                  (owner "") appendRightsValue
//	rights_group     len(group) group remote id            appendRightsValue
//	rights_personal  len(owner) owner remote id            appendRightsValue
//	absent_states    contact id                            appendAbsentStateValue
//	notes            contact id                            appendNoteValue
//	challenges       len(owner) owner challenger id        appendChallengeValue
//	images           contact id                            appendImageValue
//	users            user id                               appendUserValue
//
// "len(x) x" is a uvarint length followed by the bytes (compositeKey). The
// global list uses the same key shape with an empty owner, so every rights
// key is compositeKey(owner, remote).

const (
	// formatName identifies a bbolt file as a presence store.
	formatName = "github.com/ucpresence/presence/store"
	// schemaVersion is the layout this binary writes and reads. A file with
	// a higher version is refused with ErrSchema; a lower one (none exists
	// yet) would be migrated by Open inside one write transaction.
	schemaVersion uint32 = 1
)

var (
	metaBucketName   = []byte("meta")
	formatKey        = []byte("format")
	schemaVersionKey = []byte("schema_version")
)

// bucketID names a data bucket; it indexes bucketNames. The zero value is
// invalid so that a zero Mutation is detectable.
type bucketID uint8

const (
	bucketRightsGlobal bucketID = iota + 1
	bucketRightsGroup
	bucketRightsPersonal
	bucketAbsentStates
	bucketNotes
	bucketChallenges
	bucketImages
	bucketUsers
	bucketCount // one past the last; also the size of per-batch bucket caches
)

var bucketNames = [bucketCount][]byte{
	bucketRightsGlobal:   []byte("rights_global"),
	bucketRightsGroup:    []byte("rights_group"),
	bucketRightsPersonal: []byte("rights_personal"),
	bucketAbsentStates:   []byte("absent_states"),
	bucketNotes:          []byte("notes"),
	bucketChallenges:     []byte("challenges"),
	bucketImages:         []byte("images"),
	bucketUsers:          []byte("users"),
}

func (id bucketID) name() string { return string(bucketNames[id]) }

// rightsBucket maps a scope to its bucket; ok is false for an unknown scope.
func rightsBucket(scope Scope) (bucketID, bool) {
	switch scope {
	case ScopeGlobal:
		return bucketRightsGlobal, true
	case ScopeGroup:
		return bucketRightsGroup, true
	case ScopePersonal:
		return bucketRightsPersonal, true
	}
	return 0, false
}

// scopeOfBucket is the inverse of rightsBucket.
func scopeOfBucket(id bucketID) Scope {
	switch id {
	case bucketRightsGlobal:
		return ScopeGlobal
	case bucketRightsGroup:
		return ScopeGroup
	}
	return ScopePersonal
}

// initializeSchema creates every bucket and the schema record in a new file.
func initializeSchema(tx *bolt.Tx) error {
	meta, err := tx.CreateBucket(metaBucketName)
	if err != nil {
		return err
	}
	if err := meta.Put(formatKey, []byte(formatName)); err != nil {
		return err
	}
	if err := meta.Put(schemaVersionKey, binary.BigEndian.AppendUint32(nil, schemaVersion)); err != nil {
		return err
	}
	for id := bucketRightsGlobal; id < bucketCount; id++ {
		if _, err := tx.CreateBucket(bucketNames[id]); err != nil {
			return err
		}
	}
	return nil
}

// checkSchema confirms the file is a presence store of a version this
// binary reads and that every bucket exists. path is for the message only.
func checkSchema(tx *bolt.Tx, path string) error {
	meta := tx.Bucket(metaBucketName)
	if meta == nil {
		return fmt.Errorf("%w: %s is a bbolt file without the %q bucket, so not a presence store; "+
			"check Config.Dir", ErrSchema, path, metaBucketName)
	}
	if format := meta.Get(formatKey); string(format) != formatName {
		return fmt.Errorf("%w: %s has format %q, want %q; check Config.Dir", ErrSchema, path, format, formatName)
	}
	encoded := meta.Get(schemaVersionKey)
	if len(encoded) != 4 {
		return corruptError(path, fmt.Errorf("schema version record is %d bytes, want 4", len(encoded)))
	}
	switch version := binary.BigEndian.Uint32(encoded); {
	case version > schemaVersion:
		return fmt.Errorf("%w: %s has schema version %d but this binary reads up to %d; "+
			"run the newer binary or restore a backup made by this version", ErrSchema, path, version, schemaVersion)
	case version < schemaVersion:
		return fmt.Errorf("%w: %s has schema version %d, which no binary ever wrote", ErrSchema, path, version)
	}
	for id := bucketRightsGlobal; id < bucketCount; id++ {
		if tx.Bucket(bucketNames[id]) == nil {
			return corruptError(path, fmt.Errorf("bucket %q is missing", bucketNames[id]))
		}
	}
	return nil
}
