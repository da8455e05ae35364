package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// secondDepartment adds department E (prefix E, open like D) with matter
// "Meldunek" to the hall.
func (h *hall) secondDepartment(t testing.TB) (*office.Department, *office.Service) {
	t.Helper()
	ctx := context.Background()
	day := [][]string{{"07:00", "19:00"}}
	dep, err := h.offices.CreateDepartment(ctx, office.DepartmentSpec{Name: "Meldunki", TicketPrefix: "E", LastTicketMinutes: 15,
		Hours: office.WeekHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: day, Sun: day}})
	if err != nil {
		t.Fatal(err)
	}
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name, spec.Capacity = dep.ID, "Meldunek", 5
	svc, err := h.offices.CreateService(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return dep, svc
}

// sharedClerk is clerk for a counter of departments D and dep serving
// services, signed in to serve them all.
func (h *hall) sharedClerk(t testing.TB, n int, dep *office.Department, services ...int64) (counterID, userID int64) {
	t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	name := fmt.Sprintf("clerk%d", n)
	if err := h.db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, 'x', 'clerk', ?, ?)", name, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := h.db.Raw("SELECT id FROM users WHERE username = ?", name).Scan(&userID).Error; err != nil {
		t.Fatal(err)
	}
	c, err := h.offices.CreateCounter(ctx, office.CounterSpec{DepartmentIDs: []int64{h.dep.ID, dep.ID}, Name: fmt.Sprintf("Stanowisko %d", n), ServiceIDs: services})
	if err != nil {
		t.Fatal(err)
	}
	if c.DepartmentID != h.dep.ID || len(c.DepartmentIDs) != 2 {
		t.Fatalf("counter of two departments: %+v", c.CounterSpec)
	}
	if _, err := h.q.OpenCounter(ctx, c.ID, userID, nil); err != nil {
		t.Fatal(err)
	}
	return c.ID, userID
}

// A counter of two departments calls the tickets of both, by the one order
// of the queue across them (priority and due bookings first, then the
// earliest due); the people-ahead estimate of each department's matter
// counts it as a counter open for that matter.
func TestCounterOfTwoDepartments(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		_, meldunek := h.secondDepartment(t)
		dep2, err := h.offices.Department(ctx, meldunek.DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		c, u := h.sharedClerk(t, 1, dep2, h.a.ID, meldunek.ID)

		e1 := h.walkIn(t, meldunek, false)
		h.clock.Advance(time.Minute)
		d1 := h.walkIn(t, h.a, false)
		h.clock.Advance(time.Minute)
		e2 := h.walkIn(t, meldunek, false)
		h.clock.Advance(time.Minute)
		dp := h.walkIn(t, h.a, true) // priority: first, whatever its department
		if e1.Number[0] != 'E' || d1.Number[0] != 'D' {
			t.Fatalf("numbers %s %s: each department numbers its own", e1.Number, d1.Number)
		}

		// The shared counter is the one open for Meldunek.
		ahead, wait, err := h.q.Position(ctx, e2)
		if err != nil || ahead != 1 || wait != 15*time.Minute {
			t.Fatalf("e2: ahead %d wait %v %v, want 1 and 15m (one counter open for it)", ahead, wait, err)
		}
		n, err := h.q.OpenCounters(ctx, meldunek.ID)
		if err != nil || n != 1 {
			t.Fatalf("open counters for Meldunek %d %v, want the shared one", n, err)
		}

		var order []string
		for {
			tk, err := h.q.CallNext(ctx, c, u)
			if err != nil {
				t.Fatal(err)
			}
			if tk == nil {
				break
			}
			order = append(order, tk.Number)
			if _, err := h.q.Act(ctx, tk.ID, u, queue.ActStart, ""); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{dp.Number, e1.Number, d1.Number, e2.Number}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("called %v, want %v", order, want)
		}
	})
}

// Two clerks at two counters sharing department D (one of D alone, one of
// D and E) press "next" at once over the waiting tickets of both
// departments: every ticket is called exactly once, none is skipped, and
// E's tickets go only to the counter that serves E.
func TestSharedDepartmentCallNextRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		dep2, meldunek := h.secondDepartment(t)
		var seats [2]seat
		seats[0].counter, seats[0].user = h.clerk(t, 1)
		seats[1].counter, seats[1].user = h.sharedClerk(t, 2, dep2, h.a.ID, h.b.ID, meldunek.ID)
		const tickets = 120
		eIDs := map[int64]bool{}
		for i := 0; i < tickets; i++ {
			switch i % 3 {
			case 0:
				eIDs[h.walkIn(t, meldunek, false).ID] = true
			case 1:
				h.walkIn(t, h.a, false)
			default:
				h.walkIn(t, h.b, i%10 == 0)
			}
		}
		calls, _, _ := h.drain(t, seats[:], nil)
		if len(calls) != tickets {
			t.Fatalf("%d distinct tickets called, want %d", len(calls), tickets)
		}
		for id, n := range calls {
			if n != 1 {
				t.Fatalf("ticket %d called %d times", id, n)
			}
		}
		var wrong int64
		db.Model(&queue.Ticket{}).Where("department_id = ? AND counter_id <> ?", dep2.ID, seats[1].counter).Count(&wrong)
		if wrong != 0 {
			t.Fatalf("%d of E's tickets called to the counter of D alone", wrong)
		}
		var byShared int64
		db.Model(&queue.Ticket{}).Where("department_id = ? AND counter_id = ?", h.dep.ID, seats[1].counter).Count(&byShared)
		if len(eIDs) != tickets/3 {
			t.Fatalf("E tickets %d", len(eIDs))
		}
		t.Logf("the shared counter called %d of D's tickets", byShared)
	})
}
