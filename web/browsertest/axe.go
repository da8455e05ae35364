package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeTags are the axe-core rule tags the pages are checked against: WCAG 2.0
// and 2.1 levels A and AA, and axe's best practices.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"}

// axeModulePath is where `npm ci --prefix tools/a11y` puts axe-core, from the
// repository root.
const axeModulePath = "tools/a11y/node_modules/axe-core/axe.min.js"

// Violation is one axe-core rule a page breaks, with the elements that break it.
type Violation struct {
	ID      string          `json:"id"`
	Impact  string          `json:"impact"` // minor, moderate, serious or critical
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target         string `json:"target"` // a CSS selector of the element
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// Serious reports whether the violation is serious or critical, the impacts
// no page may have.
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// String is the violation with every element that breaks it, for a test log.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s\n      %s", n.Target, strings.ReplaceAll(strings.TrimSpace(n.FailureSummary), "\n", "\n      "))
	}
	return b.String()
}

var axeSource struct {
	sync.Mutex
	path, script string
}

// AxeScriptPath finds axe.min.js: $AXE_CORE_JS, or tools/a11y's node_modules
// in the working directory or one above it. It answers "" when there is none.
func AxeScriptPath() string {
	if p := os.Getenv("AXE_CORE_JS"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(axeModulePath))
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// axeScript reads axe.min.js once. Without it the test is skipped, or fails
// under CI=true.
func axeScript(t testing.TB) string {
	t.Helper()
	axeSource.Lock()
	defer axeSource.Unlock()
	if axeSource.script != "" {
		return axeSource.script
	}
	path := AxeScriptPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("axe-core not found; CI requires it (npm ci --prefix tools/a11y, or set AXE_CORE_JS)")
		}
		t.Skip("axe-core not found (npm ci --prefix tools/a11y): accessibility check skipped")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "true" && errors.Is(err, os.ErrNotExist) {
			t.Skipf("axe-core not found at %s: accessibility check skipped", path)
		}
		t.Fatalf("read axe-core: %v", err)
	}
	axeSource.path, axeSource.script = path, string(b)
	return axeSource.script
}

// axeRun runs axe over the whole document and answers its violations with
// each element's selector flattened to one string (a selector into a shadow
// root or frame is a list).
const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: %s},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({
    target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : s).join(' >>> '),
    html: n.html,
    failureSummary: n.failureSummary || '',
  })),
})))`

// Axe checks the page open in ctx with axe-core and answers every violation
// of AxeTags, of any impact. page names the page and its state in failures.
// axe is put into the page through DevTools, which the page's content
// security policy does not govern. Without axe-core the test is skipped, or
// fails under CI=true.
func Axe(t testing.TB, ctx context.Context, page string) []Violation {
	t.Helper()
	script := axeScript(t)
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`))
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](script+"\n;true")); err != nil {
			t.Fatalf("%s: load axe-core: %v", page, err)
		}
	}
	tags := `['` + strings.Join(AxeTags, `', '`) + `']`
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", page, err)
	}
	return vs
}

// RequireNoSeriousViolations fails t, listing each serious or critical
// violation axe-core finds on the page open in ctx with the elements that
// break it. Lesser ones are logged.
func RequireNoSeriousViolations(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	var serious, minor []string
	for _, v := range Axe(t, ctx, page) {
		if v.Serious() {
			serious = append(serious, v.String())
		} else {
			minor = append(minor, v.String())
		}
	}
	if len(minor) > 0 {
		t.Logf("%s: %d lesser accessibility violations:\n  %s", page, len(minor), strings.Join(minor, "\n  "))
	}
	if len(serious) > 0 {
		t.Errorf("%s: %d serious or critical accessibility violations:\n  %s", page, len(serious), strings.Join(serious, "\n  "))
	}
}
