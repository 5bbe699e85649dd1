package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// This file is a client written from the protocol that behaves as the
// estos UCServerWebSDK2.0 browser samples do (documentation/html/examples):
// a UCWeb session through createsession (with the browser's CORS preflight
// first), bare invokes with operationID 0 and the V1 operation names, every
// incoming message read as JSON.parse(data)[0], no keepalive ever sent (the
// browser answers pings by itself), destroysession at the end.

// sdkPage is one "page" of the SDK samples: its origin and its socket.
type sdkPage struct {
	t        *testing.T
	base     string // http://127.0.0.1:port
	origin   string
	session  string
	ws       *websocket.Conn
	invokeID int64
	messages chan map[string]any
	closed   chan error
}

// createSession does what the samples' createsession() does: XHR POST with
// Basic credentials and the X-... headers, which makes the browser send a
// preflight first.
func (p *sdkPage) createSession(login string) {
	t := p.t
	t.Helper()
	url := p.base + "/ws/client/createsession?clientappid=15"
	pre, _ := http.NewRequest(http.MethodOptions, url, nil)
	pre.Header.Set("Origin", p.origin)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-no401,x-simple,x-ucsid")
	resp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != p.origin ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "x-ucsid") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{ "negotiate": { "iClientProtocolVersion": 70 } }`))
	req.Header.Set("Origin", p.origin)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(login+":pw")))
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	req.Header.Set("X-no401", "1")
	req.Header.Set("X-ucsid", "")
	req.Header.Set("X-simple", "1")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var answer struct{ SessionID string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &answer) != nil || answer.SessionID == "" {
		t.Fatalf("createsession: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != p.origin {
		t.Fatalf("createsession answer without Access-Control-Allow-Origin: %v", resp.Header)
	}
	p.session = answer.SessionID
}

// open is createwebsocket(): the socket of the session; onmessage parses
// JSON.parse(data)[0] and fails the test on anything that is not an array.
func (p *sdkPage) open() {
	t := p.t
	t.Helper()
	h := http.Header{}
	h.Set("Origin", p.origin)
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(p.base, "http", "ws", 1)+"/ws/client/websocket?x-ucsessionid="+p.session, h)
	if err != nil {
		t.Fatal(err)
	}
	p.ws = ws
	p.messages = make(chan map[string]any, 256)
	p.closed = make(chan error, 1)
	go func() {
		for {
			_, data, err := ws.ReadMessage() // pings are answered by the library, as a browser does
			if err != nil {
				p.closed <- err
				close(p.messages)
				return
			}
			var list []map[string]any
			if err := json.Unmarshal(data, &list); err != nil || len(list) == 0 {
				p.closed <- errors.New("JSON.parse(data)[0] is undefined for " + string(data))
				close(p.messages)
				return
			}
			p.messages <- list[0]
		}
	}()
}

// invoke is rose_invoke(): a bare invoke, operationID 0, the name decides.
func (p *sdkPage) invoke(name string, argument any) int64 {
	p.invokeID++
	msg, _ := json.MarshalIndent(map[string]any{"invoke": map[string]any{
		"argument": argument, "invokeID": p.invokeID, "operationID": 0, "operationName": name,
	}}, "", "    ")
	if err := p.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		p.t.Fatal(err)
	}
	return p.invokeID
}

// next returns the next message that is not a keepalive event.
func (p *sdkPage) next(timeout time.Duration) map[string]any {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-p.messages:
			if !ok {
				p.t.Fatalf("socket ended: %v", <-p.closed)
			}
			if inv, ok := m["invoke"].(map[string]any); ok && strings.Contains(inv["operationName"].(string), "KeepAlive") {
				continue
			}
			return m
		case <-deadline:
			p.t.Fatal("no message")
		}
	}
}

// result returns rosemsg.result.result.result as the samples read it.
func (p *sdkPage) result(invokeID int64) map[string]any {
	p.t.Helper()
	m := p.next(10 * time.Second)
	outer, _ := m["result"].(map[string]any)
	if outer == nil || int64(outer["invokeID"].(float64)) != invokeID {
		p.t.Fatalf("want the result of invoke %d, got %v", invokeID, m)
	}
	middle, _ := outer["result"].(map[string]any)
	inner, _ := middle["result"].(map[string]any)
	if inner == nil {
		p.t.Fatalf("no result.result.result: %v", m)
	}
	return inner
}

func TestSDKSampleFlow(t *testing.T) {
	const idle = 1500 * time.Millisecond
	ts := startServer(t, func(c *Config) {
		c.IdleTimeout = idle // short, so the test can outlast it
		// KeepAliveInterval stays at the test default (1 h): the pings
		// follow the idle timeout by themselves (conn.tickInterval).
	})
	base := "http://" + ts.httpAddr
	alice := &sdkPage{t: t, base: base, origin: "http://localhost:8123"}
	alice.createSession("alice")
	alice.open()
	defer alice.ws.Close()

	// getmycontact(): the V1 name, the V1 result type, the contact id.
	own := alice.result(alice.invoke("asnGetLoggedInContact", map[string]any{"_type": "AsnGetLoggedInContactArgument"}))
	contact, _ := own["ownContact"].(map[string]any)
	if own["_type"] != "AsnGetLoggedInContactResult" || contact["u8sContactId"] != "sip:alice@x" {
		t.Fatalf("asnGetLoggedInContact: %v", own)
	}
	// subscribeToContact() on a colleague (bob grants alice Team).
	sub := alice.result(alice.invoke("asnGetAndSubscribePresence", map[string]any{
		"_type": "AsnGetAndSubscribePresenceArgument", "seqContactIDs": []string{"sip:bob@x"}, "optionalParams": map[string]any{},
	}))
	if sub["_type"] != "AsnGetAndSubscribePresenceResult" {
		t.Fatalf("subscribe: %v", sub)
	}

	// The page sends nothing for three idle timeouts: pings keep it alive.
	quiet := time.After(3 * idle)
wait:
	for {
		select {
		case m, ok := <-alice.messages:
			if !ok {
				t.Fatalf("session socket closed while the page was quiet: %v", <-alice.closed)
			}
			if inv, _ := m["invoke"].(map[string]any); inv == nil || !strings.Contains(inv["operationName"].(string), "KeepAlive") {
				t.Fatalf("unexpected message while quiet: %v", m)
			}
		case <-quiet:
			break wait
		}
	}

	// A second user changes her state the way ChangePresence.html does.
	bob := &sdkPage{t: t, base: base, origin: "http://localhost:8123"}
	bob.createSession("bob")
	bob.open()
	defer bob.ws.Close()
	set := bob.result(bob.invoke("asnAbsentStateSetUser", map[string]any{
		"_type": "AsnAbsentStateSetUserArgument", "optionalParams": map[string]any{},
		"absentstate": map[string]any{"_type": "AsnAbsentState", "u8sContactId": "sip:bob@x", "u8sUsername": "",
			"stTimeFrom": "", "stTimeTo": "", "iAbsentState": 2, "u8sMessage": "", "u8sAbsentReason": "", "iPresenceState": 0, "optionalParams": map[string]any{}},
	}))
	if set["_type"] != "AsnAbsentStateSetUserResult" {
		t.Fatalf("asnAbsentStateSetUser: %v", set)
	}
	// Alice's page gets it live as the V1 event it understands.
	for {
		m := alice.next(10 * time.Second)
		inv, _ := m["invoke"].(map[string]any)
		if inv == nil {
			t.Fatalf("want an event, got %v", m)
		}
		if inv["invokeID"].(float64) != 99999 || inv["operationName"] != "asnUpdatePresence" {
			t.Fatalf("want the V1 asnUpdatePresence event, got %v", m)
		}
		arg := inv["argument"].(map[string]any)
		if arg["_type"] != "AsnUpdatePresenceArgument" {
			t.Fatalf("event argument: %v", arg)
		}
		presence := arg["presence"].(map[string]any)
		if absent, _ := presence["asnAbsentState"].(map[string]any); absent != nil && absent["iAbsentState"] == float64(2) {
			if absent["_type"] != nil && absent["_type"] != "AsnAbsentState" {
				t.Fatalf("V1 event carries a V2 absent state: %v", absent)
			}
			break
		}
	}

	// destroysession ends the session and its socket.
	resp, err := http.Get(base + "/ws/client/destroysession?ucsessionid=" + alice.session)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("destroysession: %d", resp.StatusCode)
	}
	select {
	case <-alice.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the session socket survived destroysession")
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/ws/client/asnGetLoggedInContact", strings.NewReader("{}"))
	req.Header.Set("X-ucsessionid", alice.session)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a destroyed session still answers: %d", resp.StatusCode)
	}
	if got := ts.s.metrics.loginFailures.Load(); got != 0 {
		t.Fatalf("%d login failures counted (preflights are not logins)", got)
	}
}
