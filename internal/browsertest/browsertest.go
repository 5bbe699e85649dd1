// Package browsertest starts a real headless Chromium for tests and drives it
// with chromedp. Tests that need a browser call New; on a machine without
// Chromium it installs the Debian package (when running as root with apt-get)
// or skips the test with the reason. Set PRESENCE_REQUIRE_BROWSER=1 (CI does)
// to turn that skip into a failure, so a missing browser cannot pass silently.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the executables tried in order; Debian's package installs
// /usr/bin/chromium.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

var (
	findOnce sync.Once
	found    string
	findErr  error
)

// Path returns the Chromium executable, installing Debian's chromium package
// once per process if none is found and the process may do so.
func Path() (string, error) {
	findOnce.Do(func() {
		if p := lookup(); p != "" {
			found = p
			return
		}
		if err := install(); err != nil {
			findErr = fmt.Errorf("browsertest: no chromium on PATH and cannot install it: %w", err)
			return
		}
		if found = lookup(); found == "" {
			findErr = errors.New("browsertest: chromium installed but not found on PATH")
		}
	})
	return found, findErr
}

func lookup() string {
	if p := os.Getenv("PRESENCE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// install runs apt-get install chromium (Debian) when running as root. It
// takes about a minute on a fresh machine; later runs find the binary.
func install() error {
	if os.Geteuid() != 0 {
		return errors.New("not root, so apt-get cannot run")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("apt-get not found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "apt-get", "install", "-y", "--no-install-recommends", "chromium")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install chromium: %v: %s", err, tail(out, 400))
	}
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// New starts a headless Chromium for the test and returns a chromedp context
// for its first tab. The browser is closed when the test ends. Without a
// browser the test is skipped with the reason, or fails when
// PRESENCE_REQUIRE_BROWSER=1.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := Path()
	if err != nil {
		if os.Getenv("PRESENCE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("PRESENCE_REQUIRE_BROWSER=1 but: %v", err)
		}
		t.Skipf("skipping browser test: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		// This machine's network is closed: without these Chromium opens
		// many connections to Google's hosts at start and after.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// Start the browser now so a failure to launch is reported here. The
	// first call must run on ctx itself (a timeout on it would stop the
	// browser when it fires), so a launch that hangs is cut by a timer.
	watchdog := time.AfterFunc(60*time.Second, cancelCtx)
	err = chromedp.Do(ctx)
	watchdog.Stop()
	if err != nil {
		cancelCtx()
		cancelAlloc()
		if os.Getenv("PRESENCE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("cannot start chromium %s: %v", path, err)
		}
		t.Skipf("skipping browser test: cannot start chromium %s: %v", path, err)
	}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// NewTab opens another tab (its own page and JavaScript context) in the
// browser of ctx; it is closed when the test ends.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	t.Cleanup(cancel)
	return tab
}

// Navigate loads url in the tab of ctx and fails the test if it cannot.
func Navigate(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

// Eval evaluates a JavaScript expression in the tab of ctx and decodes its
// value into T (JSON rules), failing the test on error.
func Eval[T any](t testing.TB, ctx context.Context, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// OutputDir is where tests save screenshots and other artefacts: the
// directory named by PRESENCE_TEST_OUTPUT, else <tmp>/presence-test-output.
// It is created if needed and survives the test.
func OutputDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PRESENCE_TEST_OUTPUT")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "presence-test-output")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("output dir: %v", err)
	}
	return dir
}

// Screenshot saves a full-page screenshot of the tab to OutputDir/name and
// returns its path: a PNG when name ends in .png (lossless, for checking a
// layout by eye), else a JPEG of quality 90 (a quarter of the size).
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	quality := 90 // chromedp: below 100 is JPEG, 100 is PNG
	if strings.HasSuffix(strings.ToLower(name), ".png") {
		quality = 100
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(quality))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(OutputDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// WaitFor evaluates the JavaScript expression every 20 ms until it is true
// or the timeout passes; it returns how long that took. A false expression at
// the deadline fails the test with what the expression last gave.
func WaitFor(t testing.TB, ctx context.Context, expression string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expression))
		if err == nil && ok {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: last error %v", timeout, expression, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
