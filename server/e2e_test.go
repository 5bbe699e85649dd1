package server

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
)

func TestUCWebSessionPath(t *testing.T) {
	ts := startServer(t, nil)
	if _, code := createSession(t, ts, "alice", "wrong"); code != http.StatusBadRequest {
		t.Fatalf("wrong password: HTTP %d", code)
	}
	sid, code := createSession(t, ts, "alice", "pw")
	if code != 200 || sid == "" {
		t.Fatalf("createsession: %d %q", code, sid)
	}
	c := ts.dialWS(t, "?x-ucsessionid="+sid)
	id := c.invoke("asnGetLoggedInContactV2", map[string]any{})
	own := resultValue(t, c.result(id))
	if own["u8sLoggedInUser"] != "sip:alice@x" {
		t.Fatalf("logged in contact %v", own)
	}
	list := subscribe(c, "sip:bob@x")
	if len(list) != 1 || list[0].(map[string]any)["u8sContactId"] != "sip:bob@x" {
		t.Fatalf("subscribe result %v", list)
	}
	must(t, ts.e.SetLine("sip:bob@x", engine.Line{URI: "tel:100", Number: "100", Primary: true}))
	must(t, ts.e.PutCall("sip:bob@x", engine.Call{ConnectionID: "c1", LineURI: "tel:100", State: engine.CallOffering, RemoteNumber: "+4930"}))
	ev := c.await("call update", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		_, flags := updatePresence(m)
		return int(flags)&int(engine.SectionCalls) != 0
	})
	p, flags := updatePresence(ev)
	if int(flags)&int(engine.SectionCalls|engine.SectionPresence) != int(engine.SectionCalls|engine.SectionPresence) || int(flags)&int(engine.SectionNote|engine.SectionData) != 0 {
		t.Fatalf("iChangedFlags %v", flags)
	}
	if p["asnRemoteContact"] != nil || p["asnCustomNote"] != nil {
		t.Fatalf("unchanged sections sent: %v", p)
	}
	calls := p["seqCalls"].([]any)
	call := calls[0].(map[string]any)
	if len(calls) != 1 || call["iAction"] != float64(0) || call["u8sConnectionID"] != "c1" || call["eCallState"] != float64(2) {
		t.Fatalf("calls %v", calls)
	}
	if st := p["iPresenceState"].(float64); engine.PresenceState(st) != engine.StateBusy|engine.FlagRinging|engine.FlagOffline {
		t.Fatalf("state %#x", int(st))
	}
	// Stateless call with the session header.
	req, _ := http.NewRequest("POST", "http://"+ts.httpAddr+"/ws/client/asnGetUserAbsentState", strings.NewReader(`{"contactId":"sip:bob@x"}`))
	req.Header.Set("X-ucsessionid", sid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stateless: %v %v", err, resp)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("POST", "http://"+ts.httpAddr+"/ws/client/asnGetUserAbsentState", strings.NewReader(`{"contactId":"sip:bob@x"}`))
	req.Header.Set("X-ucsessionid", "nope")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stateless without session: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
}

func TestDirectWebSocketLoginAndUpdates(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialWS(t, "")
	// Before login every invoke gets reject 8.
	if code := rejectCode(t, c.result(c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{"sip:bob@x"}}))); code != 8 {
		t.Fatalf("before login: reject %v", code)
	}
	c.login("alice")
	subscribe(c, "sip:bob@x")
	must(t, ts.e.SetNote("sip:bob@x", "lunch"))
	ev := c.await("note update", isEvent("asnUpdatePresenceV2"))
	p, flags := updatePresence(ev)
	if int(flags)&int(engine.SectionNote) == 0 || p["asnCustomNote"].(map[string]any)["u8sNote"] != "lunch" {
		t.Fatalf("note update %v %v", p, flags)
	}
	// Own absent state: asnSetUserAbsentState, then the asnUpdateMyAbsentStateV2 event.
	id := c.invoke("asnSetUserAbsentState", map[string]any{"absentstate": map[string]any{"u8sContactId": "sip:alice@x", "eAbsentState": 1}})
	if r := resultValue(t, c.result(id)); r["bSuccess"] != true {
		t.Fatalf("set absent: %v", r)
	}
	c.await("my absent state", isEvent("asnUpdateMyAbsentStateV2"))
	// alice may not change bob's note (no CHANGEABLE right granted by bob to alice? Team has it).
	id = c.invoke("asnCustomNoteSet", map[string]any{"customnote": map[string]any{"u8sContactID": "sip:carol@x", "u8sUsername": "", "u8sNote": "x"}})
	if m := c.result(id); m["error"] == nil {
		t.Fatalf("changing carol's note without rights: %v", m)
	}
}

func TestRawTCPBearerAndRemoval(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialTCP(t)
	id := c.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "t", "iClientCapabilities": 4})
	resultValue(t, c.result(id))
	id = c.invoke("asnLoginV2", map[string]any{"auth": map[string]any{"authBearer": map[string]any{"u8sJWT": "tok:sip:alice@x"}}})
	if r := resultValue(t, c.result(id)); r["succceeded"] == nil {
		t.Fatalf("bearer login: %v", r)
	}
	subscribe(c, "sip:bob@x")
	must(t, ts.e.RemoveContact("sip:bob@x"))
	ev := c.await("removal", isEvent("asnRemovePresence"))
	if ev["invoke"].(map[string]any)["argument"].(map[string]any)["u8sContactID"] != "sip:bob@x" {
		t.Fatalf("removal %v", ev)
	}
}

func TestRightsOverTheWire(t *testing.T) {
	ts := startServer(t, nil)
	alice, carol, dave := ts.dialWS(t, ""), ts.dialWS(t, ""), ts.dialWS(t, "")
	alice.login("alice")
	carol.login("carol")
	dave.login("dave")
	for _, c := range []*client{alice, carol, dave} {
		subscribe(c, "sip:bob@x")
	}
	must(t, ts.e.SetLine("sip:bob@x", engine.Line{URI: "tel:100", Primary: true}))
	must(t, ts.e.PutCall("sip:bob@x", engine.Call{ConnectionID: "c1", LineURI: "tel:100", State: engine.CallConnected}))
	must(t, ts.e.SetNote("sip:bob@x", "marker"))
	// alice (Team) sees the call; carol (Public) only the state; dave (nothing) only the note.
	sawCall := false
	alice.await("marker", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		p, _ := updatePresence(m)
		if p["seqCalls"] != nil {
			sawCall = true
		}
		return p["asnCustomNote"] != nil
	})
	if !sawCall {
		t.Fatal("Team watcher did not see the call")
	}
	carol.await("marker", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		p, _ := updatePresence(m)
		if p["seqCalls"] != nil || p["seqPhoneLines"] != nil {
			t.Fatalf("Public watcher saw calls or lines: %v", p)
		}
		return p["asnCustomNote"] != nil
	})
	dave.await("marker", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		p, _ := updatePresence(m)
		if p["iPresenceState"] != nil && p["iPresenceState"].(float64) != 0 {
			t.Fatalf("blocked watcher saw presence: %v", p)
		}
		return p["asnCustomNote"] != nil
	})
}

func TestRejectCodes(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxFrameBytes = 4096; c.InvokeRate = 1; c.InvokeBurst = 40 })
	c := ts.dialWS(t, "")
	c.login("alice")
	if code := rejectCode(t, c.result(c.invoke("asnNoSuchOperation", map[string]any{}))); code != 1 {
		t.Fatalf("unknown op: %v", code)
	}
	if code := rejectCode(t, c.result(c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": 42}))); code != 2 {
		t.Fatalf("bad argument: %v", code)
	}
	// Malformed JSON: an invokednull reject, and the connection lives on.
	c.sendRaw([]byte(`{"invoke": {`))
	if m := c.read(); m["reject"] == nil {
		t.Fatalf("malformed JSON: %v", m)
	}
	subscribe(c, "sip:bob@x")
	// Per-invoke authentication failure on a fresh socket: reject 10.
	d := ts.dialWS(t, "")
	d.next++
	d.sendRaw([]byte(`{"invoke":{"invokeID":1,"operationName":"asnGetUserAbsentState","argument":{"contactId":"sip:bob@x"},"authentication":{"auth":{"method":"Basic","authdata":"` + basic("bob")[:4] + `"}}}}`))
	if code := rejectCode(t, d.result(1)); code != 10 {
		t.Fatalf("failed invoke authentication: %v", code)
	}
	// Rate limit: the bucket runs dry, the server answers with a reject.
	limited := false
	for i := 0; i < 60 && !limited; i++ {
		m := c.result(c.invoke("asnGetUserAbsentState", map[string]any{"contactId": "sip:bob@x"}))
		limited = m["reject"] != nil
	}
	if !limited {
		t.Fatal("no rate limit")
	}
	// Oversize: reject 3, then close.
	c2 := ts.dialWS(t, "")
	c2.sendRaw([]byte(`{"invoke":{"invokeID":5,"operationName":"asnKeepAlive","argument":{"x":"` + strings.Repeat("a", 8000) + `"}}}`))
	if code := rejectCode(t, c2.read()); code != 3 {
		t.Fatalf("oversize: %v", code)
	}
}

func TestBERFrameIsRejectedNotHung(t *testing.T) {
	ts := startServer(t, nil)
	c, err := net.Dial("tcp", ts.tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{0xA1, 0x03, 0x02, 0x01, 0x01})
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _ := c.Read(buf)
	if n == 0 || !strings.Contains(string(buf[:n]), "reject") {
		t.Fatalf("BER frame: got %q", buf[:n])
	}
	// And the connection is closed afterwards.
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
}

func TestSlowConsumerIsClosed(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.WriteTimeout = 300 * time.Millisecond; c.MaxBatchBytes = 64 << 10 })
	slow := ts.dialTCP(t)
	slow.login("alice")
	subscribe(slow, "sip:bob@x")
	fast := ts.dialWS(t, "")
	fast.login("carol")
	subscribe(fast, "sip:dave@x")
	// The slow client stops reading; big notes fill its socket buffers.
	big := strings.Repeat("n", 60000)
	deadline := time.Now().Add(10 * time.Second)
	for ts.s.metrics.slowConsumerCloses.Load() == 0 && time.Now().Before(deadline) {
		for i := 0; i < 50; i++ {
			must(t, ts.e.SetNote("sip:bob@x", big[:50000+i]))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ts.s.metrics.slowConsumerCloses.Load() == 0 {
		t.Fatal("slow consumer never closed")
	}
	// The other client still works.
	must(t, ts.e.SetNote("sip:dave@x", "done"))
	fast.await("final note", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		p, _ := updatePresence(m)
		n, _ := p["asnCustomNote"].(map[string]any)
		return n != nil && n["u8sNote"] == "done"
	})
}

func TestLoginErrorsAndLogoff(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialWS(t, "")
	id := c.invoke("asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": basic("alice")}}})
	if m := c.result(id); m["error"].(map[string]any)["error"].(map[string]any)["iErrorDetail"] != float64(105) {
		t.Fatalf("login without negotiate: %v", m)
	}
	c.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "t", "iClientCapabilities": 4})
	c.read()
	bad := map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": "YWxpY2U6bm8="}}} // alice:no
	for i := 0; i < 3; i++ {
		if m := c.result(c.invoke("asnLoginV2", bad)); m["error"].(map[string]any)["error"].(map[string]any)["iErrorDetail"] != float64(101) {
			t.Fatalf("wrong password: %v", m)
		}
	}
	if m := c.result(c.invoke("asnLoginV2", bad)); m["error"].(map[string]any)["error"].(map[string]any)["iErrorDetail"] != float64(131) {
		t.Fatalf("lockout: %v", m)
	}
	d := ts.dialWS(t, "")
	d.login("bob")
	if s, _ := ts.e.Snapshot("sip:bob@x"); s.State&engine.FlagOffline != 0 {
		t.Fatal("logged-in user still offline")
	}
	d.invoke("asnLogoff", map[string]any{})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s, _ := ts.e.Snapshot("sip:bob@x"); s.State&engine.FlagOffline != 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("logoff did not end the client session")
}

func TestMetricsAndHealth(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialWS(t, "")
	c.login("alice")
	for _, path := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get("http://" + ts.httpAddr + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v", path, err)
		}
		resp.Body.Close()
	}
	var sb strings.Builder
	ts.s.WriteMetrics(&sb)
	for _, want := range []string{"presenced_connections 1", "presenced_logins_total 1", "presenced_apply_to_write_seconds_bucket"} {
		if !strings.Contains(sb.String(), want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCalendarAndManualChangesOverTheWire(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialTCP(t)
	c.login("alice")
	subscribe(c, "sip:bob@x")
	now := time.Now()
	must(t, ts.e.SetAppointments("sip:bob@x", []engine.Appointment{{EntryID: "m1", Subject: "review", Start: now.Add(-time.Minute), End: now.Add(time.Hour), Status: engine.AppointmentBusy}}))
	ev := c.await("appointment update", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		_, flags := updatePresence(m)
		return int(flags)&int(engine.SectionAppointments) != 0
	})
	p, flags := updatePresence(ev)
	if int(flags) != int(engine.SectionAppointments|engine.SectionPresence) {
		t.Fatalf("iChangedFlags %v", flags)
	}
	appts, _ := p["seqActualAppointments"].([]any)
	if len(appts) != 1 || appts[0].(map[string]any)["u8sSubject"] != "review" || p["seqCalls"] != nil || p["asnCustomNote"] != nil {
		t.Fatalf("appointment update %v", p)
	}
	if st := engine.PresenceState(p["iPresenceState"].(float64)); st.Base() != engine.StateBusy || st&engine.FlagAppointment == 0 {
		t.Fatalf("state %v", st)
	}
	must(t, ts.e.SetAbsentState("sip:bob@x", engine.AbsentState{Kind: engine.AbsentDoNotDisturb}))
	ev = c.await("absent update", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresenceV2")(m) {
			return false
		}
		_, flags := updatePresence(m)
		return int(flags)&int(engine.SectionAbsentState) != 0
	})
	p, flags = updatePresence(ev)
	if int(flags) != int(engine.SectionAbsentState|engine.SectionPresence) || p["asnAbsentState"].(map[string]any)["eAbsentState"] != float64(3) || p["seqActualAppointments"] != nil {
		t.Fatalf("absent update %v %v", p, flags)
	}
}

// TestLegacyV1Client: a client that does not announce V2 events gets the V1
// names: asnGetAndSubscribePresence and asnUpdatePresence with AsnPresence.
func TestLegacyV1Client(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dialWS(t, "")
	id := c.invoke("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "old", "iClientCapabilities": 0})
	resultValue(t, c.result(id))
	id = c.invoke("asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{"credential": basic("alice")}}})
	resultValue(t, c.result(id))
	id = c.invoke("asnGetAndSubscribePresence", map[string]any{"seqContactIDs": []string{"sip:bob@x"}})
	if list := resultValue(t, c.result(id))["seqSubscribedPresence"].([]any); len(list) != 1 {
		t.Fatalf("V1 subscribe: %v", list)
	}
	must(t, ts.e.SetLine("sip:bob@x", engine.Line{URI: "tel:1", Primary: true}))
	must(t, ts.e.PutCall("sip:bob@x", engine.Call{ConnectionID: "c9", LineURI: "tel:1", State: engine.CallConnected, Outbound: true}))
	ev := c.await("V1 update", func(m map[string]any) bool {
		if !isEvent("asnUpdatePresence")(m) {
			return false
		}
		p := m["invoke"].(map[string]any)["argument"].(map[string]any)["presence"].(map[string]any)
		return p["seqCalls"] != nil
	})
	call := ev["invoke"].(map[string]any)["argument"].(map[string]any)["presence"].(map[string]any)["seqCalls"].([]any)[0].(map[string]any)
	if call["iOutbound"] != float64(1) || call["u8sConnectionID"] != "c9" {
		t.Fatalf("V1 call %v", call)
	}
}

// TestIdleConnectionIsClosed: a client that sends nothing for IdleTimeout
// is closed with a close frame naming the reason and counted; a client
// that sends keepalives stays.
func TestIdleConnectionIsClosed(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.IdleTimeout = 400 * time.Millisecond })
	idle := ts.dialWS(t, "")
	idle.login("alice")
	alive := ts.dialWS(t, "")
	alive.login("bob")
	stop := time.Now().Add(1200 * time.Millisecond)
	for time.Now().Before(stop) {
		alive.sendRaw([]byte(`{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"_type":"AsnTransportKeepAliveArgument"}}}`))
		time.Sleep(100 * time.Millisecond)
	}
	_ = idle.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = idle.ws.ReadMessage()
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || !strings.Contains(ce.Text, "idle") {
		t.Fatalf("idle client: %v, want a close frame naming the idle timeout", err)
	}
	if n := ts.s.metrics.idleCloses.Load(); n != 1 {
		t.Fatalf("idle closes = %d, want 1", n)
	}
	// The client that sent keepalives is still served.
	id := alive.invoke("asnGetLoggedInContactV2", map[string]any{"_type": "AsnGetLoggedInContactV2Argument"})
	if m := alive.result(id); m["result"] == nil {
		t.Fatalf("keepalive client: %v", m)
	}
}
