package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web/browsertest"
)

// kioskSizes are the kiosk's screens: a portrait totem and a 5:4 monitor.
var kioskSizes = []struct {
	name          string
	width, height int64
}{{"1080x1920", 1080, 1920}, {"1280x1024", 1280, 1024}}

// noCutText checks the kiosk's current screen in each language (switched
// with its language buttons) at each of its sizes, and leaves it in Polish.
func (p *kioskPage) noCutText(screen string) {
	p.t.Helper()
	for _, lang := range []string{"pl", "en", "uk"} {
		p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="` + lang + `"]`)))
		p.waitFor(lang, `document.documentElement.lang === '`+lang+`'`)
		for _, size := range kioskSizes {
			p.do(chromedp.EmulateViewport(size.width, size.height))
			browsertest.RequireNoCutText(p.t, p.ctx, "kiosk-"+screen+"-"+size.name+"-"+lang)
		}
	}
	p.do(chromedp.EmulateViewport(1080, 1920), chromedp.Click(chromedp.CSS(`button.lang[data-lang="pl"]`)))
	p.waitFor("pl", `document.documentElement.lang === 'pl'`)
}

// Outside the hours, the kiosk's first screen says for each department
// when it takes visitors, greyed out (aria-disabled, the reason in the
// button's name), in each language; a department closed for the day names
// the day it opens; touching one says why and leads nowhere. When the
// departments open they can be chosen; after the last ticket time they
// say tomorrow. No text on any screen is cut, at 1080×1920 and 1280×1024,
// in Polish, English and Ukrainian. The previous visitor's number leaves
// the hidden live region when the kiosk goes back to the start.
func TestBrowserKioskHoursFitAndReset(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := t.Context()
	deps, err := e.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	shut := deps[1] // closed all Tuesday
	if _, err := e.offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &shut.ID, StartsOn: e.week.Day(1), EndsOn: e.week.Day(1), Reason: "Inwentaryzacja"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.week.At(1, 6, 0)) // Tuesday 06:00; the demo opens at 07:30
	base := e.listen()
	p := &kioskPage{clerkPage{tab{t: t, ctx: browsertest.New(t, 1080, 1920)}}}
	button := func(d office.Department) string {
		return `document.querySelector('#department-list button[data-department="` + itoa(d.ID) + `"]')`
	}
	reasons := `[...document.querySelectorAll('#department-list button')].map(b => b.getAttribute('aria-disabled') === 'true' ? b.querySelector('.btn-reason').textContent : 'open')`

	wednesday := map[string]string{"pl": "środa", "en": "Wednesday", "uk": "середа"}
	for _, tc := range []struct{ lang, early, next string }{
		{"pl", "Wydział przyjmuje od 07:30.", "Wydział nie wydaje teraz biletów. Zapraszamy: " + dayMonth(e.week.Day(2)) + ", od 07:30."},
		{"en", "The department takes visitors from 07:30.", "The department is not issuing tickets now. Please come on "},
		{"uk", "Відділ приймає з 07:30.", "Відділ зараз не видає квитків. Запрошуємо: "},
	} {
		p.do(chromedp.Navigate(base + "/kiosk?lang=" + tc.lang + "&token=" + e.creds.KioskToken + "&idle=3600"))
		p.waitFor(tc.lang+" departments greyed", `document.querySelectorAll('#department-list button[aria-disabled="true"]').length === `+itoa(int64(len(deps))))
		got := run(t, p.ctx, chromedp.Evaluate[[]string](reasons))
		for i, d := range deps {
			want := tc.early
			if d.ID == shut.ID {
				want = tc.next
			}
			if !strings.HasPrefix(got[i], want) || (d.ID == shut.ID && !strings.Contains(got[i], wednesday[tc.lang])) {
				t.Errorf("%s: %s says %q, want %q (a Wednesday)", tc.lang, d.Name, got[i], want)
			}
		}
		// Closed all day: not today's usual hours.
		if sub := p.text(button(shut) + `.querySelector('.btn-sub').textContent`); strings.Contains(sub, "07:30") {
			t.Errorf("%s: the department closed today says %q", tc.lang, sub)
		}
		// The reason is part of the button's name for a screen reader.
		if name := p.text(button(deps[0]) + `.textContent`); !strings.Contains(name, tc.early) {
			t.Errorf("%s: the button reads %q", tc.lang, name)
		}
		if p.text(`String(document.getElementById('departments-empty').hidden)`) != "false" {
			t.Errorf("%s: the kiosk does not say that no department issues tickets", tc.lang)
		}
		browsertest.RequireNoSeriousViolations(t, p.ctx, "/kiosk?lang="+tc.lang+" before opening")
	}
	// Touching a greyed department says why and stays.
	p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="pl"]`)), chromedp.Click(chromedp.CSS(`#department-list button[data-department="`+itoa(deps[0].ID)+`"]`)))
	p.waitFor("the reason said", `document.getElementById('alert').textContent === 'Wydział przyjmuje od 07:30.' && !document.getElementById('view-start').hidden`)
	p.noCutText("closed")

	// 07:30: the departments open, but the one closed for the day.
	e.clock.Set(e.week.At(1, 7, 30))
	p.do(chromedp.Evaluate[chromedp.Void](`OkienkoKiosk.refresh()`))
	p.waitFor("open", button(deps[0])+`.getAttribute('aria-disabled') === null && `+button(shut)+`.getAttribute('aria-disabled') === 'true' && document.getElementById('departments-empty').hidden`)
	p.noCutText("start")

	// Through the screens to a ticket, each checked for cut text.
	dep := deps[0]
	p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	p.noCutText("matters")
	p.do(chromedp.Click(chromedp.CSS(`#service-list button[data-service="` + itoa(dep.Services[0].ID) + `"]`)))
	p.waitFor("the take screen", `!document.getElementById('view-take').hidden`)
	p.do(chromedp.Click(chromedp.CSS("#sms")))
	p.waitFor("the phone keypad", `!document.getElementById('sms-entry').hidden`)
	p.noCutText("take")
	p.do(chromedp.Click(chromedp.CSS("#sms")), chromedp.Click(chromedp.CSS("#take")))
	p.waitFor("the ticket", `!document.getElementById('view-ticket').hidden && document.getElementById('announce').textContent.startsWith('Twój numer: ')`)
	number := p.text(`document.getElementById('ticket-number').textContent`)
	p.noCutText("ticket")

	// Back to the start: the live region no longer holds the number, on
	// the start screen nor on the screens after it.
	p.do(chromedp.Click(chromedp.CSS("#done")))
	p.waitFor("the start", `!document.getElementById('view-start').hidden`)
	p.do(chromedp.Evaluate[chromedp.Void](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`))
	if live := p.text(`document.getElementById('announce').textContent`); live != "" {
		t.Errorf("after Gotowe the live region still says %q", live)
	}
	p.do(chromedp.Click(chromedp.CSS(`#department-list button[data-department="` + itoa(dep.ID) + `"]`)))
	p.waitFor("the matters", `!document.getElementById('view-services').hidden`)
	if live := p.text(`document.getElementById('announce').textContent + document.body.innerText`); strings.Contains(live, number) {
		t.Errorf("the next visitor's screen still carries %s", number)
	}
	// And after the idle timeout, from the check-in screen.
	p.do(chromedp.Click(chromedp.CSS(`[data-back="start"]`)))
	p.do(chromedp.Click(chromedp.CSS("#checkin-open")))
	p.waitFor("the check-in screen", `!document.getElementById('view-checkin').hidden`)
	p.noCutText("checkin")
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('announce').textContent = 'Twój numer: X'; OkienkoKiosk.idle()`))
	p.waitFor("the start, silent", `!document.getElementById('view-start').hidden && document.getElementById('announce').textContent === ''`)

	// After the last ticket time (15 minutes before 15:30): tomorrow.
	e.clock.Set(e.week.At(1, 15, 16))
	p.do(chromedp.Click(chromedp.CSS(`button.lang[data-lang="pl"]`)), chromedp.Evaluate[chromedp.Void](`OkienkoKiosk.refresh()`))
	p.waitFor("closed for today", button(dep)+`.querySelector('.btn-reason')?.textContent === `+jsString("Wydział nie wydaje teraz biletów. Zapraszamy: "+dayMonth(e.week.Day(2))+", od 07:30."))
}

// The administrator gives a counter a short label for the hall display in
// the counters' form: the field explains itself (aria-describedby), the
// label is saved, listed next to the name, and the display shows it in its
// last calls.
func TestBrowserAdminCounterLabel(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	counter := e.counterOf("Stanowisko 1")
	p := adminSignIn(t, e, "#stanowiska")
	p.waitFor("the counters", `document.querySelector('#counters-list button[aria-label="Edytuj: Stanowisko 1"]') !== null`)
	p.do(chromedp.Click(chromedp.CSS(`#counters-list button[aria-label="Edytuj: Stanowisko 1"]`)))
	p.waitFor("the counter form", `document.querySelector('#counter-form [name=label]') !== null`)
	if hint := p.text(`document.getElementById(document.querySelector('#counter-form [name=label]').getAttribute('aria-describedby')).textContent`); !strings.Contains(hint, "tablicy") {
		t.Errorf("the label's hint says %q", hint)
	}
	browsertest.RequireNoSeriousViolations(t, p.ctx, "/admin#stanowiska editing a counter")
	p.do(chromedp.SendKeys(chromedp.CSS(`#counter-form [name=label]`), "Kasa 1"), chromedp.Click(chromedp.CSS(`#counter-form button[type=submit]`)))
	p.waitFor("saved", `document.getElementById('notice').textContent === 'Zapisano.' && document.getElementById('counters-list').textContent.includes('Stanowisko 1 (Kasa 1)')`)
	if c := e.counterOf("Stanowisko 1"); c.Label != "Kasa 1" || c.ID != counter.ID {
		t.Fatalf("stored %+v", c)
	}

	// The display's last calls show the label; the call is spoken by name.
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	cpath := "/api/v1/counters/" + itoa(counter.ID)
	if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("open: %d %s", resp.StatusCode, body)
	}
	if err := e.board.Rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		id, _, _ := e.issueTicket(counter.ServiceIDs[0])
		if resp, body := e.do("POST", cpath+"/next", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		for _, a := range []string{"start", "finish"} {
			if resp, body := e.do("POST", "/api/v1/tickets/"+itoa(id)+"/"+a, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
			}
		}
	}
	base := p.text(`location.origin`)
	d := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	d.do(chromedp.Navigate(base + "/display"))
	d.waitFor("the label in the last calls", `document.querySelector('#recent-list td.counter')?.textContent === 'Kasa 1' && document.getElementById('now-counter').textContent === 'Stanowisko 1'`)
}
