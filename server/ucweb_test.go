package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
)

// TestCORSOrigins: allowed origins get the preflight answered and the
// header on answers; others get 403 and no header; no preflight is a login.
func TestCORSOrigins(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://web.example.com"} })
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+ts.httpAddr+"/ws/client/createsession", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := preflight("https://web.example.com"); r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != "https://web.example.com" {
		t.Fatalf("allowed origin: %d %v", r.StatusCode, r.Header)
	}
	if r := preflight("http://localhost:8000"); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("origin outside the configured list: %d %v", r.StatusCode, r.Header)
	}
	if got := ts.s.metrics.loginFailures.Load(); got != 0 {
		t.Fatalf("preflights counted as %d login failures", got)
	}
	def := startServer(t, nil)
	for origin, want := range map[string]bool{"http://localhost:1234": true, "http://127.0.0.1": true, "null": true,
		"http://[::1]:80": true, "https://evil.example.com": false, "http://localhost.evil.com": false} {
		if got := def.s.originAllowed(origin); got != want {
			t.Errorf("default origins: %s allowed %v, want %v", origin, got, want)
		}
	}
}

// TestSessionSocketWrapsEverything: results, errors, rejects and events
// are array-wrapped on a session socket even for bare invokes; the direct
// WebSocket answers a bare invoke bare.
func TestSessionSocketWrapsEverything(t *testing.T) {
	ts := startServer(t, nil)
	id, code := createSession(t, ts, "alice", "pw")
	if code != 200 {
		t.Fatal(code)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+ts.httpAddr+"/ws/client/websocket?x-ucsessionid="+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	send := func(msg string) {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"invoke":{"invokeID":1,"operationID":0,"operationName":"asnGetLoggedInContactV2","argument":{}}}`)
	send(`{"invoke":{"invokeID":2,"operationID":0,"operationName":"asnNoSuchThing","argument":{}}}`)
	send(`{"invoke":{"invokeID":3,"operationID":0,"operationName":"asnAbsentStateGetUser","argument":{"contactId":"sip:nobody@x"}}}`)
	send(`not json`)
	for _, want := range []string{`"result"`, `"reject"`, `"error"`, `"reject"`} {
		_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var list []map[string]any
		if err := json.Unmarshal(data, &list); err != nil || len(list) != 1 || !strings.Contains(string(data), want) {
			t.Fatalf("want a wrapped %s, got %s", want, data)
		}
	}
	direct := ts.dialWS(t, "")
	direct.login("alice")
	direct.sendRaw([]byte(`{"invoke":{"invokeID":7,"operationID":0,"operationName":"asnGetLoggedInContact","argument":{}}}`))
	_ = direct.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := direct.ws.ReadMessage()
	if err != nil || !strings.HasPrefix(string(data), `{"result"`) {
		t.Fatalf("direct socket: %s %v", data, err)
	}
}

// TestEventVersionFollowsSubscription: on one session socket a contact
// subscribed with the V2 name gets asnUpdatePresenceV2 and one subscribed
// with the V1 name asnUpdatePresence; on TCP too.
func TestEventVersionFollowsSubscription(t *testing.T) {
	ts := startServer(t, nil)
	// alice watches bob (V1) and carol (V2); carol grants alice Team too.
	if _, err := ts.e.SetDynamicRights("sip:carol@x", "sip:carol@x", "sip:alice@x", engine.LevelTeam, nil); err != nil {
		t.Fatal(err)
	}
	for _, transport := range []string{"session", "tcp"} {
		var c *client
		if transport == "tcp" {
			c = ts.dialTCP(t)
			c.login("alice")
		} else {
			id, _ := createSession(t, ts, "alice", "pw")
			c = ts.dialWS(t, "?x-ucsessionid="+id)
		}
		c.result(c.invoke("asnGetAndSubscribePresence", map[string]any{"seqContactIDs": []string{"sip:bob@x"}}))
		subscribe(c, "sip:carol@x")
		for i, who := range []string{"sip:bob@x", "sip:carol@x"} {
			if err := ts.e.SetNote(who, transport+" note "+string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]string{}
		c.await("both events", func(m map[string]any) bool {
			inv, ok := m["invoke"].(map[string]any)
			if !ok || inv["invokeID"] != float64(99999) {
				return false
			}
			arg, _ := inv["argument"].(map[string]any)
			p, _ := arg["presence"].(map[string]any)
			if p == nil {
				return false
			}
			seen[p["u8sContactId"].(string)] = inv["operationName"].(string) + "/" + arg["_type"].(string)
			return len(seen) == 2
		})
		if seen["sip:bob@x"] != "asnUpdatePresence/AsnUpdatePresenceArgument" || seen["sip:carol@x"] != "asnUpdatePresenceV2/AsnUpdatePresenceV2Argument" {
			t.Fatalf("%s: events %v", transport, seen)
		}
	}
}

// TestSessionOperations: asnGetLoggedInContact over TCP and the stateless
// route, asnGetUserTokenV2 whose token opens a session, negotiate outside
// the client's range.
func TestSessionOperations(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialTCP(t)
	c.login("alice")
	r := resultValue(t, c.result(c.invoke("asnGetLoggedInContact", map[string]any{})))
	if r["_type"] != "AsnGetLoggedInContactResult" || r["ownContact"].(map[string]any)["u8sContactId"] != "sip:alice@x" {
		t.Fatalf("tcp asnGetLoggedInContact: %v", r)
	}
	tok := resultValue(t, c.result(c.invoke("asnGetUserTokenV2", map[string]any{"iType": 1})))["sToken"].(string)
	if v1 := resultValue(t, c.result(c.invoke("asnGetUserToken", map[string]any{}))); v1["_type"] != "AsnGetUserTokenResult" || v1["sToken"] != tok {
		t.Fatalf("V1 asnGetUserToken: %v", v1)
	}
	resp, err := http.Post("http://"+ts.httpAddr+"/ws/client/createsession?token="+tok, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("createsession with the asnGetUserTokenV2 token: %d", resp.StatusCode)
	}

	id, _ := createSession(t, ts, "bob", "pw")
	req, _ := http.NewRequest(http.MethodPost, "http://"+ts.httpAddr+"/ws/client/asnGetLoggedInContact", strings.NewReader(`{"_type":"AsnGetLoggedInContactArgument"}`))
	req.Header.Set("X-ucsessionid", id)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"u8sContactId":"sip:bob@x"`) || !strings.Contains(string(body), "AsnGetLoggedInContactResult") {
		t.Fatalf("stateless asnGetLoggedInContact: %d %s", resp.StatusCode, body)
	}

	n := ts.dialTCP(t)
	for _, tc := range []struct {
		min, max     string
		incompatible bool
	}{{"9", "10", true}, {"1", "7.5", true}, {"7", "8.3", false}, {"", "", false}} {
		r := resultValue(t, n.result(n.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": tc.min, "u8sMaxSupportedInterfaceVersion": tc.max,
			"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "t", "iClientCapabilities": 4})))
		if _, got := r["incompatible"]; got != tc.incompatible {
			t.Fatalf("negotiate [%s, %s]: %v", tc.min, tc.max, r)
		}
	}
}
