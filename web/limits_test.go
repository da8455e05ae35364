package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/web"
)

// roomyMatter makes the demo matter of firstFreeSlot take capacity people a
// slot, a year ahead and 50 bookings a PESEL, and returns it with its slots
// on the test week's Tuesday.
func (e *env) roomyMatter(capacity int) (int64, []booking.Slot) {
	e.t.Helper()
	deps, err := e.offices.Departments(e.t.Context(), true)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := e.offices.UpdateService(e.t.Context(), deps[1].Services[0].ID, func(s *office.ServiceSpec) error {
		s.BookingDaysAhead, s.Capacity, s.MaxActivePerPESEL = 365, capacity, 50
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	slots, err := e.bookings.Slots(e.t.Context(), svc.ID, e.week.Day(1))
	if err != nil || len(slots) < 10 {
		e.t.Fatalf("slots: %d %v", len(slots), err)
	}
	return svc.ID, slots
}

// attempt is one booking sent over HTTP and its answer.
type attempt struct {
	status     int
	retryAfter string
	problem    web.Problem
}

// bookAtOnce sends n bookings at once over HTTP to base, the i-th from
// address addr(i) (in X-Forwarded-For, behind the trusted 127.0.0.1) for
// resident residentPESEL(first+i) with e-mail email(i), spread over slots.
func (e *env) bookAtOnce(base string, serviceID int64, slots []booking.Slot, first, n int, addr, email func(i int) string) []attempt {
	e.t.Helper()
	out := make([]attempt, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body, _ := json.Marshal(map[string]any{
				"service_id": serviceID, "start": slots[i%len(slots)].Start.Format(time.RFC3339), "name": "Jan Kowalski",
				"pesel": residentPESEL(first + i), "email": email(i), "consent": true,
			})
			resp, raw := e.overHTTP(base, "POST", "/api/v1/bookings", string(body), "X-Forwarded-For", addr(i))
			out[i] = attempt{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
			if resp.StatusCode != 201 {
				_ = json.Unmarshal(raw, &out[i].problem)
			}
		})
	}
	wg.Wait()
	return out
}

// tally counts the attempts by status.
func tally(as []attempt) map[int]int {
	m := map[int]int{}
	for _, a := range as {
		m[a.status]++
	}
	return m
}

// A hoarder's script with freshly generated PESELs gets at most the limits,
// however many requests it sends at once: from one address, from many
// addresses of one IPv6 /64, and with one mailbox under many +tags and
// cases from many addresses. Residents elsewhere still book.
func TestHoarderGetsAtMostTheLimits(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		limits := generous
		limits.Book = web.Limit{Max: 5, Window: 10 * time.Minute}
		e := newEnvTuned(t, db, limits, func(d *web.Deps) {
			d.TrustedProxies = []string{"127.0.0.1"}
			d.Bookings.SetMaxActivePerEmail(3)
		})
		base := e.listen()
		serviceID, slots := e.roomyMatter(50)
		oneDomain := func(i int) string { return fmt.Sprintf("kupiec%d@hurt.example", i) }

		got := e.bookAtOnce(base, serviceID, slots, 0, 30, func(int) string { return "203.0.113.7" }, oneDomain)
		if n := tally(got); n[201] != 5 || n[429] != 25 {
			t.Fatalf("one address: %v, want 5 booked and 25 refused with 429", n)
		}
		for _, a := range got {
			if ra, err := strconv.Atoi(a.retryAfter); a.status == 429 && (err != nil || ra < 1 || ra > 600) {
				t.Fatalf("Retry-After %q", a.retryAfter)
			}
		}

		got = e.bookAtOnce(base, serviceID, slots, 100, 30, func(i int) string { return fmt.Sprintf("2001:db8:77:1::%x", i+1) }, oneDomain)
		if n := tally(got); n[201] != 5 || n[429] != 25 {
			t.Fatalf("one /64: %v, want 5 booked and 25 refused with 429", n)
		}
		got = e.bookAtOnce(base, serviceID, slots, 200, 1, func(int) string { return "2001:db8:77:2::1" }, oneDomain)
		if n := tally(got); n[201] != 1 {
			t.Fatalf("the next /64: %v %+v", n, got)
		}

		got = e.bookAtOnce(base, serviceID, slots, 300, 20, func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) },
			func(i int) string { return fmt.Sprintf("Kupiec+%d@HURT.example", i) })
		if n := tally(got); n[201] != 3 || n[409] != 17 {
			t.Fatalf("one mailbox: %v, want 3 booked and 17 refused with 409", n)
		}
		for _, a := range got {
			if a.status == 409 && a.problem.Errors["email"] == "" {
				t.Fatalf("the refusal names no email: %+v", a.problem)
			}
		}
		if n := e.bookingCount(); n != 5+5+1+3 {
			t.Fatalf("%d bookings, want 14", n)
		}
	})
}

// Fifty residents behind one address (a carrier NAT, a library), each with
// their own PESEL and e-mail, all book at once under the default limits.
func TestFiftyResidentsBehindOneAddress(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnvTuned(t, db, web.DefaultRateLimits, func(d *web.Deps) { d.TrustedProxies = []string{"127.0.0.1"} })
		base := e.listen()
		serviceID, slots := e.roomyMatter(50)
		got := e.bookAtOnce(base, serviceID, slots, 0, 50, func(int) string { return "203.0.113.50" },
			func(i int) string { return fmt.Sprintf("mieszkaniec%d@example.pl", i) })
		if n := tally(got); n[201] != 50 {
			t.Fatalf("%v, want all 50 booked: %+v", n, got)
		}
	})
}

// A resident whose three submissions were refused (a bad PESEL, no
// consent, a full slot) still books, though the address may make one
// booking; the next resident there gets the 429 form.
func TestRefusedSubmissionsDontCount(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		limits := generous
		limits.Book = web.Limit{Max: 1, Window: 10 * time.Minute}
		e := newEnvWith(t, db, limits)
		serviceID, slots := e.roomyMatter(1)
		e.bookOne(serviceID, slots[0].Start, residentPESEL(900)) // a full slot
		sc := e.site()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja", serviceID)
		sc.get(formPath + "?start=" + url.QueryEscape(slots[1].Start.Format(time.RFC3339)))
		form := url.Values{"start": {slots[1].Start.Format(time.RFC3339)}, "name": {"Jan Kowalski"}, "pesel": {"44051401358"}, "email": {"jan.k@example.pl"}, "consent": {"1"}}
		resp, body := sc.post(formPath, form)
		wantPage(t, resp, body, 422)
		form.Set("pesel", validPESEL)
		form.Del("consent")
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 422)
		form.Set("consent", "1")
		form.Set("start", slots[0].Start.Format(time.RFC3339))
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 409)
		form.Set("start", slots[1].Start.Format(time.RFC3339))
		if resp, body := sc.post(formPath, form); resp.StatusCode != 303 {
			t.Fatalf("the fourth submission: %d %.600s", resp.StatusCode, body)
		}
		form.Set("pesel", residentPESEL(901))
		form.Set("start", slots[2].Start.Format(time.RFC3339))
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 429)
	})
}

// On PostgreSQL the limits hold across instances: two servers on one
// database, sent bookings from one address at once, make no more than the
// limit between them.
func TestRateLimitsAcrossInstances(t *testing.T) {
	url := databasetest.PostgresURL(t)
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	limits := generous
	limits.Book = web.Limit{Max: 4, Window: 10 * time.Minute}
	a := newInstanceWith(t, url, clock, true, limits)
	b := newInstanceWith(t, url, clock, false, limits)
	serviceID, slots := a.roomyMatter(50)
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := map[int]int{}
	for i := range 20 {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		wg.Go(func() {
			body := map[string]any{"service_id": serviceID, "start": slots[i%len(slots)].Start.Format(time.RFC3339), "name": "Jan Kowalski",
				"pesel": residentPESEL(i), "email": fmt.Sprintf("r%d@example.pl", i), "consent": true}
			resp, _ := srv.do("POST", "/api/v1/bookings", body)
			mu.Lock()
			n[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if n[201] != 4 || n[429] != 16 {
		t.Fatalf("%v, want 4 booked and 16 refused across the two instances", n)
	}
}
