package web_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// A department's priority policy and booking grace: strict and 10 minutes
// by default, changed by PATCH (a mode keeps only its own number), audited;
// a bad policy is a 422 naming the field, nothing written.
func TestAdminDepartmentPolicy(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/admin/departments/%d", deps[0].ID)
		var d office.Department
		e.okJSON("GET", path, &d, admin...)
		if d.PriorityPolicy != (office.PriorityPolicy{Mode: "strict"}) || d.BookingGraceMinutes != 10 {
			t.Fatalf("defaults: %+v, grace %d", d.PriorityPolicy, d.BookingGraceMinutes)
		}

		resp, got := e.do("PATCH", path, map[string]any{"priority_policy": map[string]any{"mode": "aging", "max_wait_minutes": 45}, "booking_grace_minutes": 15}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(got), `"priority_policy":{"mode":"aging","max_wait_minutes":45}`) || !strings.Contains(string(got), `"booking_grace_minutes":15`) {
			t.Fatalf("PATCH aging: %d %s", resp.StatusCode, got)
		}
		// To ratio: the former max wait is dropped.
		resp, got = e.do("PATCH", path, map[string]any{"priority_policy": map[string]any{"mode": "ratio", "every": 2}}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("PATCH ratio: %d %s", resp.StatusCode, got)
		}
		e.okJSON("GET", path, &d, admin...)
		if d.PriorityPolicy != (office.PriorityPolicy{Mode: "ratio", Every: 2}) || d.BookingGraceMinutes != 15 {
			t.Fatalf("read back: %+v, grace %d", d.PriorityPolicy, d.BookingGraceMinutes)
		}
		entries, err := audit.List(t.Context(), db, audit.Filter{ObjectType: "department", ObjectID: d.ID})
		if err != nil || len(entries) < 2 || entries[0].AfterJSON == nil || !strings.Contains(*entries[0].AfterJSON, `"priority_policy":{"mode":"ratio","every":2}`) ||
			entries[0].BeforeJSON == nil || !strings.Contains(*entries[0].BeforeJSON, `"max_wait_minutes":45`) {
			t.Fatalf("audit: %v %+v", err, entries)
		}

		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"priority_policy": map[string]any{"mode": "lottery"}}, "priority_policy.mode"},
			{map[string]any{"priority_policy": map[string]any{"mode": "ratio", "every": 0}}, "priority_policy.every"},
			{map[string]any{"priority_policy": map[string]any{"mode": "ratio", "every": 21}}, "priority_policy.every"},
			{map[string]any{"priority_policy": map[string]any{"mode": "aging", "max_wait_minutes": 4}}, "priority_policy.max_wait_minutes"},
			{map[string]any{"priority_policy": map[string]any{"mode": "aging", "max_wait_minutes": 481}}, "priority_policy.max_wait_minutes"},
			{map[string]any{"priority_policy": map[string]any{"mode": "aging"}}, "priority_policy.max_wait_minutes"},
			{map[string]any{"booking_grace_minutes": 121}, "booking_grace_minutes"},
			{map[string]any{"booking_grace_minutes": -1}, "booking_grace_minutes"},
		} {
			before := snapshot(t, db)
			resp, got := e.do("PATCH", path, tc.body, admin...)
			var p struct{ Errors map[string]string }
			if resp.StatusCode != 422 || json.Unmarshal(got, &p) != nil || p.Errors[tc.field] == "" {
				t.Fatalf("%v: %d %s, want 422 naming %s", tc.body, resp.StatusCode, got, tc.field)
			}
			if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
				t.Fatalf("%v changed the database", tc.body)
			}
		}
		// A new department: the defaults, or the policy given; a bad one is
		// refused the same way.
		resp, got = e.do("POST", "/api/v1/admin/departments", map[string]any{"name": "Meldunki", "ticket_prefix": "M",
			"priority_policy": map[string]any{"mode": "ratio", "every": 20}}, admin...)
		if resp.StatusCode != 201 || !strings.Contains(string(got), `"priority_policy":{"mode":"ratio","every":20}`) || !strings.Contains(string(got), `"booking_grace_minutes":10`) {
			t.Fatalf("POST: %d %s", resp.StatusCode, got)
		}
		before := snapshot(t, db)
		resp, got = e.do("POST", "/api/v1/admin/departments", map[string]any{"name": "Paszporty", "ticket_prefix": "P",
			"priority_policy": map[string]any{"mode": "ratio", "every": 0}}, admin...)
		var p struct{ Errors map[string]string }
		if resp.StatusCode != 422 || json.Unmarshal(got, &p) != nil || p.Errors["priority_policy.every"] == "" {
			t.Fatalf("POST bad policy: %d %s", resp.StatusCode, got)
		}
		if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
			t.Fatal("a refused department was written")
		}
	})
}
