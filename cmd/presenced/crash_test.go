package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// TestMain lets the test binary act as presenced for the crash test: with
// PRESENCED_CHILD_ARGS set it runs main with those arguments.
func TestMain(m *testing.M) {
	if args := os.Getenv("PRESENCED_CHILD_ARGS"); args != "" {
		os.Args = append([]string{"presenced"}, strings.Fields(args)...)
		lowerFileLimit() // emfile_test.go
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type child struct {
	cmd  *exec.Cmd
	addr string
}

func startChild(t *testing.T, dataDir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PRESENCED_CHILD_ARGS=-http 127.0.0.1:0 -tcp= -pprof= -invoke-rate=100000 -data "+dataDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "presenced started" {
				addr <- line["http"].(string)
			}
		}
	}()
	select {
	case a := <-addr:
		return &child{cmd: cmd, addr: a}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not start")
	}
	return nil
}

// crashClient is a pipelined ROSE client that records what was acknowledged.
type crashClient struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	pending map[int64]chan map[string]any
	next    int64
}

func dialChild(t *testing.T, addr string) *crashClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/client/websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &crashClient{ws: ws, pending: map[int64]chan map[string]any{}}
	go func() {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				c.mu.Lock()
				for id, ch := range c.pending {
					close(ch)
					delete(c.pending, id)
				}
				c.mu.Unlock()
				return
			}
			var m map[string]any
			if json.Unmarshal(msg, &m) != nil {
				continue
			}
			var id float64
			if r, ok := m["result"].(map[string]any); ok {
				id, _ = r["invokeID"].(float64)
			} else if r, ok := m["error"].(map[string]any); ok {
				id, _ = r["invokedID"].(float64)
			} else if r, ok := m["reject"].(map[string]any); ok {
				inv, _ := r["invokedID"].(map[string]any)
				id, _ = inv["invokedID"].(float64)
			}
			c.mu.Lock()
			ch := c.pending[int64(id)]
			delete(c.pending, int64(id))
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
	}()
	return c
}

// send invokes op; the channel yields the answer, or closes if the
// connection died first.
func (c *crashClient) send(op string, arg any) <-chan map[string]any {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan map[string]any, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	raw, _ := json.Marshal(arg)
	msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": id, "operationName": op, "argument": json.RawMessage(raw)}})
	if c.ws.WriteMessage(websocket.TextMessage, msg) != nil {
		c.mu.Lock()
		if _, ok := c.pending[id]; ok {
			delete(c.pending, id)
			close(ch)
		}
		c.mu.Unlock()
	}
	return ch
}

func (c *crashClient) call(t *testing.T, op string, arg any) map[string]any {
	t.Helper()
	select {
	case m, ok := <-c.send(op, arg):
		if !ok || m["result"] == nil {
			t.Fatalf("%s: %v", op, m)
		}
		return m["result"].(map[string]any)["result"].(map[string]any)["result"].(map[string]any)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no answer", op)
	}
	return nil
}

func (c *crashClient) login(t *testing.T) {
	t.Helper()
	c.call(t, "asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "crash", "iClientCapabilities": 4})
	c.call(t, "asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": base64.StdEncoding.EncodeToString([]byte("alice:demo"))}}})
}

const (
	alice = "sip:alice@example.com"
	bob   = "sip:bob@example.com"
)

var absentBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// kinds of changes the crash test streams; each value encodes its sequence number.
var crashKinds = []string{"note", "absent", "rights"}

func changeArg(kind string, i int) (string, any) {
	switch kind {
	case "note":
		return "asnCustomNoteSet", map[string]any{"customnote": map[string]any{"u8sContactID": alice, "u8sUsername": "Alice", "u8sNote": fmt.Sprint("n-", i)}}
	case "absent":
		return "asnSetUserAbsentState", map[string]any{"absentstate": map[string]any{"u8sContactId": alice, "eAbsentState": 1 + i%3,
			"stTimeFrom": absentBase.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05Z")}}
	}
	return "asnSetDynamicRights", map[string]any{"u8sOwnerContactID": alice, "u8sRemoteContactID": bob, "iDynamicRights": 0,
		"dynamicRights": map[string]any{"u8sObjectID": bob, "iPresenceRights": 98305, "iPhoneControlRightsPrimary": 0, "iPhoneControlRightsSecondary": i}}
}

// readBack returns the sequence number each kind shows now (-1: none).
func readBack(t *testing.T, c *crashClient) map[string]int {
	t.Helper()
	got := map[string]int{"note": -1, "absent": -1, "rights": -1}
	self := c.call(t, "asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{alice, bob}})["seqSubscribedPresence"].([]any)
	for _, p := range self {
		p := p.(map[string]any)
		switch p["u8sContactId"] {
		case alice:
			if n, ok := p["asnCustomNote"].(map[string]any); ok {
				if s, ok := strings.CutPrefix(n["u8sNote"].(string), "n-"); ok {
					got["note"], _ = strconv.Atoi(s)
				}
			}
			if a, ok := p["asnAbsentState"].(map[string]any); ok {
				if from, ok := a["stTimeFrom"].(string); ok {
					tm, err := time.Parse(time.RFC3339, from)
					if err == nil {
						got["absent"] = int(tm.Sub(absentBase) / time.Second)
					}
				}
			}
		case bob:
			if r, ok := p["asnCurrentUserDynamicRights"].(map[string]any); ok {
				if cur, ok := r["asnCurrentRights"].(map[string]any); ok {
					got["rights"] = int(cur["iPhoneControlRightsSecondary"].(float64))
				}
			}
		}
	}
	return got
}

// TestCrashKeepsAcknowledgedChanges streams pipelined changes of notes,
// absent states and rights, kills presenced with SIGKILL at a random moment,
// restarts it and checks that every acknowledged change is there and that
// nothing appears that was never sent. Three rounds, different kill points.
func TestCrashKeepsAcknowledgedChanges(t *testing.T) {
	if testing.Short() && os.Getenv("CI_CRASH") == "" {
		// Still runs in make test (which passes -short): keep it small there.
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked := map[string]int{"note": -1, "absent": -1, "rights": -1} // highest acknowledged
	sent := map[string]int{"note": -1, "absent": -1, "rights": -1}  // highest sent
	seq := 0
	for round := 0; round < 3; round++ {
		ch := startChild(t, dir)
		c := dialChild(t, ch.addr)
		c.login(t)
		if round > 0 {
			got := readBack(t, c)
			for _, k := range crashKinds {
				if got[k] < acked[k] || got[k] > sent[k] {
					ch.cmd.Process.Kill()
					t.Fatalf("round %d: %s shows change %d; acknowledged up to %d, sent up to %d", round, k, got[k], acked[k], sent[k])
				}
			}
			// What survived is the new baseline: changes after it were lost unacknowledged.
			for _, k := range crashKinds {
				acked[k], sent[k] = got[k], got[k]
			}
		}
		killAt := time.Now().Add(time.Duration(150+r.IntN(500)) * time.Millisecond)
		var wg sync.WaitGroup
		var amu sync.Mutex
		inflight := make(chan struct{}, 16)
		for time.Now().Before(killAt) {
			seq++
			k := crashKinds[seq%3]
			op, arg := changeArg(k, seq)
			sent[k] = seq
			inflight <- struct{}{}
			ans := c.send(op, arg)
			wg.Add(1)
			go func(k string, i int) {
				defer wg.Done()
				defer func() { <-inflight }()
				m, ok := <-ans
				if ok && m["result"] == nil {
					t.Errorf("%s %d refused: %v", k, i, m)
				}
				if ok && m["result"] != nil {
					amu.Lock()
					if i > acked[k] {
						acked[k] = i
					}
					amu.Unlock()
				}
			}(k, seq)
		}
		if err := ch.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = ch.cmd.Wait()
		c.ws.Close()
		wg.Wait()
		if acked["note"] < 0 && acked["absent"] < 0 {
			t.Fatalf("round %d: nothing was acknowledged before the kill", round)
		}
		t.Logf("round %d: sent %v acknowledged %v", round, sent, acked)
	}
	ch := startChild(t, dir)
	defer func() { ch.cmd.Process.Signal(syscall.SIGTERM); ch.cmd.Wait() }()
	c := dialChild(t, ch.addr)
	c.login(t)
	got := readBack(t, c)
	for _, k := range crashKinds {
		if got[k] < acked[k] || got[k] > sent[k] {
			t.Fatalf("final: %s shows change %d; acknowledged up to %d, sent up to %d", k, got[k], acked[k], sent[k])
		}
	}
}
