package web_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/web"
	"github.com/okienko/okienko/web/browsertest"
)

// viewport is a screen size a page is checked at.
type viewport struct {
	name          string
	width, height int
}

var (
	phone     = viewport{"phone", 360, 740}
	desktop   = viewport{"desktop", 1280, 900}
	tvWide    = viewport{"tv landscape", 1920, 1080}
	tvTall    = viewport{"tv portrait", 1080, 1920}
	kioskTall = viewport{"kiosk", 1080, 1920}
)

// axeAt checks the page open in p at each size with axe-core: no serious or
// critical violation of WCAG 2.1 A and AA or axe's best practices.
func (p *tab) axeAt(state string, sizes ...viewport) {
	p.t.Helper()
	for _, v := range sizes {
		p.do(chromedp.EmulateViewport(int64(v.width), int64(v.height)))
		p.waitFor(v.name+" size", fmt.Sprintf(`innerWidth === %d && innerHeight === %d`, v.width, v.height))
		browsertest.RequireNoSeriousViolations(p.t, p.ctx, fmt.Sprintf("%s at %dx%d (%s)", state, v.width, v.height, v.name))
	}
}

// visit runs actions that load a page and fails unless it answers status.
func (p *tab) visit(what string, status int64, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.ctx, actions...)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != status {
		p.t.Fatalf("%s: status %d, want %d (%s)", what, resp.Status, status, resp.URL)
	}
}

// Every page of the app, in the states people see, has no serious or
// critical accessibility violation by axe-core in Chromium, at the sizes it
// is used at: the start page, the clerk's page from signing in to the
// transfer dialog, the hall display with calls, the resident's ticket page,
// the kiosk from its start screen to the check-in keyboard, and the
// resident's booking site from the list of matters to a cancelled visit and
// its error pages.
func TestAccessibility(t *testing.T) {
	t.Run("site pages", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		serviceID, _ := e.firstFreeSlot()
		matter := "/sprawy/" + itoa(serviceID)
		// The matter has a form to download.
		if _, err := e.offices.AddAttachment(t.Context(), serviceID, "Wniosek o wydanie dowodu osobistego", "wniosek.pdf", samplePDF("x")); err != nil {
			t.Fatal(err)
		}
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}
		for _, pg := range []struct {
			state, path string
			status      int64
		}{
			{"/ the matters", "/", 200},
			{"/ in Ukrainian", "/?lang=uk", 200},
			{"/ searching", "/?q=dow%C3%B3d", 200},
			{"/ searching in English", "/?lang=en&q=ID+card", 200},
			{"/ searching in Ukrainian", "/?lang=uk&q=%D0%BF%D1%80%D0%BE%D0%BF%D0%B8%D1%81%D0%BA%D0%B0", 200},
			{"/ searching, nothing found", "/?q=zzzz", 200},
			{"/sprawy/{id} with a form to download", matter, 200},
			{"/sprawy/{id} in English", matter + "?lang=en", 200},
			{"/sprawy/{id} in Ukrainian", matter + "?lang=uk", 200},
			{"/sprawy/{id}/termin", matter + "/termin", 200},
			{"/sprawy/{id}/termin/{date} with free times", matter + "/termin/" + e.week.Date(1), 200},
			{"/sprawy/{id}/termin/{date} closed", matter + "/termin/" + e.week.Date(6), 200},
			{"/rezerwacja", "/rezerwacja", 200},
			{"/odwolaj", "/odwolaj", 200},
			{"a page not found", "/sprawy/999999", 404},
		} {
			p.visit(pg.state, pg.status, chromedp.Navigate(base+pg.path))
			p.axeAt(pg.state, phone, desktop)
		}
	})

	t.Run("site booking", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		serviceID, _ := e.firstFreeSlot()
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

		p.visit("the day", 200, chromedp.Navigate(base+"/sprawy/"+itoa(serviceID)+"/termin/"+e.week.Date(1)))
		p.visit("the form", 200, chromedp.Click(chromedp.CSS("input[name=start]:not(:disabled)")), chromedp.Click(chromedp.CSS("#choose-time")))
		p.axeAt("/sprawy/{id}/rezerwacja?start=", phone, desktop)
		p.visit("the empty form sent", 422, chromedp.Click(chromedp.CSS("#book-submit")))
		p.waitFor("the errors", `document.querySelectorAll('.field-error').length >= 4`)
		p.axeAt("/sprawy/{id}/rezerwacja with every field refused", phone, desktop)

		p.do(
			chromedp.SendKeys(chromedp.CSS("#name"), "Zofia Łęcka-Nowak"),
			chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
			chromedp.SendKeys(chromedp.CSS("#email"), "zofia@example.pl"),
			chromedp.Click(chromedp.CSS("#consent")),
		)
		p.visit("the confirmation", 200, chromedp.Click(chromedp.CSS("#book-submit")))
		code := p.text(`document.getElementById('booking-code').textContent`)
		if !codeForm.MatchString(code) {
			t.Fatalf("the confirmation shows code %q", code)
		}
		p.waitFor("the QR code", `(i => i.complete && i.naturalWidth > 0)(document.querySelector('img.qr'))`)
		p.axeAt("/rezerwacja/{code}", phone, desktop)

		// The e-mail's cancel link, and a wrong PESEL given there.
		p.visit("the cancel page", 200, chromedp.Navigate(base+"/rezerwacja/"+code+"/odwolaj"))
		p.axeAt("/rezerwacja/{code}/odwolaj", phone, desktop)
		p.do(chromedp.SendKeys(chromedp.CSS("#pesel"), "44051401358"))
		p.visit("a wrong PESEL", 422, chromedp.Click(chromedp.CSS("#cancel-submit")))
		p.axeAt("/rezerwacja/{code}/odwolaj with a wrong PESEL", phone, desktop)

		// "Moja rezerwacja": a wrong PESEL, then the booking found and
		// cancelled.
		p.visit("the look-up form", 200, chromedp.Navigate(base+"/rezerwacja"))
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.SendKeys(chromedp.CSS("#pesel"), "85010112345"))
		p.visit("the look-up refused", 404, chromedp.Click(chromedp.CSS("#lookup-submit")))
		p.axeAt("/rezerwacja not found", phone, desktop)
		p.visit("the look-up form", 200, chromedp.Navigate(base+"/rezerwacja"))
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL))
		p.visit("the booking found", 200, chromedp.Click(chromedp.CSS("#lookup-submit")))
		p.axeAt("/rezerwacja with the booking found", phone, desktop)
		p.visit("the booking cancelled", 200, chromedp.Click(chromedp.CSS("#cancel-submit")))
		p.waitFor("the cancellation said", `document.getElementById('cancelled-banner') !== null`)
		p.axeAt("/rezerwacja/{code} cancelled", phone, desktop)

		// Cancel by PESEL, matter and day, with nothing left to cancel.
		p.visit("the cancel-by-day form", 200, chromedp.Navigate(base+"/odwolaj"))
		p.visit("the empty form sent", 422, chromedp.Click(chromedp.CSS("#cancel-day-submit")))
		p.axeAt("/odwolaj with every field refused", phone, desktop)
		p.do(
			chromedp.SetValue(chromedp.CSS("#pesel"), validPESEL),
			chromedp.SetValue(chromedp.CSS("#service_id"), itoa(serviceID)),
			chromedp.SetValue(chromedp.CSS("#date"), e.week.Date(1)),
		)
		p.visit("nothing to cancel", 404, chromedp.Click(chromedp.CSS("#cancel-day-submit")))
		p.axeAt("/odwolaj with nothing to cancel", phone, desktop)
	})

	t.Run("site too many attempts", func(t *testing.T) {
		limits := generous
		limits.Lookup = web.Limit{Max: 1, Window: time.Hour}
		e := newEnvWith(t, databasetest.SQLite(t), limits)
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}
		for i, status := range []int64{404, 429} {
			p.visit("the look-up form", 200, chromedp.Navigate(base+"/rezerwacja"))
			p.do(chromedp.SendKeys(chromedp.CSS("#code"), "ABCD-EFGH"), chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL))
			p.visit(fmt.Sprintf("look-up %d", i+1), status, chromedp.Click(chromedp.CSS("#lookup-submit")))
		}
		p.axeAt("too many attempts", phone, desktop)
	})

	t.Run("clerk", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		counter := e.counterOf("Stanowisko 1")
		_, first, _ := e.issueTicket(counter.ServiceIDs[0])
		_, second, _ := e.issueTicket(counter.ServiceIDs[0])
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

		p.do(chromedp.Navigate(base + "/clerk"))
		p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden && document.getElementById('loading').hidden`)
		p.axeAt("/clerk signing in", desktop, phone)
		p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

		p.do(chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser), chromedp.SendKeys(chromedp.CSS("#password"), "wrong-password\n"))
		p.waitFor("the refusal", `document.getElementById('alert').textContent !== ''`)
		p.axeAt("/clerk with a wrong password", desktop)

		p.do(chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"))
		p.waitFor("the counter choice", `!document.getElementById('view-counters').hidden && document.querySelectorAll('#counter-list input').length > 0`)
		p.axeAt("/clerk choosing a counter", desktop)
		p.do(chromedp.Click(chromedp.CSS(`label[for="counter-` + itoa(counter.ID) + `"]`)))
		p.waitFor("the counter's matters", `document.querySelectorAll('#service-list input').length > 0 && !document.getElementById('counter-open').disabled`)
		p.axeAt("/clerk choosing the matters", desktop)

		p.do(chromedp.Click(chromedp.CSS("#counter-open")))
		p.waitFor("the work view", `!document.getElementById('view-work').hidden && document.querySelectorAll('#waiting-list tr').length === 2`)
		p.axeAt("/clerk at work, nobody called", desktop)
		p.do(chromedp.KeyEvent("n"))
		p.waitFor("one called, one waiting", `document.getElementById('current-number').textContent.startsWith(`+jsString(first)+
			`) && document.querySelectorAll('#waiting-list th').length === 1 && document.querySelector('#waiting-list th').textContent.includes(`+jsString(second)+`)`)
		p.axeAt("/clerk at work, a ticket called and one waiting", desktop, phone)
		p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

		p.do(chromedp.KeyEvent("s"))
		p.waitFor("the ticket being served", `document.getElementById('current-ticket').dataset.status === 'serving'`)
		p.do(chromedp.KeyEvent("t"))
		p.waitFor("the transfer dialog", `document.getElementById('transfer-dialog').open && document.getElementById('transfer-options').querySelectorAll('button').length > 0`)
		p.axeAt("/clerk with the transfer dialog open", desktop)
		p.do(chromedp.KeyEvent(kb.Escape))
		p.waitFor("the dialog closed", `!document.getElementById('transfer-dialog').open`)
		p.do(chromedp.KeyEvent("f"))
		p.waitFor("the visit finished", `!document.getElementById('current-empty').hidden && !document.getElementById('act-pause').disabled`)
		p.do(chromedp.Click(chromedp.CSS("#act-pause")))
		p.waitFor("the pause reasons", `document.getElementById('pause-dialog').open && document.activeElement.dataset.reason !== undefined`)
		p.axeAt("/clerk choosing the reason of a pause", desktop)
		p.do(chromedp.KeyEvent(kb.Enter))
		p.waitFor("the counter paused", `!document.getElementById('act-resume').hidden`)
		p.axeAt("/clerk paused", desktop)
	})

	t.Run("admin", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

		p.do(chromedp.Navigate(base + "/admin#sprawy"))
		p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden && document.getElementById('loading').hidden`)
		p.axeAt("/admin signing in", desktop, phone)
		p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))
		p.do(chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser), chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"))
		p.waitFor("the services", `!document.getElementById('sec-services').hidden && document.querySelectorAll('#services-list button.edit-service').length > 0`)
		p.axeAt("/admin#sprawy", desktop, phone)
		p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))
		p.do(chromedp.Click(chromedp.CSS("#services-list button.edit-service")))
		p.waitFor("the service form and its forms to download", `document.getElementById('service-form') !== null && document.getElementById('form-upload') !== null`)
		p.axeAt("/admin#sprawy editing a service", desktop)

		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#biletomaty"]`)))
		p.waitFor("the kiosks", `!document.getElementById('sec-kiosks').hidden && document.querySelectorAll('#kiosks-list tbody tr').length > 0`)
		p.do(chromedp.SendKeys(chromedp.CSS("#kiosk-name"), "Biletomat 2"), chromedp.Click(chromedp.CSS("#kiosk-submit")))
		p.waitFor("the token", `!document.getElementById('kiosk-token').hidden`)
		p.axeAt("/admin#biletomaty with a new kiosk's token", desktop, phone)
		p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#wydzialy"]`)))
		p.waitFor("the departments", `!document.getElementById('sec-departments').hidden && document.querySelectorAll('#departments-list tbody tr').length > 0`)
		p.do(chromedp.Click(chromedp.CSS("#departments-list tbody button")))
		p.waitFor("the department form", `document.querySelectorAll('#department-form li.interval').length > 0`)
		p.axeAt("/admin#wydzialy editing opening hours", desktop)

		for _, sec := range []string{"zamkniecia", "stanowiska", "uzytkownicy", "tablice", "statystyki", "na-zywo", "webhooki", "dziennik"} {
			p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#` + sec + `"]`)))
			p.waitFor(sec, `document.querySelector('#nav a[aria-current="page"]').getAttribute('href') === '#`+sec+`' && document.querySelector('section.view:not([hidden]) table, section.view:not([hidden]) p.muted') !== null`)
			p.axeAt("/admin#"+sec, desktop)
		}
		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#tablice"]`)), chromedp.Click(chromedp.CSS("#display-new")))
		p.waitFor("the display form", `document.getElementById('display-form') !== null`)
		p.axeAt("/admin#tablice setting up a display", desktop, phone)
	})

	t.Run("display", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + itoa(counter.ID)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		first, _, _ := e.issueTicket(counter.ServiceIDs[0])
		_, second, _ := e.issueTicket(counter.ServiceIDs[0])
		e.issueTicket(counter.ServiceIDs[0])
		srv := e.listenRestartable()
		p := &tab{t: t, ctx: browsertest.New(t, tvWide.width, tvWide.height)}

		p.do(browsertest.OnNewDocument(noAutoplay), chromedp.Navigate(srv.base()+"/display"))
		p.waitFor("the sound hint", `!document.getElementById('sound-enable').hidden && document.querySelectorAll('#waiting-list li').length > 0`)
		p.axeAt("/display asking for sound", tvWide, tvTall)
		if !run(t, p.ctx, chromedp.Evaluate[bool](fakeSpeech)) {
			t.Fatal("fake speech not installed")
		}
		p.do(chromedp.Click(chromedp.CSS("#sound-enable")))
		p.waitFor("the hint gone", `document.getElementById('sound-enable').hidden`)

		for _, step := range []string{"/next", fmt.Sprintf("/api/v1/tickets/%d/start", first), "/next"} {
			path := step
			if path == "/next" {
				path = cpath + path
			}
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		p.waitFor("the calls", `document.getElementById('now-number').textContent === `+jsString(second)+` && document.querySelectorAll('#recent-list tr').length > 0`)
		p.axeAt("/display with calls", tvWide, tvTall)
		srv.stop()
		p.waitFor("the offline mark", `document.getElementById('offline').textContent !== ''`)
		p.axeAt("/display offline", tvWide)
	})

	t.Run("ticket", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + itoa(counter.ID)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		e.issueTicket(counter.ServiceIDs[0])
		mine, _, publicID := e.issueTicket(counter.ServiceIDs[0])
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, phone.width, phone.height)}

		p.do(chromedp.Navigate(base + "/t/" + publicID))
		p.waitFor("the ticket waiting", `document.getElementById('status-box').dataset.status === 'waiting' && !document.getElementById('ahead').hidden && document.getElementById('refresh').hidden`)
		p.axeAt("/t/{public_id} waiting", phone, desktop)
		p.do(chromedp.Navigate(base + "/t/" + publicID + "?lang=uk"))
		p.waitFor("the ticket in Ukrainian", `document.documentElement.lang === 'uk' && document.getElementById('refresh').hidden`)
		p.axeAt("/t/{public_id}?lang=uk waiting", phone)

		// The one before is called and finished; then this one is called.
		for _, path := range []string{cpath + "/next", "", cpath + "/next"} {
			if path == "" {
				var current struct{ ID int64 }
				if err := e.db.Table("tickets").Select("id").Where("status = ?", "called").Take(&current).Error; err != nil {
					t.Fatal(err)
				}
				path = "/api/v1/tickets/" + strconv.FormatInt(current.ID, 10) + "/start"
			}
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		p.waitFor("the ticket called", `document.getElementById('status-box').dataset.status === 'called'`)
		p.axeAt("/t/{public_id} called", phone, desktop)
		for _, a := range []string{"start", "finish"} {
			if resp, body := e.do("POST", "/api/v1/tickets/"+strconv.FormatInt(mine, 10)+"/"+a, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
			}
		}
		p.do(chromedp.Navigate(base + "/t/" + publicID))
		p.waitFor("the visit over", `document.getElementById('status-box').dataset.status === 'done' && document.getElementById('live-note').hidden`)
		p.axeAt("/t/{public_id} done", phone)

		p.do(chromedp.Navigate(base + "/t/no-such-ticket"))
		p.waitFor("the missing ticket", `document.querySelector('[data-status="missing"]') !== null`)
		p.axeAt("/t/{public_id} not found", phone)
	})

	t.Run("kiosk", func(t *testing.T) {
		e := newEnv(t, databasetest.SQLite(t))
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		dep := deps[0]
		// The kiosk's printer is out of paper: the ticket stays on screen
		// and the kiosk names the fault.
		fake := printertest.Start(t)
		fake.SetPaperOut(true)
		kiosks := kiosk.NewStore(e.db, e.clock)
		ks, err := kiosks.List(t.Context())
		if err != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %v %v", ks, err)
		}
		if _, err := kiosks.Update(t.Context(), ks[0].ID, func(s *kiosk.Spec) error { s.Printer.URI = fake.URI(); return nil }); err != nil {
			t.Fatal(err)
		}
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, kioskTall.width, kioskTall.height)}

		p.do(chromedp.Navigate(base + "/kiosk"))
		p.waitFor("the setup screen", `!document.getElementById('view-setup').hidden`)
		p.axeAt("/kiosk not set up", kioskTall)

		p.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=3600"))
		p.waitFor("the departments", `!document.getElementById('view-start').hidden && document.querySelectorAll('#department-list button').length > 0`)
		p.axeAt("/kiosk start", kioskTall)
		p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
		p.waitFor("the matters", `!document.getElementById('view-services').hidden && document.querySelectorAll('#service-list button').length > 0`)
		p.axeAt("/kiosk matters", kioskTall)
		p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(dep.Services[0].ID) + `"]`)))
		p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
		p.axeAt("/kiosk taking a ticket", kioskTall)
		p.do(chromedp.Click(chromedp.CSS("#sms")), chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("the phone asked for", `!document.getElementById('phone-error').hidden`)
		p.axeAt("/kiosk taking a ticket, the SMS number missing", kioskTall)
		p.do(chromedp.Click(chromedp.CSS("#sms")))
		p.waitFor("the SMS off", `document.getElementById('sms-entry').hidden`)
		p.do(chromedp.Click(chromedp.CSS("#take")))
		p.waitFor("the ticket, not printed", `!document.getElementById('view-ticket').hidden && (i => i.complete && i.naturalWidth > 0)(document.getElementById('ticket-qr'))`+
			` && document.getElementById('print-message').dataset.state === 'failed' && !document.getElementById('printer').hidden`)
		p.axeAt("/kiosk ticket, the printer out of paper", kioskTall)
		p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="en"]`)))
		p.waitFor("the ticket in English", `document.documentElement.lang === 'en' && document.getElementById('ticket-heading').textContent === 'Your number'`)
		p.axeAt("/kiosk ticket in English", kioskTall)

		p.do(chromedp.Click(chromedp.CSS("#done")))
		p.waitFor("the start", `!document.getElementById('view-start').hidden`)
		p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
		p.waitFor("the check-in keyboard", `!document.getElementById('view-checkin').hidden && document.querySelectorAll('#keys button[data-key]').length > 0`)
		p.axeAt("/kiosk check-in keyboard", kioskTall)
		p.do(chromedp.SendKeys(chromedp.CSS("#code"), "zzzzzzzz\n"))
		p.waitFor("the unknown code refused", `document.getElementById('alert').textContent !== ''`)
		p.axeAt("/kiosk check-in refused", kioskTall)
	})
}
