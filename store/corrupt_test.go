package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// populatedFile holds the bytes of a closed store with 200 notes and 200
// pictures of 4-6 KB (about 1 MiB in a few hundred pages), built once.
var populatedFile struct {
	once    sync.Once
	content []byte
	err     error
}

// populatedStore returns a store directory holding a copy of
// populatedFile, enough data that a truncation cuts real pages.
func populatedStore(t *testing.T) Config {
	t.Helper()
	populatedFile.once.Do(func() {
		config := Config{Dir: t.TempDir(), NoSync: true}
		s := mustOpen(t, config)
		random := rand.New(rand.NewPCG(1, 2))
		bytes := rand.NewChaCha8([32]byte{1})
		var mutations []Mutation
		for index := range 200 {
			contact := fmt.Sprintf("contact-%03d-%s", index, strings.Repeat("x", index%7))
			large := make([]byte, 4000+random.IntN(2000))
			_, _ = bytes.Read(large)
			mutations = append(mutations,
				PutImage(contact, Image{Hash: "h", Small: large[:100], Large: large}),
				PutNote(contact, Note{Text: "note"}),
			)
		}
		mustApply(t, s, mutations...)
		mustClose(t, s)
		populatedFile.content, populatedFile.err = os.ReadFile(filepath.Join(config.Dir, FileName))
	})
	if populatedFile.err != nil {
		t.Fatal(populatedFile.err)
	}
	config := testConfig(t)
	if err := os.WriteFile(filepath.Join(config.Dir, FileName), populatedFile.content, 0o600); err != nil {
		t.Fatal(err)
	}
	return config
}

// expectCorrupt asserts that Open and Verify refuse the store with an
// ErrCorrupt that names the file and tells the operator what to do.
func expectCorrupt(t *testing.T, config Config, wantDetail string) {
	t.Helper()
	path := filepath.Join(config.Dir, FileName)
	s, err := Open(config)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a damaged file")
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
	message := err.Error()
	for _, want := range []string{path, "restore", "backup", wantDetail} {
		if !strings.Contains(message, want) {
			t.Errorf("Open error does not mention %q:\n%s", want, message)
		}
	}
	if err := Verify(config.Dir); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify: %v, want ErrCorrupt", err)
	}
	// The damaged file is left for the operator, not replaced.
	if _, err := os.Stat(path); err != nil {
		t.Errorf("damaged file gone after Open: %v", err)
	}
}

func TestGarbageFileIsRefused(t *testing.T) {
	config := testConfig(t)
	garbage := make([]byte, 64<<10)
	_, _ = rand.NewChaCha8([32]byte{3}).Read(garbage)
	if err := os.WriteFile(filepath.Join(config.Dir, FileName), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	expectCorrupt(t, config, "meta pages are invalid")
}

// dataSize returns the bytes of path that hold pages in use: the newest
// valid meta page's page count times the page size. bbolt preallocates
// beyond it (up to 16 MiB), so cutting only that tail loses nothing.
func dataSize(t *testing.T, path string) int64 {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := parseBoltMeta(content)
	if err != nil {
		t.Fatal(err)
	}
	newest := first
	if second, err := parseBoltMeta(content[first.pageSize:]); err == nil && second.transactionID > first.transactionID {
		newest = second
	}
	return int64(newest.highWaterMark) * int64(newest.pageSize)
}

func TestTruncatedFileIsRefused(t *testing.T) {
	for _, cut := range []struct {
		name   string
		size   func(data int64) int64
		detail string
	}{
		{"data cut in half", func(data int64) int64 { return data / 2 }, "truncated"},
		{"last page missing", func(data int64) int64 { return data - 4096 }, "truncated"},
		{"within the first page", func(int64) int64 { return 3000 }, "truncated"},
		{"empty", func(int64) int64 { return 0 }, "empty"},
	} {
		t.Run(cut.name, func(t *testing.T) {
			config := populatedStore(t)
			path := filepath.Join(config.Dir, FileName)
			if err := os.Truncate(path, cut.size(dataSize(t, path))); err != nil {
				t.Fatal(err)
			}
			expectCorrupt(t, config, cut.detail)
		})
	}
	// Control: cutting only the preallocated tail loses nothing, and the
	// store must open with every record.
	t.Run("preallocated tail only", func(t *testing.T) {
		config := populatedStore(t)
		path := filepath.Join(config.Dir, FileName)
		data := dataSize(t, path)
		if info, _ := os.Stat(path); info.Size() <= data {
			t.Fatalf("file %d bytes has no tail beyond its %d data bytes", info.Size(), data)
		}
		if err := os.Truncate(path, data); err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, config)
		defer mustClose(t, s)
		if snap := loadSnapshot(t, s); len(snap.images) != 200 || len(snap.notes) != 200 {
			t.Errorf("%d images and %d notes, want 200 each", len(snap.images), len(snap.notes))
		}
	})
}

// TestOverwrittenPagesAreRefused damages the data pages but leaves the
// meta pages valid, so only the page walk and bbolt's check can notice.
// Some seeds make bbolt fault or panic; the guard must turn every one into
// an error instead of a crash.
func TestOverwrittenPagesAreRefused(t *testing.T) {
	for seed := range uint64(8) {
		config := populatedStore(t)
		path := filepath.Join(config.Dir, FileName)
		file, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := file.Stat()
		random := rand.New(rand.NewPCG(seed, 5))
		noise := rand.NewChaCha8([32]byte{byte(seed)})
		garbage := make([]byte, 4096)
		for page := int64(2); page < info.Size()/4096; page++ {
			if random.IntN(3) != 0 { // damage a third of the pages
				continue
			}
			_, _ = noise.Read(garbage)
			if _, err := file.WriteAt(garbage, page*4096); err != nil {
				t.Fatal(err)
			}
		}
		file.Close()
		expectCorrupt(t, config, path)
	}
}

func TestUndecodableValueIsRefused(t *testing.T) {
	config := testConfig(t)
	mustClose(t, mustOpen(t, config))
	rawUpdate(t, config, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNames[bucketNotes]).Put([]byte("alice"), []byte{valueVersion + 1, 0})
	})
	expectCorrupt(t, config, `bucket notes key "alice": note value: unknown value version 2`)
}

func TestSchemaMismatchesAreRefused(t *testing.T) {
	t.Run("newer schema", func(t *testing.T) {
		config := testConfig(t)
		mustClose(t, mustOpen(t, config))
		rawUpdate(t, config, func(tx *bolt.Tx) error {
			return tx.Bucket(metaBucketName).Put(schemaVersionKey, binary.BigEndian.AppendUint32(nil, schemaVersion+1))
		})
		expectSchemaError(t, config, "schema version 2")
	})
	t.Run("not a presence store", func(t *testing.T) {
		config := testConfig(t)
		rawUpdate(t, config, func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("something-else"))
			return err
		})
		expectSchemaError(t, config, "not a presence store")
	})
	t.Run("missing bucket", func(t *testing.T) {
		config := testConfig(t)
		mustClose(t, mustOpen(t, config))
		rawUpdate(t, config, func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketNames[bucketUsers]) })
		expectCorrupt(t, config, `bucket "users" is missing`)
	})
}

func expectSchemaError(t *testing.T, config Config, wantDetail string) {
	t.Helper()
	s, err := Open(config)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), wantDetail) {
		t.Fatalf("Open: %v, want ErrSchema mentioning %q", err, wantDetail)
	}
}

// rawUpdate edits the store file with bbolt directly, behind the store's back.
func rawUpdate(t *testing.T, config Config, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(config.Dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyAcceptsAHealthyStore(t *testing.T) {
	config := populatedStore(t)
	if err := Verify(config.Dir); err != nil {
		t.Fatalf("Verify on a healthy store: %v", err)
	}
	// Verify does not change the file and the store opens afterwards.
	mustClose(t, mustOpen(t, config))
}
