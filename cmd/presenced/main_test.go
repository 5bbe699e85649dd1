package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunServesAndShutsDown(t *testing.T) {
	o, err := parseFlags([]string{"-http", "127.0.0.1:0", "-tcp", "127.0.0.1:0", "-pprof", "", "-log-level", "warn", "-data", t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan started, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, func(s started) { addrs <- s }) }()
	var a started
	select {
	case a = <-addrs:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	resp, err := http.Get("http://" + a.HTTP + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", "http://"+a.HTTP+"/ws/client/createsession?clientappid=15", nil)
	req.SetBasicAuth("alice", "demo")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "sessionid") {
		t.Fatalf("createsession: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("shutdown hung")
	}
}

func TestFlagsRejectNonLoopbackPprof(t *testing.T) {
	if _, err := parseFlags([]string{"-pprof", "0.0.0.0:6060"}, io.Discard); err == nil {
		t.Fatal("pprof on all interfaces accepted")
	}
}

func TestHashPassword(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := hashPassword(strings.NewReader("secret\n"), &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "pbkdf2-sha256$") {
		t.Fatalf("code %d out %q err %q", code, out.String(), errOut.String())
	}
}

func TestCorruptStoreRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "presence.db"), bytes.Repeat([]byte("garbage!"), 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-http", "127.0.0.1:0", "-tcp=", "-pprof=", "-log-level", "error", "-data", dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), o, func(started) { t.Error("started on a corrupt store") })
	if err == nil || !strings.Contains(err.Error(), "presence.db") {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}
