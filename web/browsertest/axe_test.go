package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/web/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// failures stands in for a test to see what RequireNoSeriousViolations
// reports.
type failures struct {
	testing.TB
	errors []string
}

func (f *failures) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *failures) Logf(string, ...any) {}

// pages are served with a content security policy as strict as the app's,
// which forbids inline script: axe must run all the same.
func pages(t *testing.T) string {
	pages := map[string]string{
		"/clean": `<!doctype html><html lang="en"><head><title>Clean</title></head>
<body><main><h1>Clean</h1><p>Readable text.</p><img src="data:," alt="A dot"></main></body></html>`,
		"/broken": `<!doctype html><html lang="en"><head><title>Broken</title><link rel="stylesheet" href="/faint.css"></head>
<body><main><h1>Broken</h1><p id="faint" class="faint">Faint text.</p><img id="photo" src="data:,"></main>
<script>window.inlineRan = true;</script></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		if r.URL.Path == "/faint.css" {
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, ".faint { color: #c8c8c8; background: #fff; }")
			return
		}
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Axe finds a missing alternative text (critical) and faint text (serious)
// on a page whose policy forbids inline script, and nothing on a clean one;
// RequireNoSeriousViolations fails naming both rules and their elements,
// and passes the clean page.
func TestAxe(t *testing.T) {
	base := pages(t)
	ctx := browsertest.New(t, 800, 600)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/broken")); err != nil {
		t.Fatal(err)
	}
	if ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.inlineRan === true`)); err != nil || ran {
		t.Fatalf("the page's inline script ran (%v, %v): its policy is not in force and the test proves nothing", ran, err)
	}
	impacts := map[string]string{}
	targets := map[string][]string{}
	for _, v := range browsertest.Axe(t, ctx, "/broken") {
		impacts[v.ID] = v.Impact
		for _, n := range v.Nodes {
			targets[v.ID] = append(targets[v.ID], n.Target)
			if n.FailureSummary == "" {
				t.Errorf("%s on %s: no failure summary", v.ID, n.Target)
			}
		}
		if !strings.HasPrefix(v.HelpURL, "https://") || v.Help == "" {
			t.Errorf("%s: help %q at %q", v.ID, v.Help, v.HelpURL)
		}
	}
	if impacts["image-alt"] != "critical" || strings.Join(targets["image-alt"], ",") != "#photo" {
		t.Errorf("image-alt: %q on %v, want critical on #photo", impacts["image-alt"], targets["image-alt"])
	}
	if impacts["color-contrast"] != "serious" || strings.Join(targets["color-contrast"], ",") != "#faint" {
		t.Errorf("color-contrast: %q on %v, want serious on #faint", impacts["color-contrast"], targets["color-contrast"])
	}

	f := &failures{TB: t}
	browsertest.RequireNoSeriousViolations(f, ctx, "/broken")
	if len(f.errors) != 1 {
		t.Fatalf("RequireNoSeriousViolations reported %d failures, want 1: %q", len(f.errors), f.errors)
	}
	for _, want := range []string{"/broken", "image-alt (critical)", "#photo", "color-contrast (serious)", "#faint"} {
		if !strings.Contains(f.errors[0], want) {
			t.Errorf("the failure does not name %q:\n%s", want, f.errors[0])
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/clean")); err != nil {
		t.Fatal(err)
	}
	if vs := browsertest.Axe(t, ctx, "/clean"); len(vs) != 0 {
		t.Errorf("a clean page has violations: %v", vs)
	}
	f = &failures{TB: t}
	browsertest.RequireNoSeriousViolations(f, ctx, "/clean")
	if len(f.errors) != 0 {
		t.Errorf("a clean page fails: %q", f.errors)
	}
}
