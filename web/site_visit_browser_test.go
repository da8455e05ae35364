package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident adds a second matter of the department on the booking form:
// ticked and shown, the form lists both matters with their consecutive
// times; booked, the booking's page lists them too and offers no move. In
// Polish and English, axe-core clean on the form with the offer, the form
// with the visit and the booking's page.
func TestSiteBrowserVisitOfTwoMatters(t *testing.T) {
	for _, c := range []struct{ lang, heading, matters string }{
		{"pl", "Więcej spraw przy jednej wizycie", "Sprawy"},
		{"en", "More matters in one visit", "Matters"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			a, b := e.serviceNamed(visitFirst), e.serviceNamed(visitSecond)
			start := e.week.At(1, 9, 0)
			br := e.siteBrowser(t, 1280)
			br.open(fmt.Sprintf("/sprawy/%d/rezerwacja?lang=%s&start=%s", a.ID, c.lang, url.QueryEscape(start.Format(time.RFC3339))), 200)
			if got := br.text(`document.querySelector('#visit-more legend').textContent`); got != c.heading {
				t.Fatalf("the offer's legend %q, want %q", got, c.heading)
			}
			browsertest.RequireNoSeriousViolations(t, br.ctx, "the booking form offering more matters ("+c.lang+")")
			br.navigate("the form with the visit", 200,
				chromedp.Click(chromedp.CSS("#more-"+strconv.FormatInt(b.ID, 10))), chromedp.Click(chromedp.CSS("#visit-add")))
			lines := run(t, br.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#visit-matters li')].map(li => li.textContent.replace(/\s+/g, ' ').trim())`))
			want := []string{"09:00–09:10 " + a.NameIn(c.lang), "09:10–09:20 " + b.NameIn(c.lang)}
			if fmt.Sprint(lines) != fmt.Sprint(want) {
				t.Fatalf("the visit's matters %q, want %q", lines, want)
			}
			if !br.is(`document.getElementById('chosen-time').textContent.endsWith('09:00–09:20')`) {
				t.Errorf("the chosen time %q does not span both matters", br.text(`document.getElementById('chosen-time').textContent`))
			}
			browsertest.RequireNoSeriousViolations(t, br.ctx, "the booking form with a visit of two matters ("+c.lang+")")
			br.do(
				chromedp.SendKeys(chromedp.CSS("#name"), "Jan Kowalski"),
				chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
				chromedp.SendKeys(chromedp.CSS("#email"), "jan@example.pl"),
				chromedp.Click(chromedp.CSS("#consent")),
			)
			br.navigate("the booking's page", 200, chromedp.Click(chromedp.CSS("#book-submit")))
			code := br.text(`document.getElementById('booking-code').textContent`)
			got, err := e.bookings.Get(context.Background(), code)
			if err != nil || len(got.Items) != 2 || got.Items[1].ServiceID != b.ID {
				t.Fatalf("booked %+v, %v", got, err)
			}
			if got := br.text(`document.querySelector('#visit-matters').closest('dd').previousElementSibling.textContent`); got != c.matters {
				t.Errorf("the booking's page names the matters %q, want %q", got, c.matters)
			}
			if br.is(`!!document.getElementById('reschedule-link')`) {
				t.Error("the booking's page offers to move a visit of several matters")
			}
			browsertest.RequireNoSeriousViolations(t, br.ctx, "the booking's page of a visit of two matters ("+c.lang+")")
		})
	}
}
