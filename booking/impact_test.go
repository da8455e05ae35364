package booking_test

import (
	"context"
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

func TestCovered(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		ds := office.DefaultDepartmentSpec()
		ds.Name, ds.TicketPrefix = "Rejestracja pojazdów", "P"
		other, err := w.offices.CreateDepartment(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		ss := office.DefaultServiceSpec()
		ss.DepartmentID, ss.Name = other.ID, "Rejestracja pojazdu"
		otherSvc, err := w.offices.CreateService(ctx, ss)
		if err != nil {
			t.Fatal(err)
		}
		// Days are counted from the test week's Monday (1 is Tuesday).
		book := func(n int, svc int64, d, hh, mm int) int64 {
			t.Helper()
			r := w.request(n, w.at(d, hh, mm))
			r.ServiceID = svc
			b, err := w.store.Book(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.store.Get(ctx, b.Code)
			if err != nil {
				t.Fatal(err)
			}
			return got.ID
		}
		aTue := book(1, w.svc.ID, 1, 9, 0)
		aWed := book(2, w.svc.ID, 2, 9, 0)
		aThu := book(3, w.svc.ID, 3, 9, 0)
		gone := book(4, w.svc.ID, 1, 10, 0)
		bTue := book(5, otherSvc.ID, 1, 9, 0)
		bWed := book(6, otherSvc.ID, 2, 10, 0)
		if _, err := w.store.Cancel(ctx, gone, booking.ReasonResident, ""); err != nil {
			t.Fatal(err)
		}
		day := w.day
		cases := []struct {
			name     string
			from, to int
			dep      int64
			want     []int64
		}{
			{"one department, two days", 1, 2, w.dep.ID, []int64{aTue, aWed}},
			{"office-wide, two days", 1, 2, 0, []int64{aTue, bTue, aWed, bWed}},
			{"office-wide, one day", 1, 1, 0, []int64{aTue, bTue}},
			{"the other department", 2, 3, other.ID, []int64{bWed}},
			{"a day without bookings", 4, 7, 0, []int64{}},
			{"the whole week", 0, 6, w.dep.ID, []int64{aTue, aWed, aThu}},
		}
		for _, tc := range cases {
			got, err := w.store.Covered(ctx, day(tc.from), day(tc.to), tc.dep)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: covered %v, want %v", tc.name, got, tc.want)
			}
		}
		// A visit that has begun can no longer be cancelled, so it isn't covered.
		w.clock.Set(w.at(1, 9, 5))
		got, err := w.store.Covered(ctx, day(1), day(2), 0)
		if err != nil || !slices.Equal(got, []int64{aWed, bWed}) {
			t.Fatalf("after 09:00 on Tuesday: %v %v, want %v", got, err, []int64{aWed, bWed})
		}

		_, err = w.store.Covered(ctx, day(2), day(1), 0)
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["ends_on"] == "" {
			t.Fatalf("reversed range: %v", e.Fields)
		}
		_, err = w.store.Covered(ctx, office.Date{}, day(1), 0)
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["starts_on"] == "" {
			t.Fatalf("no first day: %v", e.Fields)
		}
	})
}

func TestOffGrid(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		for i, hm := range [][2]int{{9, 0}, {9, 15}, {10, 30}} {
			if _, err := w.store.Book(ctx, w.request(i+1, w.at(1, hm[0], hm[1]))); err != nil {
				t.Fatal(err)
			}
		}
		check := func(what string, minutes, wantTotal, wantOff int) {
			t.Helper()
			total, off, err := w.store.OffGrid(ctx, w.svc.ID, minutes)
			if err != nil || total != wantTotal || off != wantOff {
				t.Fatalf("%s, %d-minute grid: total %d off %d (%v), want %d and %d", what, minutes, total, off, err, wantTotal, wantOff)
			}
		}
		// Tuesday opens at 07:30. Every 15 minutes: all three on the grid.
		// Every 20: 07:30 … 08:50, 09:10, 09:30 … 10:10, 10:30, so 09:00
		// and 09:15 fall off. Every 30: 09:00 and 10:30 stay, 09:15 falls off.
		// Every 45: 07:30, 08:15, 09:00, 09:45, 10:30.
		check("before the change", 15, 3, 0)
		check("preview", 20, 3, 2)
		check("preview", 30, 3, 1)
		check("preview", 45, 3, 1)
		check("preview", 60, 3, 2) // 07:30, 08:30, 09:30, 10:30

		// After saving 20 minutes nothing moved: the same answers.
		if _, err := w.offices.UpdateService(ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 20; return nil }); err != nil {
			t.Fatal(err)
		}
		check("after the change", 20, 3, 2)
		check("back to 15", 15, 3, 0)
		// A day closed since keeps its opening hours' grid.
		if _, err := w.offices.CreateClosure(ctx, office.ClosureSpec{StartsOn: w.day(1), Reason: "awaria"}); err != nil {
			t.Fatal(err)
		}
		check("closed day", 20, 3, 2)
		// Visits that have begun are no longer future bookings.
		w.clock.Set(w.at(1, 9, 10))
		check("at 09:10", 20, 2, 1)
		w.clock.Set(w.at(1, 10, 30))
		check("at 10:30", 20, 1, 0)
		w.clock.Set(w.at(1, 10, 31))
		check("after the last", 20, 0, 0)

		for _, m := range []int{0, 4, 481} {
			_, _, err := w.store.OffGrid(ctx, w.svc.ID, m)
			if e := wantCode(t, err, okienko.EINVALID); e.Fields["slot_minutes"] == "" {
				t.Fatalf("%d minutes: %v", m, e.Fields)
			}
		}
		_, _, err := w.store.OffGrid(ctx, 999999, 20)
		wantCode(t, err, okienko.ENOTFOUND)
	})
}
