package booking_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// The seat path reads only the bookings starting less than the longest
// slot before a span: that bound must be the one the catalog enforces.
func TestLongestSlotIsTheCatalogs(t *testing.T) {
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name = 1, "Sprawa"
	spec.SlotMinutes = booking.MaxSlotMinutes
	if err := spec.Validate(); err != nil {
		t.Fatalf("a slot of MaxSlotMinutes (%d) is refused: %v", booking.MaxSlotMinutes, err)
	}
	spec.SlotMinutes++
	if err := spec.Validate(); err == nil {
		t.Fatalf("a slot longer than MaxSlotMinutes (%d) is allowed: the seat path would miss its bookings", booking.MaxSlotMinutes)
	}
}

// wantNoInstantOverbooked fails if at some instant more live bookings of
// the service overlap it than capacity (the most overlap at some booking's
// start).
func (w *world) wantNoInstantOverbooked(t *testing.T, capacity int) {
	t.Helper()
	var most int
	err := w.db.Raw(`SELECT COALESCE(MAX(n), 0) FROM (
		SELECT a.id, count(*) AS n FROM bookings a JOIN bookings b
			ON b.service_id = a.service_id AND b.starts_at <= a.starts_at AND a.starts_at < b.ends_at
		WHERE a.service_id = ? AND a.status IN ? AND b.status IN ?
		GROUP BY a.id) AS per_booking`, w.svc.ID, []string{booking.StatusBooked, booking.StatusCheckedIn},
		[]string{booking.StatusBooked, booking.StatusCheckedIn}).Scan(&most).Error
	if err != nil {
		t.Fatal(err)
	}
	if most > capacity {
		t.Fatalf("%d live bookings overlap one instant, capacity %d", most, capacity)
	}
}

// The slot length changed under load: 200 residents book in five waves of
// 40, each wave released together with a change of the slot length (30 →
// 15 → 20 → 30 → 15 → 20 minutes), every resident asking for a start of
// one of the grids: three in four in one hour every wave shares, so that
// bookings of the old and the new grid overlap, the others in an hour of
// the wave's own (all grids start on its first minute, so some of them win, with
// the length before or after the wave's change). Afterwards no instant holds
// more live bookings than the capacity, and bookings of more than one
// length were made.
func TestSlotLengthChangedUnderLoad(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		const capacity, waves, perWave = 4, 5, 40
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = capacity; s.SlotMinutes = 30 })
		// The starts of the 15-, 20- and 30-minute grids of Tuesday (open
		// 07:30–15:30) from m to m+60 minutes after opening.
		hour := func(m0 int) []time.Time {
			var out []time.Time
			for m := m0; m < m0+60; m += 5 {
				if m%15 == 0 || m%20 == 0 {
					out = append(out, w.at(1, 7, 30).Add(time.Duration(m)*time.Minute))
				}
			}
			return out
		}
		shared := hour(120) // 09:30–10:30
		lengths := []int{15, 20, 30, 15, 20}
		for wave := 0; wave < waves; wave++ {
			own := hour(180 + 60*wave) // 10:30 on, an hour each wave
			fs := []func() error{func() error {
				_, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = lengths[wave]; return nil })
				return err
			}}
			for i := 0; i < perWave; i++ {
				n, start := wave*perWave+i, shared[i%len(shared)]
				if i%4 == 3 {
					start = own[i/4%len(own)]
				}
				fs = append(fs, func() error {
					_, err := w.store.Book(ctx, w.request(n, start))
					if c := okienko.ErrorCode(err); c == okienko.ECONFLICT || c == okienko.EINVALID {
						return nil // full, or not a start of the grid of the moment
					}
					return err
				})
			}
			for i, err := range atOnce(fs...) {
				if err != nil {
					t.Fatalf("wave %d, call %d: %v", wave, i, err)
				}
			}
		}
		w.wantNoInstantOverbooked(t, capacity)
		w.wantLoadOfBookings(t)
		var rows []struct{ StartsAt, EndsAt time.Time }
		if err := db.Raw(`SELECT DISTINCT starts_at, ends_at FROM bookings`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var lens []int64
		seen := map[int64]bool{}
		for _, r := range rows {
			if m := int64(r.EndsAt.Sub(r.StartsAt) / time.Minute); !seen[m] {
				seen[m] = true
				lens = append(lens, m)
			}
		}
		if len(lens) < 2 {
			t.Fatalf("the bookings made have lengths %v: the test changed nothing under load", lens)
		}
	})
}

// On PostgreSQL bookings of one matter wait only for those whose spans
// overlap theirs: while another transaction holds the seat locks of
// 10:00–10:15, bookings of 10:15 and 10:30 go through, one of 10:00 waits
// until that transaction ends; on a 20-minute grid, bookings of 10:30 and
// 10:50 go through and one of 09:50–10:10 waits.
func TestSeatLocksAreTheSlots(t *testing.T) {
	db := databasetest.Postgres(t)
	ctx := context.Background()
	w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 5 })
	held := w.at(1, 10, 0)
	keys := booking.SeatLockKeys(w.svc.ID, held, held.Add(15*time.Minute))

	hold := func() *gorm.DB {
		tx := db.Begin()
		for _, k := range keys {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", k).Error; err != nil {
				t.Fatal(err)
			}
		}
		return tx
	}
	// waiting returns once some session waits for the first held lock.
	waiting := func() {
		t.Helper()
		deadline, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var n int64
			err := db.Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
				AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 1`, keys[0]>>32, keys[0]&(1<<32-1)).Scan(&n).Error
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			select {
			case <-deadline.Done():
				t.Fatal("no booking waits for the held seat locks")
			case <-tick.C:
			}
		}
	}

	for round, c := range []struct {
		name   string
		slot   int // slot minutes
		waiter time.Time
	}{{"same slot", 15, held}, {"overlapping slot of another grid", 20, w.at(1, 9, 50)}} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = c.slot; return nil }); err != nil {
				t.Fatal(err)
			}
			holder := hold()
			defer holder.Rollback()
			// Bookings of spans with no cell in common finish meanwhile (the
			// deadline only keeps a broken lock from hanging the test).
			for i, at := range []time.Time{held.Add(15 * time.Minute), held.Add(30 * time.Minute)} {
				if c.slot == 20 {
					at = []time.Time{w.at(1, 10, 30), w.at(1, 10, 50)}[i]
				}
				free, cancel := context.WithTimeout(ctx, time.Minute)
				_, err := w.store.Book(free, w.request(100*round+i, at))
				cancel()
				if err != nil {
					t.Fatalf("booking %s while 10:00–10:15 is locked: %v", at.In(warsaw).Format("15:04"), err)
				}
			}
			done := make(chan error, 1)
			go func() {
				_, err := w.store.Book(ctx, w.request(100*round+50, c.waiter))
				done <- err
			}()
			waiting()
			select {
			case err := <-done:
				t.Fatalf("a booking of %s finished while the overlapping seats were locked: %v", c.waiter.In(warsaw).Format("15:04"), err)
			default:
			}
			holder.Rollback()
			if err := <-done; err != nil {
				t.Fatalf("the waiting booking, once the locks were released: %v", err)
			}
		})
	}
}

// Two moves of one visit at once, to two different times: the visit ends
// at one of them, holding one seat; twenty rounds.
func TestRescheduleTwiceAtOnce(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		for round := 0; round < 20; round++ {
			day, base := 1+round/5, (round%5)*3
			at := func(i int) time.Time { return w.at(day, 7, 30).Add(time.Duration(base+i) * 15 * time.Minute) }
			b, err := w.store.Book(ctx, w.request(300+round, at(0)))
			if err != nil {
				t.Fatal(err)
			}
			errs := atOnce(
				func() error { _, err := w.store.Reschedule(ctx, b.Code, pesel(300+round), at(1)); return err },
				func() error { _, err := w.store.Reschedule(ctx, b.Code, pesel(300+round), at(2)); return err },
			)
			for i, err := range errs {
				if c := okienko.ErrorCode(err); c != "" && c != okienko.ECONFLICT {
					t.Fatalf("round %d: move %d: %v", round, i, err)
				}
			}
			got, err := w.store.Get(ctx, b.Code)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != booking.StatusBooked || !(got.StartsAt.Equal(at(1)) || got.StartsAt.Equal(at(2))) {
				t.Fatalf("round %d: the visit ends %s at %v (moves: %v)", round, got.Status, got.StartsAt, errs)
			}
			if n := w.count(t, "code = ? AND status = ?", b.Code, booking.StatusBooked); n != 1 {
				t.Fatalf("round %d: %d live bookings with the code", round, n)
			}
			for i := 0; i < 3; i++ {
				want := 1
				if at(i).Equal(got.StartsAt) {
					want = 0
				}
				if f := w.free(t, at(i)); f != want {
					t.Fatalf("round %d: %s shows %d free, want %d", round, at(i).In(warsaw).Format("15:04"), f, want)
				}
			}
			w.wantLoadOfBookings(t)
		}
	})
}

// Two visits moved at once into each other's times (capacity 2): both
// moves succeed, and neither waits forever for the other (PostgreSQL would
// answer a deadlock with an error).
func TestRescheduleCrosswise(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = 2 })
		for round := 0; round < 20; round++ {
			day, base := 1+round/5, (round%5)*2
			at := func(i int) time.Time { return w.at(day, 7, 30).Add(time.Duration(base+i) * 15 * time.Minute) }
			a, err := w.store.Book(ctx, w.request(400+2*round, at(0)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := w.store.Book(ctx, w.request(401+2*round, at(1)))
			if err != nil {
				t.Fatal(err)
			}
			errs := atOnce(
				func() error { _, err := w.store.Reschedule(ctx, a.Code, pesel(400+2*round), at(1)); return err },
				func() error { _, err := w.store.Reschedule(ctx, b.Code, pesel(401+2*round), at(0)); return err },
			)
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %v", round, fmt.Sprint(errs))
			}
			w.wantLoadOfBookings(t)
		}
	})
}

// A new booking whose first code drawn is a live booking's (nothing looks
// codes up before the insert) gets another: the unique index refuses the
// first, and the whole seat path runs again.
func TestCodeCollisionDrawsAgain(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		first, err := w.store.Book(ctx, w.request(1, w.at(1, 10, 0)))
		if err != nil {
			t.Fatal(err)
		}
		drawn := 0
		restore := booking.DrawCodes(func() (string, bool) {
			drawn++
			return first.Code, drawn <= 2
		})
		defer restore()
		b, err := w.store.Book(ctx, w.request(2, w.at(1, 10, 15)))
		if err != nil {
			t.Fatalf("a booking whose first two codes collide: %v", err)
		}
		if drawn != 3 || b.Code == first.Code {
			t.Fatalf("%d codes drawn, got %s (the live one is %s)", drawn, b.Code, first.Code)
		}
		if n := w.count(t, "status = ?", booking.StatusBooked); n != 2 {
			t.Fatalf("%d bookings stored, want 2", n)
		}
		w.wantLoadOfBookings(t)
	})
}

// A slot of the longest length locks all of its cells (96 of them) in one
// statement: it books, and a second resident finds it full.
func TestLongestSlotBooks(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.SlotMinutes = booking.MaxSlotMinutes })
		start := w.at(7, 8, 0) // next Monday, open 08:00–16:00
		if _, err := w.store.Book(ctx, w.request(1, start)); err != nil {
			t.Fatal(err)
		}
		_, err := w.store.Book(ctx, w.request(2, start))
		wantCode(t, err, okienko.ECONFLICT)
		if n := len(booking.SeatLockKeys(w.svc.ID, start, start.Add(booking.MaxSlotMinutes*time.Minute))); n != 96 {
			t.Fatalf("the longest slot locks %d cells, want 96", n)
		}
	})
}
