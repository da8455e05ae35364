package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okienko/okienko/database/databasetest"
)

// staffWords are the words the tests look for, per language.
var staffWords = map[string]struct{ training, myDay, csv, nameTaken string }{
	"pl": {training: "Szkolenie", myDay: "Mój dzień", csv: "Pobierz CSV", nameTaken: "Powód przerwy „Przerwa” już istnieje."},
	"en": {training: "Training", myDay: "My day", csv: "Download CSV", nameTaken: `a pause reason named "Przerwa" exists already`},
}

// The clerk pauses with a reason chosen from the dialog by keyboard alone
// (arrow-free: Tab to the third reason, Enter), serves a visit and reads
// their own day: served 1, the visit's minutes, the break under its reason
// in the page's language. Escape leaves the dialog without pausing. axe
// finds nothing serious with the dialog open and with the day shown.
func TestBrowserClerkPauseReasonAndMyDay(t *testing.T) {
	for _, lang := range clerkLanguages {
		t.Run(lang, func(t *testing.T) {
			w := staffWords[lang]
			e := newEnv(t, databasetest.SQLite(t))
			counter := e.counterOf("Stanowisko 1")
			e.issueTicket(counter.ServiceIDs[0])
			p := e.atCounter(t, lang, counter)
			p.waitFor("my day, empty", `document.querySelector('#my-day-body p') !== null`)

			p.key("n")
			p.waitFor("called", `document.getElementById('current-ticket').dataset.status === 'called'`)
			p.key("s")
			p.waitFor("serving", `document.getElementById('current-ticket').dataset.status === 'serving'`)
			e.clock.Advance(8 * time.Minute)
			p.key("f")
			p.waitFor("finished", `!document.getElementById('current-empty').hidden && !document.getElementById('act-pause').disabled`)

			// Escape: no pause.
			p.do(chromedp.Focus(chromedp.CSS("#act-pause")), chromedp.KeyEvent(kb.Enter))
			p.waitFor("the dialog, focus on the first reason", `document.getElementById('pause-dialog').open && document.activeElement.dataset.reason !== undefined && document.querySelectorAll('#pause-options button').length === 3`)
			p.axeAt("/clerk pause dialog ("+lang+")", desktop)
			p.do(chromedp.KeyEvent(kb.Escape))
			p.waitFor("closed, focus back", `!document.getElementById('pause-dialog').open && document.activeElement.id === 'act-pause'`)
			if n := e.count("counter_pauses", "1 = 1"); n != 0 {
				t.Fatalf("Escape paused: %d pauses", n)
			}

			// Tab, Tab, Enter: the third reason.
			p.do(chromedp.KeyEvent(kb.Enter))
			p.waitFor("the dialog again", `document.getElementById('pause-dialog').open && document.activeElement.dataset.reason !== undefined`)
			p.do(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
			if got := p.text(`document.activeElement.textContent`); got != w.training {
				t.Fatalf("focus on %q, want %q", got, w.training)
			}
			p.do(chromedp.KeyEvent(kb.Enter))
			p.waitFor("paused", `!document.getElementById('act-resume').hidden && !document.getElementById('pause-dialog').open`)
			if !strings.Contains(p.text(`document.getElementById('notice').textContent`), w.training) {
				t.Errorf("notice %q lacks the reason", p.text(`document.getElementById('notice').textContent`))
			}
			var reason string
			if err := e.db.Raw(`SELECT r.name FROM counter_pauses p JOIN pause_reasons r ON r.id = p.reason_id`).Scan(&reason).Error; err != nil || reason != "Szkolenie" {
				t.Fatalf("stored reason %q %v", reason, err)
			}
			e.clock.Advance(12 * time.Minute)
			p.do(chromedp.Click(chromedp.CSS("#act-resume")))
			p.waitFor("resumed", `document.getElementById('act-resume').hidden`)
			// The day shown when the pause began has the break at 0 min: wait
			// for the one loaded after the resume.
			p.waitFor("my day after the break", `['my-day-facts', 'my-day-pauses'].every((id) => document.getElementById(id) !== null && document.getElementById(id).textContent.includes('12 min'))`)
			if got := p.text(`document.getElementById('my-day-heading').textContent`); got != w.myDay {
				t.Errorf("heading %q", got)
			}
			facts := p.text(`document.getElementById('my-day-facts').textContent`)
			pauses := p.text(`document.getElementById('my-day-pauses').textContent`)
			if !strings.Contains(facts, "8 min") || !strings.Contains(facts, "12 min") || !strings.Contains(pauses, w.training) || !strings.Contains(pauses, "12 min") {
				t.Errorf("my day: %q / %q", facts, pauses)
			}
			p.axeAt("/clerk with my day ("+lang+")", desktop)
		})
	}
}

// The administrator's Praca stanowisk section: the clerk's day in the
// per-clerk and per-counter tables with the break under its reason, the
// CSV link carrying the range; the pause reasons editor adds a reason with
// its English name, refuses a name taken at its field, withdraws one. axe
// finds nothing serious in either state.
func TestBrowserAdminStaffReport(t *testing.T) {
	for _, lang := range []string{"pl", "en"} {
		t.Run(lang, func(t *testing.T) {
			w := staffWords[lang]
			e := newEnv(t, databasetest.SQLite(t))
			clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
			counter := e.counterOf("Stanowisko 1")
			cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
			e.do("POST", cpath+"/open", nil, clerk...)
			id, _, _ := e.issueTicket(counter.ServiceIDs[0])
			e.do("POST", cpath+"/call", map[string]any{"ticket_id": id}, clerk...)
			e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", id), nil, clerk...)
			e.clock.Advance(6 * time.Minute)
			e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/finish", id), nil, clerk...)
			e.do("POST", cpath+"/pause", nil, clerk...) // the default reason
			e.clock.Advance(5 * time.Minute)
			e.do("POST", cpath+"/resume", nil, clerk...)

			p := adminSignInAt(t, e, lang, "#pracownicy", 1366, 768)
			p.waitFor("the report", `document.getElementById('staff-clerks-table') !== null && document.getElementById('staff-counters-table') !== null && document.querySelectorAll('#reasons-list tbody tr').length === 3`)
			row := p.text(`document.querySelector('#staff-clerks-table tbody tr').textContent`)
			if !strings.Contains(row, e.week.Date(0)) || !strings.Contains(row, "6") {
				t.Errorf("clerk row %q", row)
			}
			counterRow := p.text(`document.querySelector('#staff-counters-table tbody tr').textContent`)
			if !strings.Contains(counterRow, "Stanowisko 1") {
				t.Errorf("counter row %q", counterRow)
			}
			heads := p.text(`document.querySelector('#staff-clerks-table thead').textContent`)
			if !strings.Contains(heads, map[string]string{"pl": "Przerwa (min)", "en": "Break (min)"}[lang]) {
				t.Errorf("heads %q", heads)
			}
			link := p.text(`document.getElementById('staff-csv').getAttribute('href')`)
			if !strings.Contains(link, "format=csv") || !strings.Contains(link, "from=") || !strings.Contains(p.text(`document.getElementById('staff-csv').textContent`), w.csv) {
				t.Errorf("CSV link %q", link)
			}
			p.axeAt("/admin#pracownicy ("+lang+")", viewport{"1366", 1366, 768})

			// A name taken is refused at its field; a new reason is added.
			p.do(chromedp.Click(chromedp.CSS("#reason-new")))
			p.waitFor("the reason form", `document.getElementById('reason-form') !== null`)
			p.do(chromedp.SendKeys(chromedp.CSS(`#reason-form input[name=name]`), "Przerwa"), chromedp.Click(chromedp.CSS("#reason-save")))
			p.waitFor("the refusal at the name", `document.querySelector('#reason-form .field-error') !== null && document.querySelector('#reason-form .field-error').textContent.includes(`+jsString(w.nameTaken)+`) && document.activeElement.name === 'name'`)
			p.axeAt("/admin#pracownicy a reason refused ("+lang+")", viewport{"1366", 1366, 768})
			p.text(`(document.querySelector('#reason-form input[name=name]').value = '')`)
			p.do(chromedp.SendKeys(chromedp.CSS(`#reason-form input[name=name]`), "Obiad"),
				chromedp.SendKeys(chromedp.CSS(`#reason-form input[name=name_en]`), "Lunch"),
				chromedp.Click(chromedp.CSS("#reason-save")))
			p.waitFor("four reasons", `document.querySelectorAll('#reasons-list tbody tr').length === 4`)
			if n := e.count("pause_reasons", "name = ? AND name_en = ?", "Obiad", "Lunch"); n != 1 {
				t.Errorf("stored: %d", n)
			}
			// Withdrawn: Przerwa was used, so it is archived, not deleted.
			p.text(`([...document.querySelectorAll('#reasons-list tbody tr')].find((tr) => tr.querySelector('th').textContent === 'Przerwa').querySelector('.btn-danger').click(), '')`)
			p.waitFor("the confirmation", `document.getElementById('confirm-dialog').open`)
			p.do(chromedp.Click(chromedp.CSS("#confirm-yes")))
			p.waitFor("three reasons", `document.querySelectorAll('#reasons-list tbody tr').length === 3`)
			if n := e.count("pause_reasons", "name = ? AND archived_at IS NOT NULL", "Przerwa"); n != 1 {
				t.Errorf("Przerwa not archived: %d", n)
			}
		})
	}
}
