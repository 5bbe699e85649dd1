package auth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucpresence/presence/directory"
)

// fakeClock is an injectable clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var (
	hashOnce  sync.Once
	testHashA string // password "secret-a" at directory.MinIterations
	testHashB string // password "secret-b"
)

// testHashes returns cheap hashes (directory.MinIterations) for the test directory.
func testHashes(t testing.TB) (string, string) {
	hashOnce.Do(func() {
		var err error
		if testHashA, err = directory.HashPassword("secret-a", directory.MinIterations); err != nil {
			panic(err)
		}
		if testHashB, err = directory.HashPassword("secret-b", directory.MinIterations); err != nil {
			panic(err)
		}
	})
	return testHashA, testHashB
}

// testDirectoryYAML has an enabled user (ann, secret-a), a disabled one
// (ben, secret-b) and an administrator (cid, secret-a).
func testDirectoryYAML(t testing.TB) string {
	a, b := testHashes(t)
	return fmt.Sprintf(`users:
  - id: sip:ann@example.com
    login: Ann
    password_hash: %[1]s
    groups: [red]
    first_name: Ann
    last_name: Arbor
    lines:
      - {uri: "tel:+1001", number: "1001"}
      - {uri: "tel:+1002", number: "1002", primary: true}
  - id: sip:ben@example.com
    login: ben
    password_hash: %[2]s
    enabled: false
  - id: sip:cid@example.com
    login: cid
    password_hash: %[1]s
    administrator: true
    groups: [red, blue]
rights:
  global: {"*": public}
  groups:
    red: {group:red: team}
  personal:
    sip:ann@example.com: {sip:cid@example.com: personal}
`, a, b)
}

func testDirectory(t testing.TB) *directory.Directory {
	d, err := directory.Parse("test.yaml", []byte(testDirectoryYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newTestAuth(t testing.TB, clock *fakeClock, cfg Config) *Authenticator {
	if cfg.Directory == nil {
		cfg.Directory = testDirectory(t)
	}
	if clock != nil {
		cfg.Clock = clock.Now
	}
	if cfg.SigningKey == nil {
		cfg.SigningKey = []byte(strings.Repeat("k", MinSigningKeyLength))
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantCode fails unless err is a *LogonError with code.
func wantCode(t testing.TB, err error, code int) *LogonError {
	t.Helper()
	var logon *LogonError
	if !errors.As(err, &logon) {
		t.Fatalf("got error %v, want logon error %d", err, code)
	}
	if logon.Code != code {
		t.Fatalf("got logon error %d (%s), want %d", logon.Code, logon.Msg, code)
	}
	return logon
}
