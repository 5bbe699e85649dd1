// Package auth authenticates the users of the presence server against a
// user directory (package directory, which holds the users and their
// PBKDF2-SHA256 password hashes): Basic credentials, bearer tokens (JWT
// HS256) and the lockout of login names after repeated failures.
//
// The entry point is an Authenticator built from a Config:
//
//	dir, _ := directory.Demo()
//	a, _ := auth.New(auth.Config{Directory: dir})
//	user, err := a.FromAuthorizationHeader(r.Header.Get("Authorization"))
//	var logon *auth.LogonError
//	if errors.As(err, &logon) { /* send AsnLogonError{iErrorDetail: logon.Code} */ }
//	token, _ := a.IssueToken(user.ID, 0)
//
// Every failure is a *LogonError carrying an AsnLogonErrorEnum code (the
// Presence V2 wire digest, §4.12): 101 for a wrong login name or password
// (which of the two is never revealed, not even by timing), 107 for a
// disabled user, 130 for an expired token, 131 while a login name is locked
// out, 106 for an unsupported authentication scheme.
//
// Users are *directory.User, the one user type of the module (package
// server's Authenticator interface returns them too). docs/AUTH.md
// describes the directory file format and the security choices.
//
// The package has no network code: the server hands it header values and
// wire credentials.
package auth
