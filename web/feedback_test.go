package web_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// servedTickets opens Stanowisko 1 and brings n new walk-ins through it to
// done; it returns their public ids.
func (e *env) servedTickets(n int) []string {
	e.t.Helper()
	counter := e.counterOf("Stanowisko 1")
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	cpath := "/api/v1/counters/" + strconv.FormatInt(counter.ID, 10)
	if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
		e.t.Fatalf("open the counter: %d %s", resp.StatusCode, body)
	}
	var out []string
	for range n {
		id, _, pid := e.issueTicket(counter.ServiceIDs[0])
		for _, path := range []string{cpath + "/next", fmt.Sprintf("/api/v1/tickets/%d/start", id), fmt.Sprintf("/api/v1/tickets/%d/finish", id)} {
			if resp, body := e.do("POST", path, nil, clerk...); resp.StatusCode != 200 {
				e.t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
		out = append(out, pid)
	}
	return out
}

func feedbackCount(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Table("feedback").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// POST /api/v1/tickets/{public_id}/feedback: bad input is refused naming
// the field with nothing written; a ticket not done is 409 naming its
// status; an unknown one 404; the answer 201, a second one 409. Every
// answer matches the OpenAPI document (env.do checks).
func TestFeedbackAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		done := e.servedTickets(1)[0]
		path := "/api/v1/tickets/" + done + "/feedback"
		for _, c := range []struct {
			body   string
			status int
			field  string
		}{
			{`{}`, 422, "score"},
			{`{"score":0}`, 422, "score"},
			{`{"score":6}`, 422, "score"},
			{`{"score":"5"}`, 400, "score"},
			{`{"score":4.5}`, 400, "score"},
			{`{"score":5,"comment":"` + strings.Repeat("ą", 501) + `"}`, 422, "comment"},
			{`{"score":5,"comment":7}`, 400, "comment"},
			{`{"score":5,"phone":"600100200"}`, 400, "phone"},
		} {
			resp, body := e.do("POST", path, c.body)
			if p := problemOf(t, resp, body); resp.StatusCode != c.status || (p.Errors[c.field] == "" && !strings.Contains(p.Detail, c.field)) {
				t.Errorf("%.60s: %d %s, want %d naming %s", c.body, resp.StatusCode, body, c.status, c.field)
			}
		}
		if n := feedbackCount(t, db); n != 0 {
			t.Fatalf("%d answers written by refusals", n)
		}

		_, _, waiting := e.issueTicket(e.counterOf("Stanowisko 1").ServiceIDs[0])
		resp, body := e.do("POST", "/api/v1/tickets/"+waiting+"/feedback", map[string]any{"score": 5})
		if p := problemOf(t, resp, body); resp.StatusCode != 409 || p.Errors["status"] != "waiting" {
			t.Fatalf("a waiting ticket: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/tickets/nosuchticket0000/feedback", map[string]any{"score": 5}); resp.StatusCode != 404 {
			t.Fatalf("an unknown ticket: %d %s", resp.StatusCode, body)
		}

		resp, body = e.do("POST", path, map[string]any{"score": 5, "comment": " Sprawnie i miło. "})
		if resp.StatusCode != 201 || string(body) != `{"comment":"Sprawnie i miło.","score":5}` {
			t.Fatalf("the answer: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path, map[string]any{"score": 1})
		if p := problemOf(t, resp, body); resp.StatusCode != 409 || p.Errors["reason"] != "already_answered" {
			t.Fatalf("a second answer: %d %s", resp.StatusCode, body)
		}
		if n := feedbackCount(t, db); n != 1 {
			t.Fatalf("%d answers", n)
		}
		// The ticket page knows the visit was rated.
		if resp, body := e.do("GET", "/t/"+done, nil); resp.StatusCode != 200 || !strings.Contains(string(body), `data-feedback="given"`) {
			t.Fatalf("the page of a rated visit: %d", resp.StatusCode)
		}
	})
}

// The answers taken from one address are limited; refusals don't count.
func TestFeedbackRateLimited(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		lim := web.Limit{Max: 10000, Window: time.Minute}
		e := newEnvWith(t, db, web.RateLimits{Book: lim, Cancel: lim, Lookup: lim, Feedback: web.Limit{Max: 2, Window: 10 * time.Minute}})
		ids := e.servedTickets(3)
		for range 3 {
			if resp, body := e.do("POST", "/api/v1/tickets/"+ids[0]+"/feedback", map[string]any{"score": 9}); resp.StatusCode != 422 {
				t.Fatalf("out of bounds: %d %s", resp.StatusCode, body)
			}
		}
		for _, id := range ids[:2] {
			if resp, body := e.do("POST", "/api/v1/tickets/"+id+"/feedback", map[string]any{"score": 3}); resp.StatusCode != 201 {
				t.Fatalf("answer: %d %s", resp.StatusCode, body)
			}
		}
		resp, body := e.do("POST", "/api/v1/tickets/"+ids[2]+"/feedback", map[string]any{"score": 3})
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("past the limit: %d %s", resp.StatusCode, body)
		}
		if n := feedbackCount(t, db); n != 2 {
			t.Fatalf("%d answers", n)
		}
	})
}

// GET /api/v1/admin/feedback: the answers with their comments, matter,
// counter and day, nothing personal; a range out of bounds is 422 naming
// the field; administrators only. PATCH /api/v1/admin/office switches the
// feedback invitation on and answers it.
func TestAdminFeedbackAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		done := e.servedTickets(2)
		for i, answer := range []map[string]any{{"score": 5, "comment": "Sprawnie i miło."}, {"score": 2}} {
			if resp, body := e.do("POST", "/api/v1/tickets/"+done[i]+"/feedback", answer); resp.StatusCode != 201 {
				t.Fatalf("answer %d: %d %s", i, resp.StatusCode, body)
			}
		}
		admin := bearer(e.adminToken())
		day := e.week.Date(0)
		for _, path := range []string{"/api/v1/admin/feedback", "/api/v1/admin/feedback?from=" + day + "&to=" + day} {
			var got []map[string]any
			e.okJSON("GET", path, &got, admin...)
			if len(got) != 2 {
				t.Fatalf("%s: %v", path, got)
			}
			scores := map[float64]map[string]any{}
			for _, a := range got {
				scores[a["score"].(float64)] = a
				if len(a) != 7 || a["day"] != day || a["counter"] != "Stanowisko 1" || a["service"] == "" {
					t.Errorf("%s: an answer %v", path, a)
				}
			}
			if scores[5]["comment"] != "Sprawnie i miło." || scores[2]["comment"] != "" {
				t.Errorf("%s: comments %v", path, got)
			}
		}
		var none []map[string]any
		e.okJSON("GET", "/api/v1/admin/feedback?from="+e.week.Date(1), &none, admin...)
		if len(none) != 0 {
			t.Fatalf("the next week: %v", none)
		}
		for q, field := range map[string]string{
			"from=2026-02-30":                "from",
			"to=tomorrow":                    "to",
			"from=1999-12-31&to=2000-01-02":  "from",
			"from=" + day + "&to=2000-01-01": "to",
			"from=2025-01-01&to=2026-12-31":  "to",
		} {
			resp, body := e.do("GET", "/api/v1/admin/feedback?"+q, nil, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors[field] == "" {
				t.Errorf("%s: %d %s, want 422 naming %s", q, resp.StatusCode, body, field)
			}
		}
		if resp, _ := e.do("GET", "/api/v1/admin/feedback", nil); resp.StatusCode != 401 {
			t.Errorf("nobody: %d", resp.StatusCode)
		}
		if resp, _ := e.do("GET", "/api/v1/admin/feedback", nil, bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))...); resp.StatusCode != 403 {
			t.Errorf("a clerk: %d", resp.StatusCode)
		}

		resp, body := e.do("GET", "/api/v1/admin/office", nil, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"feedback_invite":false`) {
			t.Fatalf("by default: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", "/api/v1/admin/office", map[string]any{"feedback_invite": true}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"feedback_invite":true`) {
			t.Fatalf("switched on: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", "/api/v1/admin/office", `{"feedback_invite":"yes"}`, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode/100 != 4 || (p.Errors["feedback_invite"] == "" && !strings.Contains(p.Detail, "feedback_invite")) {
			t.Fatalf("not a boolean: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", "/api/v1/admin/office", nil, admin...); !strings.Contains(string(body), `"feedback_invite":true`) {
			t.Fatalf("read back: %d %s", resp.StatusCode, body)
		}
	})
}
