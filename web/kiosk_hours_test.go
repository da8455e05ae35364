package web_test

import (
	"encoding/json"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// kioskMe is what the tests read of GET /api/v1/kiosk/me.
type kioskMe struct {
	Office struct {
		Today string `json:"today"`
		Now   string `json:"now"`
	} `json:"office"`
	Departments []struct {
		ID          int64   `json:"id"`
		Issuing     bool    `json:"issuing"`
		ClosedToday bool    `json:"closed_today"`
		Until       *string `json:"until"`
		OpensAt     *string `json:"opens_at"`
	} `json:"departments"`
}

func (e *env) kioskMe() kioskMe {
	e.t.Helper()
	resp, body := e.do("GET", "/api/v1/kiosk/me", nil, bearer(e.creds.KioskToken)...)
	var me kioskMe
	if resp.StatusCode != 200 || json.Unmarshal(body, &me) != nil {
		e.t.Fatalf("kiosk/me: %d %s", resp.StatusCode, body)
	}
	return me
}

// The kiosk learns for each department whether it issues tickets now, by
// the rule the ticket itself is refused with: before opening (from when),
// open (until the last ticket time), after the last ticket time and on a
// closure (the next open day), with the server's time in the office's
// zone.
func TestKioskMeSaysWhichDepartmentsIssue(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		shut := deps[1]
		if _, err := e.offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &shut.ID, StartsOn: e.week.Day(1), EndsOn: e.week.Day(1), Reason: "Inwentaryzacja"}); err != nil {
			t.Fatal(err)
		}
		rfc := func(t time.Time) string { return t.Format(time.RFC3339) }
		cases := []struct {
			name           string
			at             time.Time
			issuing        bool
			until, opensAt time.Time // zero: left out
			shutOpensAt    time.Time
		}{
			{"before opening", e.week.At(1, 6, 0), false, time.Time{}, e.week.At(1, 7, 30), e.week.At(2, 7, 30)},
			{"open", e.week.At(1, 10, 0), true, e.week.At(1, 15, 15), time.Time{}, e.week.At(2, 7, 30)},
			{"after the last ticket time", e.week.At(1, 15, 15), false, time.Time{}, e.week.At(2, 7, 30), e.week.At(2, 7, 30)},
			{"Saturday", e.week.At(5, 10, 0), false, time.Time{}, e.week.At(7, 8, 0), e.week.At(7, 8, 0)},
		}
		for _, tc := range cases {
			e.clock.Set(tc.at)
			me := e.kioskMe()
			if me.Office.Now != rfc(tc.at) {
				t.Errorf("%s: now %q, want %q", tc.name, me.Office.Now, rfc(tc.at))
			}
			if len(me.Departments) != len(deps) {
				t.Fatalf("%s: %d departments, want %d", tc.name, len(me.Departments), len(deps))
			}
			for _, d := range me.Departments {
				issuing, until, opens := tc.issuing, tc.until, tc.opensAt
				if d.ID == shut.ID {
					issuing, until, opens = false, time.Time{}, tc.shutOpensAt
				}
				str := func(p *string) string {
					if p == nil {
						return ""
					}
					return *p
				}
				want := func(t time.Time) string {
					if t.IsZero() {
						return ""
					}
					return rfc(t)
				}
				closedToday := d.ID == shut.ID || tc.name == "Saturday"
				if d.ClosedToday != closedToday {
					t.Errorf("%s: department %d: closed today %v, want %v", tc.name, d.ID, d.ClosedToday, closedToday)
				}
				if d.Issuing != issuing || str(d.Until) != want(until) || str(d.OpensAt) != want(opens) {
					t.Errorf("%s: department %d: issuing %v until %q opens %q; want %v %q %q", tc.name, d.ID, d.Issuing, str(d.Until), str(d.OpensAt), issuing, want(until), want(opens))
				}
			}
			// The kiosk's ticket agrees.
			resp, body := e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": deps[0].Services[0].ID}, bearer(e.creds.KioskToken)...)
			if got := resp.StatusCode == 201; got != tc.issuing {
				t.Errorf("%s: a ticket: %d %s", tc.name, resp.StatusCode, body)
			}
		}
	})
}

// An administrator gives a counter a short label for the hall display;
// it reads back, is trimmed, and can be emptied again.
func TestAdminCounterLabel(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	admin := bearer(e.adminToken())
	path := "/api/v1/admin/counters/" + itoa(e.counterOf("Stanowisko 1").ID)
	for _, tc := range []struct{ set, want string }{{"  Kasa 1 ", "Kasa 1"}, {"1234567890123456", "1234567890123456"}, {"", ""}} {
		resp, body := e.do("PATCH", path, map[string]any{"label": tc.set}, admin...)
		var c struct{ Name, Label string }
		if resp.StatusCode != 200 || json.Unmarshal(body, &c) != nil || c.Label != tc.want || c.Name != "Stanowisko 1" {
			t.Fatalf("label %q: %d %s", tc.set, resp.StatusCode, body)
		}
		resp, body = e.do("GET", path, nil, admin...)
		if resp.StatusCode != 200 || json.Unmarshal(body, &c) != nil || c.Label != tc.want {
			t.Fatalf("read back %q: %d %s", tc.want, resp.StatusCode, body)
		}
	}
}
