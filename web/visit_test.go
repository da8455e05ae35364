package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// The demo's two 10-minute matters of one department that combine in a
// visit: from 09:00 the first, from 09:10 the second (both 2 seats).
const (
	visitFirst  = "Wymeldowanie z pobytu stałego lub czasowego"
	visitSecond = "Potwierdzenie Profilu Zaufanego"
)

func visitBody(start time.Time, pesel string, ids ...int64) map[string]any {
	b := bookingBody(0, start)
	delete(b, "service_id")
	b["service_ids"], b["pesel"] = ids, pesel
	b["email"] = "wizyta" + pesel + "@example.pl"
	return b
}

// A resident books two matters in one visit through the API: 201 with the
// items, the look-up shows them, the calendar file spans both; bad lists
// are 422 naming the field; a taken seat is 409 with nothing booked; the
// visit can't be moved and cancelling it frees both seats.
func TestVisitAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		a, b := e.serviceNamed(visitFirst), e.serviceNamed(visitSecond)
		other := e.serviceNamed("Odbiór dowodu osobistego") // another department
		start := e.week.At(1, 9, 0)
		resp, body := e.do("POST", "/api/v1/bookings", visitBody(start, validPESEL, a.ID, b.ID))
		if resp.StatusCode != 201 {
			t.Fatalf("book a visit: %d %s", resp.StatusCode, body)
		}
		var got struct {
			Code      string `json:"code"`
			Status    string `json:"status"`
			ServiceID int64  `json:"service_id"`
			Items     []struct {
				ServiceID  int64     `json:"service_id"`
				Start, End time.Time `json:"-"`
				RawStart   string    `json:"start"`
				RawEnd     string    `json:"end"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		off := e.week.Offset()
		if got.Status != "booked" || got.ServiceID != a.ID || len(got.Items) != 2 ||
			got.Items[0].ServiceID != a.ID || got.Items[0].RawStart != start.Format(time.RFC3339) ||
			got.Items[1].ServiceID != b.ID || got.Items[1].RawStart != start.Add(10*time.Minute).Format(time.RFC3339) ||
			got.Items[1].RawEnd != start.Add(20*time.Minute).Format(time.RFC3339) || !strings.HasSuffix(got.Items[1].RawEnd, off) {
			t.Fatalf("visit answer %s", body)
		}
		resp, body = e.do("GET", "/api/v1/bookings/"+got.Code, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"items":[{"service_id":`) {
			t.Fatalf("look-up: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", "/api/v1/bookings/"+got.Code+"/calendar.ics", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "DTEND:"+start.Add(20*time.Minute).UTC().Format("20060102T150405Z")) ||
			!strings.Contains(string(body), visitSecond[:20]) {
			t.Fatalf("calendar: %d %s", resp.StatusCode, body)
		}

		n := e.bookingCount()
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"one matter", visitBody(start, "02070803628", a.ID), "service_ids"},
			{"five", visitBody(start, "02070803628", a.ID, b.ID, other.ID, a.ID+1000, a.ID+1001), "service_ids"},
			{"duplicate", visitBody(start, "02070803628", a.ID, a.ID), "service_ids[1]"},
			{"another department", visitBody(start, "02070803628", a.ID, other.ID), "service_ids[1]"},
		} {
			resp, body := e.do("POST", "/api/v1/bookings", c.body)
			var p struct{ Errors map[string]string }
			if resp.StatusCode != 422 || json.Unmarshal(body, &p) != nil || p.Errors[c.field] == "" {
				t.Errorf("%s: %d %s, want 422 naming %s", c.name, resp.StatusCode, body, c.field)
			}
		}
		// The second matter's 09:10 now has one seat; another resident
		// takes it alone, and a visit wanting it is refused whole.
		resp, body = e.do("POST", "/api/v1/bookings", map[string]any{
			"service_id": b.ID, "start": start.Add(10 * time.Minute).Format(time.RFC3339), "name": "Jan Nowak",
			"pesel": "02070803628", "email": "jan.nowak@example.pl", "consent": true,
		})
		if resp.StatusCode != 201 {
			t.Fatalf("book the last seat: %d %s", resp.StatusCode, body)
		}
		n++
		resp, body = e.do("POST", "/api/v1/bookings", visitBody(start, "85010112345", a.ID, b.ID))
		if resp.StatusCode != 409 && resp.StatusCode != 422 {
			t.Fatalf("a visit with a full matter: %d %s, want 409", resp.StatusCode, body)
		}
		if resp.StatusCode == 422 {
			t.Fatalf("the test PESEL is invalid: %s", body)
		}
		if e.bookingCount() != n {
			t.Fatalf("a refused visit wrote bookings")
		}
		if f := e.freeAt(a.ID, start); f != 1 {
			t.Fatalf("the first matter's 09:00 has %d free after the refused visit, want 1", f)
		}
		resp, body = e.do("POST", "/api/v1/bookings/"+got.Code+"/reschedule", map[string]any{"pesel": validPESEL, "start": e.week.At(1, 11, 0).Format(time.RFC3339)})
		if resp.StatusCode != 409 || !strings.Contains(string(body), "several matters") {
			t.Fatalf("moving a visit: %d %s, want 409", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/bookings/"+got.Code+"/cancel", map[string]any{"pesel": validPESEL})
		if resp.StatusCode != 200 {
			t.Fatalf("cancel the visit: %d %s", resp.StatusCode, body)
		}
		if fa, fb := e.freeAt(a.ID, start), e.freeAt(b.ID, start.Add(10*time.Minute)); fa != 2 || fb != 1 {
			t.Fatalf("after cancelling: %d and %d free, want 2 and 1", fa, fb)
		}
	})
}
