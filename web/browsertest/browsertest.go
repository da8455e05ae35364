// Package browsertest drives Debian's Chromium (headless) with chromedp for
// the browser tests of every page. Without Chromium the tests are skipped,
// or fail under CI=true.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds the browser: $CHROMIUM, /usr/bin/chromium, or chromium
// on PATH.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// New starts a headless Chromium for t with a fresh profile and a window of
// width×height, and returns a chromedp context that ends with the test. Every
// action under it is bounded by a minute so a stuck page fails, not hangs.
func New(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found; CI requires it (apt-get install chromium)")
		}
		t.Skip("Chromium not found: browser tests skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "pl-PL"),
		// Headless Chromium ignores --lang for Accept-Language; pages that
		// choose their language from it should see a Polish browser.
		chromedp.Flag("accept-lang", "pl-PL,pl"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first run starts the browser; it must not carry a timeout, or the
	// timeout would end the browser. Later actions run under one.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}
