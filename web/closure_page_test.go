package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// A visit cancelled by a closure keeps the closure's reason: its page says,
// in every language, that the office cancelled it and why, and its calendar
// file is the cancelling one (METHOD:CANCEL, the live file's UID, a higher
// SEQUENCE). The resident's own cancellation names no office.
func TestClosureCancellationOnTheBookingPage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(ctx, true)
		if err != nil || len(deps) == 0 {
			t.Fatalf("departments: %v", err)
		}
		svc := deps[0].Services[0].ID
		closedID, ownID := e.bookAt(1, svc, 1, 9, 0), e.bookAt(2, svc, 2, 9, 0)
		closed, err := e.bookings.ByID(ctx, closedID)
		if err != nil {
			t.Fatal(err)
		}
		own, err := e.bookings.ByID(ctx, ownID)
		if err != nil {
			t.Fatal(err)
		}
		code := booking.FormatCode(closed.Code)
		uid := booking.CalendarUID(closed, "http://okienko.test")

		calendar := func(code, method, status string, sequence int, uid string) {
			t.Helper()
			resp, body := e.do("GET", "/api/v1/bookings/"+code+"/calendar.ics", nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
				t.Fatalf("calendar.ics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			cal, ev := calendartest.Parse(t, body)
			calendartest.Expect(t, cal, ev, method, status, uid, sequence)
		}
		calendar(code, "PUBLISH", "CONFIRMED", 0, uid)

		const reason = "Awaria ogrzewania; budynek zamknięty"
		resp, body := e.do("POST", "/api/v1/admin/closures", map[string]any{
			"starts_on": e.week.Date(1), "ends_on": e.week.Date(1), "reason": reason,
		}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("closure: %d %s", resp.StatusCode, body)
		}
		var cl office.Closure
		if err := json.Unmarshal(body, &cl); err != nil {
			t.Fatal(err)
		}
		var out struct{ Cancelled int }
		e.okJSON("POST", fmt.Sprintf("/api/v1/admin/closures/%d/cancel-bookings", cl.ID), &out, admin...)
		if out.Cancelled != 1 {
			t.Fatalf("cancelled %d, want 1", out.Cancelled)
		}
		if _, err := e.bookings.Cancel(ctx, ownID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}

		for lang, want := range map[string][]string{
			"pl": {"odwołana przez urząd", "Powód odwołania"},
			"en": {"cancelled by the office", "Reason"},
			"uk": {"скасовано установою", "Причина скасування"},
		} {
			sc := e.site()
			resp, body := sc.get("/rezerwacja/" + code + "?lang=" + lang)
			wantPage(t, resp, body, 200)
			text := html.UnescapeString(body)
			for _, w := range append(want, `<dd lang="pl" id="cancel-reason">`+reason+`</dd>`) {
				if !strings.Contains(text, w) {
					t.Errorf("%s: the page of the closed day's booking lacks %q", lang, w)
				}
			}
			resp, body = sc.get("/rezerwacja/" + booking.FormatCode(own.Code) + "?lang=" + lang)
			wantPage(t, resp, body, 200)
			if strings.Contains(html.UnescapeString(body), want[0]) || strings.Contains(body, "cancel-reason") {
				t.Errorf("%s: the resident's own cancellation is said to be the office's", lang)
			}
		}
		calendar(code, "CANCEL", "CANCELLED", 1, uid)
		calendar(booking.FormatCode(own.Code), "CANCEL", "CANCELLED", 1, booking.CalendarUID(own, "http://okienko.test"))
	})
}
