package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// snapshot is everything the admin API can change, to prove a request
// changed nothing.
func snapshot(t *testing.T, db *gorm.DB) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, table := range []string{"offices", "departments", "services", "closures", "counters", "counter_services", "users", "displays", "display_departments", "attachments", "audit_log"} {
		var rows []map[string]any
		if err := db.Table(table).Order("1").Find(&rows).Error; err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		b, _ := json.Marshal(rows)
		out[table] = string(b)
	}
	return out
}

func TestAdminBadInputChangesNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		tok := e.adminToken()
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil || len(deps) < 2 {
			t.Fatalf("departments: %v", err)
		}
		dep, other := deps[0], deps[1]
		svc := dep.Services[0]
		depPath := fmt.Sprintf("/api/v1/admin/departments/%d", dep.ID)
		svcPath := fmt.Sprintf("/api/v1/admin/services/%d", svc.ID)
		huge := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`

		cases := []struct {
			name, method, path string
			body               any
			ctype              string
			want               int
			field              string
			overHTTP           bool
		}{
			{"malformed JSON", "PATCH", svcPath, `{"slot_minutes": 20,`, "", 400, "", false},
			{"malformed JSON on create", "POST", "/api/v1/admin/services", `{"name":"A"`, "", 400, "", false},
			{"not an object", "PATCH", svcPath, `[1,2]`, "", 400, "", false},
			{"null body", "PATCH", svcPath, `null`, "", 400, "", false},
			{"two values", "PATCH", svcPath, `{"capacity":2}{"capacity":3}`, "", 400, "", false},
			{"unknown field", "PATCH", svcPath, `{"slot_minute": 20}`, "", 400, "slot_minute", false},
			{"unknown field on create", "POST", "/api/v1/admin/departments", `{"name":"X","ticket_prefix":"X","colour":"red"}`, "", 400, "colour", false},
			{"id is not writable", "PATCH", svcPath, `{"id": 99}`, "", 400, "id", false},
			{"wrong type", "PATCH", svcPath, `{"slot_minutes": "20"}`, "", 400, "slot_minutes", false},
			{"wrong type bool", "PATCH", svcPath, `{"capacity": true}`, "", 400, "capacity", false},
			{"fractional number", "PATCH", svcPath, `{"capacity": 1.5}`, "", 400, "capacity", false},
			{"slot_minutes 0", "PATCH", svcPath, `{"slot_minutes": 0}`, "", 422, "slot_minutes", false},
			{"slot_minutes 1000", "PATCH", svcPath, `{"slot_minutes": 1000}`, "", 422, "slot_minutes", false},
			{"slot_minutes 1000 on create", "POST", "/api/v1/admin/services", fmt.Sprintf(`{"department_id":%d,"name":"Nowa sprawa","slot_minutes":1000}`, dep.ID), "", 422, "slot_minutes", false},
			{"capacity 0", "PATCH", svcPath, `{"capacity": 0}`, "", 422, "capacity", false},
			{"negative lead", "PATCH", svcPath, `{"lead_minutes": -5}`, "", 422, "lead_minutes", false},
			{"service without name", "POST", "/api/v1/admin/services", fmt.Sprintf(`{"department_id":%d}`, dep.ID), "", 422, "name", false},
			{"service in unknown department", "POST", "/api/v1/admin/services", `{"department_id":999999,"name":"Sprawa"}`, "", 422, "department_id", false},
			{"overlapping hours", "PATCH", depPath, `{"hours":{"mon":[["08:00","12:00"],["11:00","16:00"]]}}`, "", 422, "hours.mon", false},
			{"25:00", "PATCH", depPath, `{"hours":{"tue":[["08:00","25:00"]]}}`, "", 422, "hours.tue", false},
			{"interval ends before it starts", "PATCH", depPath, `{"hours":{"wed":[["16:00","08:00"]]}}`, "", 422, "hours.wed", false},
			{"interval of three", "PATCH", depPath, `{"hours":{"thu":[["08:00","12:00","16:00"]]}}`, "", 422, "hours.thu", false},
			{"hours wrong type", "PATCH", depPath, `{"hours":{"fri":"08:00-16:00"}}`, "", 400, "hours.fri", false},
			{"unknown weekday", "PATCH", depPath, `{"hours":{"mnd":[]}}`, "", 400, "hours.mnd", false},
			{"duplicate prefix", "PATCH", depPath, fmt.Sprintf(`{"ticket_prefix":%q}`, other.TicketPrefix), "", 409, "ticket_prefix", false},
			{"duplicate prefix on create", "POST", "/api/v1/admin/departments", fmt.Sprintf(`{"name":"Nowy","ticket_prefix":%q}`, other.TicketPrefix), "", 409, "ticket_prefix", false},
			{"two-letter prefix", "PATCH", depPath, `{"ticket_prefix":"AB"}`, "", 422, "ticket_prefix", false},
			{"empty department name", "PATCH", depPath, `{"name":"   "}`, "", 422, "name", false},
			{"English department name too long", "PATCH", depPath, `{"name_en":"` + strings.Repeat("x", 201) + `"}`, "", 422, "name_en", false},
			{"Ukrainian department name not a string", "PATCH", depPath, `{"name_uk":7}`, "", 400, "name_uk", false},
			{"department with only an English name", "POST", "/api/v1/admin/departments", `{"name_en":"Parking","ticket_prefix":"Q"}`, "", 422, "name", false},
			{"service with only translated names", "POST", "/api/v1/admin/services", fmt.Sprintf(`{"department_id":%d,"name_en":"Parking","name_uk":"Паркування"}`, dep.ID), "", 422, "name", false},
			{"empty Polish name with an English one", "PATCH", svcPath, `{"name":"","name_en":"Parking"}`, "", 422, "name", false},
			{"Ukrainian name too long", "PATCH", svcPath, `{"name_uk":"` + strings.Repeat("ї", 201) + `"}`, "", 422, "name_uk", false},
			{"English description too long", "PATCH", svcPath, `{"description_en":"` + strings.Repeat("x", 4001) + `"}`, "", 422, "description_en", false},
			{"Ukrainian instructions too long", "PATCH", svcPath, `{"instructions_uk":"` + strings.Repeat("x", 20001) + `"}`, "", 422, "instructions_uk", false},
			{"keywords too long", "PATCH", svcPath, `{"keywords":"` + strings.Repeat("meldunek ", 120) + `"}`, "", 422, "keywords", false},
			{"keywords a list", "PATCH", svcPath, `{"keywords":["meldunek"]}`, "", 400, "keywords", false},
			{"unknown language", "PATCH", svcPath, `{"name_de":"Anmeldung"}`, "", 400, "name_de", false},
			{"bad closure date", "POST", "/api/v1/admin/closures", `{"starts_on":"2026-02-30"}`, "", 400, "starts_on", false},
			{"closure ends before it starts", "POST", "/api/v1/admin/closures", `{"starts_on":"` + e.week.Date(17) + `","ends_on":"` + e.week.Date(8) + `"}`, "", 422, "ends_on", false},
			{"closure without a date", "POST", "/api/v1/admin/closures", `{"reason":"remont"}`, "", 422, "starts_on", false},
			{"counter with unknown service", "POST", "/api/v1/admin/counters", fmt.Sprintf(`{"department_id":%d,"name":"Stanowisko 99","service_ids":[999999]}`, dep.ID), "", 422, "service_ids", false},
			{"counter label too long", "POST", "/api/v1/admin/counters", fmt.Sprintf(`{"department_id":%d,"name":"Stanowisko 99","label":%q}`, dep.ID, strings.Repeat("ż", 17)), "", 422, "label", false},
			{"counter label of two lines", "PATCH", "/api/v1/admin/counters/" + itoa(e.counterOf("Stanowisko 1").ID), `{"label":"Kasa\n2"}`, "", 422, "label", false},
			{"counter label not a string", "PATCH", "/api/v1/admin/counters/" + itoa(e.counterOf("Stanowisko 1").ID), `{"label":4}`, "", 400, "label", false},
			{"user with short password", "POST", "/api/v1/admin/users", `{"username":"nowy","password":"short","role":"clerk"}`, "", 422, "password", false},
			{"user with a bad role", "POST", "/api/v1/admin/users", `{"username":"nowy","password":"long-enough-pass","role":"root"}`, "", 422, "role", false},
			{"SQL in a name", "POST", "/api/v1/admin/users", `{"username":"x'; DROP TABLE users; --","password":"long-enough-pass","role":"clerk"}`, "", 422, "username", false},
			{"display without name", "POST", "/api/v1/admin/displays", `{"lang":"pl"}`, "", 422, "name", false},
			{"display name too long", "POST", "/api/v1/admin/displays", `{"name":"` + strings.Repeat("x", 101) + `"}`, "", 422, "name", false},
			{"display in German", "POST", "/api/v1/admin/displays", `{"name":"Hol","lang":"de"}`, "", 422, "lang", false},
			{"display of an unknown department", "POST", "/api/v1/admin/displays", `{"name":"Hol","department_ids":[999999]}`, "", 422, "department_ids", false},
			{"display departments not a list", "POST", "/api/v1/admin/displays", `{"name":"Hol","department_ids":"1,2"}`, "", 400, "department_ids", false},
			{"display with unknown field", "POST", "/api/v1/admin/displays", `{"name":"Hol","orientation":"portrait"}`, "", 400, "orientation", false},
			{"display sound not a boolean", "POST", "/api/v1/admin/displays", `{"name":"Hol","sound":"on"}`, "", 400, "sound", false},
			{"display sound a number", "POST", "/api/v1/admin/displays", `{"name":"Hol","sound":1}`, "", 400, "sound", false},
			{"body over 64 KiB", "PATCH", svcPath, huge, "", 413, "", true},
			{"body over 64 KiB on a new display", "POST", "/api/v1/admin/displays", huge, "", 413, "", true},
			{"not JSON", "PATCH", svcPath, `slot_minutes=20`, "application/x-www-form-urlencoded", 400, "", false},
			{"unknown id", "PATCH", "/api/v1/admin/services/999999", `{"capacity": 2}`, "", 404, "", false},
			{"id not a number", "PATCH", "/api/v1/admin/services/abc", `{"capacity": 2}`, "", 404, "", false},
			{"delete department with services", "DELETE", depPath, nil, "", 409, "", false},
		}
		base := e.listen()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := e.withT(t)
				before := snapshot(t, db)
				headers := bearer(tok)
				if tc.ctype != "" {
					headers = append(headers, "Content-Type", tc.ctype)
				}
				var resp *http.Response
				var body []byte
				if tc.overHTTP {
					// An oversized body is refused by the HTTP server itself,
					// which only a real connection shows.
					resp, body = e.overHTTP(base, tc.method, tc.path, tc.body.(string), headers...)
				} else {
					resp, body = e.do(tc.method, tc.path, tc.body, headers...)
				}
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
				}
				p := problemOf(t, resp, body)
				if tc.field != "" {
					if _, ok := p.Errors[tc.field]; !ok {
						t.Fatalf("errors %v do not name %q (detail %q)", p.Errors, tc.field, p.Detail)
					}
				}
				if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
					for k := range before {
						if before[k] != after[k] {
							t.Errorf("table %s changed:\nbefore %v\nafter  %v", k, before[k], after[k])
						}
					}
				}
			})
		}
	})
}

func TestAdminChangesAreAudited(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		tok := e.adminToken()
		auth := bearer(tok)

		// Create a department with default hours, a service in it, change the
		// service's slot length, and delete both.
		resp, body := e.do("POST", "/api/v1/admin/departments", map[string]any{"name": "Wydział Ochrony Środowiska", "ticket_prefix": "s"}, auth...)
		if resp.StatusCode != 201 {
			t.Fatalf("create department: %d %s", resp.StatusCode, body)
		}
		var dep office.Department
		_ = json.Unmarshal(body, &dep)
		if dep.TicketPrefix != "S" || dep.LastTicketMinutes != 15 || len(dep.Hours.Tue) != 1 || dep.Hours.Tue[0][0] != "07:30" {
			t.Fatalf("department defaults not applied: %s", body)
		}
		resp, body = e.do("POST", "/api/v1/admin/services", map[string]any{"department_id": dep.ID, "name": "Wycinka drzew"}, auth...)
		if resp.StatusCode != 201 {
			t.Fatalf("create service: %d %s", resp.StatusCode, body)
		}
		var svc office.Service
		_ = json.Unmarshal(body, &svc)
		if svc.SlotMinutes != 15 || svc.Capacity != 1 || svc.BookingDaysAhead != 30 || svc.LeadMinutes != 60 || svc.MaxActivePerPESEL != 3 {
			t.Fatalf("service defaults not applied: %s", body)
		}
		resp, body = e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"slot_minutes": 20}, auth...)
		if resp.StatusCode != 200 {
			t.Fatalf("patch: %d %s", resp.StatusCode, body)
		}
		var patched office.Service
		_ = json.Unmarshal(body, &patched)
		if patched.SlotMinutes != 20 || patched.Name != "Wycinka drzew" || patched.Capacity != 1 {
			t.Fatalf("patch changed the wrong fields: %s", body)
		}
		resp, body = e.do("GET", fmt.Sprintf("/api/v1/services/%d", svc.ID), nil)
		if !strings.Contains(string(body), `"slot_minutes":20`) {
			t.Fatalf("the public API does not show the change: %s", body)
		}

		entries, err := audit.List(t.Context(), db, audit.Filter{ObjectType: "service", ObjectID: svc.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d audit entries for the service, want create and update", len(entries))
		}
		upd := entries[0]
		if upd.Action != audit.Update || upd.Actor != e.creds.AdminUser || upd.UserID == nil || upd.RequestID == "" ||
			upd.BeforeJSON == nil || !strings.Contains(*upd.BeforeJSON, `"slot_minutes":15`) ||
			upd.AfterJSON == nil || !strings.Contains(*upd.AfterJSON, `"slot_minutes":20`) {
			t.Fatalf("update entry %+v", upd)
		}

		resp, _ = e.do("DELETE", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), nil, auth...)
		if resp.StatusCode != 204 {
			t.Fatalf("delete service: %d", resp.StatusCode)
		}
		resp, _ = e.do("DELETE", fmt.Sprintf("/api/v1/admin/departments/%d", dep.ID), nil, auth...)
		if resp.StatusCode != 204 {
			t.Fatalf("delete department: %d", resp.StatusCode)
		}
		resp, _ = e.do("GET", fmt.Sprintf("/api/v1/admin/departments/%d", dep.ID), nil, auth...)
		if resp.StatusCode != 404 {
			t.Fatalf("deleted department: %d, want 404", resp.StatusCode)
		}
		resp, body = e.do("GET", "/api/v1/admin/audit?object_type=department", nil, auth...)
		var log []audit.Entry
		if resp.StatusCode != 200 || json.Unmarshal(body, &log) != nil || len(log) < 2 || log[0].Action != audit.Delete {
			t.Fatalf("audit API: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAdminListsAndUsers(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		auth := bearer(e.adminToken())
		for _, path := range []string{"departments", "services", "closures", "counters", "users"} {
			resp, body := e.do("GET", "/api/v1/admin/"+path, nil, auth...)
			if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "[") {
				t.Fatalf("list %s: %d %s", path, resp.StatusCode, body)
			}
		}
		resp, body := e.do("POST", "/api/v1/admin/users", map[string]any{"username": "kowalska", "password": "dobre-haslo-123", "role": "clerk", "display_name": "Anna Kowalska"}, auth...)
		if resp.StatusCode != 201 || strings.Contains(string(body), "password") || strings.Contains(string(body), "argon2") {
			t.Fatalf("create user: %d %s", resp.StatusCode, body)
		}
		var u struct{ ID int64 }
		_ = json.Unmarshal(body, &u)
		tok := e.login("kowalska", "dobre-haslo-123")
		resp, _ = e.do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", u.ID), map[string]any{"password": "nowe-haslo-456"}, auth...)
		if resp.StatusCode != 200 {
			t.Fatalf("reset password: %d", resp.StatusCode)
		}
		resp, _ = e.do("GET", "/api/v1/auth/me", nil, bearer(tok)...)
		if resp.StatusCode != 401 {
			t.Fatalf("old session after a password reset: %d, want 401", resp.StatusCode)
		}
		e.login("kowalska", "nowe-haslo-456")
		resp, body = e.do("POST", "/api/v1/admin/closures", map[string]any{"starts_on": e.week.Date(38), "reason": "Sylwester"}, auth...)
		if resp.StatusCode != 201 || !strings.Contains(string(body), `"ends_on":"`+e.week.Date(38)+`"`) {
			t.Fatalf("closure: %d %s", resp.StatusCode, body)
		}
	})
}
