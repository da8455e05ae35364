package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// reportWords are the words the admin panel shows in one language, as the
// tests look for them.
type reportWords struct {
	lang                    string
	bookingsMadeBy, visitBy string // the by-which-day column headers
	withinTarget            string // the target column, for 15 minutes
	noPrinter               string
	daysHeader              string
	actionUpdate, object    string // "zmiana", "wydział „%s”"
	nameLabel               string
	targetError             string
	chart                   string
}

var reportLanguages = []reportWords{
	{lang: "pl", bookingsMadeBy: "Rezerwacje zrobione (wg dnia zrobienia)", visitBy: "Wizyty (wg dnia wizyty)", withinTarget: "Wywołani w ciągu 15 min",
		noPrinter: "bez drukarki", daysHeader: "Dni", actionUpdate: "zmiana", object: "wydział „%s”", nameLabel: "Nazwa: ",
		targetError: "Pełne minuty, od 1 do 240.", chart: "Bilety według godziny wydania"},
	{lang: "en", bookingsMadeBy: "Bookings made (by the day the booking was made)", visitBy: "Visits (by the day of the visit)", withinTarget: "Called within 15 min",
		noPrinter: "no printer", daysHeader: "Days", actionUpdate: "changed", object: `department "%s"`, nameLabel: "Name: ",
		targetError: "must be a whole number of minutes between 1 and 240", chart: "Tickets by hour of issue"},
}

// adminSignInAt opens /admin?lang=…#hash in a browser of the given size and
// signs the demo administrator in.
func adminSignInAt(t *testing.T, e *env, lang, hash string, width, height int) *tab {
	t.Helper()
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, width, height)}
	p.do(chromedp.Navigate(base + "/admin?lang=" + lang + hash))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#username"), e.creds.AdminUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword+"\n"),
	)
	p.waitFor("the panel", `!document.getElementById('nav').hidden && document.getElementById('view-signin').hidden`)
	return p
}

// reportDay makes Monday's activity: three walk-ins at 10:00, 10:20 and
// 11:05, two called at 11:10 and 11:20 (waits 70 and 60 minutes) at
// Stanowisko 1, one served; and a booking made on Monday for Tuesday.
func reportDay(t *testing.T, e *env) (counterName string) {
	t.Helper()
	ctx := context.Background()
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	c1 := e.counterOf("Stanowisko 1")
	svc := c1.ServiceIDs[0]
	post := func(path string) map[string]any {
		t.Helper()
		resp, body := e.do("POST", path, nil, clerk...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var out map[string]any
		_ = json.Unmarshal(body, &out)
		return out
	}
	for _, gap := range []time.Duration{20 * time.Minute, 45 * time.Minute, 5 * time.Minute} {
		if _, err := e.queue.IssueWalkIn(ctx, svc, false); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(gap)
	}
	post(fmt.Sprintf("/api/v1/counters/%d/open", c1.ID))
	first := post(fmt.Sprintf("/api/v1/counters/%d/next", c1.ID))
	id := int64(first["id"].(float64))
	post(fmt.Sprintf("/api/v1/tickets/%d/start", id))
	e.clock.Advance(10 * time.Minute)
	post(fmt.Sprintf("/api/v1/tickets/%d/finish", id))
	post(fmt.Sprintf("/api/v1/counters/%d/next", c1.ID))
	e.bookAt(1, svc, 1, 12, 0)
	return c1.Name
}

// The statistics an office manager reports upward, in Polish and English:
// per matter, per counter and per day against a target wait the
// administrator sets, booked visits by the day of the visit beside bookings
// by the day they were made, the busiest hours as a weekday × hour table, a
// titled chart, a CSV per table and a printable page. At 1366 px nothing
// overflows the page sideways: wide tables scroll in their own focusable
// regions. A bad target is named next to its field.
func TestBrowserAdminStatistics(t *testing.T) {
	for _, w := range reportLanguages {
		t.Run(w.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			counter := reportDay(t, e)
			p := adminSignInAt(t, e, w.lang, "#statystyki", 1366, 768)
			p.waitFor("the report", `document.getElementById('stats-services-table') !== null`)
			// Monday and Tuesday: the booking is made on one and visited on the other.
			p.do(chromedp.SetValue(chromedp.CSS("#stats-from"), e.week.Date(0)), chromedp.SetValue(chromedp.CSS("#stats-to"), e.week.Date(1)),
				chromedp.Click(chromedp.CSS(`#stats-form button[type=submit]`)))
			p.waitFor("two days", `document.querySelectorAll('#stats-days-table tbody tr').length === 2`)

			heads := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stats-days-table thead th')].map(th => th.textContent)`))
			col := func(name string) int {
				for i, h := range heads {
					if h == name {
						return i
					}
				}
				t.Fatalf("no column %q in %q", name, heads)
				return -1
			}
			made, visits, within := col(w.bookingsMadeBy), col(w.visitBy), col(w.withinTarget)
			cells := run(t, p.ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#stats-days-table tbody tr')].map(tr => [...tr.children].map(c => c.textContent))`))
			if cells[0][0] != e.week.Date(0) || cells[0][made] != "1" || cells[0][visits] != "0" || cells[1][made] != "0" || cells[1][visits] != "1" {
				t.Fatalf("days: %q", cells)
			}
			// Waits of 70 and 60 minutes: none within 15.
			if cells[0][within] != "0%" {
				t.Fatalf("within 15 minutes on Monday: %q", cells[0][within])
			}
			counters := run(t, p.ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#stats-counters-table tbody tr')].map(tr => [...tr.children].map(c => c.textContent))`))
			if len(counters) != 1 || counters[0][0] != counter || counters[0][1] != "2" {
				t.Fatalf("counters: %q", counters)
			}
			// The busiest hours: Monday 10:00 two tickets, 11:00 one.
			heat := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stats-heatmap tbody tr')[0].children].map(c => c.textContent)`))
			if len(heat) != 3 || heat[1] != "2" || heat[2] != "1" {
				t.Fatalf("Monday's hours: %q", heat)
			}
			// The chart has a visible title and an accessible name.
			if title := p.text(`document.getElementById('stats-chart-title').textContent`); !strings.HasPrefix(title, w.chart) ||
				!run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('stats-chart-title').getBoundingClientRect().height > 0 && document.getElementById('stats-chart').alt.length > 10`)) {
				t.Fatalf("chart title %q", title)
			}
			href := p.text(`document.getElementById('stats-csv-counters').getAttribute('href')`)
			if !strings.Contains(href, "table=counters") || !strings.Contains(href, "target_minutes=15") || !strings.Contains(href, "from="+e.week.Date(0)) {
				t.Fatalf("CSV link %q", href)
			}

			// Nothing overflows the page at 1366 px; each wide table scrolls in
			// a named region that takes focus.
			if !run(t, p.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= innerWidth && innerWidth === 1366`)) {
				t.Fatalf("the page is %s px wide at 1366", p.text(`String(document.documentElement.scrollWidth)`))
			}
			bad := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stats-report table')].map(tb => tb.parentElement)
				.filter(r => !(r.matches('.scroll-region[role=region][tabindex="0"]') && document.getElementById(r.getAttribute('aria-labelledby')) && r.getBoundingClientRect().right <= innerWidth))
				.map(r => r.id || r.outerHTML.slice(0, 80))`))
			if len(bad) > 0 {
				t.Fatalf("tables outside a focusable region within the page: %q", bad)
			}
			if !run(t, p.ctx, chromedp.Evaluate[bool](`(() => { const r = document.getElementById('stats-detail-table'); r.focus(); return document.activeElement === r; })()`)) {
				t.Fatal("the detail table's region does not take focus")
			}
			p.axeAt("/admin#statystyki ("+w.lang+")", viewport{"1366", 1366, 768})

			// A target of 60 minutes: one of the two waits is within it.
			p.do(chromedp.SetValue(chromedp.CSS("#stats-target"), "60"), chromedp.Click(chromedp.CSS(`#stats-form button[type=submit]`)))
			p.waitFor("the target of 60", `document.getElementById('stats-csv-counters').getAttribute('href').includes('target_minutes=60')`)
			if got := p.text(`document.querySelectorAll('#stats-counters-table tbody tr')[0].children[6].textContent`); got != "50%" {
				t.Fatalf("within 60 minutes at the counter: %q", got)
			}
			// A target of 0 is named next to the field, in the page's words.
			p.do(chromedp.SetValue(chromedp.CSS("#stats-target"), "0"), chromedp.Click(chromedp.CSS(`#stats-form button[type=submit]`)))
			p.waitFor("the target refused", `document.getElementById('stats-target').getAttribute('aria-invalid') === 'true'`)
			if msg := p.text(`document.querySelector('#stats-form .field-error').textContent`); msg != w.targetError {
				t.Fatalf("target error %q, want %q", msg, w.targetError)
			}

			// Printed, the page is the report alone.
			p.do(chromedp.SetValue(chromedp.CSS("#stats-target"), "15"), chromedp.Click(chromedp.CSS(`#stats-form button[type=submit]`)))
			p.waitFor("the report again", `document.getElementById('stats-target').getAttribute('aria-invalid') === null && document.getElementById('stats-csv-counters').getAttribute('href').includes('target_minutes=15')`)
			if run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('stats-print').hidden`)) {
				t.Fatal("no print button")
			}
			p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
				return err
			}))
			shown := run(t, p.ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(['nav', 'stats-form', 'stats-detail-table', 'stats-heatmap'].map(id => [id, getComputedStyle(document.getElementById(id)).display]))`))
			if shown["nav"] != "none" || shown["stats-form"] != "none" || shown["stats-detail-table"] == "none" || shown["stats-heatmap"] == "none" {
				t.Fatalf("printed: %v", shown)
			}
		})
	}
}

// The small things, in Polish and English: the "created" notice goes when
// the section changes; a kiosk without printer says so; closures list
// their days from–to, scope and reason; the audit log shows words, names
// and the fields that changed, old → new.
func TestBrowserAdminNoticesKiosksClosuresAudit(t *testing.T) {
	for _, w := range reportLanguages {
		t.Run(w.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			admin := bearer(e.adminToken())
			deps, err := e.offices.Departments(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			dep := deps[0]
			renamed := dep.Name + " II"
			if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/departments/%d", dep.ID), map[string]any{"name": renamed, "last_ticket_minutes": 20}, admin...); resp.StatusCode != 200 {
				t.Fatalf("rename: %d %s", resp.StatusCode, body)
			}
			if resp, body := e.do("POST", "/api/v1/admin/closures", map[string]any{"department_id": dep.ID, "starts_on": e.week.Date(9), "ends_on": e.week.Date(10), "reason": "Remont"}, admin...); resp.StatusCode != 201 {
				t.Fatalf("closure: %d %s", resp.StatusCode, body)
			}

			p := adminSignInAt(t, e, w.lang, "#biletomaty", desktop.width, desktop.height)
			p.waitFor("the kiosks", `!document.getElementById('sec-kiosks').hidden && document.querySelectorAll('#kiosks-list tbody tr').length > 0`)
			p.do(chromedp.SendKeys(chromedp.CSS("#kiosk-name"), "Hol bez drukarki"), chromedp.Click(chromedp.CSS("#kiosk-submit")))
			p.waitFor("the new kiosk", `document.getElementById('notice').textContent !== '' && [...document.querySelectorAll('#kiosks-list tbody tr')].some(tr => tr.children[0].textContent === 'Hol bez drukarki')`)
			if state := p.text(`[...document.querySelectorAll('#kiosks-list tbody tr')].find(tr => tr.children[0].textContent === 'Hol bez drukarki').children[1].textContent`); state != w.noPrinter {
				t.Fatalf("a kiosk without printer shows %q, want %q", state, w.noPrinter)
			}

			p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#zamkniecia"]`)))
			p.waitFor("the closures", `!document.getElementById('sec-closures').hidden && document.querySelectorAll('#closures-list tbody tr').length > 0`)
			if n := p.text(`document.getElementById('notice').textContent`); n != "" {
				t.Fatalf("the notice stayed on another section: %q", n)
			}
			row := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#closures-list tbody tr')].map(tr => [...tr.children].slice(0, 3).map(c => c.textContent).join(' | '))`))
			want := e.week.Date(9) + " – " + e.week.Date(10) + " | " + dep.Name + " II | Remont"
			if len(row) != 1 || row[0] != want {
				t.Fatalf("closures %q, want %q", row, want)
			}
			if h := p.text(`document.querySelector('#closures-list thead th').textContent`); h != w.daysHeader {
				t.Fatalf("closures column %q, want %q", h, w.daysHeader)
			}
			p.axeAt("/admin#zamkniecia ("+w.lang+")", desktop)

			p.do(chromedp.Click(chromedp.CSS(`#nav a[href="#dziennik"]`)))
			p.waitFor("the audit log", `!document.getElementById('sec-audit').hidden && document.querySelectorAll('#audit-list tbody tr').length > 0`)
			object := fmt.Sprintf(w.object, renamed)
			entry := run(t, p.ctx, chromedp.Evaluate[[]string](`(() => {
				const tr = [...document.querySelectorAll('#audit-list tbody tr')].find(tr => tr.children[3].textContent === `+jsString(object)+` && tr.children[2].textContent === `+jsString(w.actionUpdate)+`);
				return tr ? [...tr.querySelectorAll('.changes li')].map(li => li.textContent) : null;
			})()`))
			if len(entry) != 2 || entry[0] != w.nameLabel+dep.Name+" → "+w.audioTo()+renamed {
				t.Fatalf("the rename in the log: %q", entry)
			}
			if text := p.text(`document.getElementById('audit-list').textContent`); strings.Contains(text, `"name"`) || strings.Contains(text, "#"+fmt.Sprint(dep.ID)) {
				t.Fatalf("raw JSON or ids in the log: %s", text)
			}
			p.axeAt("/admin#dziennik ("+w.lang+")", desktop)
		})
	}
}

// audioTo is the words a screen reader hears between old and new, hidden
// from sight but part of the text.
func (w reportWords) audioTo() string {
	if w.lang == "en" {
		return "changed to "
	}
	return "zmienione na "
}

// An office open until midnight, in Polish and English: the opening-hours
// form takes 24:00 as the end of a span (and "8:00" as 08:00), the API
// stores it, the form shows it again, and a time that isn't one (24:30) is
// named next to its day in the page's words.
func TestBrowserAdminHoursToMidnight(t *testing.T) {
	for _, tc := range []struct{ lang, badTime string }{
		{"pl", "„24:30” to nie godzina GG:MM od 00:00 do 24:00."},
		{"en", `"24:30" is not a time HH:MM between 00:00 and 24:00`},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			deps, err := e.offices.Departments(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			dep := deps[0]
			p := adminSignInAt(t, e, tc.lang, "#wydzialy", desktop.width, desktop.height)
			open := func() {
				t.Helper()
				p.waitFor("the departments", `!document.getElementById('sec-departments').hidden && document.querySelectorAll('#departments-list tbody tr').length > 0`)
				p.do(chromedp.Click(chromedp.CSS("#departments-list tbody tr:first-child button")))
				p.waitFor("the department form", `document.querySelectorAll('#department-form li.interval').length > 0`)
			}
			open()
			sat := `#department-form fieldset[data-day="sat"]`
			p.do(chromedp.Click(chromedp.CSS(sat + " button.add-interval")))
			p.waitFor("a Saturday span", `document.querySelectorAll('`+sat+` li.interval').length === 1`)
			// Set, not typed: key events sent right after the span appeared
			// were seen to lose characters under load.
			p.do(chromedp.SetValue(chromedp.CSS(sat+` input[data-role="from"]`), "8:00"), chromedp.SetValue(chromedp.CSS(sat+` input[data-role="to"]`), "24:00"))
			p.axeAt("/admin#wydzialy opening hours to midnight ("+tc.lang+")", desktop)
			p.do(chromedp.Click(chromedp.CSS(`#department-form button[type=submit]`)))
			p.waitFor("saved", `document.getElementById('department-form') === null`)
			got, err := e.offices.Department(t.Context(), dep.ID)
			if err != nil || len(got.Hours.Sat) != 1 || got.Hours.Sat[0][0] != "08:00" || got.Hours.Sat[0][1] != "24:00" {
				t.Fatalf("Saturday stored as %v (%v)", got.Hours.Sat, err)
			}

			open()
			if v := p.text(`document.querySelector('` + sat + ` input[data-role="to"]').value`); v != "24:00" {
				t.Fatalf("the form shows %q", v)
			}
			p.do(chromedp.SetValue(chromedp.CSS(sat+` input[data-role="to"]`), "24:30"), chromedp.Click(chromedp.CSS(`#department-form button[type=submit]`)))
			p.waitFor("the error", `document.querySelector('`+sat+` .field-error') !== null`)
			if msg := p.text(`document.querySelector('` + sat + ` .field-error').textContent`); msg != tc.badTime {
				t.Fatalf("error %q, want %q", msg, tc.badTime)
			}
			if got, _ := e.offices.Department(t.Context(), dep.ID); got.Hours.Sat[0][1] != "24:00" {
				t.Fatalf("a refused change was stored: %v", got.Hours.Sat)
			}
		})
	}
}
