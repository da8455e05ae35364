package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// A visit of two matters checks in at the kiosk as one ticket whose print
// lists both; the clerk sees the matter still to come, and sending the
// ticket onward to it leaves none.
func TestVisitCheckInAndClerk(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		kioskTok := bearer(e.creds.KioskToken)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		fake := printertest.Start(t)
		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct{ ID int64 }
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": map[string]any{"uri": fake.URI()}}, admin...); resp.StatusCode != 200 {
			t.Fatalf("set printer: %d %s", resp.StatusCode, body)
		}
		a, b := e.serviceNamed(visitFirst), e.serviceNamed(visitSecond)
		counter := e.counterOf("Stanowisko 1")
		if !slices.Contains(counter.ServiceIDs, a.ID) || !slices.Contains(counter.ServiceIDs, b.ID) {
			t.Fatalf("counter 1 serves %v, not both matters %d and %d", counter.ServiceIDs, a.ID, b.ID)
		}
		start := e.week.At(0, 11, 30)
		resp, body = e.do("POST", "/api/v1/bookings", visitBody(start, validPESEL, a.ID, b.ID))
		var booked struct{ Code string }
		if resp.StatusCode != 201 || json.Unmarshal(body, &booked) != nil {
			t.Fatalf("book: %d %s", resp.StatusCode, body)
		}
		e.clock.Set(e.week.At(0, 11, 10))
		resp, body = e.do("POST", "/api/v1/kiosk/checkin", map[string]any{"code": booked.Code}, kioskTok...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"print":{"state":"printed"}`) {
			t.Fatalf("check-in: %d %s", resp.StatusCode, body)
		}
		var n int64
		if err := db.Table("tickets").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d tickets after one check-in (%v), want 1", n, err)
		}
		jobs := fake.Jobs()
		if len(jobs) != 1 {
			t.Fatalf("%d print jobs", len(jobs))
		}
		flat := strings.Join(strings.Fields(escpos.Decode(jobs[0], escpos.CodeTablePC852)), " ")
		if !strings.Contains(flat, "Wymeldowanie") || !strings.Contains(flat, "+ "+visitSecond) {
			t.Fatalf("the printed ticket does not list both matters: %s", flat)
		}
		cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
		if resp, body := e.do("POST", cpath+"/open", nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		type ref struct {
			ServiceID int64  `json:"service_id"`
			Service   string `json:"service"`
		}
		var tk struct {
			ID        int64 `json:"id"`
			ServiceID int64 `json:"service_id"`
			Remaining []ref `json:"remaining"`
		}
		resp, body = e.do("POST", cpath+"/next", nil, clerk...)
		if resp.StatusCode != 200 || json.Unmarshal(body, &tk) != nil || tk.ServiceID != a.ID ||
			fmt.Sprint(tk.Remaining) != fmt.Sprint([]ref{{b.ID, visitSecond}}) {
			t.Fatalf("called: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", cpath+"/queue", nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"remaining":[{"service_id":`) {
			t.Fatalf("the clerk's queue shows no remaining matter: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", tk.ID), map[string]any{"service_id": b.ID}, clerk...)
		if resp.StatusCode != 200 || strings.Contains(string(body), `"remaining"`) || !strings.Contains(string(body), fmt.Sprintf(`"service_id":%d`, b.ID)) {
			t.Fatalf("onward: %d %s", resp.StatusCode, body)
		}
	})
}
