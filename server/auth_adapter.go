package server

import (
	"errors"

	"github.com/ucpresence/presence/server/auth"
)

// DirectoryAuthenticator adapts the directory-backed auth.Authenticator to
// the server's Authenticator.
type DirectoryAuthenticator struct {
	Auth *auth.Authenticator
}

func (d DirectoryAuthenticator) user(u *auth.User, err error) (User, error) {
	if err != nil {
		var le *auth.LogonError
		if errors.As(err, &le) {
			return User{}, &LogonError{Code: le.Code, Msg: le.Msg}
		}
		return User{}, err
	}
	return User{ID: u.ID, DisplayName: u.DisplayName}, nil
}

// Basic checks a login name and password.
func (d DirectoryAuthenticator) Basic(login, password string) (User, error) {
	return d.user(d.Auth.Basic(login, password))
}

// Bearer checks a JWT.
func (d DirectoryAuthenticator) Bearer(token string) (User, error) {
	return d.user(d.Auth.Bearer(token))
}

// IssueToken issues a JWT with the configured lifetime.
func (d DirectoryAuthenticator) IssueToken(user string) (string, error) {
	return d.Auth.IssueToken(user, 0)
}
