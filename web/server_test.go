package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/web"
)

const testPassword = "correct-horse-battery"

// env is a server over a real database with the demo office seeded.
type env struct {
	t        testing.TB
	db       *gorm.DB
	clock    *okienko.ManualClock
	srv      *web.Server
	offices  *office.Store
	users    *auth.Store
	bookings *booking.Store
	queue    *queue.Store
	board    *display.Board
	creds    *demo.Credentials
	// week is the test week (officetest.Anchor); the clock starts on its
	// Monday at 10:00 in Warsaw, while the demo departments are open.
	week officetest.Week
}

// generous limits keep the rate limiter out of tests that aren't about it.
var generous = web.RateLimits{Book: web.Limit{Max: 10000, Window: time.Minute}, Cancel: web.Limit{Max: 10000, Window: time.Minute}, Lookup: web.Limit{Max: 10000, Window: time.Minute}}

func newEnv(t *testing.T, db *gorm.DB) *env { return newEnvWith(t, db, generous) }

func newEnvWith(t testing.TB, db *gorm.DB, limits web.RateLimits) *env {
	t.Helper()
	return newEnvTuned(t, db, limits, nil)
}

// newEnvTuned is newEnvWith with the server's dependencies changed by tune.
func newEnvTuned(t testing.TB, db *gorm.DB, limits web.RateLimits, tune func(*web.Deps)) *env {
	t.Helper()
	week := officetest.Anchor(t)
	clock := okienko.NewManualClock(week.At(0, 10, 0))
	offices := office.NewStore(db, clock)
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	creds, err := demo.Seed(context.Background(), offices, users, testPassword)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	bookings := booking.NewStore(db, clock, offices, "test-secret")
	q := queue.NewStore(db, clock, offices, bookings)
	hub := display.NewLocalHub()
	q.OnCommit(hub.Publish)
	board := display.NewBoard(hub, q, offices, "test", log)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = board.Run(ctx) }()
	t.Cleanup(cancel)
	<-board.Ready()
	kiosks := kiosk.NewStore(db, clock)
	kiosks.OnCommit(hub.Publish)
	deps := web.Deps{DB: db, Clock: clock, Log: log, Offices: offices, Auth: users, Bookings: bookings, Queue: q, Board: board, Kiosks: kiosks, BaseURL: "http://okienko.test", Version: "test", RateLimits: limits}
	if tune != nil {
		tune(&deps)
	}
	srv := web.New(deps)
	return &env{t: t, db: db, clock: clock, srv: srv, offices: offices, users: users, bookings: bookings, queue: q, board: board, creds: creds, week: week}
}

// withT returns e reporting to t, for subtests.
func (e *env) withT(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// do sends a request through the app and returns the response with its body read.
func (e *env) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		raw = j
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if msg := checkSpec(method, path, req.Header, raw, resp, out); msg != "" {
		e.t.Errorf("%s", msg)
	}
	return resp, out
}

// login signs in and returns the bearer token.
func (e *env) login(username, password string) string {
	e.t.Helper()
	resp, body := e.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if resp.StatusCode != 200 {
		e.t.Fatalf("login %s: %d %s", username, resp.StatusCode, body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		e.t.Fatalf("login answer %s: %v", body, err)
	}
	return out.Token
}

func (e *env) adminToken() string { return e.login(e.creds.AdminUser, e.creds.AdminPassword) }

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func problemOf(t *testing.T, resp *http.Response, body []byte) web.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, body)
	}
	var p web.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if p.Status != resp.StatusCode || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, resp.StatusCode)
	}
	return p
}

func TestHealthzAndMetrics(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		resp, body := e.do("GET", "/healthz", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"database":"ok"`) {
			t.Fatalf("healthz: %d %s", resp.StatusCode, body)
		}
		e.do("GET", "/api/v1/departments", nil)
		resp, body = e.do("GET", "/metrics", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("metrics: %d", resp.StatusCode)
		}
		if !strings.Contains(string(body), `okienko_http_request_duration_seconds_count{method="GET",route="/api/v1/departments",status="200"} 1`) {
			t.Fatalf("metrics lack the departments request by route:\n%s", body)
		}
		if resp.Header.Get("X-Request-ID") == "" {
			t.Fatal("no X-Request-ID on the response")
		}
	})
}

func TestPublicCatalog(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		resp, body := e.do("GET", "/api/v1/departments", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("departments: %d %s", resp.StatusCode, body)
		}
		var deps []office.Department
		if err := json.Unmarshal(body, &deps); err != nil {
			t.Fatal(err)
		}
		if len(deps) != 4 {
			t.Fatalf("got %d departments, want the 4 of the demo office", len(deps))
		}
		names := map[string]bool{}
		for _, d := range deps {
			names[d.Name] = true
			if len(d.Services) == 0 {
				t.Errorf("department %q has no services", d.Name)
			}
			if len(d.Hours.Mon) != 1 || d.Hours.Mon[0][0] != "08:00" || d.Hours.Mon[0][1] != "16:00" {
				t.Errorf("department %q Monday hours = %v", d.Name, d.Hours.Mon)
			}
		}
		for _, want := range []string{"Biuro Obsługi Klienta", "Dowody osobiste", "Rejestracja pojazdów", "Prawa jazdy"} {
			if !names[want] {
				t.Errorf("department %q missing", want)
			}
		}
		svc := deps[0].Services[0]
		resp, body = e.do("GET", "/api/v1/services/"+itoa(svc.ID), nil)
		var got office.Service
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.Name != svc.Name || got.Instructions == "" {
			t.Fatalf("service %d: %d %s", svc.ID, resp.StatusCode, body)
		}
		for _, path := range []string{"/api/v1/services/999999", "/api/v1/services/abc", "/api/v1/services/-1", "/api/v1/nothing"} {
			resp, body = e.do("GET", path, nil)
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
			problemOf(t, resp, body)
		}
	})
}

func TestStartPage(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		resp, body := e.do("GET", "/", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Dowody osobiste") || !strings.Contains(string(body), `href="/api/openapi.yaml"`) {
			t.Fatalf("start page: %d %s", resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Fatalf("CSP = %q", csp)
		}
		resp, _ = e.do("GET", "/static/okienko.css", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("stylesheet: %d", resp.StatusCode)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Served at an https:// base URL every answer tells browsers to come back
// only over HTTPS (HSTS, by max-age); at http:// it doesn't.
func TestHSTS(t *testing.T) {
	db := databasetest.SQLite(t)
	plain := newEnv(t, db)
	if resp, _ := plain.do("GET", "/healthz", nil); resp.Header.Get("Strict-Transport-Security") != "" {
		t.Fatalf("HSTS at an http:// base URL: %q", resp.Header.Get("Strict-Transport-Security"))
	}
	secure := newEnvTuned(t, databasetest.SQLite(t), generous, func(d *web.Deps) { d.BaseURL = "https://wizyty.urzad.example.pl" })
	for _, path := range []string{"/healthz", "/", "/api/v1/departments", "/nothing-here"} {
		if resp, _ := secure.do("GET", path, nil); resp.Header.Get("Strict-Transport-Security") != "max-age=31536000" {
			t.Errorf("%s: Strict-Transport-Security %q", path, resp.Header.Get("Strict-Transport-Security"))
		}
	}
}
