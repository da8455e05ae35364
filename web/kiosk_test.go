package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

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

// The printed ticket is in the language the visitor chose at the kiosk:
// the labels and the note; Ukrainian in Latin letters (the printer has no
// Cyrillic). Another language is refused, naming lang, with no ticket.
func TestKioskTicketLanguage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		kioskTok := bearer(e.creds.KioskToken)
		fake := printertest.Start(t)
		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct{ ID int64 }
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": map[string]any{"uri": fake.URI()}}, admin...); resp.StatusCode != 200 {
			t.Fatalf("set printer: %d %s", resp.StatusCode, body)
		}
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		for i, tc := range []struct {
			lang      string
			want, not []string
		}{
			{"", []string{"Twój numer", "Śledź kolejkę w telefonie: zeskanuj kod QR."}, []string{"Your number"}},
			{"en", []string{"Your number", "Ahead of you:", "Follow the queue on your phone: scan the QR code."}, []string{"Twój numer", "Śledź"}},
			{"uk", []string{"Vash nomer", "Pered vamy:", "Stezhte za cherhoiu v telefoni: skanuite QR-kod."}, []string{"Twój numer", "Śledź"}},
			{"pl", []string{"Twój numer", "Przed Tobą:"}, []string{"Your number"}},
		} {
			req := map[string]any{"service_id": svc}
			if tc.lang != "" {
				req["lang"] = tc.lang
			}
			resp, body := e.do("POST", "/api/v1/kiosk/tickets", req, kioskTok...)
			if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"printed"}`) {
				t.Fatalf("%q: %d %s", tc.lang, resp.StatusCode, body)
			}
			jobs := fake.Jobs()
			if len(jobs) != i+1 {
				t.Fatalf("%q: %d jobs", tc.lang, len(jobs))
			}
			text := escpos.Decode(jobs[i], escpos.CodeTablePC852)
			flat := strings.Join(strings.Fields(text), " ")
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("%q: no %q in\n%s", tc.lang, w, text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(flat, w) {
					t.Errorf("%q: %q in\n%s", tc.lang, w, text)
				}
			}
			if strings.ContainsAny(text, "?\x1a\ufffd") || strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
				t.Errorf("%q: unprintable or Cyrillic text in\n%s", tc.lang, text)
			}
		}
		for _, tc := range []struct{ path, body string }{
			{"/api/v1/kiosk/tickets", fmt.Sprintf(`{"service_id":%d,"lang":"de"}`, svc)},
			{"/api/v1/kiosk/checkin", `{"code":"ABC-234","lang":"PL"}`},
		} {
			resp, body := e.do("POST", tc.path, tc.body, kioskTok...)
			if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["lang"] == "" {
				t.Errorf("%s: %d %s", tc.body, resp.StatusCode, body)
			}
		}
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"number":"B005"`) || len(fake.Jobs()) != 5 {
			t.Fatalf("after the refusals: %d %s, %d jobs", resp.StatusCode, body, len(fake.Jobs()))
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

// Printer profiles in the admin API: the presets, a kiosk set to a TM-T88
// (42 columns, 512 dots) prints tickets and the test page that fit it, the
// preview is as wide as its paper, and every setting is checked, naming the
// field, with nothing written.
func TestAdminKioskPrinterProfile(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		kioskTok := bearer(e.creds.KioskToken)
		fake := printertest.Start(t)
		if resp, _ := e.do("GET", "/api/v1/admin/printer-presets", nil); resp.StatusCode != 401 {
			t.Fatalf("presets without signing in: %d", resp.StatusCode)
		}
		resp, body := e.do("GET", "/api/v1/admin/printer-presets", nil, admin...)
		var presets []struct {
			ID      string         `json:"id"`
			Printer map[string]any `json:"printer"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &presets) != nil || len(presets) != 3 || presets[1].ID != "tm-t88" {
			t.Fatalf("presets: %d %s", resp.StatusCode, body)
		}
		tmt88 := presets[1].Printer
		tmt88["uri"] = fake.URI()

		resp, body = e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct{ ID int64 }
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		path := fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID)
		resp, body = e.do("PATCH", path, map[string]any{"printer": tmt88}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"columns":42,"dots":512`) {
			t.Fatalf("set a TM-T88: %d %s", resp.StatusCode, body)
		}
		p := escpos.Presets[1].Profile
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"printed"}`) {
			t.Fatalf("ticket: %d %s", resp.StatusCode, body)
		}
		var issued struct{ Ticket struct{ ID int64 } }
		_ = json.Unmarshal(body, &issued)
		resp, body = e.do("POST", path+"/test-print", nil, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"printed"`) {
			t.Fatalf("test page: %d %s", resp.StatusCode, body)
		}
		jobs := fake.Jobs()
		if len(jobs) != 2 {
			t.Fatalf("%d jobs", len(jobs))
		}
		for i, job := range jobs {
			for _, l := range strings.Split(escpos.DecodeProfile(job, p), "\n") {
				if n := utf8.RuneCountInString(l); n > 42 {
					t.Errorf("job %d: line %q has %d columns", i, l, n)
				}
			}
			if !bytes.Contains(job, []byte{0x1d, 'v', '0', 0, 512 / 8, 0}) {
				t.Errorf("job %d: no image 512 dots wide", i)
			}
		}
		if text := escpos.DecodeProfile(jobs[1], p); !strings.Contains(text, "123456789|123456789|123456789|123456789|12\n") {
			t.Errorf("the test page has no ruler of 42 columns:\n%s", text)
		}
		for _, lang := range []string{"en", "pl"} {
			resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/tickets/%d/preview.png?lang=%s", issued.Ticket.ID, lang), nil, admin...)
			if img, err := png.Decode(bytes.NewReader(body)); resp.StatusCode != 200 || err != nil || img.Bounds().Dx() != 512 {
				t.Fatalf("preview %q: %d %v", lang, resp.StatusCode, err)
			}
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/tickets/%d/preview.png?lang=de", issued.Ticket.ID), nil, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["lang"] == "" {
			t.Fatalf("preview in German: %d %s", resp.StatusCode, body)
		}

		_, before := e.do("GET", path, nil, admin...)
		for _, tc := range []struct{ printer, field string }{
			{`{"uri":"tcp://127.0.0.1:99999"}`, "printer.uri"},
			{`{"uri":"tcp://127.0.0.1:0"}`, "printer.uri"},
			{`{"columns":23}`, "printer.columns"},
			{`{"columns":65}`, "printer.columns"},
			{`{"dots":840}`, "printer.dots"},
			{`{"dots":500}`, "printer.dots"},
			{`{"paper_mm":58}`, "printer.dots"}, // 512 dots set by hand do not fit 58 mm
			{`{"code_table":256}`, "printer.code_table"},
			{`{"charset":"cp437"}`, "printer.charset"},
			{`{"cut":"half"}`, "printer.cut"},
			{`{"cut":"full","cutter":false}`, "printer.cutter"},
			{`{"qr":"pdf417"}`, "printer.qr"},
		} {
			resp, body := e.do("PATCH", path, `{"printer":`+tc.printer+`}`, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors[tc.field] == "" || len(p.Errors) != 1 {
				t.Errorf("%s: %d %v", tc.printer, resp.StatusCode, p.Errors)
			}
		}
		for _, tc := range []struct{ printer, field string }{
			{`{"chinese_off":"yes"}`, "chinese_off"},
			{`{"status":1}`, "status"},
			{`{"columns":"42"}`, "columns"},
		} {
			resp, body := e.do("PATCH", path, `{"printer":`+tc.printer+`}`, admin...)
			if resp.StatusCode != 400 && resp.StatusCode != 422 || !strings.Contains(string(body), tc.field) {
				t.Errorf("%s: %d %s", tc.printer, resp.StatusCode, body)
			}
		}
		resp, body = e.do("POST", "/api/v1/admin/kiosks", `{"name":"X","printer":{"uri":"tcp://192.0.2.1:65536"}}`, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["printer.uri"] == "" {
			t.Errorf("create with port 65536: %d %v", resp.StatusCode, p.Errors)
		}
		if _, after := e.do("GET", path, nil, admin...); !bytes.Equal(before, after) {
			t.Errorf("refused changes wrote:\n%s\nnow\n%s", before, after)
		}

		// A clone's settings: FS . at the start, no cut command, status not asked.
		clone := presets[2].Printer
		clone["uri"], clone["status"] = fake.URI(), false
		if resp, body := e.do("PATCH", path, map[string]any{"printer": clone}, admin...); resp.StatusCode != 200 {
			t.Fatalf("set a clone: %d %s", resp.StatusCode, body)
		}
		fake.SetMute(true)
		asked := len(fake.Asked())
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"printed"}`) {
			t.Fatalf("ticket on a mute clone: %d %s", resp.StatusCode, body)
		}
		// Written without a status question after it, the job may still be
		// on its way; it ends with the feed to the tear bar.
		var last []byte
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if jobs = fake.Jobs(); len(jobs) == 3 && bytes.Contains(jobs[2][max(0, len(jobs[2])-3):], []byte{0x1b, 'd'}) {
				last = jobs[2]
				break
			}
		}
		if !bytes.HasPrefix(last, []byte{0x1b, '@', 0x1c, '.', 0x1b, 't', 18}) || bytes.Contains(last, []byte{0x1d, 'V'}) || len(fake.Asked()) != asked {
			t.Errorf("clone job % x…, asked %d status questions; want FS ., no cut, none asked", last[:min(len(last), 8)], len(fake.Asked())-asked)
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

// A duplicate is printed in the language the visitor chose when the ticket
// was first printed, and for the kiosk's printer profile: on a TM-T88 (42
// columns, raster QR on 512 dots) a ticket printed in Ukrainian is
// reprinted by the clerk as DUBLIKAT in Latin letters, every line within 42
// columns; both jobs keep the language, the admin's list shows it.
func TestReprintKeepsLanguageAndProfile(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		fake := printertest.Start(t)
		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct{ ID int64 }
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		pr := escpos.Presets[1]
		p := pr.Profile
		if pr.ID != "tm-t88" {
			t.Fatalf("preset 1 is %s", pr.ID)
		}
		printer := map[string]any{"uri": fake.URI(), "paper_mm": p.PaperMM, "columns": p.Columns, "dots": p.Dots,
			"code_table": p.CodeTable, "charset": p.Charset, "qr": p.QR, "cut": p.Cut, "chinese_off": p.ChineseOff, "status": true}
		if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": printer}, admin...); resp.StatusCode != 200 {
			t.Fatalf("set a TM-T88: %d %s", resp.StatusCode, body)
		}
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc, "lang": "uk"}, bearer(e.creds.KioskToken)...)
		var issued struct{ Ticket struct{ ID int64 } }
		if resp.StatusCode != 201 || json.Unmarshal(body, &issued) != nil || !strings.Contains(string(body), `"print":{"state":"printed"}`) {
			t.Fatalf("ticket in Ukrainian: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/reprint", issued.Ticket.ID), nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"printed"`) {
			t.Fatalf("reprint: %d %s", resp.StatusCode, body)
		}
		jobs := fake.Jobs()
		if len(jobs) != 2 {
			t.Fatalf("%d jobs", len(jobs))
		}
		text := escpos.DecodeProfile(jobs[1], p)
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range []string{"DUBLIKAT", "Vash nomer", "Vydano:", "Dublikat:", "Pered vamy:"} {
			if !strings.Contains(flat, w) {
				t.Errorf("the duplicate lacks %q:\n%s", w, text)
			}
		}
		for _, w := range []string{"DUPLIKAT", "Twój numer", "Wydano"} {
			if strings.Contains(flat, w) {
				t.Errorf("the duplicate has the Polish %q:\n%s", w, text)
			}
		}
		for _, l := range strings.Split(text, "\n") {
			if n := utf8.RuneCountInString(l); n > p.Columns {
				t.Errorf("line %q has %d columns; the TM-T88 has %d", l, n, p.Columns)
			}
		}
		if !bytes.Contains(jobs[1], []byte{0x1d, 'v', '0', 0, byte(p.Dots / 8), 0}) {
			t.Errorf("the duplicate has no QR image %d dots wide", p.Dots)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d/jobs", ks[0].ID), nil, admin...)
		var list []struct {
			Lang      string `json:"lang"`
			ReprintOf *int64 `json:"reprint_of"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list) != 2 || list[0].ReprintOf == nil ||
			list[0].Lang != "uk" || list[1].Lang != "uk" {
			t.Fatalf("jobs: %d %s", resp.StatusCode, body)
		}
	})
}
