package web_test

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// The live view names a counter's break: the reason the clerk picked, in
// the page's language, and how long the break has lasted; an open counter
// shows only that it is open.
func TestBrowserAdminLivePause(t *testing.T) {
	want := map[string]struct{ paused, open string }{
		"pl": {"przerwa: Szkolenie, od 12 min", "otwarte"},
		"en": {"on a break: Training, for 12 min", "open"},
	}
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		reasons, err := e.offices.PauseReasons(t.Context())
		if err != nil || len(reasons) < 3 {
			t.Fatalf("the demo office's pause reasons: %v %v", reasons, err)
		}
		training := reasons[2] // Szkolenie, not the default
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": "drugi", "password": "haslo-drugiego", "role": "clerk"}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("second clerk: %d %s", resp.StatusCode, body)
		}
		c1, c2 := e.counterOf("Stanowisko 1"), e.counterOf("Stanowisko 2")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		second := bearer(e.login("drugi", "haslo-drugiego"))
		for _, step := range []struct {
			path string
			body any
			who  []string
		}{
			{fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, clerk},
			{fmt.Sprintf("/api/v1/counters/%d/open", c2.ID), nil, second},
			{fmt.Sprintf("/api/v1/counters/%d/pause", c2.ID), map[string]any{"reason_id": training.ID}, second},
		} {
			if resp, body := e.do("POST", step.path, step.body, step.who...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", step.path, resp.StatusCode, body)
			}
		}
		e.clock.Advance(12*time.Minute + 40*time.Second)
		for _, lang := range []string{"pl", "en"} {
			t.Run(lang, func(t *testing.T) {
				p := adminSignInAt(t, e.withT(t), lang, "#na-zywo", desktop.width, desktop.height)
				cell := func(counter string) string {
					return `[...document.querySelectorAll('#live-body tr')].find(r => r.cells[0]?.textContent.trim() === ` + jsString(counter) + `)?.cells[1]?.textContent.trim()`
				}
				p.waitFor("the live view's counters", cell("Stanowisko 2")+` !== undefined && `+cell("Stanowisko 1")+` !== undefined`)
				if got := p.text(cell("Stanowisko 2")); got != want[lang].paused {
					t.Errorf("Stanowisko 2 (on a break): %q, want %q", got, want[lang].paused)
				}
				if got := p.text(cell("Stanowisko 1")); got != want[lang].open {
					t.Errorf("Stanowisko 1 (open): %q, want %q", got, want[lang].open)
				}
				browsertest.RequireNoSeriousViolations(t, p.ctx, "the live view with a counter on a break ("+lang+")")
			})
		}
	})
}
