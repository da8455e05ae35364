package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident on a 390 px phone finds the day full, joins its waitlist from
// the day page (a refused form first: the errors name the fields, nothing
// is written), and lands on the entry's page; when a visit that day is
// cancelled, the offer's link opens the held time, and accepting it books
// the visit with its code. axe finds nothing serious on the new pages.
func TestSiteBrowserWaitlistOnPhone(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, first := e.fullDay()
		day := e.week.Date(1)
		b := e.siteBrowser(t, 390)
		b.open(fmt.Sprintf("/sprawy/%d/termin", svc.ID), 200)
		full := `[...document.querySelectorAll('table.calendar td.full a')].find(a => a.querySelector('.day-number').textContent === '` + fmt.Sprint(e.week.Day(1).Day) + `')`
		if got := b.text(full + `?.getAttribute('href') || ''`); got != fmt.Sprintf("/sprawy/%d/termin/%s/lista", svc.ID, day) {
			t.Fatalf("the full day's link in the calendar: %q", got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the calendar with a full day")
		b.open(fmt.Sprintf("/sprawy/%d/termin/%s", svc.ID, day), 200)
		if !b.is(`document.getElementById('no-times').textContent.includes('Brak wolnych miejsc')`) {
			t.Fatal("the day is not said full")
		}
		if b.text(`document.getElementById('waitlist-join').textContent`) != "Zapisz się na listę oczekujących" {
			t.Fatalf("no waitlist link: %s", b.text(`document.querySelector('main').innerText`))
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the full day with the waitlist")
		b.navigate("the waitlist form", 200, chromedp.Click(chromedp.CSS("#waitlist-join")))
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the waitlist form")
		if !b.is(`document.documentElement.scrollWidth <= 390`) {
			t.Errorf("the form is wider than the phone: %s px", b.text(`String(document.documentElement.scrollWidth)`))
		}
		b.do(
			chromedp.SendKeys(chromedp.CSS("#name"), "Halina Kiepska"),
			chromedp.SendKeys(chromedp.CSS("#pesel"), "44051401358"),
			chromedp.SendKeys(chromedp.CSS("#email"), "halina@example.pl"),
		)
		b.navigate("the refused form", 422, chromedp.Click(chromedp.CSS("#wait-submit")))
		if !b.is(`document.getElementById('pesel').getAttribute('aria-invalid') === 'true' && !!document.getElementById('consent-error')`) {
			t.Fatalf("the refused form: %s", b.text(`document.querySelector('main').innerText`))
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the refused waitlist form")
		if n := e.waitCount(); n != 0 {
			t.Fatalf("%d entries after a refused form", n)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#pesel"), validPESEL), chromedp.Click(chromedp.CSS("#consent")))
		b.navigate("joined", 200, chromedp.Click(chromedp.CSS("#wait-submit")))
		if !b.is(`!!document.getElementById('wait-joined') && !!document.getElementById('leave-submit')`) {
			t.Fatalf("the entry's page: %s", b.text(`document.querySelector('main').innerText`))
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the waiting entry's page")
		var entry booking.WaitEntry
		if err := db.First(&entry).Error; err != nil || entry.Status != booking.WaitWaiting {
			t.Fatalf("entry %+v %v", entry, err)
		}
		var taken booking.Booking
		if err := db.Where("service_id = ? AND starts_at = ?", svc.ID, first.UTC()).First(&taken).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.bookings.Cancel(t.Context(), taken.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		link := e.offerLink(entry.ID)
		b.open(link, 200)
		if !b.is(`document.querySelector('input[name=start]').checked && !!document.getElementById('accept-submit')`) {
			t.Fatalf("the offer's page: %s", b.text(`document.querySelector('main').innerText`))
		}
		if got := b.text(`document.querySelector('#accept-form legend').textContent`); !strings.Contains(got, "Czeka na Ciebie do godz.") {
			t.Errorf("the offer says %q", got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the offer's page")
		b.navigate("accepted", 200, chromedp.Click(chromedp.CSS("#accept-submit")))
		var booked booking.Booking
		if err := db.Where("service_id = ? AND starts_at = ? AND status = 'booked'", svc.ID, first.UTC()).First(&booked).Error; err != nil {
			t.Fatal(err)
		}
		if got := b.text(`document.body.innerText`); !strings.Contains(got, booking.FormatCode(booked.Code)) {
			t.Fatalf("the booking's page does not show its code %s: %s", booking.FormatCode(booked.Code), got)
		}
		b.open(link, 200)
		if !b.is(`document.getElementById('wait-state') !== null && !document.getElementById('accept-submit')`) {
			t.Fatalf("the accepted entry's page: %s", b.text(`document.querySelector('main').innerText`))
		}
	})
}
