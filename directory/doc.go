// Package directory is where the server's users and contacts come from:
// the user directory, a YAML file (or the embedded demo directory of ten
// users), loaded and validated into an immutable Directory.
//
// A Directory answers three questions:
//
//   - who may log in: each User has a login name, a password hash
//     (PBKDF2-SHA256, HashPassword; CheckPassword verifies one) and an
//     enabled flag; package server/auth builds its Authenticator on this;
//   - what the engine should know of each user: (*User).ContactEntry (the
//     AsnNetDatabaseContact fields, groups, administrator flag) and
//     (*User).EngineLines (phone lines);
//   - who may see whom at startup: the initial rights lists (global, per
//     group, personal), InitialRights.
//
// (*Directory).Apply seeds an engine with all of it: contacts and lines
// first, then the rights lists (ApplyRights). cmd/presenced does that at
// startup, then hands the same Directory to the authenticator and the
// board.
//
//	dir, _ := directory.Demo()       // or directory.Load("users.yaml")
//	_ = dir.Apply(e)                 // contacts, lines, rights
//	a, _ := auth.New(auth.Config{Directory: dir})
//
// docs/AUTH.md describes the file format. The package has no network code
// and no authentication policy (lockout, tokens): those are server/auth's.
package directory
