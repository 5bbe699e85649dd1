package server

import (
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ucpresence/presence/internal/browsertest"
)

// TestSDKSampleFlowInBrowser runs testdata/sdkpage.html (a page of our own
// that does what the SDK's browser samples do) in headless Chromium, served
// from another origin than presenced: the CORS preflight, createsession,
// V1 invokes read with JSON.parse(data)[0], a page quiet for three idle
// timeouts that stays connected (the browser answers the server's pings),
// a colleague's change arriving as a V1 event, destroysession closing it.
func TestSDKSampleFlowInBrowser(t *testing.T) {
	const idle = 2 * time.Second
	ts := startServer(t, func(c *Config) {
		c.IdleTimeout = idle
		c.KeepAliveInterval = idle / 4
	})
	pages, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	page := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/sdkpage.html")
	})}
	go func() { _ = page.Serve(pages) }()
	t.Cleanup(func() { _ = page.Close() })

	ctx := browsertest.New(t)
	q := url.Values{"server": {"http://" + ts.httpAddr}, "user": {"alice"}, "pass": {"pw"}, "watch": {"sip:bob@x"}}
	browsertest.Navigate(t, ctx, "http://"+pages.Addr().String()+"/sdkpage.html?"+q.Encode())
	browsertest.WaitFor(t, ctx, `state.subscribed || state.errors.length > 0`, 30*time.Second)
	if errs := browsertest.Eval[[]string](t, ctx, `state.errors`); len(errs) > 0 {
		t.Fatalf("page errors: %v", errs)
	}
	if id := browsertest.Eval[string](t, ctx, `state.contactid`); id != "sip:alice@x" {
		t.Fatalf("asnGetLoggedInContact gave contact %q", id)
	}

	// Quiet for three idle timeouts: only the browser's pongs keep it.
	deadline := time.Now().Add(3 * idle)
	for time.Now().Before(deadline) {
		if browsertest.Eval[bool](t, ctx, `state.closed`) {
			t.Fatalf("the page's socket was closed while quiet (code %d)", browsertest.Eval[int](t, ctx, `state.closeCode`))
		}
		time.Sleep(200 * time.Millisecond) // polling the page, not synchronising
	}

	// bob changes his state the way ChangePresence.html does.
	bob := &sdkPage{t: t, base: "http://" + ts.httpAddr, origin: "http://" + pages.Addr().String()}
	bob.createSession("bob")
	bob.open()
	defer bob.ws.Close()
	bob.result(bob.invoke("asnAbsentStateSetUser", map[string]any{"_type": "AsnAbsentStateSetUserArgument",
		"absentstate": map[string]any{"_type": "AsnAbsentState", "u8sContactId": "sip:bob@x", "u8sUsername": "", "stTimeFrom": "", "stTimeTo": "",
			"iAbsentState": 3, "u8sMessage": "", "u8sAbsentReason": "", "iPresenceState": 0, "optionalParams": map[string]any{}},
		"optionalParams": map[string]any{}}))
	browsertest.WaitFor(t, ctx, `state.lastAbsent === 3 || state.errors.length > 0`, 30*time.Second)
	if got := browsertest.Eval[string](t, ctx, `state.lastEventType`); got != "AsnUpdatePresenceArgument" {
		t.Fatalf("event type %q", got)
	}

	browsertest.Eval[any](t, ctx, `destroySession(), null`)
	browsertest.WaitFor(t, ctx, `state.closed && state.destroyStatus === 200`, 30*time.Second)
	browsertest.Screenshot(t, ctx, "sdkpage.png")
	if errs := browsertest.Eval[[]string](t, ctx, `state.errors`); len(errs) > 0 {
		t.Fatalf("page errors: %v", errs)
	}
	if got := ts.s.metrics.loginFailures.Load(); got != 0 {
		t.Fatalf("%d login failures (preflights are not logins)", got)
	}
	if got := ts.s.metrics.corsPreflights.Load(); got == 0 {
		t.Fatal("the browser sent no preflight: the page was not cross-origin")
	}
}
