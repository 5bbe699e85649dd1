package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowWriter holds a backup open until writers have committed: on its
// second write (the backup's read transaction is open by then) it waits
// until 20 more calls are acknowledged, at most 10 s.
type slowWriter struct {
	file     *os.File
	calls    func() uint64
	writes   int
	baseline uint64
	// committedDuring is how many calls were acknowledged while the
	// backup's transaction was open and the writer waited.
	committedDuring uint64
}

func (w *slowWriter) Write(data []byte) (int, error) {
	w.writes++
	switch w.writes {
	case 1:
		w.baseline = w.calls()
	case 2:
		deadline := time.Now().Add(10 * time.Second)
		for w.calls() < w.baseline+20 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		w.committedDuring = w.calls() - w.baseline
	}
	return w.file.Write(data)
}

// TestBackupWhileWriting takes a backup while 16 goroutines keep applying
// two-record calls. Every call acknowledged before the backup started must
// be in it, no call may be half in it, and calls must have committed while
// the backup ran (else the test proves nothing about concurrency).
func TestBackupWhileWriting(t *testing.T) {
	const writers = 16
	config := testConfig(t)
	s := mustOpen(t, config)
	defer mustClose(t, s)
	// About 2 MiB of pictures, so the backup takes many writes.
	var pictures []Mutation
	for index := range 64 {
		pictures = append(pictures, PutImage(fmt.Sprint("picture", index), Image{Large: make([]byte, 32<<10)}))
	}
	mustApply(t, s, pictures...)

	var (
		mutex        sync.Mutex
		acknowledged []string // contacts whose call returned nil
		stop         atomic.Bool
		group        sync.WaitGroup
	)
	for worker := range writers {
		group.Go(func() {
			for call := 0; !stop.Load(); call++ {
				contact := fmt.Sprintf("w%d-%d", worker, call)
				err := s.Apply(context.Background(),
					PutNote(contact, Note{Text: contact}),
					PutAbsentState(contact, AbsentState{State: 2}),
				)
				if err != nil {
					t.Errorf("Apply: %v", err)
					return
				}
				mutex.Lock()
				acknowledged = append(acknowledged, contact)
				mutex.Unlock()
			}
		})
	}
	callsSoFar := func() uint64 {
		var stats Stats
		s.Stats(&stats)
		return stats.Calls
	}
	for callsSoFar() < 200 {
		time.Sleep(time.Millisecond)
	}

	mutex.Lock()
	before := append([]string(nil), acknowledged...)
	mutex.Unlock()
	backupPath := filepath.Join(t.TempDir(), "backup.db")
	file, err := os.Create(backupPath)
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowWriter{file: file, calls: callsSoFar}
	written, err := s.Backup(slow)
	stop.Store(true)
	group.Wait()
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if slow.committedDuring < 20 {
		t.Fatalf("%d calls committed in 10 s while the backup ran: Backup blocks writers", slow.committedDuring)
	}

	if info, err := os.Stat(backupPath); err != nil || info.Size() != written {
		t.Fatalf("backup file: %v, size vs %d written", err, written)
	}
	restored := t.TempDir()
	if err := RestoreFromFile(backupPath, restored); err != nil {
		t.Fatalf("RestoreFromFile: %v", err)
	}
	backup := mustOpen(t, Config{Dir: restored})
	defer mustClose(t, backup)
	snap := loadSnapshot(t, backup)
	for _, contact := range before {
		if _, ok := snap.notes[contact]; !ok {
			t.Fatalf("call for %s acknowledged before the backup is missing from it", contact)
		}
	}
	for contact := range snap.notes {
		if _, ok := snap.absent[contact]; !ok {
			t.Fatalf("backup holds half a call: note for %s without its absent state", contact)
		}
	}
	if len(snap.notes) != len(snap.absent) || len(snap.images) != 64 {
		t.Fatalf("backup holds %d notes, %d absent states, %d images", len(snap.notes), len(snap.absent), len(snap.images))
	}
	t.Logf("%d calls acknowledged before the backup, %d in it, %d committed while it ran",
		len(before), len(snap.notes), slow.committedDuring)
}

func TestBackupToWriterIsAStoreFile(t *testing.T) {
	s := mustOpen(t, testConfig(t))
	mustApply(t, s, PutNote("alice", Note{Text: "in the backup"}))
	var buffer bytes.Buffer
	written, err := s.Backup(&buffer)
	mustClose(t, s)
	if err != nil || written != int64(buffer.Len()) {
		t.Fatalf("Backup = %d, %v; buffer holds %d bytes", written, err, buffer.Len())
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buffer.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	directory := t.TempDir()
	if err := RestoreFromFile(path, directory); err != nil {
		t.Fatal(err)
	}
	restored := mustOpen(t, Config{Dir: directory})
	defer mustClose(t, restored)
	if note := loadSnapshot(t, restored).notes["alice"]; note.Text != "in the backup" {
		t.Fatalf("restored note %q", note.Text)
	}
}

func TestRestoreReplacesTheStoreAndKeepsTheOldFile(t *testing.T) {
	config := testConfig(t)
	s := mustOpen(t, config)
	mustApply(t, s, PutNote("alice", Note{Text: "backed up"}))
	backupPath := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.BackupToFile(backupPath); err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, PutNote("alice", Note{Text: "after the backup"}))

	// Refused while the store is open.
	if err := RestoreFromFile(backupPath, config.Dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("RestoreFromFile on an open store: %v, want ErrLocked", err)
	}
	mustClose(t, s)

	// Refused from a damaged backup; the store is untouched.
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(damaged, bytes.Repeat([]byte{0xAB}, 32<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RestoreFromFile(damaged, config.Dir); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("RestoreFromFile from garbage: %v, want ErrCorrupt", err)
	}

	if err := RestoreFromFile(backupPath, config.Dir); err != nil {
		t.Fatalf("RestoreFromFile: %v", err)
	}
	s = mustOpen(t, config)
	defer mustClose(t, s)
	if note := loadSnapshot(t, s).notes["alice"]; note.Text != "backed up" {
		t.Errorf("note after restore %q, want the backed-up one", note.Text)
	}
	entries, err := os.ReadDir(config.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	aside := 0
	for _, entry := range entries {
		names = append(names, entry.Name())
		if strings.HasPrefix(entry.Name(), FileName+".before-restore-") {
			aside++
		}
	}
	if aside != 1 || len(entries) != 2 {
		t.Errorf("directory after restore holds %v, want %s and one %s.before-restore-* file", names, FileName, FileName)
	}
}

func TestRestoreOverACorruptStore(t *testing.T) {
	config := populatedStore(t)
	backupPath := filepath.Join(t.TempDir(), "backup.db")
	s := mustOpen(t, config)
	if _, err := s.BackupToFile(backupPath); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	if err := os.Truncate(filepath.Join(config.Dir, FileName), 10_000); err != nil {
		t.Fatal(err)
	}
	if err := RestoreFromFile(backupPath, config.Dir); err != nil {
		t.Fatalf("RestoreFromFile over a truncated store: %v", err)
	}
	s = mustOpen(t, config)
	defer mustClose(t, s)
	if images := len(loadSnapshot(t, s).images); images != 200 {
		t.Errorf("%d images after restore, want 200", images)
	}
}
