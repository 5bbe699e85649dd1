package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTokenCommandLogsIn issues a token with `presenced token` (the
// documented form, no -directory: the embedded demo directory) and logs in
// with it on a server started with the same key; an unknown user gets no token.
func TestTokenCommandLogsIn(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef-test"
	var out, errOut bytes.Buffer
	if code := issueToken([]string{"-jwt-key", key, "sip:alice@example.com"}, &out, &errOut); code != 0 {
		t.Fatalf("token: code %d: %s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	if strings.Count(token, ".") != 2 {
		t.Fatalf("not a JWT: %q", token)
	}
	out.Reset()
	errOut.Reset()
	if code := issueToken([]string{"-jwt-key", key, "sip:nobody@example.com"}, &out, &errOut); code == 0 || out.Len() != 0 {
		t.Fatalf("token for an unknown user: code %d out %q", code, out.String())
	}

	o, err := parseFlags([]string{"-http", "127.0.0.1:0", "-tcp", "", "-pprof", "", "-log-level", "warn", "-data", t.TempDir(), "-jwt-key", key}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan started, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, func(s started) { addrs <- s }) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("shutdown hung")
		}
	}()
	var a started
	select {
	case a = <-addrs:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	for _, tc := range []struct {
		token string
		want  int
	}{{token, 200}, {token + "x", 400}} {
		resp, err := http.Post("http://"+a.HTTP+"/ws/client/createsession?token="+url.QueryEscape(tc.token), "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("createsession with token: %d %s, want %d", resp.StatusCode, body, tc.want)
		}
	}
}

// testedCommands names, for every command of docs/OPERATIONS.md's Commands
// table, the test that runs it.
var testedCommands = map[string]string{
	"hash-password": "TestHashPassword",
	"token":         "TestTokenCommandLogsIn",
	"backup":        "TestBackupWhileRunningAndStartFromIt",
	"restore":       "TestBackupWhileRunningAndStartFromIt",
	"verify":        "TestBackupWhileRunningAndStartFromIt",
	"demo":          "TestDemoPrintsTheBoardAndDrivesChanges",
}

// TestEveryDocumentedCommandIsTested reads the Commands table of
// docs/OPERATIONS.md: a command documented there without a test here fails.
func TestEveryDocumentedCommandIsTested(t *testing.T) {
	doc, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Commands")
	if !ok {
		t.Fatal("docs/OPERATIONS.md has no Commands section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	found := regexp.MustCompile("(?m)^\\| `presenced ([a-z-]+)").FindAllStringSubmatch(section, -1)
	if len(found) < len(testedCommands) {
		t.Fatalf("found %d commands in the Commands table, want at least %d", len(found), len(testedCommands))
	}
	for _, m := range found {
		if _, ok := testedCommands[m[1]]; !ok {
			t.Errorf("documented command %q has no test (add one and list it in testedCommands)", m[1])
		}
	}
}
