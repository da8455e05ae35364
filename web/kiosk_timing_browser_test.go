package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web/browsertest"
)

// pageClock replaces the kiosk page's clock (Date.now) with one that stands
// still until the test moves it: __clock.advance(ms). The kiosk's timers
// read it; OkienkoKiosk.check() runs their once-a-second check at once.
const pageClock = `(() => {
	let now = Date.now();
	Date.now = () => now;
	window.__clock = { advance(ms) { now += ms; } };
})();`

// advance moves the page's clock by seconds and runs the kiosk's check.
func (p *kioskPage) advance(seconds int) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`__clock.advance(%d * 1000); OkienkoKiosk.check()`, seconds)))
}

const (
	warningOpen   = `document.getElementById('idle-warning').open`
	warningClosed = `!document.getElementById('idle-warning').open`
)

// setKioskScreen sets the demo kiosk's screen through the admin API.
func setKioskScreen(e *env, screen map[string]any) {
	e.t.Helper()
	admin := bearer(e.adminToken())
	resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
	var ks []struct{ ID int64 }
	if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
		e.t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), screen, admin...); resp.StatusCode != 200 {
		e.t.Fatalf("set the kiosk's screen: %d %s", resp.StatusCode, body)
	}
}

// Timing adjustable (WCAG 2.2.1): the administrator gives the kiosk 40 s on
// choices, 100 s when typing and a warning 25 s before. With the page's
// clock driven by the test: on the check-in screen, with a half-typed code,
// nothing shows for 74 s; at 75 s a modal alertdialog asks "Potrzebujesz
// więcej czasu?" (25 s before the return), its button has the focus, its
// countdown is in the dialog's description, and 10 s before the end its
// live region says so once. One tap on the button keeps the screen and the
// code, the focus back in the code input. Left alone, the screen stays
// until the 100th second and returns to the start at it, the code gone. On
// a screen of choices the wait is 40 s, the warning at 15 s. No serious
// axe violation with the warning shown.
func TestBrowserKioskTimeWarning(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	setKioskScreen(e, map[string]any{"idle_seconds": 40, "input_idle_seconds": 100, "warn_seconds": 25})
	deps, err := e.offices.Departments(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	base := e.listen()
	p := &kioskPage{clerkPage{tab{t: t, ctx: browsertest.New(t, 1080, 1920)}}}
	p.do(browsertest.OnNewDocument(pageClock), chromedp.Navigate(base+"/kiosk?token="+e.creds.KioskToken))
	p.waitFor("the departments and the kiosk's times", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0`+
		` && (s => s.idle === 40 && s.input === 100 && s.warn === 25)(OkienkoKiosk.screen())`)

	p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
	p.waitFor("the check-in screen", `!document.getElementById('view-checkin').hidden && document.activeElement.id === 'code'`)
	for _, ch := range "ABC" {
		p.do(chromedp.Click(chromedp.CSS(`#keys button[data-key="` + string(ch) + `"]`)))
	}
	p.waitFor("a half-typed code", `document.getElementById('code').value === 'ABC'`)

	p.advance(74)
	p.waitFor("no warning at 74 s", warningClosed+` && !document.getElementById('view-checkin').hidden`)
	p.advance(1)
	p.waitFor("the warning at 75 s", warningOpen+
		` && document.getElementById('idle-warning').getAttribute('role') === 'alertdialog'`+
		` && document.activeElement.id === 'idle-more'`+
		` && document.getElementById('idle-heading').textContent === 'Potrzebujesz więcej czasu?'`+
		` && document.getElementById('idle-text').textContent.startsWith('Za 25 s ekran wróci do początku')`+
		` && document.getElementById('idle-warning').getAttribute('aria-describedby') === 'idle-text'`+
		` && document.getElementById('idle-status').textContent === ''`)
	// The warning's own texts are in the tree (not aria-hidden), on top of
	// the screen, big enough to touch.
	if bad := p.text(`(() => {
		const d = document.getElementById('idle-warning');
		if (d.closest('[aria-hidden="true"]')) return 'aria-hidden';
		const r = document.getElementById('idle-more').getBoundingClientRect();
		if (r.height < 64 || r.width < 64) return 'button ' + r.width + 'x' + r.height;
		const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return at && at.closest('#idle-more') ? '' : 'covered by ' + (at && at.outerHTML.slice(0, 80));
	})()`); bad != "" {
		t.Errorf("the warning's button: %s", bad)
	}
	p.axeAt("/kiosk check-in asking for more time", kioskTall)
	p.advance(14)
	p.waitFor("11 s left, nothing said yet", warningOpen+` && document.getElementById('idle-status').textContent === '' && document.getElementById('idle-text').textContent.startsWith('Za 11 s')`)
	p.advance(1)
	p.waitFor("10 s left said once", `document.getElementById('idle-status').textContent === 'Zostało 10 sekund.'`)
	p.advance(1)
	p.waitFor("not said again", `document.getElementById('idle-status').textContent === 'Zostało 10 sekund.' && document.getElementById('idle-text').textContent.startsWith('Za 9 s')`)

	// One tap: the screen and the code stay.
	p.do(chromedp.Click(chromedp.CSS("#idle-more")))
	p.waitFor("more time", warningClosed+` && !document.getElementById('view-checkin').hidden && document.getElementById('code').value === 'ABC' && document.activeElement.id === 'code'`)
	p.advance(74)
	p.waitFor("no warning 74 s after the tap", warningClosed)
	p.advance(25)
	p.waitFor("the warning, 1 s left", warningOpen+` && !document.getElementById('view-checkin').hidden && document.getElementById('code').value === 'ABC'`)
	p.advance(1)
	p.waitFor("back to the start at 100 s", warningClosed+` && !document.getElementById('view-start').hidden && document.getElementById('code').value === ''`)

	// A screen of choices: 40 s, the warning 25 s before.
	p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(deps[0].ID) + `"]`)))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	p.advance(14)
	p.waitFor("no warning at 14 s", warningClosed)
	p.advance(1)
	p.waitFor("the warning at 15 s", warningOpen+` && document.getElementById('idle-text').textContent.startsWith('Za 25 s')`)
	p.advance(24)
	p.waitFor("still the matters at 39 s", warningOpen+` && !document.getElementById('view-services').hidden`)
	p.advance(1)
	p.waitFor("the start at 40 s", warningClosed+` && !document.getElementById('view-start').hidden`)

	// The ticket's countdown is read, not hidden from screen readers.
	if hidden := p.text(`document.getElementById('countdown').getAttribute('aria-hidden') || ''`); hidden != "" {
		t.Errorf("the ticket's countdown is aria-hidden=%q", hidden)
	}
}

// lowReach lists the visible controls of the kiosk's screen whose top edge
// is above 40 % of the window's height or whose bottom is below the
// window, with their positions; and the highest top of them all.
const lowReach = `(() => {
	const h = innerHeight;
	const out = [];
	let top = Infinity;
	for (const e of document.querySelectorAll('button, input, select, textarea, a[href], [role=switch], [tabindex]:not([tabindex="-1"])')) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
		top = Math.min(top, r.top);
		if (r.top < 0.4 * h || r.bottom > h) out.push((e.id || e.dataset.lang || e.dataset.key || e.dataset.digit || e.textContent.trim().slice(0, 20)) + ' ' + Math.round(r.top) + '–' + Math.round(r.bottom));
	}
	return JSON.stringify({ bad: out, top: Math.round(top) });
})()`

type reach struct {
	Bad []string `json:"bad"`
	Top float64  `json:"top"`
}

func (p *kioskPage) reach() reach {
	p.t.Helper()
	var r reach
	if err := json.Unmarshal([]byte(p.text(lowReach)), &r); err != nil {
		p.t.Fatal(err)
	}
	return r
}

// Reach on a portrait kiosk (EN 301 549 §8.3): with the standard layout the
// language buttons sit at the top of a 1080×1920 screen. With the low
// layout, set by the administrator, every visible control of every screen
// (the languages, "Wstecz", the departments, the matters, the switches, the
// phone keypad, the code keypad, the ticket's "Gotowe", the warning's
// button) has its top edge at 40 % of the height (768 px) or lower and its
// bottom on the screen. Every target stays at least 64 px; no serious axe
// violation.
func TestBrowserKioskLowLayout(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	deps, err := e.offices.Departments(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	dep := deps[0]
	base := e.listen()
	p := &kioskPage{clerkPage{tab{t: t, ctx: browsertest.New(t, 1080, 1920)}}}
	p.do(browsertest.OnNewDocument(pageClock), chromedp.Navigate(base+"/kiosk?token="+e.creds.KioskToken))
	p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0 && document.body.dataset.layout === 'standard'`)
	if r := p.reach(); len(r.Bad) == 0 || r.Top > 0.1*1920 {
		t.Errorf("the standard layout: controls from %v px, above 40 %%: %v; want the languages in the top tenth", r.Top, r.Bad)
	}

	setKioskScreen(e, map[string]any{"layout": "low"})
	p.do(chromedp.Reload())
	p.waitFor("the low layout", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0 && document.body.dataset.layout === 'low'`)
	highest := math.Inf(1)
	check := func(screen string) {
		t.Helper()
		p.do(chromedp.EmulateViewport(1080, 1920))
		p.waitFor("1080x1920", `innerWidth === 1080 && innerHeight === 1920`)
		r := p.reach()
		if len(r.Bad) > 0 {
			t.Errorf("%s, low layout: controls out of reach (top above 768 px or off screen): %v", screen, r.Bad)
		}
		highest = math.Min(highest, r.Top)
		p.noSmallTargets(screen + " (low)")
	}
	check("the start")
	p.axeAt("/kiosk low layout, the start", kioskTall)
	p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	check("the matters")
	p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(dep.Services[0].ID) + `"]`)))
	p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
	check("the take screen")
	p.do(chromedp.Click(chromedp.CSS("#sms")))
	p.waitFor("the phone keypad", `!document.getElementById('sms-entry').hidden`)
	check("the take screen with the phone keypad")
	if rows := p.text(`(() => { const keys = [...document.querySelectorAll('#phone-keys button')];
		return new Set(keys.map((k) => Math.round(k.getBoundingClientRect().top))).size + 'x' + new Set(keys.map((k) => Math.round(k.getBoundingClientRect().left))).size; })()`); rows != "4x3" {
		t.Errorf("the phone keypad in the low layout: %s, want 4x3", rows)
	}
	p.do(chromedp.Click(chromedp.CSS("#take")))
	p.waitFor("asked for the number", `document.getElementById('phone-error').textContent !== ''`)
	check("the phone refused")
	p.do(chromedp.Click(chromedp.CSS("#sms")), chromedp.Click(chromedp.CSS("#take")))
	p.waitFor("the ticket", `!document.getElementById('view-ticket').hidden`)
	check("the ticket")
	p.do(chromedp.Click(chromedp.CSS("#done")))
	p.waitFor("the start", `!document.getElementById('view-start').hidden`)
	p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
	p.waitFor("the check-in screen", `!document.getElementById('view-checkin').hidden`)
	check("the check-in screen")
	p.advance(kiosk.DefaultInputIdleSeconds - kiosk.DefaultWarnSeconds)
	p.waitFor("the warning", warningOpen)
	check("the warning")
	p.axeAt("/kiosk low layout, asking for more time", kioskTall)
	p.do(chromedp.Click(chromedp.CSS("#idle-more")))
	p.waitFor("more time", warningClosed)
	for _, lang := range []string{"en", "uk"} {
		p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="` + lang + `"]`)))
		p.waitFor(lang, `document.documentElement.lang === '`+lang+`'`)
		check("the check-in screen in " + lang)
	}
	t.Logf("low layout at 1080x1920: the highest control's top at %.0f px (%.0f %% of the height)", highest, 100*highest/1920)
}

// Language of parts (WCAG 3.1.2) on the English and Ukrainian kiosk: a
// department or matter the office named only in Polish is marked
// lang="pl", one with an English name shows it marked lang="en"; the
// ticket's matter the same; the live announcement is the visitor's language
// with the Polish name in a span of its own (lang="pl"), no string mixing
// both. The office's name is Polish.
func TestBrowserKioskLanguageOfParts(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := t.Context()
	deps, err := e.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	translated, polish := deps[0], deps[1]
	// The demo's catalog is translated: one department keeps only its
	// English name, the other and its matter only their Polish ones.
	if _, err := e.offices.UpdateDepartment(ctx, translated.ID, func(d *office.DepartmentSpec) error {
		d.NameEN, d.NameUK = "Citizens' Affairs", ""
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.offices.UpdateDepartment(ctx, polish.ID, func(d *office.DepartmentSpec) error { d.NameEN, d.NameUK = "", ""; return nil }); err != nil {
		t.Fatal(err)
	}
	service := polish.Services[0]
	if _, err := e.offices.UpdateService(ctx, service.ID, func(s *office.ServiceSpec) error { s.NameEN, s.NameUK = "", ""; return nil }); err != nil {
		t.Fatal(err)
	}
	base := e.listen()
	p := &kioskPage{clerkPage{tab{t: t, ctx: browsertest.New(t, 1080, 1920)}}}
	for _, lang := range []string{"en", "uk"} {
		p.do(chromedp.Navigate(base + "/kiosk?lang=" + lang + "&idle=3600&token=" + e.creds.KioskToken))
		p.waitFor(lang+" departments", `document.documentElement.lang === '`+lang+`' && document.querySelectorAll('#department-list button').length > 0`)
		title := func(d office.Department) string {
			return `document.querySelector('#department-list button[data-department="` + itoa(d.ID) + `"] .btn-title')`
		}
		wantTranslated := "pl"
		if lang == "en" {
			wantTranslated = "en"
		}
		if got := p.text(title(polish) + `.lang + ' ' + ` + title(translated) + `.lang + ' ' + document.getElementById('office').lang`); got != "pl "+wantTranslated+" pl" {
			t.Errorf("%s: the Polish department, the translated one and the office are marked %q, want \"pl %s pl\"", lang, got, wantTranslated)
		}
		if lang == "en" {
			if got := p.text(title(translated) + `.textContent`); got != "Citizens' Affairs" {
				t.Errorf("the translated department shows %q", got)
			}
		}
		p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(polish.ID) + `"]`)))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden && document.getElementById('services-heading').lang === 'pl'`)
		p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(service.ID) + `"]`)))
		p.waitFor("the take screen", `!document.getElementById('view-take').hidden && document.getElementById('take-heading').lang === 'pl' && document.getElementById('take-department').lang === 'pl'`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("the ticket announced", `!document.getElementById('view-ticket').hidden && document.getElementById('announce').childNodes.length > 1`)
		if got := p.text(`document.getElementById('ticket-service').lang + ' ' + document.getElementById('ticket-service').textContent`); got != "pl "+service.Name {
			t.Errorf("%s: the ticket's matter: %q, want %q marked pl", lang, got, service.Name)
		}
		var parts []struct{ Lang, Text string }
		if err := json.Unmarshal([]byte(p.text(`JSON.stringify([...document.getElementById('announce').childNodes].map(n => ({lang: n.nodeType === 1 ? n.lang : '', text: n.textContent})))`)), &parts); err != nil {
			t.Fatal(err)
		}
		var polishParts, own []string
		for _, part := range parts {
			if part.Lang == "pl" {
				polishParts = append(polishParts, part.Text)
			} else if part.Lang == "" {
				own = append(own, part.Text)
			}
		}
		if len(polishParts) != 1 || polishParts[0] != service.Name {
			t.Errorf("%s: the announcement's Polish parts %q, want only %q", lang, polishParts, service.Name)
		}
		for _, s := range own {
			if containsAny(s, service.Name, "Odbierz", "Zapamiętaj", "Twój numer") {
				t.Errorf("%s: the announcement's %s part holds Polish: %q", lang, lang, s)
			}
		}
		p.axeAt("/kiosk ticket in "+lang, kioskTall)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// The administrator sets a kiosk's screen in its settings: a wait under
// 30 s is refused at its field; 60 s, 150 s when typing, the warning 30 s
// before and the low layout are saved.
func TestBrowserAdminKioskScreen(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	admin := bearer(e.adminToken())
	resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat przy windzie"}, admin...)
	var k struct{ ID int64 }
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil {
		t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
	}
	p := adminSignIn(t, e, "#biletomaty")
	button := `#kiosks-list button[aria-label=` + jsString("Ustawienia biletomatu: Biletomat przy windzie") + `]`
	p.waitFor("the kiosks", `document.querySelector(`+jsString(button)+`) !== null`)
	if got := p.text(`document.querySelector(` + jsString(button) + `).textContent`); got != "Ustawienia biletomatu" {
		t.Errorf("the settings button says %q", got)
	}
	p.do(chromedp.Click(chromedp.CSS(button)))
	p.waitFor("the settings' heading", `document.querySelector('#kiosk-editor h3')?.textContent === 'Biletomat: Biletomat przy windzie'`)
	p.waitFor("the settings with the screen's defaults", `document.querySelector('#kiosk-settings [name=idle_seconds]')?.value === '45'`+
		` && document.querySelector('#kiosk-settings [name=input_idle_seconds]').value === '90'`+
		` && document.querySelector('#kiosk-settings [name=warn_seconds]').value === '20'`+
		` && document.querySelector('#kiosk-settings [name=layout]').value === 'standard'`)
	set := func(name, value string) {
		p.do(chromedp.SetValue(chromedp.CSS(`#kiosk-settings [name=`+name+`]`), value))
	}
	set("idle_seconds", "10")
	p.do(chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
	p.waitFor("refused at its field", `document.querySelector('#kiosk-settings [name=idle_seconds]').getAttribute('aria-invalid') === 'true'`+
		` && document.querySelector('#kiosk-settings [name=idle_seconds]').closest('.field').querySelector('.field-error')?.textContent === 'Od 30 do 600 sekund.'`)
	set("idle_seconds", "60")
	set("input_idle_seconds", "150")
	set("warn_seconds", "30")
	set("layout", "low")
	p.do(chromedp.Click(chromedp.CSS(`#kiosk-settings button[type=submit]`)))
	p.waitFor("saved", `document.getElementById('kiosk-settings') === null`)
	resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...)
	var got kioskScreen
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got != (kioskScreen{60, 150, 30, "low"}) {
		t.Fatalf("saved: %d %s", resp.StatusCode, body)
	}
	// In English the button says what it holds too.
	p.do(chromedp.Navigate(p.text(`location.origin`) + "/admin?lang=en#biletomaty"))
	p.waitFor("the settings button in English", `document.querySelector(`+jsString(`#kiosks-list button[aria-label="Kiosk settings: Biletomat przy windzie"]`)+`)?.textContent === 'Kiosk settings'`)
}
