package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office/officetest"
)

func enqueue(t *testing.T, db *gorm.DB, now time.Time, n int) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			if _, err := outbox.Enqueue(context.Background(), tx, now, outbox.Message{Key: fmt.Sprintf("test:%d:email", i), Channel: outbox.Email, Kind: outbox.Reminder}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOutboxEnqueueIsIdempotent(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := officetest.Anchor(t).At(0, 8, 0)
		for i := 0; i < 2; i++ {
			var queued bool
			err := db.Transaction(func(tx *gorm.DB) (err error) {
				queued, err = outbox.Enqueue(context.Background(), tx, now, outbox.Message{Key: "booking:1:reminder:email", Channel: outbox.Email, Kind: outbox.Reminder}, map[string]any{"x": 1})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if queued != (i == 0) {
				t.Errorf("enqueue %d: queued = %v", i, queued)
			}
		}
		if n := len(messages(t, db)); n != 1 {
			t.Errorf("outbox has %d rows, want 1", n)
		}
	})
}

func TestOutboxRetriesWithBackoffThenFails(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueue(t, db, clock.Now(), 1)
		calls := 0
		failing := &recorder{fail: func(*Outgoing) error { calls++; return errors.New("421 try later") }}
		w := &Worker{DB: db, Clock: clock, Email: failing, SMS: failing, Compose: plain{}}
		for attempt := 1; attempt <= DefaultMaxAttempts; attempt++ {
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			m := messages(t, db)[0]
			if calls != attempt || m.Attempts != attempt {
				t.Fatalf("attempt %d: %d calls, attempts %d", attempt, calls, m.Attempts)
			}
			if attempt == DefaultMaxAttempts {
				if m.State != outbox.Failed || m.LastError == "" {
					t.Fatalf("after the last attempt: state %s, error %q", m.State, m.LastError)
				}
				break
			}
			wait := time.Minute << (attempt - 1)
			if m.State != outbox.Queued || !m.NextAttemptAt.Equal(clock.Now().Add(wait)) {
				t.Fatalf("attempt %d: state %s, next %v, want queued at now+%v", attempt, m.State, m.NextAttemptAt, wait)
			}
			// Not due a second early.
			clock.Advance(wait - time.Second)
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if calls != attempt {
				t.Fatalf("sent %v before its backoff", wait)
			}
			clock.Advance(time.Second)
		}
		clock.Advance(24 * time.Hour)
		if _, err := w.RunOnce(ctx); err != nil || calls != DefaultMaxAttempts {
			t.Fatalf("a failed message was tried again: %d calls, %v", calls, err)
		}
	})
}

func TestOutboxPermanentFailureIsFinal(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueue(t, db, clock.Now(), 1)
		r := &recorder{fail: func(*Outgoing) error { return Permanent(errors.New("550 no such user")) }}
		w := &Worker{DB: db, Clock: clock, Email: r, SMS: r, Compose: plain{}}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := messages(t, db)[0]
		if m.State != outbox.Failed || m.Attempts != 1 || m.LastError != "550 no such user" {
			t.Errorf("state %s, attempts %d, error %q", m.State, m.Attempts, m.LastError)
		}
	})
}

func TestOutboxCrashBetweenSendAndMark(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueue(t, db, clock.Now(), 1)
		r := &recorder{}
		crashed := false
		w := &Worker{DB: db, Clock: clock, Email: r, SMS: r, Compose: plain{},
			crashAfterSend: func(*outbox.Message) bool { c := !crashed; crashed = true; return c }}
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if m := messages(t, db)[0]; m.State != outbox.Sending {
			t.Fatalf("after the crash: state %s, want sending", m.State)
		}
		// A restarted worker leaves it alone while the lease lasts, and
		// takes it over when the lease expires.
		w2 := &Worker{DB: db, Clock: clock, Email: r, SMS: r, Compose: plain{}}
		clock.Advance(DefaultLease)
		if n, err := w2.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("within the lease: sent %d, %v", n, err)
		}
		clock.Advance(time.Microsecond)
		w = w2
		n, err := w.RunOnce(ctx)
		if err != nil || n != 1 {
			t.Fatalf("after recovery: sent %d, %v", n, err)
		}
		m := messages(t, db)[0]
		if m.State != outbox.Sent || m.SentAt == nil || !m.SentAt.Equal(clock.Now()) || m.Attempts != 2 {
			t.Errorf("state %s, sent at %v, attempts %d", m.State, m.SentAt, m.Attempts)
		}
		if len(r.sent) != 2 || r.sent[0].Key != r.sent[1].Key || !strings.HasSuffix(r.sent[0].Key, "-test:0:email") {
			t.Errorf("deliveries: %d, keys %v", len(r.sent), r.byKey)
		}
		if n, _ := w.RunOnce(ctx); n != 0 || len(r.sent) != 2 {
			t.Errorf("a sent message was sent again")
		}
	})
}

func TestOutboxTwoWorkersNeverSendTwice(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		enqueue(t, db, clock.Now(), 100)
		r := &recorder{}
		var wg sync.WaitGroup
		sent := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			w := &Worker{DB: db, Clock: clock, Email: r, SMS: r, Compose: plain{}, Concurrency: 3}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent[i], errs[i] = w.RunOnce(context.Background())
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if sent[0]+sent[1] != 100 || len(r.sent) != 100 || len(r.byKey) != 100 {
			t.Fatalf("workers sent %v, %d deliveries of %d keys; want 100 of 100", sent, len(r.sent), len(r.byKey))
		}
		for k, n := range r.byKey {
			if n != 1 {
				t.Errorf("%s sent %d times", k, n)
			}
		}
		var left int64
		db.Model(&outbox.Message{}).Where("state <> ?", outbox.Sent).Count(&left)
		if left != 0 {
			t.Errorf("%d messages not sent", left)
		}
		t.Logf("split between workers: %v", sent)
	})
}

// A message keeps its Message-ID across attempts; two installations never
// share one, and each is a valid RFC 5322 msg-id on the public URL's host.
func TestMessageIDPerInstallation(t *testing.T) {
	a := &Worker{Installation: "a1b2c3d4e5f60718", Host: "wizyty.urzad.example.pl"}
	b := &Worker{Installation: "0f1e2d3c4b5a6978", Host: "wizyty.urzad.example.pl"}
	key := outbox.BookingKey(5, outbox.Confirmation, outbox.Email)
	if a.MessageID(key) != a.MessageID(key) {
		t.Error("one message, two Message-IDs")
	}
	if a.MessageID(key) == b.MessageID(key) {
		t.Errorf("two installations share %s", a.MessageID(key))
	}
	if a.MessageID(key) == a.MessageID(outbox.BookingKey(6, outbox.Confirmation, outbox.Email)) {
		t.Error("two messages share a Message-ID")
	}
	for _, id := range []string{a.MessageID(key), b.MessageID(key)} {
		if !msgID.MatchString("<"+id+">") || !strings.HasSuffix(id, "@wizyty.urzad.example.pl") || strings.Contains(id, "booking") {
			t.Errorf("Message-ID %s", id)
		}
	}
}
