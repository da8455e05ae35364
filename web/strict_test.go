package web_test

import (
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// JSON bodies are strict (DESIGN section 12): keys are case-sensitive, a
// key given twice (in any case) or naming no field is 400 naming it, at
// any depth, and nothing is written.
func TestStrictJSON(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		serviceID, slot := e.firstFreeSlot()
		good := fmt.Sprintf(`"service_id":%d,"start":%q,"name":"Jan Kowalski","pesel":%q,"email":"jan@example.pl"`, serviceID, slot.Start.Format("2006-01-02T15:04:05Z07:00"), validPESEL)
		bookings := e.bookingCount()
		for _, tc := range []struct {
			name, method, path, body, field string
			headers                         []string
		}{
			{"upper-case key", "POST", "/api/v1/bookings", `{` + strings.Replace(good, `"service_id"`, `"SERVICE_ID"`, 1) + `,"consent":true}`, "SERVICE_ID", nil},
			{"mixed-case key", "POST", "/api/v1/bookings", `{` + strings.Replace(good, `"pesel"`, `"Pesel"`, 1) + `,"consent":true}`, "Pesel", nil},
			{"a key twice", "POST", "/api/v1/bookings", `{` + good + `,"consent":false,"consent":true}`, "consent", nil},
			{"a key twice in two cases", "POST", "/api/v1/bookings", `{` + good + `,"consent":false,"Consent":true}`, "Consent", nil},
			{"unknown weekday", "PATCH", "/api/v1/admin/departments/1", `{"hours":{"monday":[["08:00","16:00"]]}}`, "hours.monday", admin},
			{"a weekday in capitals", "PATCH", "/api/v1/admin/departments/1", `{"hours":{"MON":[["08:00","16:00"]]}}`, "hours.MON", admin},
			{"a nested key twice", "PATCH", "/api/v1/admin/departments/1", `{"hours":{"mon":[],"mon":[["08:00","09:00"]]}}`, "hours.mon", admin},
		} {
			resp, body := e.do(tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != 400 {
				t.Errorf("%s: %d %s, want 400", tc.name, resp.StatusCode, body)
				continue
			}
			if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
				t.Errorf("%s: errors %v do not name %s", tc.name, p.Errors, tc.field)
			}
		}
		if n := e.bookingCount(); n != bookings {
			t.Fatalf("refused bodies booked: %d → %d", bookings, n)
		}
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		if len(deps[0].Hours.Mon) != 1 || deps[0].Hours.Mon[0][0] != "08:00" || deps[0].Hours.Mon[0][1] != "16:00" {
			t.Fatalf("refused bodies changed the hours: %v", deps[0].Hours.Mon)
		}
		// The same body, written right, books.
		if resp, body := e.do("POST", "/api/v1/bookings", `{`+good+`,"consent":true}`); resp.StatusCode != 201 {
			t.Fatalf("the right body: %d %s", resp.StatusCode, body)
		}
	})
}

// Action endpoints take no body, {} or null alike (many HTTP clients always
// send {}); any other body is 400.
func TestActionBodies(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	counter := e.counterOf("Stanowisko 1")
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
	if resp, body := e.do("POST", cpath+"/open", "null", clerk...); resp.StatusCode != 200 {
		t.Fatalf("open with null: %d %s", resp.StatusCode, body)
	}
	for i, body := range []any{nil, "{}", "null", " { } ", "\n"} {
		e.issueTicket(counter.ServiceIDs[0])
		resp, out := e.do("POST", cpath+"/next", body, clerk...)
		if resp.StatusCode != 200 {
			t.Fatalf("next with %q: %d %s", body, resp.StatusCode, out)
		}
		var id int64
		fmt.Sscanf(string(out), `{"id":%d`, &id)
		for _, action := range []string{"recall", "start"} {
			if resp, out := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, action), body, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%d: %s with %q: %d %s", i, action, body, resp.StatusCode, out)
			}
		}
		if resp, out := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", id), body, clerk...); resp.StatusCode != 200 {
			t.Fatalf("finish with %q: %d %s", body, resp.StatusCode, out)
		}
	}
	for _, body := range []string{`{"x":1}`, `[]`, `"start"`, `{"outcome":"x"}`} {
		if resp, out := e.do("POST", cpath+"/pause", body, clerk...); resp.StatusCode != 400 {
			t.Errorf("pause with %s: %d %s, want 400", body, resp.StatusCode, out)
		}
	}
}

// A known path asked with another method is 405 naming the methods it takes
// in Allow; an unknown path stays 404; the site answers with its own page.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	for _, tc := range []struct {
		method, path, allow string
	}{
		{"DELETE", "/api/v1/departments", "GET, HEAD"},
		{"PUT", "/api/v1/bookings", "POST"},
		{"POST", "/api/v1/services/1/slots", "GET, HEAD"},
		{"DELETE", "/api/v1/tickets/5/start", "POST"},
		{"PATCH", "/healthz", "GET, HEAD"},
	} {
		resp, body := e.do(tc.method, tc.path, nil)
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q, want 405 and %q: %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow, body)
			continue
		}
		problemOf(t, resp, body)
	}
	if resp, body := e.do("GET", "/api/v1/nothing-here", nil); resp.StatusCode != 404 {
		t.Errorf("an unknown path: %d %s", resp.StatusCode, body)
	}
	resp, body := e.site().send("DELETE", "/odwolaj", nil)
	wantPage(t, resp, body, 405)
	if resp.Header.Get("Allow") != "GET, HEAD, POST" || !strings.Contains(body, "Ten adres nie przyjmuje żądań DELETE.") {
		t.Errorf("the site's 405: Allow %q: %.400s", resp.Header.Get("Allow"), body)
	}
}
