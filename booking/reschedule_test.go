package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// free is the free seats of the slot starting at start, as the calendar
// shows them (-1 when it shows no such slot).
func (w *world) free(t *testing.T, start time.Time) int {
	t.Helper()
	slots, err := w.store.Slots(context.Background(), w.svc.ID, office.DateOf(start.In(warsaw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range slots {
		if sl.Start.Equal(start) {
			return sl.Free
		}
	}
	return -1
}

// atOnce runs fs together, released at the same moment, and returns their
// errors in order.
func atOnce(fs ...func() error) []error {
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			errs[i] = f()
		}()
	}
	close(gate)
	wg.Wait()
	return errs
}

// calendarFile is b's calendar file as the server writes it, parsed strictly.
func (w *world) calendarFile(t *testing.T, b *booking.Booking) []byte {
	t.Helper()
	if err := w.store.Moves(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	off, err := w.offices.Office(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return booking.Calendar(b, w.svc, w.dep, off, "https://urzad.example", "", w.clock.Now())
}

// A move keeps the code and the calendar's UID, takes the new seat, frees
// the old one, and queues the message whose calendar file has a higher
// SEQUENCE; a second move a higher one again, and a cancellation after them
// a higher one still.
func TestReschedule(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		old, next := w.at(1, 10, 0), w.at(2, 11, 15)
		b, err := w.store.Book(ctx, w.request(1, old))
		if err != nil {
			t.Fatal(err)
		}
		uid := booking.CalendarUID(b, "https://urzad.example")
		cal, ev := calendartest.Parse(t, w.calendarFile(t, b))
		calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, 0)

		moved, err := w.store.Reschedule(ctx, booking.FormatCode(b.Code), pesel(1), next.In(time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if moved.ID != b.ID || moved.Code != b.Code || moved.Status != booking.StatusBooked || !moved.StartsAt.Equal(next) ||
			!moved.EndsAt.Equal(next.Add(15*time.Minute)) || moved.Day != w.day(2) || moved.Moves != 1 {
			t.Fatalf("moved %+v", moved)
		}
		got, err := w.store.Get(ctx, b.Code)
		if err != nil || got.ID != b.ID || !got.StartsAt.Equal(next) || got.Day != w.day(2) {
			t.Fatalf("stored after the move: %+v, %v", got, err)
		}
		if f := w.free(t, old); f != 1 {
			t.Errorf("the old slot shows %d free, want 1", f)
		}
		if f := w.free(t, next); f != 0 {
			t.Errorf("the new slot shows %d free, want 0", f)
		}
		if n := w.count(t, ""); n != 1 {
			t.Errorf("%d bookings, want the one moved", n)
		}
		evs, err := event.Since(ctx, db, 0, booking.EventRescheduled, 10)
		if err != nil || len(evs) != 1 || evs[0].ObjectID != b.ID {
			t.Fatalf("rescheduled events %v %v", evs, err)
		}
		cal, ev = calendartest.Parse(t, w.calendarFile(t, got))
		calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, 1)
		from := old.UTC().Format(time.RFC3339)
		key := func(n int, ch string) string {
			return outbox.BookingKey(b.ID, fmt.Sprintf("confirmation.moved.%d", n), ch)
		}
		msgs := outboxKeys(t, db)
		for _, ch := range []string{outbox.Email, outbox.SMS} {
			if want := fmt.Sprintf(`queued {"from":%q,"sequence":1}`, from); msgs[key(1, ch)] != want {
				t.Errorf("%s: %q, want %q", key(1, ch), msgs[key(1, ch)], want)
			}
		}

		// Moved again, on the same day: SEQUENCE 2, a message of its own.
		again := w.at(2, 14, 0)
		if _, err := w.store.Reschedule(ctx, b.Code, pesel(1), again); err != nil {
			t.Fatal(err)
		}
		if f := w.free(t, next); f != 1 {
			t.Errorf("the first new slot shows %d free after the second move, want 1", f)
		}
		if msgs := outboxKeys(t, db); msgs[key(2, outbox.Email)] == "" || len(msgs) != 6 {
			t.Errorf("outbox after two moves: %v", msgs)
		}
		got, _ = w.store.Get(ctx, b.Code)
		cal, ev = calendartest.Parse(t, w.calendarFile(t, got))
		calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, 2)
		if _, err := w.store.CancelByCode(ctx, b.Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		got, _ = w.store.Get(ctx, b.Code)
		cal, ev = calendartest.Parse(t, w.calendarFile(t, got))
		calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", uid, 3)
		if f := w.free(t, again); f != 1 {
			t.Errorf("the cancelled visit's slot shows %d free", f)
		}
	})
}

// Bad input on every field is EINVALID naming it, and nothing is written.
func TestRescheduleRefusesBadInput(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		good := w.at(2, 10, 0)
		bad := pesel(1)[:10] + fmt.Sprint((int(pesel(1)[10]-'0')+1)%10)
		for _, c := range []struct {
			name, code, pesel string
			start             time.Time
			field             string
		}{
			{"no code", "", pesel(1), good, "code"},
			{"short code", "ABC", pesel(1), good, "code"},
			{"no PESEL", b.Code, "", good, "pesel"},
			{"short PESEL", b.Code, "123", good, "pesel"},
			{"PESEL checksum", b.Code, bad, good, "pesel"},
			{"no start", b.Code, pesel(1), time.Time{}, "start"},
			{"start before 2000", b.Code, pesel(1), time.Date(1999, 12, 31, 10, 0, 0, 0, time.UTC), "start"},
			{"start after 2100", b.Code, pesel(1), time.Date(2101, 1, 4, 10, 0, 0, 0, time.UTC), "start"},
			{"past", b.Code, pesel(1), w.at(0, 7, 0), "start"},
			{"within the lead time", b.Code, pesel(1), w.at(0, 8, 30), "start"},
			{"off the grid", b.Code, pesel(1), w.at(2, 10, 7), "start"},
			{"outside the window", b.Code, pesel(1), w.at(45, 10, 0), "start"},
			{"closed weekday", b.Code, pesel(1), w.at(5, 10, 0), "start"},
			{"after hours", b.Code, pesel(1), w.at(2, 16, 0), "start"},
			{"its own time", b.Code, pesel(1), w.at(1, 10, 0), "start"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := w.store.Reschedule(ctx, c.code, c.pesel, c.start)
				e := wantCode(t, err, okienko.EINVALID)
				if e.Fields[c.field] == "" {
					t.Fatalf("fields %v, want %s named", e.Fields, c.field)
				}
			})
		}
		got, _ := w.store.Get(ctx, b.Code)
		if !got.StartsAt.Equal(b.StartsAt) || got.Status != booking.StatusBooked {
			t.Errorf("the booking changed: %+v", got)
		}
		if evs, _ := event.Since(ctx, db, 0, booking.EventRescheduled, 10); len(evs) != 0 {
			t.Errorf("events written: %v", evs)
		}
		if msgs := outboxKeys(t, db); len(msgs) != 2 {
			t.Errorf("outbox: %v", msgs)
		}
	})
}

// A wrong PESEL is answered as an unknown code, so codes can't be probed;
// a cancelled, checked-in or begun visit is not moved.
func TestRescheduleRefusesOthersAndDoneVisits(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		_, wrong := w.store.Reschedule(ctx, b.Code, pesel(2), w.at(2, 10, 0))
		_, unknown := w.store.Reschedule(ctx, "ZZZZ-ZZZZ", pesel(1), w.at(2, 10, 0))
		we, ue := wantCode(t, wrong, okienko.ENOTFOUND), wantCode(t, unknown, okienko.ENOTFOUND)
		if we.Message != ue.Message || len(we.Fields) != 0 || len(ue.Fields) != 0 {
			t.Errorf("wrong PESEL %+v, unknown code %+v: want the same answer", we, ue)
		}

		cancelled, err := w.store.Book(ctx, w.request(2, w.at(1, 11, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.store.CancelByCode(ctx, cancelled.Code, pesel(2)); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Reschedule(ctx, cancelled.Code, pesel(2), w.at(2, 11, 0))
		wantCode(t, err, okienko.ECONFLICT)

		arrived, err := w.store.Book(ctx, w.request(3, w.at(0, 9, 0)))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(w.at(0, 8, 45))
		if _, err := w.store.CheckIn(ctx, arrived.Code); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Reschedule(ctx, arrived.Code, pesel(3), w.at(2, 12, 0))
		wantCode(t, err, okienko.ECONFLICT)

		w.clock.Set(w.at(1, 10, 5)) // b's visit has begun
		_, err = w.store.Reschedule(ctx, b.Code, pesel(1), w.at(2, 13, 0))
		wantCode(t, err, okienko.ECONFLICT)
		if evs, _ := event.Since(ctx, db, 0, booking.EventRescheduled, 10); len(evs) != 0 {
			t.Errorf("events written: %v", evs)
		}
		if n := w.count(t, "status = ? AND starts_at = ?", booking.StatusCancelled, w.at(1, 11, 0).UTC()); n != 1 {
			t.Errorf("the cancelled booking: %d", n)
		}
	})
}

// A move into a full slot is ECONFLICT and leaves the old seat taken; a
// move to a day the resident already has a visit of the matter on is
// refused as a booking would be; a move within the same day is not.
func TestRescheduleIntoAFullSlot(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.MaxActivePerPESEL = 2 })
		full, mine := w.at(1, 10, 0), w.at(1, 11, 0)
		if _, err := w.store.Book(ctx, w.request(1, full)); err != nil {
			t.Fatal(err)
		}
		b, err := w.store.Book(ctx, w.request(2, mine))
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Reschedule(ctx, b.Code, pesel(2), full)
		wantCode(t, err, okienko.ECONFLICT)
		if got, _ := w.store.Get(ctx, b.Code); !got.StartsAt.Equal(mine) || got.Status != booking.StatusBooked {
			t.Fatalf("after the refused move: %+v", got)
		}
		if f := w.free(t, mine); f != 0 {
			t.Errorf("the old slot shows %d free, want 0: still the resident's", f)
		}
		// Another visit of the same matter on day 2: moving there is refused.
		if _, err := w.store.Book(ctx, w.request(2, w.at(2, 9, 0))); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Reschedule(ctx, b.Code, pesel(2), w.at(2, 12, 0))
		wantCode(t, err, okienko.ECONFLICT)
		// Within its own day, at the most upcoming bookings allowed: moved.
		if _, err := w.store.Reschedule(ctx, b.Code, pesel(2), w.at(1, 12, 0)); err != nil {
			t.Fatal(err)
		}
		if f := w.free(t, mine); f != 1 {
			t.Errorf("the old slot shows %d free after the move, want 1", f)
		}
	})
}

// A booking made on an older, longer grid overlaps the new grid's slots: its
// own seat does not count against the slot it moves to.
func TestRescheduleOverlappingItsOwnSeat(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.SlotMinutes = 30 })
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0))) // 10:00–10:30
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 15; return nil }); err != nil {
			t.Fatal(err)
		}
		if f := w.free(t, w.at(1, 10, 15)); f != 0 {
			t.Fatalf("10:15 shows %d free, want 0 while the 30-minute visit holds it", f)
		}
		moved, err := w.store.Reschedule(ctx, b.Code, pesel(1), w.at(1, 10, 15))
		if err != nil {
			t.Fatal(err)
		}
		if !moved.EndsAt.Equal(w.at(1, 10, 30)) || w.free(t, w.at(1, 10, 0)) != 1 || w.free(t, w.at(1, 10, 15)) != 0 {
			t.Fatalf("moved %+v; 10:00 %d free, 10:15 %d free", moved, w.free(t, w.at(1, 10, 0)), w.free(t, w.at(1, 10, 15)))
		}
		if n, err := w.store.RebuildLoad(ctx); err != nil || n != 1 {
			t.Fatalf("rebuilt %d spans, %v", n, err)
		}
		if w.free(t, w.at(1, 10, 0)) != 1 || w.free(t, w.at(1, 10, 15)) != 0 {
			t.Fatal("the load kept by the move differs from the one rebuilt from the bookings")
		}
	})
}

// The race: two residents move into the last seat of a slot at once
// while a third books it; exactly one wins, and each loser keeps what they
// had. 20 rounds.
func TestRescheduleRaceForTheLastSeat(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		for round := 0; round < 20; round++ {
			// Tuesday to Friday, five rounds a day, three slots a round.
			day, base := 1+round/5, (round%5)*3
			at := func(i int) time.Time { return w.at(day, 7, 30).Add(time.Duration(base+i) * 15 * time.Minute) }
			a, err := w.store.Book(ctx, w.request(100+3*round, at(0)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.store.Book(ctx, w.request(101+3*round, at(2)))
			if err != nil {
				t.Fatal(err)
			}
			target := at(1)
			errs := atOnce(
				func() error { _, err := w.store.Reschedule(ctx, a.Code, pesel(100+3*round), target); return err },
				func() error { _, err := w.store.Reschedule(ctx, b.Code, pesel(101+3*round), target); return err },
				func() error { _, err := w.store.Book(ctx, w.request(102+3*round, target)); return err },
			)
			won := -1
			for i, err := range errs {
				switch okienko.ErrorCode(err) {
				case "":
					if won >= 0 {
						t.Fatalf("round %d: %d and %d both won", round, won, i)
					}
					won = i
				case okienko.ECONFLICT:
				default:
					t.Fatalf("round %d: %d: %v", round, i, err)
				}
			}
			if won < 0 {
				t.Fatalf("round %d: nobody won: %v", round, errs)
			}
			if n := w.count(t, "starts_at = ? AND status = ?", target.UTC(), booking.StatusBooked); n != 1 {
				t.Fatalf("round %d: %d bookings hold the seat", round, n)
			}
			for i, mover := range []*booking.Booking{a, b} {
				got, _ := w.store.Get(ctx, mover.Code)
				want := mover.StartsAt
				if i == won {
					want = target
				}
				if !got.StartsAt.Equal(want) || got.Status != booking.StatusBooked {
					t.Fatalf("round %d: mover %d (winner %d) at %v, want %v", round, i, won, got.StartsAt, want)
				}
				if f := w.free(t, mover.StartsAt); (i == won) != (f == 1) {
					t.Fatalf("round %d: mover %d (winner %d): its old slot shows %d free", round, i, won, f)
				}
			}
			if f := w.free(t, target); f != 0 {
				t.Fatalf("round %d: the contested slot shows %d free", round, f)
			}
			w.wantLoadOfBookings(t)
		}
	})
}

// wantLoadOfBookings fails unless booking_load holds, for every span, the
// number of live bookings holding it (each matter of a visit of several).
func (w *world) wantLoadOfBookings(t *testing.T) {
	t.Helper()
	type span struct {
		ServiceID        int64
		StartsAt, EndsAt time.Time
		N                int
	}
	read := func(q *gorm.DB) map[string]int {
		var rows []span
		if err := q.Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, r := range rows {
			if r.N != 0 {
				out[fmt.Sprintf("%d:", r.ServiceID)+r.StartsAt.UTC().Format(time.RFC3339)+"/"+r.EndsAt.UTC().Format(time.RFC3339)] = r.N
			}
		}
		return out
	}
	load := read(w.db.Table("booking_load").Select("service_id, starts_at, ends_at, n"))
	liveStatuses := []string{booking.StatusBooked, booking.StatusCheckedIn}
	live := read(w.db.Raw(`SELECT service_id, starts_at, ends_at, count(*) AS n FROM (
			SELECT service_id, starts_at, ends_at FROM bookings WHERE status IN ? AND matters = 0
			UNION ALL
			SELECT i.service_id, i.starts_at, i.ends_at FROM booking_items i JOIN bookings b ON b.id = i.booking_id
			WHERE b.status IN ? AND b.matters > 0) spans GROUP BY service_id, starts_at, ends_at`, liveStatuses, liveStatuses))
	if fmt.Sprint(load) != fmt.Sprint(live) {
		t.Fatalf("booking_load %v, live bookings %v", load, live)
	}
}

// A cancellation racing a move of the same visit: whichever wins, the
// seats counted are those of the live bookings. 20 rounds.
func TestRescheduleRacesCancel(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		for round := 0; round < 20; round++ {
			day, base := 1+round/5, (round%5)*2
			at := func(i int) time.Time { return w.at(day, 7, 30).Add(time.Duration(base+i) * 15 * time.Minute) }
			b, err := w.store.Book(ctx, w.request(200+round, at(0)))
			if err != nil {
				t.Fatal(err)
			}
			errs := atOnce(
				func() error { _, err := w.store.Reschedule(ctx, b.Code, pesel(200+round), at(1)); return err },
				func() error { _, err := w.store.CancelByCode(ctx, b.Code, pesel(200+round)); return err },
			)
			for i, err := range errs {
				if c := okienko.ErrorCode(err); c != "" && c != okienko.ECONFLICT {
					t.Fatalf("round %d: %d: %v", round, i, err)
				}
			}
			w.wantLoadOfBookings(t)
		}
	})
}
