package booking_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// confirmWorld is a world whose one matter holds new bookings for 30
// minutes until confirmed, one seat per slot.
func confirmWorld(t *testing.T, db *gorm.DB) *world {
	return newWorld(t, db, func(s *office.ServiceSpec) { s.ConfirmMinutes, s.Capacity = 30, 1 })
}

// freeAt returns the free seats of the slot starting at start, from Slots
// and from Days (which must agree).
func (w *world) freeAt(t *testing.T, start time.Time) int {
	t.Helper()
	ctx := context.Background()
	day := office.DateOf(start.In(warsaw))
	slots, err := w.store.Slots(ctx, w.svc.ID, day)
	if err != nil {
		t.Fatal(err)
	}
	free, total := -1, 0
	for _, sl := range slots {
		total += sl.Free
		if sl.Start.Equal(start) {
			free = sl.Free
		}
	}
	if free < 0 {
		t.Fatalf("no slot at %v", start)
	}
	days, err := w.store.Days(ctx, w.svc.ID, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || days[0].Free != total {
		t.Fatalf("Days says %+v, Slots add up to %d free", days, total)
	}
	return free
}

func (w *world) stored(t *testing.T, id int64) *booking.Booking {
	t.Helper()
	b, err := w.store.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (w *world) countEvents(t *testing.T, typ string) int64 {
	t.Helper()
	var n int64
	if err := w.db.Table("events").Where("type = ?", typ).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A booking of a matter with confirm_minutes is pending, holds its seat,
// asks for confirmation by e-mail only, refuses a wrong token without
// writing anything, and once confirmed is booked with the usual
// confirmation; confirming again changes nothing.
func TestPendingConfirmed(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := confirmWorld(t, db)
		start := w.at(1, 10, 0)
		b, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != booking.StatusPending || b.ConfirmBy == nil || !b.ConfirmBy.Equal(w.at(0, 8, 30)) {
			t.Fatalf("booked %s until %v, want pending until 08:30", b.Status, b.ConfirmBy)
		}
		if f := w.freeAt(t, start); f != 0 {
			t.Fatalf("the held seat shows %d free", f)
		}
		// The hold counts against the resident's limits.
		if _, err := w.store.Book(ctx, w.request(1, w.at(1, 11, 0))); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("a second booking of the same day while pending: %v", err)
		}
		key := func(kind, ch string) string { return outbox.BookingKey(b.ID, kind, ch) }
		if got := outboxKeys(t, db); len(got) != 1 || got[key(outbox.ConfirmRequest, outbox.Email)] == "" {
			t.Fatalf("outbox %v, want only the e-mail asking to confirm", got)
		}
		token := w.store.ConfirmToken(b)
		if len(token) < 20 {
			t.Fatalf("token %q", token)
		}
		// Only a hash of the token is stored.
		var raw map[string]any
		if err := db.Table("bookings").Where("id = ?", b.ID).Take(&raw).Error; err != nil {
			t.Fatal(err)
		}
		for k, v := range raw {
			if s, ok := v.(string); ok && strings.Contains(s, token) {
				t.Fatalf("column %s holds the token", k)
			}
		}
		if h, _ := raw["confirm_hash"].(string); len(h) != 64 {
			t.Fatalf("confirm_hash %v", raw["confirm_hash"])
		}

		// A wrong token is refused naming token, and nothing is written.
		w.clock.Set(w.at(0, 8, 10))
		events := w.countEvents(t, booking.EventConfirmed)
		for _, bad := range []string{token[:len(token)-1] + "x", strings.ToUpper(token), w.store.ConfirmToken(&booking.Booking{Code: "ABCDEFGH", ConfirmBy: b.ConfirmBy})} {
			if bad == token {
				continue
			}
			_, err := w.store.Confirm(ctx, b.Code, bad)
			if e := wantCode(t, err, okienko.EFORBIDDEN); e.Fields["token"] == "" {
				t.Fatalf("refusal %+v names no token", e)
			}
		}
		_, err = w.store.Confirm(ctx, b.Code, "")
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["token"] == "" {
			t.Fatalf("empty token: %+v", e)
		}
		_, err = w.store.Confirm(ctx, b.Code, strings.Repeat("a", booking.MaxTokenLen+1))
		wantCode(t, err, okienko.EINVALID)
		if got := w.stored(t, b.ID); got.Status != booking.StatusPending || !got.UpdatedAt.Equal(b.UpdatedAt) {
			t.Fatalf("after wrong tokens: %s, updated %v", got.Status, got.UpdatedAt)
		}
		if n := w.countEvents(t, booking.EventConfirmed); n != events {
			t.Fatalf("%d confirmed events after wrong tokens", n)
		}
		if got := outboxKeys(t, db); len(got) != 1 {
			t.Fatalf("outbox after wrong tokens: %v", got)
		}

		got, err := w.store.Confirm(ctx, booking.FormatCode(b.Code), token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != booking.StatusBooked || got.Code != b.Code {
			t.Fatalf("confirmed: %+v", got)
		}
		if f := w.freeAt(t, start); f != 0 {
			t.Fatalf("the confirmed seat shows %d free", f)
		}
		// The seat now counts in booking_load, so a rebuild agrees.
		if _, err := w.store.RebuildLoad(ctx); err != nil {
			t.Fatal(err)
		}
		if f := w.freeAt(t, start); f != 0 {
			t.Fatalf("after rebuilding the load the seat shows %d free", f)
		}
		want := []string{key(outbox.ConfirmRequest, outbox.Email), key(outbox.Confirmation, outbox.Email), key(outbox.Confirmation, outbox.SMS)}
		keys := outboxKeys(t, db)
		for _, k := range want {
			if keys[k] == "" {
				t.Errorf("no message %s in %v", k, keys)
			}
		}
		// Again: the same answer, nothing new.
		w.clock.Set(w.at(0, 9, 0)) // past the hold: a confirmed booking stays confirmed
		again, err := w.store.Confirm(ctx, b.Code, token)
		if err != nil || again.Status != booking.StatusBooked {
			t.Fatalf("confirming again: %+v, %v", again, err)
		}
		if n := w.countEvents(t, booking.EventConfirmed); n != events+1 {
			t.Fatalf("%d confirmed events, want %d", n, events+1)
		}
		if len(outboxKeys(t, db)) != len(want) {
			t.Fatalf("confirming again queued messages: %v", outboxKeys(t, db))
		}
		// Nothing expires a confirmed booking.
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 0 {
			t.Fatalf("expire: %d, %v", n, err)
		}
	})
}

// A hold not confirmed in time stops counting the moment it lapses, before
// the job marks it expired; the job marks it once; the late confirmation is
// refused as expired.
func TestPendingExpires(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := confirmWorld(t, db)
		start := w.at(1, 10, 0)
		b, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		token := w.store.ConfirmToken(b)
		w.clock.Set(w.at(0, 8, 29).Add(59 * time.Second))
		if f := w.freeAt(t, start); f != 0 {
			t.Fatalf("a second before the hold lapses the slot shows %d free", f)
		}
		if _, err := w.store.Book(ctx, w.request(2, start)); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("booking the held seat: %v", err)
		}
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 0 {
			t.Fatalf("expire before the deadline: %d, %v", n, err)
		}
		w.clock.Set(w.at(0, 8, 30))
		// Free at once, though still stored as pending.
		if got := w.stored(t, b.ID); got.Status != booking.StatusPending {
			t.Fatalf("status %s before the job", got.Status)
		}
		if f := w.freeAt(t, start); f != 1 {
			t.Fatalf("after the hold lapsed the slot shows %d free, want 1", f)
		}
		_, err = w.store.Confirm(ctx, b.Code, token)
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "expired" {
			t.Fatalf("late confirmation: %+v", e)
		}
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d, %v", n, err)
		}
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 0 {
			t.Fatalf("expire again: %d, %v", n, err)
		}
		if n := w.countEvents(t, booking.EventExpired); n != 1 {
			t.Fatalf("%d expired events, want 1", n)
		}
		if got := w.stored(t, b.ID); got.Status != booking.StatusExpired {
			t.Fatalf("status %s after the job", got.Status)
		}
		if f := w.freeAt(t, start); f != 1 {
			t.Fatalf("after the job the slot shows %d free, want 1", f)
		}
		_, err = w.store.Confirm(ctx, b.Code, token)
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "expired" {
			t.Fatalf("confirming an expired booking: %+v", e)
		}
		// The seat is bookable again, by anybody, the same resident too.
		again, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		if again.Code == b.Code && again.ID == b.ID {
			t.Fatal("the expired booking came back")
		}
		if _, err := w.store.Confirm(ctx, again.Code, w.store.ConfirmToken(again)); err != nil {
			t.Fatal(err)
		}
		if f := w.freeAt(t, start); f != 0 {
			t.Fatalf("the seat booked again shows %d free", f)
		}
		// An expired booking can't be cancelled, nor its code found live.
		_, err = w.store.CancelByCode(ctx, b.Code, pesel(1))
		if err == nil {
			t.Fatal("cancelled through the old code")
		}
	})
}

// A pending booking (and an expired one) can't check in; once confirmed it
// can.
func TestPendingCannotCheckIn(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.ConfirmMinutes, s.LeadMinutes = 60, 0 })
		w.clock.Set(w.at(1, 9, 30))
		start := w.at(1, 10, 0)
		pending, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		lapsing, err := w.store.Book(ctx, w.request(2, w.at(1, 10, 15)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(1, 9, 50))
		_, err = w.store.CheckIn(ctx, pending.Code)
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "pending" || !strings.Contains(e.Message, "confirm") {
			t.Fatalf("check-in of a pending booking: %+v", e)
		}
		if got := w.stored(t, pending.ID); got.Status != booking.StatusPending || got.CheckedInAt != nil {
			t.Fatalf("after the refused check-in: %+v", got)
		}
		if _, err := w.store.Confirm(ctx, pending.Code, w.store.ConfirmToken(pending)); err != nil {
			t.Fatal(err)
		}
		if got, err := w.store.CheckIn(ctx, pending.Code); err != nil || got.Status != booking.StatusCheckedIn {
			t.Fatalf("check-in once confirmed: %+v, %v", got, err)
		}
		// Lapsed at 10:30: expired at check-in, before and after the job.
		w.clock.Set(w.at(1, 10, 30))
		_, err = w.store.CheckIn(ctx, lapsing.Code)
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "expired" {
			t.Fatalf("check-in of a lapsed booking: %+v", e)
		}
		if _, err := w.store.ExpirePending(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.CheckIn(ctx, lapsing.Code)
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "expired" {
			t.Fatalf("check-in of an expired booking: %+v", e)
		}
	})
}

// A pending booking can be cancelled by its resident (or a closure),
// freeing the held seat.
func TestPendingCancelled(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := confirmWorld(t, db)
		start := w.at(1, 10, 0)
		b, err := w.store.Book(ctx, w.request(1, start))
		if err != nil {
			t.Fatal(err)
		}
		// A closure of its day would cancel it too.
		if ids, err := w.store.Covered(ctx, w.day(1), w.day(1), 0); err != nil || len(ids) != 1 || ids[0] != b.ID {
			t.Fatalf("covered by a closure: %v, %v", ids, err)
		}
		if _, err := w.store.CancelByCode(ctx, b.Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		if f := w.freeAt(t, start); f != 1 {
			t.Fatalf("after cancelling the hold the slot shows %d free", f)
		}
		_, err = w.store.Confirm(ctx, b.Code, w.store.ConfirmToken(b))
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["reason"] != "cancelled" {
			t.Fatalf("confirming a cancelled booking: %+v", e)
		}
		// By PESEL, matter and day too.
		other, err := w.store.Book(ctx, w.request(2, w.at(1, 11, 0)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.store.CancelByDay(ctx, pesel(2), w.svc.ID, w.day(1))
		if err != nil || got.ID != other.ID || got.Status != booking.StatusCancelled {
			t.Fatalf("cancel by day: %+v, %v", got, err)
		}
	})
}
