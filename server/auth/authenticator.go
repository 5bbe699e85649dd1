package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/directory"
)

// Config configures an Authenticator. Only Directory is required.
type Config struct {
	// Directory is the user directory. Required; SetDirectory replaces it
	// later (a reload).
	Directory *directory.Directory
	// SigningKey is the HS256 key of bearer tokens, at least
	// MinSigningKeyLength (32) bytes. Nil means a random key made by New:
	// tokens then die with the process and are not accepted by other
	// instances, which is right for a single server and wrong for a cluster
	// or for tokens that must survive a restart.
	SigningKey []byte
	// Issuer is written into the "iss" claim and required in tokens.
	// Empty means no "iss" claim is written or checked.
	Issuer string
	// Audience is written into the "aud" claim and required in tokens.
	// Empty means no "aud" claim is written or checked.
	Audience string
	// TokenTTL is the lifetime of a token issued with ttl zero. Zero means
	// 8 hours (a working day).
	TokenTTL time.Duration
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means
	// 30 seconds; a negative value means none.
	Leeway time.Duration
	// MaxFailures is the number of failed password attempts for one login
	// name, within LockoutWindow, after which the name is locked out. Zero
	// means 5; a negative value disables the lockout.
	MaxFailures int
	// LockoutWindow is the time within which failures add up, counted from
	// the first failure. Zero means 15 minutes.
	LockoutWindow time.Duration
	// LockoutDuration is how long a locked-out name is refused with 131,
	// even with the right password. Zero means 15 minutes.
	LockoutDuration time.Duration
	// MaxTrackedLogins bounds the failure table (about 200 bytes per name
	// plus the name); the least recently attempted name is evicted first.
	// Zero means 10,000.
	MaxTrackedLogins int
	// Clock tells the time (tests inject one). Nil means time.Now.
	Clock func() time.Time
}

// Authenticator checks credentials against a Directory and issues tokens.
// All methods are safe for concurrent use; Basic spends one PBKDF2
// derivation (84 ms at DefaultIterations) outside any lock.
type Authenticator struct {
	directory atomic.Pointer[directory.Directory]
	tokens    *tokenCodec
	failures  *failureTracker
	tokenTTL  time.Duration
	clock     func() time.Time

	basicOK, basicFailed, lockedOut atomic.Uint64
	bearerOK, bearerFailed, issued  atomic.Uint64
}

// New validates cfg, fills in the defaults and returns an Authenticator.
func New(cfg Config) (*Authenticator, error) {
	if cfg.Directory == nil {
		return nil, errors.New("auth: Config.Directory is required")
	}
	key := cfg.SigningKey
	if key == nil {
		var err error
		if key, err = randomKey(); err != nil {
			return nil, err
		}
	} else if len(key) < MinSigningKeyLength {
		return nil, fmt.Errorf("auth: SigningKey must be at least %d bytes, got %d", MinSigningKeyLength, len(key))
	}
	if cfg.TokenTTL < 0 || cfg.LockoutWindow < 0 || cfg.LockoutDuration < 0 || cfg.MaxTrackedLogins < 0 {
		return nil, errors.New("auth: TokenTTL, LockoutWindow, LockoutDuration and MaxTrackedLogins must not be negative")
	}
	cfg.TokenTTL = orDefault(cfg.TokenTTL, 8*time.Hour)
	switch {
	case cfg.Leeway == 0:
		cfg.Leeway = 30 * time.Second
	case cfg.Leeway < 0:
		cfg.Leeway = 0
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = 5
	}
	cfg.LockoutWindow = orDefault(cfg.LockoutWindow, 15*time.Minute)
	cfg.LockoutDuration = orDefault(cfg.LockoutDuration, 15*time.Minute)
	if cfg.MaxTrackedLogins == 0 {
		cfg.MaxTrackedLogins = 10_000
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	a := &Authenticator{
		tokens:   newTokenCodec(key, cfg.Issuer, cfg.Audience, cfg.Leeway),
		failures: newFailureTracker(cfg.MaxFailures, cfg.LockoutWindow, cfg.LockoutDuration, cfg.MaxTrackedLogins),
		tokenTTL: cfg.TokenTTL,
		clock:    cfg.Clock,
	}
	a.directory.Store(cfg.Directory)
	return a, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Directory returns the current directory.
func (a *Authenticator) Directory() *directory.Directory { return a.directory.Load() }

// SetDirectory replaces the directory (after a reload). Tokens issued for
// users that are gone stop working; lockouts stay.
func (a *Authenticator) SetDirectory(d *directory.Directory) {
	if d == nil {
		panic("BUG: auth: SetDirectory(nil)")
	}
	a.directory.Store(d)
}

// Basic checks a login name and password. It answers 131 while the name is
// locked out (without checking the password), 101 for an unknown name or a
// wrong password (both cost the same PBKDF2 derivation, so timing does not
// tell them apart), 107 for a disabled user with the right password.
func (a *Authenticator) Basic(login, password string) (*directory.User, error) {
	if len(login) > directory.MaxLoginLength || login == "" {
		a.basicFailed.Add(1)
		return nil, invalidCredentials() // not a name we could hold; takes no lockout slot
	}
	key := directory.FoldLogin(login)
	if wait, ok := a.failures.begin(key, a.clock()); !ok {
		a.lockedOut.Add(1)
		return nil, &LogonError{
			Code:       CodeTooManyAttempts,
			Msg:        fmt.Sprintf("%s, try again in %s", ErrTooManyAttempts.Msg, wait.Round(time.Second)),
			RetryAfter: wait,
		}
	}
	u, err := a.checkPassword(key, password)
	a.failures.finish(key, a.clock(), err == nil)
	if err != nil {
		a.basicFailed.Add(1)
		return nil, err
	}
	if !u.Enabled {
		a.basicFailed.Add(1)
		return nil, logonError(CodeUserNotEnabled, ErrUserNotEnabled.Msg)
	}
	a.basicOK.Add(1)
	return u, nil
}

// checkPassword finds the user of a folded login name and checks the
// password. An unknown name costs the same derivation as a known one.
func (a *Authenticator) checkPassword(key, password string) (*directory.User, *LogonError) {
	if len(password) > directory.MaxPasswordLength {
		return nil, invalidCredentials()
	}
	d := a.directory.Load()
	u, known := d.UserByLogin(key)
	if !known {
		d.Decoy(password)
		return nil, invalidCredentials()
	}
	if !u.CheckPassword(password) {
		return nil, invalidCredentials()
	}
	return u, nil
}

// BasicCredential checks base64(login ":" password), the credential of
// "Authorization: Basic" and of the authBasic choice of asnLoginV2. The
// password is everything after the first colon.
func (a *Authenticator) BasicCredential(credential string) (*directory.User, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(credential))
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(strings.TrimSpace(credential))
	}
	if err != nil {
		a.basicFailed.Add(1)
		return nil, invalidCredentials()
	}
	login, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		a.basicFailed.Add(1)
		return nil, invalidCredentials()
	}
	return a.Basic(login, password)
}

// Bearer checks a token issued by IssueToken: 130 if it expired, 101 if it
// is malformed, forged, names another algorithm than HS256, is not yet
// valid, has the wrong issuer or audience, or names a user no longer in the
// directory; 107 if the user is disabled.
func (a *Authenticator) Bearer(token string) (*directory.User, error) {
	subject, lerr := a.tokens.verify(token, a.clock())
	if lerr != nil {
		a.bearerFailed.Add(1)
		return nil, lerr
	}
	u, ok := a.directory.Load().User(subject)
	if !ok {
		a.bearerFailed.Add(1)
		return nil, invalidCredentials()
	}
	if !u.Enabled {
		a.bearerFailed.Add(1)
		return nil, logonError(CodeUserNotEnabled, ErrUserNotEnabled.Msg)
	}
	a.bearerOK.Add(1)
	return u, nil
}

// FromAuthorizationHeader checks an HTTP Authorization header value:
// "Basic <base64(login:password)>" or "Bearer <token>"; "JWT <token>" is
// taken as Bearer (a third-party client sends it, wire digest §2.7). The
// scheme is case-insensitive. Any other or no scheme is refused with 106.
func (a *Authenticator) FromAuthorizationHeader(header string) (*directory.User, error) {
	scheme, credentials, _ := strings.Cut(strings.TrimSpace(header), " ")
	credentials = strings.TrimSpace(credentials)
	switch {
	case strings.EqualFold(scheme, "Basic"):
		return a.BasicCredential(credentials)
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "JWT"):
		return a.Bearer(credentials)
	}
	return nil, logonError(CodeInvalidAuthMethod, ErrInvalidAuthMethod.Msg)
}

// IssueToken returns a signed token for the user with contact id userID,
// valid for ttl from now (zero means Config.TokenTTL). The user must be in
// the directory and enabled.
func (a *Authenticator) IssueToken(userID string, ttl time.Duration) (string, error) {
	if ttl < 0 {
		return "", fmt.Errorf("auth: negative token lifetime %s", ttl)
	}
	if ttl == 0 {
		ttl = a.tokenTTL
	}
	u, ok := a.directory.Load().User(userID)
	if !ok {
		return "", fmt.Errorf("auth: cannot issue a token: unknown user %q", userID)
	}
	if !u.Enabled {
		return "", fmt.Errorf("auth: cannot issue a token: user %q is not enabled", userID)
	}
	token, err := a.tokens.sign(userID, a.clock(), ttl)
	if err == nil {
		a.issued.Add(1)
	}
	return token, err
}

// Stats are counters of an Authenticator since New.
type Stats struct {
	BasicSucceeded  uint64 // password logins accepted
	BasicFailed     uint64 // password logins refused with 101 or 107
	LockedOut       uint64 // password logins refused with 131
	BearerSucceeded uint64 // tokens accepted
	BearerFailed    uint64 // tokens refused
	TokensIssued    uint64
	TrackedLogins   int // login names in the failure table now
}

// Stats fills st with a snapshot of the counters.
func (a *Authenticator) Stats(st *Stats) {
	*st = Stats{
		BasicSucceeded:  a.basicOK.Load(),
		BasicFailed:     a.basicFailed.Load(),
		LockedOut:       a.lockedOut.Load(),
		BearerSucceeded: a.bearerOK.Load(),
		BearerFailed:    a.bearerFailed.Load(),
		TokensIssued:    a.issued.Load(),
		TrackedLogins:   a.failures.size(),
	}
}
