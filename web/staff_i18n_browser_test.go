package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

var htmlLang = regexp.MustCompile(`<html lang="([a-z]+)">`)

// The server renders /clerk and /admin in the language of ?lang= (which the
// lang cookie then remembers), else of the cookie, else of Accept-Language,
// else Polish: <html lang> is right before any script runs, the language
// switch marks the current language, and the page carries the language's
// dictionary. The shared module, imported without ?v=, is revalidated on
// every load, so it is never older than the page.
func TestStaffPagesLanguage(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	for _, page := range []string{"/clerk", "/admin"} {
		for _, c := range []struct {
			name, query string
			headers     []string
			want        string
		}{
			{"nothing", "", nil, "pl"},
			{"?lang=en", "?lang=en", nil, "en"},
			{"?lang=uk", "?lang=uk", nil, "uk"},
			{"the cookie", "", []string{"Cookie", "lang=uk"}, "uk"},
			{"?lang= over the cookie", "?lang=en", []string{"Cookie", "lang=uk"}, "en"},
			{"Accept-Language", "", []string{"Accept-Language", "en-GB,en;q=0.9"}, "en"},
			{"the cookie over Accept-Language", "", []string{"Cookie", "lang=pl", "Accept-Language", "uk"}, "pl"},
			{"an unknown ?lang=", "?lang=de", []string{"Accept-Language", "uk-UA"}, "uk"},
		} {
			resp, body := e.do("GET", page+c.query, nil, c.headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d", page, c.name, resp.StatusCode)
			}
			m := htmlLang.FindSubmatch(body)
			if m == nil || string(m[1]) != c.want {
				t.Errorf("%s with %s: <html lang=%q>, want %q", page, c.name, m, c.want)
			}
			html := string(body)
			if want := `lang="` + c.want + `" hreflang="` + c.want + `" aria-current="true"`; !strings.Contains(html, want) || strings.Count(html, `aria-current="true"`) != 1 {
				t.Errorf("%s with %s: the switch does not mark %s alone as current", page, c.name, c.want)
			}
			for _, name := range []string{">Polski<", ">English<", ">Українська<"} {
				if !strings.Contains(html, name) {
					t.Errorf("%s with %s: no %s in the language switch", page, c.name, name)
				}
			}
			dict := regexp.MustCompile(`<script type="application/json" id="messages">([^<]*)</script>`).FindStringSubmatch(html)
			switch {
			case dict == nil:
				t.Errorf("%s with %s: no dictionary in the page", page, c.name)
			case c.want == "pl" && dict[1] != "null":
				t.Errorf("%s with %s: a dictionary in Polish: %.80s", page, c.name, dict[1])
			case c.want == "en" && !strings.Contains(dict[1], `"signin.password":"Password"`):
				t.Errorf("%s with %s: not the English dictionary: %.80s", page, c.name, dict[1])
			case c.want == "uk" && !strings.Contains(dict[1], `"signin.password":"Пароль"`):
				t.Errorf("%s with %s: not the Ukrainian dictionary: %.80s", page, c.name, dict[1])
			}
			cookie := resp.Header.Get("Set-Cookie")
			if strings.HasPrefix(c.query, "?lang=") && c.want == c.query[6:] {
				if !strings.Contains(cookie, "lang="+c.want) || !strings.Contains(cookie, "HttpOnly") {
					t.Errorf("%s with %s: Set-Cookie %q, want lang=%s remembered", page, c.name, cookie, c.want)
				}
			}
		}
	}

	// The module the pages import: revalidated on every load.
	resp, body := e.do("GET", "/static/okienko-ui.js", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" || etag == "" || !strings.Contains(string(body), "export function apiClient") {
		t.Fatalf("/static/okienko-ui.js: %d, Cache-Control %q, ETag %q", resp.StatusCode, resp.Header.Get("Cache-Control"), etag)
	}
	if resp, body := e.do("GET", "/static/okienko-ui.js", nil, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("/static/okienko-ui.js again: %d with %d bytes, want 304", resp.StatusCode, len(body))
	}
	// A page's own script, asked for with its version, may be kept.
	if resp, _ := e.do("GET", "/static/admin.js?v=test", nil); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=3600") {
		t.Errorf("/static/admin.js?v=: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// A clerk opens /clerk?lang=en: the sign-in screen and, once signed in, the
// counter choice and the work view are in English, with no serious or
// critical accessibility violation; the switch turns the page Ukrainian and
// the clerk stays signed in at the counter; in Ukrainian the page passes axe
// too. The script's texts (not only the template's) follow the language.
func TestBrowserClerkLanguages(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	counter := e.counterOf("Stanowisko 1")
	_, first, _ := e.issueTicket(counter.ServiceIDs[0])
	e.issueTicket(counter.ServiceIDs[0])
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

	p.do(chromedp.Navigate(base + "/clerk?lang=en"))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden && document.getElementById('loading').hidden`)
	if got := p.text(`document.documentElement.lang + '|' + document.getElementById('signin-heading').textContent + '|' + document.title`); got != "en|Sign in|Clerk’s desk — Okienko" {
		t.Errorf("the sign-in screen in English: %q", got)
	}
	// Every text of the template is in the English dictionary.
	if missing := p.text(`[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n).filter(k => !(k in MESSAGES.en)).join(' ')`); missing != "" {
		t.Errorf("template keys without English: %s", missing)
	}
	p.axeAt("/clerk?lang=en signing in", desktop, phone)
	p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

	p.do(chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser), chromedp.SendKeys(chromedp.CSS("#password"), "wrong-password\n"))
	p.waitFor("the refusal", `document.getElementById('alert').textContent === 'Wrong user name or password.'`)
	p.do(chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"))
	p.waitFor("the counter choice", `!document.getElementById('view-counters').hidden && document.querySelectorAll('#counter-list input').length > 0`)
	if got := p.text(`document.getElementById('counters-heading').textContent + '|' + document.getElementById('counter-open').textContent`); got != "Choose a counter|Open the counter" {
		t.Errorf("the counter choice in English: %q", got)
	}
	p.do(chromedp.Click(chromedp.CSS(`label[for="counter-` + itoa(counter.ID) + `"]`)))
	p.waitFor("the counter's matters", `!document.getElementById('counter-open').disabled`)
	p.do(chromedp.Click(chromedp.CSS("#counter-open")))
	p.waitFor("the work view", `!document.getElementById('view-work').hidden && document.querySelectorAll('#waiting-list tr').length === 2`)
	p.do(chromedp.KeyEvent("n"))
	p.waitFor("one called", `document.getElementById('current-number').textContent.startsWith(`+jsString(first)+`)`)
	// Words the script writes: the notice, the count with its plural, the state.
	p.waitFor("the English notice and count", `document.getElementById('notice').textContent === `+jsString(first+" called.")+` && document.getElementById('waiting-count').textContent.includes('1 person')`)
	p.axeAt("/clerk?lang=en at work, a ticket called", desktop)

	// The switch: Українська. The page reloads in Ukrainian, at the counter.
	if got := p.text(`[...document.querySelectorAll('#langs a')].map(a => a.lang + ':' + a.textContent + ':' + (a.getAttribute('aria-current') || '')).join(' ')`); got != "pl:Polski: en:English:true uk:Українська:" {
		t.Errorf("the switch: %q", got)
	}
	p.do(chromedp.Click(chromedp.CSS(`#langs a[lang="uk"]`)))
	p.waitAcrossReload("the work view in Ukrainian", `document.documentElement.lang === 'uk' && !document.getElementById('view-work').hidden && document.getElementById('current-number').textContent.startsWith(`+jsString(first)+`)`)
	if got := p.text(`document.getElementById('current-heading').textContent + '|' + document.querySelector('#act-next [data-i18n]').textContent + '|' + document.getElementById('who').hidden`); got != "Поточний відвідувач|Наступний|false" {
		t.Errorf("the work view in Ukrainian: %q", got)
	}
	p.axeAt("/clerk?lang=uk at work, a ticket called", desktop, phone)
	p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

	// Signed out, the sign-in screen stays Ukrainian (the cookie).
	p.do(chromedp.Click(chromedp.CSS("#sign-out")))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	p.do(chromedp.Navigate(base + "/clerk"))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden && document.getElementById('loading').hidden`)
	if got := p.text(`document.documentElement.lang + '|' + document.getElementById('signin-heading').textContent`); got != "uk|Вхід" {
		t.Errorf("the sign-in screen after the switch: %q", got)
	}
	p.axeAt("/clerk in Ukrainian signing in", desktop)
}

// An administrator opens /admin?lang=en on the users' section: the sign-in
// screen and the panel are in English; the switch to Ukrainian keeps the
// section; the sections checked pass axe in both languages.
func TestBrowserAdminLanguages(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

	p.do(chromedp.Navigate(base + "/admin?lang=en#uzytkownicy"))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	if got := p.text(`document.documentElement.lang + '|' + document.getElementById('signin-heading').textContent + '|' + document.title`); got != "en|Administrator sign-in|Administrator’s panel — Okienko" {
		t.Errorf("the sign-in screen in English: %q", got)
	}
	if missing := p.text(`[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n).filter(k => !(k in MESSAGES.en)).join(' ')`); missing != "" {
		t.Errorf("template keys without English: %s", missing)
	}
	p.axeAt("/admin?lang=en signing in", desktop)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
	)
	p.waitFor("the users' section", `!document.getElementById('sec-users').hidden && document.querySelectorAll('#users-list tbody tr').length > 0`)
	if got := p.text(`['departments', 'services', 'users', 'stats'].map(s => document.querySelector('#nav a[data-section=' + s + ']').textContent).join('|') + '|' + document.getElementById('users-heading').textContent + '|' + document.getElementById('nav').getAttribute('aria-label')`); got != "Departments|Matters|Users|Statistics|Users|Panel sections" {
		t.Errorf("the panel in English: %q", got)
	}
	p.axeAt("/admin?lang=en#uzytkownicy", desktop)
	for _, s := range []struct{ hash, section, heading, loaded string }{
		{"#wydzialy", "departments", "Departments", "#departments-list tbody tr"},
		{"#statystyki", "stats", "Statistics", "#stats-summary"},
		{"#dziennik", "audit", "Change log", "#audit-list tbody tr"},
	} {
		p.do(chromedp.Navigate(base + "/admin?lang=en" + s.hash))
		p.waitFor(s.section, `!document.getElementById('sec-`+s.section+`').hidden && document.getElementById('`+s.section+`-heading').textContent === `+jsString(s.heading))
		p.waitFor(s.section+" loaded", `document.querySelector(`+jsString(s.loaded)+`) !== null`)
		p.axeAt("/admin?lang=en"+s.hash, desktop)
	}

	// The switch keeps the section.
	p.do(chromedp.Navigate(base + "/admin?lang=en#uzytkownicy"))
	p.waitFor("the users' section", `!document.getElementById('sec-users').hidden && document.querySelectorAll('#users-list tbody tr').length > 0`)
	p.do(chromedp.Click(chromedp.CSS(`#langs a[lang="uk"]`)))
	p.waitAcrossReload("the users' section in Ukrainian", `document.documentElement.lang === 'uk' && !document.getElementById('sec-users').hidden && document.querySelectorAll('#users-list tbody tr').length > 0`)
	if got := p.text(`location.hash + '|' + document.getElementById('users-heading').textContent + '|' + document.querySelector('#nav a[data-section=departments]').textContent + '|' + document.querySelector('#langs a[aria-current]').lang`); got != "#uzytkownicy|Користувачі|Відділи|uk" {
		t.Errorf("after the switch: %q", got)
	}
	p.axeAt("/admin?lang=uk#uzytkownicy", desktop)
	for _, s := range []struct{ hash, section, heading, loaded string }{
		{"#sprawy", "services", "Справи", "#sec-services table tbody tr"},
		{"#biletomaty", "kiosks", "Термінали", "#kiosks-list tbody tr"},
		{"#pracownicy", "staff", "Робота робочих місць", "#reasons-list tbody tr"},
		{"#dziennik", "audit", "Журнал змін", "#audit-list tbody tr"},
	} {
		p.do(chromedp.Navigate(base + "/admin" + s.hash)) // the cookie keeps Ukrainian
		p.waitFor(s.section, `document.documentElement.lang === 'uk' && !document.getElementById('sec-`+s.section+`').hidden && document.getElementById('`+s.section+`-heading').textContent === `+jsString(s.heading))
		p.waitFor(s.section+" loaded", `document.querySelector(`+jsString(s.loaded)+`) !== null`)
		p.axeAt("/admin in Ukrainian"+s.hash, desktop)
	}
}
