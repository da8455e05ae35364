package booking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

func outboxKeys(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	var rows []outbox.Message
	if err := db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Key] = r.State + " " + r.Data
	}
	return out
}

func TestBookCancelOutbox(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		withPhone, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		r := w.request(2, w.at(1, 11, 0))
		r.Phone = ""
		noPhone, err := w.store.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		// A refused booking writes no message.
		if _, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0))); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("a second booking of the day: %v", err)
		}
		if _, err := w.store.CancelByCode(ctx, withPhone.Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 11, 45))
		if n, err := w.store.CancelLate(ctx); err != nil || n != 1 {
			t.Fatalf("late: %d, %v", n, err)
		}
		key := func(b int64, kind, ch string) string { return outbox.BookingKey(b, kind, ch) }
		want := map[string]string{
			key(withPhone.ID, outbox.Confirmation, outbox.Email):   "queued {}",
			key(withPhone.ID, outbox.Confirmation, outbox.SMS):     "queued {}",
			key(noPhone.ID, outbox.Confirmation, outbox.Email):     "queued {}",
			key(withPhone.ID, outbox.Cancellation, outbox.Email):   `queued {"reason":"resident"}`,
			key(withPhone.ID, outbox.Cancellation, outbox.SMS):     `queued {"reason":"resident"}`,
			key(noPhone.ID, outbox.CancellationLate, outbox.Email): `queued {"reason":"late"}`,
		}
		got := outboxKeys(t, db)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("outbox:\n got %v\nwant %v", got, want)
		}
	})
}

// A booking whose transaction fails after the insert leaves no message: the
// outbox row is in the same transaction.
func TestBookOutboxRollsBack(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		// Make the event insert fail after the booking and before commit.
		if err := db.Exec("DROP TABLE events").Error; err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0))); err == nil {
			t.Fatal("booked without the events table")
		}
		if n := w.count(t, ""); n != 0 {
			t.Errorf("%d bookings left", n)
		}
		if got := outboxKeys(t, db); len(got) != 0 {
			t.Errorf("outbox rows left: %v", got)
		}
		_ = time.Second
	})
}
