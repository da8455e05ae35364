package notify_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
)

// Visits tomorrow get a reminder by e-mail, and by SMS with a phone, once;
// cancelled visits and other days get none.
func TestQueueReminders(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := officetest.Anchor(t)
		clock := okienko.NewManualClock(w.At(0, 8, 0))
		offices, _, svc := officetest.New(t, db, clock, nil)
		store := booking.NewStore(db, clock, offices, "secret")
		// book books day days after Monday at hh:00.
		book := func(pesel, phone string, day, hh int) *booking.Booking {
			b, err := store.Book(ctx, booking.Request{ServiceID: svc.ID, Start: w.At(day, hh, 0),
				Name: "Anna Nowak", PESEL: pesel, Email: "anna@example.pl", Phone: phone, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		withPhone := book("44051401359", "600100200", 1, 9)
		emailOnly := book("02070803628", "", 1, 10)
		cancelled := book("90090515836", "", 1, 11)
		later := book("85021512343", "", 2, 9)
		if _, err := store.Cancel(ctx, cancelled.ID, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		clock.Set(w.At(0, 18, 0))
		for run := 0; run < 2; run++ {
			if _, err := notify.QueueReminders(ctx, db, clock, officetest.Warsaw); err != nil {
				t.Fatal(err)
			}
		}
		var keys []string
		db.Model(&outbox.Message{}).Where("kind = ?", outbox.Reminder).Order("key").Pluck("key", &keys)
		want := []string{
			outbox.BookingKey(withPhone.ID, outbox.Reminder, outbox.Email),
			outbox.BookingKey(withPhone.ID, outbox.Reminder, outbox.SMS),
			outbox.BookingKey(emailOnly.ID, outbox.Reminder, outbox.Email),
		}
		if len(keys) != len(want) {
			t.Fatalf("reminders %v, want %v (not for %d or %d)", keys, want, cancelled.ID, later.ID)
		}
		got := map[string]bool{}
		for _, k := range keys {
			got[k] = true
		}
		for _, k := range want {
			if !got[k] {
				t.Fatalf("reminder %s missing from %v", k, keys)
			}
		}
	})
}

// A visit moved after its reminder to another day is reminded again the
// day before its new time, once; a visit never moved keeps its one key.
func TestQueueRemindersAfterAMove(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := officetest.Anchor(t)
		clock := okienko.NewManualClock(w.At(0, 8, 0))
		offices, _, svc := officetest.New(t, db, clock, nil)
		store := booking.NewStore(db, clock, offices, "secret")
		b, err := store.Book(ctx, booking.Request{ServiceID: svc.ID, Start: w.At(1, 9, 0),
			Name: "Anna Nowak", PESEL: "44051401359", Email: "anna@example.pl", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		reminders := func() []string {
			t.Helper()
			if _, err := notify.QueueReminders(ctx, db, clock, officetest.Warsaw); err != nil {
				t.Fatal(err)
			}
			var keys []string
			db.Model(&outbox.Message{}).Where("kind = ?", outbox.Reminder).Order("key").Pluck("key", &keys)
			return keys
		}
		clock.Set(w.At(0, 18, 0))
		if keys := reminders(); len(keys) != 1 || keys[0] != outbox.BookingKey(b.ID, outbox.Reminder, outbox.Email) {
			t.Fatalf("reminders %v", keys)
		}
		if _, err := store.Reschedule(ctx, b.Code, "44051401359", w.At(3, 10, 0)); err != nil {
			t.Fatal(err)
		}
		clock.Set(w.At(2, 18, 0))
		reminders()
		keys := reminders()
		if len(keys) != 2 || keys[0] != outbox.BookingKey(b.ID, "reminder.moved.1", outbox.Email) {
			t.Fatalf("reminders after the move %v", keys)
		}
	})
}

// The "your turn is near" SMS names the ticket's number; once the ticket has
// been called it is no longer sent.
func TestComposeTurnNear(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
		offices, _, svc := officetest.New(t, db, clock, nil)
		q := queue.NewStore(db, clock, offices, booking.NewStore(db, clock, offices, "secret"))
		tk, err := q.IssueWalkInWithPhone(ctx, svc.ID, false, "+48600100200")
		if err != nil {
			t.Fatal(err)
		}
		id := tk.ID
		m := &outbox.Message{Key: outbox.TicketKey(id, outbox.TurnNear, outbox.SMS), Channel: outbox.SMS, Kind: outbox.TurnNear, Lang: "pl", TicketID: &id}
		c := &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: "http://okienko.test"}
		out, err := c.Compose(ctx, m)
		if err != nil || out.To != "+48600100200" || !strings.Contains(out.Text, "D001") || !strings.Contains(out.Text, "Urząd Miasta") {
			t.Fatalf("compose: %+v %v", out, err)
		}
		db.Table("tickets").Where("id = ?", id).Update("status", "called")
		if _, err := c.Compose(ctx, m); !notify.IsPermanent(err) {
			t.Fatalf("a called ticket's message: %v, want a permanent failure", err)
		}
	})
}
