package web_test

import (
	"context"
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
	board := display.NewBoard(hub, q, offices, "test", log)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = hub.Run(ctx) }()
	select {
	case <-hub.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("the hub never listened")
	}
	go func() { _ = board.Run(ctx) }()
	<-board.Ready()
	srv := web.New(web.Deps{DB: db, Clock: clock, Log: log, Offices: offices, Auth: users, Bookings: bookings, Queue: q, Board: board, Kiosks: kiosk.NewStore(db, clock),
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
