package web_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/web/browsertest"
)

// fullDay adds to the first demo department a matter of 240-minute slots,
// one seat each, and books every slot of the test week's Tuesday (each by
// another resident). It returns the matter and the day's first slot.
func (e *env) fullDay() (*office.Service, time.Time) {
	e.t.Helper()
	deps, err := e.offices.Departments(e.t.Context(), true)
	if err != nil {
		e.t.Fatal(err)
	}
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name, spec.SlotMinutes, spec.Capacity = deps[0].ID, "Zameldowanie na pobyt stały", 240, 1
	svc, err := e.offices.CreateService(e.t.Context(), spec)
	if err != nil {
		e.t.Fatal(err)
	}
	day := office.DateOf(e.week.At(1, 12, 0).In(officetest.Warsaw))
	slots, err := e.bookings.Slots(e.t.Context(), svc.ID, day)
	if err != nil || len(slots) == 0 {
		e.t.Fatalf("slots %v %v", slots, err)
	}
	for i, sl := range slots {
		e.bookOne(svc.ID, sl.Start, peselOf("800101", fmt.Sprintf("%04d", 1000+i)))
	}
	return svc, slots[0].Start
}

func waitBody(serviceID int64, day office.Date, pesel string) map[string]any {
	return map[string]any{"service_id": serviceID, "date": day.String(), "name": "Halina Kiepska", "pesel": pesel,
		"email": "halina@example.pl", "phone": "+48 600 100 200", "consent": true}
}

// waitToken reads entry id and answers its links' token.
func (e *env) waitToken(id int64) string {
	e.t.Helper()
	var w booking.WaitEntry
	if err := e.db.First(&w, id).Error; err != nil {
		e.t.Fatal(err)
	}
	return e.bookings.WaitToken(&w)
}

func (e *env) waitCount() int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Model(&booking.WaitEntry{}).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// The waitlist over HTTP: bad input names the field with nothing written,
// a day with free seats is 409, joining is 201 waiting; a cancellation
// offers the seat; accepting answers the booking with its code; the
// administrator sees the day's list; leaving and every illegal step.
func TestWaitlistAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, first := e.fullDay()
		day := office.DateOf(first.In(officetest.Warsaw))
		bad := []struct {
			field string
			body  any
		}{
			{"pesel", func() map[string]any { b := waitBody(svc.ID, day, "12345678901"); return b }()},
			{"date", func() map[string]any { b := waitBody(svc.ID, day, validPESEL); b["date"] = "2101-01-01"; return b }()},
			{"consent", func() map[string]any { b := waitBody(svc.ID, day, validPESEL); b["consent"] = false; return b }()},
			{"email", func() map[string]any { b := waitBody(svc.ID, day, validPESEL); b["email"] = "nie-adres"; return b }()},
			{"name", func() map[string]any { b := waitBody(svc.ID, day, validPESEL); b["name"] = ""; return b }()},
			{"bogus", func() map[string]any { b := waitBody(svc.ID, day, validPESEL); b["bogus"] = 1; return b }()},
		}
		for _, tc := range bad {
			resp, body := e.do("POST", "/api/v1/waitlist", tc.body)
			if resp.StatusCode != 422 && resp.StatusCode != 400 {
				t.Fatalf("%s: %d %s", tc.field, resp.StatusCode, body)
			}
			if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
				t.Fatalf("%s not named: %s", tc.field, body)
			}
		}
		if n := e.waitCount(); n != 0 {
			t.Fatalf("%d entries after bad input", n)
		}
		free := waitBody(svc.ID, day.AddDays(1), validPESEL)
		if resp, body := e.do("POST", "/api/v1/waitlist", free); resp.StatusCode != 409 || problemOf(t, resp, body).Errors["reason"] != "free" {
			t.Fatalf("free day: %d %s", resp.StatusCode, body)
		}
		resp, body := e.do("POST", "/api/v1/waitlist", waitBody(svc.ID, day, validPESEL))
		var joined struct {
			ID     int64
			Status string
		}
		if resp.StatusCode != 201 || json.Unmarshal(body, &joined) != nil || joined.Status != "waiting" {
			t.Fatalf("join: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/waitlist", waitBody(svc.ID, day, validPESEL)); resp.StatusCode != 409 {
			t.Fatalf("join twice: %d %s", resp.StatusCode, body)
		}
		second := peselOf("900202", "1234")
		resp, body = e.do("POST", "/api/v1/waitlist", waitBody(svc.ID, day, second))
		var joined2 struct{ ID int64 }
		if resp.StatusCode != 201 || json.Unmarshal(body, &joined2) != nil {
			t.Fatalf("join second: %d %s", resp.StatusCode, body)
		}
		token := e.waitToken(joined.ID)
		path := fmt.Sprintf("/api/v1/waitlist/%d", joined.ID)
		accept := map[string]any{"token": token, "start": first.Format(time.RFC3339)}
		if resp, body := e.do("POST", path+"/accept", accept); resp.StatusCode != 409 || problemOf(t, resp, body).Errors["reason"] != "waiting" {
			t.Fatalf("accept before an offer: %d %s", resp.StatusCode, body)
		}
		var b booking.Booking
		if err := db.Where("service_id = ? AND starts_at = ? AND status = 'booked'", svc.ID, first.UTC()).First(&b).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.bookings.Cancel(t.Context(), b.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		if resp, body := e.do("POST", path+"/accept", map[string]any{"token": "zly", "start": first.Format(time.RFC3339)}); resp.StatusCode != 403 || problemOf(t, resp, body).Errors["token"] == "" {
			t.Fatalf("wrong token: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", path+"/accept", map[string]any{"token": token, "start": first.Add(4 * time.Hour).Format(time.RFC3339)}); resp.StatusCode != 422 || problemOf(t, resp, body).Errors["start"] == "" {
			t.Fatalf("wrong start: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", path+"/accept", map[string]any{"token": token}); resp.StatusCode != 422 || problemOf(t, resp, body).Errors["start"] == "" {
			t.Fatalf("no start: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/waitlist/987654/accept", accept); resp.StatusCode != 404 {
			t.Fatalf("unknown entry: %d %s", resp.StatusCode, body)
		}
		admin := bearer(e.adminToken())
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/services/%d/waitlist?date=%s", svc.ID, day), nil, admin...)
		var list struct {
			Entries []struct {
				ID       int64
				Position int
				Status   string
				Name     string
			}
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.Entries) != 2 ||
			list.Entries[0].Status != "offered" || list.Entries[1].Position != 1 || list.Entries[0].Name != "Halina Kiepska" {
			t.Fatalf("day's list: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.do("GET", fmt.Sprintf("/api/v1/admin/services/%d/waitlist?date=%s", svc.ID, day), nil); resp.StatusCode != 401 {
			t.Fatalf("list without sign-in: %d", resp.StatusCode)
		}
		if resp, body := e.do("GET", fmt.Sprintf("/api/v1/admin/services/%d/waitlist?date=x", svc.ID), nil, admin...); resp.StatusCode != 422 || problemOf(t, resp, body).Errors["date"] == "" {
			t.Fatalf("bad date: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path+"/accept", accept)
		var booked struct{ Code, Status string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &booked) != nil || booked.Status != "booked" || booked.Code == "" {
			t.Fatalf("accept: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", path+"/cancel", map[string]any{"token": token}); resp.StatusCode != 409 || problemOf(t, resp, body).Errors["reason"] != "booked" {
			t.Fatalf("leave once booked: %d %s", resp.StatusCode, body)
		}
		path2 := fmt.Sprintf("/api/v1/waitlist/%d", joined2.ID)
		if resp, body := e.do("POST", path2+"/cancel", map[string]any{}); resp.StatusCode != 422 || problemOf(t, resp, body).Errors["token"] == "" {
			t.Fatalf("leave without token: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path2+"/cancel", map[string]any{"token": e.waitToken(joined2.ID)})
		if resp.StatusCode != 200 {
			t.Fatalf("leave: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", path2+"/cancel", map[string]any{"token": e.waitToken(joined2.ID)}); resp.StatusCode != 409 {
			t.Fatalf("leave twice: %d %s", resp.StatusCode, body)
		}
		// A capacity raised by the administrator offers the new seats at once.
		third := peselOf("910303", "4321")
		resp, body = e.do("POST", "/api/v1/waitlist", waitBody(svc.ID, day, third))
		var joined3 struct{ ID int64 }
		if resp.StatusCode != 201 || json.Unmarshal(body, &joined3) != nil {
			t.Fatalf("join third: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"capacity": 2}, admin...); resp.StatusCode != 200 {
			t.Fatalf("raise capacity: %d %s", resp.StatusCode, body)
		}
		var w3 booking.WaitEntry
		if err := db.First(&w3, joined3.ID).Error; err != nil || w3.Status != booking.WaitOffered {
			t.Fatalf("after the capacity raised the third is %s (%v)", w3.Status, err)
		}
	})
}

// offerLink composes the queued e-mail offering entry id a seat and
// answers the path of its link (the page with the token).
func (e *env) offerLink(id int64) string {
	e.t.Helper()
	var m outbox.Message
	if err := e.db.Where("waitlist_id = ? AND kind = ? AND channel = ?", id, outbox.WaitlistOffer, outbox.Email).First(&m).Error; err != nil {
		e.t.Fatalf("no offer queued: %v", err)
	}
	const base = "https://urzad.example"
	mail, err := (&notify.Messages{DB: e.db, Clock: e.clock, Offices: e.offices, BaseURL: base, Bookings: e.bookings}).Compose(e.t.Context(), &m)
	if err != nil {
		e.t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `(/lista/[0-9]+\?token=[A-Za-z0-9_-]+)`).FindStringSubmatch(mail.Text)
	if link == nil {
		e.t.Fatalf("no link in the offer: %s", mail.Text)
	}
	return link[1]
}

// The administrator opens a matter and sees a day's waiting list: the
// offered first, the second waiting in first place, names and PESEL
// endings, in Polish; axe finds nothing serious.
func TestBrowserAdminWaitlist(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, first := e.fullDay()
		day := office.DateOf(first.In(officetest.Warsaw))
		second := peselOf("900202", "1234")
		for i, p := range []string{validPESEL, second} {
			r := booking.WaitRequest{ServiceID: svc.ID, Day: day, Name: []string{"Halina Kiepska", "Marian Paździoch"}[i], PESEL: p,
				Email: fmt.Sprintf("w%d@example.pl", i), Consent: true}
			if _, _, err := e.bookings.JoinWaitlist(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
		var b booking.Booking
		if err := db.Where("service_id = ? AND starts_at = ? AND status = 'booked'", svc.ID, first.UTC()).First(&b).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.bookings.Cancel(t.Context(), b.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		p := adminSignIn(t, e, "#sprawy")
		edit := `#services-list button[aria-label=` + jsString("Edytuj: "+svc.Name) + `]`
		p.waitFor("the services", `document.querySelector(`+jsString(edit)+`) !== null`)
		p.do(chromedp.Click(chromedp.CSS(edit)))
		p.waitFor("the waiting list card", `document.getElementById('waitlist-form') !== null`)
		p.do(chromedp.SetValue(chromedp.CSS("#waitlist-date"), day.String()), chromedp.Click(chromedp.CSS("#waitlist-show")))
		p.waitFor("the day's list", `document.querySelectorAll('#waitlist-table tbody tr').length === 2`)
		rows := p.text(`[...document.querySelectorAll('#waitlist-table tbody tr')].map(r => [...r.cells].map(c => c.textContent).join(' | ')).join('\n')`)
		if !strings.Contains(rows, "Halina Kiepska | 1359 | dostał(a) propozycję") || !strings.Contains(rows, "1 | Marian Paździoch | "+second[7:]+" | czeka") {
			t.Fatalf("the day's list:\n%s", rows)
		}
		browsertest.RequireNoSeriousViolations(t, p.ctx, "the matter's waiting list")
	})
}
