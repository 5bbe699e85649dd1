package directory

import (
	"fmt"
	"sync"
	"testing"
)

// The test directory of this package; server/auth's tests have the same
// one (helpers_test.go there), which they cannot import from here.

var (
	hashOnce  sync.Once
	testHashA string // password "secret-a" at MinIterations
	testHashB string // password "secret-b"
)

// testHashes returns cheap hashes (MinIterations) for the test directory.
func testHashes(t testing.TB) (string, string) {
	hashOnce.Do(func() {
		var err error
		if testHashA, err = HashPassword("secret-a", MinIterations); err != nil {
			panic(err)
		}
		if testHashB, err = HashPassword("secret-b", MinIterations); err != nil {
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

func testDirectory(t testing.TB) *Directory {
	d, err := Parse("test.yaml", []byte(testDirectoryYAML(t)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
