package browsertest

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRendersLocalPage starts the browser, loads a page from a
// loopback server and reads back what its script wrote into the DOM.
func TestBrowserRendersLocalPage(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><p id="out">waiting</p><script>document.getElementById("out").textContent = String(6*7)</script>`))
	})}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })

	ctx := New(t)
	Navigate(t, ctx, "http://"+listener.Addr().String()+"/")
	WaitFor(t, ctx, `document.getElementById("out").textContent === "42"`, 30*time.Second)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
	if err != nil {
		t.Fatal(err)
	}
	if n := Eval[int](t, ctx, `6*7`); n != 42 {
		t.Fatalf("Eval gave %d", n)
	}
	if path := Screenshot(t, ctx, "browsertest.png"); path == "" {
		t.Fatal("no screenshot path")
	}
	if text != "42" {
		t.Fatalf("page says %q, want 42", text)
	}
}
