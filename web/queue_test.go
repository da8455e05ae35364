package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// counterOf returns the demo office's counter named name.
func (e *env) counterOf(name string) office.Counter {
	e.t.Helper()
	cs, err := e.offices.Counters(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	e.t.Fatalf("no counter %q", name)
	return office.Counter{}
}

// issueTicket issues a walk-in ticket through the kiosk API.
func (e *env) issueTicket(serviceID int64) (id int64, number, publicID string) {
	e.t.Helper()
	resp, body := e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": serviceID}, bearer(e.creds.KioskToken)...)
	if resp.StatusCode != 201 {
		e.t.Fatalf("kiosk ticket: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Ticket struct {
			ID       int64  `json:"id"`
			Number   string `json:"number"`
			PublicID string `json:"public_id"`
		} `json:"ticket"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Ticket.ID, out.Ticket.Number, out.Ticket.PublicID
}

func TestClerkAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		c1 := e.counterOf("Stanowisko 1")
		c2 := e.counterOf("Stanowisko 2")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": "drugi", "password": "haslo-drugiego", "role": "clerk"}, admin...)
		if resp.StatusCode != 201 {
			t.Fatalf("second clerk: %d %s", resp.StatusCode, body)
		}
		other := bearer(e.login("drugi", "haslo-drugiego"))

		// Who may call the API at all.
		for _, h := range [][]string{nil, bearer(e.creds.KioskToken), bearer("nonsense")} {
			resp, _ := e.do("GET", "/api/v1/counters", nil, h...)
			if resp.StatusCode != 401 {
				t.Fatalf("counters with %v: %d, want 401", h, resp.StatusCode)
			}
		}
		resp, _ = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": c1.ServiceIDs[0]}, clerk...)
		if resp.StatusCode != 401 {
			t.Fatalf("a clerk session on the kiosk API: %d, want 401", resp.StatusCode)
		}

		resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"open"`) || !strings.Contains(string(body), `"mine":true`) {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, other...)
		if resp.StatusCode != 409 {
			t.Fatalf("a second clerk at the counter: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c2.ID), map[string]any{"service_ids": c2.ServiceIDs[:1]}, other...); resp.StatusCode != 200 {
			t.Fatalf("open c2: %d %s", resp.StatusCode, body)
		}

		// Nobody waits yet.
		if resp, _ = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, clerk...); resp.StatusCode != 204 {
			t.Fatalf("next on an empty queue: %d", resp.StatusCode)
		}
		id, number, publicID := e.issueTicket(c1.ServiceIDs[0])
		resp, body = e.do("GET", "/api/v1/tickets/"+publicID, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"people_ahead":0`) || !strings.Contains(string(body), `"status":"waiting"`) {
			t.Fatalf("public status: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/counters/%d/queue", c1.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"number":"`+number+`"`) {
			t.Fatalf("queue: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"called"`) {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		// The other clerk can't touch this counter's ticket.
		for _, a := range []string{"recall", "start", "no-show", "return"} {
			resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, a), nil, other...)
			if resp.StatusCode != 403 {
				t.Fatalf("%s by another counter's clerk: %d %s", a, resp.StatusCode, body)
			}
			problemOf(t, resp, body)
		}
		resp, _ = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, other...)
		if resp.StatusCode != 403 {
			t.Fatalf("next at someone else's counter: %d", resp.StatusCode)
		}
		resp, body = e.do("GET", "/api/v1/tickets/"+publicID, nil)
		if !strings.Contains(string(body), `"counter":"Stanowisko 1"`) {
			t.Fatalf("the resident isn't told where to go: %s", body)
		}

		bad := []struct {
			name, method, path string
			body               any
			want               int
			field              string
		}{
			{"finish before start", "POST", fmt.Sprintf("/api/v1/tickets/%d/finish", id), nil, 409, ""},
			{"open with services as text", "POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), `{"service_ids":"all"}`, 400, "service_ids"},
			{"open with an unknown field", "POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), `{"services":[1]}`, 400, "services"},
			{"open with a foreign service", "POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), `{"service_ids":[99999]}`, 422, "service_ids"},
			{"open an unknown counter", "POST", "/api/v1/counters/99999/open", nil, 404, ""},
			{"call without a ticket", "POST", fmt.Sprintf("/api/v1/counters/%d/call", c1.ID), `{}`, 422, "ticket_id"},
			{"call malformed", "POST", fmt.Sprintf("/api/v1/counters/%d/call", c1.ID), `{"ticket_id":`, 400, ""},
			{"transfer without a service", "POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", id), `{}`, 422, "service_id"},
			{"transfer to an unknown service", "POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", id), `{"service_id":99999}`, 422, "service_id"},
			{"transfer with the wrong type", "POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", id), `{"service_id":"B"}`, 400, "service_id"},
			{"recall with a body", "POST", fmt.Sprintf("/api/v1/tickets/%d/recall", id), `{"x":1}`, 400, ""},
			{"an id that isn't one", "POST", "/api/v1/tickets/abc/start", nil, 404, ""},
			{"an unknown ticket", "POST", "/api/v1/tickets/99999/start", nil, 404, ""},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				e := e.withT(t)
				resp, body := e.do(tc.method, tc.path, tc.body, clerk...)
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
				}
				p := problemOf(t, resp, body)
				if _, ok := p.Errors[tc.field]; tc.field != "" && !ok {
					t.Fatalf("errors %v do not name %s", p.Errors, tc.field)
				}
				var status string
				db.Table("tickets").Select("status").Where("id = ?", id).Scan(&status)
				if status != "called" {
					t.Fatalf("the ticket became %s", status)
				}
			})
		}

		for _, step := range []struct{ action, want string }{{"recall", "called"}, {"start", "serving"}, {"finish", "done"}} {
			var b any
			if step.action == "finish" {
				b = map[string]string{"outcome": "Wydano dowód"}
			}
			resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", id, step.action), b, clerk...)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"`+step.want+`"`) {
				t.Fatalf("%s: %d %s", step.action, resp.StatusCode, body)
			}
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/counters/%d/queue", c1.ID), nil, clerk...)
		if !strings.Contains(string(body), `"today":{"called":1,"served":1,"no_show":0}`) {
			t.Fatalf("today's counts: %s", body)
		}
		for _, a := range []string{"pause", "resume", "close"} {
			if resp, body = e.do("POST", fmt.Sprintf("/api/v1/counters/%d/%s", c1.ID, a), nil, clerk...); resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", a, resp.StatusCode, body)
			}
		}
		if !strings.Contains(string(body), `"status":"closed"`) {
			t.Fatalf("after closing: %s", body)
		}
	})
}

func TestKioskAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		kiosk := bearer(e.creds.KioskToken)
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		cases := []struct {
			name    string
			body    any
			headers []string
			want    int
		}{
			{"no token", map[string]any{"service_id": svc}, nil, 401},
			{"an admin token is no kiosk", map[string]any{"service_id": svc}, bearer(e.adminToken()), 401},
			{"malformed", `{"service_id":`, kiosk, 400},
			{"wrong type", `{"service_id":"1"}`, kiosk, 400},
			{"unknown field", `{"service_id":1,"vip":true}`, kiosk, 400},
			{"missing service", `{}`, kiosk, 422},
			{"unknown service", `{"service_id":99999}`, kiosk, 422},
			{"a landline for the SMS", fmt.Sprintf(`{"service_id":%d,"phone":"22 555 12 12"}`, svc), kiosk, 422},
			{"a phone of the wrong type", fmt.Sprintf(`{"service_id":%d,"phone":600100200}`, svc), kiosk, 400},
		}
		for _, tc := range cases {
			resp, body := e.do("POST", "/api/v1/kiosk/tickets", tc.body, tc.headers...)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
			}
		}
		var n int64
		db.Table("tickets").Count(&n)
		if n != 0 {
			t.Fatalf("%d tickets written by refused requests", n)
		}
		_, first, _ := e.issueTicket(svc)
		_, second, pid := e.issueTicket(svc)
		if first != "B001" || second != "B002" {
			t.Fatalf("numbers %s %s", first, second)
		}
		resp, body := e.do("GET", "/api/v1/tickets/"+pid, nil)
		if !strings.Contains(string(body), `"people_ahead":1`) || !strings.Contains(string(body), `"estimated_wait_minutes":`) {
			t.Fatalf("second ticket's status: %d %s", resp.StatusCode, body)
		}

		// Check-in of a booking: too early is 409 with the reason; at the
		// right time a DR ticket.
		serviceID, slot := e.firstFreeSlot()
		resp, body = e.do("POST", "/api/v1/bookings", bookingBody(serviceID, slot.Start))
		if resp.StatusCode != 201 {
			t.Fatalf("book: %d %s", resp.StatusCode, body)
		}
		var bk struct{ Code string }
		_ = json.Unmarshal(body, &bk)
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": bk.Code}, kiosk...)
		if resp.StatusCode != 409 || !strings.Contains(string(body), "too early") {
			t.Fatalf("early check-in: %d %s", resp.StatusCode, body)
		}
		e.clock.Set(slot.Start.Add(-10 * 60e9))
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": strings.ToLower(bk.Code)}, kiosk...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `R01"`) {
			t.Fatalf("check-in: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]string{"code": bk.Code}, kiosk...)
		if resp.StatusCode != 409 {
			t.Fatalf("second check-in: %d %s", resp.StatusCode, body)
		}
	})
}
