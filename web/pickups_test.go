package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// pickupAnswer is what the clerk's API answers of a pickup.
type pickupAnswer struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Status    string `json:"status"`
	Room      string `json:"room"`
	Phone     string `json:"phone"`
	StatusURL string `json:"status_url"`
}

func (e *env) count(table, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A pickup through the API as the clerk and the resident use it: every
// transition, the illegal ones (409), bad input naming its field with
// nothing written, and the public answer, which never shows personal data.
func TestPickupAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		const what = "zaświadczenie o wpisie do ewidencji"

		resp, body := e.do("POST", "/api/v1/pickups", map[string]any{"what": what, "phone": "600100200"})
		if resp.StatusCode != 401 {
			t.Fatalf("without a token: %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct {
			body  string
			field string
		}{
			{`{"phone":"600100200"}`, "what"},
			{`{"what":"` + what + `"}`, "phone"},
			{`{"what":"` + what + `","email":"nie-adres"}`, "email"},
			{`{"what":"` + what + `","phone":"600100200","lang":"fr"}`, "lang"},
			{`{"what":"` + what + `","phone":"600100200","ticket_id":424242}`, "ticket_id"},
			{`{"what":"` + what + `","phone":"600100200","name":"Jan"}`, "name"},
		} {
			resp, body := e.do("POST", "/api/v1/pickups", c.body, clerk...)
			if resp.StatusCode != 422 && resp.StatusCode != 400 {
				t.Fatalf("%s: %d %s", c.body, resp.StatusCode, body)
			}
			if !strings.Contains(string(body), c.field) {
				t.Errorf("%s: the problem does not name %s: %s", c.body, c.field, body)
			}
		}
		if n := e.count("pickups", ""); n != 0 {
			t.Fatalf("%d pickups written by bad requests", n)
		}

		resp, body = e.do("POST", "/api/v1/pickups", map[string]any{"what": what, "phone": "600 100 200", "lang": "en"}, clerk...)
		if resp.StatusCode != 201 {
			t.Fatalf("register: %d %s", resp.StatusCode, body)
		}
		var p pickupAnswer
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Status != "in_progress" || len(p.Number) != 9 || p.Phone != "+48600100200" || p.StatusURL != "http://okienko.test/odbior/"+p.Number {
			t.Fatalf("registered %s", body)
		}
		path := "/api/v1/pickups/" + itoa(p.ID)

		public := func(wantStatus, wantRoom string) {
			t.Helper()
			// Any case, without the dash, as a resident types it.
			resp, body := e.do("GET", "/api/v1/pickups/"+strings.ToLower(strings.ReplaceAll(p.Number, "-", "")), nil)
			if resp.StatusCode != 200 {
				t.Fatalf("public: %d %s", resp.StatusCode, body)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got["status"] != wantStatus || got["number"] != p.Number {
				t.Fatalf("public: %s, want %s", body, wantStatus)
			}
			if room, _ := got["room"].(string); room != wantRoom {
				t.Fatalf("public room %q, want %q", room, wantRoom)
			}
			for _, secret := range []string{"600100200", "zaświadczenie", "what", "phone", "email", "id\""} {
				if strings.Contains(string(body), secret) {
					t.Fatalf("the public answer shows %q: %s", secret, body)
				}
			}
		}
		public("in_progress", "")

		resp, body = e.do("POST", path+"/collected", nil, clerk...)
		if resp.StatusCode != 409 {
			t.Fatalf("collected before ready: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path+"/ready", `{"room":""}`, clerk...)
		if resp.StatusCode != 422 || !strings.Contains(string(body), "room") {
			t.Fatalf("ready without a room: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path+"/ready", `{"room":"112"}`, clerk...)
		if resp.StatusCode != 200 {
			t.Fatalf("ready: %d %s", resp.StatusCode, body)
		}
		public("ready", "112")
		if n := e.count("outbox", "pickup_id = ? AND kind = ?", p.ID, "pickup_ready"); n != 1 {
			t.Fatalf("%d ready messages queued", n)
		}
		resp, body = e.do("POST", path+"/ready", `{"room":"113"}`, clerk...)
		if resp.StatusCode != 409 {
			t.Fatalf("ready twice: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path+"/collected", `{"x":1}`, clerk...)
		if resp.StatusCode != 400 && resp.StatusCode != 422 {
			t.Fatalf("collected with a body: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", path+"/collected", "{}", clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"collected"`) {
			t.Fatalf("collected: %d %s", resp.StatusCode, body)
		}
		public("collected", "")
		resp, body = e.do("POST", path+"/cancel", nil, clerk...)
		if resp.StatusCode != 409 {
			t.Fatalf("cancel once collected: %d %s", resp.StatusCode, body)
		}
		// Another one, cancelled while in progress.
		resp, body = e.do("POST", "/api/v1/pickups", map[string]any{"what": what, "email": "ola@example.com"}, clerk...)
		var other pickupAnswer
		if resp.StatusCode != 201 || json.Unmarshal(body, &other) != nil {
			t.Fatalf("register another: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/pickups/"+itoa(other.ID)+"/cancel", nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"cancelled"`) {
			t.Fatalf("cancel in progress: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/pickups/999999/ready", `{"room":"1"}`, clerk...)
		if resp.StatusCode != 404 {
			t.Fatalf("unknown pickup: %d %s", resp.StatusCode, body)
		}

		resp, body = e.do("GET", "/api/v1/pickups?status=collected", nil, clerk...)
		if resp.StatusCode != 200 || !strings.Contains(string(body), p.Number) {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", "/api/v1/pickups?limit=100000", nil, clerk...)
		if resp.StatusCode != 422 || !strings.Contains(string(body), "limit") {
			t.Fatalf("list with a huge limit: %d %s", resp.StatusCode, body)
		}
		resp, _ = e.do("GET", "/api/v1/pickups", nil)
		if resp.StatusCode != 401 {
			t.Fatalf("list without a token: %d", resp.StatusCode)
		}
		resp, body = e.do("GET", "/api/v1/pickups/ABCD-EFGH", nil)
		if resp.StatusCode != 404 {
			t.Fatalf("unknown number: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", "/api/v1/pickups/0OIL", nil)
		if resp.StatusCode != 422 || !strings.Contains(string(body), "number") {
			t.Fatalf("not a number: %d %s", resp.StatusCode, body)
		}
	})
}

// The resident's status page, in each language: the state and the room,
// never what the document is; the form that asks the number.
func TestPickupPage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		resp, body := e.do("POST", "/api/v1/pickups", map[string]any{"what": "prawo jazdy kategorii B", "email": "jan@example.pl"}, clerk...)
		if resp.StatusCode != 201 {
			t.Fatalf("register: %d %s", resp.StatusCode, body)
		}
		var p pickupAnswer
		_ = json.Unmarshal(body, &p)
		for _, c := range []struct{ lang, progress, ready string }{
			{"pl", "w przygotowaniu", "Pokój 7A"},
			{"en", "being prepared", "Room 7A"},
			{"uk", "готується", "Кімната 7A"},
		} {
			resp, page := e.site().get("/odbior/" + p.Number + "?lang=" + c.lang)
			wantPage(t, resp, page, 200)
			if !strings.Contains(page, c.progress) || !strings.Contains(page, `data-status="in_progress"`) || strings.Contains(page, "prawo jazdy") {
				t.Errorf("%s: the page in progress: %.2000s", c.lang, page)
			}
		}
		if resp, body := e.do("POST", "/api/v1/pickups/"+itoa(p.ID)+"/ready", `{"room":"7A"}`, clerk...); resp.StatusCode != 200 {
			t.Fatalf("ready: %d %s", resp.StatusCode, body)
		}
		for _, c := range []struct{ lang, ready string }{{"pl", "Pokój 7A"}, {"en", "Room 7A"}, {"uk", "Кімната 7A"}} {
			resp, page := e.site().get("/odbior/" + strings.ToLower(p.Number) + "?lang=" + c.lang)
			wantPage(t, resp, page, 200)
			if !strings.Contains(page, c.ready) || strings.Contains(page, "prawo jazdy") || strings.Contains(page, "jan@") {
				t.Errorf("%s: the ready page: %.2000s", c.lang, page)
			}
		}
		resp, page := e.site().get("/odbior")
		wantPage(t, resp, page, 200)
		if !strings.Contains(page, `id="numer"`) {
			t.Fatalf("the form: %.1500s", page)
		}
		resp, _ = e.site().get("/odbior?numer=" + strings.ToLower(p.Number))
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/odbior/"+p.Number {
			t.Fatalf("the form's answer: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, page = e.site().get("/odbior?numer=zly")
		wantPage(t, resp, page, 422)
		if !strings.Contains(page, `aria-invalid="true"`) {
			t.Fatalf("a bad number is not marked: %.1500s", page)
		}
		resp, page = e.site().get("/odbior/ABCD-EFGH")
		wantPage(t, resp, page, 404)
		resp, page = e.site().get("/odbior/x/y")
		wantPage(t, resp, page, 404)
	})
}
