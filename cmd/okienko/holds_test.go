package main

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// Two instances on one database, each with the server's scheduler, run the
// expiry of unconfirmed bookings once per tick: the booking whose hold
// lapsed is marked expired once, with one event, and its seat, free from
// the deadline on, stays free.
func TestExpireHoldsJobOncePerTick(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		week := officetest.Anchor(t)
		clock := okienko.NewManualClock(week.At(0, 8, 0))
		offices, _, svc := officetest.New(t, db, clock, func(s *office.ServiceSpec) { s.ConfirmMinutes = 20 })
		bookings := booking.NewStore(db, clock, offices, "secret")
		start := week.At(1, 10, 0)
		b, err := bookings.Book(ctx, booking.Request{ServiceID: svc.ID, Start: start, Name: "Anna Nowak", PESEL: "44051401359", Email: "anna@example.pl", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		scheds := twoInstances(t, db, clock, offices, bookings)
		free := func() int {
			slots, err := bookings.Slots(ctx, svc.ID, week.Day(1))
			if err != nil {
				t.Fatal(err)
			}
			for _, sl := range slots {
				if sl.Start.Equal(start) {
					return sl.Free
				}
			}
			t.Fatal("no slot")
			return 0
		}
		for tick, now := range []time.Time{week.At(0, 8, 19), week.At(0, 8, 20), week.At(0, 8, 21)} {
			clock.Set(now)
			lapsed := !now.Before(week.At(0, 8, 20))
			if want := map[bool]int{false: 0, true: 1}[lapsed]; free() != want {
				t.Fatalf("tick %d, before the job: %d free, want %d", tick, free(), want)
			}
			if ran := runOnEach(t, scheds, jobExpireHolds); ran != 1 {
				t.Fatalf("tick %d: the job ran %d times, want once", tick, ran)
			}
			got, err := bookings.ByID(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := booking.StatusPending
			if lapsed {
				want = booking.StatusExpired
			}
			if got.Status != want {
				t.Fatalf("tick %d: the booking is %s, want %s", tick, got.Status, want)
			}
			if lapsed && free() != 1 {
				t.Fatalf("tick %d, after the job: %d free, want 1", tick, free())
			}
		}
		var events int64
		db.Table("events").Where("type = ? AND object_id = ?", booking.EventExpired, b.ID).Count(&events)
		if events != 1 {
			t.Fatalf("%d expiry events, want 1", events)
		}
	})
}
