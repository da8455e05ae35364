package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// staff creates a clerk and a counter of department depID serving services,
// and signs the clerk in there.
func (h *hall) staff(t *testing.T, name string, depID int64, services ...int64) (counterID, userID int64) {
	t.Helper()
	now := h.clock.Now()
	if err := h.db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, 'x', 'clerk', ?, ?)", name, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := h.db.Raw("SELECT id FROM users WHERE username = ?", name).Scan(&userID).Error; err != nil {
		t.Fatal(err)
	}
	c, err := h.offices.CreateCounter(context.Background(), office.CounterSpec{DepartmentID: depID, Name: name, ServiceIDs: services})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.q.OpenCounter(context.Background(), c.ID, userID, nil); err != nil {
		t.Fatal(err)
	}
	return c.ID, userID
}

// visit issues a ticket for svc, calls it to the counter, starts it and
// finishes it the given minutes later.
func (h *hall) visit(t *testing.T, counterID, userID int64, svc *office.Service, minutes int) *queue.Ticket {
	t.Helper()
	ctx := context.Background()
	tk := h.walkIn(t, svc, false)
	if _, err := h.q.CallTicket(ctx, counterID, userID, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.q.Act(ctx, tk.ID, userID, queue.ActStart, ""); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Duration(minutes) * time.Minute)
	if _, err := h.q.Act(ctx, tk.ID, userID, queue.ActFinish, ""); err != nil {
		t.Fatal(err)
	}
	return tk
}

// service creates a matter in department depID with a slot length.
func (h *hall) service(t *testing.T, depID int64, name string, slot int) *office.Service {
	t.Helper()
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name, spec.SlotMinutes = depID, name, slot
	svc, err := h.offices.CreateService(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// Every figure of every matter, in the order of the list, as the hall's day
// goes: counters open and paused, visits served today, yesterday and long
// ago, tickets waiting, called, transferred; then a closure of a department
// and the opening of another.
func TestOpenData(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db) // department D (every day 07:00–19:00) with A and B
		ctx := context.Background()
		// Department K, open on Mondays 12:00–16:00 only, listed before D;
		// its matter E (created after C) listed before C.
		k, err := h.offices.CreateDepartment(ctx, office.DepartmentSpec{Name: "Komunikacja", TicketPrefix: "K", LastTicketMinutes: 15,
			Hours: office.WeekHours{Mon: [][]string{{"12:00", "16:00"}}}})
		if err != nil {
			t.Fatal(err)
		}
		c := h.service(t, k.ID, "Rejestracja pojazdu", 25)
		e := h.service(t, k.ID, "Prawo jazdy", 20)
		for _, q := range []string{
			fmt.Sprintf("UPDATE departments SET position = 0 WHERE id = %d", k.ID),
			fmt.Sprintf("UPDATE services SET position = 0 WHERE id = %d", e.ID),
		} {
			if err := db.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}

		// Fifteen days ago (or a little more, should that day be a public
		// holiday, when D is closed): an hour-long visit of A, too old to
		// count.
		long := 15
		for ; ; long++ {
			if _, holiday := office.Holiday(h.w.Day(-long)); !holiday {
				break
			}
		}
		h.clock.Set(h.w.At(-long, 10, 0))
		c1, u1 := h.staff(t, "od1", h.dep.ID, h.a.ID)
		c2, u2 := h.staff(t, "od2", h.dep.ID, h.a.ID)
		c3, u3 := h.staff(t, "od3", h.dep.ID, h.a.ID, h.b.ID) // paused below
		h.staff(t, "od4", k.ID, e.ID)
		c5, u5 := h.staff(t, "od5", k.ID, c.ID) // paused below
		h.visit(t, c1, u1, h.a, 60)

		// Yesterday: B's oldest of 21 visits took 40 minutes, the last 20 took
		// 5 each, so only those count; one ticket was left waiting.
		h.clock.Set(h.w.At(-1, 8, 0))
		h.visit(t, c3, u3, h.b, 40)
		for range 20 {
			h.visit(t, c3, u3, h.b, 5)
		}
		h.walkIn(t, h.b, false)

		// Today: A served in 10 and 13 minutes (mean 11.5 → 12).
		h.clock.Set(h.w.At(0, 8, 0))
		h.visit(t, c1, u1, h.a, 10)
		h.visit(t, c1, u1, h.a, 13)
		// The later-issued ticket is called first: the current number is the
		// one called last, not the highest.
		t3 := h.walkIn(t, h.a, false)
		t4 := h.walkIn(t, h.a, false)
		if _, err := h.q.CallTicket(ctx, c1, u1, t4.ID); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(2 * time.Minute)
		if _, err := h.q.CallTicket(ctx, c2, u2, t3.ID); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			h.walkIn(t, h.a, false)
		}
		toB, toC := h.walkIn(t, h.a, false), h.walkIn(t, h.a, false)
		if _, err := h.q.Transfer(ctx, toB.ID, u1, h.b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.Transfer(ctx, toC.ID, u1, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.PauseCounter(ctx, c3, u3, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.PauseCounter(ctx, c5, u5, 0); err != nil {
			t.Fatal(err)
		}
		h.clock.Set(h.w.At(0, 10, 0))

		// Figures not depending on the hour; Active per phase below.
		want := []queue.ServiceQueue{
			{ServiceID: e.ID, Service: "Prawo jazdy", DepartmentID: k.ID, Letter: "K", Waiting: 0, OpenCounters: 1, LastCalled: "", ServiceMinutes: 20},
			{ServiceID: c.ID, Service: "Rejestracja pojazdu", DepartmentID: k.ID, Letter: "K", Waiting: 1, OpenCounters: 0, LastCalled: "", ServiceMinutes: 25},
			{ServiceID: h.a.ID, Service: "Wniosek", DepartmentID: h.dep.ID, Letter: "D", Waiting: 3, OpenCounters: 2, LastCalled: t3.Number, ServiceMinutes: 12},
			{ServiceID: h.b.ID, Service: "Odbiór", DepartmentID: h.dep.ID, Letter: "D", Waiting: 1, OpenCounters: 0, LastCalled: "", ServiceMinutes: 5},
		}
		phases := []struct {
			name   string
			setup  func()
			now    time.Time
			active []bool // E, C, A, B
		}{
			// E: K is closed but a counter serves E; C: K closed, its counter
			// paused; A: counters and D open; B: only D open.
			{"10:00, D open, K closed", func() {}, h.w.At(0, 10, 0), []bool{true, false, true, true}},
			{"D closed for the day", func() {
				if _, err := h.offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &h.dep.ID, StartsOn: h.w.Day(0), EndsOn: h.w.Day(0), Reason: "awaria"}); err != nil {
					t.Fatal(err)
				}
			}, h.w.At(0, 10, 0), []bool{true, false, true, false}},
			{"12:30, K open", func() {}, h.w.At(0, 12, 30), []bool{true, true, true, false}},
		}
		for _, ph := range phases {
			t.Run(ph.name, func(t *testing.T) {
				ph.setup()
				h.clock.Set(ph.now)
				got, err := h.q.OpenData(ctx, 0)
				if err != nil {
					t.Fatal(err)
				}
				if got.At.Format("2006-01-02 15:04 MST") != ph.now.In(warsaw).Format("2006-01-02 15:04 MST") || got.At.Location().String() != "Europe/Warsaw" {
					t.Errorf("At = %v, want %v in Europe/Warsaw", got.At, ph.now)
				}
				if len(got.Services) != len(want) {
					t.Fatalf("%d services, want %d: %+v", len(got.Services), len(want), got.Services)
				}
				for i, w := range want {
					w.Active = ph.active[i]
					if got.Services[i] != w {
						t.Errorf("service %d:\n got %+v\nwant %+v", i+1, got.Services[i], w)
					}
				}
			})
		}
	})
}

// The number of queries OpenData makes doesn't grow with the matters.
func TestOpenDataQueriesBounded(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		var n atomic.Int64
		count := func(*gorm.DB) { n.Add(1) }
		if err := db.Callback().Query().After("gorm:query").Register("count_opendata_queries", count); err != nil {
			t.Fatal(err)
		}
		if err := db.Callback().Row().After("gorm:row").Register("count_opendata_rows", count); err != nil {
			t.Fatal(err)
		}
		queries := func() int64 {
			t.Helper()
			n.Store(0)
			if _, err := h.q.OpenData(ctx, 0); err != nil {
				t.Fatal(err)
			}
			return n.Load()
		}
		c1, u1 := h.staff(t, "od1", h.dep.ID, h.a.ID, h.b.ID)
		h.visit(t, c1, u1, h.a, 7)
		h.walkIn(t, h.b, false)
		few := queries()
		if few < 5 {
			t.Fatalf("only %d queries counted; the counting is broken", few)
		}
		for i := range 3 {
			d, err := h.offices.CreateDepartment(ctx, office.DepartmentSpec{Name: fmt.Sprintf("Wydział %d", i), TicketPrefix: string(rune('P' + i)), LastTicketMinutes: 15,
				Hours: office.WeekHours{Mon: [][]string{{"07:00", "19:00"}}}})
			if err != nil {
				t.Fatal(err)
			}
			var svcs []*office.Service
			var ids []int64
			for j := range 5 {
				svc := h.service(t, d.ID, fmt.Sprintf("Sprawa %d.%d", i, j), 15)
				svcs, ids = append(svcs, svc), append(ids, svc.ID)
			}
			c, u := h.staff(t, fmt.Sprintf("odx%d", i), d.ID, ids...)
			h.visit(t, c, u, svcs[1], 3)
			h.walkIn(t, svcs[0], false)
		}
		if many := queries(); many != few {
			t.Fatalf("%d queries for 2 matters, %d for 17", few, many)
		}
	})
}
