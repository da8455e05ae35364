package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office/officetest"
)

// The demo kiosk prints on a fake printer: printed; paper out → failed with
// the reason, the ticket still issued, the kiosk reports paper out; a
// reprint after the refill prints exactly once; the admin sees a preview.
func TestKioskPrinting(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		kioskTok := bearer(e.creds.KioskToken)
		fake := printertest.Start(t)

		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 || ks[0].Token != "" {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		kid := ks[0].ID
		resp, body = e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", kid), map[string]any{"printer": map[string]any{"uri": fake.URI(), "paper_mm": 80, "code_table": 18, "qr": "native", "cutter": true}}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), fake.URI()) {
			t.Fatalf("set printer: %d %s", resp.StatusCode, body)
		}
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"printed"}`) || fake.Printed() != 1 {
			t.Fatalf("printed ticket: %d %s (printer got %d)", resp.StatusCode, body, fake.Printed())
		}
		if !bytes.Contains(fake.Received(), []byte("B001")) {
			t.Fatalf("the printer did not get the number")
		}

		fake.SetPaperOut(true)
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"failed","reason":"paper_out"}`) || !strings.Contains(string(body), `"number":"B002"`) {
			t.Fatalf("paper out: %d %s", resp.StatusCode, body)
		}
		var issued struct{ Ticket struct{ ID int64 } }
		_ = json.Unmarshal(body, &issued)
		resp, body = e.do("GET", "/api/v1/kiosk/me", nil, kioskTok...)
		if !strings.Contains(string(body), `"printer_state":"paper_out"`) {
			t.Fatalf("kiosk/me: %s", body)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", kid), nil, admin...)
		if !strings.Contains(string(body), `"printer_state":"paper_out"`) {
			t.Fatalf("admin kiosk: %s", body)
		}

		fake.Refill()
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/reprint", issued.Ticket.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"printed"`) || fake.Printed() != 2 {
			t.Fatalf("reprint: %d %s (printer got %d)", resp.StatusCode, body, fake.Printed())
		}

		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d/jobs", kid), nil, admin...)
		var jobs []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		}
		// The reprint is a job of its own; the paper-out job stays failed.
		if resp.StatusCode != 200 || json.Unmarshal(body, &jobs) != nil || len(jobs) != 3 ||
			jobs[0].State != "done" || jobs[1].State != "failed" || jobs[2].State != "done" {
			t.Fatalf("jobs: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/print-jobs/%d/preview.png", jobs[0].ID), nil, admin...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("preview: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader(body))
		if err != nil || img.Bounds().Dx() != 576 {
			t.Fatalf("preview image: %v %v", err, img)
		}
		// Any ticket can be previewed, also one never printed.
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/tickets/%d/preview.png", issued.Ticket.ID), nil, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("ticket preview: %d %s", resp.StatusCode, body)
		}
		if img, err := png.Decode(bytes.NewReader(body)); err != nil || img.Bounds().Dy() < 200 {
			t.Fatalf("ticket preview image: %v", err)
		}
	})
}

func TestAdminKiosks(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat II piętro", "printer": map[string]any{"uri": "tcp://192.0.2.10:9100", "paper_mm": 58, "code_table": 45, "qr": "raster", "cutter": false}}, admin...)
		var k struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil || len(k.Token) < 40 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...)
		if strings.Contains(string(body), k.Token) || !strings.Contains(string(body), `"paper_mm":58`) || !strings.Contains(string(body), `"printer_state":"unknown"`) {
			t.Fatalf("read back: %s", body)
		}
		// The token works once, from now on.
		if resp, _ := e.do("GET", "/api/v1/kiosk/me", nil, bearer(k.Token)...); resp.StatusCode != 200 {
			t.Fatalf("the new kiosk's token: %d", resp.StatusCode)
		}
		for _, tc := range []struct{ body, field string }{
			{`{"name":"X","printer":{"uri":"lpt1"}}`, "printer.uri"},
			{`{"name":"X","printer":{"paper_mm":76}}`, "printer.paper_mm"},
			{`{"name":"","printer":{}}`, "name"},
		} {
			resp, body := e.do("POST", "/api/v1/admin/kiosks", tc.body, admin...)
			p := problemOf(t, resp, body)
			if resp.StatusCode != 422 || p.Errors[tc.field] == "" {
				t.Fatalf("%s: %d %v", tc.body, resp.StatusCode, p.Errors)
			}
		}
		if resp, _ := e.do("DELETE", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...); resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		if resp, _ := e.do("GET", "/api/v1/kiosk/me", nil, bearer(k.Token)...); resp.StatusCode != 401 {
			t.Fatalf("a deleted kiosk's token: %d", resp.StatusCode)
		}
	})
}

// A ticket whose print job was left sent when the server died: a reprint is
// refused while it may still be printing; once the retry job has found it
// abandoned it is unknown, never printed again by itself, and the clerk's
// reprint prints the ticket's duplicate: DUPLIKAT, the people ahead now,
// the reprint's time and the issue time.
func TestReprintAfterCrash(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		admin := bearer(e.adminToken())
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		fake := printertest.Start(t)
		ks, err := kiosk.NewStore(db, e.clock).List(ctx)
		if err != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %v %v", ks, err)
		}
		kid := ks[0].ID
		if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", kid), map[string]any{"printer": map[string]any{"uri": fake.URI()}}, admin...); resp.StatusCode != 200 {
			t.Fatalf("set printer: %d %s", resp.StatusCode, body)
		}
		counter := e.counterOf("Stanowisko 1")
		svc := counter.ServiceIDs[0]
		issued := e.clock.Now()
		first, _, _ := e.issueTicket(svc)
		second, number, _ := e.issueTicket(svc)
		// The server died printing the second ticket: its job stays sent.
		if err := db.Model(&kiosk.Job{}).Where("ticket_id = ?", second).
			Updates(map[string]any{"state": kiosk.JobSent, "done_at": nil}).Error; err != nil {
			t.Fatal(err)
		}
		reprint := fmt.Sprintf("/api/v1/tickets/%d/reprint", second)
		if resp, body := e.do("POST", reprint, nil, clerk...); resp.StatusCode != 409 {
			t.Fatalf("reprint while it may be printing: %d %s", resp.StatusCode, body)
		}
		// The first ticket is called: nobody is ahead of the second now.
		cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode >= 300 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", cpath+"/call", map[string]any{"ticket_id": first}, clerk...); resp.StatusCode >= 300 {
			t.Fatalf("call: %d %s", resp.StatusCode, body)
		}
		jobs := kiosk.NewStore(db, e.clock)
		for range 3 {
			e.clock.Advance(time.Minute)
			if _, err := jobs.RetryFailed(ctx); err != nil {
				t.Fatal(err)
			}
		}
		j, err := jobs.JobOf(ctx, second)
		if err != nil || j.State != kiosk.JobUnknown || j.Reason != kiosk.ReasonAbandoned {
			t.Fatalf("the job left sent: %+v %v", j, err)
		}
		if fake.Printed() != 2 {
			t.Fatalf("printed %d, want the two tickets once each", fake.Printed())
		}
		resp, body := e.do("POST", reprint, nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"printed"`) || fake.Printed() != 3 {
			t.Fatalf("reprint: %d %s, printed %d", resp.StatusCode, body, fake.Printed())
		}
		all := fake.Jobs()
		text := escpos.Decode(all[len(all)-1], 18)
		loc := officetest.Warsaw
		for _, want := range []string{"DUPLIKAT", number, "Przed Tobą: 0 osób",
			"Wydano: " + issued.In(loc).Format("02.01.2006 15:04"), "Duplikat: " + e.clock.Now().In(loc).Format("02.01.2006 15:04")} {
			if !strings.Contains(text, want) {
				t.Errorf("the duplicate lacks %q:\n%s", want, text)
			}
		}
		if n := strings.Count(escpos.Decode(fake.Received(), 18), "DUPLIKAT"); n != 1 {
			t.Errorf("%d tickets marked DUPLIKAT, want the reprint only", n)
		}
		// The admin's list shows both jobs as they are.
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d/jobs", kid), nil, admin...)
		var list []kiosk.Job
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list) != 3 || list[0].State != "done" ||
			list[0].ReprintOf == nil || *list[0].ReprintOf != j.ID || list[1].State != "unknown" || list[1].Reason != "abandoned" {
			t.Fatalf("jobs: %d %s", resp.StatusCode, body)
		}
	})
}

// max_job_age_minutes is set with the kiosk, read back, and refused
// outside 1 to 120 naming the field.
func TestKioskMaxJobAge(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("POST", "/api/v1/admin/kiosks", map[string]any{"name": "Biletomat 2", "printer": map[string]any{"uri": "agent"}, "max_job_age_minutes": 30}, admin...)
		var k struct {
			ID  int64 `json:"id"`
			Max int   `json:"max_job_age_minutes"`
		}
		if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil || k.Max != 30 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		for _, bad := range []any{0, 121, -5, "10"} {
			resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), map[string]any{"max_job_age_minutes": bad}, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode/100 != 4 || p.Errors["max_job_age_minutes"] == "" {
				t.Errorf("%v: %d %s", bad, resp.StatusCode, body)
			}
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", k.ID), nil, admin...)
		if !strings.Contains(string(body), `"max_job_age_minutes":30`) {
			t.Fatalf("read back: %s", body)
		}
	})
}
