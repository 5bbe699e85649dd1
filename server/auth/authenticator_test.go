package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucpresence/presence/directory"
)

func basicHeader(login, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))
}

func TestBasic(t *testing.T) {
	a := newTestAuth(t, newFakeClock(), Config{})
	u, err := a.Basic("ann", "secret-a")
	if err != nil || u.ID != "sip:ann@example.com" {
		t.Fatalf("Basic(ann) = %v, %v", u, err)
	}
	if u, err := a.Basic("ANN", "secret-a"); err != nil || u.ID != "sip:ann@example.com" {
		t.Fatalf("logins ignore case: %v, %v", u, err)
	}
	wrong := wantCode(t, mustFail(a.Basic("ann", "secret-b")), CodeInvalidCredentials)
	unknown := wantCode(t, mustFail(a.Basic("nobody", "secret-a")), CodeInvalidCredentials)
	if wrong.Msg != unknown.Msg || wrong.Error() != unknown.Error() {
		t.Fatalf("a wrong password (%q) and an unknown name (%q) must look the same", wrong, unknown)
	}
	wantCode(t, mustFail(a.Basic("", "")), CodeInvalidCredentials)
	wantCode(t, mustFail(a.Basic(strings.Repeat("a", directory.MaxLoginLength+1), "x")), CodeInvalidCredentials)
	wantCode(t, mustFail(a.Basic("ann", strings.Repeat("x", directory.MaxPasswordLength+1))), CodeInvalidCredentials)
	// A disabled user: 107 only with the right password.
	wantCode(t, mustFail(a.Basic("ben", "secret-b")), CodeUserNotEnabled)
	wantCode(t, mustFail(a.Basic("ben", "secret-a")), CodeInvalidCredentials)
	if !errors.Is(mustFail(a.Basic("ben", "secret-b")), ErrUserNotEnabled) || errors.Is(mustFail(a.Basic("ben", "secret-b")), ErrInvalidCredentials) {
		t.Fatal("errors.Is must match by code")
	}
}

func TestAuthorizationHeader(t *testing.T) {
	a := newTestAuth(t, newFakeClock(), Config{})
	for _, h := range []string{
		basicHeader("ann", "secret-a"),
		"basic " + base64.StdEncoding.EncodeToString([]byte("ann:secret-a")),
		"BASIC  " + base64.RawStdEncoding.EncodeToString([]byte("ann:secret-a")) + " ",
	} {
		if u, err := a.FromAuthorizationHeader(h); err != nil || u.ID != "sip:ann@example.com" {
			t.Errorf("%q: %v, %v", h, u, err)
		}
	}
	// The password is everything after the first colon.
	d, err := directory.Parse("colon.yaml", []byte("users:\n  - {id: sip:x@y, login: x, password_hash: "+mustHash(t, "a:b:c")+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := newTestAuth(t, nil, Config{Directory: d})
	if _, err := b.FromAuthorizationHeader(basicHeader("x", "a:b:c")); err != nil {
		t.Errorf("password with colons: %v", err)
	}
	for h, code := range map[string]int{
		"":                    CodeInvalidAuthMethod,
		"Negotiate YIIB":      CodeInvalidAuthMethod,
		"Digest username=ann": CodeInvalidAuthMethod,
		"NTLM TlRMTVNTUAAB":   CodeInvalidAuthMethod,
		"Basic":               CodeInvalidCredentials,
		"Basic !!!":           CodeInvalidCredentials,
		"Basic " + base64.StdEncoding.EncodeToString([]byte("ann")): CodeInvalidCredentials,
		basicHeader("ann", "wrong"):                                 CodeInvalidCredentials,
		"Bearer":                                                    CodeInvalidCredentials,
		"Bearer not.a.token":                                        CodeInvalidCredentials,
	} {
		_, err := a.FromAuthorizationHeader(h)
		wantCodeNamed(t, fmt.Sprintf("header %q", h), err, code)
	}
}

func mustHash(t testing.TB, password string) string {
	h, err := directory.HashPassword(password, directory.MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBearerUserState(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{})
	now := clock.Now().Unix()
	ben := rawToken(testKey, `{"alg":"HS256","typ":"JWT"}`, fmt.Sprintf(`{"sub":"sip:ben@example.com","exp":%d}`, now+60))
	wantCode(t, mustFail(a.Bearer(ben)), CodeUserNotEnabled)

	// A reload that drops ann ends her tokens.
	token, err := a.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	smaller, err := directory.Parse("smaller.yaml", []byte("users:\n  - {id: sip:cid@example.com, login: cid, password_hash: "+mustHash(t, "x")+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a.SetDirectory(smaller)
	if a.Directory() != smaller {
		t.Fatal("SetDirectory did not take")
	}
	wantCode(t, mustFail(a.Bearer(token)), CodeInvalidCredentials)
	wantCode(t, mustFail(a.Basic("ann", "secret-a")), CodeInvalidCredentials)
}

// TestLockout: 5 failures, then 131 even with the right password until the
// lockout duration has passed; then the right password works again.
func TestLockout(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{MaxFailures: 5, LockoutWindow: 10 * time.Minute, LockoutDuration: 15 * time.Minute})
	for i := range 5 {
		wantCode(t, mustFail(a.Basic("ann", fmt.Sprint("guess", i))), CodeInvalidCredentials)
		clock.Advance(time.Second)
	}
	locked := wantCode(t, mustFail(a.Basic("ann", "secret-a")), CodeTooManyAttempts)
	if want := 15*time.Minute - time.Second; locked.RetryAfter != want {
		t.Fatalf("RetryAfter %s, want %s", locked.RetryAfter, want)
	}
	wantCode(t, mustFail(a.Basic("ANN", "secret-a")), CodeTooManyAttempts) // the same name in other case
	wantCode(t, mustFail(a.FromAuthorizationHeader(basicHeader("ann", "secret-a"))), CodeTooManyAttempts)
	clock.Advance(15*time.Minute - 2*time.Second)
	wantCode(t, mustFail(a.Basic("ann", "secret-a")), CodeTooManyAttempts)
	// Other names are not affected.
	if _, err := a.Basic("cid", "secret-a"); err != nil {
		t.Fatalf("cid during ann's lockout: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := a.Basic("ann", "secret-a"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	var st Stats
	a.Stats(&st)
	if st.LockedOut != 4 || st.BasicFailed != 5 || st.BasicSucceeded != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLockoutCounting(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{MaxFailures: 3, LockoutWindow: 10 * time.Minute, LockoutDuration: time.Hour})
	fail := func(login string) { wantCode(t, mustFail(a.Basic(login, "wrong")), CodeInvalidCredentials) }

	// A success resets the counter.
	fail("ann")
	fail("ann")
	if _, err := a.Basic("ann", "secret-a"); err != nil {
		t.Fatal(err)
	}
	fail("ann")
	fail("ann")
	if _, err := a.Basic("ann", "secret-a"); err != nil {
		t.Fatalf("counter not reset by the success: %v", err)
	}

	// Failures further apart than the window do not add up.
	fail("cid")
	fail("cid")
	clock.Advance(10 * time.Minute)
	fail("cid")
	fail("cid")
	if _, err := a.Basic("cid", "secret-a"); err != nil {
		t.Fatalf("failures outside the window added up: %v", err)
	}

	// Unknown names lock out like known ones (no enumeration by lockout).
	for range 3 {
		fail("nobody")
	}
	wantCode(t, mustFail(a.Basic("nobody", "x")), CodeTooManyAttempts)

	// A disabled user's right password ends its counter like a success.
	fail("ben")
	fail("ben")
	wantCode(t, mustFail(a.Basic("ben", "secret-b")), CodeUserNotEnabled)
	fail("ben")
	fail("ben")
	wantCode(t, mustFail(a.Basic("ben", "secret-b")), CodeUserNotEnabled)

	// Disabled lockout.
	b := newTestAuth(t, clock, Config{MaxFailures: -1})
	for range 20 {
		wantCode(t, mustFail(b.Basic("ann", "wrong")), CodeInvalidCredentials)
	}
	if _, err := b.Basic("ann", "secret-a"); err != nil {
		t.Fatalf("lockout disabled: %v", err)
	}
}

// TestFailureMapBounded sprays distinct unknown names: the table never
// holds more than MaxTrackedLogins, and the newest names are the ones kept.
func TestFailureMapBounded(t *testing.T) {
	a := newTestAuth(t, newFakeClock(), Config{MaxTrackedLogins: 50})
	for i := range 300 {
		wantCode(t, mustFail(a.Basic(fmt.Sprintf("spray%d", i), "x")), CodeInvalidCredentials)
		if n := a.failures.size(); n > 50 {
			t.Fatalf("after %d names the table holds %d", i+1, n)
		}
	}
	if n := a.failures.size(); n != 50 {
		t.Fatalf("table holds %d, want 50", n)
	}
	a.failures.mu.Lock()
	_, newest := a.failures.entries["spray299"]
	_, oldest := a.failures.entries["spray0"]
	a.failures.mu.Unlock()
	if !newest || oldest {
		t.Fatalf("LRU order broken: newest kept %v, oldest kept %v", newest, oldest)
	}
	// Successful logins leave nothing behind.
	b := newTestAuth(t, nil, Config{})
	for range 10 {
		if _, err := b.Basic("ann", "secret-a"); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.failures.size(); n != 0 {
		t.Fatalf("successes left %d entries", n)
	}
}

// TestTrackerLRU checks the tracker alone: a touched entry survives the
// eviction of older ones.
func TestTrackerLRU(t *testing.T) {
	now := newFakeClock().Now()
	tr := newFailureTracker(3, time.Minute, time.Minute, 3)
	for _, name := range []string{"a", "b", "c"} {
		tr.begin(name, now)
		tr.finish(name, now, false)
	}
	tr.begin("a", now) // a is now the most recent
	tr.finish("a", now, false)
	tr.begin("d", now) // evicts b, the least recent
	tr.finish("d", now, false)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	_, a := tr.entries["a"]
	_, b := tr.entries["b"]
	if len(tr.entries) != 3 || !a || b || tr.order.Len() != 3 {
		t.Fatalf("entries %v", tr.entries)
	}
}

// TestParallelGuessesBounded: however many wrong guesses arrive at once, at
// most MaxFailures passwords are checked per window; the rest get 131.
func TestParallelGuessesBounded(t *testing.T) {
	a := newTestAuth(t, newFakeClock(), Config{MaxFailures: 5})
	const attempts = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	start := make(chan struct{})
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := a.Basic("ann", fmt.Sprint("guess", i))
			var logon *LogonError
			if !errors.As(err, &logon) {
				t.Errorf("attempt %d: %v", i, err)
				return
			}
			mu.Lock()
			codes[logon.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if codes[CodeInvalidCredentials] != 5 || codes[CodeTooManyAttempts] != attempts-5 {
		t.Fatalf("codes %v: want exactly 5 checked guesses", codes)
	}
}

// TestConcurrentUse runs logins, tokens and reloads in parallel (run with
// -race). Right passwords of a user nobody attacks always succeed.
func TestConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	d := testDirectory(t)
	a := newTestAuth(t, clock, Config{Directory: d, MaxFailures: 3, MaxTrackedLogins: 16})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				switch g % 4 {
				case 0: // cid logs in: two goroutines, fewer than MaxFailures in flight
					if _, err := a.Basic("cid", "secret-a"); err != nil {
						errs <- fmt.Errorf("cid: %w", err)
					}
				case 1: // an attacker on ann and on random names
					a.Basic("ann", "wrong")
					a.Basic(fmt.Sprintf("spray-%d-%d", g, i), "x")
				case 2: // tokens
					token, err := a.IssueToken("sip:cid@example.com", time.Minute)
					if err != nil {
						errs <- err
						continue
					}
					if _, err := a.Bearer(token); err != nil {
						errs <- fmt.Errorf("bearer: %w", err)
					}
					clock.Advance(time.Millisecond)
				case 3: // reloads and stats
					a.SetDirectory(d)
					var st Stats
					a.Stats(&st)
					if st.TrackedLogins > 16 {
						errs <- fmt.Errorf("tracked %d logins, more than 16", st.TrackedLogins)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if _, err := a.Basic("cid", "secret-a"); err != nil {
		t.Fatalf("cid after the storm: %v", err)
	}
}

// TestUnknownLoginCostsADerivation: refusing an unknown name takes about as
// long as refusing a wrong password (both run PBKDF2), so timing does not
// reveal which names exist. The bound is loose (a third) to stay robust on
// a loaded machine; without the decoy derivation the ratio is below 1%.
func TestUnknownLoginCostsADerivation(t *testing.T) {
	hash, err := directory.HashPassword("right", 20_000)
	if err != nil {
		t.Fatal(err)
	}
	d, err := directory.Parse("timing.yaml", []byte("users:\n  - {id: sip:t@x, login: t, password_hash: "+hash+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := newTestAuth(t, nil, Config{Directory: d, MaxFailures: -1})
	fastest := func(login string) time.Duration {
		best := time.Hour
		for range 5 {
			start := time.Now()
			wantCode(t, mustFail(a.Basic(login, "wrong")), CodeInvalidCredentials)
			best = min(best, time.Since(start))
		}
		return best
	}
	known, unknown := fastest("t"), fastest("nobody")
	if unknown*3 < known {
		t.Fatalf("unknown name refused in %s, wrong password in %s", unknown, known)
	}
}

// TestDemoLogins logs every demo user in with the documented password.
func TestDemoLogins(t *testing.T) {
	d, err := directory.Demo()
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Directory: d})
	if err != nil {
		t.Fatal(err)
	}
	users := d.Users()
	errs := make([]error, len(users))
	done := make(chan int)
	for i, u := range users { // in parallel: 100,000 iterations each
		go func() {
			got, err := a.Basic(u.Login, directory.DemoPassword)
			if err == nil && got != u {
				err = fmt.Errorf("got user %s", got.ID)
			}
			errs[i] = err
			done <- i
		}()
	}
	for range users {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("demo user %s: %v", users[i].Login, err)
		}
	}
	if _, err := a.Basic(users[0].Login, directory.DemoPassword+"x"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("wrong demo password: %v", err)
	}
}
