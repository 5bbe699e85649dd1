package server

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server/auth"
)

// testAuth accepts password "pw" for every known user and tokens "tok:<id>".
type testAuth struct {
	mu       sync.Mutex
	failures map[string]int
}

func (a *testAuth) Basic(login, password string) (*directory.User, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failures == nil {
		a.failures = map[string]int{}
	}
	if a.failures[login] >= 3 {
		return nil, &auth.LogonError{Code: auth.CodeTooManyAttempts, Msg: "too many attempts"}
	}
	if password != "pw" {
		a.failures[login]++
		return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "invalid user name or password"}
	}
	return &directory.User{ID: "sip:" + login + "@x"}, nil
}

func (a *testAuth) Bearer(token string) (*directory.User, error) {
	if id, ok := strings.CutPrefix(token, "tok:"); ok {
		return &directory.User{ID: id}, nil
	}
	return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "bad token"}
}

func (a *testAuth) IssueToken(user string, _ time.Duration) (string, error) {
	return "tok:" + user, nil
}

type testServer struct {
	e        *engine.Engine
	s        *Server
	httpAddr string
	tcpAddr  string
}

func startServer(t *testing.T, tweak func(*Config)) *testServer {
	t.Helper()
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		if err := e.PutContact("sip:"+u+"@x", engine.ContactEntry{Data: &engine.ContactData{DisplayName: u, JobTitle: "jt"}}); err != nil {
			t.Fatal(err)
		}
	}
	// bob grants alice Team, carol Public; dave has nothing.
	must := func(_ engine.RightsEntry, err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.SetDynamicRights("sip:bob@x", "sip:bob@x", "sip:alice@x", engine.LevelTeam, nil))
	must(e.SetDynamicRights("sip:bob@x", "sip:bob@x", "sip:carol@x", engine.LevelPublic, nil))
	cfg := Config{Engine: e, Authenticator: &testAuth{}, WriteTimeout: 2 * time.Second, KeepAliveInterval: time.Hour}
	if tweak != nil {
		tweak(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.ServeHTTP(hl)
	go s.ServeTCP(tl)
	t.Cleanup(func() {
		ctx, cancel := contextWithTimeout(2 * time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		e.Close()
	})
	return &testServer{e: e, s: s, httpAddr: hl.Addr().String(), tcpAddr: tl.Addr().String()}
}

// client speaks ROSE JSON over a WebSocket or raw TCP.
type client struct {
	t    *testing.T
	ws   *websocket.Conn
	tcp  net.Conn
	r    *bufio.Reader
	next int64
}

func (ts *testServer) dialWS(t *testing.T, query string) *client {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ts.httpAddr+"/ws/client/websocket"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &client{t: t, ws: ws}
}

func (ts *testServer) dialTCP(t *testing.T) *client {
	t.Helper()
	c, err := net.Dial("tcp", ts.tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, tcp: c, r: bufio.NewReader(c)}
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	if c.ws != nil {
		if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
			c.t.Fatal(err)
		}
		return
	}
	frame, _ := protocol.AppendFrame(nil, b)
	if _, err := c.tcp.Write(frame); err != nil {
		c.t.Fatal(err)
	}
}

// invoke sends an invoke and returns its id.
func (c *client) invoke(op string, arg any) int64 {
	c.t.Helper()
	c.next++
	raw, _ := json.Marshal(arg)
	msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": c.next, "operationID": 0, "operationName": op, "argument": json.RawMessage(raw)}})
	c.sendRaw(msg)
	return c.next
}

// read returns the next message, unwrapped from a one-element array.
func (c *client) read() map[string]any {
	c.t.Helper()
	var b []byte
	var err error
	deadline := time.Now().Add(5 * time.Second)
	if c.ws != nil {
		_ = c.ws.SetReadDeadline(deadline)
		_, b, err = c.ws.ReadMessage()
	} else {
		_ = c.tcp.SetReadDeadline(deadline)
		b, err = protocol.ReadFrame(c.r, 1<<24)
	}
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		c.t.Fatalf("bad JSON from server: %v: %s", err, b)
	}
	if a, ok := v.([]any); ok {
		if len(a) != 1 {
			c.t.Fatalf("array envelope of %d", len(a))
		}
		v = a[0]
	}
	return v.(map[string]any)
}

// await reads until a message matching fn arrives (skipping others).
func (c *client) await(what string, fn func(map[string]any) bool) map[string]any {
	c.t.Helper()
	for i := 0; i < 100000; i++ {
		m := c.read()
		if fn(m) {
			return m
		}
	}
	c.t.Fatalf("no %s", what)
	return nil
}

func (c *client) result(id int64) map[string]any {
	c.t.Helper()
	m := c.await(fmt.Sprint("answer to ", id), func(m map[string]any) bool {
		for _, k := range []string{"result", "error"} {
			if r, ok := m[k].(map[string]any); ok {
				if r["invokeID"] == float64(id) || r["invokedID"] == float64(id) {
					return true
				}
			}
		}
		if r, ok := m["reject"].(map[string]any); ok {
			if inv, ok := r["invokedID"].(map[string]any); ok && (inv["invokedID"] == float64(id) || inv["invokednull"] != nil) {
				return true
			}
		}
		return false
	})
	return m
}

func resultValue(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	r, ok := m["result"].(map[string]any)
	if !ok {
		t.Fatalf("not a result: %v", m)
	}
	return r["result"].(map[string]any)["result"].(map[string]any)
}

func rejectCode(t *testing.T, m map[string]any) float64 {
	t.Helper()
	r, ok := m["reject"].(map[string]any)
	if !ok {
		t.Fatalf("not a reject: %v", m)
	}
	return r["reject"].(map[string]any)["invokeProblem"].(float64)
}

func isEvent(op string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		inv, ok := m["invoke"].(map[string]any)
		return ok && inv["operationName"] == op && inv["invokeID"] == float64(99999)
	}
}

func basic(user string) string { return base64.StdEncoding.EncodeToString([]byte(user + ":pw")) }

// login runs the direct path: negotiate (V2 events) and asnLoginV2 (basic).
func (c *client) login(user string) {
	c.t.Helper()
	id := c.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "test", "iClientCapabilities": 4})
	resultValue(c.t, c.result(id))
	id = c.invoke("asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": basic(user)}}})
	r := resultValue(c.t, c.result(id))
	if r["succceeded"] == nil {
		c.t.Fatalf("login: %v", r)
	}
}

func createSession(t *testing.T, ts *testServer, user, password string) (string, int) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+ts.httpAddr+"/ws/client/createsession?clientappid=15", strings.NewReader(`{"negotiate":{"iClientProtocolVersion":70}}`))
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	id, _ := v["sessionid"].(string)
	return id, resp.StatusCode
}

func subscribe(c *client, ids ...string) []any {
	c.t.Helper()
	id := c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": ids})
	return resultValue(c.t, c.result(id))["seqSubscribedPresence"].([]any)
}

func updatePresence(m map[string]any) (map[string]any, float64) {
	arg := m["invoke"].(map[string]any)["argument"].(map[string]any)
	return arg["presence"].(map[string]any), arg["iChangedFlags"].(float64)
}
