package web_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// catalogHas reports whether the public catalog lists matter id.
func (e *env) catalogHas(id int64) bool {
	e.t.Helper()
	var deps []office.Department
	e.okJSON("GET", "/api/v1/departments", &deps)
	for _, d := range deps {
		for _, s := range d.Services {
			if s.ID == id {
				return true
			}
		}
	}
	return false
}

// newMatter creates a matter through the admin API and returns it.
func (e *env) newMatter(admin []string, depID int64, name string) office.Service {
	e.t.Helper()
	resp, body := e.do("POST", "/api/v1/admin/services", map[string]any{"department_id": depID, "name": name}, admin...)
	if resp.StatusCode != 201 {
		e.t.Fatalf("create %s: %d %s", name, resp.StatusCode, body)
	}
	var sv office.Service
	if err := json.Unmarshal(body, &sv); err != nil {
		e.t.Fatal(err)
	}
	return sv
}

// bookMatter books matter id on day of the test week at hh:00 for resident
// n and returns the booking's code.
func (e *env) bookMatter(n int, id int64, day, hh int) string {
	e.t.Helper()
	b, err := e.bookings.Book(e.t.Context(), booking.Request{
		ServiceID: id, Start: e.week.At(day, hh, 0), Name: "Anna Nowak", PESEL: peselOf(fmt.Sprintf("8502%02d", n), "1234"),
		Email: fmt.Sprintf("osoba%d@example.pl", n), Consent: true,
	})
	if err != nil {
		e.t.Fatalf("book %d: %v", n, err)
	}
	return b.Code
}

// A matter created in the panel gets the defaults of a new matter and is in
// the public catalog at once; one without its Polish name is refused naming
// name, and nothing is written.
func TestAdminMatterCreate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, db)
		resp, body := e.do("POST", "/api/v1/admin/services", map[string]any{"department_id": deps[0].ID, "name": "  ", "slot_minutes": 20}, admin...)
		if resp.StatusCode != 422 {
			t.Fatalf("without a name: %d %s", resp.StatusCode, body)
		}
		if p := problemOf(t, resp, body); p.Errors["name"] == "" {
			t.Fatalf("errors %v do not name name", p.Errors)
		}
		if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
			t.Fatal("a refused matter changed the database")
		}

		sv := e.newMatter(admin, deps[0].ID, " Zaświadczenie o zameldowaniu ")
		want := office.DefaultServiceSpec()
		want.DepartmentID, want.Name = deps[0].ID, "Zaświadczenie o zameldowaniu"
		if sv.ServiceSpec != want {
			t.Fatalf("created %+v, want the defaults %+v", sv.ServiceSpec, want)
		}
		if !e.catalogHas(sv.ID) {
			t.Fatal("the new matter is not in the public catalog")
		}
		if resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", sv.ID, e.week.Date(1)), nil); resp.StatusCode != 200 {
			t.Fatalf("slots of the new matter: %d %s", resp.StatusCode, body)
		}
	})
}

// Deleting a matter: one nothing refers to is gone; one with history only
// leaves the catalog and its history stays readable; one with bookings to
// come is refused with their count until confirmed, then they are
// cancelled, each with its notice in the outbox.
func TestAdminMatterDelete(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		dep := deps[0].ID
		count := func(table, where string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := db.Table(table).Where(where, args...).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Nothing refers to it: deleted.
		fresh := e.newMatter(admin, dep, "Sprawa na próbę")
		if resp, body := e.do("DELETE", fmt.Sprintf("/api/v1/admin/services/%d", fresh.ID), nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("delete unused: %d %s", resp.StatusCode, body)
		}
		if n := count("services", "id = ?", fresh.ID); n != 0 || e.catalogHas(fresh.ID) {
			t.Fatalf("an unused matter left %d rows", n)
		}

		// A past booking only: archived, out of the catalog, its history kept.
		past := e.newMatter(admin, dep, "Sprawa z historią")
		code := e.bookMatter(1, past.ID, 0, 12)
		e.clock.Set(e.week.At(0, 13, 30))
		path := fmt.Sprintf("/api/v1/admin/services/%d", past.ID)
		if resp, body := e.do("DELETE", path, nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("delete with a past booking: %d %s", resp.StatusCode, body)
		}
		if e.catalogHas(past.ID) {
			t.Fatal("the withdrawn matter is still in the catalog")
		}
		if n := count("services", "id = ? AND archived_at IS NOT NULL", past.ID); n != 1 {
			t.Fatalf("the matter with history is not archived (%d)", n)
		}
		var listed []office.Service
		e.okJSON("GET", "/api/v1/admin/services", &listed, admin...)
		if slices.ContainsFunc(listed, func(s office.Service) bool { return s.ID == past.ID }) {
			t.Fatal("the admin list still shows the withdrawn matter")
		}
		for _, p := range []string{path, fmt.Sprintf("/api/v1/services/%d", past.ID), fmt.Sprintf("/api/v1/services/%d/days", past.ID), fmt.Sprintf("/sprawy/%d", past.ID)} {
			if resp, body := e.do("GET", p, nil, admin...); resp.StatusCode != 404 {
				t.Fatalf("GET %s: %d %s, want 404", p, resp.StatusCode, body)
			}
		}
		if resp, body := e.do("PATCH", path, map[string]any{"capacity": 2}, admin...); resp.StatusCode != 404 {
			t.Fatalf("PATCH of the withdrawn matter: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("DELETE", path, nil, admin...); resp.StatusCode != 404 {
			t.Fatalf("deleting it again: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": past.ID}, bearer(e.creds.KioskToken)...); resp.StatusCode != 422 {
			t.Fatalf("a ticket for the withdrawn matter: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("GET", "/api/v1/bookings/"+code, nil); resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf(`"service_id":%d`, past.ID)) {
			t.Fatalf("the past booking: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("GET", "/rezerwacja/"+code, nil); resp.StatusCode != 200 || !strings.Contains(string(body), "Sprawa z historią") {
			t.Fatalf("the past booking's page: %d", resp.StatusCode)
		}
		for _, p := range []string{"/api/v1/admin/stats?from=" + e.week.Date(0) + "&to=" + e.week.Date(0), fmt.Sprintf("/api/v1/admin/audit?object_type=service&object_id=%d", past.ID)} {
			if resp, body := e.do("GET", p, nil, admin...); resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
			}
		}
		if n := count("audit_log", "object_type = ? AND object_id = ? AND action = ?", office.ObjectService, past.ID, "delete"); n != 1 {
			t.Fatalf("%d audit entries for the deletion", n)
		}

		// Two bookings to come: asked first, then cancelled with notice.
		future := e.newMatter(admin, dep, "Sprawa z rezerwacjami")
		a := e.bookMatter(2, future.ID, 1, 9)
		b := e.bookMatter(3, future.ID, 2, 10)
		path = fmt.Sprintf("/api/v1/admin/services/%d", future.ID)
		before := snapshot(t, db)
		resp, body := e.do("DELETE", path, nil, admin...)
		if resp.StatusCode != 409 {
			t.Fatalf("delete with bookings to come: %d %s", resp.StatusCode, body)
		}
		var conflict struct{ Bookings int }
		if err := json.Unmarshal(body, &conflict); err != nil || conflict.Bookings != 2 {
			t.Fatalf("409 %s: want bookings 2", body)
		}
		if resp, body := e.do("DELETE", path+"?cancel_bookings=yes", nil, admin...); resp.StatusCode != 422 {
			t.Fatalf("cancel_bookings=yes: %d %s", resp.StatusCode, body)
		} else if p := problemOf(t, resp, body); p.Errors["cancel_bookings"] == "" {
			t.Fatalf("errors %v do not name cancel_bookings", p.Errors)
		}
		if after := snapshot(t, db); !reflect.DeepEqual(before, after) || !e.catalogHas(future.ID) {
			t.Fatal("an unconfirmed delete changed something")
		}
		if resp, body := e.do("DELETE", path+"?cancel_bookings=true", nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("confirmed delete: %d %s", resp.StatusCode, body)
		}
		for _, c := range []string{a, b} {
			got, err := e.bookings.Get(t.Context(), c)
			if err != nil || got.Status != booking.StatusCancelled || got.CancelReason != booking.ReasonWithdrawn {
				t.Fatalf("booking %s after the delete: %+v %v", c, got, err)
			}
			if n := count("outbox", "booking_id = ? AND kind = ? AND channel = ?", got.ID, "cancellation", "email"); n != 1 {
				t.Fatalf("booking %s: %d cancellation messages, want 1", c, n)
			}
		}
		if e.catalogHas(future.ID) {
			t.Fatal("the matter is still in the catalog")
		}
		if n := count("audit_log", "object_type = ? AND object_id = ? AND action = ?", office.ObjectService, future.ID, web.AuditCancelBookings); n != 1 {
			t.Fatalf("%d audit entries for the cancellation", n)
		}
		// Nothing books it any more.
		_, err = e.bookings.Book(t.Context(), booking.Request{ServiceID: future.ID, Start: e.week.At(3, 9, 0), Name: "Anna Nowak",
			PESEL: peselOf("850209", "1234"), Email: "osoba9@example.pl", Consent: true})
		if err == nil {
			t.Fatal("booked a withdrawn matter")
		}
	})
}
