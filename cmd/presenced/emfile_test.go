package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// lowerFileLimit sets the child's RLIMIT_NOFILE to PRESENCED_CHILD_NOFILE.
func lowerFileLimit() {
	n, err := strconv.ParseUint(os.Getenv("PRESENCED_CHILD_NOFILE"), 10, 64)
	if err != nil {
		return
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		panic(err)
	}
}

// TestOutOfFileDescriptorsKeepsServing runs presenced as a child with 64
// file descriptors and opens 150 idle TCP connections to it: accepts fail
// with EMFILE ("too many open files"). The process must not end (it used
// to, with exit code 0): it backs off, closes the sockets that do not log
// in within -login-timeout, and serves a new client afterwards.
func TestOutOfFileDescriptorsKeepsServing(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PRESENCED_CHILD_NOFILE=64",
		"PRESENCED_CHILD_ARGS=-http 127.0.0.1:0 -tcp 127.0.0.1:0 -pprof= -login-timeout 1s -data "+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	type addrs struct{ http, tcp string }
	ready := make(chan addrs, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "presenced started" {
				ready <- addrs{line["http"].(string), line["tcp"].(string)}
			}
		}
	}()
	var a addrs
	select {
	case a = <-ready:
	case err := <-exited:
		t.Fatalf("child ended before it started: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("child did not start")
	}
	var idle []net.Conn
	for i := 0; i < 150; i++ {
		nc, err := net.DialTimeout("tcp", a.tcp, 5*time.Second)
		if err != nil {
			break // the backlog is full: enough pressure
		}
		idle = append(idle, nc)
	}
	defer func() {
		for _, nc := range idle {
			nc.Close()
		}
	}()
	errorsCounted := func() float64 {
		resp, err := http.Get("http://" + a.http + "/metrics")
		if err != nil {
			return -1 // no descriptor for the scrape right now
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, "presenced_accept_errors_total "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return -1
	}
	deadline := time.Now().Add(60 * time.Second)
	for errorsCounted() <= 0 {
		select {
		case err := <-exited:
			t.Fatalf("presenced ended when out of descriptors: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no accept error counted: the descriptor limit was not reached")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, nc := range idle {
		nc.Close()
	}
	idle = nil
	// A client logs in and is answered while the backlog drains.
	var ws *websocket.Conn
	for ws == nil {
		if time.Now().After(deadline) {
			t.Fatal("no WebSocket connection after the descriptors were freed")
		}
		dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		if c, _, err := dialer.Dial("ws://"+a.http+"/ws/client/websocket", nil); err == nil {
			ws = c
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	send := func(msg string) map[string]any {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	send(`{"invoke":{"invokeID":1,"operationName":"asnNegotiateServerConnectionV2","argument":{"u8sMinSupportedInterfaceVersion":"8","u8sMaxSupportedInterfaceVersion":"8","u8sClientDeviceId":"d","u8sClientVersion":"1","eClientAppID":1,"u8sClientDeviceName":"t","iClientCapabilities":4}}}`)
	m := send(`{"invoke":{"invokeID":2,"operationName":"asnLoginV2","argument":{"auth":{"authBasic":{"credential":"YWxpY2U6ZGVtbw=="}}}}}`)
	if r, _ := m["result"].(map[string]any); r == nil {
		t.Fatalf("login after descriptor exhaustion: %v", m)
	}
	select {
	case err := <-exited:
		t.Fatalf("presenced ended: %v", err)
	default:
	}
}
