// Package browsertest drives Debian's Chromium (headless) with chromedp for
// the browser tests of every page. Without Chromium the tests are skipped,
// or fail under CI=true.
//
// One browser process serves every test of a package: each test gets a tab
// in a browser context of its own (its own cookies, storage and cache), so
// tests stay apart without paying a browser start each. A package that uses
// New ends the browser from its TestMain with Main.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
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

// Zone is the time zone the browser runs in: far from the office's
// (Europe/Warsaw) and from the machine's, so a page that shows the
// browser's zone instead of the office's fails its test.
const Zone = "America/Los_Angeles"

// shared is the package's browser, started by the first test that needs it.
var shared struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's first tab; its children are tests' tabs
	cancel func()
}

// browserContext returns the shared browser, starting it when there is none
// or the last one has died.
func browserContext(path string) (context.Context, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx != nil && shared.ctx.Err() == nil {
		return shared.ctx, nil
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Tabs of tests waiting on another tab must not be slowed down.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", "pl-PL"),
		// Headless Chromium ignores --lang for Accept-Language; pages that
		// choose their language from it should see a Polish browser.
		chromedp.Flag("accept-lang", "pl-PL,pl"),
		chromedp.Env("TZ=" + Zone),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first run starts the browser; it must not carry a timeout, or the
	// timeout would end the browser.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, err
	}
	shared.ctx = browserCtx
	shared.cancel = func() {
		cancelBrowser()
		cancelAlloc()
	}
	return browserCtx, nil
}

// Main runs the tests of m and then ends the shared browser. Call it from
// the TestMain of a package that uses New: os.Exit(browsertest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	if shared.cancel != nil {
		shared.cancel()
		shared.ctx, shared.cancel = nil, nil
	}
	shared.mu.Unlock()
	return code
}

// New opens a tab for t in a fresh browser context of the shared headless
// Chromium, with a window of width×height, and returns a chromedp context
// that closes the tab (and drops its cookies and storage) when the test
// ends. Every action under it is bounded by two minutes so a stuck page
// fails, not hangs.
func New(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found; CI requires it (apt-get install chromium)")
		}
		t.Skip("Chromium not found: browser tests skipped")
	}
	parent, err := browserContext(path)
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tabCtx, cancelTab := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tabCtx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
	})
	if err := chromedp.Do(ctx, resizeWindow(width, height)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}

// resizeWindow gives the tab's window the size a browser started with
// --window-size would have.
func resizeWindow(width, height int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		w, err := cdp.Call(ctx, t, browser.GetWindowForTarget, browser.GetWindowForTargetParams{})
		if err != nil {
			return fmt.Errorf("find the tab's window: %w", err)
		}
		_, err = cdp.Call(ctx, t, browser.SetWindowBounds, browser.SetWindowBoundsParams{
			WindowID: w.WindowID, Bounds: &browser.Bounds{Width: int64(width), Height: int64(height)},
		})
		if err != nil {
			return fmt.Errorf("resize the tab's window: %w", err)
		}
		return nil
	})
}

// OnNewDocument runs script in every page the tab loads from now on, before
// the page's own scripts: a test stands in for what the browser would
// decide (its autoplay policy, say) this way.
func OnNewDocument(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	})
}
