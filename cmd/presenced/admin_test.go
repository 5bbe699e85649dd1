package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "jwt.key")
	if err := os.WriteFile(key, []byte("k-0123456789-0123456789-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-jwt-key-file", key}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.jwtKey != "k-0123456789-0123456789-0123456789" {
		t.Fatalf("key from file: %q", o.jwtKey)
	}
	if _, err := parseFlags([]string{"-jwt-key-file", key, "-jwt-key", "other"}, io.Discard); err == nil {
		t.Fatal("a key given both as a value and as a file was accepted")
	}
	if _, err := parseFlags([]string{"-ingest-token-file", filepath.Join(dir, "missing")}, io.Discard); err == nil {
		t.Fatal("a missing secret file was accepted")
	}
	t.Setenv("PRESENCED_ADMIN_TOKEN", "from-env")
	if o, err := parseFlags(nil, io.Discard); err != nil || o.adminToken != "from-env" {
		t.Fatalf("admin token from the environment: %q %v", o.adminToken, err)
	}
}

func TestRedactArgs(t *testing.T) {
	got := strings.Join(redactArgs([]string{"presenced", "-jwt-key", "s1", "--ingest-token=s2", "-admin-token", "s3", "-http", "x", "-jwt-key-file", "f"}), " ")
	want := "presenced -jwt-key REDACTED --ingest-token=REDACTED -admin-token REDACTED -http x -jwt-key-file f"
	if got != want {
		t.Fatalf("redacted:\n%s\nwant\n%s", got, want)
	}
}

// TestAdminListenerNeedsToken: pprof and backup answer 401 without the
// admin token, and the command line it shows has the secrets redacted.
func TestAdminListenerNeedsToken(t *testing.T) {
	const secret = "jwt-secret-0123456789-0123456789-abcdef"
	oldArgs := os.Args
	os.Args = []string{"presenced", "-jwt-key", secret, "-ingest-token=ingest-secret"}
	defer func() { os.Args = oldArgs }()
	data := t.TempDir()
	a, stop := startRun(t, "-data", data, "-jwt-key", secret)
	defer stop()
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+a.Admin+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/admin/backup", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap"} {
		if code, _ := get(path, ""); code != http.StatusUnauthorized {
			t.Fatalf("%s without a token: HTTP %d", path, code)
		}
		if code, _ := get(path, "wrong"); code != http.StatusUnauthorized {
			t.Fatalf("%s with a wrong token: HTTP %d", path, code)
		}
	}
	token, err := readSecret(adminTokenFile(data))
	if err != nil {
		t.Fatalf("generated admin token: %v", err)
	}
	if info, err := os.Stat(adminTokenFile(data)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file mode: %v %v", info.Mode(), err)
	}
	if code, _ := get("/debug/pprof/", token); code != 200 {
		t.Fatalf("pprof with the token: HTTP %d", code)
	}
	code, body := get("/debug/pprof/cmdline", token)
	if code != 200 || strings.Contains(body, secret) || strings.Contains(body, "ingest-secret") || !strings.Contains(body, "REDACTED") {
		t.Fatalf("cmdline: %d %q", code, body)
	}
}
