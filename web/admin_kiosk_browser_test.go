package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
)

// The kiosks in the admin panel say how their printers are: the demo kiosk,
// which has none, says "brak drukarki"; a kiosk whose agent has been silent
// for 90 s is offline, with the time it was last seen, and its test page
// fails saying so; when the agent speaks again the open list shows what the
// printer reported and the new time without being reloaded.
func TestBrowserAdminKioskStates(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat przy wejściu", "printer": map[string]any{"uri": "agent"}}, bearer(e.adminToken())...)
	var k struct{ ID int64 }
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil {
		t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
	}
	kiosks := kiosk.NewStore(e.db, e.clock)
	if err := kiosks.AgentHeard(t.Context(), k.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	heard := e.clock.Now()
	e.clock.Advance(kiosk.AgentTimeout)

	p := adminSignIn(t, e, "#uzytkownicy")
	p.do(chromedp.Evaluate[chromedp.Void](`window.OKIENKO_LIVE_MS = 200`), chromedp.Click(chromedp.CSS(`#nav a[href="#biletomaty"]`)))
	row := func(name string) string {
		return `[...document.querySelectorAll('#kiosks-list tbody tr')].find(r => r.cells[0].textContent === ` + jsString(name) + `)`
	}
	// shown is the panel's way of showing a time.
	shown := func(at time.Time) string {
		return `new Intl.DateTimeFormat('pl', { dateStyle: 'short', timeStyle: 'short', timeZone: document.body.dataset.zone || undefined }).format(new Date(` + jsString(at.Format(time.RFC3339Nano)) + `))`
	}
	p.waitFor("no printer", `(r => r && r.cells[1].textContent === 'bez drukarki')(`+row("Biletomat — hol główny")+`)`)
	p.waitFor("the agent offline", `(r => r && r.cells[1].textContent === 'offline — brak kontaktu z programem biletomatu' && r.cells[2].textContent === `+shown(heard)+`)(`+row("Biletomat przy wejściu")+`)`)
	if got := run(t, p.ctx, chromedp.Evaluate[string](`document.getElementById('kiosks-list').textContent`)); strings.Contains(got, "nieznany") {
		t.Errorf("the list says nieznany: %s", got)
	}

	p.do(chromedp.Click(chromedp.CSS(`#kiosks-list button[aria-label=` + jsString("Wydruk testowy: Biletomat przy wejściu") + `]`)))
	p.waitFor("the test page refused", `document.getElementById('alert').textContent === 'Strona testowa nie wydrukowała się na „Biletomat przy wejściu”: offline — brak kontaktu z programem biletomatu.'`)

	// The agent reports again: no paper.
	if err := kiosks.AgentHeard(t.Context(), k.ID, "paper_out"); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the agent back", `(r => r && r.cells[1].textContent === 'brak papieru' && r.cells[2].textContent === `+shown(e.clock.Now())+`)(`+row("Biletomat przy wejściu")+`)`)
}
