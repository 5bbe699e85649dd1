package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// startRun runs the server in-process; the returned stop waits for shutdown.
func startRun(t *testing.T, args ...string) (started, func()) {
	t.Helper()
	o, err := parseFlags(append([]string{"-http", "127.0.0.1:0", "-tcp=", "-pprof", "127.0.0.1:0", "-log-level", "error"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan started, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, o, func(s started) { addrs <- s }) }()
	select {
	case a := <-addrs:
		return a, func() { cancel(); <-done }
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	return started{}, nil
}

func stateless(t *testing.T, addr, session, op, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/ws/client/"+op, strings.NewReader(body))
	req.Header.Set("X-ucsessionid", session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func session(t *testing.T, addr string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/ws/client/createsession?clientappid=15", nil)
	req.SetBasicAuth("alice", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v["sessionid"]
}

// TestBackupWhileRunningAndStartFromIt takes a backup from a running server
// through the admin listener, restores it into a new data directory and
// starts a server from it.
func TestBackupWhileRunningAndStartFromIt(t *testing.T) {
	dataA, dataB := t.TempDir(), t.TempDir()
	a, stop := startRun(t, "-data", dataA)
	sid := session(t, a.HTTP)
	if out := stateless(t, a.HTTP, sid, "asnSetUserAbsentState", `{"absentstate":{"u8sContactId":"sip:alice@example.com","eAbsentState":2}}`); !strings.Contains(out, `"bSuccess":true`) {
		t.Fatalf("set absent: %s", out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	var out, errOut bytes.Buffer
	if code := storeCommand("backup", []string{"-admin", a.Admin, "-data", dataA, "-out", backup}, &out, &errOut); code != 0 {
		t.Fatalf("backup: %s", errOut.String())
	}
	stop()
	if code := storeCommand("restore", []string{"-backup", backup, "-data", dataB}, &out, &errOut); code != 0 {
		t.Fatalf("restore: %s", errOut.String())
	}
	if code := storeCommand("verify", []string{"-data", dataB}, &out, &errOut); code != 0 {
		t.Fatalf("verify: %s", errOut.String())
	}
	b, stop2 := startRun(t, "-data", dataB)
	defer stop2()
	got := stateless(t, b.HTTP, session(t, b.HTTP), "asnGetUserAbsentState", `{"contactId":"sip:alice@example.com"}`)
	if !strings.Contains(got, `"eAbsentState":2`) {
		t.Fatalf("restored server lost the absent state: %s", got)
	}
}

// TestIngestMounted pushes source events through the ingest API of a
// running server and reads the effect back through the client protocol.
func TestIngestMounted(t *testing.T) {
	a, stop := startRun(t, "-data", t.TempDir(), "-ingest-token", "source-secret")
	defer stop()
	post := func(token, body string) (int, string) {
		req, _ := http.NewRequest("POST", "http://"+a.HTTP+"/ingest/v1/events", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post("wrong", `{"op":"resetAbsent","contact":"sip:bob@example.com"}`); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := post("source-secret", `{"op":"setAbsent","contact":"sip:bob@example.com","absent":{"kind":"busy"}}`+"\n"+`{"op":"setNote","contact":"sip:nobody@example.com","id":"x","note":"n"}`)
	if code != 200 || !strings.Contains(body, `"applied":1`) || !strings.Contains(body, `"failed":1`) {
		t.Fatalf("ingest: %d %s", code, body)
	}
	got := stateless(t, a.HTTP, session(t, a.HTTP), "asnGetUserAbsentState", `{"contactId":"sip:bob@example.com"}`)
	if !strings.Contains(got, `"eAbsentState":2`) {
		t.Fatalf("absent state from ingest not visible: %s", got)
	}
}
