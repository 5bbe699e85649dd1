package auth

import (
	"errors"
	"fmt"
	"time"
)

// Logon error codes: the values of AsnLogonErrorEnum (ENetUC_Auth.asn1,
// "eNETLOGIN..."), sent as iErrorDetail of an AsnLogonError.
const (
	// CodeInternalError is eNETLOGININTERNALSERVERERROR.
	CodeInternalError = 100
	// CodeInvalidCredentials is eNETLOGININVALUSERNAME: "user name not found
	// or password wrong"; also used for malformed or forged tokens.
	CodeInvalidCredentials = 101
	// CodeInvalidAuthMethod is eNETLOGININVALIDAUTHENTICATIONMETHOD: the
	// scheme is not supported.
	CodeInvalidAuthMethod = 106
	// CodeUserNotEnabled is eNETLOGINUSERNOTENABLED.
	CodeUserNotEnabled = 107
	// CodeTokenExpired is eNETLOGINTOKENEXIRED (sic).
	CodeTokenExpired = 130
	// CodeTooManyAttempts is eNETLOGINTOOMANYATTEMPTS: the login name is
	// locked out for a while.
	CodeTooManyAttempts = 131
)

// LogonError is an authentication failure with its AsnLogonErrorEnum code.
// Msg is safe to send to the client: it never says whether the login name
// or the password was wrong.
type LogonError struct {
	// Code is one of the Code* constants.
	Code int
	// Msg is a short English text for u8sErrorString.
	Msg string
	// RetryAfter is how long a locked-out login name must wait (Code 131
	// only; zero otherwise), e.g. for an HTTP Retry-After header.
	RetryAfter time.Duration
}

// Error formats "auth: logon error <code>: <msg>".
func (e *LogonError) Error() string {
	return fmt.Sprintf("auth: logon error %d: %s", e.Code, e.Msg)
}

// Is reports whether target is a *LogonError with the same code, so that
// errors.Is(err, auth.ErrTokenExpired) works for every expired token.
func (e *LogonError) Is(target error) bool {
	var t *LogonError
	return errors.As(target, &t) && t.Code == e.Code
}

// Sentinels to compare with errors.Is; they match by code only.
var (
	ErrInvalidCredentials = &LogonError{Code: CodeInvalidCredentials, Msg: "the user cannot be authenticated"}
	ErrInvalidAuthMethod  = &LogonError{Code: CodeInvalidAuthMethod, Msg: "authentication method not supported"}
	ErrUserNotEnabled     = &LogonError{Code: CodeUserNotEnabled, Msg: "the user is not enabled"}
	ErrTokenExpired       = &LogonError{Code: CodeTokenExpired, Msg: "the token has expired"}
	ErrTooManyAttempts    = &LogonError{Code: CodeTooManyAttempts, Msg: "too many failed login attempts"}
)

// invalidCredentials is the one answer to every wrong name, password or
// token: a fresh value, so that callers cannot alter the sentinel.
func invalidCredentials() *LogonError {
	return &LogonError{Code: CodeInvalidCredentials, Msg: ErrInvalidCredentials.Msg}
}

func logonError(code int, msg string) *LogonError {
	return &LogonError{Code: code, Msg: msg}
}
