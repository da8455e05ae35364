package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// cutTextScript lists the visible elements whose own text is cut: wider
// than its box (scrollWidth > clientWidth), taller than a box that hides
// its overflow, or shortened by text-overflow: ellipsis. Elements hidden on
// purpose for sighted readers (the visually-hidden pattern: clipped to 1 px)
// are not seen and not checked. Each is named by its tag, id or class and
// its text.
const cutTextScript = `(() => {
  const out = [];
  const seen = (e) => {
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.display === 'none' || s.visibility === 'hidden' || n.hidden) return false;
      if (n.classList.contains('visually-hidden')) return false;
    }
    return e.getClientRects().length > 0;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  for (const e of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION'].includes(e.tagName)) continue;
    const own = [...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim() !== '');
    if (!own || !seen(e)) continue;
    // An inline element is as wide as its text: its block is the box that
    // may cut it.
    let box = e;
    while (box && getComputedStyle(box).display.startsWith('inline') && box.parentElement) box = box.parentElement;
    const s = getComputedStyle(box);
    const text = e.textContent.trim().slice(0, 60);
    if (box.scrollWidth > box.clientWidth + 1) out.push(name(e) + ' is wider than its box (' + box.scrollWidth + ' > ' + box.clientWidth + 'px): ' + text);
    else if (s.overflowY !== 'visible' && box.scrollHeight > box.clientHeight + 1) out.push(name(e) + ' is taller than its box (' + box.scrollHeight + ' > ' + box.clientHeight + 'px): ' + text);
    else if (s.textOverflow === 'ellipsis' && box.scrollWidth > box.clientWidth) out.push(name(e) + ' ends in an ellipsis: ' + text);
  }
  return [...new Set(out)];
})()`

// CutText returns the visible texts of the page that are cut (see
// cutTextScript), one line each; none: nil.
func CutText(t testing.TB, ctx context.Context) []string {
	t.Helper()
	cut, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](cutTextScript))
	if err != nil {
		t.Fatalf("look for cut text: %v", err)
	}
	return cut
}

// RequireNoCutText takes a screenshot of the page as it is now, keeps it in
// $OKIENKO_SCREENSHOTS/name.png when that variable names a directory, and
// fails the test when a visible text on it is cut.
func RequireNoCutText(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("%s: the screenshot is not a PNG (%d bytes)", name, len(png))
	}
	if dir := os.Getenv("OKIENKO_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Errorf("%s: keep the screenshot: %v", name, err)
		}
	}
	if cut := CutText(t, ctx); len(cut) > 0 {
		t.Errorf("%s: text cut on the screen:\n  %s", name, strings.Join(cut, "\n  "))
	}
}
