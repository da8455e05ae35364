package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// bookAt books service at hh:mm in Warsaw, day days after the test week's
// Monday, for the n-th resident and returns the booking's id.
func (e *env) bookAt(n int, serviceID int64, day, hh, mm int) int64 {
	e.t.Helper()
	b, err := e.bookings.Book(e.t.Context(), booking.Request{
		ServiceID: serviceID, Start: e.week.At(day, hh, mm),
		Name: "Jan Kowalski", PESEL: peselOf(fmt.Sprintf("8001%02d", n), "1234"),
		Email: fmt.Sprintf("mieszkaniec%d@example.pl", n), Consent: true,
	})
	if err != nil {
		e.t.Fatalf("book %d: %v", n, err)
	}
	got, err := e.bookings.Get(e.t.Context(), b.Code)
	if err != nil {
		e.t.Fatal(err)
	}
	return got.ID
}

// okJSON sends a request that must answer 200 and decodes the body into out.
func (e *env) okJSON(method, path string, out any, headers ...string) {
	e.t.Helper()
	resp, body := e.do(method, path, nil, headers...)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("%s %s: %s: %v", method, path, body, err)
	}
}

func TestAdminOpsAuth(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		routes := [][2]string{
			{"GET", "/api/v1/admin/closures/impact?starts_on=" + e.week.Date(1)},
			{"POST", "/api/v1/admin/closures/1/cancel-bookings"},
			{"GET", "/api/v1/admin/services/1/grid-impact?slot_minutes=20"},
			{"GET", "/api/v1/admin/live"},
		}
		for _, r := range routes {
			if resp, body := e.do(r[0], r[1], nil); resp.StatusCode != 401 {
				t.Errorf("%s %s without a token: %d %s", r[0], r[1], resp.StatusCode, body)
			}
			if resp, body := e.do(r[0], r[1], nil, clerk...); resp.StatusCode != 403 {
				t.Errorf("%s %s as a clerk: %d %s", r[0], r[1], resp.StatusCode, body)
			}
		}
	})
}

func TestAdminOpsClosureImpact(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil || len(deps) < 2 {
			t.Fatalf("departments: %v", err)
		}
		depA, depB := deps[0], deps[1]
		svcA, svcB := depA.Services[0].ID, depB.Services[0].ID
		a24 := e.bookAt(1, svcA, 1, 9, 0)
		a25 := e.bookAt(2, svcA, 2, 9, 0)
		a26 := e.bookAt(3, svcA, 3, 9, 0)
		gone := e.bookAt(4, svcA, 1, 10, 0)
		b24 := e.bookAt(5, svcB, 1, 9, 0)
		b25 := e.bookAt(6, svcB, 2, 10, 0)
		if _, err := e.bookings.Cancel(t.Context(), gone, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}

		impact := func(query string) int {
			t.Helper()
			var out struct{ Bookings *int }
			e.withT(t).okJSON("GET", "/api/v1/admin/closures/impact?"+query, &out, admin...)
			if out.Bookings == nil {
				t.Fatalf("impact %s: no bookings field", query)
			}
			return *out.Bookings
		}
		for _, tc := range []struct {
			query string
			want  int
		}{
			{fmt.Sprintf("starts_on=%s&ends_on=%s&department_id=%d", e.week.Date(1), e.week.Date(2), depA.ID), 2},
			{"starts_on=" + e.week.Date(1) + "&ends_on=" + e.week.Date(2), 4},
			{"starts_on=" + e.week.Date(1), 2},
			{fmt.Sprintf("starts_on=%s&ends_on=%s&department_id=%d", e.week.Date(1), e.week.Date(7), depB.ID), 2},
			{fmt.Sprintf("starts_on=%s&department_id=%d", e.week.Date(3), depB.ID), 0},
			{"starts_on=" + e.week.Date(4) + "&ends_on=" + e.week.Date(38), 0},
		} {
			if got := impact(tc.query); got != tc.want {
				t.Errorf("impact %s = %d, want %d", tc.query, got, tc.want)
			}
		}
		for _, tc := range []struct{ query, field string }{
			{"starts_on=2026-02-30", "starts_on"},
			{"ends_on=" + e.week.Date(2), "starts_on"},
			{"starts_on=" + e.week.Date(1) + "&ends_on=24.11.2026", "ends_on"},
			{"starts_on=" + e.week.Date(2) + "&ends_on=" + e.week.Date(1), "ends_on"},
			{"starts_on=" + e.week.Date(1) + "&department_id=abc", "department_id"},
			{"starts_on=" + e.week.Date(1) + "&department_id=999999", "department_id"},
		} {
			resp, body := e.do("GET", "/api/v1/admin/closures/impact?"+tc.query, nil, admin...)
			if resp.StatusCode != 422 {
				t.Fatalf("impact %s: %d %s, want 422", tc.query, resp.StatusCode, body)
			}
			if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
				t.Errorf("impact %s: errors %v do not name %s", tc.query, p.Errors, tc.field)
			}
		}

		// The admin closes department A on the 24th and 25th, then confirms.
		resp, body := e.do("POST", "/api/v1/admin/closures", map[string]any{
			"department_id": depA.ID, "starts_on": e.week.Date(1), "ends_on": e.week.Date(2), "reason": "awaria systemu",
		}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("closure: %d %s", resp.StatusCode, body)
		}
		var closure office.Closure
		if err := json.Unmarshal(body, &closure); err != nil {
			t.Fatal(err)
		}
		var out struct{ Cancelled *int }
		path := fmt.Sprintf("/api/v1/admin/closures/%d/cancel-bookings", closure.ID)
		e.okJSON("POST", path, &out, admin...)
		if out.Cancelled == nil || *out.Cancelled != 2 {
			t.Fatalf("cancelled %v, want 2", out.Cancelled)
		}
		// The bookings keep the closure's reason for the resident.
		type row struct {
			ID           int64
			Status       string
			CancelReason string
			CancelNote   string
		}
		var rows []row
		if err := db.Table("bookings").Select("id, status, cancel_reason, cancel_note").Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		want := map[int64]row{
			a24: {a24, booking.StatusCancelled, web.CancelReasonClosure, "awaria systemu"}, a25: {a25, booking.StatusCancelled, web.CancelReasonClosure, "awaria systemu"},
			a26: {a26, booking.StatusBooked, "", ""}, gone: {gone, booking.StatusCancelled, "resident", ""},
			b24: {b24, booking.StatusBooked, "", ""}, b25: {b25, booking.StatusBooked, "", ""},
		}
		if len(rows) != len(want) {
			t.Fatalf("%d bookings, want %d", len(rows), len(want))
		}
		for _, r := range rows {
			if want[r.ID] != r {
				t.Errorf("booking %d: %+v, want %+v", r.ID, r, want[r.ID])
			}
		}
		outboxIDs := func() []int64 {
			t.Helper()
			var ids []int64
			if err := db.Table("outbox").Where("kind = ? AND channel = ?", "cancellation", "email").Order("booking_id").Pluck("booking_id", &ids).Error; err != nil {
				t.Fatal(err)
			}
			return ids
		}
		wantOutbox := []int64{a24, a25, gone}
		slices.Sort(wantOutbox)
		if got := outboxIDs(); !slices.Equal(got, wantOutbox) {
			t.Fatalf("cancellation messages for bookings %v, want one each for %v", got, wantOutbox)
		}
		var audited int64
		db.Table("audit_log").Where("action = ? AND object_type = ? AND object_id = ?", web.AuditCancelBookings, office.ObjectClosure, closure.ID).Count(&audited)
		if audited != 1 {
			t.Fatalf("%d audit entries for the cancellation, want 1", audited)
		}

		// Confirming again cancels nothing more and queues nothing.
		e.okJSON("POST", path, &out, admin...)
		if *out.Cancelled != 0 {
			t.Fatalf("second confirmation cancelled %d", *out.Cancelled)
		}
		if got := outboxIDs(); !slices.Equal(got, wantOutbox) {
			t.Fatalf("after the second confirmation: messages for %v", got)
		}
		if got := impact(fmt.Sprintf("starts_on=%s&ends_on=%s&department_id=%d", e.week.Date(1), e.week.Date(2), depA.ID)); got != 0 {
			t.Fatalf("impact after cancelling: %d", got)
		}
		for _, p := range []string{"/api/v1/admin/closures/999999/cancel-bookings", "/api/v1/admin/closures/x/cancel-bookings"} {
			if resp, body := e.do("POST", p, nil, admin...); resp.StatusCode != 404 {
				t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
			}
		}
	})
}

func TestAdminOpsGridImpact(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		svc := deps[0].Services[0]
		if svc.SlotMinutes != 15 {
			t.Fatalf("the demo's first matter has %d-minute slots; this test wants 15", svc.SlotMinutes)
		}
		for i, hm := range [][2]int{{9, 0}, {9, 15}, {10, 30}} {
			e.bookAt(i+1, svc.ID, 1, hm[0], hm[1])
		}
		gridImpact := func(minutes, wantTotal, wantOff int) {
			t.Helper()
			var out struct {
				FutureBookings *int `json:"future_bookings"`
				OffGrid        *int `json:"off_grid"`
			}
			e.okJSON("GET", fmt.Sprintf("/api/v1/admin/services/%d/grid-impact?slot_minutes=%d", svc.ID, minutes), &out, admin...)
			if out.FutureBookings == nil || out.OffGrid == nil || *out.FutureBookings != wantTotal || *out.OffGrid != wantOff {
				t.Fatalf("%d minutes: %+v, want %d future and %d off the grid", minutes, out, wantTotal, wantOff)
			}
		}
		// Tuesday 07:30–15:30: a 20-minute grid has 08:50, 09:10 and 10:30,
		// so 09:00 and 09:15 fall off it; a 15-minute one has all three.
		gridImpact(15, 3, 0)
		gridImpact(20, 3, 2)
		gridImpact(30, 3, 1)
		resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"slot_minutes": 20}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("change to 20: %d %s", resp.StatusCode, body)
		}
		gridImpact(20, 3, 2)
		gridImpact(15, 3, 0)

		for _, q := range []string{"slot_minutes=4", "slot_minutes=481", "slot_minutes=abc", "slot_minutes=", ""} {
			resp, body := e.do("GET", fmt.Sprintf("/api/v1/admin/services/%d/grid-impact?%s", svc.ID, q), nil, admin...)
			if resp.StatusCode != 422 {
				t.Fatalf("%q: %d %s, want 422", q, resp.StatusCode, body)
			}
			if p := problemOf(t, resp, body); p.Errors["slot_minutes"] == "" {
				t.Fatalf("%q: errors %v do not name slot_minutes", q, p.Errors)
			}
		}
		if resp, body := e.do("GET", "/api/v1/admin/services/999999/grid-impact?slot_minutes=20", nil, admin...); resp.StatusCode != 404 {
			t.Fatalf("unknown service: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAdminOpsLive(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		start := e.clock.Now() // Monday 10:00 in Warsaw, the office open
		c1, c2 := e.counterOf("Stanowisko 1"), e.counterOf("Stanowisko 2")
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		var other office.Department // a department c1 doesn't belong to
		for _, d := range deps {
			if d.ID != c1.DepartmentID {
				other = d
				break
			}
		}
		resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": "drugi", "password": "haslo-drugiego", "role": "clerk"}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("second clerk: %d %s", resp.StatusCode, body)
		}
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		second := bearer(e.login("drugi", "haslo-drugiego"))
		reasons, err := e.offices.PauseReasons(t.Context())
		if err != nil || len(reasons) == 0 {
			t.Fatalf("the demo office's pause reasons: %v %v", reasons, err)
		}

		// Nothing happens yet: everybody at zero, no counters.
		var live web.LiveOps
		e.okJSON("GET", "/api/v1/admin/live", &live, admin...)
		if len(live.Departments) != len(deps) {
			t.Fatalf("%d departments, want %d", len(live.Departments), len(deps))
		}
		for _, d := range live.Departments {
			if d.Waiting != 0 || d.LongestWaitMinutes != 0 || len(d.Counters) != 0 {
				t.Fatalf("quiet office: %+v", d)
			}
		}

		_, first, _ := e.issueTicket(c1.ServiceIDs[0]) // 10:00, will be called
		e.issueTicket(other.Services[0].ID)            // 10:00, waits
		e.clock.Advance(5 * time.Minute)
		e.issueTicket(c1.ServiceIDs[0]) // 10:05, waits
		e.issueTicket(c1.ServiceIDs[0]) // 10:05, waits
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open c1: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c2.ID), nil, second...); resp.StatusCode != 200 {
			t.Fatalf("open c2: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/pause", c2.ID), nil, second...); resp.StatusCode != 200 {
			t.Fatalf("pause c2: %d %s", resp.StatusCode, body)
		}
		e.clock.Set(start.Add(23*time.Minute + 30*time.Second))

		e.okJSON("GET", "/api/v1/admin/live", &live, admin...)
		if !live.At.Equal(start.Add(23*time.Minute + 30*time.Second)) {
			t.Fatalf("at %v", live.At)
		}
		clerkName := e.creds.ClerkUser
		counters := map[int64][]web.LiveCounter{
			c1.DepartmentID: {{CounterID: c1.ID, Name: "Stanowisko 1", Status: "open", Username: clerkName, CurrentTicket: first}},
		}
		counters[c2.DepartmentID] = append(counters[c2.DepartmentID], web.LiveCounter{CounterID: c2.ID, Name: "Stanowisko 2", Status: "paused", Username: "drugi"})
		for _, d := range live.Departments {
			var waiting, longest int
			switch d.DepartmentID {
			case c1.DepartmentID: // two waiting since 10:05, the first called
				waiting, longest = 2, 18
			case other.ID: // one waiting since 10:00
				waiting, longest = 1, 23
			}
			if d.Waiting != waiting || d.LongestWaitMinutes != longest {
				t.Errorf("department %s: waiting %d, longest %d minutes; want %d and %d", d.Name, d.Waiting, d.LongestWaitMinutes, waiting, longest)
			}
			want := counters[d.DepartmentID]
			if len(d.Counters) != len(want) {
				t.Fatalf("department %s: counters %+v, want %+v", d.Name, d.Counters, want)
			}
			for i, c := range d.Counters {
				w := want[i]
				if c.CounterID != w.CounterID || c.Name != w.Name || c.Status != w.Status || c.Username != w.Username || c.CurrentTicket != w.CurrentTicket || c.UserID == 0 {
					t.Errorf("department %s: counter %+v, want %+v", d.Name, c, w)
				}
				// The break: the office's first reason (the pause named
				// none), since 10:05.
				switch {
				case c.Status == "open" && c.Pause != nil:
					t.Errorf("open counter %s has a pause %+v", c.Name, c.Pause)
				case c.Status == "paused" && (c.Pause == nil || c.Pause.Reason == nil || c.Pause.Reason.ID != reasons[0].ID || c.Pause.Reason.Name != reasons[0].Name || c.Pause.Minutes != 18):
					t.Errorf("paused counter %s: pause %+v, want %q for 18 minutes", c.Name, c.Pause, reasons[0].Name)
				}
			}
		}
	})
}
