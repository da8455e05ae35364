package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/web"
)

// vehicleMatter is the demo's registration of a vehicle bought in Poland,
// which asks for confirmation by e-mail within 30 minutes (2 seats a slot).
const vehicleMatter = "Rejestracja pojazdu kupionego w Polsce"

func (e *env) serviceNamed(name string) office.Service {
	e.t.Helper()
	deps, err := e.offices.Departments(e.t.Context(), true)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range deps {
		for _, s := range d.Services {
			if s.Name == name {
				return s
			}
		}
	}
	e.t.Fatalf("no matter %q in the demo", name)
	return office.Service{}
}

// freeSeats answers the free seats of the slot at start from /slots and
// the day's free seats from /days.
func (e *env) freeSeats(serviceID int64, start time.Time) (slot, day int) {
	e.t.Helper()
	date := office.DateOf(start.In(officetest.Warsaw)).String()
	resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", serviceID, date), nil)
	var slots struct{ Slots []slotView }
	if resp.StatusCode != 200 || json.Unmarshal(body, &slots) != nil {
		e.t.Fatalf("slots: %d %s", resp.StatusCode, body)
	}
	slot = -1
	for _, sl := range slots.Slots {
		if sl.Start.Equal(start) {
			slot = sl.Free
		}
	}
	resp, body = e.do("GET", fmt.Sprintf("/api/v1/services/%d/days?from=%s&to=%s", serviceID, date, date), nil)
	var days []struct{ Free int }
	if resp.StatusCode != 200 || json.Unmarshal(body, &days) != nil || len(days) != 1 {
		e.t.Fatalf("days: %d %s", resp.StatusCode, body)
	}
	return slot, days[0].Free
}

// pendingBooking books the vehicle matter at Tuesday 10:10 (its 20-minute slots start at 07:30) through the API
// and returns the answer and the booking as stored.
func (e *env) pendingBooking(pesel string) (view map[string]any, b *booking.Booking) {
	e.t.Helper()
	svc := e.serviceNamed(vehicleMatter)
	body := bookingBody(svc.ID, e.week.At(1, 10, 10))
	body["pesel"] = pesel
	resp, raw := e.do("POST", "/api/v1/bookings", body, web.ProofHeader, e.solve()) // the matter asks for proof of work too
	if resp.StatusCode != 201 || json.Unmarshal(raw, &view) != nil {
		e.t.Fatalf("book: %d %s", resp.StatusCode, raw)
	}
	b, err := e.bookings.Get(e.t.Context(), view["code"].(string))
	if err != nil {
		e.t.Fatal(err)
	}
	return view, b
}

// changes counts what a confirmation writes: events and outbox messages.
func (e *env) changes() (events, messages int64) {
	e.t.Helper()
	if err := e.db.Table("events").Count(&events).Error; err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Table("outbox").Count(&messages).Error; err != nil {
		e.t.Fatal(err)
	}
	return events, messages
}

// The API: a booking of the demo's vehicle registration is pending with
// its deadline and holds its seat; a wrong or missing token is refused
// naming token with nothing written; the right one confirms (200), again
// 200; the administrator sets confirm_minutes within 0..1440.
func TestConfirmBookingAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc := e.serviceNamed(vehicleMatter)
		if svc.ConfirmMinutes != 30 {
			t.Fatalf("the demo's vehicle registration asks for confirmation within %d minutes, want 30", svc.ConfirmMinutes)
		}
		start := e.week.At(1, 10, 10)
		slot0, day0 := e.freeSeats(svc.ID, start)
		view, b := e.pendingBooking(validPESEL)
		if view["status"] != "pending" || view["confirm_by"] != e.week.At(0, 10, 30).Format(time.RFC3339) {
			t.Fatalf("booked: %v", view)
		}
		if slot, day := e.freeSeats(svc.ID, start); slot != slot0-1 || day != day0-1 {
			t.Fatalf("while pending: slot %d, day %d free; before %d, %d", slot, day, slot0, day0)
		}
		path := "/api/v1/bookings/" + view["code"].(string)
		resp, raw := e.do("GET", path, nil, web.ProofHeader, e.solve())
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"status":"pending"`) {
			t.Fatalf("get: %d %s", resp.StatusCode, raw)
		}

		token := e.bookings.ConfirmToken(b)
		events, messages := e.changes()
		for _, bad := range []any{map[string]string{"token": token + "x"}, map[string]string{"token": strings.ToLower(token)}} {
			resp, raw = e.do("POST", path+"/confirm", bad)
			if p := problemOf(t, resp, raw); resp.StatusCode != 403 || p.Errors["token"] == "" {
				t.Fatalf("wrong token: %d %s", resp.StatusCode, raw)
			}
		}
		for _, bad := range []any{map[string]string{}, map[string]string{"token": ""}, map[string]string{"token": strings.Repeat("x", 101)}} {
			resp, raw = e.do("POST", path+"/confirm", bad)
			if p := problemOf(t, resp, raw); resp.StatusCode != 422 || p.Errors["token"] == "" {
				t.Fatalf("missing token %v: %d %s", bad, resp.StatusCode, raw)
			}
		}
		resp, raw = e.do("POST", "/api/v1/bookings/ABCD-EFGH/confirm", map[string]string{"token": token})
		if resp.StatusCode != 404 {
			t.Fatalf("unknown code: %d %s", resp.StatusCode, raw)
		}
		if ev, msg := e.changes(); ev != events || msg != messages {
			t.Fatalf("refused confirmations wrote %d events and %d messages", ev-events, msg-messages)
		}
		if got, _ := e.bookings.Get(t.Context(), b.Code); got.Status != booking.StatusPending {
			t.Fatalf("after refusals: %s", got.Status)
		}

		for i := 0; i < 2; i++ {
			resp, raw = e.do("POST", path+"/confirm", map[string]string{"token": token})
			if resp.StatusCode != 200 || !strings.Contains(string(raw), `"status":"booked"`) || strings.Contains(string(raw), "confirm_by") {
				t.Fatalf("confirm %d: %d %s", i, resp.StatusCode, raw)
			}
		}
		if slot, _ := e.freeSeats(svc.ID, start); slot != slot0-1 {
			t.Fatalf("confirmed: slot %d free, want %d", slot, slot0-1)
		}
		var kinds []string
		db.Model(&outbox.Message{}).Where("booking_id = ?", b.ID).Order("id").Pluck("kind", &kinds)
		if strings.Join(kinds, ",") != "confirm_request,confirmation,confirmation" {
			t.Fatalf("messages of the booking: %v", kinds)
		}

		// The administrator's setting, bounded.
		admin := bearer(e.adminToken())
		resp, raw = e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"confirm_minutes": 1441}, admin...)
		if p := problemOf(t, resp, raw); resp.StatusCode != 422 || p.Errors["confirm_minutes"] == "" {
			t.Fatalf("confirm_minutes 1441: %d %s", resp.StatusCode, raw)
		}
		resp, raw = e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"confirm_minutes": 0}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"confirm_minutes":0`) {
			t.Fatalf("confirm_minutes 0: %d %s", resp.StatusCode, raw)
		}
		view, _ = e.pendingBooking(peselOf("800101", "1234"))
		if view["status"] != "booked" {
			t.Fatalf("with confirmation off: %v", view)
		}
	})
}

// Unconfirmed by confirm_by, the seat is back in /days and /slots at once,
// before the job marks the booking expired, and stays back after; the
// late confirmation is 409 saying it expired.
func TestConfirmExpiredSeatBack(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc := e.serviceNamed(vehicleMatter)
		start := e.week.At(1, 10, 10)
		slot0, day0 := e.freeSeats(svc.ID, start)
		view, b := e.pendingBooking(validPESEL)
		path := "/api/v1/bookings/" + view["code"].(string)
		e.clock.Set(e.week.At(0, 10, 29))
		if slot, day := e.freeSeats(svc.ID, start); slot != slot0-1 || day != day0-1 {
			t.Fatalf("a minute before the deadline: slot %d, day %d free", slot, day)
		}
		e.clock.Set(e.week.At(0, 10, 30))
		if slot, day := e.freeSeats(svc.ID, start); slot != slot0 || day != day0 {
			t.Fatalf("at the deadline, before the job: slot %d, day %d free, want %d, %d", slot, day, slot0, day0)
		}
		resp, raw := e.do("GET", path, nil, web.ProofHeader, e.solve())
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"status":"expired"`) {
			t.Fatalf("get after the deadline: %d %s", resp.StatusCode, raw)
		}
		resp, raw = e.do("POST", path+"/confirm", map[string]string{"token": e.bookings.ConfirmToken(b)})
		if p := problemOf(t, resp, raw); resp.StatusCode != 409 || p.Errors["reason"] != "expired" || !strings.Contains(p.Detail, "expired") {
			t.Fatalf("late confirmation: %d %s", resp.StatusCode, raw)
		}
		if n, err := e.bookings.ExpirePending(t.Context()); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		if slot, day := e.freeSeats(svc.ID, start); slot != slot0 || day != day0 {
			t.Fatalf("after the job: slot %d, day %d free, want %d, %d", slot, day, slot0, day0)
		}
		if got, _ := e.bookings.ByID(t.Context(), b.ID); got.Status != booking.StatusExpired {
			t.Fatalf("after the job: %s", got.Status)
		}
	})
}

// A pending booking can't check in at the kiosk: 409 with reason pending.
func TestPendingCheckInRefused(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc := e.serviceNamed(vehicleMatter)
		admin := bearer(e.adminToken())
		resp, raw := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"confirm_minutes": 1440}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("confirm_minutes: %d %s", resp.StatusCode, raw)
		}
		view, b := e.pendingBooking(validPESEL)
		e.clock.Set(e.week.At(1, 9, 55))
		kiosk := bearer(e.creds.KioskToken)
		resp, raw = e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": view["code"].(string)}, kiosk...)
		if p := problemOf(t, resp, raw); resp.StatusCode != 409 || p.Errors["reason"] != "pending" {
			t.Fatalf("check-in of a pending booking: %d %s", resp.StatusCode, raw)
		}
		var tickets int64
		db.Table("tickets").Where("booking_id = ?", b.ID).Count(&tickets)
		if tickets != 0 {
			t.Fatalf("%d tickets issued for the pending booking", tickets)
		}
		resp, raw = e.do("POST", "/api/v1/bookings/"+view["code"].(string)+"/confirm", map[string]string{"token": e.bookings.ConfirmToken(b)})
		if resp.StatusCode != 200 {
			t.Fatalf("confirm: %d %s", resp.StatusCode, raw)
		}
		resp, raw = e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": view["code"].(string)}, kiosk...)
		if resp.StatusCode != 201 {
			t.Fatalf("check-in once confirmed: %d %s", resp.StatusCode, raw)
		}
	})
}

// The site: the booking's page says it awaits confirmation and until when;
// a GET on the e-mail's link shows the button and confirms nothing; a POST
// without the form's CSRF token or with a wrong token writes nothing; the
// button confirms and the booking's page says so.
func TestConfirmLinkPage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		view, b := e.pendingBooking(validPESEL)
		code := view["code"].(string)
		sc := e.site()
		resp, page := sc.get("/rezerwacja/" + code)
		wantPage(t, resp, page, 200)
		if !strings.Contains(page, `id="pending-banner"`) || !strings.Contains(page, "10:30") || !strings.Contains(page, "czeka na potwierdzenie") || strings.Contains(page, "qr.svg") {
			t.Fatalf("the pending booking's page: %s", page)
		}

		token := e.bookings.ConfirmToken(b)
		link := "/rezerwacja/" + code + "/potwierdz?token=" + url.QueryEscape(token)
		events, messages := e.changes()
		for _, method := range []string{"GET", "HEAD"} {
			resp, page = sc.send(method, link, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s on the link: %d", method, resp.StatusCode)
			}
		}
		resp, page = sc.get(link)
		wantPage(t, resp, page, 200)
		if !strings.Contains(page, `id="confirm-submit"`) || !strings.Contains(page, `name="token" value="`+token+`"`) || !strings.Contains(page, "Potwierdzam rezerwację") {
			t.Fatalf("the confirmation page: %s", page)
		}
		if ev, msg := e.changes(); ev != events || msg != messages {
			t.Fatalf("GETs on the link wrote %d events and %d messages", ev-events, msg-messages)
		}
		if got, _ := e.bookings.Get(t.Context(), code); got.Status != booking.StatusPending {
			t.Fatalf("after GETs on the link: %s", got.Status)
		}

		action := "/rezerwacja/" + code + "/potwierdz"
		resp, page = sc.post(action, url.Values{"token": {token}, "_csrf": {"forged"}})
		wantPage(t, resp, page, 403)
		resp, page = sc.post(action, url.Values{"token": {token + "x"}})
		wantPage(t, resp, page, 403)
		if !strings.Contains(page, "nie pasuje do tej rezerwacji") || !strings.Contains(page, `id="confirm-submit"`) {
			t.Fatalf("wrong token page: %s", page)
		}
		if ev, msg := e.changes(); ev != events || msg != messages {
			t.Fatalf("refused POSTs wrote %d events and %d messages", ev-events, msg-messages)
		}

		resp, _ = sc.post(action, url.Values{"token": {token}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/rezerwacja/"+code+"?potwierdzono=1" {
			t.Fatalf("confirm: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, page = sc.get(resp.Header.Get("Location"))
		wantPage(t, resp, page, 200)
		if !strings.Contains(page, `id="confirmed-banner"`) || !strings.Contains(page, "Wizyta zarezerwowana") || !strings.Contains(page, "qr.svg") {
			t.Fatalf("the confirmed booking's page: %s", page)
		}
		// The link again: already confirmed.
		_, page = sc.get(link)
		if !strings.Contains(page, "już potwierdzona") || strings.Contains(page, `id="confirm-submit"`) {
			t.Fatalf("the link once confirmed: %s", page)
		}
		// English and Ukrainian pages of a pending booking have their words.
		_, b2 := e.pendingBooking(peselOf("800101", "1234"))
		ids := messageIDs(t)
		for _, lang := range []string{"en", "uk"} {
			for _, p := range []string{"/rezerwacja/" + booking.FormatCode(b2.Code), "/rezerwacja/" + booking.FormatCode(b2.Code) + "/potwierdz?token=x"} {
				resp, page = e.site().get(p + map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")] + "lang=" + lang)
				wantPage(t, resp, page, 200)
				wantNoMessageIDs(t, ids, page)
			}
		}
	})
}

// A pending booking can't be moved until confirmed: the API answers 409
// saying to confirm first, the site's move page says so instead of the
// form (and its booking page offers no move), and the hold stays as it was.
// Confirmed, it moves.
func TestReschedulePendingRefused(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		view, b := e.pendingBooking(validPESEL)
		code := view["code"].(string)
		next := e.week.At(2, 11, 10)
		move := map[string]any{"pesel": validPESEL, "start": next.Format(time.RFC3339)}
		events, messages := e.changes()
		resp, raw := e.do("POST", "/api/v1/bookings/"+code+"/reschedule", move, web.ProofHeader, e.solve())
		if resp.StatusCode != 409 || !strings.Contains(string(raw), "confirm it with the link in the e-mail first") {
			t.Fatalf("moving a pending booking: %d %s", resp.StatusCode, raw)
		}
		if ev, msg := e.changes(); ev != events || msg != messages {
			t.Fatalf("the refused move wrote %d events, %d messages", ev-events, msg-messages)
		}
		if got, _ := e.bookings.Get(e.t.Context(), code); got.Status != booking.StatusPending || !got.StartsAt.Equal(b.StartsAt) {
			t.Fatalf("after the refused move: %s at %v", got.Status, got.StartsAt)
		}
		sc := e.site()
		resp, page := sc.get("/rezerwacja/" + code)
		wantPage(t, resp, page, 200)
		if strings.Contains(page, `id="reschedule-link"`) {
			t.Error("the pending booking's page offers to move it")
		}
		resp, page = sc.get("/rezerwacja/" + code + "/zmien?start=" + url.QueryEscape(next.Format(time.RFC3339)))
		wantPage(t, resp, page, 200)
		if !strings.Contains(page, `id="reschedule-pending"`) || !strings.Contains(page, "najpierw potwierdź ją linkiem z e-maila") ||
			strings.Contains(page, `id="reschedule-submit"`) {
			t.Fatalf("the move page of a pending booking: %s", page)
		}

		resp, raw = e.do("POST", "/api/v1/bookings/"+code+"/confirm", map[string]string{"token": e.bookings.ConfirmToken(b)})
		if resp.StatusCode != 200 {
			t.Fatalf("confirm: %d %s", resp.StatusCode, raw)
		}
		resp, raw = e.do("POST", "/api/v1/bookings/"+code+"/reschedule", move, web.ProofHeader, e.solve())
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"status":"booked"`) {
			t.Fatalf("moving the confirmed booking: %d %s", resp.StatusCode, raw)
		}
	})
}
