package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
)

// freeAt is the free seats the API shows for the slot of serviceID starting
// at start (-1 when it shows no such slot).
func (e *env) freeAt(serviceID int64, start time.Time) int {
	e.t.Helper()
	day := start.In(officetest.Warsaw).Format(time.DateOnly)
	resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", serviceID, day), nil)
	var out struct {
		Slots []slotView `json:"slots"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		e.t.Fatalf("slots: %d %s", resp.StatusCode, body)
	}
	for _, sl := range out.Slots {
		if sl.Start.Equal(start) {
			return sl.Free
		}
	}
	return -1
}

// tableCount counts the rows of table matching where.
func (e *env) tableCount(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// POST /api/v1/bookings/{code}/reschedule moves the visit keeping its code:
// the old time frees, the new one is taken, the calendar file keeps its UID
// with SEQUENCE 1 and the resident's messages are queued.
func TestRescheduleAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		b := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(b.Code)
		before := e.freeAt(serviceID, slot.Start)
		next := e.week.At(2, 11, 0)
		nextFree := e.freeAt(serviceID, next)
		if nextFree < 1 {
			t.Fatalf("Wednesday 11:00 shows %d free", nextFree)
		}
		resp, body := e.do("POST", "/api/v1/bookings/"+code+"/reschedule", map[string]any{"pesel": validPESEL, "start": next.Format(time.RFC3339)})
		if resp.StatusCode != 200 {
			t.Fatalf("reschedule: %d %s", resp.StatusCode, body)
		}
		var got struct {
			Code   string    `json:"code"`
			Status string    `json:"status"`
			Date   string    `json:"date"`
			Start  time.Time `json:"start"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Code != code || got.Status != "booked" || got.Date != e.week.Date(2) || !got.Start.Equal(next) || !strings.Contains(string(body), e.week.Offset()) {
			t.Fatalf("the moved booking: %s", body)
		}
		if f := e.freeAt(serviceID, slot.Start); f != before+1 {
			t.Errorf("the old time shows %d free, want %d", f, before+1)
		}
		if f := e.freeAt(serviceID, next); f != nextFree-1 {
			t.Errorf("the new time shows %d free, want %d", f, nextFree-1)
		}
		resp, body = e.do("GET", "/api/v1/bookings/"+code+"/calendar.ics", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("calendar: %d", resp.StatusCode)
		}
		cal, ev := calendartest.Parse(t, body)
		calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", booking.CalendarUID(b, "http://okienko.test"), 1)
		if n := e.tableCount("outbox", "key LIKE ?", fmt.Sprintf("booking:%d:confirmation.moved.1:%%", b.ID)); n != 1 {
			t.Errorf("%d messages of the move queued, want 1 (e-mail; no phone)", n)
		}
	})
}

// Bad input on every field is a 4xx problem naming it and writes nothing;
// a wrong PESEL answers as an unknown code; a cancelled visit is not moved;
// a full slot is 409.
func TestRescheduleAPIRefusals(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		b := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(b.Code)
		good := e.week.At(2, 11, 0).Format(time.RFC3339)
		path := "/api/v1/bookings/" + code + "/reschedule"
		for _, c := range []struct {
			name, path string
			body       any
			status     int
			field      string
		}{
			{"no body", path, "", 400, ""},
			{"empty object", path, map[string]any{}, 422, "pesel"},
			{"no start", path, map[string]any{"pesel": validPESEL}, 422, "start"},
			{"start not RFC 3339", path, map[string]any{"pesel": validPESEL, "start": "jutro o 10"}, 400, "start"},
			{"start without offset", path, map[string]any{"pesel": validPESEL, "start": "2026-12-08T10:00:00"}, 400, "start"},
			{"start before 2000", path, map[string]any{"pesel": validPESEL, "start": "1999-12-31T10:00:00+01:00"}, 422, "start"},
			{"start off the grid", path, map[string]any{"pesel": validPESEL, "start": e.week.At(2, 11, 7).Format(time.RFC3339)}, 422, "start"},
			{"start in the past", path, map[string]any{"pesel": validPESEL, "start": e.week.At(0, 8, 0).Format(time.RFC3339)}, 422, "start"},
			{"start outside the window", path, map[string]any{"pesel": validPESEL, "start": e.week.At(90, 10, 0).Format(time.RFC3339)}, 422, "start"},
			{"start on Sunday", path, map[string]any{"pesel": validPESEL, "start": e.week.At(6, 10, 0).Format(time.RFC3339)}, 422, "start"},
			{"start the visit's own", path, map[string]any{"pesel": validPESEL, "start": slot.Start.Format(time.RFC3339)}, 422, "start"},
			{"PESEL malformed", path, map[string]any{"pesel": "4405140135", "start": good}, 422, "pesel"},
			{"PESEL a number", path, map[string]any{"pesel": 44051401359, "start": good}, 400, "pesel"},
			{"unknown field", path, map[string]any{"pesel": validPESEL, "start": good, "service_id": 2}, 400, "service_id"},
			{"field in capitals", path, map[string]any{"PESEL": validPESEL, "start": good}, 400, "PESEL"},
			{"duplicate key", path, `{"pesel":"` + validPESEL + `","start":"` + good + `","start":"` + good + `"}`, 400, "start"},
			{"code malformed", "/api/v1/bookings/ABC/reschedule", map[string]any{"pesel": validPESEL, "start": good}, 422, "code"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := e.withT(t)
				resp, body := e.do("POST", c.path, c.body)
				if resp.StatusCode/100 != 4 || (c.status != 0 && resp.StatusCode != c.status) {
					t.Fatalf("%d %s, want %d", resp.StatusCode, body, c.status)
				}
				p := problemOf(t, resp, body)
				if c.field != "" && p.Errors[c.field] == "" {
					t.Fatalf("errors %v, want %s named: %s", p.Errors, c.field, body)
				}
			})
		}
		if got, _ := e.bookings.Get(t.Context(), b.Code); !got.StartsAt.Equal(slot.Start) {
			t.Fatalf("a refused move moved the visit to %v", got.StartsAt)
		}
		if n := e.tableCount("events", "type = ?", booking.EventRescheduled); n != 0 {
			t.Fatalf("refused moves wrote %d events", n)
		}

		// A wrong PESEL and an unknown code: the same answer.
		other := "02070803628"
		resp, wrong := e.do("POST", path, map[string]any{"pesel": other, "start": good})
		resp2, unknown := e.do("POST", "/api/v1/bookings/ZZZZ-ZZZZ/reschedule", map[string]any{"pesel": validPESEL, "start": good})
		pw, pu := problemOf(t, resp, wrong), problemOf(t, resp2, unknown)
		if resp.StatusCode != 404 || resp2.StatusCode != 404 || pw.Detail != pu.Detail || len(pw.Errors) != 0 {
			t.Fatalf("wrong PESEL %d %s; unknown code %d %s", resp.StatusCode, wrong, resp2.StatusCode, unknown)
		}

		// A full slot: 409, the visit stays.
		full := e.week.At(2, 12, 0)
		for n := e.freeAt(serviceID, full); n > 0; n-- {
			e.bookAt(10+n, serviceID, 2, 12, 0)
		}
		resp, body := e.do("POST", path, map[string]any{"pesel": validPESEL, "start": full.Format(time.RFC3339)})
		if resp.StatusCode != 409 {
			t.Fatalf("into a full slot: %d %s", resp.StatusCode, body)
		}
		problemOf(t, resp, body)
		if got, _ := e.bookings.Get(t.Context(), b.Code); !got.StartsAt.Equal(slot.Start) {
			t.Fatalf("the refused move moved the visit to %v", got.StartsAt)
		}

		// Cancelled: 409.
		if _, err := e.bookings.CancelByCode(t.Context(), b.Code, validPESEL); err != nil {
			t.Fatal(err)
		}
		resp, body = e.do("POST", path, map[string]any{"pesel": validPESEL, "start": good})
		if resp.StatusCode != 409 {
			t.Fatalf("a cancelled visit: %d %s", resp.StatusCode, body)
		}
		problemOf(t, resp, body)
	})
}

// The resident changes the time on the site, in Polish: the manage page
// links to the matter's calendar, which carries the code on to the day
// page, whose chosen time leads to a page confirming the move with the
// PESEL; the POST moves the visit and its page says so. A wrong PESEL, a
// full time and a missing CSRF token move nothing.
func TestSiteReschedule(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		b := e.bookOne(serviceID, slot.Start, validPESEL)
		code := booking.FormatCode(b.Code)
		sc := e.site()
		sc.get("/rezerwacja")
		resp, body := sc.post("/rezerwacja", url.Values{"code": {code}, "pesel": {validPESEL}})
		wantPage(t, resp, body, 200)
		calendarHref := fmt.Sprintf("/sprawy/%d/termin?zmiana=%s", serviceID, code)
		if !strings.Contains(body, `href="`+calendarHref+`"`) || !strings.Contains(body, ">Zmień termin</a>") {
			t.Fatalf("the manage page has no link to change the time: %s", body)
		}

		// The calendar and the day page carry the code on.
		resp, body = sc.get(calendarHref)
		wantPage(t, resp, body, 200)
		dayHref := fmt.Sprintf("/sprawy/%d/termin/%s?zmiana=%s", serviceID, e.week.Date(2), code)
		if !strings.Contains(body, "Zmieniasz termin wizyty "+code) || !strings.Contains(body, `href="`+dayHref+`"`) {
			t.Fatalf("the calendar while moving: %s", body)
		}
		resp, body = sc.get(dayHref)
		wantPage(t, resp, body, 200)
		next := e.week.At(2, 11, 0)
		value := next.Format(time.RFC3339)
		if !strings.Contains(body, "Zmieniasz termin wizyty "+code) || !strings.Contains(body, `action="/rezerwacja/`+code+`/zmien"`) ||
			!strings.Contains(html.UnescapeString(body), `value="`+value+`"`) {
			t.Fatalf("the day page while moving: %s", body)
		}

		// The chosen time: the visit, the new time, the PESEL asked for.
		movePath := "/rezerwacja/" + code + "/zmien"
		resp, body = sc.get(movePath + "?start=" + url.QueryEscape(value))
		wantPage(t, resp, body, 200)
		for _, want := range []string{"Zmiana terminu wizyty", "Obecny termin", "Nowy termin", longDate("pl", e.week.Day(2)) + ", 11:00",
			"Aby zmienić termin, podaj numer PESEL", `id="reschedule-submit"`, `method="post"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the move page lacks %q", want)
			}
		}
		if m := csrfField.FindStringSubmatch(body); m == nil {
			t.Fatal("the move page's form has no CSRF token")
		}
		unmoved := func(why string) {
			t.Helper()
			if got, _ := e.bookings.Get(t.Context(), b.Code); !got.StartsAt.Equal(slot.Start) {
				t.Fatalf("%s moved the visit to %v", why, got.StartsAt)
			}
		}
		unmoved("a GET")

		// No CSRF token: refused.
		resp, body = e.site().post(movePath, url.Values{"pesel": {validPESEL}, "start": {value}})
		wantPage(t, resp, body, 403)
		unmoved("a form without its token")
		// A wrong PESEL: as an unknown code.
		resp, body = sc.post(movePath, url.Values{"pesel": {"02070803628"}, "start": {value}})
		wantPage(t, resp, body, 404)
		if !strings.Contains(body, "Nie znaleziono rezerwacji o tym kodzie i numerze PESEL.") {
			t.Errorf("a wrong PESEL: %s", body)
		}
		unmoved("a wrong PESEL")
		// A malformed PESEL: named next to the field.
		resp, body = sc.post(movePath, url.Values{"pesel": {"4405"}, "start": {value}})
		wantPage(t, resp, body, 422)
		if !strings.Contains(body, "Numer PESEL musi mieć 11 cyfr.") || !strings.Contains(body, `href="#pesel"`) {
			t.Errorf("a malformed PESEL: %s", body)
		}
		// A full time: said, with the way back to the calendar.
		full := e.week.At(2, 12, 0)
		for n := e.freeAt(serviceID, full); n > 0; n-- {
			e.bookAt(10+n, serviceID, 2, 12, 0)
		}
		resp, body = sc.post(movePath, url.Values{"pesel": {validPESEL}, "start": {full.Format(time.RFC3339)}})
		wantPage(t, resp, body, 409)
		if !strings.Contains(body, "Brak wolnych miejsc") || !strings.Contains(body, `href="`+calendarHref+`"`) {
			t.Errorf("a full time: %s", body)
		}
		unmoved("a full time")

		// Moved.
		resp, _ = sc.post(movePath, url.Values{"pesel": {validPESEL}, "start": {value}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/rezerwacja/"+code+"?zmieniono=1" {
			t.Fatalf("move: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		got, _ := e.bookings.Get(t.Context(), b.Code)
		if !got.StartsAt.Equal(next) || got.Status != booking.StatusBooked {
			t.Fatalf("after the move: %+v", got)
		}
		resp, body = sc.get("/rezerwacja/" + code + "?zmieniono=1")
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, "Termin wizyty "+code+" został zmieniony.") || !strings.Contains(body, longDate("pl", e.week.Day(2))+", 11:00–") {
			t.Errorf("the moved booking's page: %s", body)
		}
		// The same time again is no move.
		resp, body = sc.post(movePath, url.Values{"pesel": {validPESEL}, "start": {value}})
		wantPage(t, resp, body, 422)
		if !strings.Contains(body, "To jest obecna godzina Twojej wizyty.") {
			t.Errorf("the same time again: %s", body)
		}
	})
}
