package main

import (
	"context"
	"io"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ucpresence/presence/internal/browsertest"
)

// TestBoardScreenshotsForDocs makes the PNG screenshots of docs/img: the
// demo's simulated office runs for 40 s, then alice's board and operator
// view are captured. It runs only when PRESENCE_BOARD_SCREENSHOTS names the
// output directory:
//
//	PRESENCE_BOARD_SCREENSHOTS=$PWD/docs/img go test ./cmd/presenced -run BoardScreenshots -v
func TestBoardScreenshotsForDocs(t *testing.T) {
	out := os.Getenv("PRESENCE_BOARD_SCREENSHOTS")
	if out == "" {
		t.Skip("set PRESENCE_BOARD_SCREENSHOTS=DIR to make the documentation's screenshots")
	}
	p := startPresenced(t, "127.0.0.1:0", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	office := &simulatedOffice{url: "http://" + p.addrs.HTTP + "/ingest/v1/events", token: "board-test", log: io.Discard,
		rand: mathrand.New(mathrand.NewPCG(1, 2))}
	go office.run(ctx)
	page := browsertest.New(t)
	boardLogin(t, page, p.addrs.Board, "alice")
	time.Sleep(40 * time.Second) // let the office move: meetings start, calls ring
	shoot := func(name string) {
		png, err := chromedp.Run(page, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shoot("board.png")
	browsertest.Eval[bool](t, page, `document.getElementById('operator-tab').click(); true`)
	time.Sleep(30 * time.Second)
	shoot("operator.png")
}
