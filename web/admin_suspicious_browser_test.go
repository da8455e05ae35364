package web_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
)

// The administrator opens Podejrzane rezerwacje, sees the burst from one
// address as a group and not the ordinary residents, selects the whole
// group, takes one booking out again, writes a note and cancels after the
// confirmation: exactly the four selected are cancelled with the note. The
// section reads in English with ?lang=en.
func TestBrowserAdminSuspiciousBookings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newSuspectEnv(t, db)
		var burst, ordinary []string
		for i := 0; i < 2; i++ {
			ordinary = append(ordinary, s.book(9*time.Minute, fmt.Sprintf("192.0.2.%d", 50+i), "", ""))
		}
		for i := 0; i < 5; i++ {
			burst = append(burst, s.book(300*time.Millisecond, "203.0.113.99", "", ""))
		}

		p := adminSignIn(t, s.env, "#podejrzane")
		p.waitFor("the group", `document.querySelectorAll('#suspicious-groups .suspect-group').length === 1 && !document.getElementById('suspicious-cancel').hidden`)
		if h := p.text(`document.querySelector('#suspect-group-0 h3').textContent`); h != "Seria rezerwacji z adresu 203.0.113.99" {
			t.Errorf("the group's heading: %q", h)
		}
		listed := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#suspicious-groups .suspect-pick')].map(c => c.value)`))
		if !slices.Equal(sortedCopy(listed), sortedCopy(burst)) {
			t.Fatalf("listed %v, want the burst %v", listed, burst)
		}
		p.axeAt("/admin#podejrzane with a group", desktop)

		p.do(chromedp.Click(chromedp.CSS("#suspect-all-0")))
		p.waitFor("all selected", `document.getElementById('suspicious-selected').textContent === 'Zaznaczono 5 rezerwacji.'`)
		p.do(chromedp.Click(chromedp.CSS(`#suspicious-groups .suspect-pick[value="` + burst[4] + `"]`)))
		p.waitFor("four selected", `document.getElementById('suspicious-selected').textContent === 'Zaznaczono 4 rezerwacje.' && document.getElementById('suspect-all-0').indeterminate`)
		p.do(
			chromedp.SetValue(chromedp.CSS("#suspicious-note"), "Rezerwacje hurtowe są niezgodne z regulaminem."), // SendKeys drops ą
			chromedp.Click(chromedp.CSS("#suspicious-cancel-submit")),
		)
		p.waitFor("the confirmation", `document.getElementById('confirm-dialog').open && document.getElementById('confirm-yes').textContent === 'Odwołaj (4)'`)
		p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
		p.waitFor("the cancellation", `document.getElementById('notice').textContent.startsWith('Odwołano: 4. Bez zmian: 0') && document.getElementById('suspicious-none') !== null`)

		type row struct {
			Code, Status, CancelReason, CancelNote string
		}
		var rows []row
		if err := db.Table("bookings").Select("code, status, cancel_reason, cancel_note").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			code := booking.FormatCode(r.Code)
			if slices.Contains(burst[:4], code) {
				if r.Status != booking.StatusCancelled || r.CancelReason != booking.ReasonAdmin || r.CancelNote != "Rezerwacje hurtowe są niezgodne z regulaminem." {
					t.Errorf("selected %s: %+v", code, r)
				}
			} else if r.Status != booking.StatusBooked {
				t.Errorf("not selected %s: %+v", code, r)
			}
		}

		p.do(chromedp.Navigate(p.text(`location.origin`) + "/admin?lang=en#podejrzane"))
		p.waitFor("the section in English", `document.getElementById('suspicious-heading').textContent === 'Suspicious bookings' && document.getElementById('suspicious-none')?.textContent === 'No suspicious groups of bookings on these days.'`)
	})
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
