package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office"
)

// The administrator writes a department's and a matter's names, description
// and instructions per language and the matter's keywords: they are stored,
// read back by the admin and the public API, and a PATCH of one language
// leaves the others as they were.
func TestAdminWritesCatalogPerLanguage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		auth := bearer(e.adminToken())

		resp, body := e.do("POST", "/api/v1/admin/departments", map[string]any{
			"name": "Parkowanie", "name_en": "Parking", "name_uk": "Паркування", "ticket_prefix": "Q",
		}, auth...)
		if resp.StatusCode != 201 {
			t.Fatalf("create department: %d %s", resp.StatusCode, body)
		}
		var dep struct {
			ID     int64  `json:"id"`
			NameEN string `json:"name_en"`
			NameUK string `json:"name_uk"`
		}
		mustJSON(t, body, &dep)
		if dep.NameEN != "Parking" || dep.NameUK != "Паркування" {
			t.Errorf("department answered %s", body)
		}

		resp, body = e.do("POST", "/api/v1/admin/services", map[string]any{
			"department_id": dep.ID, "name": "Karta parkingowa mieszkańca",
			"name_en": "  Resident parking card ", "description_en": "A card for residents.",
			"instructions_uk": "Візьміть посвідчення особи.", "keywords": "abonament, parking",
		}, auth...)
		if resp.StatusCode != 201 {
			t.Fatalf("create service: %d %s", resp.StatusCode, body)
		}
		var svc map[string]any
		mustJSON(t, body, &svc)
		id := int64(svc["id"].(float64))
		path := fmt.Sprintf("/api/v1/admin/services/%d", id)

		resp, body = e.do("PATCH", path, map[string]any{"name_uk": "Паркувальна картка мешканця"}, auth...)
		if resp.StatusCode != 200 {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		for _, p := range []string{path, fmt.Sprintf("/api/v1/services/%d", id)} {
			resp, body = e.do("GET", p, nil, auth...)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d %s", p, resp.StatusCode, body)
			}
			var got map[string]any
			mustJSON(t, body, &got)
			for k, want := range map[string]string{
				"name": "Karta parkingowa mieszkańca", "name_en": "Resident parking card",
				"name_uk": "Паркувальна картка мешканця", "description_en": "A card for residents.",
				"description_uk": "", "instructions_uk": "Візьміть посвідчення особи.", "keywords": "abonament, parking",
			} {
				if got[k] != want {
					t.Errorf("GET %s: %s = %q, want %q", p, k, got[k], want)
				}
			}
		}
		// The site finds it by its keyword, in English under its English name.
		_, page := e.site().get("/?lang=en&q=abonament")
		if !strings.Contains(page, `lang="en">Resident parking card</a>`) {
			t.Errorf("the English search page does not show the English name: %s", page)
		}
	})
}

func mustJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// The kiosk's printed ticket, its answer, the ticket page and the hall
// display carry the matter's and department's names in the visitor's
// language, Polish standing in where the office wrote none.
func TestPublicSurfacesSpeakTheVisitorsLanguage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		svc := e.serviceNamed("Odbiór dowodu osobistego")
		fake := printertest.Start(t)
		resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
		var ks []struct {
			ID int64 `json:"id"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
			t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": map[string]any{"uri": fake.URI(), "paper_mm": 80, "code_table": 18, "qr": "native", "cutter": true}}, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("set printer: %d %s", resp.StatusCode, body)
		}

		// The kiosk in English: the printed ticket and the answer.
		resp, body = e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc.ID, "lang": "en"}, bearer(e.creds.KioskToken)...)
		if resp.StatusCode != 201 {
			t.Fatalf("ticket: %d %s", resp.StatusCode, body)
		}
		printed := string(fake.Received())
		if !strings.Contains(printed, "Collecting an ID card") || !strings.Contains(printed, "ID cards") || strings.Contains(printed, "Odbi") {
			t.Errorf("the English ticket does not name the matter and department in English: %q", printed)
		}
		var issued struct {
			Ticket struct {
				PublicID     string            `json:"public_id"`
				Service      string            `json:"service"`
				ServiceNames map[string]string `json:"service_names"`
			} `json:"ticket"`
		}
		mustJSON(t, body, &issued)
		want := map[string]string{"pl": svc.Name, "en": "Collecting an ID card", "uk": "Отримання посвідчення особи (dowód osobisty)"}
		if issued.Ticket.Service != svc.Name || fmt.Sprint(issued.Ticket.ServiceNames) != fmt.Sprint(want) {
			t.Errorf("the ticket answers service %q, names %v; want %q, %v", issued.Ticket.Service, issued.Ticket.ServiceNames, svc.Name, want)
		}

		// The ticket page in each language.
		page := "/t/" + issued.Ticket.PublicID
		for lang, name := range want {
			_, body := e.site().get(page + "?lang=" + lang)
			if !strings.Contains(body, `<span id="service">`+name+`</span>`) {
				t.Errorf("the ticket page in %s does not name the matter %q", lang, name)
			}
		}

		// The hall display's snapshot carries the departments' names in
		// every language the office wrote.
		c := e.dial(e.listen(), "/ws/display", nil)
		snap := c.until("snapshot")
		var found bool
		for _, d := range snap["departments"].([]any) {
			d := d.(map[string]any)
			if d["name"] == "Dowody osobiste" {
				found = d["name_en"] == "ID cards" && d["name_uk"] == "Посвідчення особи (dowody osobiste)"
			}
		}
		if !found {
			t.Errorf("the display snapshot lacks the translated names: %v", snap["departments"])
		}

		// Without an English name the page says the Polish one, marked as
		// Polish (WCAG 3.1.2).
		if _, err := e.offices.UpdateService(t.Context(), svc.ID, func(s *office.ServiceSpec) error { s.NameEN = ""; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, body := e.site().get(page + "?lang=en"); !strings.Contains(body, `<span id="service" lang="pl">`+svc.Name+`</span>`) {
			t.Errorf("the English ticket page does not fall back to the Polish name")
		}
	})
}
