package ingest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
)

// TestReportTimes: with times=1 every answer carries, per event, the
// engine time it was applied at (engine.InputTime), 0 for a failed event;
// without it the answer has no "times".
func TestReportTimes(t *testing.T) {
	clock := engine.NewVirtualClock(testNow)
	e, err := engine.New(engine.Config{ManualTick: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	s := newTestServer(t, Config{Engine: e})
	batch := lines(
		`{"op":"putContact","contact":"sip:t@example.com"}`,
		`{"op":"setNote","contact":"sip:t@example.com","note":"one"}`,
		`{"op":"setNote","contact":"sip:unknown@example.com","note":"x"}`,
	)
	// HTTP without the parameter: no times.
	if status, body := s.post(t, batch); status != http.StatusOK || json.Valid([]byte(body)) && containsTimes(t, body) {
		t.Fatalf("without times=1: %d %s", status, body)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+s.addr+"/ingest/v1/stream?times=1",
		http.Header{"Authorization": {"Bearer " + testToken}})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer conn.Close()
	for round := range 2 {
		clock.Set(testNow.Add(time.Duration(round+1) * time.Minute))
		if err := conn.WriteMessage(websocket.TextMessage, []byte(batch)); err != nil {
			t.Fatal(err)
		}
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var a struct {
			Times []int64 `json:"times"`
		}
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		at := clock.Now().UnixNano()
		if len(a.Times) != 3 || a.Times[0] != at || a.Times[1] != at || a.Times[2] != 0 {
			t.Fatalf("round %d: times %v, want [%d %d 0]", round, a.Times, at, at)
		}
		if got := e.InputTime("sip:t@example.com").UnixNano(); got != at {
			t.Fatalf("InputTime %d, want %d", got, at)
		}
	}
}

func containsTimes(t *testing.T, body string) bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	_, ok := m["times"]
	return ok
}
