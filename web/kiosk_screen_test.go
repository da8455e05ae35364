package web_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// kioskScreen is a kiosk's screen settings as the API shows them.
type kioskScreen struct {
	IdleSeconds      int    `json:"idle_seconds"`
	InputIdleSeconds int    `json:"input_idle_seconds"`
	WarnSeconds      int    `json:"warn_seconds"`
	Layout           string `json:"layout"`
}

// The administrator sets a kiosk's idle times, warning and layout; they
// are read back and reach the kiosk itself (GET /api/v1/kiosk/me). Values
// out of bounds are 422 naming the field, of a wrong type 400 naming it;
// neither changes anything.
func TestKioskScreenAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		me := func() kioskScreen {
			t.Helper()
			resp, body := e.do("GET", "/api/v1/kiosk/me", nil, bearer(e.creds.KioskToken)...)
			var out struct{ Kiosk kioskScreen }
			if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
				t.Fatalf("kiosk/me: %d %s", resp.StatusCode, body)
			}
			return out.Kiosk
		}
		if got, want := me(), (kioskScreen{45, 90, 20, "standard"}); got != want {
			t.Errorf("the kiosk's defaults: %+v, want %+v", got, want)
		}
		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct{ ID int64 }
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		path := fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID)
		want := kioskScreen{60, 150, 30, "low"}
		resp, body = e.do("PATCH", path, want, admin...)
		var got kioskScreen
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got != want {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		if got := me(); got != want {
			t.Errorf("the kiosk sees %+v, want %+v", got, want)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"idle_seconds": 10}, "idle_seconds"},
			{map[string]any{"idle_seconds": 3600}, "idle_seconds"},
			{map[string]any{"input_idle_seconds": 29}, "input_idle_seconds"},
			{map[string]any{"warn_seconds": 5}, "warn_seconds"},
			{map[string]any{"warn_seconds": 60}, "warn_seconds"}, // not less than idle_seconds 60
			{map[string]any{"layout": "high"}, "layout"},
			{map[string]any{"layout": 1}, "layout"},                // 400: not a string
			{map[string]any{"warn_seconds": "20"}, "warn_seconds"}, // 400: not a number
		} {
			resp, body := e.do("PATCH", path, tc.body, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode/100 != 4 || p.Errors[tc.field] == "" {
				t.Errorf("%v: %d %s, want 422 naming %s", tc.body, resp.StatusCode, body, tc.field)
			}
		}
		resp, body = e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Za krótki", "idle_seconds": 20}, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["idle_seconds"] == "" {
			t.Errorf("create with idle 20 s: %d %s", resp.StatusCode, body)
		}
		if got := me(); got != want {
			t.Errorf("after refused changes the kiosk sees %+v, want %+v", got, want)
		}
	})
}
