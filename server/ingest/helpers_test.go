package ingest

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
)

// testNow is the virtual clock reading of test engines: the example
// appointment (09:00-10:00) is active, the example absent window
// (12:00-13:00) is ahead.
var testNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

const testToken = "secret-token"

// exampleLines is one line per op, as in docs/INGEST.md.
var exampleLines = map[Op]string{
	OpPutContact:         `{"op":"putContact","contact":"bob","id":"e1","entry":{"data":{"displayName":"Bob Builder","firstName":"Bob","email":"bob@example.com","phoneBusiness":"+49 8151 1234","businessAddress":{"city":"Starnberg","country":"DE"}},"groups":["sales"],"featureSet":1}}`,
	OpRemoveContact:      `{"op":"removeContact","contact":"bob"}`,
	OpSetLine:            `{"op":"setLine","contact":"bob","line":{"uri":"tel:+4981511234","number":"+49 8151 1234","state":"online","primary":true}}`,
	OpRemoveLine:         `{"op":"removeLine","contact":"bob","lineUri":"tel:+4981511234"}`,
	OpSetForward:         `{"op":"setForward","contact":"bob","forward":{"lineUri":"tel:+4981511234","internalId":1,"destination":"+4989999","mode":1,"noAnswerTime":20}}`,
	OpClearForward:       `{"op":"clearForward","contact":"bob","lineUri":"tel:+4981511234","internalId":1}`,
	OpPutCall:            `{"op":"putCall","contact":"bob","id":"call-17-connected","call":{"connectionId":"c-17","lineUri":"tel:+4981511234","lineNumber":"+49 8151 1234","remoteNumber":"+4930123456","remoteDisplayName":"Alice","trackerId":"t-17","state":"connected","features":3,"outbound":true,"internal":false,"type":"normal","journalType":"cti"}}`,
	OpRemoveCall:         `{"op":"removeCall","contact":"bob","connectionId":"c-17"}`,
	OpSetAppointments:    `{"op":"setAppointments","contact":"bob","appointments":[{"entryId":"a1","start":"2025-03-14T09:00:00Z","end":"2025-03-14T10:00:00Z","subject":"Standup","location":"Room 1","status":"busy","sensitivity":"normal"}]}`,
	OpClientLogin:        `{"op":"clientLogin","contact":"bob","client":"desk-1","device":"desktop"}`,
	OpClientLogout:       `{"op":"clientLogout","contact":"bob","client":"desk-1"}`,
	OpClientIdle:         `{"op":"clientIdle","contact":"bob","client":"desk-1","idle":true}`,
	OpClientCapabilities: `{"op":"clientCapabilities","contact":"bob","client":"desk-1","capabilities":{"values":[1,4],"custom":[{"key":"video","value":"yes"}]}}`,
	OpSetAbsent:          `{"op":"setAbsent","contact":"bob","absent":{"kind":"outOfOffice","from":"2025-03-14T12:00:00Z","to":"2025-03-14T13:00:00Z","reachability":"businessTrip"}}`,
	OpResetAbsent:        `{"op":"resetAbsent","contact":"bob"}`,
	OpSetNote:            `{"op":"setNote","contact":"bob","note":"back at 2"}`,
	OpClearNote:          `{"op":"clearNote","contact":"bob"}`,
	OpSetAgentState:      `{"op":"setAgentState","contact":"bob","agent":{"state":"ready","details":[{"name":"hotline","value":1}]}}`,
	OpSetGrouping:        `{"op":"setGrouping","contact":"bob","grouping":{"guid":"g-1","short":"S","long":"Sales","additionalText":"2nd floor"}}`,
	OpClearGrouping:      `{"op":"clearGrouping","contact":"bob"}`,
	OpSetImages:          `{"op":"setImages","contact":"bob","smallImage":"iVBORw0KGgo=","largeImage":"/9j/4AAQSkZJRg=="}`,
}

// newTestEngine returns an engine on a virtual clock at testNow.
func newTestEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{ManualTick: true, Clock: engine.NewVirtualClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// testServer is a real fasthttp server on 127.0.0.1 serving a Handler.
type testServer struct {
	addr    string
	handler *Handler
	engine  *engine.Engine
	client  *http.Client
}

// newTestServer starts a server; cfg.Engine and cfg.Authorize default to a
// fresh test engine and a check for testToken.
func newTestServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Engine == nil {
		cfg.Engine = newTestEngine(t)
	}
	if cfg.Authorize == nil {
		cfg.Authorize = func(token string) error {
			if token != testToken {
				return io.ErrUnexpectedEOF // any error: the test checks it is not sent
			}
			return nil
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			switch string(ctx.Path()) {
			case "/ingest/v1/events":
				h.ServeHTTP(ctx)
			case "/ingest/v1/stream":
				h.ServeWebSocket(ctx)
			default:
				ctx.NotFound()
			}
		},
		MaxRequestBodySize: 2*h.Limits().MaxBatchBytes + 4096,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	ts := &testServer{addr: ln.Addr().String(), handler: h, engine: cfg.Engine,
		client: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections() // else Shutdown may wait for them
		h.Close()
		srv.Shutdown()
		<-done
	})
	return ts
}

// post sends a batch with the test token (or the given Authorization
// header value, "" for none) and returns the status and body.
func (s *testServer) post(t testing.TB, body string, auth ...string) (int, string) {
	t.Helper()
	authorization := "Bearer " + testToken
	if len(auth) > 0 {
		authorization = auth[0]
	}
	status, answer, err := s.postErr(body, authorization)
	if err != nil {
		t.Fatal(err)
	}
	return status, answer
}

// postErr is post for other goroutines than the test's.
func (s *testServer) postErr(body, authorization string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/ingest/v1/events", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// dial opens a WebSocket stream with the test token.
func (s *testServer) dial(t testing.TB) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+s.addr+"/ingest/v1/stream",
		http.Header{"Authorization": {"Bearer " + testToken}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// lines joins event lines into a batch.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
