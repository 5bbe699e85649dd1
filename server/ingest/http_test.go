package ingest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ucpresence/presence/engine"
)

// answer is the JSON answer of a batch, decoded with encoding/json to check
// that AppendResult writes valid JSON.
type answer struct {
	Seq     *uint64 `json:"seq"`
	Applied int     `json:"applied"`
	Failed  int     `json:"failed"`
	Errors  []struct {
		Line  int    `json:"line"`
		ID    string `json:"id"`
		Error string `json:"error"`
	} `json:"errors"`
	Error string `json:"error"`
	Line  int    `json:"line"`
}

func decodeAnswer(t testing.TB, body string) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a
}

// everyOpSet is a batch that uses every op that sets something; checkSet
// checks the engine state it leaves.
var everyOpSet = lines(
	exampleLines[OpPutContact],
	exampleLines[OpClientLogin],
	exampleLines[OpSetLine],
	exampleLines[OpSetForward],
	exampleLines[OpPutCall],
	exampleLines[OpClientIdle],
	exampleLines[OpClientCapabilities],
	exampleLines[OpSetAppointments],
	exampleLines[OpSetAbsent],
	exampleLines[OpSetNote],
	exampleLines[OpSetAgentState],
	exampleLines[OpSetGrouping],
	exampleLines[OpSetImages],
)

// everyOpClear undoes everyOpSet with the remaining ops, contact removal last.
var everyOpClear = lines(
	exampleLines[OpClearForward],
	exampleLines[OpRemoveCall],
	exampleLines[OpRemoveLine],
	exampleLines[OpClientLogout],
	exampleLines[OpResetAbsent],
	exampleLines[OpClearNote],
	exampleLines[OpClearGrouping],
	`{"op":"setImages","contact":"bob"}`,
	`{"op":"setAppointments","contact":"bob","appointments":[]}`,
)

func checkSet(t *testing.T, e *engine.Engine) {
	t.Helper()
	s, ok := e.Snapshot("bob")
	if !ok {
		t.Fatal("bob not in the engine")
	}
	groups, _ := e.Groups("bob")
	checks := []struct {
		name string
		ok   bool
	}{
		{"data", s.Data.DisplayName == "Bob Builder" && s.Data.BusinessAddress.City == "Starnberg" && s.FeatureSet == 1},
		{"groups", slices.Equal(groups, []string{"sales"})},
		{"line", len(s.Lines) == 1 && s.Lines[0] == engine.Line{URI: "tel:+4981511234", Number: "+49 8151 1234", State: engine.LineOnline, Primary: true}},
		{"forward", len(s.Forwards) == 1 && s.Forwards[0].Destination == "+4989999" && s.Forwards[0].NoAnswerTime == 20},
		{"call", len(s.Calls) == 1 && s.Calls[0].ConnectionID == "c-17" && s.Calls[0].State == engine.CallConnected &&
			s.Calls[0].Remote.DisplayName == "Alice" && s.Calls[0].TrackerID == "t-17" && s.Calls[0].Outbound},
		{"capabilities", slices.Equal(s.Capabilities.Values, []engine.Capability{1, 4}) && len(s.Capabilities.Custom) == 1},
		{"appointments", len(s.ActiveAppointments) == 1 && s.ActiveAppointments[0].Subject == "Standup"},
		{"absent", s.Absent.Kind == engine.AbsentOutOfOffice && s.Absent.HasReachability && s.Absent.Reachability == engine.ReachabilityBusinessTrip},
		{"note", s.Note.Text == "back at 2"},
		{"agent", s.Agent.State == engine.AgentReady && len(s.Agent.Details) == 1},
		{"grouping", s.Grouping != nil && s.Grouping.Long == "Sales"},
		{"images", s.SmallImage != nil && string(s.SmallImage.Data) == "\x89PNG\r\n\x1a\n" && s.LargeImage != nil},
		// busy by the call; idle (the only desktop client is idle); the
		// absent window lies ahead, so the calculated state shows.
		{"state", s.State.Base() == engine.StateBusy && s.State&engine.FlagCall != 0 && s.State&engine.FlagIdle != 0 &&
			s.State&engine.FlagAppointment != 0 && s.State&engine.FlagNoteSet != 0 && s.State&engine.FlagOffline == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("after the set batch, %s is wrong: %+v", c.name, s)
		}
	}
}

func checkCleared(t *testing.T, e *engine.Engine) {
	t.Helper()
	s, ok := e.Snapshot("bob")
	if !ok {
		t.Fatal("bob not in the engine")
	}
	if len(s.Lines)+len(s.Forwards)+len(s.Calls)+len(s.ActiveAppointments) != 0 || s.Note.Text != "" ||
		s.Absent.Kind != engine.AbsentNotSet || s.Grouping != nil || s.SmallImage != nil || s.LargeImage != nil ||
		s.State != engine.StateAvailable|engine.FlagOffline {
		t.Errorf("after the clear batch: %+v", s)
	}
}

func TestHTTPEveryOp(t *testing.T) {
	srv := newTestServer(t, Config{})
	status, body := srv.post(t, everyOpSet)
	if a := decodeAnswer(t, body); status != http.StatusOK || a.Applied != 13 || a.Failed != 0 || a.Errors == nil {
		t.Fatalf("set: %d %s", status, body)
	}
	checkSet(t, srv.engine)
	status, body = srv.post(t, everyOpClear)
	if a := decodeAnswer(t, body); status != http.StatusOK || a.Applied != 9 || a.Failed != 0 {
		t.Fatalf("clear: %d %s", status, body)
	}
	checkCleared(t, srv.engine)
	status, body = srv.post(t, lines(exampleLines[OpRemoveContact]))
	if status != http.StatusOK || decodeAnswer(t, body).Applied != 1 {
		t.Fatalf("remove: %d %s", status, body)
	}
	if _, ok := srv.engine.Snapshot("bob"); ok {
		t.Error("bob still in the engine after removeContact")
	}
	var st Stats
	srv.handler.Stats(&st)
	if st.EventsApplied != 23 || st.Batches != 3 || st.EventsFailed != 0 || st.Bytes != uint64(len(everyOpSet)+len(everyOpClear)+len(exampleLines[OpRemoveContact])+1) {
		t.Errorf("stats %+v", st)
	}
}

func TestHTTPPerEventErrors(t *testing.T) {
	srv := newTestServer(t, Config{})
	batch := lines(
		exampleLines[OpPutContact],
		`{"op":"setNote","contact":"alice","note":"x","id":"a-1"}`,
		`{"op":"setNote","contact":"bob","note":"x"`,
		`{"op":"jump","contact":"bob","id":"j-1"}`,
		`{"op":"setNote","contact":"bob","note":"ok","id":"\"quoted\""}`,
	)
	status, body := srv.post(t, batch)
	a := decodeAnswer(t, body)
	if status != http.StatusOK || a.Applied != 2 || a.Failed != 3 || len(a.Errors) != 3 {
		t.Fatalf("%d %s", status, body)
	}
	wantLines, wantIDs := []int{2, 3, 4}, []string{"a-1", "", "j-1"}
	for i, e := range a.Errors {
		if e.Line != wantLines[i] || e.ID != wantIDs[i] || !strings.HasPrefix(e.Error, "") {
			t.Errorf("error %d = %+v", i, e)
		}
	}
	if !strings.Contains(a.Errors[0].Error, "unknown contact") || !strings.Contains(a.Errors[1].Error, "malformed") ||
		!strings.Contains(a.Errors[2].Error, "unknown op") {
		t.Errorf("errors %+v", a.Errors)
	}
	if s, _ := srv.engine.Snapshot("bob"); s.Note.Text != "ok" {
		t.Errorf("note %q: the event after the errors was not applied", s.Note.Text)
	}
}

func TestHTTPLimits(t *testing.T) {
	srv := newTestServer(t, Config{MaxBatchBytes: 64 << 10, MaxEvents: 100, MaxLineBytes: 1024})
	put := exampleLines[OpPutContact]
	many := strings.Repeat(exampleLines[OpSetNote]+"\n", 101)
	tests := []struct {
		name   string
		body   string
		status int
		line   int
		text   string
	}{
		{"body", put + "\n" + strings.Repeat(" ", 64<<10), http.StatusRequestEntityTooLarge, 0, "batch too large"},
		{"events", put + "\n" + many, http.StatusBadRequest, 101, "more than 100 events"},
		{"line", put + "\n" + `{"op":"setNote","contact":"bob","note":"` + strings.Repeat("x", 1024) + `"}`, http.StatusRequestEntityTooLarge, 2, "line 2 exceeds 1024 bytes"},
	}
	for _, tt := range tests {
		status, body := srv.post(t, tt.body)
		a := decodeAnswer(t, body)
		if status != tt.status || a.Line != tt.line || !strings.Contains(a.Error, tt.text) {
			t.Errorf("%s: %d %s", tt.name, status, body)
		}
	}
	if _, ok := srv.engine.Snapshot("bob"); ok {
		t.Error("an event of a refused batch was applied")
	}
	var st Stats
	srv.handler.Stats(&st)
	if st.BatchesRefused != 3 || st.Batches != 0 {
		t.Errorf("stats %+v", st)
	}
	// The server is still there.
	if status, body := srv.post(t, lines(put)); status != http.StatusOK {
		t.Errorf("after the refusals: %d %s", status, body)
	}
}

func TestHTTPAuthAndMethod(t *testing.T) {
	srv := newTestServer(t, Config{})
	batch := lines(exampleLines[OpPutContact])
	for _, auth := range []string{"", "Bearer", "Bearer ", "Basic " + testToken, "Bearer wrong"} {
		status, body := srv.post(t, batch, auth)
		a := decodeAnswer(t, body)
		if status != http.StatusUnauthorized || !strings.HasPrefix(a.Error, "ingest: unauthorized") ||
			strings.Contains(body, "EOF") { // the callback's reason stays in the log
			t.Errorf("Authorization %q: %d %s", auth, status, body)
		}
	}
	if _, ok := srv.engine.Snapshot("bob"); ok {
		t.Fatal("an unauthorized batch was applied")
	}
	if status, _ := srv.post(t, batch, "bearer "+testToken); status != http.StatusOK {
		t.Errorf("lower-case scheme: %d", status)
	}
	resp, err := srv.client.Get("http://" + srv.addr + "/ingest/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	var st Stats
	srv.handler.Stats(&st)
	if st.Unauthorized != 5 {
		t.Errorf("unauthorized = %d, want 5", st.Unauthorized)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	e := newTestEngine(t)
	allow := func(string) error { return nil }
	for i, cfg := range []Config{{Authorize: allow}, {Engine: e}, {Engine: e, Authorize: allow, MaxEvents: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	h, err := New(Config{Engine: e, Authorize: allow})
	if err != nil || h.Limits() != (Limits{DefaultMaxBatchBytes, DefaultMaxEvents, DefaultMaxLineBytes, DefaultMaxErrors, DefaultMaxStringBytes, DefaultMaxNoteBytes}) {
		t.Errorf("defaults: %v %+v", err, h.Limits())
	}
}

// TestHTTPConcurrentClients: batches from several clients for distinct
// contacts all land.
func TestHTTPConcurrentClients(t *testing.T) {
	srv := newTestServer(t, Config{})
	const clients, rounds = 4, 20
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		go func() {
			id := fmt.Sprintf("user%d", c)
			var b strings.Builder
			fmt.Fprintf(&b, `{"op":"putContact","contact":"%s"}`+"\n", id)
			for r := 0; r < rounds; r++ {
				fmt.Fprintf(&b, `{"op":"setNote","contact":"%s","note":"n%d"}`+"\n", id, r)
			}
			status, body, err := srv.postErr(b.String(), "Bearer "+testToken)
			if err != nil {
				errs <- err
				return
			}
			if status != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`"applied":%d,"failed":0`, rounds+1)) {
				errs <- fmt.Errorf("client %d: %d %s", c, status, body)
				return
			}
			errs <- nil
		}()
	}
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for c := 0; c < clients; c++ {
		if s, ok := srv.engine.Snapshot(fmt.Sprintf("user%d", c)); !ok || s.Note.Text != fmt.Sprintf("n%d", rounds-1) {
			t.Errorf("user%d: %v %+v", c, ok, s)
		}
	}
}
