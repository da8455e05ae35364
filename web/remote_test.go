package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// remoteAnswer is the answer of POST /api/v1/remote-tickets and of a
// remote ticket's check-in at the kiosk.
type remoteAnswer struct {
	Ticket struct {
		ID              int64   `json:"id"`
		PublicID        string  `json:"public_id"`
		Number          string  `json:"number"`
		Status          string  `json:"status"`
		Kind            string  `json:"kind"`
		PeopleAhead     int     `json:"people_ahead"`
		StatusURL       string  `json:"status_url"`
		ArrivalRequired bool    `json:"arrival_required"`
		ArrivedAt       *string `json:"arrived_at"`
	} `json:"ticket"`
	Arrived bool `json:"arrived"`
}

// allowRemote sets a matter's remote queue through the admin API.
func (e *env) allowRemote(serviceID int64, perDay int, arrivalFirst bool) {
	e.t.Helper()
	resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", serviceID),
		map[string]any{"remote_tickets_per_day": perDay, "remote_arrival_required": arrivalFirst}, bearer(e.adminToken())...)
	if resp.StatusCode != 200 || !strings.Contains(string(body), fmt.Sprintf(`"remote_tickets_per_day":%d`, perDay)) ||
		!strings.Contains(string(body), fmt.Sprintf(`"remote_arrival_required":%v`, arrivalFirst)) {
		e.t.Fatalf("allow remote: %d %s", resp.StatusCode, body)
	}
}

// The remote queue through the API: the administrator's settings, bad
// input naming the field with nothing written, a matter that takes no
// remote tickets (422) and a department not issuing (409), the ticket
// (DE01-like, its live page), one per phone a day, the daily cap, and the
// kiosk checking it in by its QR; the clerk sees who has arrived.
func TestRemoteTicketAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		svc := counter.ServiceIDs[0]
		var prefix string
		db.Raw("SELECT d.ticket_prefix FROM services s JOIN departments d ON d.id = s.department_id WHERE s.id = ?", svc).Scan(&prefix)

		admin := bearer(e.adminToken())
		resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc), map[string]any{"remote_tickets_per_day": 1000}, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["remote_tickets_per_day"] == "" {
			t.Fatalf("1000 a day: %d %s", resp.StatusCode, body)
		}
		// Off by default: the matter takes no remote tickets.
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": "600100200"})
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["service_id"] == "" {
			t.Fatalf("a matter without the remote queue: %d %s", resp.StatusCode, body)
		}
		e.allowRemote(svc, 2, true)
		for _, c := range []struct {
			body  string
			field string
		}{
			{`{"service_id":` + itoa(svc) + `}`, "phone"},
			{`{"phone":"600100200"}`, "service_id"},
			{`{"service_id":` + itoa(svc) + `,"phone":"12"}`, "phone"},
			{`{"service_id":` + itoa(svc) + `,"email":"nie-adres"}`, "email"},
			{`{"service_id":` + itoa(svc) + `,"phone":"600100200","lang":"fr"}`, "lang"},
			{`{"service_id":` + itoa(svc) + `,"phone":"600100200","name":"Jan"}`, "name"},
			{`{"service_id":"` + itoa(svc) + `","phone":"600100200"}`, "service_id"},
			{`{"service_id":999999,"phone":"600100200"}`, "service_id"},
		} {
			resp, body := e.do("POST", "/api/v1/remote-tickets", c.body)
			if resp.StatusCode != 422 && resp.StatusCode != 400 {
				t.Fatalf("%s: %d %s", c.body, resp.StatusCode, body)
			}
			if !strings.Contains(string(body), c.field) {
				t.Errorf("%s: the problem does not name %s: %s", c.body, c.field, body)
			}
		}
		if n := e.count("tickets", ""); n != 0 {
			t.Fatalf("%d tickets written by bad requests", n)
		}

		_, walkIn, _ := e.issueTicket(svc)
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": "600 100 200", "lang": "en"})
		if resp.StatusCode != 201 {
			t.Fatalf("remote ticket: %d %s", resp.StatusCode, body)
		}
		var r remoteAnswer
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		if r.Ticket.Number != prefix+"E01" || r.Ticket.Kind != "remote" || r.Ticket.Status != "waiting" || r.Ticket.PeopleAhead != 1 ||
			!r.Ticket.ArrivalRequired || r.Ticket.ArrivedAt != nil || r.Ticket.StatusURL != "http://okienko.test/t/"+r.Ticket.PublicID ||
			resp.Header.Get("Location") != r.Ticket.StatusURL {
			t.Fatalf("remote ticket %+v (walk-in %s), Location %q", r.Ticket, walkIn, resp.Header.Get("Location"))
		}
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": "+48600100200"})
		if p := problemOf(t, resp, body); resp.StatusCode != 409 || p.Errors["phone"] == "" {
			t.Fatalf("the same phone again: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "email": "ola@example.com"})
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"number":"`+prefix+`E02"`) {
			t.Fatalf("the second: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "email": "ewa@example.com"})
		if p := problemOf(t, resp, body); resp.StatusCode != 409 || p.Errors["reason"] != "remote_full" {
			t.Fatalf("past the day's cap: %d %s", resp.StatusCode, body)
		}

		// The clerk sees the remote ticket awaiting its holder; call next
		// passes over it.
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		queueOf := func() map[string]map[string]any {
			resp, body := e.do("GET", fmt.Sprintf("/api/v1/counters/%d/queue", counter.ID), nil, clerk...)
			if resp.StatusCode != 200 {
				t.Fatalf("queue: %d %s", resp.StatusCode, body)
			}
			var raw struct {
				Waiting []map[string]any `json:"waiting"`
			}
			if err := json.Unmarshal(body, &raw); err != nil {
				var list []map[string]any
				if err2 := json.Unmarshal(body, &list); err2 != nil {
					t.Fatalf("queue %s: %v", body, err)
				}
				raw.Waiting = list
			}
			out := map[string]map[string]any{}
			for _, tk := range raw.Waiting {
				out[tk["number"].(string)] = tk
			}
			return out
		}
		q := queueOf()
		if tk := q[prefix+"E01"]; tk == nil || tk["awaits_arrival"] != true || tk["arrived_at"] != nil || tk["kind"] != "remote" {
			t.Fatalf("the clerk's queue: %v", q)
		}
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"number":"`+walkIn+`"`) {
			t.Fatalf("call next: %d %s, want the walk-in %s", resp.StatusCode, body, walkIn)
		}

		// The kiosk reads the QR of the ticket's page: arrived.
		kioskTok := bearer(e.creds.KioskToken)
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]any{"code": r.Ticket.StatusURL, "lang": "en"}, kioskTok...)
		var a remoteAnswer
		if resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil || !a.Arrived || a.Ticket.ArrivedAt == nil || a.Ticket.ID != r.Ticket.ID {
			t.Fatalf("check-in by the QR: %d %s", resp.StatusCode, body)
		}
		if tk := queueOf()[prefix+"E01"]; tk == nil || tk["awaits_arrival"] != false || tk["arrived_at"] == nil {
			t.Fatalf("the clerk's queue after the arrival: %v", tk)
		}
		// Its public id typed in upper case: the same, again.
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]any{"code": strings.ToUpper(r.Ticket.PublicID)}, kioskTok...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"arrived":true`) {
			t.Fatalf("check-in by the public id: %d %s", resp.StatusCode, body)
		}
		// A walk-in's QR is no remote ticket.
		_, _, walkInPID := e.issueTicket(svc)
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]any{"code": "http://okienko.test/t/" + walkInPID}, kioskTok...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["code"] == "" {
			t.Fatalf("a walk-in's QR: %d %s", resp.StatusCode, body)
		}

		// After hours the department issues no tickets: 409.
		e.clock.Set(e.week.At(0, 23, 0))
		resp, body = e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": "600100999"})
		if resp.StatusCode != 409 {
			t.Fatalf("after hours: %d %s", resp.StatusCode, body)
		}
	})
}

// The site's remote queue page when the matter can't be joined: its places
// taken, or the department not issuing (saying when it opens); the matter's
// page then shows no link.
func TestRemoteQueuePageClosed(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		e.allowRemote(svc, 1, false)
		page := func(path string) (int, string) {
			resp, body := e.do("GET", path, nil)
			return resp.StatusCode, string(body)
		}
		matter := "/sprawy/" + itoa(svc)
		if code, body := page(matter); code != 200 || !strings.Contains(body, `id="remote-link"`) {
			t.Fatalf("the matter's page while open: %d, link %v", code, strings.Contains(body, `id="remote-link"`))
		}
		if resp, body := e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": "600100200"}); resp.StatusCode != 201 {
			t.Fatalf("remote ticket: %d %s", resp.StatusCode, body)
		}
		code, body := page(matter + "/kolejka")
		if code != 200 || !strings.Contains(body, `id="remote-closed"`) || strings.Contains(body, `id="remote-submit"`) || !strings.Contains(body, "zajęte") {
			t.Fatalf("full: %d %s", code, body)
		}
		if _, body := page(matter); strings.Contains(body, `id="remote-link"`) {
			t.Fatal("the matter's page links to a full remote queue")
		}
		e.clock.Set(e.week.At(0, 23, 0))
		code, body = page(matter + "/kolejka?lang=en")
		if code != 200 || !strings.Contains(body, "The queue opens: ") || strings.Contains(body, `id="remote-submit"`) {
			t.Fatalf("closed: %d %s", code, body)
		}
	})
}
