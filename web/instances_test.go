package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/web"
)

// instance is one server process of several on one PostgreSQL database:
// its own pool, hub (LISTEN connection), board and HTTP server.
func newInstance(t *testing.T, url string, clock okienko.Clock, seed bool) *env {
	t.Helper()
	return newInstanceWith(t, url, clock, seed, generous)
}

// newInstanceWith is newInstance with the rate limits given.
func newInstanceWith(t *testing.T, url string, clock okienko.Clock, seed bool, limits web.RateLimits) *env {
	t.Helper()
	db, err := database.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	offices := office.NewStore(db, clock)
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	var creds *demo.Credentials
	if seed {
		if creds, err = demo.Seed(context.Background(), offices, users, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	bookings := booking.NewStore(db, clock, offices, "test-secret")
	q := queue.NewStore(db, clock, offices, bookings)
	hub := display.NewPGHub(url, db, log)
	q.OnCommit(hub.Publish)
	offices.OnCommit(hub.Publish)
	board := display.NewBoard(hub, q, offices, "test", log)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = hub.Run(ctx) }()
	webhooks := &notify.Webhooks{DB: db, Clock: clock, Publish: hub.Publish}
	go display.FollowCatalog(ctx, hub, offices, webhooks)
	select {
	case <-hub.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("the hub never listened")
	}
	go func() { _ = board.Run(ctx) }()
	<-board.Ready()
	srv := web.New(web.Deps{DB: db, Clock: clock, Log: log, Offices: offices, Auth: users, Bookings: bookings, Queue: q, Board: board, Kiosks: kiosk.NewStore(db, clock), Webhooks: webhooks,
		BaseURL: "http://okienko.test", Version: "test", RateLimits: limits})
	return &env{t: t, db: db, clock: clock.(*okienko.ManualClock), srv: srv, offices: offices, users: users, bookings: bookings, queue: q, board: board, creds: creds, week: officetest.Anchor(t)}
}

// Two server instances on one PostgreSQL: a call made on one reaches a
// display connected to the other.
func TestTwoInstancesShareCalls(t *testing.T) {
	url := databasetest.PostgresURL(t)
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	a := newInstance(t, url, clock, true)
	b := newInstance(t, url, clock, false)
	b.creds = a.creds

	display := b.dial(b.listen(), "/ws/display", nil)
	if snap := display.next(); snap["type"] != "snapshot" {
		t.Fatalf("snapshot %v", snap)
	}
	counter := a.counterOf("Stanowisko 1")
	clerk := bearer(a.login(a.creds.ClerkUser, a.creds.ClerkPassword))
	if resp, body := a.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter.ID), nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("open on A: %d %s", resp.StatusCode, body)
	}
	_, number, _ := a.issueTicket(counter.ServiceIDs[0])
	if resp, body := a.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("next on A: %d %s", resp.StatusCode, body)
	}
	call := display.until("called")
	if call["number"] != number || call["counter"] != "Stanowisko 1" {
		t.Fatalf("the display on B got %v", call)
	}
	// The session made on A works on B: sessions live in the database.
	if resp, _ := b.do("GET", fmt.Sprintf("/api/v1/counters/%d/queue", counter.ID), nil, clerk...); resp.StatusCode != 200 {
		t.Fatalf("A's session on B: %d", resp.StatusCode)
	}
}

// Two server instances on one PostgreSQL, each caching the catalog: a
// matter's slot length changed and a closure added on A show in B's calendar
// (B forgets its copy when A's catalog event arrives through the hub).
func TestTwoInstancesShareCatalog(t *testing.T) {
	url := databasetest.PostgresURL(t)
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	a := newInstance(t, url, clock, true)
	b := newInstance(t, url, clock, false)
	b.creds = a.creds
	admin := bearer(a.adminToken())
	deps, err := a.offices.Departments(t.Context(), true)
	if err != nil || len(deps) == 0 || len(deps[0].Services) == 0 {
		t.Fatalf("departments: %v", err)
	}
	svc := deps[0].Services[0]
	day := a.week.Date(2) // a Wednesday
	slots := func() []booking.Slot {
		var out struct{ Slots []booking.Slot }
		b.okJSON("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc.ID, day), &out)
		return out.Slots
	}
	// until polls B until ok holds, for at most 10 s.
	until := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("B never saw %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	before := slots()
	if len(before) < 2 {
		t.Fatalf("slots on B before: %v", before)
	}
	loads := b.offices.CatalogLoads()
	if again := slots(); len(again) != len(before) || b.offices.CatalogLoads() != loads {
		t.Fatalf("B's second calendar loaded the catalog again (%d → %d loads)", loads, b.offices.CatalogLoads())
	}

	longer := svc.SlotMinutes * 2
	if resp, body := a.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", svc.ID), map[string]any{"slot_minutes": longer}, admin...); resp.StatusCode != 200 {
		t.Fatalf("PATCH on A: %d %s", resp.StatusCode, body)
	}
	until(fmt.Sprintf("%d-minute slots", longer), func() bool {
		s := slots()
		return len(s) > 0 && s[0].End.Sub(s[0].Start) == time.Duration(longer)*time.Minute
	})

	if resp, body := a.do("POST", "/api/v1/admin/closures", map[string]any{"starts_on": day, "reason": "Inwentaryzacja"}, admin...); resp.StatusCode != 201 {
		t.Fatalf("closure on A: %d %s", resp.StatusCode, body)
	}
	until("the closure", func() bool {
		var days []struct {
			Date   string `json:"date"`
			Closed string `json:"closed"`
		}
		b.okJSON("GET", fmt.Sprintf("/api/v1/services/%d/days?from=%s&to=%s", svc.ID, day, day), &days)
		return len(days) == 1 && days[0].Closed == "Inwentaryzacja" && len(slots()) == 0
	})
}

// Two server instances on one PostgreSQL, each caching the active webhook
// endpoints: an endpoint created on A gets the deliveries of tickets issued
// on B once A's change event reaches B, and after it is deleted on A, B
// queues nothing more for it.
func TestTwoInstancesShareWebhookEndpoints(t *testing.T) {
	url := databasetest.PostgresURL(t)
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	a := newInstance(t, url, clock, true)
	b := newInstance(t, url, clock, false)
	b.creds = a.creds
	admin := bearer(a.adminToken())
	svc := a.counterOf("Stanowisko 1").ServiceIDs[0]
	// queuedFor issues a ticket on B and reports whether its ticket.issued
	// was queued for endpoint id.
	queuedFor := func(id int64) bool {
		t.Helper()
		tid, _, _ := b.issueTicket(svc)
		var n int64
		if err := b.db.Table("outbox").Where("channel = ? AND webhook_id = ? AND object_key = ?", "webhook", id, fmt.Sprintf("ticket:%d", tid)).
			Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	until := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("B never %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	queuedFor(0) // B caches the empty list
	resp, body := a.do("POST", "/api/v1/admin/webhooks", map[string]any{"url": "https://hooks.example.test/okienko",
		"events": []string{"ticket.issued"}, "active": true}, admin...)
	if resp.StatusCode != 201 {
		t.Fatalf("webhook on A: %d %s", resp.StatusCode, body)
	}
	var ep struct{ ID int64 }
	if err := json.Unmarshal(body, &ep); err != nil || ep.ID == 0 {
		t.Fatalf("webhook %s: %v", body, err)
	}
	until("queued a delivery for the new endpoint", func() bool { return queuedFor(ep.ID) })
	if resp, body := a.do("DELETE", fmt.Sprintf("/api/v1/admin/webhooks/%d", ep.ID), nil, admin...); resp.StatusCode != 204 {
		t.Fatalf("delete on A: %d %s", resp.StatusCode, body)
	}
	until("stopped queuing for the deleted endpoint", func() bool { return !queuedFor(ep.ID) })
	// Whatever B queued before it heard is never sent: the worker finds
	// the endpoint gone.
	var sent int64
	if err := b.db.Table("outbox").Where("webhook_id = ? AND state = ?", ep.ID, "sent").Count(&sent).Error; err != nil || sent != 0 {
		t.Fatalf("%d deliveries sent to a deleted endpoint (%v)", sent, err)
	}
}
