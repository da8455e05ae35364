package queue_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// setPolicy sets the hall's department's priority policy.
func (h *hall) setPolicy(t testing.TB, p office.PriorityPolicy) {
	t.Helper()
	if _, err := h.offices.UpdateDepartment(context.Background(), h.dep.ID, func(s *office.DepartmentSpec) error {
		s.PriorityPolicy = p
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// callAll calls and starts tickets at the counter until nobody waits,
// advancing the clock a minute before each call, and answers their numbers.
func (h *hall) callAll(t testing.TB, counter, user int64) []string {
	t.Helper()
	ctx := context.Background()
	var got []string
	for {
		h.clock.Advance(time.Minute)
		tk, err := h.q.CallNext(ctx, counter, user)
		if err != nil {
			t.Fatal(err)
		}
		if tk == nil {
			return got
		}
		got = append(got, tk.Number)
		if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPositions holds that every waiting ticket's people ahead is its
// index in Waiting of its matter.
func (h *hall) checkPositions(t testing.TB, svc *office.Service) []string {
	t.Helper()
	ctx := context.Background()
	list, err := h.q.Waiting(ctx, []int64{svc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for i := range list {
		numbers = append(numbers, list[i].Number)
		ahead, _, err := h.q.Position(ctx, &list[i])
		if err != nil || ahead != i {
			t.Fatalf("%s: %d ahead (%v), its place in Waiting %v is %d", list[i].Number, ahead, err, numbers, i)
		}
	}
	return numbers
}

// Ratio every 2: two others, one priority, over the day's calls; the clerk's
// list and the people ahead follow it.
func TestCallNextRatio(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		h.setPolicy(t, office.PriorityPolicy{Mode: office.PolicyRatio, Every: 2})
		counter, user := h.clerk(t, 1, h.a.ID)
		for i := 0; i < 3; i++ { // D001–D003 priority, first
			h.walkIn(t, h.a, true)
			h.clock.Advance(time.Minute)
		}
		for i := 0; i < 4; i++ { // D004–D007
			h.walkIn(t, h.a, false)
			h.clock.Advance(time.Minute)
		}
		want := []string{"D004", "D005", "D001", "D006", "D007", "D002", "D003"}
		if got := h.checkPositions(t, h.a); !slices.Equal(got, want) {
			t.Fatalf("waiting %v, want %v", got, want)
		}
		// One other called: the next is the second other, then priority.
		ctx := context.Background()
		tk, err := h.q.CallNext(ctx, counter, user)
		if err != nil || tk.Number != "D004" {
			t.Fatalf("first call %v, %v", tk, err)
		}
		if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
			t.Fatal(err)
		}
		if got := h.checkPositions(t, h.a); !slices.Equal(got, want[1:]) {
			t.Fatalf("after one call: waiting %v, want %v", got, want[1:])
		}
		if got := h.callAll(t, counter, user); !slices.Equal(got, want[1:]) {
			t.Fatalf("called %v, want %v", got, want[1:])
		}
	})
}

// Aging, max wait 45: a priority ticket that came less than 22.5 minutes
// after a walk-in goes before it, one that came later goes after it, and
// at 45 minutes the walk-in goes first.
func TestCallNextAging(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		h.setPolicy(t, office.PriorityPolicy{Mode: office.PolicyAging, MaxWaitMinutes: 45})
		counter, user := h.clerk(t, 1, h.a.ID)
		h.walkIn(t, h.a, false) // D001 10:00
		h.clock.Set(h.w.At(0, 10, 10))
		h.walkIn(t, h.a, true) // D002 10:10
		h.clock.Set(h.w.At(0, 10, 30))
		h.walkIn(t, h.a, true) // D003 10:30
		h.clock.Set(h.w.At(0, 10, 31))
		if got, want := h.checkPositions(t, h.a), []string{"D002", "D001", "D003"}; !slices.Equal(got, want) {
			t.Fatalf("at 10:31 waiting %v, want %v", got, want)
		}
		h.clock.Set(h.w.At(0, 10, 45))
		if got, want := h.checkPositions(t, h.a), []string{"D001", "D002", "D003"}; !slices.Equal(got, want) {
			t.Fatalf("at 10:45 waiting %v, want %v", got, want)
		}
		if tk, err := h.q.CallNext(context.Background(), counter, user); err != nil || tk.Number != "D001" {
			t.Fatalf("call at 10:45: %v, %v", tk, err)
		}
	})
}

// Under every mode a booking goes within its grace: at 10 minutes after its
// slot it is called ahead of priority tickets that came before its slot,
// and the estimate of the others counts it.
func TestCallNextBookingGrace(t *testing.T) {
	for _, p := range []office.PriorityPolicy{{Mode: office.PolicyStrict}, {Mode: office.PolicyRatio, Every: 3}, {Mode: office.PolicyAging, MaxWaitMinutes: 120}} {
		t.Run(p.Mode, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				h := newHall(t, db)
				ctx := context.Background()
				h.setPolicy(t, p)
				counter, user := h.clerk(t, 1, h.a.ID)
				b, err := h.bookings.Book(ctx, booking.Request{ServiceID: h.a.ID, Start: h.w.At(0, 11, 15), Name: "Jan Kowalski", PESEL: "44051401359", Email: "jan@example.pl", Consent: true})
				if err != nil {
					t.Fatal(err)
				}
				h.clock.Set(h.w.At(0, 10, 55))
				for i := 0; i < 3; i++ {
					h.walkIn(t, h.a, true)
				}
				h.clock.Set(h.w.At(0, 11, 5))
				if _, _, err := h.q.CheckIn(ctx, b.Code); err != nil {
					t.Fatal(err)
				}
				h.clock.Set(h.w.At(0, 11, 24)) // within grace: the priority tickets came first
				if got := h.checkPositions(t, h.a); got[0] == "DR01" {
					t.Fatalf("%s at 11:24: %v", p.Mode, got)
				}
				h.clock.Set(h.w.At(0, 11, 25))
				if got := h.checkPositions(t, h.a); got[0] != "DR01" {
					t.Fatalf("%s at 11:25: %v, want DR01 first", p.Mode, got)
				}
				if tk, err := h.q.CallNext(ctx, counter, user); err != nil || tk.Number != "DR01" {
					t.Fatalf("%s: called %v, %v", p.Mode, tk, err)
				}
			})
		})
	}
}

// Twelve clerks press "next" at once under ratio 2 over 120 tickets, a
// third priority: each ticket is called exactly once, none is left.
func TestClerksCallNextRatio(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		h.setPolicy(t, office.PriorityPolicy{Mode: office.PolicyRatio, Every: 2})
		const clerks, tickets = 12, 120
		seats := make([]seat, clerks)
		for i := range seats {
			seats[i].counter, seats[i].user = h.clerk(t, i+1)
		}
		for i := 0; i < tickets; i++ {
			svc := h.a
			if i%2 == 0 {
				svc = h.b
			}
			h.walkIn(t, svc, i%3 == 0)
		}
		h.drainEachOnce(t, db, seats, tickets)
	})
}
