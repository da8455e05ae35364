package web_test

import (
	"context"
	"encoding/json"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

func TestAdminOutboxList(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		now := e.week.At(0, 8, 0)
		for _, k := range []string{"booking:1:confirmation:email", "booking:1:confirmation:sms"} {
			ch := outbox.Email
			if k[len(k)-3:] == "sms" {
				ch = outbox.SMS
			}
			if _, err := outbox.Enqueue(context.Background(), db, now, outbox.Message{Key: k, Channel: ch, Kind: outbox.Confirmation}, nil); err != nil {
				t.Fatal(err)
			}
		}
		db.Model(&outbox.Message{}).Where("channel = ?", outbox.SMS).Updates(map[string]any{"state": outbox.Sent, "recipient": "+48******456"})
		auth := bearer(e.adminToken())
		resp, body := e.do("GET", "/api/v1/admin/outbox?state=sent", nil, auth...)
		var got []outbox.Message
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || len(got) != 1 || got[0].Key != "booking:1:confirmation:sms" || got[0].Recipient != "+48******456" {
			t.Fatalf("sent: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", "/api/v1/admin/outbox", nil, auth...)
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || len(got) != 2 {
			t.Fatalf("all: %d %s", resp.StatusCode, body)
		}
		if resp, body = e.do("GET", "/api/v1/admin/outbox?state=lost", nil, auth...); resp.StatusCode != 422 {
			t.Fatalf("bad state: %d %s", resp.StatusCode, body)
		}
		if resp, _ = e.do("GET", "/api/v1/admin/outbox", nil); resp.StatusCode != 401 {
			t.Fatalf("without a token: %d", resp.StatusCode)
		}
	})
}
