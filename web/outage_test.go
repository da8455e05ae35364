package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// With the database gone from under a running server (PostgreSQL behind a
// proxy that is cut), every API call answers 503 problem+json with
// Retry-After, pages a 503 page, /healthz 503; when it is back, the same
// calls answer as before. Clients and load balancers can tell an outage
// from a bug.
func TestDatabaseUnreachable(t *testing.T) {
	proxy, purl := databasetest.ProxyURL(t, databasetest.PostgresURL(t))
	db := databasetest.Open(t, purl)
	e := newEnvTuned(t, db, generous, func(*web.Deps) {})
	admin := bearer(e.adminToken())
	calls := []struct{ method, path string }{
		{"GET", "/api/v1/departments"},
		{"GET", "/api/v1/services/1/slots?date=" + e.week.Date(1)},
		{"GET", "/api/v1/admin/departments"},
		{"GET", "/api/v1/bookings/ABCD-EFGH"},
	}
	for _, c := range calls {
		if resp, body := e.do(c.method, c.path, nil, admin...); resp.StatusCode >= 500 {
			t.Fatalf("before: %s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}

	proxy.Cut()
	for range 2 { // the first call meets the dropped connections, the second new dials
		for _, c := range calls {
			resp, body := e.do(c.method, c.path, nil, admin...)
			if resp.StatusCode != 503 {
				t.Fatalf("%s %s with the database gone: %d %s, want 503", c.method, c.path, resp.StatusCode, body)
			}
			if p := problemOf(t, resp, body); p.Detail == "" {
				t.Errorf("%s %s: no detail", c.method, c.path)
			}
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("%s %s: Retry-After %q", c.method, c.path, resp.Header.Get("Retry-After"))
			}
		}
	}
	resp, page := e.site().get("/")
	wantPage(t, resp, page, 503)
	if resp.Header.Get("Retry-After") == "" || !strings.Contains(page, "Usługa jest chwilowo niedostępna") {
		t.Errorf("the 503 page: Retry-After %q: %.300s", resp.Header.Get("Retry-After"), page)
	}
	if resp, _ := e.do("GET", "/healthz", nil); resp.StatusCode != 503 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}

	proxy.Restore()
	for _, c := range calls {
		if resp, body := e.do(c.method, c.path, nil, admin...); resp.StatusCode >= 500 {
			t.Fatalf("after: %s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
}
