package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// The administrator turns a display's sound on through the API: the panel's
// list, the display's public settings (which its TV checks) and the
// display's page all say so; turned off, they all say off again.
func TestDisplaySoundSetting(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/displays", map[string]any{"name": "Hol"}, admin...)
		var d struct {
			ID    int64 `json:"id"`
			Sound *bool `json:"sound"`
		}
		if resp.StatusCode != 201 || json.Unmarshal(body, &d) != nil || d.Sound == nil || *d.Sound {
			t.Fatalf("create: %d %s, want sound false", resp.StatusCode, body)
		}
		check := func(want bool) {
			t.Helper()
			resp, body := e.do("GET", "/api/v1/displays/"+itoa(d.ID), nil)
			var pub struct {
				Sound *bool `json:"sound"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &pub) != nil || pub.Sound == nil || *pub.Sound != want {
				t.Fatalf("public settings: %d %s, want sound %v", resp.StatusCode, body, want)
			}
			resp, body = e.do("GET", "/display?display="+itoa(d.ID), nil)
			mark := `data-sound="off"`
			if want {
				mark = `data-sound="on"`
			}
			if resp.StatusCode != 200 || !strings.Contains(string(body), mark) {
				t.Fatalf("the display's page does not carry %s: %d", mark, resp.StatusCode)
			}
		}
		check(false)
		if resp, body := e.do("PATCH", "/api/v1/admin/displays/"+itoa(d.ID), map[string]any{"sound": true}, admin...); resp.StatusCode != 200 || !strings.Contains(string(body), `"sound":true`) {
			t.Fatalf("turn the sound on: %d %s", resp.StatusCode, body)
		}
		check(true)
		if resp, body := e.do("PATCH", "/api/v1/admin/displays/"+itoa(d.ID), map[string]any{"sound": "off"}, admin...); resp.StatusCode != 400 || !strings.Contains(string(body), `"sound"`) {
			t.Fatalf("sound \"off\": %d %s, want 400 naming sound", resp.StatusCode, body)
		}
		check(true)
		if resp, body := e.do("PATCH", "/api/v1/admin/displays/"+itoa(d.ID), map[string]any{"sound": false}, admin...); resp.StatusCode != 200 {
			t.Fatalf("turn the sound off: %d %s", resp.StatusCode, body)
		}
		check(false)
	})
}
