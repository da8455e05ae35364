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

// matter adds a matter to w's department with slotMinutes and capacity.
func (w *world) matter(t *testing.T, name string, slotMinutes, capacity int, tune func(*office.ServiceSpec)) *office.Service {
	t.Helper()
	ss := office.DefaultServiceSpec()
	ss.DepartmentID, ss.Name, ss.SlotMinutes, ss.Capacity = w.dep.ID, name, slotMinutes, capacity
	if tune != nil {
		tune(&ss)
	}
	svc, err := w.offices.CreateService(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// visit is resident n's request for the matters ids one after another
// from start.
func (w *world) visit(n int, start time.Time, ids ...int64) booking.Request {
	r := w.request(n, start)
	r.ServiceID, r.ServiceIDs = 0, append([]int64{}, ids...)
	return r
}

// freeOf is the free seats of service id's slot starting at start.
func (w *world) freeOf(t *testing.T, id int64, start time.Time) int {
	t.Helper()
	slots, err := w.store.Slots(context.Background(), id, office.DateOf(start.In(warsaw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Start.Equal(start) {
			return s.Free
		}
	}
	t.Fatalf("service %d has no slot at %s", id, start.In(warsaw).Format("15:04"))
	return 0
}

// wantWholeVisits fails if a booking of several matters lacks an item.
func (w *world) wantWholeVisits(t *testing.T) {
	t.Helper()
	var half int64
	err := w.db.Raw(`SELECT count(*) FROM bookings b WHERE b.matters > 0
		AND b.matters <> (SELECT count(*) FROM booking_items i WHERE i.booking_id = b.id)`).Scan(&half).Error
	if err != nil {
		t.Fatal(err)
	}
	if half > 0 {
		t.Fatalf("%d visits of several matters miss items", half)
	}
}

// A visit of two matters takes each matter's seat one after another from
// its start, shows its items, counts against the resident's limits once
// per matter and day, can't be moved, and frees every seat when cancelled.
func TestVisitOfSeveralMatters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)                           // A: 15 minutes, capacity 1
		b := w.matter(t, "Rejestracja pojazdu", 30, 1, nil) // its grid: 07:30, 08:00, … 09:00
		start := w.at(1, 8, 45)
		got, err := w.store.Book(ctx, w.visit(1, start, w.svc.ID, b.ID))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint([]booking.Item{
			{BookingID: got.ID, Position: 0, ServiceID: w.svc.ID, StartsAt: start.UTC(), EndsAt: start.Add(15 * time.Minute).UTC()},
			{BookingID: got.ID, Position: 1, ServiceID: b.ID, StartsAt: start.Add(15 * time.Minute).UTC(), EndsAt: start.Add(45 * time.Minute).UTC()},
		})
		if got.Matters != 2 || got.ServiceID != w.svc.ID || !got.StartsAt.Equal(start) || fmt.Sprint(got.Items) != want {
			t.Fatalf("booked %+v items %v, want the first matter's row and items %s", got, got.Items, want)
		}
		read, err := w.store.Get(ctx, got.Code)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(read.Items) != want {
			t.Fatalf("Get: items %v, want %s", read.Items, want)
		}
		if f := w.freeOf(t, w.svc.ID, start); f != 0 {
			t.Fatalf("A at 08:45: %d free, want 0", f)
		}
		if f := w.freeOf(t, b.ID, start.Add(15*time.Minute)); f != 0 {
			t.Fatalf("B at 09:00: %d free, want 0", f)
		}
		w.wantLoadOfBookings(t)
		// One booking per matter and day: B alone that day is refused.
		if _, err := w.store.Book(ctx, w.requestFor(1, b.ID, w.at(1, 11, 0))); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("the same resident's B alone that day: %v, want ECONFLICT", err)
		}
		// The visit counts once against max_active_per_pesel (3): two more.
		for i, at := range []time.Time{w.at(2, 9, 0), w.at(3, 9, 0)} {
			if _, err := w.store.Book(ctx, w.request(1, at)); err != nil {
				t.Fatalf("booking %d more: %v", i+1, err)
			}
		}
		if _, err := w.store.Book(ctx, w.request(1, w.at(4, 9, 0))); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("a fourth upcoming visit: %v, want ECONFLICT", err)
		}
		if _, err := w.store.Reschedule(ctx, got.Code, pesel(1), w.at(1, 10, 0)); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("moving a visit of several matters: %v, want ECONFLICT", err)
		}
		// Cancelled by day through its second matter: both seats free.
		if _, err := w.store.CancelByDay(ctx, pesel(1), b.ID, w.day(1)); err != nil {
			t.Fatal(err)
		}
		if fa, fb := w.freeOf(t, w.svc.ID, start), w.freeOf(t, b.ID, start.Add(15*time.Minute)); fa != 1 || fb != 1 {
			t.Fatalf("after cancelling: A %d free, B %d free, want 1 and 1", fa, fb)
		}
		w.wantLoadOfBookings(t)
		if n, err := w.store.RebuildLoad(ctx); err != nil || n == 0 {
			t.Fatalf("RebuildLoad: %d, %v", n, err)
		}
		w.wantLoadOfBookings(t)
	})
}

// requestFor is resident n's request for service id at start.
func (w *world) requestFor(n int, id int64, start time.Time) booking.Request {
	r := w.request(n, start)
	r.ServiceID = id
	return r
}

// Bad lists of matters are refused naming the field; a visit with one
// matter full is refused whole: nothing written, no seat taken.
func TestVisitRefused(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		w := newWorld(t, db, nil)
		b := w.matter(t, "Prawo jazdy", 15, 1, nil)
		c := w.matter(t, "Meldunek", 20, 1, nil)
		confirm := w.matter(t, "Z potwierdzeniem", 15, 1, func(s *office.ServiceSpec) { s.ConfirmMinutes = 30 })
		ds := office.DefaultDepartmentSpec()
		ds.Name, ds.TicketPrefix = "Komunikacja", "K"
		dep2, err := w.offices.CreateDepartment(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		ss := office.DefaultServiceSpec()
		ss.DepartmentID, ss.Name = dep2.ID, "Gdzie indziej"
		other, err := w.offices.CreateService(ctx, ss)
		if err != nil {
			t.Fatal(err)
		}
		start := w.at(1, 9, 0)
		both := w.visit(1, start, w.svc.ID, b.ID)
		both.ServiceID = w.svc.ID
		for _, tc := range []struct {
			name  string
			r     booking.Request
			code  string
			field string
		}{
			{"one", w.visit(1, start, w.svc.ID), okienko.EINVALID, "service_ids"},
			{"none", w.visit(1, start), okienko.EINVALID, "service_ids"},
			{"five", w.visit(1, start, w.svc.ID, b.ID, c.ID, confirm.ID, other.ID), okienko.EINVALID, "service_ids"},
			{"both fields", both, okienko.EINVALID, "service_ids"},
			{"duplicate", w.visit(1, start, w.svc.ID, b.ID, w.svc.ID), okienko.EINVALID, "service_ids[2]"},
			{"zero", w.visit(1, start, w.svc.ID, 0), okienko.EINVALID, "service_ids[1]"},
			{"unknown", w.visit(1, start, w.svc.ID, 999999), okienko.EINVALID, "service_ids[1]"},
			{"other department", w.visit(1, start, w.svc.ID, other.ID), okienko.EINVALID, "service_ids[1]"},
			{"asks for confirmation", w.visit(1, start, w.svc.ID, confirm.ID), okienko.EINVALID, "service_ids[1]"},
			// C's 20-minute grid from 07:30 has no slot at 09:15.
			{"off the next matter's grid", w.visit(1, start, w.svc.ID, c.ID), okienko.EINVALID, "service_ids[1]"},
			{"first off its grid", w.visit(1, start.Add(5*time.Minute), w.svc.ID, b.ID), okienko.EINVALID, "start"},
		} {
			_, err := w.store.Book(ctx, tc.r)
			var ae *okienko.Error
			if okienko.ErrorCode(err) != tc.code || !asError(err, &ae) || ae.Fields[tc.field] == "" {
				t.Errorf("%s: %v (fields %v), want %s naming %s", tc.name, err, fieldsOf(err), tc.code, tc.field)
			}
		}
		// B's 09:15 taken: A+B from 09:00 is refused whole.
		if _, err := w.store.Book(ctx, w.requestFor(2, b.ID, start.Add(15*time.Minute))); err != nil {
			t.Fatal(err)
		}
		_, err = w.store.Book(ctx, w.visit(1, start, w.svc.ID, b.ID))
		if okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("A+B with B's seat taken: %v, want ECONFLICT", err)
		}
		if n := w.count(t, "matters > 0"); n != 0 {
			t.Fatalf("%d visits written by refused requests", n)
		}
		var items int64
		if err := db.Table("booking_items").Count(&items).Error; err != nil || items != 0 {
			t.Fatalf("%d items written, %v", items, err)
		}
		if f := w.freeOf(t, w.svc.ID, start); f != 1 {
			t.Fatalf("A at 09:00: %d free after the refused visit, want 1", f)
		}
		w.wantLoadOfBookings(t)
	})
}

func asError(err error, ae **okienko.Error) bool {
	e, ok := err.(*okienko.Error)
	*ae = e
	return ok
}

func fieldsOf(err error) map[string]string {
	if e, ok := err.(*okienko.Error); ok {
		return e.Fields
	}
	return nil
}

// Residents race for overlapping visits of two matters of capacity 3:
// A+B from 09:00 (A 09:00, B 09:15), B+A from 09:00 (B 09:00, A 09:15), B
// alone at 09:15 and A alone at 09:15. B's 09:15 is shared by the first and
// the third kind, A's 09:15 by the second and the fourth, every other seat
// only by its visits: exactly 3 win of each pair, 6 in all; no visit is
// half booked, no seat overbooked, and the load matches the bookings.
func TestVisitRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		const capacity, each = 3, 12
		ctx := context.Background()
		w := newWorld(t, db, func(s *office.ServiceSpec) { s.Capacity = capacity })
		b := w.matter(t, "Rejestracja pojazdu", 15, capacity, nil)
		nine, quarter := w.at(1, 9, 0), w.at(1, 9, 15)
		kinds := []func(n int) booking.Request{
			func(n int) booking.Request { return w.visit(n, nine, w.svc.ID, b.ID) },
			func(n int) booking.Request { return w.visit(n, nine, b.ID, w.svc.ID) },
			func(n int) booking.Request { return w.requestFor(n, b.ID, quarter) },
			func(n int) booking.Request { return w.requestFor(n, w.svc.ID, quarter) },
		}
		var fs []func() error
		won := make([]int, len(kinds))
		wins := make(chan int, len(kinds)*each)
		for i := 0; i < each; i++ {
			for k, kind := range kinds {
				n := 1000 + i*len(kinds) + k
				fs = append(fs, func() error {
					_, err := w.store.Book(ctx, kind(n))
					if okienko.ErrorCode(err) == okienko.ECONFLICT {
						return nil
					}
					if err == nil {
						wins <- k
					}
					return err
				})
			}
		}
		for i, err := range atOnce(fs...) {
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		close(wins)
		for k := range wins {
			won[k]++
		}
		if won[0]+won[2] != capacity || won[1]+won[3] != capacity {
			t.Fatalf("won A+B %d, B+A %d, B alone %d, A alone %d: want %d of A+B and B alone, %d of B+A and A alone",
				won[0], won[1], won[2], won[3], capacity, capacity)
		}
		w.wantWholeVisits(t)
		w.wantLoadOfBookings(t)
		for _, seat := range []struct {
			id int64
			at time.Time
		}{{w.svc.ID, nine}, {w.svc.ID, quarter}, {b.ID, nine}, {b.ID, quarter}} {
			var n int64
			err := db.Raw(`SELECT count(*) FROM (
				SELECT b.id FROM bookings b WHERE b.matters = 0 AND b.service_id = ? AND b.starts_at = ? AND b.status = 'booked'
				UNION ALL
				SELECT i.booking_id FROM booking_items i JOIN bookings b ON b.id = i.booking_id
				WHERE i.service_id = ? AND i.starts_at = ? AND b.status = 'booked') taken`,
				seat.id, seat.at.UTC(), seat.id, seat.at.UTC()).Scan(&n).Error
			if err != nil {
				t.Fatal(err)
			}
			if n > capacity {
				t.Fatalf("service %d at %s: %d seats taken, capacity %d", seat.id, seat.at.In(warsaw).Format("15:04"), n, capacity)
			}
		}
	})
}
