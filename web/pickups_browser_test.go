package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident follows a document on a 390 px phone, in each language: the
// form takes the number as typed from the SMS (lower case, no dash) and
// leads to its page; the page says it is being prepared, then — once the
// clerk marks it ready — the room, and never what the document is. axe-core
// finds nothing serious on the form, its refusal, and both states.
func TestBrowserPickupOnPhone(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	resp, body := e.do("POST", "/api/v1/pickups", map[string]any{"what": "prawo jazdy kategorii B", "phone": "600100200"}, clerk...)
	if resp.StatusCode != 201 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	var p pickupAnswer
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	typed := strings.ToLower(strings.ReplaceAll(p.Number, "-", ""))
	b := e.siteBrowser(t, 390)
	for _, c := range []struct{ lang, inProgress, ready string }{
		{"pl", "w przygotowaniu", "Pokój 112"},
		{"en", "being prepared", "Room 112"},
		{"uk", "готується", "Кімната 112"},
	} {
		b.open("/odbior?lang="+c.lang, 200)
		if lang := b.text(`document.documentElement.lang`); lang != c.lang {
			t.Fatalf("the form is in %q, want %s", lang, c.lang)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "/odbior ("+c.lang+")")
		b.do(chromedp.SetValue(chromedp.CSS("#numer"), "zly"))
		b.navigate("a bad number", 422, chromedp.Click(chromedp.CSS("#pickup-submit")))
		if !b.is(`document.getElementById('numer').getAttribute('aria-invalid') === 'true'`) {
			t.Fatalf("%s: the bad number is not marked", c.lang)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "/odbior refused ("+c.lang+")")
		b.do(chromedp.SetValue(chromedp.CSS("#numer"), typed))
		b.navigate("the number", 200, chromedp.Click(chromedp.CSS("#pickup-submit")))
		if got := b.text(`document.getElementById('pickup-status').textContent`); !strings.Contains(got, c.inProgress) {
			t.Fatalf("%s: the page says %q", c.lang, got)
		}
		if b.is(`document.body.textContent.includes('prawo jazdy') || document.body.textContent.includes('600')`) {
			t.Fatalf("%s: the page shows the document or the phone", c.lang)
		}
		if !b.is(`document.documentElement.scrollWidth <= innerWidth`) {
			t.Fatalf("%s: the page is wider than the phone", c.lang)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "/odbior/{number} in progress ("+c.lang+")")
	}
	if resp, body := e.do("POST", "/api/v1/pickups/"+itoa(p.ID)+"/ready", `{"room":"112"}`, clerk...); resp.StatusCode != 200 {
		t.Fatalf("ready: %d %s", resp.StatusCode, body)
	}
	for _, c := range []struct{ lang, ready string }{{"pl", "Pokój 112"}, {"en", "Room 112"}, {"uk", "Кімната 112"}} {
		b.open("/odbior/"+p.Number+"?lang="+c.lang, 200)
		if got := b.text(`document.getElementById('pickup-room').textContent`); got != c.ready {
			t.Fatalf("%s: the room reads %q", c.lang, got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "/odbior/{number} ready ("+c.lang+")")
	}
}
