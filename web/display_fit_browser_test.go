package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/web/browsertest"
)

// hallClerk is a clerk signed in at a counter of the demo office.
type hallClerk struct {
	counter office.Counter
	token   []string
	path    string
}

// hallClerks signs a clerk in at each of the office's first n counters
// (the demo's clerk at the first, new clerks at the others).
func (e *env) hallClerks(n int) []hallClerk {
	e.t.Helper()
	cs, err := e.offices.Counters(e.t.Context())
	if err != nil || len(cs) < n {
		e.t.Fatalf("counters: %d, %v", len(cs), err)
	}
	admin := bearer(e.adminToken())
	out := make([]hallClerk, n)
	for i := range n {
		user, password := e.creds.ClerkUser, e.creds.ClerkPassword
		if i > 0 {
			user, password = fmt.Sprintf("urzednik%d", i), fmt.Sprintf("haslo-urzednika-%d", i)
			if resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": user, "password": password, "role": "clerk"}, admin...); resp.StatusCode != 201 {
				e.t.Fatalf("clerk %s: %d %s", user, resp.StatusCode, body)
			}
		}
		c := hallClerk{counter: cs[i], token: bearer(e.login(user, password)), path: "/api/v1/counters/" + itoa(cs[i].ID)}
		if resp, body := e.do("POST", c.path+"/open", nil, c.token...); resp.StatusCode != 200 {
			e.t.Fatalf("open %s: %d %s", cs[i].Name, resp.StatusCode, body)
		}
		out[i] = c
	}
	return out
}

// call calls the next ticket at the clerk's counter and answers its id.
func (c hallClerk) call(e *env) int64 {
	e.t.Helper()
	resp, body := e.do("POST", c.path+"/next", nil, c.token...)
	if resp.StatusCode != 200 {
		e.t.Fatalf("next at %s: %d %s", c.counter.Name, resp.StatusCode, body)
	}
	var tk struct{ ID int64 }
	if err := json.Unmarshal(body, &tk); err != nil {
		e.t.Fatal(err)
	}
	return tk.ID
}

// act sends a clerk's action on a ticket (start, finish, …).
func (c hallClerk) act(e *env, id int64, action string, body any) {
	e.t.Helper()
	if resp, out := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, action), body, c.token...); resp.StatusCode != 200 {
		e.t.Fatalf("%s %d: %d %s", action, id, resp.StatusCode, out)
	}
}

// recentRows is a JavaScript expression: the display's last calls as
// "number→counter" and the call shown large.
const recentRows = `[document.getElementById('now').hidden ? '' : document.getElementById('now-number').textContent + '→' + document.getElementById('now-counter').textContent,
	...[...document.querySelectorAll('#recent-list tr')].map(r => r.cells[0].textContent + '→' + r.cells[1].textContent)].join(' | ')`

// Nothing on the hall display is cut at 1920×1080 (nor at 1080×1920), in
// each language: the demo's "Stanowisko 4", a long counter name, a counter
// with a short label, the sound hint. A display left open and one loaded
// after a transfer list the same last calls, without the transferred
// ticket. Sound: a browser that plays it needs no touch and shows no hint;
// one that doesn't gets the hint in the top bar, clear of the calls, and
// any key turns the sound on.
func TestBrowserDisplayFitsAndAgrees(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := t.Context()
	clerks := e.hallClerks(3)
	// The second counter's name is long; the third has a label.
	long := "Stanowisko obsługi mieszkańców i przedsiębiorców 12"
	if _, err := e.offices.UpdateCounter(ctx, clerks[1].counter.ID, func(s *office.CounterSpec) error { s.Name = long; return nil }); err != nil {
		t.Fatal(err)
	}
	admin := bearer(e.adminToken())
	if resp, body := e.do("PATCH", "/api/v1/admin/counters/"+itoa(clerks[2].counter.ID), map[string]any{"name": "Stanowisko rejestracji pojazdów 3", "label": "R3"}, admin...); resp.StatusCode != 200 || !strings.Contains(string(body), `"label":"R3"`) {
		t.Fatalf("label the counter: %d %s", resp.StatusCode, body)
	}
	// The board learns the new names as a restarted server would.
	if err := e.board.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	// Calls at each counter, each finished but the last ones.
	var called [3][]int64
	for round := range 3 {
		for i, c := range clerks {
			e.issueTicket(c.counter.ServiceIDs[0])
			id := c.call(e)
			called[i] = append(called[i], id)
			if round < 2 {
				c.act(e, id, "start", nil)
				c.act(e, id, "finish", nil)
			}
		}
	}
	base := e.listen()
	open := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	open.do(browsertest.OnNewDocument(noAutoplay), chromedp.Navigate(base+"/display"))
	open.waitFor("the calls", `document.querySelectorAll('#recent-list tr').length === 8`)
	open.waitFor("the sound hint", `!document.getElementById('sound-enable').hidden`)
	rows := open.text(recentRows)
	for _, want := range []string{"→R3", "→" + long, "→" + clerks[0].counter.Name} {
		if !strings.Contains(rows, want) {
			t.Errorf("the last calls %q lack %q", rows, want)
		}
	}
	// The hint sits in the top bar, above the board.
	if clear := run(t, open.ctx, chromedp.Evaluate[bool](`document.getElementById('sound-enable').getBoundingClientRect().bottom <= document.getElementById('main').getBoundingClientRect().top`)); !clear {
		t.Error("the sound hint covers the board")
	}
	for _, lang := range []string{"pl", "en", "uk"} {
		p := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
		p.do(browsertest.OnNewDocument(noAutoplay), chromedp.Navigate(base+"/display?lang="+lang))
		p.waitFor(lang+" calls", `document.querySelectorAll('#recent-list tr').length === 8 && !document.getElementById('sound-enable').hidden`)
		// The clock tells the office's time in every language, whatever
		// the TV's zone (browsertest.Zone).
		p.waitFor(lang+" clock", `/^\d\d:\d\d$/.test(document.getElementById('clock').textContent)`)
		before := time.Now().In(officetest.Warsaw).Format("15:04")
		shown := p.text(`document.getElementById('clock').textContent`)
		if after := time.Now().In(officetest.Warsaw).Format("15:04"); shown != before && shown != after {
			t.Errorf("%s: the clock shows %s, want the time in Warsaw, %s", lang, shown, after)
		}
		browsertest.RequireNoCutText(t, p.ctx, "display-1920x1080-"+lang)
		browsertest.RequireNoSeriousViolations(t, p.ctx, "/display?lang="+lang)
		p.do(chromedp.EmulateViewport(1080, 1920))
		p.waitFor("the portrait layout", `matchMedia('(orientation: portrait)').matches`)
		p.do(chromedp.Evaluate[chromedp.Void](`dispatchEvent(new Event('resize'))`))
		browsertest.RequireNoCutText(t, p.ctx, "display-1080x1920-"+lang)
	}

	// The transfer of the third counter's ticket: the open display drops
	// it, and a display loaded now shows what the open one shows.
	transferred := called[2][2]
	other := int64(0)
	deps, err := e.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		for _, svc := range d.Services {
			if svc.DepartmentID == clerks[2].counter.DepartmentID && svc.ID != clerks[2].counter.ServiceIDs[0] {
				other = svc.ID
			}
		}
	}
	if other == 0 {
		t.Fatal("no other matter to transfer to")
	}
	clerks[2].act(e, transferred, "transfer", map[string]any{"service_id": other})
	open.waitFor("the transferred ticket gone", `!document.querySelector('#recent-list tr[data-ticket="`+itoa(transferred)+`"]') && document.getElementById('now').dataset.ticket !== `+jsString(itoa(transferred)))
	fresh := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	fresh.do(chromedp.Navigate(base + "/display"))
	fresh.waitFor("the fresh display", `document.querySelectorAll('#recent-list tr').length > 0`)
	if a, b := open.text(recentRows), fresh.text(recentRows); a != b {
		t.Errorf("after the transfer the open display shows\n  %s\nand a fresh one\n  %s", a, b)
	}

	// Any key on the open display turns the sound on.
	if !run(t, open.ctx, chromedp.Evaluate[bool](fakeSpeech)) {
		t.Fatal("fake speech not installed")
	}
	open.do(chromedp.KeyEvent("a"))
	open.waitFor("the sound on", `document.getElementById('sound-enable').hidden && OkienkoDisplay.sound().on`)

	// A browser that plays sound: no hint, and a call is announced with no
	// touch at all.
	tv := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	tv.do(browsertest.OnNewDocument(autoplay), chromedp.Navigate(base+"/display"))
	tv.waitFor("the sound checked", `OkienkoDisplay.sound().checked && OkienkoDisplay.sound().on && document.querySelectorAll('#recent-list tr').length > 0`)
	if hint := run(t, tv.ctx, chromedp.Evaluate[bool](`!document.getElementById('sound-enable').hidden`)); hint {
		t.Error("the hint shows though the browser plays sound")
	}
	if !run(t, tv.ctx, chromedp.Evaluate[bool](fakeSpeech)) {
		t.Fatal("fake speech not installed")
	}
	clerks[0].act(e, called[0][2], "start", nil)
	clerks[0].act(e, called[0][2], "finish", nil)
	e.issueTicket(clerks[0].counter.ServiceIDs[0])
	next := clerks[0].call(e)
	tv.waitFor("the call announced untouched", `document.getElementById('now').dataset.ticket === `+jsString(itoa(next))+
		` && window.__speech.said.includes(OkienkoDisplay.speechText({number: document.getElementById('now-number').textContent, counter: `+jsString(clerks[0].counter.Name)+`}))`)

	// Without getAutoplayPolicy (Chromium) the page asks an AudioContext;
	// whatever this browser answers, the hint shows exactly when the sound
	// is off.
	plain := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	plain.do(chromedp.Navigate(base + "/display"))
	plain.waitFor("the sound checked", `OkienkoDisplay.sound().checked`)
	if got := run(t, plain.ctx, chromedp.Evaluate[[]bool](`[OkienkoDisplay.sound().on, document.getElementById('sound-enable').hidden]`)); got[0] != got[1] {
		t.Errorf("sound on %v, hint hidden %v", got[0], got[1])
	}
}
