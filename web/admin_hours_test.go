package web_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// Opening hours may run to midnight: a span ends at 24:00, is stored and
// read back as written, and the day's tickets and slots run to midnight;
// 24:00 can't start a span and 24:30 is no time, each a 422 naming the
// day, nothing written.
func TestAdminHoursToMidnight(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}
		dep := deps[0]
		path := fmt.Sprintf("/api/v1/admin/departments/%d", dep.ID)
		body := map[string]any{"hours": map[string]any{"sat": [][]string{{"18:00", "24:00"}}, "sun": [][]string{{"00:00", "24:00"}}}}
		resp, got := e.do("PATCH", path, body, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("PATCH: %d %s", resp.StatusCode, got)
		}
		var d office.Department
		e.okJSON("GET", path, &d, admin...)
		if !reflect.DeepEqual(d.Hours.Sat, [][]string{{"18:00", "24:00"}}) || !reflect.DeepEqual(d.Hours.Sun, [][]string{{"00:00", "24:00"}}) {
			t.Fatalf("read back: %+v", d.Hours)
		}
		// Saturday's opening ends at the next midnight in the office's zone.
		sat := e.week.Day(5)
		loc := e.week.At(0, 0, 0).Location()
		spans := office.OpeningSpans(loc, d.Hours, sat)
		if len(spans) != 1 || !spans[0].Start.Equal(e.week.At(5, 18, 0)) || !spans[0].End.Equal(sat.AddDays(1).In(loc, 0)) {
			t.Fatalf("Saturday's spans: %+v", spans)
		}

		for _, tc := range []struct {
			hours any
			field string
		}{
			{map[string]any{"mon": [][]string{{"24:00", "24:00"}}}, "hours.mon"},
			{map[string]any{"tue": [][]string{{"20:00", "24:30"}}}, "hours.tue"},
			{map[string]any{"wed": [][]string{{"20:00", "24:01"}}}, "hours.wed"},
		} {
			before := snapshot(t, db)
			resp, got := e.do("PATCH", path, map[string]any{"hours": tc.hours}, admin...)
			var p struct{ Errors map[string]string }
			if resp.StatusCode != 422 || json.Unmarshal(got, &p) != nil || p.Errors[tc.field] == "" {
				t.Fatalf("%v: %d %s", tc.hours, resp.StatusCode, got)
			}
			if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
				t.Fatalf("%v changed the database", tc.hours)
			}
		}
	})
}
