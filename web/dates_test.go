package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// answered sends a request like e.do but fails the test when no answer
// comes within a minute: a request that loops over an unbounded range of
// days never answers (and eats the server's memory while it tries).
func (e *env) answered(method, path string, body any, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	type answer struct {
		resp *http.Response
		body []byte
	}
	done := make(chan answer, 1)
	go func() {
		resp, body := e.do(method, path, body, headers...)
		done <- answer{resp, body}
	}()
	select {
	case a := <-done:
		return a.resp, a.body
	case <-time.After(time.Minute):
		e.t.Fatalf("%s %s: no answer within a minute", method, path)
		return nil, nil
	}
}

// Dates in requests lie between 2000-01-01 and 2100-12-31 (DESIGN section
// 12): outside, every endpoint answers 422 naming the field, at once, and
// writes nothing; the pages answer with their own 404 or form error. Years
// 0000 and 9999 once made PostgreSQL answer 500 and the day loop of
// 9999-12-31 never end.
func TestDatesOutOfBounds(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		serviceID, _ := e.firstFreeSlot()
		svc := fmt.Sprint(serviceID)
		count := func(table string) int64 {
			var n int64
			if err := db.Table(table).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		closures, bookings := count("closures"), count("bookings")

		for _, far := range []string{"9999-12-31", "0000-01-01", "1999-12-31", "2101-01-01"} {
			for _, tc := range []struct {
				method, path string
				body         any
				field        string
				headers      []string
			}{
				{"GET", "/api/v1/services/" + svc + "/slots?date=" + far, nil, "date", nil},
				{"GET", "/api/v1/services/" + svc + "/days?from=" + far + "&to=" + far, nil, "from", nil},
				{"GET", "/api/v1/services/" + svc + "/days?from=" + e.week.Date(0) + "&to=" + far, nil, "to", nil},
				{"POST", "/api/v1/bookings", bookingBody(serviceID, mustTime(t, far+"T10:00:00+01:00")), "start", nil},
				{"POST", "/api/v1/bookings/cancel", map[string]any{"pesel": validPESEL, "service_id": serviceID, "date": far}, "date", nil},
				{"POST", "/api/v1/admin/closures", map[string]any{"starts_on": far, "reason": "x"}, "starts_on", admin},
				{"POST", "/api/v1/admin/closures", map[string]any{"starts_on": e.week.Date(1), "ends_on": far, "reason": "x"}, "ends_on", admin},
				{"GET", "/api/v1/admin/closures/impact?starts_on=" + far, nil, "starts_on", admin},
				{"GET", "/api/v1/admin/closures/impact?starts_on=" + e.week.Date(1) + "&ends_on=" + far, nil, "ends_on", admin},
				{"GET", "/api/v1/admin/stats?from=" + far, nil, "from", admin},
				{"GET", "/api/v1/admin/stats?to=" + far, nil, "to", admin},
				{"GET", "/api/v1/admin/stats.csv?from=" + far + "&to=" + far, nil, "from", admin},
				{"GET", "/api/v1/admin/stats/hours.svg?from=" + far, nil, "from", admin},
			} {
				resp, body := e.answered(tc.method, tc.path, tc.body, tc.headers...)
				if resp.StatusCode != 422 {
					t.Errorf("%s %s: %d %s, want 422", tc.method, tc.path, resp.StatusCode, body)
					continue
				}
				if p := problemOf(t, resp, body); p.Errors[tc.field] != "must lie between 2000-01-01 and 2100-12-31" {
					t.Errorf("%s %s: errors %v, want %s: must lie between 2000-01-01 and 2100-12-31", tc.method, tc.path, p.Errors, tc.field)
				}
			}
			// The resident's pages: a day outside is a page not found; the
			// cancel form says where dates lie, in Polish.
			resp, page := e.site().get("/sprawy/" + svc + "/termin/" + far)
			wantPage(t, resp, page, 404)
			d, _ := time.Parse(time.DateOnly, far)
			sc := e.site()
			sc.get("/odwolaj")
			resp, page = sc.post("/odwolaj", url.Values{"pesel": {validPESEL}, "service_id": {svc}, "date": {d.Format("02.01.2006")}})
			wantPage(t, resp, page, 422)
			if !strings.Contains(page, "Wpisz datę z lat 2000–2100.") {
				t.Errorf("the cancel form with %s: %.400s", far, page)
			}
		}
		// The bounds themselves are dates like any other.
		for _, edge := range []string{"2000-01-01", "2100-12-31"} {
			if resp, body := e.answered("GET", "/api/v1/services/"+svc+"/slots?date="+edge, nil); resp.StatusCode != 200 {
				t.Errorf("slots on %s: %d %s", edge, resp.StatusCode, body)
			}
		}
		if n, m := count("closures"), count("bookings"); n != closures || m != bookings {
			t.Fatalf("refused requests wrote: closures %d → %d, bookings %d → %d", closures, n, bookings, m)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
