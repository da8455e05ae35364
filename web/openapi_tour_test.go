package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// TestOpenAPITour sends a good and a bad request to every operation of the
// OpenAPI document, each answer validated against it (env.do checks every
// answer: its status documented for the operation, its body the status's
// schema with no field left undescribed, and every request the server took
// one the document allows). The package's TestMain then checks that every
// operation answered a success and an error.
func TestOpenAPITour(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	admin := bearer(e.adminToken())
	clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
	// good sends a request that must succeed, bad one that must be refused;
	// both answer the body.
	good := func(method, path string, body any, headers ...string) []byte {
		t.Helper()
		resp, out := e.do(method, path, body, headers...)
		if resp.StatusCode >= 400 {
			t.Fatalf("%s %s: %d %s, want a success", method, path, resp.StatusCode, out)
		}
		return out
	}
	bad := func(method, path string, body any, headers ...string) {
		t.Helper()
		if resp, out := e.do(method, path, body, headers...); resp.StatusCode < 400 {
			t.Fatalf("%s %s: %d %s, want it refused", method, path, resp.StatusCode, out)
		}
	}
	idOf := func(body []byte) int64 {
		t.Helper()
		var v struct{ ID int64 }
		if err := json.Unmarshal(body, &v); err != nil || v.ID == 0 {
			t.Fatalf("no id in %s", body)
		}
		return v.ID
	}
	deps, err := e.offices.Departments(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	dep, svc := deps[0], deps[0].Services[0]

	// The administrator's objects: create, read, list, change, delete, each
	// also refused.
	for _, r := range []struct {
		name          string
		create, patch any
	}{
		{"departments", map[string]any{"name": "Wydział Turystyczny", "ticket_prefix": "T"}, map[string]any{"name": "Wydział Wycieczek"}},
		{"services", map[string]any{"department_id": dep.ID, "name": "Sprawa wycieczkowa"}, map[string]any{"capacity": 2}},
		{"closures", map[string]any{"starts_on": e.week.Date(40), "reason": "wycieczka"}, map[string]any{"reason": "inna"}},
		{"counters", map[string]any{"department_id": dep.ID, "name": "Stanowisko wycieczkowe", "service_ids": []int64{svc.ID}}, map[string]any{"name": "Stanowisko 99"}},
		{"users", map[string]any{"username": "wycieczka", "password": "wycieczka-haslo-1", "role": "clerk"}, map[string]any{"display_name": "Wycieczka"}},
		{"displays", map[string]any{"name": "Tablica wycieczkowa"}, map[string]any{"lang": "en"}},
		{"kiosks", map[string]any{"name": "Biletomat wycieczkowy", "printer": map[string]any{"uri": "none"}}, map[string]any{"name": "Biletomat 9"}},
	} {
		base := "/api/v1/admin/" + r.name
		id := idOf(good("POST", base, r.create, admin...))
		bad("POST", base, `{"nothing":1}`, admin...)
		one := fmt.Sprintf("%s/%d", base, id)
		good("GET", one, nil, admin...)
		bad("GET", base+"/999999", nil, admin...)
		good("GET", base, nil, admin...)
		bad("GET", base, nil)
		good("PATCH", one, r.patch, admin...)
		bad("PATCH", one, `{"nothing":1}`, admin...)
		if r.name == "displays" {
			good("GET", fmt.Sprintf("/api/v1/displays/%d", id), nil)
			bad("GET", "/api/v1/displays/999999", nil)
		}
		if r.name == "kiosks" {
			good("POST", one+"/test-print", nil, admin...)
			bad("POST", base+"/999999/test-print", nil, admin...)
			good("GET", one+"/jobs", nil, admin...)
			bad("GET", base+"/999999/jobs", nil, admin...)
		}
		good("DELETE", one, nil, admin...)
		bad("DELETE", one, nil, admin...)
	}

	// Form templates of a matter.
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	_ = w.WriteField("title", "Wniosek")
	fw, _ := w.CreateFormFile("file", "wniosek.pdf")
	_, _ = fw.Write(samplePDF("tour"))
	_ = w.Close()
	atts := fmt.Sprintf("/api/v1/admin/services/%d/attachments", svc.ID)
	att := idOf(good("POST", atts, form.Bytes(), append([]string{"Content-Type", w.FormDataContentType()}, admin...)...))
	good("GET", atts, nil, admin...)
	bad("GET", "/api/v1/admin/services/999999/attachments", nil, admin...)
	good("DELETE", fmt.Sprintf("/api/v1/admin/attachments/%d", att), nil, admin...)
	bad("DELETE", fmt.Sprintf("/api/v1/admin/attachments/%d", att), nil, admin...)

	// The rest of the administrator's API.
	good("GET", "/api/v1/admin/holidays?year=2030", nil, admin...)
	bad("GET", "/api/v1/admin/holidays?year=soon", nil, admin...)
	good("GET", "/api/v1/admin/audit", nil, admin...)
	bad("GET", "/api/v1/admin/audit", nil, clerk...)

	// A visit: booked, its calendar file, its status.
	serviceID, slot := e.firstFreeSlot()
	b := e.bookOne(serviceID, slot.Start, validPESEL)
	good("GET", "/api/v1/bookings/"+b.Code+"/calendar.ics", nil)
	bad("GET", "/api/v1/bookings/NOT-A-CODE!/calendar.ics", nil)
	good("POST", "/api/v1/bookings/"+b.Code+"/reschedule", map[string]any{"pesel": validPESEL, "start": e.week.At(2, 11, 0).Format(time.RFC3339)})
	bad("POST", "/api/v1/bookings/"+b.Code+"/reschedule", map[string]any{"pesel": validPESEL, "start": e.week.At(2, 11, 7).Format(time.RFC3339)})

	// The queue: a clerk at a counter, tickets called, returned,
	// transferred, reprinted, previewed; the kiosk prints on a fake printer.
	kioskList := good("GET", "/api/v1/admin/kiosks", nil, admin...)
	var kiosks []struct{ ID int64 }
	if err := json.Unmarshal(kioskList, &kiosks); err != nil || len(kiosks) == 0 {
		t.Fatalf("kiosks: %s", kioskList)
	}
	good("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", kiosks[0].ID), map[string]any{"printer": map[string]any{"uri": printertest.Start(t).URI()}}, admin...)
	counter := e.counterOf("Stanowisko 1")
	cpath := fmt.Sprintf("/api/v1/counters/%d", counter.ID)
	good("GET", "/api/v1/counters", nil, clerk...)
	bad("GET", "/api/v1/counters", nil)
	good("POST", cpath+"/open", nil, clerk...)
	good("GET", cpath+"/queue", nil, clerk...)
	bad("GET", "/api/v1/counters/999999/queue", nil, clerk...)
	first, _, publicID := e.issueTicket(counter.ServiceIDs[0])
	second, _, _ := e.issueTicket(counter.ServiceIDs[0])
	good("GET", "/api/v1/tickets/"+publicID, nil)
	bad("GET", "/api/v1/tickets/nobody-has-this", nil)
	good("POST", cpath+"/call", map[string]any{"ticket_id": second}, clerk...)
	bad("POST", cpath+"/call", map[string]any{"ticket_id": 0}, clerk...)
	good("POST", fmt.Sprintf("/api/v1/tickets/%d/return", second), nil, clerk...)
	bad("POST", fmt.Sprintf("/api/v1/tickets/%d/return", second), nil, clerk...)
	good("POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", first), map[string]any{"service_id": counter.ServiceIDs[len(counter.ServiceIDs)-1]}, clerk...)
	bad("POST", fmt.Sprintf("/api/v1/tickets/%d/transfer", first), map[string]any{"service_id": 999999}, clerk...)
	good("POST", fmt.Sprintf("/api/v1/tickets/%d/reprint", first), nil, clerk...)
	bad("POST", "/api/v1/tickets/999999/reprint", nil, clerk...)
	good("GET", fmt.Sprintf("/api/v1/admin/tickets/%d/preview.png", first), nil, admin...)
	bad("GET", "/api/v1/admin/tickets/999999/preview.png", nil, admin...)
	var jobs []struct{ ID int64 }
	if err := json.Unmarshal(good("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d/jobs", kiosks[0].ID), nil, admin...), &jobs); err != nil || len(jobs) == 0 {
		t.Fatalf("no print job of kiosk %d", kiosks[0].ID)
	}
	good("GET", fmt.Sprintf("/api/v1/admin/print-jobs/%d/preview.png", jobs[0].ID), nil, admin...)
	bad("GET", "/api/v1/admin/print-jobs/999999/preview.png", nil, admin...)
	good("POST", fmt.Sprintf("/api/v1/admin/print-jobs/%d/reprint", jobs[0].ID), nil, admin...)
	bad("POST", "/api/v1/admin/print-jobs/999999/reprint", nil, admin...)
	good("POST", cpath+"/pause", nil, clerk...)
	good("POST", cpath+"/resume", nil, clerk...)
	bad("POST", cpath+"/resume", `{"now":true}`, clerk...)
	good("POST", cpath+"/close", nil, clerk...)
	bad("POST", "/api/v1/counters/999999/close", nil, clerk...)
	good("GET", "/api/v1/open-data/queues", nil)
	if !strings.Contains(string(good("GET", "/api/openapi.yaml", nil)), "openapi: 3.") {
		t.Fatal("the document does not say its version")
	}
	good("GET", "/metrics", nil)
}
