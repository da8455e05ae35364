package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// The resident's edges, in Chromium and in each language: the calendar
// names the last open day (not the holiday ending the window); no time is
// chosen for the resident and Next without one goes nowhere; an empty
// PESEL is asked for; a second visit of one matter that day leads to the
// first one's cancel form with the day filled in.
func TestSiteBrowserResidentEdges(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		serviceID, slot := e.firstFreeSlot()
		svc, err := e.offices.Service(ctx, serviceID)
		if err != nil {
			t.Fatal(err)
		}
		lastOpen, _ := e.windowToHoliday(t, serviceID, svc.DepartmentID, 10)
		first := e.bookOne(serviceID, slot.Start, validPESEL)
		matter := fmt.Sprintf("/sprawy/%d", serviceID)
		b := e.siteBrowser(t, 390)
		for _, c := range []struct{ lang, pesel string }{
			{"pl", "Wpisz numer PESEL."}, {"en", "Enter your PESEL."}, {"uk", "Введіть номер PESEL."},
		} {
			b.open(matter+"/termin?lang="+c.lang, 200)
			if got := b.text(`document.querySelector('main p.muted').textContent`); !strings.Contains(got, longDate(c.lang, lastOpen)) {
				t.Errorf("%s: the last bookable day is said as %q, want %s", c.lang, got, longDate(c.lang, lastOpen))
			}
			b.open(matter+"/termin/"+e.week.Date(1), 200)
			if b.is(`!!document.querySelector('input[name=start]:checked')`) {
				t.Fatalf("%s: a time is chosen before the resident chose one", c.lang)
			}
			b.do(chromedp.Click(chromedp.CSS("#choose-time")))
			if !b.is(`location.pathname.endsWith('/termin/` + e.week.Date(1) + `') && !!document.querySelector('input[name=start]:invalid')`) {
				t.Errorf("%s: Next without a time left the day page", c.lang)
			}
			b.navigate("the form", 200, chromedp.Click(chromedp.CSS(`input[name=start][value="`+slot.End.In(warsaw).Format("2006-01-02T15:04:05-07:00")+`"]`)), chromedp.Click(chromedp.CSS("#choose-time")))
			b.do(
				chromedp.SendKeys(chromedp.CSS("#name"), "Jan Kowalski"),
				chromedp.SendKeys(chromedp.CSS("#email"), "jan@example.pl"),
				chromedp.Click(chromedp.CSS("#consent")),
			)
			b.navigate("the form without a PESEL", 422, chromedp.Click(chromedp.CSS("#book-submit")))
			if got := b.text(`document.getElementById('pesel-error').textContent`); !strings.HasSuffix(got, c.pesel) {
				t.Errorf("%s: an empty PESEL is refused with %q, want %q", c.lang, got, c.pesel)
			}
			b.do(chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL))
			b.navigate("the same day again", 409, chromedp.Click(chromedp.CSS("#book-submit")))
			if !b.is(`!!document.querySelector('#error-summary a[href="/rezerwacja"]')`) {
				t.Errorf("%s: the same-day refusal does not lead to the booking", c.lang)
			}
			if strings.Contains(b.text(`document.body.textContent`), first.Code) {
				t.Errorf("%s: the same-day refusal shows the other booking's code", c.lang)
			}
			browsertest.RequireNoSeriousViolations(t, b.ctx, c.lang+": the same-day refusal")
			b.navigate("the cancel form", 200, chromedp.Click(chromedp.CSS(`#error-summary a[href^="/odwolaj?"]`)))
			if got := b.text(`document.getElementById('date').value`); got != first.Day.String() {
				t.Errorf("%s: the cancel form's day %q, want %s", c.lang, got, first.Day)
			}
		}
		if n := e.bookingCount(); n != 1 {
			t.Fatalf("%d bookings, want the first one only", n)
		}
	})
}
