package web_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// An English display whose sound the administrator turned on, in a browser
// that won't play before a touch: the page knows the setting and keeps it,
// and says in a line below the board (not over it) that the browser blocks
// the sound. Two calls made while it was offline reach it together: the
// polite live region gets one announcement for each. A touch turns the
// sound on; a recall is then announced once, as a recall, in the live
// region and by speech, the counter's Polish name a part of its own
// language (a span, an utterance in a Polish voice); counters on the board
// are marked Polish. axe-core finds nothing serious in these states.
func TestBrowserDisplayAnnouncesEachCall(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		counter := e.counterOf("Stanowisko 1")
		if resp, body := e.do("PATCH", "/api/v1/admin/counters/"+itoa(counter.ID), map[string]any{"name": "Kasa"}, admin...); resp.StatusCode != 200 {
			t.Fatalf("rename the counter: %d %s", resp.StatusCode, body)
		}
		// The board learns the new name as a restarted server would.
		if err := e.board.Rebuild(t.Context()); err != nil {
			t.Fatal(err)
		}
		resp, body := e.do("POST", "/api/v1/admin/displays", map[string]any{"name": "Hol", "lang": "en", "sound": true}, admin...)
		var d struct{ ID int64 }
		if resp.StatusCode != 201 || json.Unmarshal(body, &d) != nil {
			t.Fatalf("create the display: %d %s", resp.StatusCode, body)
		}
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
		}
		first, one, _ := e.issueTicket(counter.ServiceIDs[0])
		second, two, _ := e.issueTicket(counter.ServiceIDs[0])

		srv := e.listenRestartable()
		p := &tab{t: t, ctx: browsertest.New(t, tvWide.width, tvWide.height)}
		p.do(browsertest.OnNewDocument(noAutoplay), browsertest.OnNewDocument(fakeSpeech), chromedp.Navigate(srv.base()+"/display?display="+itoa(d.ID)))
		p.waitFor("the board", `document.querySelectorAll('#waiting-list li').length > 0`)
		p.waitFor("the blocked-sound note", `!document.getElementById('sound-blocked').hidden`)
		got := run(t, p.ctx, chromedp.Evaluate[[]any](`(() => {
			const note = document.getElementById('sound-blocked').getBoundingClientRect(), board = document.getElementById('main').getBoundingClientRect();
			return [document.body.dataset.sound, localStorage.getItem('okienko.display.sound'), document.getElementById('sound-enable').hidden,
				document.getElementById('main').contains(document.getElementById('sound-blocked')), note.top >= board.bottom, note.bottom <= innerHeight,
				document.getElementById('sound-blocked').textContent];
		})()`))
		if got[0] != "on" || got[1] != "on" || got[2] != true || got[3] != false || got[4] != true || got[5] != true ||
			!strings.Contains(got[6].(string), "--autoplay-policy=no-user-gesture-required") {
			t.Fatalf("setting %v, kept %v, touch button hidden %v, note in the board %v, below it %v, on screen %v, text %q", got...)
		}
		p.axeAt("/display with its sound blocked", tvWide, tvTall)
		p.do(chromedp.EmulateViewport(int64(tvWide.width), int64(tvWide.height)))
		if !run(t, p.ctx, chromedp.Evaluate[bool](liveAdditions("announcements"))) {
			t.Fatal("no observer")
		}

		// Two calls while the display is offline: both announced when it is back.
		srv.stop()
		p.waitFor("the offline mark", `document.getElementById('offline').textContent !== ''`)
		for _, path := range []string{cpath + "/next", fmt.Sprintf("/api/v1/tickets/%d/start", first), cpath + "/next"} {
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		srv.start()
		p.waitFor("two announcements", `window.__live.announcements.length >= 2 && document.getElementById('now-number').textContent === `+jsString(two))
		want := []string{"Number " + spokenNumber(one) + ", Kasa", "Number " + spokenNumber(two) + ", Kasa"}
		if added := run(t, p.ctx, chromedp.Evaluate[[]string](`window.__live.announcements`)); strings.Join(added, "|") != strings.Join(want, "|") {
			t.Fatalf("the live region got %q, want %q", added, want)
		}
		parts := run(t, p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#announcements p:last-child span')].map(s => s.lang + ':' + s.textContent)
			.concat(['now-counter:' + document.getElementById('now-counter').lang],
				[...document.querySelectorAll('#recent-list td.counter')].map(td => 'recent:' + td.lang))`))
		if strings.Join(parts, "|") != "pl:Kasa|now-counter:pl|recent:pl" {
			t.Errorf("language of parts: %q", parts)
		}
		if live := p.text(`[document.getElementById('announcements').getAttribute('aria-live'), document.getElementById('announcements').getAttribute('aria-relevant')].join(' ')`); live != "polite additions" {
			t.Errorf("the live region is %q", live)
		}
		p.axeAt("/display with two calls announced", tvWide)

		// A touch turns the sound on; the note goes.
		p.do(chromedp.Click(chromedp.CSS("#now-number")))
		p.waitFor("the sound on", `OkienkoDisplay.sound().on && document.getElementById('sound-blocked').hidden`)

		// A recall: one announcement, "again", spoken in two languages.
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/recall", second), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("recall: %d %s", resp.StatusCode, body)
		}
		p.waitFor("the recall said", `window.__speech.said.length === 1`)
		p.do(chromedp.Evaluate[chromedp.Void](`window.__speech.finish()`))
		p.waitFor("the counter said", `window.__speech.said.length === 2`)
		p.do(chromedp.Evaluate[chromedp.Void](`window.__speech.finish()`))
		again := "Again: number " + spokenNumber(two) + ", Kasa"
		if added := run(t, p.ctx, chromedp.Evaluate[[]string](`window.__live.announcements`)); len(added) != 3 || added[2] != again {
			t.Fatalf("after the recall the live region got %q, want a third, %q", added, again)
		}
		said := run(t, p.ctx, chromedp.Evaluate[[]string](`window.__speech.said.map((s, i) => window.__speech.langs[i] + ':' + s)`))
		if strings.Join(said, "|") != "en-GB:Again: number "+spokenNumber(two)+",|pl-PL:Kasa" {
			t.Errorf("said %q", said)
		}
		p.axeAt("/display after a recall", tvWide)
	})
}

// A display with its sound on, in a browser that plays without a touch: no
// note and no button, the sound is on from the start. The administrator
// turns the sound off: the display notices on its next check and reloads
// with the new setting.
func TestBrowserDisplaySoundOnByTheAdministrator(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	admin := bearer(e.adminToken())
	resp, body := e.do("POST", "/api/v1/admin/displays", map[string]any{"name": "Hol", "sound": true}, admin...)
	var d struct{ ID int64 }
	if resp.StatusCode != 201 || json.Unmarshal(body, &d) != nil {
		t.Fatalf("create the display: %d %s", resp.StatusCode, body)
	}
	base := e.listen()
	p := &tab{t: t, ctx: browsertest.New(t, tvWide.width, tvWide.height)}
	p.do(browsertest.OnNewDocument(autoplay), chromedp.Navigate(base+"/display?display="+itoa(d.ID)))
	p.waitFor("the sound checked", `OkienkoDisplay.sound().checked && document.querySelectorAll('#waiting-list li').length > 0`)
	if got := p.text(`JSON.stringify([OkienkoDisplay.sound(), document.getElementById('sound-blocked').hidden, document.getElementById('sound-enable').hidden, document.body.dataset.sound])`); got != `[{"on":true,"checked":true,"wanted":true},true,true,"on"]` {
		t.Fatalf("sound, note hidden, button hidden, setting: %s", got)
	}
	if resp, body := e.do("PATCH", "/api/v1/admin/displays/"+itoa(d.ID), map[string]any{"sound": false}, admin...); resp.StatusCode != 200 {
		t.Fatalf("turn the sound off: %d %s", resp.StatusCode, body)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`window.beforeReload = true; OkienkoDisplay.checkSetup()`))
	p.waitAcrossReload("the new setting", `!window.beforeReload && document.body.dataset.sound === 'off'`)
}
