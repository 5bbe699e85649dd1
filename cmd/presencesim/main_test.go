package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/server/auth"
)

// scenarioWithSLO writes smoke.yaml with its SLO list replaced.
func scenarioWithSLO(t *testing.T, slo ...string) string {
	t.Helper()
	data, err := os.ReadFile("../../scenarios/smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\nslo:")
	if i < 0 {
		t.Fatal("smoke.yaml has no slo list")
	}
	text = text[:i] + "\nslo:\n"
	for _, s := range slo {
		text += "  - \"" + s + "\"\n"
	}
	path := filepath.Join(t.TempDir(), "smoke.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\npopulation: {users: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	short := []string{"--duration", "3s", "--stop-after", "300ms", "--progress", "off"}
	for _, c := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"validate ok", []string{"validate", "../../scenarios/smoke.yaml"}, exitOK, "ok: \"smoke\""},
		{"validate invalid", []string{"validate", bad}, exitUsage, ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, ""},
		{"unknown flag", []string{"run", "../../scenarios/smoke.yaml", "--frobnicate"}, exitUsage, ""},
		{"no file", []string{"run"}, exitUsage, ""},
		{"bad progress", []string{"run", "../../scenarios/smoke.yaml", "--progress", "fancy"}, exitUsage, ""},
		{"SLO met", append([]string{"run", scenarioWithSLO(t, "events > 0", "lost == 0")}, short...), exitOK, "ok    events > 0"},
		{"SLO broken", append([]string{"run", scenarioWithSLO(t, "delivery.p50 < 1ns")}, short...), exitFailed, "FAIL  delivery.p50 < 1ns"},
		{"unreachable server", []string{"run", "../../scenarios/smoke.yaml", "--target", "ws://127.0.0.1:1", "--progress", "off"}, exitUsage, ""},
	} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(c.args, &stdout, &stderr); code != c.code {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", c.name, code, c.code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), c.out) {
			t.Errorf("%s: output lacks %q:\n%s", c.name, c.out, stdout.String())
		}
	}
}

func TestRunWritesFilesAndJSON(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := dispatch([]string{"run", scenarioWithSLO(t, "lost == 0"), "--duration", "3s", "--stop-after", "300ms",
		"--out", dir, "--json", "--progress", "lines", "--interval", "100ms"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"scenario": "smoke"`) {
		t.Errorf("no JSON summary on stdout: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "ev/s") {
		t.Errorf("no status lines on stderr: %s", stderr.String())
	}
	for _, f := range []string{"summary.json", "intervals.hlog", "delivery.hgrm", "fanout.hgrm"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"demo"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sip:alice@example.com") || !strings.Contains(stdout.String(), "engine:") {
		t.Errorf("demo output:\n%s", stdout.String())
	}
}

func TestDirectoryLoadsInPresenced(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := dispatch([]string{"directory", "../../scenarios/smoke.yaml", "--password", "pw"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	dir, err := directory.Parse("users.yaml", stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Config{Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	user, err := a.Basic("user000007", "pw")
	if err != nil || user.ID != "sip:user000007@smoke.example.com" {
		t.Fatalf("login of user000007: %+v, %v", user, err)
	}
	if _, err := a.Basic("user000007", "wrong"); err == nil {
		t.Error("a wrong password logged in")
	}
	if code := dispatch([]string{"directory", "../../scenarios/smoke.yaml"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("no password: exit %d", code)
	}
}
