package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
)

func TestAdminWebhooks(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		auth := bearer(e.adminToken())
		count := func() (n int64) {
			db.Table("webhooks").Count(&n)
			return n
		}
		for _, c := range []struct{ body, field string }{
			{`{"url":"ftp://dms.example/in","events":["ticket.called"]}`, "url"},
			{`{"url":"https://` + strings.Repeat("a", 2001) + `","events":["ticket.called"]}`, "url"},
			{`{"url":"https://dms.example/in","events":[]}`, "events"},
			{`{"url":"https://dms.example/in","events":["ticket.lost"]}`, "events"},
			{`{"url":"https://dms.example/in","events":["ticket.called"],"secret":"short"}`, "secret"},
			{`{"url":"https://dms.example/in","events":["ticket.called"],"colour":"red"}`, "colour"},
			{`{"url":"https://dms.example/in","events":["ticket.called"],"url":"https://x.example"}`, "url"},
			// Internal addresses, not allowed by default (OKIENKO_WEBHOOK_ALLOW_PRIVATE).
			{`{"url":"http://127.0.0.1:8080/in","events":["ticket.called"]}`, "url"},
			{`{"url":"http://10.1.2.3/in","events":["ticket.called"]}`, "url"},
			{`{"url":"http://[::ffff:192.168.0.1]/in","events":["ticket.called"]}`, "url"},
			{`{"url":"http://169.254.169.254/latest/meta-data","events":["ticket.called"]}`, "url"},
		} {
			resp, body := e.do("POST", "/api/v1/admin/webhooks", c.body, auth...)
			var p struct{ Errors map[string]string }
			_ = json.Unmarshal(body, &p)
			if resp.StatusCode/100 != 4 || (p.Errors[c.field] == "" && !strings.Contains(string(body), c.field)) {
				t.Errorf("%s: %d %s", c.body[:min(len(c.body), 80)], resp.StatusCode, body)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("bad input wrote %d endpoints", n)
		}
		resp, body := e.do("POST", "/api/v1/admin/webhooks", `{"url":"http://192.168.1.10/in","events":["ticket.called"]}`, auth...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || !strings.Contains(p.Errors["url"], "OKIENKO_WEBHOOK_ALLOW_PRIVATE") {
			t.Fatalf("a private address: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/admin/webhooks", `{"url":"https://dms.example/in","events":["ticket.called","booking.created"]}`, auth...)
		var ep notify.Webhook
		if resp.StatusCode != 201 || json.Unmarshal(body, &ep) != nil || len(ep.Secret) != 64 || !ep.Active ||
			strings.Join(ep.Events, ",") != "booking.created,ticket.called" {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		path := fmt.Sprintf("/api/v1/admin/webhooks/%d", ep.ID)
		resp, body = e.do("GET", path, nil, auth...)
		if resp.StatusCode != 200 || strings.Contains(string(body), ep.Secret) || !strings.Contains(string(body), `"secret_set":true`) {
			t.Fatalf("read: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("PATCH", path, `{"events":["pickup.ready"],"active":false}`, auth...); resp.StatusCode != 200 || !strings.Contains(string(body), `"active":false`) {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("PATCH", path, `{"secret":""}`, auth...); resp.StatusCode != 422 || !strings.Contains(string(body), `"secret"`) {
			t.Fatalf("patch emptying the secret: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", "/api/v1/admin/webhooks", nil, auth...); resp.StatusCode != 200 || strings.Count(string(body), `"id"`) != 1 {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", path+"/deliveries", nil, auth...); resp.StatusCode != 200 || string(body) != "[]" {
			t.Fatalf("deliveries: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", path+"/deliveries?limit=0", nil, auth...); resp.StatusCode != 422 {
			t.Fatalf("deliveries?limit=0: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("POST", path+"/deliveries/77/redeliver", nil, auth...); resp.StatusCode != 404 {
			t.Fatalf("redeliver nothing: %d %s", resp.StatusCode, body)
		}
		if resp, _ = e.do("GET", "/api/v1/admin/webhooks", nil); resp.StatusCode != 401 {
			t.Fatalf("without a token: %d", resp.StatusCode)
		}
		// Switched on for bookings, a booking makes a delivery; "send again"
		// queues its body once more.
		if resp, body = e.do("PATCH", path, `{"events":["booking.created"],"active":true}`, auth...); resp.StatusCode != 200 {
			t.Fatalf("switch on: %d %s", resp.StatusCode, body)
		}
		serviceID, slot := e.firstFreeSlot()
		e.bookOne(serviceID, slot.Start, validPESEL)
		var made []notify.Delivery
		if resp, body = e.do("GET", path+"/deliveries", nil, auth...); resp.StatusCode != 200 || json.Unmarshal(body, &made) != nil || len(made) != 1 || made[0].Type != "booking.created" {
			t.Fatalf("deliveries after a booking: %d %s", resp.StatusCode, body)
		}
		again := fmt.Sprintf("%s/deliveries/%d/redeliver", path, made[0].ID)
		if resp, body = e.do("POST", again, nil, auth...); resp.StatusCode != 202 || !strings.Contains(string(body), made[0].EventID) {
			t.Fatalf("send again: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", path+"/deliveries", nil, auth...); resp.StatusCode != 200 || json.Unmarshal(body, &made) != nil || len(made) != 2 || made[0].EventID != made[1].EventID {
			t.Fatalf("deliveries after sending again: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("DELETE", path, nil, auth...); resp.StatusCode != 204 || count() != 0 {
			t.Fatalf("delete: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", path, nil, auth...); resp.StatusCode != 404 {
			t.Fatalf("read a deleted endpoint: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("DELETE", path, nil, auth...); resp.StatusCode != 404 {
			t.Fatalf("delete a deleted endpoint: %d %s", resp.StatusCode, body)
		}
	})
}
