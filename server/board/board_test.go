package board

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/internal/browsertest"
)

// serve starts the board's routes on a loopback listener; sessions "s-alice"
// (administrator) and "s-bob" exist.
func serve(t *testing.T) string {
	t.Helper()
	b, err := New(Config{
		SessionUser: func(id string) (string, bool) {
			u, ok := map[string]string{"s-alice": "sip:alice@x", "s-bob": "sip:bob@x"}[id]
			return u, ok
		},
		Contacts:        func() []string { return []string{"sip:alice@x", "sip:bob@x"} },
		IsAdministrator: func(u string) bool { return u == "sip:alice@x" },
		Metrics:         func(w io.Writer) { _, _ = io.WriteString(w, "presenced_connections 3\n") },
	})
	if err != nil {
		t.Fatal(err)
	}
	routes := b.Routes()
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if h, ok := routes[string(ctx.Path())]; ok {
			h(ctx)
			return
		}
		if string(ctx.Path()) == "/" {
			b.Redirect(ctx)
			return
		}
		ctx.Error("not found", 404)
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + l.Addr().String()
}

func get(t *testing.T, url, session string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if session != "" {
		req.Header.Set("X-ucsessionid", session)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestNewNeedsEveryFunction(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New accepted an empty Config")
	}
}

func TestPageAndAssetsCarryCSP(t *testing.T) {
	base := serve(t)
	for path, want := range map[string]string{
		"/board/":            "text/html",
		"/board/app.js":      "text/javascript",
		"/board/rose.js":     "text/javascript",
		"/board/presence.js": "text/javascript",
		"/board/operator.js": "text/javascript",
		"/board/style.css":   "text/css",
	} {
		resp, body := get(t, base+path, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("Content-Security-Policy") != ContentSecurityPolicy || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers %v", path, resp.Header)
		}
		if len(body) == 0 {
			t.Errorf("%s: empty", path)
		}
	}
	resp, _ := get(t, base+"/", "")
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), "/board/") {
		t.Fatalf("/: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := get(t, base+"/board/", ""); strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Fatal("index.html has inline script or style, which the CSP forbids")
	}
}

// TestPageNeverUsesInnerHTML guards the rule that server data goes into
// the page as text: no script of the board assigns HTML.
func TestPageNeverUsesInnerHTML(t *testing.T) {
	for name, f := range mustNew(t).files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(f.body), bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

func mustNew(t *testing.T) *Board {
	b, err := New(Config{SessionUser: func(string) (string, bool) { return "", false }, Contacts: func() []string { return nil },
		IsAdministrator: func(string) bool { return false }, Metrics: func(io.Writer) {}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDirectoryNeedsASession(t *testing.T) {
	base := serve(t)
	if resp, _ := get(t, base+"/board/api/directory", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %d", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/board/api/directory?x-ucsessionid=s-bob", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session in the URL accepted: %d", resp.StatusCode)
	}
	resp, body := get(t, base+"/board/api/directory", "s-bob")
	var d directoryAnswer
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &d) != nil || d.User != "sip:bob@x" || d.Administrator || len(d.Contacts) != 2 {
		t.Fatalf("directory for bob: %d %s", resp.StatusCode, body)
	}
}

func TestMetricsOnlyForAdministrators(t *testing.T) {
	base := serve(t)
	if resp, _ := get(t, base+"/board/api/metrics", "s-bob"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bob: %d", resp.StatusCode)
	}
	if resp, _ := get(t, base+"/board/api/metrics", "nope"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown session: %d", resp.StatusCode)
	}
	resp, body := get(t, base+"/board/api/metrics", "s-alice")
	if resp.StatusCode != 200 || body != "presenced_connections 3\n" {
		t.Fatalf("alice: %d %q", resp.StatusCode, body)
	}
}

// TestDescribeInBrowser runs presence.js's describe in Chromium on the
// states the board must tell apart (docs/BOARD.md §2).
func TestDescribeInBrowser(t *testing.T) {
	base := serve(t)
	ctx := browsertest.New(t)
	browsertest.Navigate(t, ctx, base+"/board/")
	browsertest.WaitFor(t, ctx, `!!window.board`, 30*time.Second)
	const now = `new Date('2026-03-11T09:30:00')` // a Wednesday
	for _, c := range []struct{ presence, want string }{
		{`{iPresenceState: 1}`, "available"},
		{`{iPresenceState: 2}`, "busy"},
		{`{iPresenceState: 2 | 0x01000000}`, "on the phone: ringing"},
		{`{iPresenceState: 2 | 0x04000000}`, "on the phone: connected"},
		{`{iPresenceState: 2 | 0x02000000, seqActualAppointments: [{stEnd: '2026-03-11T11:00:00', u8sSubject: 'Standup'}]}`, "in a meeting until 11:00"},
		{`{iPresenceState: 3, asnAbsentState: {eAbsentState: 1, stTimeTo: '2026-03-16T08:00:00'}}`, "out of office until Monday"},
		{`{iPresenceState: 4, asnAbsentState: {eAbsentState: 3}}`, "do not disturb"},
		{`{iPresenceState: 1 | 0x20000000}`, "inactive"},
		{`{iPresenceState: 1 | 0x08000000}`, "offline"},
		{`{iPresenceState: 0}`, "not shared"},
		{`{iPresenceState: 4 | 0x01000000}`, "do not disturb"}, // DND is never overridden
	} {
		got := browsertest.Eval[string](t, ctx, `board.presence.describe(`+c.presence+`, `+now+`).text`)
		if got != c.want {
			t.Errorf("describe(%s) = %q, want %q", c.presence, got, c.want)
		}
	}
	// merge: calls by iAction, other sections replaced.
	n := browsertest.Eval[int](t, ctx, `(() => {
		const m = board.presence.merge;
		let p = m({}, {u8sContactId: 'x', seqCalls: [{u8sConnectionID: 'a', iAction: 0}, {u8sConnectionID: 'b', iAction: 0}]});
		p = m(p, {seqCalls: [{u8sConnectionID: 'a', iAction: 2}]});
		return p.seqCalls.length * 10 + (p.u8sContactId === 'x' ? 1 : 0);
	})()`)
	if n != 11 {
		t.Fatalf("merge gave %d, want one call left and the id kept (11)", n)
	}
}
