package web_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// The resident's ticket page asks how the service was once the ticket is
// done (live, while the page is open): a fieldset of 1–5 with its legend,
// an optional comment, "Wyślij". Sending without a score says so in an
// alert; the answer is thanked (focus on the thanks) and kept once; the
// page loaded again thanks instead of asking. In English, a visit rated
// meanwhile elsewhere (409) is thanked too. axe-core finds nothing serious.
func TestBrowserTicketPageAsksForFeedback(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
		act := func(path string) {
			t.Helper()
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		act(cpath + "/open")
		id, _, publicID := e.issueTicket(counter.ServiceIDs[0])
		act(cpath + "/next")
		act(fmt.Sprintf("/api/v1/tickets/%d/start", id))

		base := e.listen()
		p := &tab{t: t, ctx: browsertest.New(t, phone.width, phone.height)}
		p.do(chromedp.Navigate(base + "/t/" + publicID))
		p.waitFor("the page live", `document.getElementById('refresh').hidden && document.body.dataset.status === 'serving'`)
		if p.text(`String(document.getElementById('feedback').hidden)`) != "true" {
			t.Fatal("feedback asked before the visit is done")
		}
		act(fmt.Sprintf("/api/v1/tickets/%d/finish", id))
		p.waitFor("the question", `!document.getElementById('feedback').hidden && document.body.dataset.status === 'done'`)
		if got := p.text(`document.querySelector('#feedback fieldset legend').textContent + '|' + document.querySelectorAll('#feedback fieldset input[type=radio][name=score]').length + '|' + document.getElementById('feedback-send').textContent`); got != "Jak oceniasz obsługę?|5|Wyślij" {
			t.Errorf("the question: %q", got)
		}
		p.axeAt("/t/{public_id} done, asking", phone)

		run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('feedback-send').click(), true`))
		p.waitFor("the missing score", `document.getElementById('feedback-error').textContent === 'Wybierz ocenę od 1 do 5.' && document.activeElement.id === 'score-1'`)
		if n := feedbackCount(t, db); n != 0 {
			t.Fatalf("%d answers without a score", n)
		}
		p.axeAt("/t/{public_id} done, no score chosen", phone)
		run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('score-4').click(), document.getElementById('feedback-comment').value = 'Szybko i uprzejmie.', document.getElementById('feedback-send').click(), true`))
		p.waitFor("the thanks", `!document.getElementById('feedback-thanks').hidden && document.getElementById('feedback').hidden && document.activeElement.id === 'feedback-thanks'`)
		if got := p.text(`document.getElementById('feedback-thanks').textContent`); got != "Dziękujemy za ocenę." {
			t.Errorf("the thanks: %q", got)
		}
		var row struct {
			Score   int
			Comment string
		}
		db.Table("feedback").Select("score, comment").Scan(&row)
		if n := feedbackCount(t, db); n != 1 || row.Score != 4 || row.Comment != "Szybko i uprzejmie." {
			t.Fatalf("%d answers, %+v", n, row)
		}
		p.axeAt("/t/{public_id} done, thanked", phone)
		p.do(chromedp.Navigate(base + "/t/" + publicID))
		p.waitFor("the page again", `document.getElementById('refresh').hidden && !document.getElementById('feedback-thanks').hidden && document.getElementById('feedback').hidden`)

		// English; the visit is rated elsewhere before the page sends.
		id2, _, publicID2 := e.issueTicket(counter.ServiceIDs[0])
		act(cpath + "/next")
		act(fmt.Sprintf("/api/v1/tickets/%d/start", id2))
		act(fmt.Sprintf("/api/v1/tickets/%d/finish", id2))
		p.do(chromedp.Navigate(base + "/t/" + publicID2 + "?lang=en"))
		p.waitFor("the English question", `!document.getElementById('feedback').hidden && document.querySelector('#feedback legend').textContent === 'How was the service?'`)
		if resp, body := e.do("POST", "/api/v1/tickets/"+publicID2+"/feedback", map[string]any{"score": 2}); resp.StatusCode != 201 {
			t.Fatalf("rated elsewhere: %d %s", resp.StatusCode, body)
		}
		run(t, p.ctx, chromedp.Evaluate[bool](`document.getElementById('score-5').click(), document.getElementById('feedback-send').click(), true`))
		p.waitFor("the English thanks", `!document.getElementById('feedback-thanks').hidden && document.getElementById('feedback-thanks').textContent === 'Thank you for your rating.'`)
		p.axeAt("/t/{public_id}?lang=en done, thanked", phone)
		if n := feedbackCount(t, db); n != 2 {
			t.Fatalf("%d answers", n)
		}
	})
}
