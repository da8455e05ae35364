package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web/browsertest"
)

// adminSignIn opens /admin in a new browser and signs the demo
// administrator in, landing on the section of hash.
func adminSignIn(t *testing.T, e *env, hash string) *tab {
	t.Helper()
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}
	p.do(chromedp.Navigate(base + "/admin" + hash))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	if missing := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n).filter(k => !(k in MESSAGES.pl))`)); len(missing) > 0 {
		t.Errorf("template keys missing from MESSAGES.pl: %v", missing)
	}
	p.do(
		chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
	)
	p.waitFor("the panel", `!document.getElementById('nav').hidden && document.getElementById('view-signin').hidden`)
	return p
}

// adminService is a demo service whose slot length is 15 minutes.
func adminService(t *testing.T, e *env) (id int64, name string) {
	t.Helper()
	resp, body := e.do("GET", "/api/v1/admin/services", nil, bearer(e.adminToken())...)
	var svcs []struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		SlotMinutes int    `json:"slot_minutes"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &svcs) != nil {
		t.Fatalf("services: %d %s", resp.StatusCode, body)
	}
	for _, s := range svcs {
		if s.SlotMinutes == 15 {
			return s.ID, s.Name
		}
	}
	t.Fatalf("no 15-minute service in %s", body)
	return 0, ""
}

// A clerk is told the panel needs an administrator; the administrator opens
// Sprawy, changes a service's slot length from 15 to 20 minutes and saves:
// the service is stored with 20 and its slots on Tuesday are 20 minutes long.
func TestBrowserAdminChangesSlotLength(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		id, name := adminService(t, e)
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}

		p.do(chromedp.Navigate(base + "/admin"))
		p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
		p.do(
			chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser),
			chromedp.SendKeys(chromedp.CSS("#password"), e.creds.ClerkPassword+"\n"),
		)
		p.waitFor("the clerk refused", `document.getElementById('alert').textContent.includes('wymaga konta administratora') && document.getElementById('nav').hidden`)
		run(t, p.ctx, chromedp.Evaluate[bool](`(document.getElementById('username').value = '') === ''`))
		p.do(
			chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
		)
		p.waitFor("the panel", `!document.getElementById('nav').hidden || (document.getElementById('alert').textContent !== '' && !document.getElementById('alert').textContent.includes('wymaga konta'))`)
		if alert := p.text(`document.getElementById('alert').textContent`); alert != "" {
			t.Fatalf("signing the administrator in: %q", alert)
		}

		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#sprawy"]`)))
		edit := `#services-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
		p.waitFor("the services", `!document.getElementById('sec-services').hidden && document.querySelector(`+jsString(edit)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(edit)))
		p.waitFor("the service form", `document.getElementById('service-slot') !== null && document.getElementById('service-slot').value === '15'`)
		// Changing the length asks the server how many bookings fall off
		// the grid; the answer appears before the administrator saves.
		p.do(chromedp.SetValue(chromedp.CSS("#service-slot"), "20"))
		p.waitFor("the grid impact", `document.getElementById('service-grid-impact').textContent !== ''`)
		p.do(chromedp.Click(chromedp.CSS("#service-save")))
		// With future bookings off the new grid the page asks to save anyway.
		p.waitFor("saved or asked to confirm", `document.getElementById('notice').textContent === 'Zapisano.' || document.getElementById('service-save')?.textContent === 'Zapisz mimo to'`)
		if run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('service-form') !== null`)) {
			p.do(chromedp.Click(chromedp.CSS("#service-save")))
			p.waitFor("saved", `document.getElementById('notice').textContent === 'Zapisano.'`)
		}

		var slot int
		if err := db.Table("services").Select("slot_minutes").Where("id = ?", id).Scan(&slot).Error; err != nil || slot != 20 {
			t.Fatalf("slot_minutes = %d (%v), want 20", slot, err)
		}
		resp, body := e.do("GET", "/api/v1/services/"+itoa(id)+"/slots?date="+e.week.Date(1), nil)
		var out struct{ Slots []slotView }
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || len(out.Slots) == 0 {
			t.Fatalf("slots: %d %s", resp.StatusCode, body)
		}
		for _, s := range out.Slots {
			if d := s.End.Sub(s.Start); d != 20*time.Minute {
				t.Fatalf("slot %v–%v lasts %v, want 20m", s.Start, s.End, d)
			}
		}
	})
}

// The administrator adds an office-wide closure for the test week's
// Wednesday: the page says it covers the one booking of that day and cancels it
// only once confirmed, and the day drops out of availability, marked closed.
func TestBrowserAdminAddsClosure(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		id, _ := adminService(t, e)
		wed := e.week.Date(2)
		day := func() (free int, closed string) {
			resp, body := e.do("GET", "/api/v1/services/"+itoa(id)+"/days?from="+wed+"&to="+wed, nil)
			var days []struct {
				Date   string `json:"date"`
				Free   int    `json:"free"`
				Closed string `json:"closed"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &days) != nil || len(days) != 1 || days[0].Date != wed {
				t.Fatalf("days: %d %s", resp.StatusCode, body)
			}
			return days[0].Free, days[0].Closed
		}
		if free, closed := day(); free == 0 || closed != "" {
			t.Fatalf("before the closure %s has free %d closed %q", wed, free, closed)
		}
		// A resident has booked that day.
		resp, body := e.do("GET", "/api/v1/services/"+itoa(id)+"/slots?date="+wed, nil)
		var slots struct{ Slots []slotView }
		if resp.StatusCode != 200 || json.Unmarshal(body, &slots) != nil || len(slots.Slots) == 0 {
			t.Fatalf("slots: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/bookings", bookingBody(id, slots.Slots[0].Start)); resp.StatusCode != 201 && resp.StatusCode != 200 {
			t.Fatalf("book: %d %s", resp.StatusCode, body)
		}
		booked := func() int64 {
			var n int64
			if err := db.Table("bookings").Where("status = ?", "booked").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := booked(); n != 1 {
			t.Fatalf("%d booked, want 1", n)
		}

		p := adminSignIn(t, e, "#zamkniecia")
		p.waitFor("the closure form and the calendar", `!document.getElementById('sec-closures').hidden && document.getElementById('closure-department').options.length > 1 && document.querySelector('#closures-calendar button.day') !== null`)
		// The calendar opens on the office's month (the server's, not the
		// browser's), holidays marked.
		if month := p.text(`document.getElementById('calendar-month').textContent`); month != lowerFirst(monthTitle("pl", e.week.Monday)) {
			t.Fatalf("the calendar shows %q, want %s", month, lowerFirst(monthTitle("pl", e.week.Monday)))
		}
		p.holidaysMarked(e.week.Monday)
		// The administrator picks the day on the calendar.
		p.do(chromedp.SetValue(chromedp.CSS("#closure-department"), ""), chromedp.Click(chromedp.CSS(`button.day[data-date="`+wed+`"]`)))
		p.waitFor("the day in the form", `document.getElementById('closure-starts').value === '`+wed+`' && document.getElementById('closure-ends').value === '`+wed+`'`)
		p.do(
			chromedp.SendKeys(chromedp.CSS("#closure-reason"), "Dzien wolny za sobote"),
			chromedp.Click(chromedp.CSS("#closure-submit")),
		)
		p.waitFor("the closure listed", `document.getElementById('notice').textContent.includes('`+wed+`') && [...document.querySelectorAll('#closures-list tbody tr')].some(r => r.textContent.includes('`+wed+`') && r.textContent.includes('Cały urząd'))`)
		p.waitFor("the day closed on the calendar", `document.querySelector('button.day[data-date="`+wed+`"]').classList.contains('closed-office') && document.querySelector('button.day[data-date="`+wed+`"]').getAttribute('aria-label').includes('zamknięte, Cały urząd (Dzien wolny za sobote)')`)

		// The closure covers the booking; cancelling it asks first, and
		// declining leaves it.
		p.waitFor("the impact", `!document.getElementById('closure-impact').hidden && document.getElementById('closure-impact-text').textContent === 'Zamknięcie obejmuje 1 rezerwację.' && document.getElementById('closure-cancel-bookings').textContent === 'Odwołaj 1 rezerwację'`)
		p.do(chromedp.Click(chromedp.CSS("#closure-cancel-bookings")))
		p.waitFor("the confirmation", `document.getElementById('confirm-dialog').open`)
		p.do(chromedp.Click(chromedp.CSS("#confirm-no")))
		p.waitFor("the confirmation declined", `!document.getElementById('confirm-dialog').open && document.activeElement.id === 'closure-cancel-bookings'`)
		if n := booked(); n != 1 {
			t.Fatalf("declining cancelled bookings: %d left booked", n)
		}
		p.do(chromedp.Click(chromedp.CSS("#closure-cancel-bookings")))
		p.waitFor("the confirmation", `document.getElementById('confirm-dialog').open`)
		p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
		p.waitFor("the bookings cancelled", `document.getElementById('notice').textContent === 'Odwołano 1 rezerwację.' && document.getElementById('closure-impact').hidden`)
		if n := booked(); n != 0 {
			t.Fatalf("after cancelling %d still booked, want 0", n)
		}

		free, closed := day()
		if free != 0 || closed == "" {
			t.Fatalf("after the closure %s has free %d closed %q, want 0 and a reason", wed, free, closed)
		}
		if alert := p.text(`document.getElementById('alert').textContent`); alert != "" {
			t.Errorf("the page shows the error %q", alert)
		}

		// Next month: a first day, then a later one, make a range.
		next := e.week.Day(28) // the Monday four weeks on, always in the next month
		p.do(chromedp.Click(chromedp.CSS("#calendar-next")))
		p.waitFor("the next month", `document.getElementById('calendar-month').textContent === '`+lowerFirst(monthTitle("pl", next))+`' && document.activeElement.id === 'calendar-next'`)
		p.holidaysMarked(next)
		p.do(chromedp.Click(chromedp.CSS(`button.day[data-date="`+e.week.Date(28)+`"]`)), chromedp.Click(chromedp.CSS(`button.day[data-date="`+e.week.Date(30)+`"]`)))
		p.waitFor("the range in the form", `document.getElementById('closure-starts').value === '`+e.week.Date(28)+`' && document.getElementById('closure-ends').value === '`+e.week.Date(30)+`' && document.querySelectorAll('button.day.picked').length === 3`)

		// Whatever week the test stands on, a holiday is marked: the months
		// up to the next one show it by name.
		var holiday office.HolidayDay
		for _, h := range append(office.Holidays(next.Year), office.Holidays(next.Year+1)...) {
			if h.Date.After(next) {
				holiday = h
				break
			}
		}
		for m := next; monthParam(m) != monthParam(holiday.Date); m = nextMonth(m) {
			p.do(chromedp.Click(chromedp.CSS("#calendar-next")))
		}
		p.waitFor("the month of "+holiday.Name, `document.getElementById('calendar-month').textContent === '`+lowerFirst(monthTitle("pl", holiday.Date))+`'`)
		p.holidaysMarked(holiday.Date)
	})
}

// holidaysMarked checks that the closures calendar, showing the month of d,
// names each public holiday of that month.
func (p *tab) holidaysMarked(d office.Date) {
	p.t.Helper()
	for _, h := range office.Holidays(d.Year) {
		if h.Date.Month != d.Month {
			continue
		}
		if label := p.text(`document.querySelector('button.day[data-date="` + h.Date.String() + `"]').getAttribute('aria-label')`); !strings.Contains(label, "święto, "+h.Name) {
			p.t.Errorf("%s reads %q, want the holiday %s", h.Date, label, h.Name)
		}
	}
}

// The administrator creates a kiosk: its token is shown once with the
// kiosk's address; after the section is loaded again, or the page, it is
// nowhere on the page; the token signs the kiosk in.
func TestBrowserAdminCreatesKiosk(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		p := adminSignIn(t, e, "#biletomaty")
		p.waitFor("the kiosks", `!document.getElementById('sec-kiosks').hidden && document.querySelectorAll('#kiosks-list tbody tr').length === 1`)
		p.do(chromedp.SendKeys(chromedp.CSS("#kiosk-name"), "Biletomat parter"), chromedp.Click(chromedp.CSS("#kiosk-submit")))
		p.waitFor("the token", `!document.getElementById('kiosk-token').hidden && document.getElementById('kiosk-token-value').value.length > 10`)
		token := p.text(`document.getElementById('kiosk-token-value').value`)
		if url := p.text(`document.getElementById('kiosk-token-url').value`); !strings.HasSuffix(url, "/kiosk?token="+token) {
			t.Errorf("kiosk address %q does not carry the token", url)
		}
		p.waitFor("the new kiosk listed", `document.querySelectorAll('#kiosks-list tbody tr').length === 2`)

		gone := `!document.documentElement.outerHTML.includes(` + jsString(token) + `) && ![...document.querySelectorAll('input')].some(i => i.value.includes(` + jsString(token) + `))`
		// Another section and back.
		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#sprawy"]`)))
		p.waitFor("the services", `!document.getElementById('sec-services').hidden`)
		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#biletomaty"]`)))
		p.waitFor("the kiosks again, no token", `!document.getElementById('sec-kiosks').hidden && document.querySelectorAll('#kiosks-list tbody tr').length === 2 && `+gone)
		// The page reloaded.
		p.do(chromedp.Reload())
		p.waitFor("the kiosks after a reload, no token", `!document.getElementById('sec-kiosks').hidden && document.querySelectorAll('#kiosks-list tbody tr').length === 2 && `+gone)

		resp, body := e.do("GET", "/api/v1/kiosk/me", nil, bearer(token)...)
		var me struct {
			Kiosk struct{ Name string }
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &me) != nil || me.Kiosk.Name != "Biletomat parter" {
			t.Fatalf("kiosk/me with the shown token: %d %s", resp.StatusCode, body)
		}
	})
}
