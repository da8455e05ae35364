package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/web"
)

// jsonShape lists every path of a JSON document with its JSON type:
// "result.grupy[].idGrupy string". The items of an array are one path
// ("[]"), so every item must have the same shape (else the path shows
// two types).
func jsonShape(v any, path string, out map[string][]string) {
	add := func(typ string) {
		if !slices.Contains(out[path], typ) {
			out[path] = append(out[path], typ)
			sort.Strings(out[path])
		}
	}
	switch x := v.(type) {
	case map[string]any:
		add("object")
		for k, v := range x {
			jsonShape(v, strings.TrimPrefix(path+"."+k, "."), out)
		}
	case []any:
		add("array")
		for _, v := range x {
			jsonShape(v, path+"[]", out)
		}
	case string:
		add("string")
	case float64:
		add("number")
	case bool:
		add("boolean")
	case nil:
		add("null")
	}
}

// shapeOf is jsonShape of a JSON text.
func shapeOf(t *testing.T, raw []byte) map[string][]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out := map[string][]string{}
	jsonShape(v, "", out)
	return out
}

// sameShape reports how got differs from the recorded answer want: a path
// missing, of another type or nested elsewhere, or one of ours that Warsaw
// doesn't have and extra doesn't allow.
func sameShape(t *testing.T, what string, got, want map[string][]string, extra ...string) {
	t.Helper()
	for path, types := range want {
		if !slices.Equal(got[path], types) {
			t.Errorf("%s: %s is %v, Warsaw's is %v", what, path, got[path], types)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok && !slices.Contains(extra, path) {
			t.Errorf("%s: %s %v is not in Warsaw's answer", what, path, got[path])
		}
	}
}

// The open-data answers hold to the recorded answers of Warsaw's API
// (testdata/warsaw, sources in its README): the queues of an office and
// the error, field by field, type by type, nested alike; ours adds only
// liczbaKlwZdalnych to a group.
func TestOpenDataShapeAsWarsaw(t *testing.T) {
	recorded, err := os.ReadFile("testdata/warsaw/queues.json")
	if err != nil {
		t.Fatal(err)
	}
	recordedErr, err := os.ReadFile("testdata/warsaw/error.json")
	if err != nil {
		t.Fatal(err)
	}
	wantQueues, wantErr := shapeOf(t, recorded), shapeOf(t, recordedErr)
	if len(wantQueues) != 15 || len(wantErr) != 3 {
		t.Fatalf("the recordings read as %v and %v", wantQueues, wantErr)
	}
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		c1 := e.counterOf("Stanowisko 1")
		e.issueTicket(c1.ServiceIDs[0])
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		off, err := e.offices.Office(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/open-data/queues", fmt.Sprintf("/api/v1/open-data/queues?id=%d", off.ID)} {
			resp, body := e.do("GET", path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			sameShape(t, path, shapeOf(t, body), wantQueues, "result.grupy[].liczbaKlwZdalnych")
		}

		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/api/v1/open-data/queues?id=999999", 404},
			{"GET", "/api/v1/open-data/queues?id=abc", 422},
			{"GET", "/api/v1/open-data/queues?id=0", 422},
			{"GET", "/api/v1/open-data/queues?id=-3", 422},
			{"GET", "/api/v1/open-data/queues?id=", 422},
			{"GET", "/api/v1/open-data/queues?id=99999999999999999999999", 422},
			{"POST", "/api/v1/open-data/queues", 405},
			{"POST", "/api/v1/open-data/offices", 405},
			{"GET", "/api/v1/open-data/nothing-here", 404},
		} {
			resp, body := e.do(c.method, c.path, nil)
			if resp.StatusCode != c.status {
				t.Errorf("%s %s: %d %s, want %d", c.method, c.path, resp.StatusCode, body, c.status)
				continue
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s %s: Content-Type %q, Access-Control-Allow-Origin %q", c.method, c.path, ct, resp.Header.Get("Access-Control-Allow-Origin"))
			}
			sameShape(t, c.method+" "+c.path, shapeOf(t, body), wantErr)
			var doc struct{ Result, Error string }
			if err := json.Unmarshal(body, &doc); err != nil || doc.Result != "false" || doc.Error == "" {
				t.Errorf("%s %s: %s", c.method, c.path, body)
			}
			if c.status == 422 && !strings.HasPrefix(doc.Error, "id: ") {
				t.Errorf("%s %s: the error %q does not name id", c.method, c.path, doc.Error)
			}
		}
		// Elsewhere errors stay problem+json.
		resp, body := e.do("GET", "/api/v1/services/999999", nil)
		problemOf(t, resp, body)
	})
}

// Several offices: the list names each by id, and each id's feed has its
// own matters only; a matter's letter set by the administrator is its
// literaGrupy, and its tickets count in that letter.
func TestOpenDataPerOffice(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		first, err := e.offices.Office(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second := &office.Office{Name: "Urząd Dzielnicy Wola", TimeZone: "Europe/Warsaw"}
		if err := e.offices.CreateOffice(ctx, second); err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		if err := db.Exec(`INSERT INTO departments (office_id, name, name_en, name_uk, ticket_prefix, last_ticket_minutes, hours, position, created_at, updated_at)
			VALUES (?, 'Geodezja', '', '', 'G', 15, '{"mon":[],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]}', 1, ?, ?)`, second.ID, now, now).Error; err != nil {
			t.Fatal(err)
		}
		var depID int64
		if err := db.Raw("SELECT id FROM departments WHERE office_id = ?", second.ID).Scan(&depID).Error; err != nil || depID == 0 {
			t.Fatalf("department of the second office: %v", err)
		}
		e.offices.Forget()
		spec := office.DefaultServiceSpec()
		spec.DepartmentID, spec.Name = depID, "Geodezja i kataster"
		woli, err := e.offices.CreateService(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}

		resp, body := e.do("GET", "/api/v1/open-data/offices", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("offices: %d %s", resp.StatusCode, body)
		}
		var offices []map[string]any
		if err := json.Unmarshal(body, &offices); err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{{"id": float64(first.ID), "name": first.Name}, {"id": float64(second.ID), "name": second.Name}}
		if fmt.Sprint(offices) != fmt.Sprint(want) {
			t.Fatalf("offices %v, want %v", offices, want)
		}

		groups := func(query string) map[string]string { // idGrupy → literaGrupy
			t.Helper()
			resp, body := e.do("GET", "/api/v1/open-data/queues"+query, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("queues%s: %d %s", query, resp.StatusCode, body)
			}
			var doc struct {
				Result struct {
					Grupy []struct{ IDGrupy, LiteraGrupy, AktualnyNumer string }
				}
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, g := range doc.Result.Grupy {
				out[g.IDGrupy] = g.LiteraGrupy
			}
			return out
		}
		wid := strconv.FormatInt(woli.ID, 10)
		if g := groups("?id=" + strconv.FormatInt(second.ID, 10)); len(g) != 1 || g[wid] != "G" {
			t.Errorf("the second office's groups %v, want only %s with G", g, wid)
		}
		own := groups("?id=" + strconv.FormatInt(first.ID, 10))
		if _, ok := own[wid]; ok || len(own) < 4 {
			t.Errorf("the first office's groups %v: %s is the second's", own, wid)
		}
		if fmt.Sprint(groups("")) != fmt.Sprint(own) {
			t.Errorf("without id: not the first office's groups")
		}

		// The administrator gives a matter a letter of its own.
		admin := bearer(e.adminToken())
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
		path := fmt.Sprintf("/api/v1/admin/services/%d", svc)
		resp, body = e.do("PATCH", path, map[string]any{"ticket_prefix": "de"}, admin...)
		if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["ticket_prefix"] == "" {
			t.Fatalf("letter DE: %d %s, want 422 naming ticket_prefix", resp.StatusCode, body)
		}
		resp, body = e.do("PATCH", path, map[string]any{"ticket_prefix": "pj"}, admin...)
		var got struct {
			TicketPrefix *string `json:"ticket_prefix"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.TicketPrefix == nil || *got.TicketPrefix != "PJ" {
			t.Fatalf("letter pj: %d %s", resp.StatusCode, body)
		}
		sid := strconv.FormatInt(svc, 10)
		if g := groups(""); g[sid] != "PJ" {
			t.Errorf("literaGrupy of %s = %q, want PJ", sid, g[sid])
		}
		if _, number, _ := e.issueTicket(svc); number != "PJ001" {
			t.Errorf("the first ticket of letter PJ is %s", number)
		}
		resp, body = e.do("PATCH", path, map[string]any{"ticket_prefix": nil}, admin...)
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.TicketPrefix != nil {
			t.Fatalf("letter null: %d %s", resp.StatusCode, body)
		}
		dep, err := e.offices.Department(ctx, mustService(t, e, svc).DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		if g := groups(""); g[sid] != dep.TicketPrefix {
			t.Errorf("literaGrupy of %s = %q, want the department's %q", sid, g[sid], dep.TicketPrefix)
		}
	})
}

func mustService(t *testing.T, e *env, id int64) *office.Service {
	t.Helper()
	s, err := e.offices.Service(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// With the database out of reach the open-data endpoints answer 503 with
// Retry-After, in Warsaw's error shape.
func TestOpenDataDatabaseUnreachable(t *testing.T) {
	proxy, purl := databasetest.ProxyURL(t, databasetest.PostgresURL(t))
	db := databasetest.Open(t, purl)
	e := newEnvTuned(t, db, generous, func(*web.Deps) {})
	paths := []string{"/api/v1/open-data/offices", "/api/v1/open-data/queues"}
	for _, p := range paths {
		if resp, body := e.do("GET", p, nil); resp.StatusCode != 200 {
			t.Fatalf("before: %s: %d %s", p, resp.StatusCode, body)
		}
	}
	proxy.Cut()
	for range 2 { // the first call meets the dropped connections, the second new dials
		for _, p := range paths {
			resp, body := e.do("GET", p, nil)
			var doc struct{ Result, Error string }
			if resp.StatusCode != 503 || json.Unmarshal(body, &doc) != nil || doc.Result != "false" || doc.Error == "" {
				t.Fatalf("%s with the database gone: %d %s, want 503 in Warsaw's shape", p, resp.StatusCode, body)
			}
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("%s: Retry-After %q", p, resp.Header.Get("Retry-After"))
			}
		}
	}
	proxy.Restore()
}
