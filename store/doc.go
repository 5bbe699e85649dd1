// Package store is the durable store of user-set presence state: dynamic
// rights lists (global, per group, personal), manual absent states, custom
// notes, pending rights challenges, contact images and the user directory.
// Everything else the engine knows (calls, lines, appointments, idle,
// sessions) is live state rebuilt from its sources after a restart and is
// not stored here; docs/DURABILITY.md draws the line.
//
// The store is one bbolt file (FileName in Config.Dir). Writes are typed
// mutations built by constructors (PutRights, DeleteNote, ...) and passed
// to (*Store).Apply, which returns only after the change is fsynced;
// concurrent callers share one transaction and one fsync (group commit,
// commit.go). Reads are (*Store).Load at startup, which hands every record
// to a Loader's callbacks, and (*Store).Image for pictures on demand.
//
// Open verifies the whole file and refuses a damaged one with ErrCorrupt
// instead of starting empty. Backup, BackupToFile, RestoreFromFile, Verify
// and VerifyFile are the operator's tools.
//
// The package uses plain Go values and imports nothing from the engine.
package store
