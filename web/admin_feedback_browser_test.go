package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
)

// The statistics show the residents' answers with their comments (matter,
// counter, day; nothing personal) and the switch of the feedback
// invitation, which the administrator turns on, in Polish and English,
// axe-clean.
func TestBrowserAdminFeedbackComments(t *testing.T) {
	for _, tc := range []struct{ lang, heading, on, none string }{
		{"pl", "Opinie mieszkańców", "Prośby o ocenę będą wysyłane po wizytach.", "Brak opinii w tym okresie."},
		{"en", "Residents' feedback", "Requests for a rating will be sent after visits.", "No feedback in this period."},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			done := e.servedTickets(2)
			for i, answer := range []map[string]any{{"score": 5, "comment": "Sprawnie i miło."}, {"score": 3}} {
				if resp, body := e.do("POST", "/api/v1/tickets/"+done[i]+"/feedback", answer); resp.StatusCode != 201 {
					t.Fatalf("answer %d: %d %s", i, resp.StatusCode, body)
				}
			}
			p := adminSignInAt(t, e, tc.lang, "#statystyki", 1366, 768)
			p.waitFor("the comments", `document.querySelectorAll('#stats-comments-table tbody tr').length === 2`)
			if got := p.text(`document.getElementById('stats-comments-h').textContent`); got != tc.heading {
				t.Errorf("heading %q", got)
			}
			rows := run(t, p.ctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#stats-comments-table tbody tr')].map(tr => [...tr.children].map(c => c.textContent))`))
			var commented []string
			for _, r := range rows {
				if r[1] == "5" {
					commented = r
				}
			}
			if len(commented) != 5 || commented[0] != e.week.Date(0) || commented[2] != "Sprawnie i miło." || commented[4] != "Stanowisko 1" {
				t.Fatalf("rows %q", rows)
			}
			if p.text(`String(document.getElementById('feedback-invite').checked)`) != "false" {
				t.Fatal("the invitation is on by default")
			}
			p.axeAt("/admin#statystyki comments ("+tc.lang+")", viewport{"1366", 1366, 768})
			p.do(chromedp.Click(chromedp.CSS("#feedback-invite")))
			p.waitFor("switched on", `document.getElementById('notice').textContent === `+jsString(tc.on))
			set, err := e.offices.Settings(t.Context())
			if err != nil || !set.FeedbackInvite {
				t.Fatalf("saved: %+v %v", set, err)
			}
			// A week without answers.
			p.do(chromedp.SetValue(chromedp.CSS("#stats-from"), e.week.Date(1)), chromedp.SetValue(chromedp.CSS("#stats-to"), e.week.Date(1)),
				chromedp.Click(chromedp.CSS(`#stats-form button[type=submit]`)))
			p.waitFor("no comments", `document.getElementById('stats-comments-none')?.textContent === `+jsString(tc.none)+
				` && document.getElementById('feedback-invite').checked`)
			p.axeAt("/admin#statystyki no comments ("+tc.lang+")", viewport{"1366", 1366, 768})
		})
	}
}
