package notify

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office/officetest"
)

// While the instance is busy taking seats, a new message waits until it
// has been due for BusyDelay; a message due for longer goes at once, and
// so does everything once the instance is no longer busy.
func TestOutboxHoldsBackWhileBusy(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		var busy atomic.Bool
		busy.Store(true)
		rec := &recorder{}
		w := &Worker{DB: db, Clock: clock, Email: rec, SMS: rec, Compose: plain{}, Busy: busy.Load, BusyDelay: time.Second}

		enqueueOn(t, db, clock.Now().Add(-5*time.Minute), outbox.Email, "old", 1) // due for 5 minutes
		enqueueOn(t, db, clock.Now(), outbox.Email, "new", 1)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("busy: sent %d (%v), want only the message due for 5 minutes", n, err)
		}
		clock.Advance(999 * time.Millisecond)
		if n, err := w.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("busy, the new message due for 999 ms: sent %d (%v), want 0", n, err)
		}
		clock.Advance(time.Millisecond)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("busy, the new message due for 1 s: sent %d (%v), want 1", n, err)
		}

		enqueueOn(t, db, clock.Now(), outbox.SMS, "quiet", 1)
		busy.Store(false)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("not busy: sent %d (%v), want the new message at once", n, err)
		}
		if len(rec.sent) != 3 {
			t.Fatalf("%d sends, want 3", len(rec.sent))
		}
	})
}

// A running worker holds a new message back while busy, looking again and
// again, and sends it as soon as the instance is no longer busy, long
// before BusyDelay (the clock stands still).
func TestOutboxSendsWhenBusyEnds(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 8, 0))
		var busy atomic.Bool
		busy.Store(true)
		var looks atomic.Int32
		sent := make(chan *Outgoing, 1)
		w := &Worker{DB: db, Clock: clock, Compose: plain{}, BusyDelay: time.Hour,
			Email: senderFunc(func(m *Outgoing) error { sent <- m; return nil }), SMS: &recorder{},
			Busy: func() bool { looks.Add(1); return busy.Load() }}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()

		enqueueOn(t, db, clock.Now(), outbox.Email, "rush", 1)
		start := looks.Load()
		for looks.Load() < start+20 { // the lanes looked 20 times more
			select {
			case m := <-sent:
				t.Fatalf("sent %q while busy", m.Key)
			case <-time.After(time.Millisecond):
			}
		}
		busy.Store(false)
		select {
		case <-sent:
		case <-time.After(10 * time.Second):
			t.Fatal("not sent once the instance was no longer busy")
		}
	})
}

// senderFunc is a Sender calling a function.
type senderFunc func(m *Outgoing) error

func (f senderFunc) Send(_ context.Context, m *Outgoing) error { return f(m) }
