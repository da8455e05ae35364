package web_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// recordSound counts the chimes the page tries to play and the vibrations
// it asks for, instead of making them.
const recordSound = `window.__plays = 0; window.__vibrations = [];
HTMLMediaElement.prototype.play = function () { window.__plays++; return Promise.resolve(); };
Object.defineProperty(Navigator.prototype, 'vibrate', { configurable: true, value: function (p) { window.__vibrations.push(p); return true; } });`

// A resident follows the ticket in English: the matter's English name is
// shown as English, the counter's Polish name is marked Polish. A recall
// is announced (a new node of a polite live region, "Called again:
// Stanowisko 1"), chimes and vibrates, each time; a page loaded after
// recalls doesn't announce them again; in Ukrainian, where the matter has no
// name of its own, the matter's name is marked Polish, on the server's page
// and the live one. When service begins the recall note goes. axe-core
// finds nothing serious in these states.
func TestBrowserTicketPageAnnouncesARecall(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		service := counter.ServiceIDs[0]
		admin := bearer(e.adminToken())
		if resp, body := e.do("PATCH", "/api/v1/admin/services/"+itoa(service), map[string]any{"name_en": "Residence registration", "name_uk": ""}, admin...); resp.StatusCode != 200 {
			t.Fatalf("name the matter in English: %d %s", resp.StatusCode, body)
		}
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		mine, _, publicID := e.issueTicket(service)
		act := func(path string) {
			t.Helper()
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		recall := fmt.Sprintf("/api/v1/tickets/%d/recall", mine)

		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, phone.width, phone.height)}
		p.do(browsertest.OnNewDocument(recordSound), chromedp.Navigate(base+"/t/"+publicID+"?lang=en"))
		p.waitFor("the page live", `document.getElementById('refresh').hidden && document.getElementById('status-box').dataset.status === 'waiting'`)
		if got := p.text(`(() => { const s = document.getElementById('service'); return s.textContent + '|' + (s.getAttribute('lang') || document.documentElement.lang); })()`); got != "Residence registration|en" {
			t.Errorf("the matter in English: %q", got)
		}
		if !run(t, p.ctx, chromedp.Evaluate[bool](liveAdditions("recall"))) {
			t.Fatal("no observer")
		}

		act(cpath + "/next")
		p.waitFor("the call", `document.getElementById('status').textContent === 'Your turn: Stanowisko 1' && window.__vibrations.length === 1 && window.__plays === 1`)
		if got := p.text(`[...document.querySelectorAll('#status span')].map(s => s.lang + ':' + s.textContent).join('|')`); got != "pl:Stanowisko 1" {
			t.Errorf("the counter in the status: %q", got)
		}
		if n := run(t, p.ctx, chromedp.Evaluate[int](`window.__live.recall.length`)); n != 0 {
			t.Errorf("the first call wrote %d recalls", n)
		}

		// Called again, twice: each time a new announcement, a chime and a vibration.
		for i := 1; i <= 2; i++ {
			act(recall)
			p.waitFor(fmt.Sprintf("recall %d", i), fmt.Sprintf(`window.__live.recall.length === %d && window.__vibrations.length === %d && window.__plays === %d`, i, i+1, i+1))
		}
		got := run(t, p.ctx, chromedp.Evaluate[[]string](`window.__live.recall.concat(
			[...document.querySelectorAll('#recall p:last-child span')].map(s => s.lang + ':' + s.textContent),
			[document.getElementById('recall').getAttribute('aria-live'), String(document.getElementById('recall').getBoundingClientRect().height > 0)])`))
		if want := "Called again: Stanowisko 1|Called again: Stanowisko 1|pl:Stanowisko 1|polite|true"; strings.Join(got, "|") != want {
			t.Errorf("recalls: %q, want %q", got, want)
		}
		p.axeAt("/t/{public_id}?lang=en called again", phone)

		// The server's page in Ukrainian: the matter has no Ukrainian name.
		resp, body := e.do("GET", "/t/"+publicID+"?lang=uk", nil)
		for _, want := range []string{`<span id="service" lang="pl">`, `Ваша черга: <span lang="pl">Stanowisko 1</span>`, `data-recalls="2"`} {
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("the Ukrainian page lacks %s: %d", want, resp.StatusCode)
			}
		}
		if _, body := e.do("GET", "/t/"+publicID+"?lang=en", nil); !strings.Contains(string(body), `<span id="service">Residence registration</span>`) {
			t.Error("the English page marks the English name")
		}
		p.do(chromedp.Navigate(base + "/t/" + publicID + "?lang=uk"))
		p.waitFor("the Ukrainian page live", `document.getElementById('refresh').hidden && document.documentElement.lang === 'uk'`)
		if !run(t, p.ctx, chromedp.Evaluate[bool](liveAdditions("recall"))) {
			t.Fatal("no observer")
		}
		act(recall)
		p.waitFor("the third recall", `window.__live.recall.length === 1`)
		if got := p.text(`window.__live.recall[0] + '|' + document.getElementById('service').lang + '|' + window.__vibrations.length`); got != "Вас викликають повторно: Stanowisko 1|pl|1" {
			t.Errorf("the page loaded after two recalls: %q", got)
		}
		p.axeAt("/t/{public_id}?lang=uk called again", phone)

		// Served: the recall note goes.
		act(fmt.Sprintf("/api/v1/tickets/%d/start", mine))
		p.waitFor("service", `document.getElementById('status-box').dataset.status === 'serving' && document.getElementById('recall').childElementCount === 0`)
	})
}
