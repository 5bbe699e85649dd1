package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemoPrintsTheBoardAndDrivesChanges runs `presenced demo` on a free
// port: it prints the board's URL, the board answers there, and the
// simulated office's ingest events are applied without failures.
func TestDemoPrintsTheBoardAndDrivesChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdoutReader, stdout := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- demoRun(ctx, []string{"-http", "127.0.0.1:0", "-tcp=", "-pprof=", "-data", t.TempDir()}, stdout, io.Discard)
		stdout.Close()
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exited with %d", code)
		}
	}()
	lines := bufio.NewScanner(stdoutReader)
	if !lines.Scan() {
		t.Fatal("demo printed nothing")
	}
	m := regexp.MustCompile(`the board is at (http://127\.0\.0\.1:\d+/board/)$`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q does not name the board", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutReader) }()
	resp, err := http.Get(m[1])
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("board at %s: %v %v", m[1], err, resp)
	}
	resp.Body.Close()
	metrics := strings.TrimSuffix(m[1], "board/") + "metrics"
	counter := func(name string) int {
		resp, err := http.Get(metrics)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		v := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindSubmatch(body)
		if v == nil {
			t.Fatalf("no %s in /metrics", name)
		}
		n, _ := strconv.Atoi(string(v[1]))
		return n
	}
	// The setup batch (images, logins, meetings) is applied right after the
	// start; wait for it and a few steps, generously (a loaded machine).
	deadline := time.Now().Add(60 * time.Second)
	for counter("presenced_ingest_events_applied_total") < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("the simulated office applied only %d events in 60 s", counter("presenced_ingest_events_applied_total"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if failed := counter("presenced_ingest_events_failed_total"); failed != 0 {
		t.Fatalf("%d of the simulated office's events failed", failed)
	}
}
