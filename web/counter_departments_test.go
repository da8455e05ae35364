package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// A counter changed to serve two departments: the admin API keeps both, the
// clerk's counter view names them, "next" calls the tickets of both in the
// order they were issued, the live view lists the counter under each, and
// neither department can be deleted while it serves it.
func TestCounterServesTwoDepartments(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil || len(deps) < 2 {
			t.Fatalf("departments: %v", err)
		}
		depA, depB := deps[0], deps[1]
		svcA, svcB := depA.Services[0].ID, depB.Services[0].ID
		c := e.counterOf("Stanowisko 1")
		if c.DepartmentID != depA.ID || !slices.Equal(c.DepartmentIDs, []int64{depA.ID}) {
			t.Fatalf("the demo counter %+v is not of %d alone", c.CounterSpec, depA.ID)
		}
		path := fmt.Sprintf("/api/v1/admin/counters/%d", c.ID)

		// A matter of a department the counter doesn't serve is refused.
		resp, body := e.do("PATCH", path, map[string]any{"service_ids": []int64{svcA, svcB}}, admin...)
		if resp.StatusCode != 422 || problemOf(t, resp, body).Errors["service_ids"] == "" {
			t.Fatalf("another department's matter: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", path, map[string]any{"department_ids": []int64{depB.ID, depA.ID, depA.ID}, "service_ids": []int64{svcA, svcB}}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("two departments: %d %s", resp.StatusCode, body)
		}
		var got office.Counter
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		want := []int64{min(depA.ID, depB.ID), max(depA.ID, depB.ID)}
		if got.DepartmentID != depA.ID || !slices.Equal(got.DepartmentIDs, want) || !slices.Equal(got.ServiceIDs, []int64{svcA, svcB}) {
			t.Fatalf("counter %+v: want primary %d, departments %v", got.CounterSpec, depA.ID, want)
		}
		// No department at all is refused naming it.
		resp, body = e.do("PATCH", path, map[string]any{"department_id": 0, "department_ids": []int64{}}, admin...)
		if resp.StatusCode != 422 || problemOf(t, resp, body).Errors["department_id"] == "" {
			t.Fatalf("no department: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", path, map[string]any{"department_ids": []int64{depA.ID, 999999}}, admin...)
		if resp.StatusCode != 422 || problemOf(t, resp, body).Errors["department_ids"] == "" {
			t.Fatalf("an unknown department: %d %s", resp.StatusCode, body)
		}

		// The clerk sees both departments and gets the tickets of both.
		var views []map[string]any
		e.okJSON("GET", "/api/v1/counters", &views, clerk...)
		for _, v := range views {
			if int64(v["id"].(float64)) == c.ID {
				if names := fmt.Sprint(v["departments"]); names != fmt.Sprint([]any{nameOf(deps, want[0]), nameOf(deps, want[1])}) {
					t.Fatalf("departments %s", names)
				}
			}
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		_, first, _ := e.issueTicket(svcB)
		e.clock.Advance(time.Minute)
		_, second, _ := e.issueTicket(svcA)
		var called []string
		for {
			resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c.ID), nil, clerk...)
			if resp.StatusCode == 204 {
				break
			}
			if resp.StatusCode != 200 {
				t.Fatalf("next: %d %s", resp.StatusCode, body)
			}
			var tk struct {
				ID     int64
				Number string
			}
			if err := json.Unmarshal(body, &tk); err != nil {
				t.Fatal(err)
			}
			called = append(called, tk.Number)
			if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", tk.ID), nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("start: %d %s", resp.StatusCode, body)
			}
		}
		if !slices.Equal(called, []string{first, second}) {
			t.Fatalf("called %v, want %s of the second department then %s", called, first, second)
		}

		var live web.LiveOps
		e.okJSON("GET", "/api/v1/admin/live", &live, admin...)
		under := 0
		for _, d := range live.Departments {
			for _, lc := range d.Counters {
				if lc.CounterID == c.ID {
					under++
				}
			}
		}
		if under != 2 {
			t.Fatalf("the live view lists the counter under %d departments, want 2", under)
		}
		if resp, body := e.do("DELETE", fmt.Sprintf("/api/v1/admin/departments/%d", depB.ID), nil, admin...); resp.StatusCode != 409 {
			t.Fatalf("deleting a department a counter serves: %d %s", resp.StatusCode, body)
		}

		// Moving the counter by department_id alone makes it of that one.
		resp, body = e.do("PATCH", path, map[string]any{"department_id": depB.ID, "service_ids": []int64{svcB}}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("move: %d %s", resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, &got); err != nil || !slices.Equal(got.DepartmentIDs, []int64{depB.ID}) {
			t.Fatalf("moved %s", body)
		}
	})
}

func nameOf(deps []office.Department, id int64) string {
	for _, d := range deps {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}
