package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident changes the time of a visit in Chromium, in Polish: finds the
// booking by code and PESEL, follows "Zmień termin" to the calendar, picks
// Wednesday and 11:00, confirms with the PESEL, and the booking's page shows
// the same code at the new time.
func TestSiteBrowserReschedule(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		bk := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(bk.Code)
		b := e.siteBrowser(t, 1024)

		b.open("/rezerwacja", 200)
		b.do(chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL))
		b.navigate("the booking found", 200, chromedp.Submit(chromedp.CSS("#code")))
		b.navigate("the calendar", 200, chromedp.Click(chromedp.CSS("#reschedule-link")))
		if got := b.text(`document.getElementById('moving-notice').textContent`); !strings.Contains(got, "Zmieniasz termin wizyty "+code) {
			t.Fatalf("the calendar's notice %q", got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the calendar while moving a visit")
		b.navigate("Wednesday", 200, chromedp.Click(chromedp.CSS(`a[href*="/termin/`+e.week.Date(2)+`?zmiana="]`)))
		next := e.week.At(2, 11, 0)
		b.do(chromedp.Click(chromedp.CSS(`input[name=start][value="` + next.Format(time.RFC3339) + `"]`)))
		b.navigate("the move page", 200, chromedp.Click(chromedp.CSS("#choose-time")))
		if got := b.text(`document.getElementById('new-time').textContent`); got != longDate("pl", e.week.Day(2))+", 11:00" {
			t.Fatalf("the new time %q", got)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the page confirming the move")
		b.do(chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL))
		b.navigate("the moved booking", 200, chromedp.Click(chromedp.CSS("#reschedule-submit")))
		if got := b.text(`document.getElementById('moved-banner').textContent`); !strings.Contains(got, "Termin wizyty "+code+" został zmieniony.") {
			t.Errorf("banner %q", got)
		}
		if got := b.text(`document.getElementById('booking-code').textContent`); got != code {
			t.Errorf("code %q, want %q", got, code)
		}
		if got := b.text(`document.getElementById('booking-when').textContent`); !strings.HasPrefix(got, longDate("pl", e.week.Day(2))+", 11:00") {
			t.Errorf("when %q", got)
		}
		if got, _ := e.bookings.Get(t.Context(), bk.Code); !got.StartsAt.Equal(next) {
			t.Fatalf("stored at %v, want %v", got.StartsAt, next)
		}
	})
}
