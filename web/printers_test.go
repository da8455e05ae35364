package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// printerOf points the demo kiosk's printer at uri and returns its id.
func (e *env) printerOf(uri string, admin []string) int64 {
	e.t.Helper()
	ks, err := e.srv.Kiosks.List(context.Background())
	if err != nil || len(ks) == 0 {
		e.t.Fatalf("kiosks: %v %v", ks, err)
	}
	resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": map[string]any{"uri": uri}}, admin...)
	if resp.StatusCode != 200 {
		e.t.Fatalf("set printer: %d %s", resp.StatusCode, body)
	}
	return ks[0].ID
}

type printerStatus struct {
	KioskID int64  `json:"kiosk_id"`
	Kiosk   string `json:"kiosk"`
	State   string `json:"state"`
	Alert   bool   `json:"alert"`
}

// A clerk follows the printers over /ws/printers: when the printer watch
// finds the paper out, the change arrives at once, naming the kiosk and
// the problem, as GET /api/v1/printers then answers; the public hall
// display's feed never carries it. The refill arrives too.
func TestPrinterSocket(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		base := e.listen()
		admin := bearer(e.adminToken())
		url := "ws" + strings.TrimPrefix(base, "http") + "/ws/printers"
		if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp.StatusCode != 401 {
			t.Fatalf("without a session: %v %v", err, resp)
		}
		if resp, _ := e.do("GET", "/api/v1/printers", nil); resp.StatusCode != 401 {
			t.Fatalf("GET /api/v1/printers without a session: %d", resp.StatusCode)
		}
		fake := printertest.Start(t)
		id := e.printerOf(fake.URI(), admin)
		clerk := e.login(e.creds.ClerkUser, e.creds.ClerkPassword)
		c := e.dial(base, "/ws/printers", http.Header{"Cookie": {"okienko_session=" + clerk}})
		snap := c.next()
		if snap["type"] != "snapshot" || fmt.Sprint(snap["printers"]) != fmt.Sprintf("[map[alert:false checked_at:<nil> kiosk:Biletomat — hol główny kiosk_id:%d state:unknown]]", id) {
			t.Fatalf("snapshot %v", snap)
		}
		_, public := e.board.Subscribe(64)
		defer public.Close()

		fake.SetPaperOut(true)
		if _, err := e.srv.Kiosks.CheckPrinters(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := c.until("printers")
		b, _ := json.Marshal(m["printers"])
		var ps []printerStatus
		if err := json.Unmarshal(b, &ps); err != nil || len(ps) != 1 || ps[0] != (printerStatus{id, "Biletomat — hol główny", "paper_out", true}) {
			t.Fatalf("printers update %s", b)
		}
		// The staff's feed and the public one are sent to together: the
		// hall display got nothing.
		select {
		case msg := <-public.C:
			t.Fatalf("the hall display got %s", msg)
		default:
		}
		resp, body := e.do("GET", "/api/v1/printers", nil, bearer(clerk)...)
		var got []printerStatus
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || len(got) != 1 || got[0] != ps[0] {
			t.Fatalf("GET /api/v1/printers: %d %s", resp.StatusCode, body)
		}

		fake.Refill()
		if _, err := e.srv.Kiosks.CheckPrinters(context.Background()); err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(c.until("printers")["printers"])
		if err := json.Unmarshal(b, &ps); err != nil || len(ps) != 1 || ps[0].State != "ok" || ps[0].Alert {
			t.Fatalf("after the refill %s", b)
		}
	})
}

// The administrator sets the address told of printer problems: a bare
// address or nothing; anything else is 422 naming alerts_email, another
// field 400 naming it. Clerks can't.
func TestAdminOfficeSettings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		resp, body := e.do("GET", "/api/v1/admin/office", nil, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"alerts_email":""`) {
			t.Fatalf("read: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", "/api/v1/admin/office", map[string]any{"alerts_email": " Sekretariat@URZAD.example.pl "}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"alerts_email":"Sekretariat@urzad.example.pl"`) {
			t.Fatalf("set: %d %s", resp.StatusCode, body)
		}
		for _, tc := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"alerts_email":"sekretariat"}`, 422, "alerts_email"},
			{`{"alerts_email":"Sekretariat <s@urzad.example.pl>"}`, 422, "alerts_email"},
			{`{"alerts_email":"s@urzad.example.pl","name":"X"}`, 400, "name"},
		} {
			resp, body := e.do("PATCH", "/api/v1/admin/office", tc.body, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode != tc.status || p.Errors[tc.field] == "" {
				t.Fatalf("%s: %d %s", tc.body, resp.StatusCode, body)
			}
		}
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, _ := e.do("PATCH", "/api/v1/admin/office", map[string]any{"alerts_email": ""}, clerk...); resp.StatusCode != 403 {
			t.Fatalf("a clerk: %d", resp.StatusCode)
		}
		if resp, _ := e.do("GET", "/api/v1/admin/office", nil); resp.StatusCode != 401 {
			t.Fatalf("nobody: %d", resp.StatusCode)
		}
		resp, body = e.do("PATCH", "/api/v1/admin/office", map[string]any{"alerts_email": ""}, admin...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"alerts_email":""`) {
			t.Fatalf("cleared: %d %s", resp.StatusCode, body)
		}
	})
}
