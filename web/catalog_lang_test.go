package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
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
