package web_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
)

// A clerk serves a visit of two matters: the called ticket shows the
// matter still to come and a button sending the ticket onward to it;
// pressed, the ticket waits for the second matter and shows none to come.
// axe-core finds nothing serious with the visit's matters shown. Polish and
// English.
func TestBrowserClerkSendsAVisitOnward(t *testing.T) {
	for _, lang := range clerkLanguages {
		t.Run(lang, func(t *testing.T) {
			db := databasetest.SQLite(t)
			e := newEnv(t, db)
			a, b := e.serviceNamed(visitFirst), e.serviceNamed(visitSecond)
			resp, body := e.do("POST", "/api/v1/bookings", visitBody(e.week.At(0, 11, 30), validPESEL, a.ID, b.ID))
			var booked struct{ Code string }
			if resp.StatusCode != 201 || json.Unmarshal(body, &booked) != nil {
				t.Fatalf("book: %d %s", resp.StatusCode, body)
			}
			e.clock.Set(e.week.At(0, 11, 10))
			if resp, body := e.do("POST", "/api/v1/kiosk/checkin", map[string]any{"code": booked.Code}, bearer(e.creds.KioskToken)...); resp.StatusCode != 201 {
				t.Fatalf("check-in: %d %s", resp.StatusCode, body)
			}
			p := e.atCounter(t, lang, e.counterOf("Stanowisko 1"))
			p.waitFor("the visit in the waiting list with its second matter",
				`[...document.querySelectorAll('#waiting-list td.service')].some(td => td.textContent.includes(' + ') && td.textContent.includes(`+jsString(visitSecond)+`))`)
			p.key("n")
			p.waitFor("the called visit with its matter to come",
				`document.getElementById('current-ticket').dataset.status === 'called' && !document.getElementById('current-rest-row').hidden`+
					` && document.getElementById('current-rest').textContent === `+jsString(visitSecond)+
					` && !document.getElementById('act-onward').disabled && document.getElementById('act-onward').textContent.includes(`+jsString(visitSecond)+`)`)
			p.axeAt("/clerk a visit of several matters", desktop)
			p.do(chromedp.Click(chromedp.CSS("#act-onward")))
			p.waitFor("the ticket sent onward", `!document.getElementById('current-empty').hidden`)
			var got struct {
				ServiceID int64
				Status    string
				Remaining string
			}
			if err := db.Table("tickets").Select("service_id, status, remaining").Take(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got.ServiceID != b.ID || got.Status != "waiting" || got.Remaining != "" {
				t.Fatalf("the ticket after sending it onward: %+v, want waiting for %s with none to come", got, strconv.FormatInt(b.ID, 10))
			}
			p.waitFor("the ticket waiting for the second matter, none to come",
				`[...document.querySelectorAll('#waiting-list td.service')].some(td => td.textContent === `+jsString(visitSecond)+`)`)
		})
	}
}
