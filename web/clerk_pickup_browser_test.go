package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
)

// A clerk registers a document for the visitor being served, who left a
// phone at the kiosk: the dialog offers the ticket, the number is shown big
// and the pickup takes the ticket's phone; "ready" without a room asks for
// the room at its field; with it, the resident is told and the row turns
// to "collected", which closes the case. In Polish and English; axe-core
// finds nothing serious in the dialog, with the number, and with the list.
func TestBrowserClerkPickups(t *testing.T) {
	for _, lang := range clerkLanguages {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			counter := e.counterOf("Stanowisko 1")
			tk, err := e.queue.IssueWalkInWithPhone(context.Background(), counter.ServiceIDs[0], false, "600 300 400")
			if err != nil {
				t.Fatal(err)
			}
			p := e.atCounter(t, lang, counter)
			p.waitFor("no documents yet", `!document.getElementById('pickups-empty').hidden && document.getElementById('pickups-table').hidden`)
			p.key("n")
			p.waitFor("the ticket called", `document.getElementById('current-number').textContent.startsWith(`+jsString(tk.Number)+`)`)

			p.do(chromedp.Click(chromedp.CSS("#pickup-open")))
			p.waitFor("the dialog, the ticket offered", `document.getElementById('pickup-dialog').open && document.activeElement.id === 'pickup-what'`+
				` && !document.getElementById('pickup-ticket-row').hidden && document.getElementById('pickup-ticket').checked`+
				` && document.getElementById('pickup-ticket-label').textContent.includes(`+jsString(tk.Number)+`)`+
				` && document.getElementById('pickup-lang').value === `+jsString(lang))
			// Nothing typed: the document is asked for at its field.
			p.do(chromedp.Click(chromedp.CSS("#pickup-submit")))
			p.waitFor("the document asked for", `document.activeElement.id === 'pickup-what' && document.getElementById('pickup-what').getAttribute('aria-invalid') === 'true'`+
				` && !document.getElementById('pickup-what-error').hidden`)
			p.axeAt("/clerk registering a document, refused", desktop)
			p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('pickup-what').value = 'zaświadczenie o wpisie do ewidencji'`), chromedp.Click(chromedp.CSS("#pickup-submit")))
			p.waitFor("the number shown", `!document.getElementById('pickup-done').hidden && /^[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(document.getElementById('pickup-number').textContent)`+
				` && document.activeElement.id === 'pickup-done-heading'`)
			number := p.text(`document.getElementById('pickup-number').textContent`)
			p.axeAt("/clerk with a document registered", desktop)
			var got struct {
				ID       int64
				Phone    *string
				TicketID *int64
				Status   string
				Lang     string
			}
			if err := e.db.Table("pickups").Where("number = ?", strings.ReplaceAll(number, "-", "")).Take(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got.Phone == nil || *got.Phone != "+48600300400" || got.TicketID == nil || *got.TicketID != tk.ID || got.Status != "in_progress" || got.Lang != lang {
				t.Fatalf("the pickup stored: %+v", got)
			}
			p.do(chromedp.Click(chromedp.CSS("#pickup-close")))
			id := itoa(got.ID)
			// The room field below is clicked into at once: the dialog's close
			// event, a task later, must not take the focus back from it.
			p.waitFor("the list, the focus back", `!document.getElementById('pickup-dialog').open && !document.getElementById('pickups-table').hidden && !!document.getElementById('pickup-ready-`+id+`')`+
				` && document.activeElement.id === 'pickup-open'`)

			// Ready without a room: the room is asked for.
			p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('pickup-room').value = ''; document.getElementById('pickup-ready-` + id + `').click()`))
			p.waitFor("the room asked for", `document.activeElement.id === 'pickup-room' && !document.getElementById('pickup-room-error').hidden`)
			// Typed and clicked by script: under load, key events sent to a
			// field right after it got the focus lost characters, and a
			// mouse click on a row of the list just drawn was seen to miss.
			p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('pickup-room').value = '112'; document.getElementById('pickup-ready-` + id + `').click()`))
			p.waitFor("ready, the resident told", `!!document.getElementById('pickup-collected-`+id+`') && document.activeElement.id === 'pickup-collected-`+id+`'`+
				` && document.getElementById('notice').textContent.includes('112')`)
			if n := e.count("outbox", "pickup_id = ? AND kind = ? AND channel = ?", got.ID, "pickup_ready", "sms"); n != 1 {
				t.Fatalf("%d ready messages", n)
			}
			resp, body := e.do("GET", "/api/v1/pickups/"+number, nil)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"room":"112"`) {
				t.Fatalf("the public state: %d %s", resp.StatusCode, body)
			}
			p.axeAt("/clerk with a document ready", desktop, phone)
			p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

			p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('pickup-collected-` + id + `').click()`))
			p.waitFor("collected, the list empty", `!document.getElementById('pickups-empty').hidden && document.activeElement.id === 'pickup-open'`)
			if err := e.db.Table("pickups").Select("status").Where("id = ?", got.ID).Scan(&got.Status).Error; err != nil || got.Status != "collected" {
				t.Fatalf("after collected: %q %v", got.Status, err)
			}
			// The room is remembered for the next document.
			p.do(chromedp.Reload())
			p.waitFor("the room kept", `!!document.getElementById('pickup-room') && document.getElementById('pickup-room').value === '112'`)
		})
	}
}
