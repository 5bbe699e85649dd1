package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/internal/browsertest"
)

// presencedProcess is presenced run in-process by run(), as main does.
type presencedProcess struct {
	addrs  started
	cancel context.CancelFunc
	done   chan error
}

// startPresenced runs presenced with the demo directory on httpAddr
// ("127.0.0.1:0" for any port) and the store in dataDir.
func startPresenced(t *testing.T, httpAddr, dataDir string, extra ...string) *presencedProcess {
	t.Helper()
	args := append([]string{"-http", httpAddr, "-tcp=", "-pprof=", "-log-level", "warn", "-data", dataDir, "-ingest-token", "board-test"}, extra...)
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &presencedProcess{cancel: cancel, done: make(chan error, 1)}
	addrs := make(chan started, 1)
	go func() { p.done <- run(ctx, o, func(s started) { addrs <- s }) }()
	select {
	case p.addrs = <-addrs:
	case err := <-p.done:
		cancel()
		t.Fatalf("presenced did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("presenced did not start in 30 s")
	}
	t.Cleanup(p.stop)
	return p
}

func (p *presencedProcess) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	<-p.done
}

// postIngest posts NDJSON events; the answer means they are applied.
func postIngest(t *testing.T, addr string, lines ...string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/ingest/v1/events", strings.NewReader(strings.Join(lines, "\n")+"\n"))
	req.Header.Set("Authorization", "Bearer board-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(body), `"failed":[{`) {
		t.Fatalf("ingest: HTTP %d %s", resp.StatusCode, body)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return fmt.Sprintf("%q", s) }

func stateOf(contact string) string {
	return `(document.querySelector('[data-contact=` + jsString(contact) + `] .state-text') || {}).textContent`
}

func noteOf(contact string) string {
	return `(document.querySelector('[data-contact=` + jsString(contact) + `] .note-text') || {}).textContent`
}

// login fills the page's login form and waits for the contact list.
func boardLogin(t *testing.T, ctx context.Context, url, user string) {
	t.Helper()
	browsertest.Navigate(t, ctx, url)
	browsertest.WaitFor(t, ctx, `!!document.getElementById('login-form') && !!window.board`, 30*time.Second)
	browsertest.Eval[bool](t, ctx, `document.getElementById('login-user').value = `+jsString(user)+`;
		document.getElementById('login-password').value = 'demo';
		document.getElementById('login-form').requestSubmit(); true`)
	browsertest.WaitFor(t, ctx, `document.querySelectorAll('#contacts .card').length === 10 && !document.getElementById('app-view').hidden`, 30*time.Second)
}

// The budget for a change to show on another user's page (the issue's
// acceptance: "within 1 s"). Everything else waits generously: the machine
// is shared and Chromium's start alone can take seconds.
const liveBudget = time.Second

// TestBoardInBrowser drives the board in headless Chromium: two users, a
// change through ingest and through the other user's page shown live, a
// note with HTML shown as text, a rights challenge answered, and the page
// reconnecting after presenced restarts.
func TestBoardInBrowser(t *testing.T) {
	dataDir := t.TempDir()
	p := startPresenced(t, "127.0.0.1:0", dataDir)
	url := p.addrs.Board
	const bob, alice = "sip:bob@example.com", "sip:alice@example.com"

	browser := browsertest.New(t)
	alicePage := browser
	bobPage := browsertest.NewTab(t, browser)
	boardLogin(t, alicePage, url, "alice")
	boardLogin(t, bobPage, url, "bob")
	browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'available'`, 30*time.Second)

	// 1. Through ingest: bob's phone rings, then he talks.
	postIngest(t, p.addrs.HTTP, `{"op":"putCall","contact":"`+bob+`","call":{"connectionId":"c1","lineUri":"tel:+4981511234101","lineNumber":"101","remoteNumber":"+4930123456","state":"offering"}}`)
	took := browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'on the phone: ringing'`, liveBudget)
	t.Logf("ingest -> alice's page: %v", took)
	postIngest(t, p.addrs.HTTP, `{"op":"putCall","contact":"`+bob+`","call":{"connectionId":"c1","lineUri":"tel:+4981511234101","lineNumber":"101","remoteNumber":"+4930123456","state":"connected"}}`)
	browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'on the phone: connected'`, liveBudget)
	postIngest(t, p.addrs.HTTP, `{"op":"removeCall","contact":"`+bob+`","connectionId":"c1"}`)
	browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'available'`, liveBudget)

	// 2. Through bob's page: a note with HTML in it, then out of office.
	const note = `<script>window.pwned=1</script><b id="bold">back</b> & <img src=x onerror="window.pwned=2">`
	browsertest.Eval[bool](t, bobPage, `document.getElementById('note-text').value = `+jsString(note)+`;
		document.getElementById('note-form').requestSubmit(); true`)
	took = browsertest.WaitFor(t, alicePage, noteOf(bob)+` === `+jsString(note), liveBudget)
	t.Logf("bob's page -> alice's page: %v", took)
	if n := browsertest.Eval[int](t, alicePage, `document.querySelectorAll('#contacts script, #contacts b, #contacts img[src="x"]').length`); n != 0 {
		t.Fatalf("the note became %d elements on alice's page", n)
	}
	if pwned := browsertest.Eval[bool](t, alicePage, `window.pwned !== undefined`); pwned {
		t.Fatal("the note's script ran")
	}
	browsertest.Eval[bool](t, bobPage, `document.getElementById('absent-state').value = '1';
		document.getElementById('absent-until').value = '';
		document.getElementById('absent-form').requestSubmit(); true`)
	browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'out of office'`, liveBudget)
	browsertest.WaitFor(t, bobPage, `document.getElementById('my-state').textContent === 'out of office'`, 10*time.Second)

	// 3. Bob's rights list, as the demo directory sets it.
	browsertest.Eval[bool](t, bobPage, `document.querySelector('[data-view="rights-view"]').click(); true`)
	browsertest.WaitFor(t, bobPage, `!!document.querySelector('#rights-list tr[data-remote="`+alice+`"]')`, 10*time.Second)
	level := browsertest.Eval[string](t, bobPage, `document.querySelector('#rights-list tr[data-remote="`+alice+`"] select').selectedOptions[0].textContent`)
	if level != "personal" {
		t.Fatalf("bob's list gives alice %q, the demo directory says personal", level)
	}

	out := browsertest.OutputDir(t)
	browsertest.Screenshot(t, bobPage, "board-rights.jpg")
	browsertest.Screenshot(t, alicePage, "board.jpg")

	// 4. The operator view (alice is the administrator).
	browsertest.Eval[bool](t, alicePage, `document.getElementById('operator-tab').click(); true`)
	browsertest.WaitFor(t, alicePage, `document.querySelector('[data-chart="connections"] .value').textContent === '2'`, 30*time.Second)
	browsertest.Screenshot(t, alicePage, "operator.jpg")
	if hidden := browsertest.Eval[bool](t, bobPage, `document.getElementById('operator-tab').hidden`); !hidden {
		t.Fatal("bob, not an administrator, is offered the operator view")
	}
	browsertest.Eval[bool](t, alicePage, `document.querySelector('[data-view="contacts-view"]').click(); true`)

	// 5. presenced restarts on the same address and store: both pages
	// reconnect by themselves and show live changes again.
	p.stop()
	browsertest.WaitFor(t, alicePage, `document.getElementById('connection').dataset.state !== 'connected'`, 30*time.Second)
	p = startPresenced(t, p.addrs.HTTP, dataDir)
	browsertest.WaitFor(t, alicePage, `document.getElementById('connection').dataset.state === 'connected' && document.querySelectorAll('#contacts .card').length === 10`, 60*time.Second)
	browsertest.WaitFor(t, bobPage, `document.getElementById('connection').dataset.state === 'connected'`, 60*time.Second)
	// The store kept bob's note and absent state across the restart.
	browsertest.WaitFor(t, alicePage, noteOf(bob)+` === `+jsString(note), 10*time.Second)
	postIngest(t, p.addrs.HTTP, `{"op":"resetAbsent","contact":"`+bob+`"}`, `{"op":"putCall","contact":"`+bob+`","call":{"connectionId":"c2","lineUri":"tel:+4981511234101","state":"offering"}}`)
	took = browsertest.WaitFor(t, alicePage, stateOf(bob)+` === 'on the phone: ringing'`, liveBudget)
	t.Logf("after the restart, ingest -> alice's page: %v", took)
	t.Logf("screenshots in %s", filepath.Clean(out))
}

// TestBoardRightsChallengeInBrowser: without the demo's global Company
// list, bob's board subscribing to alice starts a rights challenge; it
// appears live on alice's page, she grants Team, and bob's page shows her
// presence within the live budget.
func TestBoardRightsChallengeInBrowser(t *testing.T) {
	yaml := string(directory.DemoYAML())
	const global = "  global:\n    \"*\": company\n"
	if !strings.Contains(yaml, global) {
		t.Fatal("the demo directory no longer has the global list this test removes")
	}
	file := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(yaml, global, "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startPresenced(t, "127.0.0.1:0", t.TempDir(), "-directory", file)
	const bob, alice = "sip:bob@example.com", "sip:alice@example.com"
	browser := browsertest.New(t)
	alicePage := browser
	bobPage := browsertest.NewTab(t, browser)
	boardLogin(t, alicePage, p.addrs.Board, "alice")
	boardLogin(t, bobPage, p.addrs.Board, "bob")
	if st := browsertest.Eval[string](t, bobPage, stateOf(alice)); st != "not shared" {
		t.Fatalf("bob sees alice as %q before she answers", st)
	}
	browsertest.WaitFor(t, alicePage, `!!document.querySelector('#challenge-list [data-challenger="`+bob+`"]') && !document.getElementById('challenges').hidden`, 10*time.Second)
	browsertest.Screenshot(t, alicePage, "board-challenge.jpg")
	browsertest.Eval[bool](t, alicePage, `document.querySelector('#challenge-list [data-challenger="`+bob+`"] button[aria-label$=" team"]').click(); true`)
	took := browsertest.WaitFor(t, bobPage, stateOf(alice)+` === 'available'`, liveBudget)
	t.Logf("alice grants team -> bob's page: %v", took)
	browsertest.WaitFor(t, alicePage, `document.getElementById('challenges').hidden`, 10*time.Second)
	browsertest.WaitFor(t, alicePage, `(document.querySelector('#rights-list tr[data-remote="`+bob+`"] select') || {selectedOptions: [{}]}).selectedOptions[0].textContent === 'team'`, 10*time.Second)
}
