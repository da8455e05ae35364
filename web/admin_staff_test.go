package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/stats"
)

// The admin's pause reasons: the defaults listed; bad input 422 naming the
// field, a name taken 409; create, read, change, withdraw (deleted when
// unused, archived when a pause used it: 404 either way after); a clerk
// 403, no token 401.
func TestAdminPauseReasons(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		const list = "/api/v1/admin/pause-reasons"
		var rs []struct {
			ID     int64
			Name   string
			NameEN string `json:"name_en"`
		}
		e.okJSON("GET", list, &rs, admin...)
		if len(rs) != 3 || rs[0].Name != "Przerwa" || rs[0].NameEN != "Break" {
			t.Fatalf("defaults %+v", rs)
		}
		if resp, _ := e.do("GET", list, nil, clerk...); resp.StatusCode != 403 {
			t.Errorf("a clerk: %d, want 403", resp.StatusCode)
		}
		if resp, _ := e.do("GET", list, nil); resp.StatusCode != 401 {
			t.Errorf("nobody: %d, want 401", resp.StatusCode)
		}
		for _, c := range []struct {
			body, field string
			status      int
		}{
			{`{"name":""}`, "name", 422},
			{`{"name":"Obiad","name_en":"` + strings.Repeat("x", 61) + `"}`, "name_en", 422},
			{`{"name":"Obiad","colour":"red"}`, "colour", 400},
			{`{"name":"PRZERWA"}`, "name", 409},
		} {
			resp, body := e.do("POST", list, c.body, admin...)
			if resp.StatusCode != c.status || !strings.Contains(string(body), `"`+c.field+`"`) {
				t.Errorf("%s: %d %s, want %d naming %s", c.body, resp.StatusCode, body, c.status, c.field)
			}
		}
		resp, body := e.do("POST", list, `{"name":"Obiad","name_en":"Lunch","name_uk":"Обід","position":5}`, admin...)
		var lunch struct{ ID int64 }
		if resp.StatusCode != 201 || json.Unmarshal(body, &lunch) != nil {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		one := fmt.Sprintf("%s/%d", list, lunch.ID)
		if resp, body := e.do("PATCH", one, `{"name":"Obiad długi"}`, admin...); resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Obiad długi","name_en":"Lunch"`) {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("PATCH", one, `{"name":"Szkolenie"}`, admin...); resp.StatusCode != 409 {
			t.Errorf("patch onto a name taken: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("GET", one, nil, admin...); resp.StatusCode != 200 || !strings.Contains(string(body), "Obiad długi") {
			t.Fatalf("read: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.do("DELETE", one, nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if resp, _ := e.do("GET", one, nil, admin...); resp.StatusCode != 404 {
			t.Errorf("deleted: %d, want 404", resp.StatusCode)
		}
		if resp, _ := e.do("DELETE", one, nil, admin...); resp.StatusCode != 404 {
			t.Errorf("deleted twice: %d, want 404", resp.StatusCode)
		}
		if n := e.count("pause_reasons", "id = ?", lunch.ID); n != 0 {
			t.Errorf("an unused reason is kept: %d", n)
		}

		// Used by a pause: archived, still named in the reports.
		counter := e.counterOf("Stanowisko 1")
		cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", cpath+"/pause", map[string]any{"reason_id": rs[2].ID}, clerk...); resp.StatusCode != 200 {
			t.Fatalf("pause: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.do("DELETE", fmt.Sprintf("%s/%d", list, rs[2].ID), nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("delete used: %d", resp.StatusCode)
		}
		if n := e.count("pause_reasons", "id = ? AND archived_at IS NOT NULL", rs[2].ID); n != 1 {
			t.Errorf("a used reason is not archived")
		}
		e.okJSON("GET", list, &rs, admin...)
		if len(rs) != 2 {
			t.Errorf("%d offered after archiving, want 2", len(rs))
		}
	})
}

// The staff report over HTTP: two clerks' days; the admin sees both as
// JSON and as CSV (format=csv or Accept: text/csv, a BOM, the range in the
// file name); a clerk sees only their own day, never the admin's route
// (403), nobody without a token (401); bad dates and ranges are 422 naming
// the field; a pause with a reason not offered is 422 on reason_id.
func TestStaffReportAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		first := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", "/api/v1/admin/users", `{"username":"druga","password":"Haslo-drugiej-1234","role":"clerk","display_name":"Druga Urzędniczka"}`, admin...); resp.StatusCode != 201 {
			t.Fatalf("second clerk: %d %s", resp.StatusCode, body)
		}
		second := bearer(e.login("druga", "Haslo-drugiej-1234"))
		var reasons []struct{ ID int64 }
		e.okJSON("GET", "/api/v1/admin/pause-reasons", &reasons, admin...)

		serve := func(name string, clerk []string, minutes int, reason any) {
			t.Helper()
			counter := e.counterOf(name)
			cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
			if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("open: %d %s", resp.StatusCode, body)
			}
			id, _, _ := e.issueTicket(counter.ServiceIDs[0])
			if resp, body := e.do("POST", cpath+"/call", map[string]any{"ticket_id": id}, clerk...); resp.StatusCode != 200 {
				t.Fatalf("call: %d %s", resp.StatusCode, body)
			}
			e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", id), nil, clerk...)
			e.clock.Advance(time.Duration(minutes) * time.Minute)
			if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", id), nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("finish: %d %s", resp.StatusCode, body)
			}
			if resp, body := e.do("POST", cpath+"/pause", map[string]any{"reason_id": 999999}, clerk...); resp.StatusCode != 422 || !strings.Contains(string(body), `"reason_id"`) {
				t.Errorf("pause for an unknown reason: %d %s", resp.StatusCode, body)
			}
			if resp, body := e.do("POST", cpath+"/pause", reason, clerk...); resp.StatusCode != 200 {
				t.Fatalf("pause: %d %s", resp.StatusCode, body)
			}
			e.clock.Advance(10 * time.Minute)
			if resp, body := e.do("POST", cpath+"/resume", nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("resume: %d %s", resp.StatusCode, body)
			}
		}
		serve("Stanowisko 1", first, 7, map[string]any{"reason_id": reasons[2].ID})
		serve("Stanowisko 2", second, 3, nil)
		day := e.week.Date(0)

		var rep stats.StaffReport
		e.okJSON("GET", "/api/v1/admin/reports/staff?from="+day+"&to="+day, &rep, admin...)
		if len(rep.Clerks) != 2 || len(rep.Counters) != 2 {
			t.Fatalf("report %+v", rep)
		}
		byName := map[string]stats.ClerkDay{}
		for _, c := range rep.Clerks {
			byName[c.Username] = c
		}
		one, two := byName[e.creds.ClerkUser], byName["druga"]
		if one.Served != 1 || *one.ServiceMean != 7 || one.PausedMinutes != 10 || len(one.PausedByReason) != 1 || one.PausedByReason[0].ReasonID != reasons[2].ID {
			t.Errorf("first clerk %+v", one)
		}
		if two.Served != 1 || *two.ServiceP90 != 3 || two.PausedMinutes != 10 || two.PausedByReason[0].ReasonID != reasons[0].ID || two.Name != "Druga Urzędniczka" {
			t.Errorf("second clerk (default reason) %+v", two)
		}

		for _, headers := range [][]string{nil, {"Accept", "text/csv"}} {
			path := "/api/v1/admin/reports/staff?from=" + day + "&to=" + day
			if headers == nil {
				path += "&format=csv"
			}
			resp, body := e.do("GET", path, nil, append(append([]string{}, admin...), headers...)...)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="okienko-staff-`+day+`_`+day+`.csv"`) {
				t.Fatalf("CSV %v: %d %v %s", headers, resp.StatusCode, resp.Header, body)
			}
			if !bytes.HasPrefix(body, []byte("\uFEFF")) {
				t.Errorf("no byte order mark")
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
			if err != nil || len(recs) != 5 || recs[0][0] != "day" || recs[0][10] != "paused_minutes:Przerwa" {
				t.Fatalf("CSV %q %v", recs, err)
			}
			for _, r := range recs[1:] {
				if r[0] != day || r[4] != "1" || r[9] != "10" {
					t.Errorf("CSV row %q", r)
				}
			}
		}

		// The clerk's own day only.
		var mine stats.StaffReport
		e.okJSON("GET", "/api/v1/clerk/report", &mine, second...)
		if len(mine.Clerks) != 1 || mine.Clerks[0].Username != "druga" || len(mine.Counters) != 1 || mine.Counters[0].CounterName != "Stanowisko 2" || len(mine.Reasons) != 3 {
			t.Errorf("own day %+v", mine)
		}
		e.okJSON("GET", "/api/v1/clerk/report?date="+e.week.Date(-1), &mine, second...)
		if len(mine.Clerks) != 0 {
			t.Errorf("the day before %+v", mine)
		}
		for _, c := range []struct {
			path    string
			headers []string
			status  int
			field   string
		}{
			{"/api/v1/admin/reports/staff", first, 403, ""},
			{"/api/v1/admin/reports/staff", nil, 401, ""},
			{"/api/v1/clerk/report", nil, 401, ""},
			{"/api/v1/clerk/report?date=2026-13-01", first, 422, "date"},
			{"/api/v1/clerk/report?date=1999-01-01", first, 422, "date"},
			{"/api/v1/admin/reports/staff?from=nope&to=" + day, admin, 422, "from"},
			{"/api/v1/admin/reports/staff?from=" + day + "&to=2026-02-30", admin, 422, "to"},
			{"/api/v1/admin/reports/staff?from=" + day + "&to=" + e.week.Date(-1), admin, 422, "to"},
			{"/api/v1/admin/reports/staff?from=" + day + "&to=" + e.week.Date(92), admin, 422, "to"},
			{"/api/v1/admin/reports/staff?format=xml", admin, 422, "format"},
		} {
			resp, body := e.do("GET", c.path, nil, c.headers...)
			if resp.StatusCode != c.status || (c.field != "" && !strings.Contains(string(body), `"`+c.field+`"`)) {
				t.Errorf("%s: %d %s, want %d naming %q", c.path, resp.StatusCode, body, c.status, c.field)
			}
		}
		e.okJSON("GET", "/api/v1/admin/reports/staff?from="+day+"&to="+e.week.Date(91), &rep, admin...)
	})
}
