package booking_test

import (
	"context"
	"fmt"
	"slices"
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

// Only a confirmed visit can be moved: a pending one is refused (409, asking
// to confirm first) and keeps its hold, an expired one too. Moving a
// booked visit counts holds as take does: a live pending hold occupies its
// seat, a lapsed one (not yet marked expired) does not.
func TestReschedulePendingAndHolds(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := confirmWorld(t, db)
		held, mine, other := w.at(1, 10, 0), w.at(1, 11, 0), w.at(1, 12, 0)
		p, err := w.store.Book(ctx, w.request(1, held))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Reschedule(ctx, p.Code, pesel(1), w.at(2, 10, 0))
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "confirm it") {
			t.Errorf("moving a pending booking: %q does not ask to confirm first", e.Message)
		}
		if got := w.stored(t, p.ID); got.Status != booking.StatusPending || !got.StartsAt.Equal(held) {
			t.Fatalf("after the refused move: %s at %v", got.Status, got.StartsAt)
		}
		if f := w.freeAt(t, held); f != 0 {
			t.Fatalf("the pending hold shows %d free after the refused move", f)
		}
		if f := w.freeAt(t, w.at(2, 10, 0)); f != 1 {
			t.Fatalf("the refused move's slot shows %d free", f)
		}

		b, err := w.store.Book(ctx, w.request(2, mine))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = w.store.Confirm(ctx, b.Code, w.store.ConfirmToken(b)); err != nil || b.Status != booking.StatusBooked {
			t.Fatalf("confirmed %+v, %v", b, err)
		}
		if _, err := w.store.Book(ctx, w.request(3, other)); err != nil {
			t.Fatal(err)
		}
		// Both other slots are held by pending bookings still awaiting
		// confirmation: no move there.
		for _, to := range []time.Time{held, other} {
			_, err := w.store.Reschedule(ctx, b.Code, pesel(2), to)
			wantCode(t, err, okienko.ECONFLICT)
		}
		if f := w.freeAt(t, mine); f != 0 {
			t.Fatalf("the booked visit's slot shows %d free after refused moves", f)
		}

		// The holds lapse (the expiry job has not run): their seats are free
		// to move into, and the lapsed booking can't be moved.
		w.clock.Set(w.at(0, 8, 31))
		moved, err := w.store.Reschedule(ctx, b.Code, pesel(2), other)
		if err != nil {
			t.Fatal(err)
		}
		if !moved.StartsAt.Equal(other) || w.freeAt(t, mine) != 1 || w.freeAt(t, other) != 0 {
			t.Fatalf("moved to %v; %d free at 11:00, %d at 12:00", moved.StartsAt, w.freeAt(t, mine), w.freeAt(t, other))
		}
		_, err = w.store.Reschedule(ctx, p.Code, pesel(1), mine)
		if e := wantCode(t, err, okienko.ECONFLICT); !strings.Contains(e.Message, "expired") {
			t.Errorf("moving a lapsed booking: %q", e.Message)
		}
		if n, err := w.store.ExpirePending(ctx); err != nil || n != 2 {
			t.Fatalf("expired %d, %v", n, err)
		}
		_, err = w.store.Reschedule(ctx, p.Code, pesel(1), mine)
		wantCode(t, err, okienko.ECONFLICT)
		w.wantLoadOfBookings(t)
	})
}

// A hoarder need not confirm: the suspicious view shows pending holds, and
// an administrator's cancellation cancels them and frees their seats; a
// hold already lapsed is neither shown nor cancelled.
func TestSuspiciousPendingHolds(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := &suspectWorld{world: newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity, s.ConfirmMinutes = 100, 30 })}
		ctx := okienko.WithActor(context.Background(), okienko.Actor{Name: "admin", Role: okienko.RoleAdmin})
		lapsed := w.book(t, 0, "203.0.113.9", "", "")
		w.clock.Advance(31 * time.Minute)
		var bs []*booking.Booking
		for i := 0; i < 5; i++ {
			bs = append(bs, w.book(t, time.Second, "203.0.113.9", "", ""))
		}
		confirmed, err := w.store.Confirm(ctx, bs[0].Code, w.store.ConfirmToken(bs[0]))
		if err != nil || confirmed.Status != booking.StatusBooked {
			t.Fatalf("confirmed %+v, %v", confirmed, err)
		}
		got, err := w.store.Suspicious(ctx, w.day(2), w.day(2), booking.DefaultSuspicionRules())
		if err != nil {
			t.Fatal(err)
		}
		var burst []string
		for _, g := range got.Groups {
			if g.Kind == booking.SuspectBurst {
				burst = groupCodes(g)
			}
		}
		if want := codesOf(bs); !slices.Equal(burst, want) {
			t.Fatalf("burst group %v, want the 4 pending and 1 confirmed %v (not the lapsed hold)", burst, want)
		}
		seats := func() int {
			t.Helper()
			slots, err := w.store.Slots(ctx, w.svc.ID, w.day(2))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range slots {
				n += s.Free
			}
			return n
		}
		free := seats()
		cancelled, left, err := w.store.CancelByAdmin(ctx, append(codesOf(bs), lapsed.Code), "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cancelled, codesOf(bs)) || len(left) != 1 || left[0].Code != booking.FormatCode(lapsed.Code) ||
			left[0].Reason != booking.NotCancelledAlready {
			t.Fatalf("cancelled %v, left %+v", cancelled, left)
		}
		if got := seats(); got != free+5 {
			t.Fatalf("%d free seats after cancelling 5, want %d", got, free+5)
		}
		if n := w.count(t, "status = ? AND cancel_reason = ?", booking.StatusCancelled, booking.ReasonAdmin); n != 5 {
			t.Fatalf("%d cancelled by the administrator, want 5", n)
		}
		if got := w.stored(t, lapsed.ID); got.Status != booking.StatusPending {
			t.Fatalf("the lapsed hold is %s", got.Status)
		}
		var audits int64
		db.Table("audit_log").Where("action = ?", booking.AuditCancel).Count(&audits)
		if audits != 5 {
			t.Fatalf("%d audit entries, want 5", audits)
		}
		w.wantLoadOfBookings(t)
	})
}

// A fresh database migrated through 00015 (which rebuilds SQLite's
// bookings table), 00017 (the e-mail key) and 00018 (which adds the suspicious view's columns) has
// every column of a booking and every index of the bookings table, on both
// dialects.
func TestBookingsSchemaAfterMigrations(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		m := db.Migrator()
		for _, col := range []string{"code", "service_id", "day", "starts_at", "ends_at", "status", "name", "email", "phone",
			"pesel_hmac", "pesel_last4", "lang", "consent_at", "created_at", "updated_at", "checked_in_at", "cancelled_at",
			"cancel_reason", "cancel_note", "erased_at", "confirm_by", "confirm_hash", "email_key", "client_addr", "client_net", "pesel_birth"} {
			if !m.HasColumn("bookings", col) {
				t.Errorf("bookings.%s missing", col)
			}
		}
		for _, idx := range []string{"bookings_live_code", "bookings_code_idx", "bookings_service_time_idx", "bookings_pesel_idx",
			"bookings_status_start_idx", "bookings_erase_idx", "bookings_pending_idx", "bookings_confirm_by_idx", "bookings_email_key_idx"} {
			if !m.HasIndex("bookings", idx) {
				t.Errorf("index %s missing", idx)
			}
		}
	})
}

// The per-e-mail limit counts pending holds still held, as the PESEL limit
// does, and not lapsed ones.
func TestLimitPerEmailCountsHolds(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity, s.ConfirmMinutes = 5, 30 })
		w.store.SetMaxActivePerEmail(2)
		book := func(n int) error {
			r := w.request(n, w.at(1, 9, 0))
			r.Email = "Hurt+" + fmt.Sprint(n) + "@example.pl"
			_, err := w.store.Book(ctx, r)
			return err
		}
		for n := 1; n <= 2; n++ {
			if err := book(n); err != nil {
				t.Fatal(err)
			}
		}
		if e := wantCode(t, book(3), okienko.ECONFLICT); e.Fields["email"] == "" {
			t.Fatalf("a third hold of one address: %v does not name email", e)
		}
		w.clock.Set(w.at(0, 8, 31)) // both holds lapsed
		if err := book(3); err != nil {
			t.Fatalf("after the holds lapsed: %v", err)
		}
	})
}
