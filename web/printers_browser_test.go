package web_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/web/browsertest"
)

// A clerk signed in on /clerk sees, without reloading, the notice that the
// kiosk's printer is out of paper, naming the kiosk, the problem and what
// to do, in Polish (in English with ?lang=en); the notice goes away when
// the printer is refilled. The page with the notice has no serious
// accessibility violation.
func TestBrowserClerkPrinterNotice(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	e.printerOf(fake.URI(), bearer(e.adminToken()))
	check := func() {
		t.Helper()
		if _, err := e.srv.Kiosks.CheckPrinters(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	check()

	base := e.listen()
	b := browsertest.New(t, 1280, 800)
	p := &tab{t: t, ctx: b}
	p.do(chromedp.Navigate(base + "/clerk"))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
	)
	p.waitFor("the counter choice", `!document.getElementById('view-counters').hidden`)
	if shown := p.text(`String(!document.getElementById('printers').hidden)`); shown != "false" {
		t.Fatal("a printer notice while the printer is ready")
	}

	fake.SetPaperOut(true)
	check()
	p.waitFor("the paper-out notice", `!document.getElementById('printers').hidden && document.querySelector('#printers-list li[data-state="paper_out"]') !== null`)
	if got, want := p.text(`document.getElementById('printers-list').textContent`),
		"Drukarka biletomatu „Biletomat — hol główny”: brak papieru. Załóż nową rolkę papieru; do tego czasu biletomat pokazuje bilety na ekranie."; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	p.axeAt("clerk page with a printer notice", desktop)

	p.do(chromedp.Navigate(base + "/clerk?lang=en"))
	p.waitFor("the notice in English", `document.querySelector('#printers-list li') !== null && document.getElementById('printers-list').textContent.startsWith('Printer of kiosk "Biletomat — hol główny": out of paper.')`)
	if h := p.text(`document.getElementById('printers-heading').textContent`); h != "Kiosk printers" {
		t.Errorf("heading %q", h)
	}

	// A failed print's reason is told in words, on every staff page the
	// same (printers.js), never as the bare reason code.
	for lang, want := range map[string]string{
		"pl": "offline — brak kontaktu z programem biletomatu|program biletomatu został zatrzymany|paper_jam",
		"en": "offline — no contact with the kiosk program|the kiosk program was stopped|paper_jam",
		"uk": "офлайн — немає зв’язку з програмою термінала|програму термінала зупинено|paper_jam",
	} {
		got := p.text(`(() => { const words = OkienkoPrinters.texts['` + lang + `'], t = (k) => words[k] ?? k;
			return ['agent_offline', 'agent_stopped', 'paper_jam'].map((r) => OkienkoPrinters.reason(t, r)).join('|'); })()`)
		if got != want {
			t.Errorf("reasons in %s: %q, want %q", lang, got, want)
		}
	}

	fake.Refill()
	check()
	p.waitFor("the notice gone after the refill", `document.getElementById('printers').hidden && document.querySelector('#printers-list li') === null`)
}

// An administrator on the kiosks section sees a printer's cover opened at
// once, in the notice and in the kiosks' list, and sets the address told of
// printer problems: a wrong one is refused next to the field, a right one
// saved and read back.
func TestBrowserAdminPrinterNotice(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	fake := printertest.Start(t)
	id := e.printerOf(fake.URI(), bearer(e.adminToken()))
	p := adminSignIn(t, e, "#biletomaty")
	p.waitFor("the kiosks list", `document.querySelector('[data-printer-of="`+strconv.FormatInt(id, 10)+`"]') !== null`)

	fake.SetCoverOpen(true)
	if _, err := e.srv.Kiosks.CheckPrinters(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the cover-open notice", `!document.getElementById('printers').hidden && document.getElementById('printers-list').textContent.startsWith('Drukarka biletomatu „Biletomat — hol główny”: otwarta pokrywa.')`)
	p.waitFor("the state in the list", `document.querySelector('[data-printer-of="`+strconv.FormatInt(id, 10)+`"]').textContent === 'otwarta pokrywa'`)

	p.do(chromedp.SendKeys(chromedp.CSS("#alerts-email"), "sekretariat"), chromedp.Click(chromedp.CSS("#alerts-submit")))
	p.waitFor("the address refused", `document.getElementById('alerts-email').getAttribute('aria-invalid') === 'true' && document.querySelector('#alerts-form .field-error').textContent.startsWith('Podaj sam adres e-mail')`)
	p.do(chromedp.SetValue(chromedp.CSS("#alerts-email"), "sekretariat@urzad.example.pl"), chromedp.Click(chromedp.CSS("#alerts-submit")))
	p.waitFor("the address saved", `document.getElementById('notice').textContent === 'Zapisano adres powiadomień: sekretariat@urzad.example.pl.'`)
	if off, _ := e.offices.Office(context.Background()); off.AlertsEmail != "sekretariat@urzad.example.pl" {
		t.Fatalf("stored %q", off.AlertsEmail)
	}
	p.axeAt("kiosks section with a printer notice", desktop)
}
