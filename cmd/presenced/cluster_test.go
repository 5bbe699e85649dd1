package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// TestClusterFlagJoinsAndHealthShowsMembers starts two presenced nodes on
// an embedded NATS server with -cluster and -node-id (the second from the
// environment) and reads the membership from /healthz.
func TestClusterFlagJoinsAndHealthShowsMembers(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		t.Fatal("NATS did not start")
	}
	defer ns.Shutdown()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var addrs []string
	var dones []chan error
	for i, id := range []string{"node-1", "node-2"} {
		args := []string{"-http", "127.0.0.1:0", "-tcp=", "-pprof=", "-log-level", "error", "-data", t.TempDir(), "-cluster", ns.ClientURL()}
		if i == 0 {
			args = append(args, "-node-id", id)
		} else {
			t.Setenv("PRESENCED_NODE_ID", id)
		}
		o, err := parseFlags(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		ready := make(chan started, 1)
		done := make(chan error, 1)
		go func() { done <- run(ctx, o, func(s started) { ready <- s }) }()
		select {
		case s := <-ready:
			addrs = append(addrs, s.HTTP)
		case err := <-done:
			t.Fatalf("run %s: %v", id, err)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not start", id)
		}
		dones = append(dones, done)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addrs[0] + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.SplitN(string(body), "\n", 2)
		var st struct {
			Node    string
			Members []string
		}
		if lines[0] != "ok" || len(lines) < 2 || json.Unmarshal([]byte(lines[1]), &st) != nil {
			t.Fatalf("healthz %q", body)
		}
		if st.Node == "node-1" && len(st.Members) == 2 && st.Members[1] == "node-2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz never showed both members: %q", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	for _, done := range dones {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("shutdown: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("shutdown hung")
		}
	}
}
