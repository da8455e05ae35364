package web_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web/browsertest"
)

// The kiosk page is a shell: no inline script or style (the CSP forbids
// them), never cached, no Referer (its first address carries the token), in
// the language asked for.
func TestKioskPage(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	for _, tc := range []struct{ query, lang string }{{"", "pl"}, {"?lang=en", "en"}, {"?lang=uk&token=abc", "uk"}, {"?lang=xx", "pl"}} {
		resp, body := e.do("GET", "/kiosk"+tc.query, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("/kiosk%s: %d", tc.query, resp.StatusCode)
		}
		page := string(body)
		if !strings.Contains(page, `<html lang="`+tc.lang+`">`) {
			t.Errorf("/kiosk%s is not in %q", tc.query, tc.lang)
		}
		if !strings.Contains(page, `data-lang="`+tc.lang+`" lang="`+tc.lang+`" aria-pressed="true">`+languageNames[tc.lang]+`</button>`) {
			t.Errorf("/kiosk%s: the %s button is not pressed", tc.query, tc.lang)
		}
		// Each language by its own name only: "UK" would read as the
		// United Kingdom.
		for code, name := range languageNames {
			if !strings.Contains(page, `lang="`+code+`" aria-pressed="`) || !strings.Contains(page, `">`+name+`</button>`) {
				t.Errorf("/kiosk%s: no %s button named %s in %s", tc.query, code, name, code)
			}
			if strings.Contains(page, ">"+strings.ToUpper(code)+"<") {
				t.Errorf("/kiosk%s: the %s button shows the code %s", tc.query, code, strings.ToUpper(code))
			}
		}
		if strings.Contains(page, "abc") {
			t.Errorf("/kiosk%s: the token is echoed into the page", tc.query)
		}
		for _, tag := range regexp.MustCompile(`<script\b[^>]*>`).FindAllString(page, -1) {
			if !strings.Contains(tag, ` src="/static/`) {
				t.Errorf("inline script %s", tag)
			}
		}
		if strings.Contains(page, "<style") || strings.Contains(page, " style=") {
			t.Error("the page has inline styles")
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("Referrer-Policy = %q, want no-referrer", rp)
		}
	}
	for _, asset := range []string{"/static/kiosk.js", "/static/kiosk.css"} {
		if resp, _ := e.do("GET", asset+"?v=test", nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", asset, resp.StatusCode)
		}
	}
}

// languageNames are the languages as the kiosk names them: by their own
// names.
var languageNames = map[string]string{"pl": "Polski", "en": "English", "uk": "Українська"}

// A visitor takes a ticket, and checks in a booking with its code. Without
// a token the kiosk says it isn't set up; with ?token= it keeps the token
// and drops it from the address. The visitor picks a department, a matter,
// asks for priority and takes a ticket: its number, the people ahead, the
// print outcome and its QR code are shown, and the ticket exists. English
// is chosen, and the idle timeout returns to the start in Polish. Then a
// booking: an unknown code (typed in lower case, as a scanner might) is
// refused; the real one is typed half on the screen's keyboard (with a
// correction) and half as a scanner would, ending with Enter; too early is
// explained; ten minutes before the visit the check-in gives a DR ticket.
func TestBrowserKioskTicketAndCheckIn(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		walkIn, booked := deps[0], deps[1]
		service := walkIn.Services[0]

		// The booking to check in later, for a slot on Tuesday.
		bookingService, slot := e.firstFreeSlot()
		resp, body := e.do("POST", "/api/v1/bookings", bookingBody(bookingService, slot.Start))
		var bk struct{ Code string }
		if resp.StatusCode != 201 || json.Unmarshal(body, &bk) != nil || !codeForm.MatchString(bk.Code) {
			t.Fatalf("booking: %d %s", resp.StatusCode, body)
		}

		base := e.listen()
		b := browsertest.New(t, 1080, 1920)
		p := &kioskPage{clerkPage{tab{t: t, ctx: b}}}

		// No token: the kiosk explains how to set it up.
		p.do(chromedp.Navigate(base + "/kiosk"))
		p.waitFor("the setup screen", `!document.getElementById('view-setup').hidden && document.getElementById('setup-heading').textContent === 'Biletomat nie jest skonfigurowany'`)

		p.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=3600"))
		p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length === `+itoa(int64(len(deps))))
		if href := run(t, b, chromedp.Evaluate[string](`location.href`)); strings.Contains(href, "token") || !strings.Contains(href, "idle=3600") {
			t.Errorf("the address after the token was taken: %q", href)
		}
		if kept := run(t, b, chromedp.Evaluate[string](`localStorage.getItem('okienko.kiosk.token')`)); kept != e.creds.KioskToken {
			t.Errorf("the token kept is %q", kept)
		}
		if lang := run(t, b, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "pl" {
			t.Errorf("lang = %q, want pl", lang)
		}
		// Every language has every message, and every template text names one.
		if missing := run(t, b, chromedp.Evaluate[[]string](`[
			...[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n),
			...[...document.querySelectorAll('[data-i18n-label]')].map(e => e.dataset.i18nLabel),
		].filter(k => !(k in MESSAGES.pl)).concat(
			...['en', 'uk'].map(l => Object.keys(MESSAGES.pl).filter(k => !(k in MESSAGES[l])).map(k => l + ':' + k)))`)); len(missing) > 0 {
			t.Errorf("messages missing: %v", missing)
		}
		p.noSmallTargets("the start screen")

		// A department, a matter, priority, take the ticket.
		p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(walkIn.ID) + `"]`)))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden && document.activeElement.id === 'services-heading' && document.getElementById('services-heading').textContent === `+jsString(walkIn.Name))
		p.noSmallTargets("the matters")
		p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(service.ID) + `"]`)))
		p.waitFor("the take screen", `!document.getElementById('view-take').hidden && document.getElementById('take-heading').textContent === `+jsString(service.Name))
		p.noSmallTargets("the take screen")
		p.do(chromedp.Click(chromedp.CSS("#priority")))
		p.waitFor("priority on", `document.getElementById('priority').getAttribute('aria-checked') === 'true'`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("the ticket", `!document.getElementById('view-ticket').hidden && /^`+walkIn.TicketPrefix+`\d{3}$/.test(document.getElementById('ticket-number').textContent)`)
		p.waitFor("its QR code", `(i => i.complete && i.naturalWidth > 0 && i.getAttribute('src').endsWith('/qr.svg'))(document.getElementById('ticket-qr'))`)
		number := run(t, b, chromedp.Text(chromedp.CSS("#ticket-number")))
		var walk struct {
			PublicID  string
			ServiceID int64
			Kind      string
			Priority  bool
		}
		if err := db.WithContext(ctx).Table("tickets").Select("public_id, service_id, kind, priority").Where("number = ?", number).Take(&walk).Error; err != nil {
			t.Fatalf("ticket %s is not in the database: %v", number, err)
		}
		if walk.ServiceID != service.ID || walk.Kind != "walk_in" || !walk.Priority {
			t.Errorf("ticket %s: %+v, want a priority walk-in for service %d", number, walk, service.ID)
		}
		if src := run(t, b, chromedp.Evaluate[string](`document.getElementById('ticket-qr').getAttribute('src')`)); src != "/api/v1/tickets/"+walk.PublicID+"/qr.svg" {
			t.Errorf("QR image %q", src)
		}
		p.waitFor("the ticket's texts", `document.getElementById('ticket-service').textContent === `+jsString(service.Name)+
			` && document.getElementById('ticket-ahead').textContent === 'Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte.'`+
			` && document.getElementById('print-message').textContent === 'Zapamiętaj numer lub zeskanuj kod QR.'`+
			` && document.getElementById('ticket-booking').hidden`+
			` && /^Powrót do ekranu startowego za \d+ s$/.test(document.getElementById('countdown').textContent)`+
			` && document.getElementById('announce').textContent.includes(`+jsString(number)+`)`)
		p.noSmallTargets("the ticket")

		// English, then the idle timeout: back to the start, in Polish.
		p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="en"]`)))
		p.waitFor("the ticket in English", `document.documentElement.lang === 'en' && document.getElementById('ticket-heading').textContent === 'Your number' && document.getElementById('print-message').textContent === 'Remember the number or scan the QR code.'`)
		p.do(chromedp.Evaluate[chromedp.Void](`OkienkoKiosk.idle()`))
		p.waitFor("the start in Polish", `!document.getElementById('view-start').hidden && document.documentElement.lang === 'pl' && document.getElementById('start-heading').textContent === 'Wybierz wydział' && document.querySelector('button.lang[data-lang="pl"]').getAttribute('aria-pressed') === 'true'`)

		// "Mam rezerwację": the code input has the focus, for a scanner.
		p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
		p.waitFor("the check-in screen", `!document.getElementById('view-checkin').hidden && document.activeElement.id === 'code' && document.querySelectorAll('#keys button[data-key]').length === 32`)
		p.noSmallTargets("the check-in screen")
		// An unknown code, in lower case: shown in upper case with the dash,
		// and refused.
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), "zzzzzzzz\n"))
		p.waitFor("the unknown code refused", `document.getElementById('code').value === 'ZZZZ-ZZZZ' && document.getElementById('alert').textContent === 'Nie ma rezerwacji o kodzie ZZZZ-ZZZZ. Sprawdź kod i spróbuj jeszcze raz.'`)
		p.do(chromedp.Click(chromedp.CSS("#key-clear")))
		p.waitFor("the code cleared", `document.getElementById('code').value === '' && document.activeElement.id === 'code'`)

		// The first half on the screen's keyboard, with a slip corrected.
		code := bk.Code
		for _, ch := range code[:3] + "X" {
			p.do(chromedp.Click(chromedp.CSS(`#keys button[data-key="` + string(ch) + `"]`)))
		}
		if code[3] != 'X' {
			p.waitFor("the slip typed", `document.getElementById('code').value === `+jsString(code[:3]+"X-"))
		}
		p.do(chromedp.Click(chromedp.CSS("#key-back")))
		p.waitFor("the slip deleted", `document.getElementById('code').value === `+jsString(code[:3]))
		p.do(chromedp.Click(chromedp.CSS(`#keys button[data-key="` + code[3:4] + `"]`)))
		p.waitFor("the dash after four", `document.getElementById('code').value === `+jsString(code[:4]+"-")+` && document.activeElement.id === 'code'`)
		// The rest as a scanner types it, Enter at the end: too early yet.
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), code[5:]+"\n"))
		p.waitFor("too early", `document.getElementById('code').value === `+jsString(code)+` && document.getElementById('alert').textContent.startsWith('Za wcześnie. Przybycie można potwierdzić')`)

		// Ten minutes before the visit it works.
		e.clock.Set(slot.Start.Add(-10 * time.Minute))
		p.do(chromedp.Click(chromedp.CSS("#checkin-submit")))
		p.waitFor("the booking's ticket", `!document.getElementById('view-ticket').hidden && /^`+booked.TicketPrefix+`R\d{2}$/.test(document.getElementById('ticket-number').textContent) && !document.getElementById('ticket-booking').hidden`)
		p.waitFor("its QR code", `(i => i.complete && i.naturalWidth > 0)(document.getElementById('ticket-qr'))`)
		drNumber := run(t, b, chromedp.Text(chromedp.CSS("#ticket-number")))
		var got struct {
			Status string
			Number string
		}
		if err := db.WithContext(ctx).Table("bookings b").Select("b.status, t.number").Joins("JOIN tickets t ON t.booking_id = b.id").Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.Status != "checked_in" || got.Number != drNumber {
			t.Fatalf("booking %s after check-in: %+v, want checked_in with ticket %s", code, got, drNumber)
		}
		if alert := run(t, b, chromedp.Text(chromedp.CSS("#alert"))); alert != "" {
			t.Errorf("the page shows the error %q", alert)
		}

		// "Gotowe" returns to the start at once.
		p.do(chromedp.Click(chromedp.CSS("#done")))
		p.waitFor("the start", `!document.getElementById('view-start').hidden`)

		// The same code again: already checked in, and its number said again.
		p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
		p.waitFor("the check-in screen again", `!document.getElementById('view-checkin').hidden && document.activeElement.id === 'code'`)
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), code+"\n"))
		p.waitFor("the number said again", `document.getElementById('alert').textContent === `+jsString("Przybycie na tę rezerwację zostało już potwierdzone. Twój numer: "+drNumber+"."))
	})
}

// On a landscape screen the kiosk prints on its printer: with the paper out
// the ticket stays on screen with what to do and the kiosk names the fault;
// with paper it says to take the ticket from the printer; when the printer
// does not confirm the ticket it says to check. Outside the
// department's hours it says when it opens.
func TestBrowserKioskPrinter(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := t.Context()
	fake := printertest.Start(t)
	fake.SetPaperOut(true)
	kiosks := kiosk.NewStore(e.db, e.clock)
	ks, err := kiosks.List(ctx)
	if err != nil || len(ks) != 1 {
		t.Fatalf("kiosks: %v %v", ks, err)
	}
	if _, err := kiosks.Update(ctx, ks[0].ID, func(s *kiosk.Spec) error { s.Printer.URI = fake.URI(); return nil }); err != nil {
		t.Fatal(err)
	}
	deps, err := e.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	dep := deps[0]

	base := e.listen()
	b := browsertest.New(t, 1920, 1080)
	p := &kioskPage{clerkPage{tab{t: t, ctx: b}}}
	p.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=3600"))
	p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0`)
	// Today's hours are the server's Monday's (08:00–16:00), not those of
	// the day the kiosk PC's own clock shows.
	if sub := run(t, b, chromedp.Evaluate[string](`document.querySelector('#department-list button[data-department="`+itoa(dep.ID)+`"] .btn-sub').textContent`)); !strings.HasPrefix(sub, "Dziś: 08:00–16:00 · ") {
		t.Errorf("the department's button says %q, want today's hours 08:00–16:00", sub)
	}

	take := func(dep office.Department) {
		t.Helper()
		p.do(chromedp.Click(chromedp.CSS("#department-list button[data-department=\"" + itoa(dep.ID) + "\"]")))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
		p.do(chromedp.Click(chromedp.CSS("#service-list button[data-service=\"" + itoa(dep.Services[0].ID) + "\"]")))
		p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
	}

	take(dep)
	p.waitFor("the ticket, not printed", `!document.getElementById('view-ticket').hidden && document.getElementById('print-message').dataset.state === 'failed'`+
		` && document.getElementById('print-message').textContent === 'W drukarce skończył się papier — zrób zdjęcie biletu lub zeskanuj kod QR.'`)
	p.waitFor("the printer named", `!document.getElementById('printer').hidden && document.getElementById('printer').textContent === 'Drukarka: brak papieru'`)
	p.noSmallTargets("the landscape ticket")
	// Landscape: the QR code beside the number.
	if beside := run(t, b, chromedp.Evaluate[bool](`(() => {
		const n = document.getElementById('ticket-number').getBoundingClientRect();
		const q = document.getElementById('ticket-qr').getBoundingClientRect();
		return q.left >= n.right && q.bottom <= innerHeight;
	})()`)); !beside {
		t.Error("in landscape the QR code is not beside the number, on screen")
	}

	fake.SetPaperOut(false)
	p.do(chromedp.Click(chromedp.CSS("#done")))
	take(dep)
	p.waitFor("the ticket printed", `document.getElementById('print-message').dataset.state === 'printed' && document.getElementById('print-message').textContent === 'Odbierz bilet z drukarki.'`)

	// The printer takes the ticket and never confirms it: it may have
	// printed, so the kiosk says to check, and keeps the ticket on screen.
	fake.SetSilentAfterJob(true)
	p.do(chromedp.Click(chromedp.CSS("#done")))
	take(dep)
	p.waitFor("the ticket unconfirmed", `!document.getElementById('view-ticket').hidden && document.getElementById('print-message').dataset.state === 'unknown'`+
		` && document.getElementById('print-message').textContent === 'Drukarka nie potwierdziła wydruku. Jeśli bilet nie wyszedł, zrób zdjęcie biletu lub zeskanuj kod QR.'`)
	fake.SetSilentAfterJob(false)

	// Sunday: closed; the first screen says when the department opens:
	// Monday, another day by the server's clock, whatever the kiosk PC's
	// says; touching it says so again and leads nowhere.
	e.clock.Set(e.week.At(6, 13, 0))
	p.do(chromedp.Click(chromedp.CSS("#done")))
	sunday := `Wydział nie wydaje teraz biletów. Zapraszamy: ` + dayMonth(e.week.Day(7)) + `, od 08:00.`
	closedButton := `document.querySelector('#department-list button[data-department="` + itoa(dep.ID) + `"]')`
	p.waitFor("when it opens, on the first screen", `!document.getElementById('view-start').hidden && `+closedButton+`.getAttribute('aria-disabled') === 'true' && `+closedButton+`.querySelector('.btn-reason').textContent === `+jsString(sunday))
	p.do(chromedp.Click(chromedp.CSS("#department-list button[data-department=\"" + itoa(dep.ID) + "\"]")))
	p.waitFor("the reason said", `!document.getElementById('view-start').hidden && document.getElementById('alert').textContent === `+jsString(sunday))
	// Monday before opening: later today, by the server's day.
	e.clock.Set(e.week.At(7, 7, 0))
	p.do(chromedp.Reload())
	p.waitFor("when it opens today", `!document.getElementById('view-start').hidden && `+closedButton+`?.querySelector('.btn-reason')?.textContent === 'Wydział przyjmuje od 08:00.'`)
	// A screen left showing an open department: the server still refuses
	// a ticket and says when.
	e.clock.Set(e.week.At(7, 9, 0))
	p.do(chromedp.Evaluate[chromedp.Void](`OkienkoKiosk.refresh()`))
	p.waitFor("open again", `!`+closedButton+`.hasAttribute('aria-disabled')`)
	p.do(chromedp.Click(chromedp.CSS("#department-list button[data-department=\"" + itoa(dep.ID) + "\"]")))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	p.do(chromedp.Click(chromedp.CSS("#service-list button[data-service=\"" + itoa(dep.Services[0].ID) + "\"]")))
	p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
	e.clock.Set(e.week.At(7, 15, 50))
	p.do(chromedp.Click(chromedp.CSS("#take")))
	p.waitFor("refused after the last ticket", `!document.getElementById('view-take').hidden && document.getElementById('alert').textContent === 'Wydział nie wydaje teraz biletów. Zapraszamy: `+dayMonth(e.week.Day(8))+`, od 07:30.'`)
}

// kioskPage drives the kiosk page in one browser tab.
type kioskPage struct{ clerkPage }

// noSmallTargets fails when a visible button is smaller than 64×64 px.
func (p *kioskPage) noSmallTargets(where string) {
	p.t.Helper()
	small := run(p.t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('button')]
		.filter(b => b.offsetParent !== null)
		.map(b => [b, b.getBoundingClientRect()])
		.filter(([b, r]) => r.width < 64 || r.height < 64)
		.map(([b, r]) => (b.id || b.dataset.key || b.textContent.trim()) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))`))
	if len(small) > 0 {
		p.t.Errorf("%s: targets under 64 px: %v", where, small)
	}
}

// A visitor asks for an SMS when the turn is near: without a number the
// kiosk asks for one, a landline is refused next to the field, and with a
// mobile number typed on the screen's keypad the ticket is taken, the
// screen says where the SMS goes and the ticket keeps the number
// normalised. No ticket is issued before that.
func TestBrowserKioskSMS(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		dep := deps[0]
		service := dep.Services[0]
		base := e.listen()
		b := browsertest.New(t, 1080, 1920)
		p := &kioskPage{clerkPage{tab{t: t, ctx: b}}}
		p.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=3600"))
		p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0`)
		p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
		p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(service.ID) + `"]`)))
		p.waitFor("the take screen", `!document.getElementById('view-take').hidden && document.getElementById('sms-entry').hidden`)
		tickets := func() int64 {
			var n int64
			if err := db.Table("tickets").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}

		p.do(chromedp.Click(chromedp.CSS("#sms")))
		p.waitFor("the phone entry", `document.getElementById('sms').getAttribute('aria-checked') === 'true' && !document.getElementById('sms-entry').hidden`)
		p.noSmallTargets("the take screen with the phone keypad")
		// A phone's 3×4 keypad, and the take button on the screen, upright
		// and on a 1280×1024 landscape kiosk.
		for _, size := range [][2]int64{{1280, 1024}, {1080, 1920}} {
			p.do(chromedp.EmulateViewport(size[0], size[1]))
			p.waitFor(fmt.Sprintf("%dx%d", size[0], size[1]), fmt.Sprintf(`innerWidth === %d && innerHeight === %d`, size[0], size[1]))
			layout := p.text(`(() => { const keys = [...document.querySelectorAll('#phone-keys button')];
				const rows = new Set(keys.map((k) => Math.round(k.getBoundingClientRect().top)));
				const cols = new Set(keys.map((k) => Math.round(k.getBoundingClientRect().left)));
				const take = document.getElementById('take').getBoundingClientRect();
				return rows.size + 'x' + cols.size + (take.bottom <= innerHeight && take.top >= 0 ? ' visible' : ' hidden at ' + Math.round(take.bottom)); })()`)
			if layout != "4x3 visible" {
				t.Errorf("%dx%d: the phone keypad and the take button: %s, want 4x3 visible", size[0], size[1], layout)
			}
			p.noSmallTargets(fmt.Sprintf("the phone keypad at %dx%d", size[0], size[1]))
		}
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("asked for a number", `document.getElementById('phone-error').textContent === 'Wpisz numer telefonu albo wyłącz SMS.' && document.activeElement.id === 'phone'`)
		if n := tickets(); n != 0 {
			t.Fatalf("%d tickets issued without the number", n)
		}

		press := func(digits string) {
			for _, d := range digits {
				p.do(chromedp.Click(chromedp.CSS(`#phone-keys button[data-digit="` + string(d) + `"]`)))
			}
		}
		press("225551212") // a Warsaw landline
		p.waitFor("the number typed, the error gone", `document.getElementById('phone').value === '225551212' && document.getElementById('phone-error').hidden`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("a landline refused", `document.getElementById('phone-error').textContent === 'To nie jest polski numer komórkowy (9 cyfr).' && !document.getElementById('view-take').hidden`)
		if n := tickets(); n != 0 {
			t.Fatalf("%d tickets issued for a landline", n)
		}
		for range 9 {
			p.do(chromedp.Click(chromedp.CSS("#phone-back")))
		}
		press("600100200")
		p.waitFor("the mobile number", `document.getElementById('phone').value === '600100200'`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("the ticket", `!document.getElementById('view-ticket').hidden && document.getElementById('ticket-sms').textContent === 'Wyślemy SMS na numer 600100200, gdy zbliży się Twoja kolej.'`)
		number := run(t, b, chromedp.Text(chromedp.CSS("#ticket-number")))
		var phone *string
		if err := db.Table("tickets").Select("phone").Where("number = ?", number).Scan(&phone).Error; err != nil || phone == nil || *phone != "+48600100200" {
			t.Fatalf("ticket %s has phone %v (%v), want +48600100200", number, phone, err)
		}
		if n := tickets(); n != 1 {
			t.Fatalf("%d tickets, want 1", n)
		}

		// The next visitor starts without the number.
		p.do(chromedp.Click(chromedp.CSS("#done")))
		p.waitFor("the start", `!document.getElementById('view-start').hidden`)
		p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
		p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(service.ID) + `"]`)))
		p.waitFor("a clean take screen", `!document.getElementById('view-take').hidden && document.getElementById('sms').getAttribute('aria-checked') === 'false' && document.getElementById('phone').value === ''`)
	})
}

// The kiosk prints through its agent, which was heard and then has been
// silent for 90 s by the server's clock: the ticket is not promised from
// the printer. It stays on screen with its number and QR code (twice the
// idle time, to be photographed), and says why in Polish, English and
// Ukrainian; the kiosk names the printer as not working. No serious
// accessibility violation on that screen.
func TestBrowserKioskAgentOffline(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := t.Context()
	kiosks := kiosk.NewStore(e.db, e.clock)
	ks, err := kiosks.List(ctx)
	if err != nil || len(ks) != 1 {
		t.Fatalf("kiosks: %v %v", ks, err)
	}
	if _, err := kiosks.Update(ctx, ks[0].ID, func(s *kiosk.Spec) error { s.Printer.URI = "agent"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kiosks.AgentHeard(ctx, ks[0].ID, "ok"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(kiosk.AgentTimeout)
	deps, err := e.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	dep := deps[0]

	base := e.listen()
	b := browsertest.New(t, kioskTall.width, kioskTall.height)
	p := &kioskPage{clerkPage{tab{t: t, ctx: b}}}
	p.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=60"))
	p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0`)
	p.do(chromedp.Click(chromedp.CSS("#department-list button[data-department=\"" + itoa(dep.ID) + "\"]")))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	p.do(chromedp.Click(chromedp.CSS("#service-list button[data-service=\"" + itoa(dep.Services[0].ID) + "\"]")))
	p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
	p.do(chromedp.Click(chromedp.CSS("#take")))

	p.waitFor("the ticket, not printed", `!document.getElementById('view-ticket').hidden && document.getElementById('print-message').dataset.state === 'failed'`+
		` && document.getElementById('print-message').textContent === 'Drukarka jest niedostępna — zrób zdjęcie biletu lub zapamiętaj numer.'`)
	number := run(t, b, chromedp.Text(chromedp.CSS("#ticket-number")))
	var tk struct{ ID, PublicID string }
	if err := e.db.WithContext(ctx).Table("tickets").Select("id, public_id").Where("number = ?", number).Take(&tk).Error; err != nil {
		t.Fatalf("ticket %q is not in the database: %v", number, err)
	}
	p.waitFor("its QR code", `(i => i.complete && i.naturalWidth > 0 && !i.hidden && i.getBoundingClientRect().width >= 200`+
		` && i.getAttribute('src') === `+jsString("/api/v1/tickets/"+tk.PublicID+"/qr.svg")+`)(document.getElementById('ticket-qr'))`)
	if visible := run(t, b, chromedp.Evaluate[bool](`(() => {
		for (const id of ['ticket-number', 'ticket-qr', 'print-message']) {
			const r = document.getElementById(id).getBoundingClientRect();
			if (r.width === 0 || r.height === 0 || r.top < 0 || r.bottom > innerHeight) return false;
		}
		return true;
	})()`)); !visible {
		t.Error("the number, the QR code and the message are not all on screen")
	}
	p.waitFor("said to screen readers", `document.getElementById('announce').textContent.includes(`+jsString(number)+`)`+
		` && document.getElementById('announce').textContent.includes('Drukarka jest niedostępna')`)
	p.waitFor("the printer named", `!document.getElementById('printer').hidden && document.getElementById('printer').textContent === 'Drukarka: nie działa'`)
	// Kept on screen twice the idle time (60 s) for a photograph.
	p.waitFor("the long countdown", `(m => m && Number(m[1]) > 60)(/za (\d+) s$/.exec(document.getElementById('countdown').textContent))`)
	var job struct {
		State, Reason string
		Attempts      int
	}
	if err := e.db.WithContext(ctx).Table("print_jobs").Select("state, reason, attempts").Where("ticket_id = ?", tk.ID).Take(&job).Error; err != nil {
		t.Fatal(err)
	}
	if job.State != "failed" || job.Reason != "agent_offline" || job.Attempts != 0 {
		t.Errorf("the ticket's print job: %+v, want failed agent_offline, never sent", job)
	}
	p.axeAt("/kiosk ticket, the agent offline", kioskTall)

	p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="en"]`)))
	p.waitFor("the reason in English", `document.documentElement.lang === 'en' && document.getElementById('ticket-number').textContent === `+jsString(number)+
		` && document.getElementById('print-message').textContent === 'The printer is unavailable — take a photo of the ticket or remember the number.'`)
	p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="uk"]`)))
	p.waitFor("the reason in Ukrainian", `document.documentElement.lang === 'uk' && document.getElementById('ticket-number').textContent === `+jsString(number)+
		` && document.getElementById('print-message').textContent === 'Принтер недоступний — сфотографуйте квиток або запам’ятайте номер.'`)
}
