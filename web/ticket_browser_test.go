package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// ticketStatus is GET /api/v1/tickets/{public_id}.
func (e *env) ticketStatus(publicID string) (status string, ahead, minutes int) {
	e.t.Helper()
	resp, body := e.do("GET", "/api/v1/tickets/"+publicID, nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("ticket status: %d %s", resp.StatusCode, body)
	}
	var v struct {
		Status      string `json:"status"`
		PeopleAhead int    `json:"people_ahead"`
		Minutes     int    `json:"estimated_wait_minutes"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		e.t.Fatal(err)
	}
	return v.Status, v.PeopleAhead, v.Minutes
}

var (
	inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>`)
	tagText      = regexp.MustCompile(`<[^>]+>`)
	waitShown    = regexp.MustCompile(`\d+ (min|хв)`)
)

// pageText is the text of an HTML page, tags dropped and spaces collapsed.
func pageText(body []byte) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagText.ReplaceAllString(string(body), " "))), " ")
}

// The ticket page works without JavaScript: it is rendered with the status
// the API answers at that moment, in the language asked for, with Polish
// (and Ukrainian) plural forms; an unknown ticket is a 404 page. Nothing on
// it is inline script or style.
func TestTicketPageRendersTheStatus(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		service := counter.ServiceIDs[0]
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		var tickets []string // public ids, in the order issued
		var numbers []string
		for range 6 {
			_, number, pid := e.issueTicket(service)
			tickets = append(tickets, pid)
			numbers = append(numbers, number)
		}
		cases := []struct {
			ticket     int
			lang       string
			want, wait string // wait: the text when a wait is estimated, with %d
		}{
			{0, "", "Nikt nie czeka przed Tobą.", ""},
			{1, "", "Przed Tobą: 1 osoba", "Przed Tobą: 1 osoba, ok. %d min"},
			{2, "", "Przed Tobą: 2 osoby", "Przed Tobą: 2 osoby, ok. %d min"},
			{5, "", "Przed Tobą: 5 osób", "Przed Tobą: 5 osób, ok. %d min"},
			{5, "pl", "Przed Tobą: 5 osób", "Przed Tobą: 5 osób, ok. %d min"},
			{1, "en", "Ahead of you: 1 person", "Ahead of you: 1 person, about %d min"},
			{5, "en", "Ahead of you: 5 people", "Ahead of you: 5 people, about %d min"},
			{2, "uk", "Перед вами: 2 особи", "Перед вами: 2 особи, бл. %d хв"},
			{5, "uk", "Перед вами: 5 осіб", "Перед вами: 5 осіб, бл. %d хв"},
		}
		for _, tc := range cases {
			path := "/t/" + tickets[tc.ticket]
			if tc.lang != "" {
				path += "?lang=" + tc.lang
			}
			resp, body := e.do("GET", path, nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			_, ahead, minutes := e.ticketStatus(tickets[tc.ticket])
			want := tc.want
			if minutes > 0 && ahead > 0 {
				want = fmt.Sprintf(tc.wait, minutes)
			}
			text := pageText(body)
			if !strings.Contains(text, want+" ") || !strings.Contains(text, numbers[tc.ticket]) {
				t.Errorf("%s does not say %q and %s: %s", path, want, numbers[tc.ticket], text)
			}
			lang := tc.lang
			if lang == "" {
				lang = "pl"
			}
			if !strings.Contains(string(body), `<html lang="`+lang+`">`) {
				t.Errorf("%s is not marked as %s", path, lang)
			}
			for _, tag := range inlineScript.FindAllString(string(body), -1) {
				if !strings.Contains(tag, "src=") {
					t.Errorf("%s has an inline script", path)
				}
			}
			if !strings.Contains(string(body), `<noscript><meta http-equiv="refresh" content="30"></noscript>`) {
				t.Errorf("%s does not refresh itself without JavaScript", path)
			}
			if strings.Contains(string(body), " style=") || strings.Contains(string(body), "<style") {
				t.Errorf("%s has an inline style", path)
			}
		}

		// With no counter open for the matter, the page says nobody serves
		// it now, not that nobody is ahead with no wait.
		if resp, body := e.do("POST", cpath+"/close", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("close the counter: %d %s", resp.StatusCode, body)
		}
		unserved := []struct {
			ticket     int
			lang, want string
		}{
			{0, "pl", "Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte, więc nie da się podać czasu oczekiwania."},
			{2, "pl", "Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte. Przed Tobą: 2 osoby."},
			{0, "en", "Nobody is serving this matter now: no counter is open for it, so the wait can't be estimated."},
			{5, "en", "Nobody is serving this matter now: no counter is open for it. Ahead of you: 5 people."},
			{0, "uk", "Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце, тому час очікування оцінити неможливо."},
			{2, "uk", "Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце. Перед вами: 2 особи."},
		}
		for _, tc := range unserved {
			path := "/t/" + tickets[tc.ticket] + "?lang=" + tc.lang
			_, body := e.do("GET", path, nil)
			if text := pageText(body); !strings.Contains(text, tc.want) || waitShown.MatchString(text) {
				t.Errorf("%s does not say %q alone: %s", path, tc.want, text)
			}
		}
		resp, body := e.do("GET", "/api/v1/tickets/"+tickets[0], nil)
		if !strings.Contains(string(body), `"counters_open":0`) {
			t.Errorf("the API does not say no counter is open: %d %s", resp.StatusCode, body)
		}

		// The resident's phone speaks its own language: ?lang=, then the
		// cookie a ?lang= left, then Accept-Language.
		for _, c := range []struct {
			query   string
			headers []string
			want    string
		}{
			{"", []string{"Accept-Language", "uk-UA,uk;q=0.9,en;q=0.5"}, "uk"},
			{"", []string{"Accept-Language", "de-DE,en-GB;q=0.8"}, "en"},
			{"", []string{"Accept-Language", "uk", "Cookie", "lang=en"}, "en"},
			{"?lang=pl", []string{"Accept-Language", "uk", "Cookie", "lang=en"}, "pl"},
		} {
			resp, body := e.do("GET", "/t/"+tickets[0]+c.query, nil, c.headers...)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `<html lang="`+c.want+`">`) {
				t.Errorf("%s with %v: %d, want the page in %s", c.query, c.headers, resp.StatusCode, c.want)
			}
		}

		resp, body = e.do("GET", "/t/no-such-ticket", nil)
		if resp.StatusCode != 404 || !strings.Contains(pageText(body), "Nie znaleziono biletu") {
			t.Fatalf("unknown ticket: %d %s", resp.StatusCode, pageText(body))
		}
	})
}

// A resident follows their ticket on the phone: the page shows the number
// and who is ahead, counts down as the queue moves, says "Twoja kolej:
// Stanowisko 1" with the chime and a vibration when the ticket is called
// through the API, and ends when the visit does.
func TestBrowserTicketPageFollowsTheTicket(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		first, _, _ := e.issueTicket(counter.ServiceIDs[0])
		mine, number, publicID := e.issueTicket(counter.ServiceIDs[0])

		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, 360, 740)}
		// No counter open yet: nobody serves the matter, in each language;
		// the page learns it when the counter opens.
		for _, tc := range []struct{ lang, want string }{
			{"en", "Nobody is serving this matter now: no counter is open for it. Ahead of you: 1 person."},
			{"uk", "Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце. Перед вами: 1 особа."},
			{"pl", "Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte. Przed Tobą: 1 osoba."},
		} {
			p.do(chromedp.Navigate(base + "/t/" + publicID + "?lang=" + tc.lang))
			p.waitFor(tc.lang+" page live", `document.getElementById('refresh').hidden && document.getElementById('ahead').textContent === `+jsString(tc.want))
			p.do(chromedp.Evaluate[chromedp.Void](`OkienkoTicket.render(JSON.parse(JSON.stringify({...{number: document.getElementById('number').textContent, service: document.getElementById('service').textContent, status: 'waiting', people_ahead: 1, counters_open: 0}})))`))
			if got := p.text(`document.getElementById('ahead').textContent`); got != tc.want {
				t.Errorf("%s: the script words it %q, the server %q", tc.lang, got, tc.want)
			}
		}
		browsertest.RequireNoSeriousViolations(t, p.ctx, "/t/{id} with no counter open")
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the page live", `document.getElementById('live-note').textContent === 'Stan odświeża się samoczynnie.' && document.getElementById('refresh').hidden`)
		if missing := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n).filter(k => !(k in JSON.parse(document.body.dataset.messages)))`)); len(missing) > 0 {
			t.Errorf("template keys missing from the messages: %v", missing)
		}
		if got := p.text(`document.getElementById('number').textContent`); got != number {
			t.Errorf("number %q, want %s", got, number)
		}
		p.waitFor("who is ahead", `/^Przed Tobą: 1 osoba(, ok\. \d+ min)?$/.test(document.getElementById('ahead').textContent)`)
		if fits := run(t, p.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); !fits {
			t.Error("the page is wider than a 360 px phone")
		}
		if attrs := p.text(`['role', 'aria-live'].map(a => document.getElementById('status-box').getAttribute(a)).join(' ')`); attrs != "status polite" {
			t.Errorf("the status box is %q, want a polite status region", attrs)
		}
		// The chime and the vibration are recorded instead of made.
		p.do(chromedp.Evaluate[chromedp.Void](`window.__played = 0; window.__vibrated = null;
			document.getElementById('chime').play = () => { window.__played++; return Promise.resolve(); };
			navigator.vibrate = (pattern) => { window.__vibrated = pattern; return true; };`))

		// The ticket before it is called: nobody is ahead any more.
		if resp, body := e.do("POST", cpath+"/next", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		p.waitFor("nobody ahead", `document.getElementById('ahead').textContent === 'Nikt nie czeka przed Tobą.'`)
		if played := run(t, p.ctx, chromedp.Evaluate[int](`window.__played`)); played != 0 {
			t.Errorf("the chime played %d times before the resident's turn", played)
		}

		// Its turn.
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", first), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", cpath+"/next", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the call", `document.getElementById('status').textContent === 'Twoja kolej: Stanowisko 1' && document.getElementById('status-box').dataset.status === 'called' && document.getElementById('ahead').hidden`)
		p.waitFor("the chime and the vibration", `window.__played === 1 && Array.isArray(window.__vibrated)`)
		if title := run(t, p.ctx, chromedp.Title()); !strings.HasPrefix(title, "Twoja kolej: Stanowisko 1") {
			t.Errorf("title %q", title)
		}
		if status, _, _ := e.ticketStatus(publicID); status != "called" {
			t.Fatalf("the API says %s", status)
		}
		if off := p.text(`document.getElementById('offline').textContent`); off != "" {
			t.Errorf("offline mark %q while online", off)
		}

		// Served and done: the page says so and stops following.
		for _, a := range []string{"start", "finish"} {
			if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", mine, a), nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
			}
		}
		p.waitFor("the end of the visit", `document.getElementById('status').textContent === 'Sprawa zakończona' && document.getElementById('live-note').hidden`)
		// Nothing more will ring: no sound to turn on, on the open page and
		// on one loaded now.
		if shown := p.text(`['sound', 'sound-on'].filter(id => !document.getElementById(id).hidden).join(' ')`); shown != "" {
			t.Errorf("after the visit the page still shows %s", shown)
		}
		p.do(chromedp.Navigate(base + "/t/" + publicID))
		p.waitFor("the finished page", `document.getElementById('status').textContent === 'Sprawa zakończona'`)
		if shown := p.text(`['sound', 'sound-on'].filter(id => !document.getElementById(id).hidden).join(' ')`); shown != "" {
			t.Errorf("a finished ticket's page shows %s", shown)
		}
		browsertest.RequireNoSeriousViolations(t, p.ctx, "/t/{id} finished")
	})
}
