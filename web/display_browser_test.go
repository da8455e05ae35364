package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/web"
	"github.com/okienko/okienko/web/browsertest"
)

// restartable serves e's app on a loopback address and can stop it and
// serve it again, as a new web.Server over the same stores and board, on
// the very same address, the way a redeployed server comes back.
type restartable struct {
	e    *env
	addr string
	done chan error // Listen's result, nil while stopped
}

func (e *env) listenRestartable() *restartable {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	r := &restartable{e: e, addr: ln.Addr().String()}
	r.serve(ln)
	e.t.Cleanup(r.stop)
	return r
}

func (r *restartable) base() string { return "http://" + r.addr }

func (r *restartable) serve(ln net.Listener) {
	srv, done := r.e.srv, make(chan error, 1)
	go func() { done <- srv.Listen(ln) }()
	r.done = done
}

// stop shuts the server down as the program does: websockets are closed
// with a reason, then the listener.
func (r *restartable) stop() {
	if r.done == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.e.srv.Shutdown(ctx); err != nil {
		r.e.t.Errorf("shutdown: %v", err)
	}
	if err := <-r.done; err != nil {
		r.e.t.Errorf("listen: %v", err)
	}
	r.done = nil
}

// start serves a new web.Server on the same address; e.do then goes to it.
func (r *restartable) start() {
	r.e.t.Helper()
	e := r.e
	deps := e.srv.Deps
	deps.Registry, deps.Gatherer = nil, nil // metrics of its own, as a new process has
	e.srv = web.New(deps)
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		e.t.Fatalf("listen again on %s: %v", r.addr, err)
	}
	r.serve(ln)
}

// tab drives one browser tab.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (p *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor waits until the JavaScript expression is true.
func (p *tab) waitFor(what, expr string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr))
	// A page that reloads itself ends the poll running in it; the poll
	// starts again in the new page, a bounded number of times.
	for tries := 0; err != nil && tries < 5 && navigatedAway(err); tries++ {
		_, err = chromedp.Run(p.ctx, chromedp.Poll[bool](expr))
	}
	if err != nil {
		// What the page showed helps to tell a slow answer from a wrong one.
		state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify({alert: document.querySelector('[role=alert]')?.textContent?.trim(), focus: document.activeElement?.outerHTML?.slice(0, 160), text: document.body?.innerText?.slice(0, 400)})`))
		p.t.Fatalf("waiting for %s: %v; the page: %s", what, err, state)
	}
}

// navigatedAway reports whether err says the page went away under a
// script, as it does when the page reloads itself.
func navigatedAway(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "navigated or closed") || strings.Contains(msg, "Execution context was destroyed") || strings.Contains(msg, "Cannot find context")
}

// liveAdditions is a script that records the text of every node added to
// the live region with element id id, in order, into window.__live[id]
// (one entry per announcement); it answers true once observing.
func liveAdditions(id string) string {
	return `(() => {
  const id = ` + jsString(id) + `;
  window.__live = window.__live || {};
  window.__live[id] = [];
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) window.__live[id].push(n.textContent);
  }).observe(document.getElementById(id), { childList: true });
  return true;
})()`
}

func (p *tab) text(expr string) string {
	p.t.Helper()
	return run(p.t, p.ctx, chromedp.Evaluate[string](expr))
}

// fakeSpeech stands in for the browser's speech synthesis, which headless
// Chromium lacks: it holds each utterance until __speech.finish(), so a test
// sees whether a new one ever starts while another is being said.
const fakeSpeech = `(() => {
  const s = { said: [], langs: [], speaking: null, overlaps: 0, cancels: 0,
    speak(u) {
      if (!u.text.trim()) { setTimeout(() => u.onend && u.onend(), 0); return; }
      if (this.speaking) this.overlaps++;
      this.said.push(u.text);
      this.langs.push(u.lang);
      this.speaking = u;
    },
    finish() { const u = this.speaking; this.speaking = null; if (u && u.onend) u.onend(); },
    cancel() { this.cancels++; }, pause() {}, resume() {},
    getVoices() { return []; }, addEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', { value: s, configurable: true });
  window.__speech = s;
  return true;
})()`

// The hall display shows a call made through the API large, with the
// waiting counts; it chimes and speaks each call in turn, and a recall
// waits for the announcement before it. When the server stops it says it
// is offline; when a new server comes up on the same address it recovers,
// and a call made after that appears.
func TestBrowserDisplayShowsCallsAndRecovers(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		first, number, _ := e.issueTicket(counter.ServiceIDs[0])
		department := strconv.FormatInt(counter.DepartmentID, 10)

		srv := e.listenRestartable()
		p := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
		p.do(browsertest.OnNewDocument(noAutoplay), chromedp.Navigate(srv.base()+"/display"))
		p.waitFor("the snapshot", `document.querySelector('#waiting-list li[data-department="`+department+`"] .dep-count')?.textContent === '1'`)
		if lang := p.text(`document.documentElement.lang`); lang != "pl" {
			t.Errorf("lang = %q", lang)
		}
		if missing := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-i18n]')].map(e => e.dataset.i18n).filter(k => !(k in MESSAGES.pl) || !(k in MESSAGES.en) || !(k in MESSAGES.uk))`)); len(missing) > 0 {
			t.Errorf("template keys missing from MESSAGES: %v", missing)
		}
		if office := p.text(`document.getElementById('office').textContent`); !strings.Contains(office, "Urząd") {
			t.Errorf("office %q", office)
		}
		p.waitFor("the clock", `/^\d\d:\d\d$/.test(document.getElementById('clock').textContent)`)
		// The hall clock tells the office's time, whatever zone the TV (here
		// the test browser, browsertest.Zone) is set to.
		before := time.Now().In(officetest.Warsaw).Format("15:04")
		shown := p.text(`document.getElementById('clock').textContent`)
		after := time.Now().In(officetest.Warsaw).Format("15:04")
		if shown != before && shown != after {
			t.Errorf("the clock shows %s, want the time in Warsaw, %s", shown, after)
		}

		// A browser that plays no sound before a touch: a hint in the top
		// bar until someone clicks; the choice is remembered.
		p.waitFor("the sound hint", `!document.getElementById('sound-enable').hidden`)
		if !run(t, p.ctx, chromedp.Evaluate[bool](fakeSpeech)) {
			t.Fatal("fake speech not installed")
		}
		p.do(chromedp.Click(chromedp.CSS("#sound-enable")))
		p.waitFor("the sound on", `document.getElementById('sound-enable').hidden && localStorage.getItem('okienko.display.sound') === 'on'`)

		// A call through the API shows large and fresh, and is announced.
		resp, body := e.do("POST", cpath+"/next", nil, clerk...)
		if resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the call on the board", `document.getElementById('now-number').textContent === `+jsString(number)+
			` && document.getElementById('now-counter').textContent === 'Stanowisko 1' && document.getElementById('now').classList.contains('fresh')`)
		p.waitFor("the waiting count down", `document.querySelector('#waiting-list li[data-department="`+department+`"] .dep-count').textContent === '0'`)
		spoken := "Numer " + spokenNumber(number) + ", stanowisko 1"
		p.waitFor("the announcement", `window.__speech.said.length === 1 && window.__speech.said[0] === `+jsString(spoken))
		if live := p.text(`document.querySelector('#announcements p:last-child').textContent`); live != spoken {
			t.Errorf("the live region says %q, want %q", live, spoken)
		}

		// A recall while the first is being said waits its turn.
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/recall", first), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("recall: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the recall queued", `OkienkoDisplay.queued() === 1`)
		if n := run(t, p.ctx, chromedp.Evaluate[int](`window.__speech.said.length`)); n != 1 {
			t.Fatalf("%d utterances while the first was being said", n)
		}
		p.do(chromedp.Evaluate[chromedp.Void](`window.__speech.finish()`))
		p.waitFor("the recall announced", `window.__speech.said.length === 2 && window.__speech.said[1] === `+jsString("Ponownie: numer "+spokenNumber(number)+", stanowisko 1"))
		p.do(chromedp.Evaluate[chromedp.Void](`window.__speech.finish()`))
		if got := run(t, p.ctx, chromedp.Evaluate[[]int](`[window.__speech.overlaps, window.__speech.cancels]`)); got[0] != 0 || got[1] != 0 {
			t.Errorf("speech overlapped %d times and was cancelled %d times", got[0], got[1])
		}

		// The server goes away: the board says so.
		srv.stop()
		p.waitFor("the offline mark", `document.getElementById('offline').textContent === 'Brak połączenia — ponawiam…'`)
		if role := p.text(`document.getElementById('offline').getAttribute('role')`); role != "status" {
			t.Errorf("the offline mark has role %q", role)
		}

		// It comes back on the same address; the board reconnects and shows
		// the next call.
		srv.start()
		p.waitFor("the mark gone", `document.getElementById('offline').textContent === ''`)
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", first), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		_, second, _ := e.issueTicket(counter.ServiceIDs[0])
		if resp, body := e.do("POST", cpath+"/next", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next after the restart: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the new call", `document.getElementById('now-number').textContent === `+jsString(second))
		p.waitFor("the first in the last calls", `document.querySelector('#recent-list tr th')?.textContent === `+jsString(number))
		p.waitFor("the new call announced", `window.__speech.said.length === 3 && window.__speech.said[2] === `+jsString("Numer "+spokenNumber(second)+", stanowisko 1"))
	})
}

// noAutoplay and autoplay stand in for a browser's autoplay policy
// (navigator.getAutoplayPolicy, as Firefox has it): sound only after a
// gesture, or sound at once (a TV's Chromium started with
// --autoplay-policy=no-user-gesture-required).
const (
	noAutoplay = `navigator.getAutoplayPolicy = () => 'disallowed';`
	autoplay   = `navigator.getAutoplayPolicy = () => 'allowed';`
)

// spokenNumber is how the display reads a ticket number: "B001" → "B 1".
func spokenNumber(number string) string {
	i := strings.IndexAny(number, "0123456789")
	n, _ := strconv.Atoi(number[i:])
	return strings.Join(strings.Split(number[:i], ""), " ") + " " + strconv.Itoa(n)
}

// The display speaks numbers and counters in each language, shows only the
// departments asked for, and lays itself out for a landscape and a portrait
// screen.
func TestBrowserDisplayLanguagesFilterAndLayout(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	counter := e.counterOf("Stanowisko 1")
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
	if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
	}
	_, number, _ := e.issueTicket(counter.ServiceIDs[0])
	if resp, body := e.do("POST", cpath+"/next", nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("next: %d %s", resp.StatusCode, body)
	}
	deps, err := e.offices.Departments(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	var other int64
	for _, d := range deps {
		if d.ID != counter.DepartmentID {
			other = d.ID
			break
		}
	}
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}

	speech := []struct {
		lang, heading, d017, dr05, named string
	}{
		{"pl", "Zapraszamy", "Numer D 17, stanowisko 3", "Numer D R 5, stanowisko 12", "Numer B 1, Kasa"},
		{"en", "Now serving", "Number D 17, counter 3", "Number D R 5, counter 12", "Number B 1, Kasa"},
		{"uk", "Запрошуємо", "Номер D 17, віконце 3", "Номер D R 5, віконце 12", "Номер B 1, Kasa"},
	}
	for _, tc := range speech {
		p.do(chromedp.Navigate(base + "/display?lang=" + tc.lang))
		p.waitFor("the "+tc.lang+" page live", `document.querySelectorAll('#waiting-list li').length > 0 && document.getElementById('now-number').textContent === `+jsString(number))
		got := run(t, p.ctx, chromedp.Evaluate[[]string](`[document.documentElement.lang, document.getElementById('now-heading').textContent,
			OkienkoDisplay.speechText({number: 'D017', counter: 'Stanowisko 3'}),
			OkienkoDisplay.speechText({number: 'DR05', counter: 'Stanowisko 12'}),
			OkienkoDisplay.speechText({number: 'B001', counter: 'Kasa'})]`))
		want := []string{tc.lang, tc.heading, tc.d017, tc.dr05, tc.named}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", tc.lang, got, want)
		}
	}

	// Only the department asked for: its waiting count, not the other's call.
	p.do(chromedp.Navigate(base + "/display?departments=" + strconv.FormatInt(other, 10)))
	p.waitFor("the filtered board", `document.querySelectorAll('#waiting-list li').length === 1 && document.querySelector('#waiting-list li').dataset.department === `+jsString(strconv.FormatInt(other, 10)))
	if shown := run(t, p.ctx, chromedp.Evaluate[bool](`!document.getElementById('now').hidden`)); shown {
		t.Errorf("a call of another department is shown")
	}

	// Landscape: the call beside the last calls; portrait: above them. The
	// number is large either way.
	layout := `(() => { const n = document.querySelector('.now').getBoundingClientRect(), r = document.querySelector('.recent').getBoundingClientRect();
		return [r.left >= n.right, r.top >= n.bottom, parseFloat(getComputedStyle(document.getElementById('now-number').parentElement).fontSize)]; })()`
	p.do(chromedp.Navigate(base + "/display"))
	p.waitFor("the call", `document.getElementById('now-number').textContent === `+jsString(number))
	got := run(t, p.ctx, chromedp.Evaluate[[]any](layout))
	if got[0] != true || got[1] != false || got[2].(float64) < 150 {
		t.Errorf("landscape layout: beside %v, below %v, number %vpx", got[0], got[1], got[2])
	}
	p.do(chromedp.EmulateViewport(1080, 1920))
	p.waitFor("the portrait layout", `matchMedia('(orientation: portrait)').matches`)
	got = run(t, p.ctx, chromedp.Evaluate[[]any](layout))
	if got[0] != false || got[1] != true || got[2].(float64) < 150 {
		t.Errorf("portrait layout: beside %v, below %v, number %vpx", got[0], got[1], got[2])
	}
}

// A display loaded from a server of another version than the board's
// reloads itself to get the new page, once: when the page it gets is still
// not the board's version it goes on rather than reload forever.
func TestBrowserDisplayReloadsForANewVersion(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	deps := e.srv.Deps
	deps.Registry, deps.Gatherer = nil, nil
	deps.Version = "other" // the board says "test"
	e.srv = web.New(deps)
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, 1920, 1080)}
	p.do(chromedp.Navigate(base + "/display"))
	p.waitFor("the reload", `performance.getEntriesByType('navigation')[0].type === 'reload' && sessionStorage.getItem('okienko.display.reloadedFor') === 'test'`)
	p.waitFor("the board live after it", `document.querySelectorAll('#waiting-list li').length > 0 && document.getElementById('offline').textContent === ''`)
	// The page stays: a mark left on it is still there when the next event
	// has been drawn.
	p.do(chromedp.Evaluate[chromedp.Void](`window.__stayed = true`))
	counter := e.counterOf("Stanowisko 1")
	e.issueTicket(counter.ServiceIDs[0])
	p.waitFor("the event drawn", `document.querySelector('#waiting-list li[data-department="`+strconv.FormatInt(counter.DepartmentID, 10)+`"] .dep-count').textContent === '1'`)
	if stayed := run(t, p.ctx, chromedp.Evaluate[bool](`window.__stayed === true`)); !stayed {
		t.Error("the page reloaded again")
	}
}

// The clerk's queue is live: a ticket issued at the kiosk appears without
// the page asking for the queue again.
func TestBrowserClerkQueueIsLive(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	counter := e.counterOf("Stanowisko 1")
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	if resp, body := e.do("POST", "/api/v1/counters/"+strconv.FormatInt(counter.ID, 10)+"/open", nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
	}
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, 1280, 800)}
	p.do(chromedp.Navigate(base + "/clerk"))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser),
		chromedp.SendKeys(chromedp.CSS("#password"), e.creds.ClerkPassword+"\n"),
	)
	// The clerk holds the counter already, so the page goes straight to work.
	p.waitFor("the work view", `!document.getElementById('view-work').hidden && !document.getElementById('waiting-empty').hidden`)
	p.waitFor("the live feed", `typeof OkienkoLive === 'object'`)
	queueFetches := `performance.getEntriesByType('resource').filter(r => r.name.endsWith('/queue')).length`
	before := run(t, p.ctx, chromedp.Evaluate[int](queueFetches))
	_, number, _ := e.issueTicket(counter.ServiceIDs[0])
	p.waitFor("the ticket in the waiting list", `[...document.querySelectorAll('#waiting-list th')].some(th => th.textContent.includes(`+jsString(number)+`))`)
	if after := run(t, p.ctx, chromedp.Evaluate[int](queueFetches)); after != before {
		t.Errorf("the page fetched the queue %d times instead of following the socket", after-before)
	}

	// A resident booked for 11:00 checks in at 10:50 and, at 11:00, is
	// called before the walk-in:
	// the clerk reads the booking's time on the office's clock, whatever
	// zone the clerk's computer is set to (browsertest.Zone).
	bk := e.bookOne(counter.ServiceIDs[0], e.week.At(0, 11, 0), validPESEL)
	e.clock.Set(e.week.At(0, 10, 50))
	resp, body := e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": bk.Code}, bearer(e.creds.KioskToken)...)
	var checkedIn struct{ Ticket struct{ Number string } }
	if resp.StatusCode != 201 || json.Unmarshal(body, &checkedIn) != nil {
		t.Fatalf("check-in: %d %s", resp.StatusCode, body)
	}
	p.waitFor("the booking in the waiting list", `[...document.querySelectorAll('#waiting-list th')].some(th => th.textContent.includes(`+jsString(checkedIn.Ticket.Number)+`))`)
	e.clock.Set(e.week.At(0, 11, 0)) // its slot has begun: it goes first
	p.do(chromedp.Click(chromedp.CSS("#act-next")))
	p.waitFor("the booking called", `!document.getElementById('current-booking-row').hidden`)
	if got := p.text(`document.getElementById('current-booking').textContent`); !strings.HasSuffix(got, "godz. 11:00") {
		t.Errorf("the called booking reads %q, want its time 11:00", got)
	}
}
