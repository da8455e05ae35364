package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident on a 390 px phone joins today's queue from the matter's page:
// the link shows while the department issues tickets, the page says who is
// ahead and the wait, the form refuses a missing contact and lands, once
// filled, on the ticket's live page with its DE-number and its QR for the
// kiosk; in each language, axe finding nothing serious on the way.
func TestRemoteQueueBrowser(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		var prefix string
		db.Raw("SELECT d.ticket_prefix FROM services s JOIN departments d ON d.id = s.department_id WHERE s.id = ?", svc).Scan(&prefix)
		matter := fmt.Sprintf("/sprawy/%d", svc)
		b := e.siteBrowser(t, 390)

		// Off: no link, and the page is not found.
		b.open(matter, 200)
		if b.is(`!!document.getElementById('remote-link')`) {
			t.Fatal("the remote queue's link on a matter that takes no remote tickets")
		}
		b.open(matter+"/kolejka", 404)

		e.allowRemote(svc, 10, true)
		e.issueTicket(svc)
		e.issueTicket(svc)
		for i, c := range []struct{ lang, ahead, required, number string }{
			{"pl", "2 osoby", "Podaj numer telefonu lub adres e-mail.", "01"},
			{"en", "3 people", "Give a phone number or an e-mail address.", "02"},
			{"uk", "4 особи", "Вкажіть номер телефону або адресу e-mail.", "03"},
		} {
			b.open(matter+"?lang="+c.lang, 200)
			browsertest.RequireNoSeriousViolations(t, b.ctx, c.lang+": the matter's page with the remote queue")
			b.navigate("the remote queue", 200, chromedp.Click(chromedp.CSS("#remote-link")))
			if got := b.text(`document.getElementById('remote-ahead').textContent`); got != c.ahead {
				t.Errorf("%s: ahead %q, want %q", c.lang, got, c.ahead)
			}
			if got := b.text(`document.getElementById('remote-wait').textContent`); !strings.ContainsAny(got, "0123456789") {
				t.Errorf("%s: the estimated wait %q", c.lang, got)
			}
			if !b.is(`!!document.getElementById('remote-arrival') && document.documentElement.scrollWidth <= 390`) {
				t.Errorf("%s: no arrival note, or the page is wider than the phone", c.lang)
			}
			browsertest.RequireNoSeriousViolations(t, b.ctx, c.lang+": the remote queue's form")
			b.do(chromedp.Click(chromedp.CSS("#consent")))
			b.navigate("the form without a contact", 422, chromedp.Click(chromedp.CSS("#remote-submit")))
			if got := b.text(`document.getElementById('phone-error').textContent`); !strings.HasSuffix(got, c.required) {
				t.Errorf("%s: a missing contact is refused with %q, want %q", c.lang, got, c.required)
			}
			browsertest.RequireNoSeriousViolations(t, b.ctx, c.lang+": the remote queue's form with errors")
			if n := e.count("tickets", "kind = 'remote'"); n != int64(i) {
				t.Fatalf("%s: %d remote tickets after a refused form", c.lang, n)
			}
			b.do(chromedp.SendKeys(chromedp.CSS("#phone"), fmt.Sprintf("600 100 20%d", i)))
			b.navigate("join", 200, chromedp.Click(chromedp.CSS("#remote-submit")))
			if !b.is(`location.pathname.startsWith('/t/')`) {
				t.Fatalf("%s: landed on %s, want the ticket's live page", c.lang, b.text(`location.href`))
			}
			if got := b.text(`document.getElementById('number').textContent`); got != prefix+"E"+c.number {
				t.Errorf("%s: the live page shows %q, want %sE%s", c.lang, got, prefix, c.number)
			}
			if !b.is(`!!document.getElementById('remote-qr') && document.getElementById('remote-note').textContent.length > 20`) {
				t.Errorf("%s: the live page has no QR for the kiosk", c.lang)
			}
			if got := b.text(`document.documentElement.lang`); got != c.lang {
				t.Errorf("%s: the live page is in %q", c.lang, got)
			}
			browsertest.RequireNoSeriousViolations(t, b.ctx, c.lang+": the remote ticket's live page")
			var lang string
			db.Raw("SELECT lang FROM tickets WHERE kind = 'remote' ORDER BY id DESC LIMIT 1").Scan(&lang)
			if lang != c.lang {
				t.Errorf("the ticket's messages go in %q, want %s", lang, c.lang)
			}
		}
		// The same phone again: refused on its field.
		b.open(matter+"/kolejka", 200)
		b.do(chromedp.SendKeys(chromedp.CSS("#phone"), "600100200"), chromedp.Click(chromedp.CSS("#consent")))
		b.navigate("the same phone again", 409, chromedp.Click(chromedp.CSS("#remote-submit")))
		if !b.is(`!!document.getElementById('phone-error') && !!document.querySelector('#error-summary a[href="#phone"]')`) {
			t.Errorf("the same phone again is not refused on its field")
		}
	})
}

// The kiosk checks a remote ticket in by the QR of its live page (a scanner
// types the address), and the clerk's waiting list shows, live, the holder
// not yet there and then there.
func TestRemoteArrivalBrowser(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		svc := counter.ServiceIDs[0]
		e.allowRemote(svc, 10, true)
		resp, body := e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "email": "ola@example.com"})
		var r remoteAnswer
		if resp.StatusCode != 201 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("remote ticket: %d %s", resp.StatusCode, body)
		}
		base := e.listen()

		clerk := &clerkPage{tab{t: t, ctx: browsertest.New(t, 1280, 800)}}
		clerk.do(chromedp.Navigate(base + "/clerk"))
		clerk.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
		clerk.do(
			chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
		)
		clerk.waitFor("the counter choice", `!document.getElementById('view-counters').hidden && document.querySelectorAll('#counter-list input').length > 0`)
		clerk.do(chromedp.Click(chromedp.CSS(`label[for="counter-` + itoa(counter.ID) + `"]`)))
		clerk.waitFor("the counter's matters", `!document.getElementById('counter-open').disabled`)
		clerk.do(chromedp.Click(chromedp.CSS("#counter-open")))
		row := `[...document.querySelectorAll('#waiting-list tr')].find(tr => tr.textContent.includes(` + jsString(r.Ticket.Number) + `))`
		clerk.waitFor("the remote ticket awaiting its holder", `(tr => !!tr && !!tr.querySelector('.badge-remote') && tr.querySelector('.badge-away').textContent === 'jeszcze nie na miejscu — wywołanie po przybyciu')(`+row+`)`)
		browsertest.RequireNoSeriousViolations(t, clerk.ctx, "the clerk's queue with a remote ticket")

		kiosk := &kioskPage{clerkPage{tab{t: t, ctx: browsertest.New(t, 1080, 1920)}}}
		kiosk.do(chromedp.Navigate(base + "/kiosk?token=" + e.creds.KioskToken + "&idle=3600"))
		kiosk.waitFor("the departments", `!document.getElementById('view-start').hidden`)
		kiosk.do(chromedp.Click(chromedp.CSS("#checkin-open")))
		kiosk.waitFor("the check-in screen", `!document.getElementById('view-checkin').hidden && document.activeElement.id === 'code'`)
		// An unknown remote ticket's address first.
		kiosk.do(chromedp.SendKeys(chromedp.CSS("#code"), "http://okienko.test/t/aaaaaaaaaaaaaaaa\n"))
		kiosk.waitFor("the unknown remote ticket refused", `document.getElementById('alert').textContent === 'Nie znaleziono tego numeru z kolejki zdalnej. Pobierz zwykły bilet.'`)
		kiosk.do(chromedp.Click(chromedp.CSS("#key-clear")))
		kiosk.waitFor("the code cleared", `document.getElementById('code').value === ''`)
		kiosk.do(chromedp.SendKeys(chromedp.CSS("#code"), r.Ticket.StatusURL+"\n"))
		kiosk.waitFor("the remote ticket, arrived", `!document.getElementById('view-ticket').hidden && document.getElementById('ticket-number').textContent === `+jsString(r.Ticket.Number)+` && !document.getElementById('ticket-booking').hidden`)

		clerk.waitFor("the holder there", `(tr => !!tr && !tr.querySelector('.badge-away') && tr.querySelector('.badge-arrived').textContent === 'na miejscu')(`+row+`)`)
		var arrived *string
		db.Raw("SELECT CAST(arrived_at AS TEXT) FROM tickets WHERE id = ?", r.Ticket.ID).Scan(&arrived)
		if arrived == nil {
			t.Fatal("the ticket is not marked arrived")
		}
	})
}

// The administrator turns the remote queue on for a matter in its form:
// the day's places and whether arrival comes first.
func TestRemoteAdminBrowser(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		id, name := adminService(t, e)
		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}
		p.do(chromedp.Navigate(base + "/admin"))
		p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
		p.do(
			chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
		)
		p.waitFor("the panel", `!document.getElementById('nav').hidden`)
		p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#sprawy"]`)))
		edit := `#services-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
		p.waitFor("the services", `document.querySelector(`+jsString(edit)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(edit)))
		p.waitFor("the service form", `document.getElementById('service-remote') !== null && document.getElementById('service-remote').value === '0' && !document.getElementById('service-remote-arrival').checked`)
		if label := p.text(`document.querySelector('label[for=service-remote]').textContent`); !strings.Contains(label, "Kolejka zdalna") {
			t.Errorf("the field's label %q", label)
		}
		browsertest.RequireNoSeriousViolations(t, p.ctx, "the service form with the remote queue")
		p.do(chromedp.SetValue(chromedp.CSS("#service-remote"), "25"), chromedp.Click(chromedp.CSS("#service-remote-arrival")), chromedp.Click(chromedp.CSS("#service-save")))
		p.waitFor("saved", `document.getElementById('notice').textContent === 'Zapisano.'`)
		var got struct {
			RemoteTicketsPerDay   int
			RemoteArrivalRequired bool
		}
		if err := db.Table("services").Select("remote_tickets_per_day, remote_arrival_required").Where("id = ?", id).Take(&got).Error; err != nil || got.RemoteTicketsPerDay != 25 || !got.RemoteArrivalRequired {
			t.Fatalf("the service after saving: %+v (%v)", got, err)
		}
	})
}
