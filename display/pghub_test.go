package display

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/office/officetest"
)

// logSink is a slog.Handler passing each message to a channel, so tests can
// wait for a log line instead of sleeping.
type logSink chan string

func (s logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s logSink) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	select {
	case s <- msg:
	default:
	}
	return nil
}
func (s logSink) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s logSink) WithGroup(string) slog.Handler      { return s }

// waitLog waits for a logged message containing want.
func waitLog(t *testing.T, s logSink, want string) {
	t.Helper()
	deadline := time.After(guard)
	for {
		select {
		case msg := <-s:
			if strings.Contains(msg, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no log containing %q", want)
		}
	}
}

// instance opens a connection pool to databaseURL, like one server instance.
func instance(t *testing.T, databaseURL string) *gorm.DB {
	t.Helper()
	db, err := database.Open(databaseURL, "")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// migrated returns the URL of a new migrated schema.
func migrated(t *testing.T) string {
	t.Helper()
	u := databasetest.PostgresURL(t)
	if err := database.Migrate(context.Background(), instance(t, u)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return u
}

// startHub runs a PGHub until the test ends and waits for it to listen.
func startHub(t *testing.T, databaseURL string, db *gorm.DB) *PGHub {
	t.Helper()
	h := NewPGHub(databaseURL, db, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil", err)
			}
		case <-time.After(guard):
			t.Error("Run did not end with its context")
		}
	})
	select {
	case <-h.Ready():
	case <-time.After(guard):
		t.Fatal("hub not listening within the guard time")
	}
	return h
}

// addEvents commits n events of type typ, at 10:15 on the test week's
// Monday (with microseconds, which must survive the round trip), and
// returns them.
func addEvents(t *testing.T, db *gorm.DB, typ string, n int) []event.Event {
	t.Helper()
	at := officetest.Anchor(t).At(0, 10, 15).Add(123456 * time.Microsecond)
	var out []event.Event
	err := db.Transaction(func(tx *gorm.DB) error {
		for i := range n {
			e, err := event.Add(context.Background(), tx, at, typ, "ticket", int64(i+1), map[string]any{"number": fmt.Sprintf("D %d", i+1)})
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("add events: %v", err)
	}
	return out
}

// expect reads len(want) notes from s and checks they are want's events.
func expect(t *testing.T, s *Subscription, want []event.Event) {
	t.Helper()
	for _, w := range want {
		n := receive(t, s)
		e := n.Event
		if n.Resync || e.ID != w.ID || e.Type != w.Type || e.ObjectType != w.ObjectType ||
			e.ObjectID != w.ObjectID || e.Data != w.Data || !e.At.Equal(w.At) {
			t.Fatalf("got %+v, want event %+v", n, w)
		}
	}
}

func TestPGHubDeliversToEveryInstance(t *testing.T) {
	u := migrated(t)
	dbA, dbB := instance(t, u), instance(t, u)
	a, b := startHub(t, u, dbA), startHub(t, u, dbB)

	// The listener follows the URL's search_path, the schema events are in.
	pu, _ := url.Parse(u)
	if want := pu.Query().Get("search_path"); a.listenerSchema() != want || want == "" {
		t.Fatalf("listener schema %q, want %q", a.listenerSchema(), want)
	}

	subA, subB := a.Subscribe(10), b.Subscribe(10)
	want := addEvents(t, dbA, "called", 1)
	a.Publish(want)
	expect(t, subA, want)
	expect(t, subB, want)
	if want[0].Data != `{"number":"D 1"}` {
		t.Errorf("data %q", want[0].Data)
	}
}

func TestPGHubDeliversInOrder(t *testing.T) {
	u := migrated(t)
	dbA, dbB := instance(t, u), instance(t, u)
	a, b := startHub(t, u, dbA), startHub(t, u, dbB)
	subA, subB := a.Subscribe(4000), b.Subscribe(4000)

	var all []event.Event
	for i := range 20 { // batches of 1..20 events, from either instance
		evs := addEvents(t, dbA, "ticket", i+1)
		all = append(all, evs...)
		if i%2 == 0 {
			a.Publish(evs)
		} else {
			b.Publish(evs)
		}
	}
	// One batch whose ids do not fit one notification.
	big := addEvents(t, dbB, "waiting", 2000)
	if len(strings.Join(payloads(ids(big), 1<<20), ",")) <= maxPayload {
		t.Fatal("big batch fits one notification; make it bigger")
	}
	all = append(all, big...)
	b.Publish(big)

	expect(t, subA, all)
	expect(t, subB, all)
}

func ids(evs []event.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestPGHubIgnoresOtherSchemas(t *testing.T) {
	mine, theirs := migrated(t), migrated(t)
	db, other := instance(t, mine), instance(t, theirs)
	h := startHub(t, mine, db)
	sub := h.Subscribe(10)

	// Both schemas have an event 1; theirs is published first. Notifications
	// arrive in commit order, so had it not been ignored it would come
	// before or between ours.
	foreign := addEvents(t, other, "foreign", 1)
	own := addEvents(t, db, "own", 2)
	if foreign[0].ID != own[0].ID {
		t.Fatalf("ids %d and %d differ; the test needs equal ids", foreign[0].ID, own[0].ID)
	}
	NewPGHub(theirs, other, slog.New(slog.DiscardHandler)).Publish(foreign)
	h.Publish(own[:1])
	h.Publish(own[1:])
	expect(t, sub, own)
}

func TestPGHubResyncsAfterReconnect(t *testing.T) {
	u := migrated(t)
	dbA, dbB := instance(t, u), instance(t, u)
	a, b := startHub(t, u, dbA), startHub(t, u, dbB)
	subA, subB := a.Subscribe(10), b.Subscribe(10)

	pid := a.listenerPID()
	if pid == 0 {
		t.Fatal("no listener pid")
	}
	var killed bool
	if err := dbB.Raw("SELECT pg_terminate_backend(?)", pid).Scan(&killed).Error; err != nil || !killed {
		t.Fatalf("terminate listener %d: %v %v", pid, killed, err)
	}
	if n := receive(t, subA); !n.Resync {
		t.Fatalf("got %+v, want Resync", n)
	}
	if p := a.listenerPID(); p == 0 || p == pid {
		t.Fatalf("listener pid %d after reconnect, was %d", p, pid)
	}

	// Listening again: later events arrive; the other instance, whose
	// connection never dropped, gets them without a Resync.
	want := addEvents(t, dbB, "called", 2)
	b.Publish(want)
	expect(t, subA, want)
	expect(t, subB, want)
}

func TestPGHubPublishFailureIsLogged(t *testing.T) {
	u := migrated(t)
	db, err := database.Open(u, "")
	if err != nil {
		t.Fatal(err)
	}
	_ = database.Close(db)
	sink := make(logSink, 10)
	done := make(chan struct{})
	go func() {
		NewPGHub(u, db, slog.New(sink)).Publish(events(1, 1))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(guard):
		t.Fatal("Publish blocked")
	}
	waitLog(t, sink, "notify failed")
}

func TestPGHubRetriesUntilContextEnds(t *testing.T) {
	sink := make(logSink, 10)
	h := NewPGHub("postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", nil, slog.New(sink))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	waitLog(t, sink, "reconnecting")
	waitLog(t, sink, "reconnecting") // it retries
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(guard):
		t.Fatal("Run did not end with its context")
	}
	select {
	case <-h.Ready():
		t.Error("Ready closed without a LISTEN")
	default:
	}
}
