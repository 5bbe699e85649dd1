package run

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server"
	"github.com/ucpresence/presence/server/auth"
	"github.com/ucpresence/presence/server/ingest"
)

// testAuth accepts bearer tokens "tok:<contact id>" and Basic logins with
// password "pw" (the login name is taken as the contact id's user part:
// "user000007" for sip:user000007@...).
type testAuth struct{ domainOf map[string]string }

func (a testAuth) Basic(login, password string) (*directory.User, error) {
	if password != "pw" {
		return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "invalid user name or password"}
	}
	domain, ok := a.domainOf[login]
	if !ok {
		return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "invalid user name or password"}
	}
	return &directory.User{ID: "sip:" + login + "@" + domain}, nil
}

func (a testAuth) Bearer(token string) (*directory.User, error) {
	if id, ok := strings.CutPrefix(token, "tok:"); ok {
		return &directory.User{ID: id}, nil
	}
	return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "bad token"}
}

func (a testAuth) IssueToken(user string, _ time.Duration) (string, error) { return "tok:" + user, nil }

// testServer is presenced's server with the ingest API, in-process on
// 127.0.0.1:0, with a wall-clock engine.
type testServer struct {
	engine *engine.Engine
	addr   string
}

const testIngestToken = "secret"

func startServer(t testing.TB, domains map[string]string) *testServer {
	t.Helper()
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := ingest.New(ingest.Config{Engine: e, Logger: quiet, Authorize: func(token string) error {
		if token != testIngestToken {
			return ingest.ErrUnauthorized
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{
		Engine: e, Authenticator: testAuth{domainOf: domains}, Logger: quiet,
		InvokeRate: 100000, InvokeBurst: 100000, KeepAliveInterval: time.Hour,
		ExtraRoutes: map[string]fasthttp.RequestHandler{
			"/ingest/v1/events": h.ServeHTTP,
			"/ingest/v1/stream": h.ServeWebSocket,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.ServeHTTP(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		h.Close()
		_ = s.Shutdown(ctx)
		e.Close()
	})
	return &testServer{engine: e, addr: l.Addr().String()}
}
