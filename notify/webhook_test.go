package notify

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
)

const hookSecret = "test-webhook-secret-0123456789"

// receiver is a webhook receiver on a real socket: it checks each
// request's signature as the README tells receivers to, and answers what
// answer returns (200 when nil).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	got    []outbox.Payload
	bodies []string
	bad    int // requests with a wrong signature
	answer func(n int, p outbox.Payload, r *http.Request) int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(HeaderTimestamp)
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || !hmac.Equal([]byte(r.Header.Get(HeaderSignature)), []byte(Sign(hookSecret, n, body))) ||
			r.Header.Get("Content-Type") != "application/json" {
			rc.mu.Lock()
			rc.bad++
			rc.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p outbox.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		count := len(rc.got)
		answer := rc.answer
		rc.mu.Unlock()
		status := http.StatusOK
		if answer != nil {
			status = answer(count, p, r)
		}
		rc.mu.Lock()
		if status >= 200 && status < 300 {
			rc.got = append(rc.got, p)
			rc.bodies = append(rc.bodies, string(body))
		} else {
			p.Type = "refused:" + p.Type
			rc.got = append(rc.got, p)
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer "+strconv.Itoa(status))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) delivered() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, p := range rc.got {
		out = append(out, p.Type+"#"+p.ID)
	}
	return out
}

func (rc *receiver) setAnswer(f func(n int, p outbox.Payload, r *http.Request) int) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

func newHook(t *testing.T, f *fixture, rc *receiver, events ...string) (*Webhooks, *Webhook) {
	t.Helper()
	hooks := &Webhooks{DB: f.db, Clock: f.clock, AllowPrivate: true} // the receiver is on 127.0.0.1
	ep, err := hooks.Create(context.Background(), WebhookSpec{URL: rc.srv.URL + "/hook", Events: events, Secret: hookSecret, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return hooks, ep
}

func runOnce(t *testing.T, w *Worker) {
	t.Helper()
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func hookMessages(t *testing.T, db *gorm.DB) []outbox.Message {
	t.Helper()
	var out []outbox.Message
	if err := db.Where("channel = ?", outbox.Webhook).Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWebhookDeliversSignedEventWithoutPersonalData(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		hooks, ep := newHook(t, f, rc, outbox.HookBookingCreated, outbox.HookBookingCancelled)
		if ep.Secret != "" || !ep.SecretSet {
			t.Fatalf("a given secret is not shown back: %+v", ep)
		}
		b := f.book(t, "pl", "+48600100200")
		w := f.worker(&recorder{}, &recorder{})
		runOnce(t, w)
		if got := rc.delivered(); len(got) != 1 || !strings.HasPrefix(got[0], "booking.created#") {
			t.Fatalf("delivered %v, want one booking.created (bad signatures: %d)", got, rc.bad)
		}
		p := rc.got[0]
		if p.Data["code"] != b.Code || p.Data["service_id"] != float64(f.svc.ID) || p.Data["department_id"] != float64(f.svc.DepartmentID) ||
			p.Data["start"] != b.StartsAt.UTC().Format(time.RFC3339) {
			t.Errorf("data %v, booking %s at %s", p.Data, b.Code, b.StartsAt)
		}
		if !p.OccurredAt.Equal(f.clock.Now()) {
			t.Errorf("occurred_at %s, want %s", p.OccurredAt, f.clock.Now())
		}
		for _, personal := range []string{"Zażółć", "44051401359", "jan.kowalski", "600100200"} {
			if strings.Contains(rc.bodies[0], personal) {
				t.Errorf("the body carries personal data %q: %s", personal, rc.bodies[0])
			}
		}
		ds, err := hooks.Deliveries(context.Background(), ep.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].State != outbox.Sent || len(ds[0].Log) != 1 || ds[0].Log[0].StatusCode != 200 ||
			ds[0].Log[0].Response != "answer 200" || ds[0].EventID != p.ID {
			t.Fatalf("deliveries %+v", ds)
		}
		// Send again: the same body, a new delivery, delivered.
		again, err := hooks.Redeliver(context.Background(), ep.ID, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, w)
		if got := rc.delivered(); len(got) != 2 || rc.bodies[1] != rc.bodies[0] {
			t.Fatalf("after redelivery: %v", got)
		}
		if _, err := hooks.Redeliver(context.Background(), ep.ID+1, again.ID); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Errorf("redelivering another endpoint's delivery: %v", err)
		}
		// An event the endpoint did not subscribe to is not queued.
		if _, err := f.bookings.CheckIn(context.Background(), b.Code); err != nil && okienko.ErrorCode(err) == okienko.EINTERNAL {
			t.Fatal(err)
		}
		if n := len(hookMessages(t, db)); n != 2 {
			t.Errorf("%d webhook messages, want 2", n)
		}
	})
}

func TestWebhookRetriedUntilTheReceiverAccepts(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		rc.setAnswer(func(n int, _ outbox.Payload, _ *http.Request) int {
			if n == 0 {
				return http.StatusInternalServerError
			}
			return http.StatusNoContent
		})
		hooks, ep := newHook(t, f, rc, outbox.HookBookingCreated)
		f.book(t, "pl", "")
		w := f.worker(&recorder{}, &recorder{})
		runOnce(t, w)
		m := hookMessages(t, db)[0]
		if m.State != outbox.Queued || m.Attempts != 1 || !m.NextAttemptAt.Equal(f.clock.Now().Add(time.Minute)) {
			t.Fatalf("after a 500: %+v", m)
		}
		runOnce(t, w) // not due yet
		if n := len(rc.delivered()); n != 1 {
			t.Fatalf("%d requests before the backoff passed", n)
		}
		f.clock.Advance(time.Minute)
		runOnce(t, w)
		if m := hookMessages(t, db)[0]; m.State != outbox.Sent || m.Attempts != 2 {
			t.Fatalf("after the retry: %+v", m)
		}
		got := rc.delivered()
		if len(got) != 2 || got[0] != "refused:"+got[1] {
			t.Fatalf("requests %v", got)
		}
		ds, _ := hooks.Deliveries(context.Background(), ep.ID, 0)
		if len(ds[0].Log) != 2 || ds[0].Log[0].StatusCode != 500 || !strings.Contains(ds[0].Log[0].Error, "500") || ds[0].Log[1].StatusCode != 204 {
			t.Fatalf("log %+v", ds[0].Log)
		}
	})
}

func TestWebhookHangingReceiverTimesOutAndIsRetried(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		release := make(chan struct{})
		defer close(release)
		rc.setAnswer(func(n int, _ outbox.Payload, r *http.Request) int {
			if n == 0 {
				select { // hangs until the worker gives up
				case <-r.Context().Done():
				case <-release:
				}
			}
			return http.StatusOK
		})
		hooks, ep := newHook(t, f, rc, outbox.HookBookingCreated)
		f.book(t, "pl", "")
		w := f.worker(&recorder{}, &recorder{})
		w.WebhookTimeout = 300 * time.Millisecond
		runOnce(t, w)
		m := hookMessages(t, db)[0]
		if m.State != outbox.Queued || m.Attempts != 1 || !strings.Contains(m.LastError, "deadline") {
			t.Fatalf("after a hang: %+v", m)
		}
		ds, _ := hooks.Deliveries(context.Background(), ep.ID, 0)
		if l := ds[0].Log; len(l) != 1 || l[0].StatusCode != 0 || l[0].Error == "" {
			t.Fatalf("log %+v", l)
		}
		f.clock.Advance(time.Minute)
		runOnce(t, w)
		if m := hookMessages(t, db)[0]; m.State != outbox.Sent || m.Attempts != 2 {
			t.Fatalf("after the retry: %+v", m)
		}
	})
}

func TestWebhookGoneDisablesTheEndpoint(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		rc.setAnswer(func(int, outbox.Payload, *http.Request) int { return http.StatusGone })
		hooks, ep := newHook(t, f, rc, outbox.HookBookingCreated, outbox.HookBookingCancelled)
		b := f.book(t, "pl", "")
		// A second event queued behind the first (same booking).
		if _, err := f.bookings.CancelByCode(context.Background(), b.Code, "44051401359"); err != nil {
			t.Fatal(err)
		}
		w := f.worker(&recorder{}, &recorder{})
		runOnce(t, w)
		got, err := hooks.Get(context.Background(), ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Active || got.DisabledReason != GoneReason || got.DisabledAt == nil {
			t.Fatalf("after 410: %+v", got)
		}
		for _, m := range hookMessages(t, db) {
			if m.State != outbox.Failed {
				t.Errorf("message %s is %s, want failed", m.Key, m.State)
			}
		}
		entries, err := audit.List(context.Background(), db, audit.Filter{ObjectType: ObjectWebhook, ObjectID: ep.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 || entries[0].Action != "disable" {
			t.Fatalf("audit %+v", entries)
		}
		f.clock.Advance(time.Hour)
		f.book(t, "pl", "")
		runOnce(t, w)
		if n := len(rc.delivered()); n != 1 {
			t.Errorf("%d requests to a gone receiver, want 1", n)
		}
		if n := len(hookMessages(t, db)); n != 2 {
			t.Errorf("%d webhook messages after disabling, want 2", n)
		}
	})
}

func TestWebhookEventsOfOneObjectInOrder(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		var refused sync.Once
		rc.setAnswer(func(_ int, p outbox.Payload, _ *http.Request) int {
			status := http.StatusOK
			if p.Data["number"] == "D001" { // the first event of ticket 1 fails once
				refused.Do(func() { status = http.StatusServiceUnavailable })
			}
			return status
		})
		newHook(t, f, rc, outbox.HookTicketIssued, outbox.HookTicketCalled, outbox.HookTicketFinished)
		ctx := context.Background()
		add := func(typ string, ticket int64) {
			t.Helper()
			err := db.Transaction(func(tx *gorm.DB) error {
				return event.Record(ctx, tx, f.clock.Now(), typ, "ticket", ticket, map[string]any{"number": "D00" + strconv.FormatInt(ticket, 10), "counter_id": 9})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		add("ticket.issued", 1)
		add("ticket.called", 1)
		add("ticket.issued", 2)
		add("ticket.started", 1) // not a webhook event
		add("ticket.finished", 1)
		w := f.worker(&recorder{}, &recorder{})
		w.Concurrency = 4
		runOnce(t, w)
		types := func() []string {
			var out []string
			for _, p := range rc.got {
				out = append(out, p.Type+":"+p.Data["number"].(string))
			}
			return out
		}
		if got := strings.Join(types(), " "); got != "refused:ticket.issued:D001 ticket.issued:D002" &&
			got != "ticket.issued:D002 refused:ticket.issued:D001" {
			t.Fatalf("first round: %s", got)
		}
		f.clock.Advance(time.Minute)
		runOnce(t, w)
		got := types()
		if want := "ticket.issued:D001 ticket.called:D001 ticket.finished:D001"; strings.Join(got[2:], " ") != want {
			t.Fatalf("second round: %v, want %s", got[2:], want)
		}
	})
}

func TestWebhookSpecRefusesBadInput(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		hooks := &Webhooks{DB: db, Clock: f.clock}
		ctx := context.Background()
		ok := WebhookSpec{URL: "https://dms.example/hook", Events: []string{outbox.HookTicketCalled}, Active: true}
		for field, spec := range map[string]WebhookSpec{
			"url":    {URL: "ftp://dms.example/x", Events: ok.Events},
			"events": {URL: ok.URL, Events: []string{"booking.erased"}},
			"secret": {URL: ok.URL, Events: ok.Events, Secret: "short"},
		} {
			_, err := hooks.Create(ctx, spec)
			var oe *okienko.Error
			if !errors.As(err, &oe) || oe.Code != okienko.EINVALID || oe.Fields[field] == "" {
				t.Errorf("%s: %v", field, err)
			}
		}
		if eps, _ := hooks.List(ctx); len(eps) != 0 {
			t.Fatalf("bad input wrote %v", eps)
		}
		ep, err := hooks.Create(ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		if len(ep.Secret) != 64 || !ep.SecretSet {
			t.Errorf("a generated secret is answered once: %+v", ep)
		}
		if again, _ := hooks.Get(ctx, ep.ID); again.Secret != "" {
			t.Errorf("the secret shown again: %+v", again)
		}
		_, err = hooks.Update(ctx, ep.ID, func(s *WebhookSpec) error { s.Secret = ""; s.URL = "https://other.example"; return nil })
		if okienko.ErrorCode(err) != okienko.EINVALID {
			t.Errorf("emptying the secret: %v", err)
		}
		if again, _ := hooks.Get(ctx, ep.ID); again.URL != ok.URL {
			t.Errorf("a refused change was written: %+v", again)
		}
	})
}

// The active endpoints are read once and cached per database handle: every
// change through the store (create, update, delete) makes the next event
// read them again and is published for other instances; a change heard
// from another instance does the same; other events change nothing.
func TestWebhookEndpointsCachedUntilChanged(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var published []event.Event
		hooks := &Webhooks{DB: db, Clock: f.clock, Publish: func(es []event.Event) { published = append(published, es...) }}
		cache := outbox.EndpointsOf(db)
		if outbox.EndpointsOf(db.Session(&gorm.Session{})) != cache {
			t.Fatal("a session of the handle has another cache")
		}
		// fire records a booking.created and returns the endpoints it was
		// queued for.
		fire := func() []int64 {
			t.Helper()
			e, err := event.Add(ctx, db, f.clock.Now(), "booking.created", "booking", 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			var to []int64
			for _, m := range hookMessages(t, db) {
				if m.WebhookID != nil && m.Key == outbox.WebhookKey(*m.WebhookID, e.ID) {
					to = append(to, *m.WebhookID)
				}
			}
			return to
		}
		loads := cache.Loads()
		fire()
		fire()
		if n := cache.Loads() - loads; n > 1 {
			t.Fatalf("two events read the endpoints %d times, want at most once", n)
		}
		ep, err := hooks.Create(ctx, WebhookSpec{URL: "https://hooks.example.test/a", Events: []string{outbox.HookBookingCreated}, Secret: hookSecret, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(published) != 1 || published[0].Type != EventWebhooksChanged || published[0].ObjectID != ep.ID {
			t.Fatalf("published %+v", published)
		}
		if to := fire(); len(to) != 1 || to[0] != ep.ID {
			t.Fatalf("after creating: queued for %v, want [%d]", to, ep.ID)
		}
		loads = cache.Loads()
		fire()
		if n := cache.Loads() - loads; n != 0 {
			t.Fatalf("an unchanged list was read %d times", n)
		}
		if _, err := hooks.Update(ctx, ep.ID, func(s *WebhookSpec) error { s.Events = []string{outbox.HookBookingCancelled}; return nil }); err != nil {
			t.Fatal(err)
		}
		if to := fire(); len(to) != 0 {
			t.Fatalf("after unsubscribing: queued for %v", to)
		}
		if _, err := hooks.Update(ctx, ep.ID, func(s *WebhookSpec) error { s.Events = []string{outbox.HookBookingCreated}; return nil }); err != nil {
			t.Fatal(err)
		}
		if to := fire(); len(to) != 1 {
			t.Fatalf("after subscribing again: queued for %v", to)
		}
		if err := hooks.Delete(ctx, ep.ID); err != nil {
			t.Fatal(err)
		}
		if to := fire(); len(to) != 0 {
			t.Fatalf("after deleting: queued for %v", to)
		}
		if len(published) != 4 {
			t.Fatalf("%d changes published, want 4", len(published))
		}
		// A change behind this handle's back (another instance): unseen
		// until its event is heard.
		if err := db.Exec("INSERT INTO webhooks (url, events, secret, active, disabled_reason, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?)",
			"https://hooks.example.test/b", outbox.HookBookingCreated, hookSecret, true, f.clock.Now(), f.clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		if to := fire(); len(to) != 0 {
			t.Fatalf("the cache read the database without being told: %v; the test proves nothing", to)
		}
		hooks.Heard(event.Event{Type: "ticket.called"})
		if to := fire(); len(to) != 0 {
			t.Fatalf("another event made the cache forget: %v", to)
		}
		hooks.Heard(event.Event{Type: EventWebhooksChanged, ObjectType: ObjectWebhook})
		if to := fire(); len(to) != 1 {
			t.Fatalf("after hearing the change: queued for %v", to)
		}
		// The backstop: a list older than a minute (by event time) is read again.
		loads = cache.Loads()
		f.clock.Advance(time.Minute)
		fire()
		if n := cache.Loads() - loads; n != 1 {
			t.Fatalf("a list a minute old was read %d times, want once", n)
		}
	})
}
