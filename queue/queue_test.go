package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
)

var warsaw = officetest.Warsaw

// at is hh:mm on the Warsaw wall clock of a written date, for the tests
// about a particular day of the calendar.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, warsaw)
}

// hall is an office with department D (open every day 07:00–19:00), matters
// A and B in it, and counters serving both, at 10:00 on the Monday of the
// test week (officetest.Anchor).
type hall struct {
	w        officetest.Week
	db       *gorm.DB
	clock    *okienko.ManualClock
	offices  *office.Store
	bookings *booking.Store
	q        *queue.Store
	dep      *office.Department
	a, b     *office.Service
	events   []event.Event
	mu       sync.Mutex
}

func newHall(t testing.TB, db *gorm.DB) *hall {
	t.Helper()
	w := officetest.Anchor(t)
	h := newHallAt(t, db, w.At(0, 10, 0))
	h.w = w
	return h
}

// newHallAt is the hall with its clock at start, for the tests that stand
// on a particular day of the calendar rather than on the test week.
func newHallAt(t testing.TB, db *gorm.DB, start time.Time) *hall {
	t.Helper()
	ctx := context.Background()
	clock := okienko.NewManualClock(start)
	offices := office.NewStore(db, clock)
	if err := offices.CreateOffice(ctx, &office.Office{Name: "Urząd", TimeZone: "Europe/Warsaw"}); err != nil {
		t.Fatal(err)
	}
	day := [][]string{{"07:00", "19:00"}}
	dep, err := offices.CreateDepartment(ctx, office.DepartmentSpec{Name: "Dowody", TicketPrefix: "D", LastTicketMinutes: 15, BookingGraceMinutes: 10,
		Hours: office.WeekHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: day, Sun: day}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string) *office.Service {
		spec := office.DefaultServiceSpec()
		spec.DepartmentID, spec.Name, spec.Capacity = dep.ID, name, 5
		svc, err := offices.CreateService(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	h := &hall{db: db, clock: clock, offices: offices, dep: dep, a: mk("Wniosek"), b: mk("Odbiór")}
	h.bookings = booking.NewStore(db, clock, offices, "secret")
	h.q = queue.NewStore(db, clock, offices, h.bookings)
	h.q.OnCommit(func(evs []event.Event) {
		h.mu.Lock()
		h.events = append(h.events, evs...)
		h.mu.Unlock()
	})
	return h
}

// clerk creates a user and a counter serving services and signs the user in
// there; it returns the counter and user ids.
func (h *hall) clerk(t testing.TB, n int, services ...int64) (counterID, userID int64) {
	t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	if err := h.db.Exec("INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, 'x', 'clerk', ?, ?)", fmt.Sprintf("clerk%d", n), now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := h.db.Raw("SELECT id FROM users WHERE username = ?", fmt.Sprintf("clerk%d", n)).Scan(&userID).Error; err != nil {
		t.Fatal(err)
	}
	c, err := h.offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: h.dep.ID, Name: fmt.Sprintf("Stanowisko %d", n), ServiceIDs: []int64{h.a.ID, h.b.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.q.OpenCounter(ctx, c.ID, userID, services); err != nil {
		t.Fatal(err)
	}
	return c.ID, userID
}

func (h *hall) walkIn(t testing.TB, svc *office.Service, priority bool) *queue.Ticket {
	t.Helper()
	tk, err := h.q.IssueWalkIn(context.Background(), svc.ID, priority)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func code(err error) string { return okienko.ErrorCode(err) }

// The state machine, every action from every state.
func TestStateMachine(t *testing.T) {
	want := map[queue.Action]map[string]string{
		queue.ActCall:       {"waiting": "called"},
		queue.ActRecall:     {"called": "called"},
		queue.ActStart:      {"called": "serving"},
		queue.ActFinish:     {"serving": "done"},
		queue.ActNoShow:     {"called": "no_show"},
		queue.ActReturn:     {"called": "waiting"},
		queue.ActTransfer:   {"waiting": "waiting", "called": "waiting", "serving": "waiting"},
		queue.ActExpire:     {"waiting": "expired", "called": "expired"},
		queue.ActUndoNoShow: {"no_show": "called"},
	}
	for _, a := range queue.Actions {
		for _, from := range queue.Statuses {
			t.Run(string(a)+" from "+from, func(t *testing.T) {
				got, err := queue.Next(a, from)
				if to, ok := want[a][from]; ok {
					if err != nil || got != to {
						t.Fatalf("got %q, %v; want %q", got, err, to)
					}
				} else if code(err) != okienko.ECONFLICT {
					t.Fatalf("got %q, %v; want a 409", got, err)
				}
			})
		}
	}
	if _, err := queue.Next("dance", "waiting"); code(err) != okienko.EINVALID {
		t.Fatalf("unknown action: %v", err)
	}
}

// The same machine through the store: each action on a ticket in each
// reachable state does what the table says, and refuses the rest with 409.
func TestActionsInTheStore(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1)
		// Bring a ticket to state, returning it.
		to := func(state string) *queue.Ticket {
			tk := h.walkIn(t, h.a, true)
			if state == queue.StatusWaiting {
				return tk
			}
			if _, err := h.q.CallTicket(ctx, counter, user, tk.ID); err != nil {
				t.Fatal(err)
			}
			switch state {
			case queue.StatusServing:
				if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
					t.Fatal(err)
				}
			case queue.StatusDone:
				h.q.Act(ctx, tk.ID, user, queue.ActStart, "")
				if _, err := h.q.Act(ctx, tk.ID, user, queue.ActFinish, "wydano"); err != nil {
					t.Fatal(err)
				}
			case queue.StatusNoShow:
				if _, err := h.q.Act(ctx, tk.ID, user, queue.ActNoShow, ""); err != nil {
					t.Fatal(err)
				}
			}
			return tk
		}
		// Leave the counter free for the next case.
		clear := func() {
			if cur, _ := h.q.Current(ctx, counter); cur != nil {
				if cur.Status == queue.StatusCalled {
					h.q.Act(ctx, cur.ID, user, queue.ActStart, "")
				}
				h.q.Act(ctx, cur.ID, user, queue.ActFinish, "")
			}
		}
		for _, a := range []queue.Action{queue.ActRecall, queue.ActStart, queue.ActFinish, queue.ActNoShow, queue.ActReturn} {
			for _, from := range []string{queue.StatusWaiting, queue.StatusCalled, queue.StatusServing, queue.StatusDone, queue.StatusNoShow} {
				t.Run(string(a)+" from "+from, func(t *testing.T) {
					clear()
					tk := to(from)
					got, err := h.q.Act(ctx, tk.ID, user, a, "")
					want, werr := queue.Next(a, from)
					if werr != nil {
						if code(err) != okienko.ECONFLICT && code(err) != okienko.EFORBIDDEN {
							t.Fatalf("got %v, want 409 (or 403 for a waiting ticket)", err)
						}
						stored, _ := h.q.Ticket(ctx, tk.ID)
						if stored.Status != from {
							t.Fatalf("a refused action moved the ticket to %s", stored.Status)
						}
						return
					}
					if err != nil || got.Status != want {
						t.Fatalf("got %+v, %v; want %s", got, err, want)
					}
				})
			}
		}
	})
}

// seat is a clerk signed in at a counter.
type seat struct{ counter, user int64 }

// drainEachOnce has the clerks at seats call until nobody waits and fails
// t unless each of the tickets was called exactly once, none left waiting.
func (h *hall) drainEachOnce(t *testing.T, db *gorm.DB, seats []seat, tickets int) {
	t.Helper()
	calls, _, _ := h.drain(t, seats, nil)
	if len(calls) != tickets {
		t.Fatalf("%d distinct tickets called, want %d", len(calls), tickets)
	}
	for id, n := range calls {
		if n != 1 {
			t.Fatalf("ticket %d called %d times", id, n)
		}
	}
	var waiting int64
	db.Model(&queue.Ticket{}).Where("status = ?", queue.StatusWaiting).Count(&waiting)
	if waiting != 0 {
		t.Fatalf("%d tickets still waiting: skipped", waiting)
	}
}

// drain has every seat press "next" at once, and start each ticket it gets,
// until nobody waits. It answers how often each ticket was called, the
// latency of every call that got one, and the time from the first press to
// the last; before runs just before the first press.
func (h *hall) drain(tb testing.TB, seats []seat, before func()) (map[int64]int, []time.Duration, time.Duration) {
	ctx := context.Background()
	var mu sync.Mutex
	calls := map[int64]int{}
	var ds []time.Duration
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for _, st := range seats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			for {
				t0 := time.Now()
				tk, err := h.q.CallNext(ctx, st.counter, st.user)
				d := time.Since(t0)
				if err != nil {
					tb.Error(err)
					return
				}
				if tk == nil {
					return
				}
				mu.Lock()
				calls[tk.ID]++
				ds = append(ds, d)
				mu.Unlock()
				if _, err := h.q.Act(ctx, tk.ID, st.user, queue.ActStart, ""); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	if before != nil {
		before()
	}
	t0 := time.Now()
	close(gate)
	wg.Wait()
	return calls, ds, time.Since(t0)
}

// 20 clerks press "next" at once over 1,000 waiting tickets: every ticket is
// called exactly once and none is skipped.
func TestTwentyClerksCallNext(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		const clerks, tickets = 20, 1000
		seats := make([]seat, clerks)
		for i := range seats {
			seats[i].counter, seats[i].user = h.clerk(t, i+1)
		}
		for i := 0; i < tickets; i++ {
			svc := h.a
			if i%3 == 0 {
				svc = h.b
			}
			h.walkIn(t, svc, i%50 == 0)
		}
		h.drainEachOnce(t, db, seats, tickets)
	})
}

// A priority ticket and a booking whose slot has begun go before earlier
// walk-ins; a transferred ticket keeps its place.
func TestOrder(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1, h.a.ID)
		// A resident booked 11:15 and checks in at 10:50.
		b, err := h.bookings.Book(ctx, booking.Request{ServiceID: h.a.ID, Start: h.w.At(0, 11, 15), Name: "Jan Kowalski", PESEL: "44051401359", Email: "jan@example.pl", Consent: true})
		if err != nil {
			t.Fatal(err)
		}
		w1 := h.walkIn(t, h.a, false) // 10:00
		h.clock.Advance(time.Minute)
		wB := h.walkIn(t, h.b, false) // 10:01, for matter B
		h.clock.Advance(time.Minute)
		w2 := h.walkIn(t, h.a, false) // 10:02
		h.clock.Advance(time.Minute)
		p := h.walkIn(t, h.a, true) // 10:03, priority
		h.clock.Set(h.w.At(0, 10, 50))
		bt, _, err := h.q.CheckIn(ctx, b.Code)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Number != "DR01" || bt.Kind != queue.KindBooking || w1.Number != "D001" || p.Number != "D004" {
			t.Fatalf("numbers %s %s %s", bt.Number, w1.Number, p.Number)
		}
		// Checking in again issues nothing and names the ticket already issued.
		_, _, err = h.q.CheckIn(ctx, b.Code)
		var again *okienko.Error
		if !errors.As(err, &again) || again.Code != okienko.ECONFLICT || again.Fields["reason"] != "checked_in" ||
			again.Fields["ticket_number"] != "DR01" || again.Fields["ticket_public_id"] != bt.PublicID {
			t.Fatalf("a second check-in: %#v", err)
		}
		// Before the booking's slot begins: priority, then walk-ins by issue time.
		ahead, _, _ := h.q.Position(ctx, w2)
		if ahead != 2 {
			t.Fatalf("w2 has %d ahead, want 2 (priority and w1)", ahead)
		}
		// The transferred ticket from matter B keeps its 10:01 place in A.
		if _, err := h.q.Transfer(ctx, wB.ID, user, h.a.ID); code(err) != okienko.EFORBIDDEN {
			// The counter serves only A; a clerk at a B counter transfers it.
			t.Fatalf("transfer by a clerk whose counter doesn't serve B: %v", err)
		}
		_, userB := h.clerk(t, 2, h.b.ID)
		if _, err := h.q.Transfer(ctx, wB.ID, userB, h.a.ID); err != nil {
			t.Fatal(err)
		}
		h.clock.Set(h.w.At(0, 11, 15)) // the booking's slot begins
		var order []string
		for {
			tk, err := h.q.CallNext(ctx, counter, user)
			if err != nil {
				t.Fatal(err)
			}
			if tk == nil {
				break
			}
			order = append(order, tk.Number)
			if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{p.Number, bt.Number, w1.Number, wB.Number, w2.Number}
		if fmt.Sprint(order) != fmt.Sprint(want) {
			t.Fatalf("called %v, want %v", order, want)
		}
	})
}

// One clerk per counter, one counter per clerk; nobody acts on another
// counter's ticket; a paused counter calls nobody.
func TestCountersAndPermissions(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		c1, u1 := h.clerk(t, 1)
		c2, u2 := h.clerk(t, 2)
		if _, err := h.q.OpenCounter(ctx, c1, u2, nil); code(err) != okienko.ECONFLICT {
			t.Fatalf("a second clerk at a held counter: %v", err)
		}
		if _, err := h.q.OpenCounter(ctx, c2, u1, nil); code(err) != okienko.ECONFLICT {
			t.Fatalf("a clerk at two counters: %v", err)
		}
		if _, err := h.q.OpenCounter(ctx, c1, u1, []int64{99999}); code(err) != okienko.EINVALID {
			t.Fatalf("a service the counter doesn't serve: %v", err)
		}
		tk := h.walkIn(t, h.a, false)
		if _, err := h.q.CallNext(ctx, c1, u2); code(err) != okienko.EFORBIDDEN {
			t.Fatalf("calling at another's counter: %v", err)
		}
		got, err := h.q.CallNext(ctx, c1, u1)
		if err != nil || got.ID != tk.ID {
			t.Fatalf("call: %v %v", got, err)
		}
		for _, a := range []queue.Action{queue.ActRecall, queue.ActStart, queue.ActNoShow, queue.ActReturn} {
			if _, err := h.q.Act(ctx, tk.ID, u2, a, ""); code(err) != okienko.EFORBIDDEN {
				t.Fatalf("%s by the clerk of another counter: %v", a, err)
			}
		}
		if _, err := h.q.CallNext(ctx, c1, u1); code(err) != okienko.ECONFLICT {
			t.Fatalf("next while the current ticket is called, not started: %v", err)
		}
		if _, err := h.q.Act(ctx, tk.ID, u1, queue.ActRecall, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := h.q.PauseCounter(ctx, c2, u2, 0); err != nil {
			t.Fatal(err)
		}
		h.walkIn(t, h.a, false)
		if _, err := h.q.CallNext(ctx, c2, u2); code(err) != okienko.ECONFLICT {
			t.Fatalf("calling at a paused counter: %v", err)
		}
		// Closing with a called ticket returns it to the queue in its place.
		if err := h.q.CloseCounter(ctx, c1, u1); err != nil {
			t.Fatal(err)
		}
		back, _ := h.q.Ticket(ctx, tk.ID)
		if back.Status != queue.StatusWaiting || back.CounterID != nil || back.Recalls != 1 {
			t.Fatalf("after closing: %+v", back)
		}
		if _, err := h.q.OpenCounter(ctx, c1, u2, nil); code(err) != okienko.ECONFLICT {
			t.Fatalf("u2 is still at c2: %v", err)
		}
	})
}

// Numbers restart each office day, also across a daylight-saving change.
// About a particular change (25 October 2026), so on its written dates, the
// hall made on that day and not on the test week.
func TestNumbersRestartDaily(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHallAt(t, db, at(2026, 10, 24, 18, 30))
		if n := h.walkIn(t, h.a, false).Number; n != "D001" {
			t.Fatalf("first ticket %s", n)
		}
		if n := h.walkIn(t, h.b, false).Number; n != "D002" {
			t.Fatalf("second ticket %s", n)
		}
		// 25 October 2026 is 25 hours long in Warsaw.
		h.clock.Set(at(2026, 10, 25, 7, 0))
		t1 := h.walkIn(t, h.a, false)
		if t1.Number != "D001" || t1.Day.String() != "2026-10-25" {
			t.Fatalf("after midnight: %s on %s", t1.Number, t1.Day)
		}
		h.clock.Set(at(2026, 10, 25, 18, 40))
		if n := h.walkIn(t, h.a, false).Number; n != "D002" {
			t.Fatalf("same day %s", n)
		}
		// Closed from 18:45 (last ticket 15 minutes before 19:00).
		h.clock.Set(at(2026, 10, 25, 18, 45))
		_, err := h.q.IssueWalkIn(context.Background(), h.a.ID, false)
		if e := okienko.AsError(err); e.Code != okienko.ECONFLICT || e.Fields["opens_at"] != "2026-10-26T07:00:00+01:00" {
			t.Fatalf("after the last ticket: %v %v", err, e.Fields)
		}
	})
}

func TestWaitEstimate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		c1, u1 := h.clerk(t, 1, h.a.ID)
		var ts []*queue.Ticket
		for i := 0; i < 5; i++ {
			ts = append(ts, h.walkIn(t, h.a, false))
		}
		// No history: the slot length (15 min) per person, one counter open.
		ahead, wait, err := h.q.Position(ctx, ts[4])
		if err != nil || ahead != 4 || wait != 60*time.Minute {
			t.Fatalf("ahead %d wait %v %v, want 4 and 60m", ahead, wait, err)
		}
		// Serve two in 6 minutes each; a second counter opens.
		for i := 0; i < 2; i++ {
			tk, _ := h.q.CallNext(ctx, c1, u1)
			h.q.Act(ctx, tk.ID, u1, queue.ActStart, "")
			h.clock.Advance(6 * time.Minute)
			h.q.Act(ctx, tk.ID, u1, queue.ActFinish, "")
		}
		h.clerk(t, 2, h.a.ID)
		ahead, wait, err = h.q.Position(ctx, ts[4])
		if err != nil || ahead != 2 || wait != 6*time.Minute {
			t.Fatalf("ahead %d wait %v %v, want 2 and 6m (2 people × 6 min / 2 counters)", ahead, wait, err)
		}
	})
}

func TestExpireAtClosing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		c, u := h.clerk(t, 1)
		called := h.walkIn(t, h.a, false)
		h.q.CallNext(ctx, c, u)
		waiting := h.walkIn(t, h.a, false)
		served := h.walkIn(t, h.b, false)
		h.q.Act(ctx, called.ID, u, queue.ActStart, "")
		h.q.CallTicket(ctx, c, u, served.ID) // finishes the first, calls the third
		h.q.Act(ctx, served.ID, u, queue.ActStart, "")
		h.clock.Set(h.w.At(0, 18, 59))
		if n, err := h.q.ExpireClosed(ctx); err != nil || n != 0 {
			t.Fatalf("before closing: %d %v", n, err)
		}
		h.clock.Set(h.w.At(0, 19, 0))
		if n, err := h.q.ExpireClosed(ctx); err != nil || n != 1 {
			t.Fatalf("at closing: %d %v, want the one waiting", n, err)
		}
		for id, want := range map[int64]string{called.ID: queue.StatusDone, waiting.ID: queue.StatusExpired, served.ID: queue.StatusServing} {
			if tk, _ := h.q.Ticket(ctx, id); tk.Status != want {
				t.Fatalf("ticket %s is %s, want %s", tk.Number, tk.Status, want)
			}
		}
		var types []string
		for _, e := range h.events {
			types = append(types, e.Type)
		}
		if len(types) == 0 || types[len(types)-1] != queue.EventExpired {
			t.Fatalf("events %v", types)
		}
	})
}

// A waiting ticket with a phone is queued one "your turn is near" SMS when
// at most TurnNearAhead people are ahead, and only one.
func TestTurnNear(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		counter, user := h.clerk(t, 1, h.a.ID)
		for i := 0; i < 5; i++ {
			h.walkIn(t, h.a, false)
		}
		withPhone, err := h.q.IssueWalkInWithPhone(ctx, h.a.ID, false, "+48600100200")
		if err != nil {
			t.Fatal(err)
		}
		count := func() int64 {
			var n int64
			db.Table("outbox").Where("ticket_id = ? AND kind = ?", withPhone.ID, "turn_near").Count(&n)
			return n
		}
		// 5 ahead; after the first call 4; after the second 3: near.
		for call := 1; call <= 4; call++ {
			tk, err := h.q.CallNext(ctx, counter, user)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.q.Act(ctx, tk.ID, user, queue.ActStart, ""); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if call >= 2 {
				want = 1
			}
			if n := count(); n != want {
				t.Fatalf("after call %d: %d turn-near messages, want %d", call, n, want)
			}
		}
	})
}

// A phone number left for an SMS serves its visit's day: the next day it
// is erased from the ticket, and today's tickets keep theirs.
func TestForgetPhones(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHall(t, db)
		ctx := context.Background()
		yesterday, err := h.q.IssueWalkInWithPhone(ctx, h.a.ID, false, "+48600100200")
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(24 * time.Hour)
		today, err := h.q.IssueWalkInWithPhone(ctx, h.a.ID, false, "+48600100300")
		if err != nil {
			t.Fatal(err)
		}
		n, err := h.q.ForgetPhones(ctx)
		if err != nil || n != 1 {
			t.Fatalf("ForgetPhones = %d, %v; want 1", n, err)
		}
		phone := func(id int64) *string {
			var p *string
			if err := db.Table("tickets").Select("phone").Where("id = ?", id).Scan(&p).Error; err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := phone(yesterday.ID); p != nil {
			t.Errorf("yesterday's ticket keeps %q", *p)
		}
		// The change is dated by the store's clock, not the real time.
		var updated time.Time
		if err := db.Table("tickets").Select("updated_at").Where("id = ?", yesterday.ID).Scan(&updated).Error; err != nil {
			t.Fatal(err)
		}
		if !updated.Equal(h.clock.Now()) {
			t.Errorf("yesterday's ticket updated at %v, want %v", updated, h.clock.Now())
		}
		if p := phone(today.ID); p == nil || *p != "+48600100300" {
			t.Errorf("today's ticket lost its phone: %v", p)
		}
		if n, err := h.q.ForgetPhones(ctx); err != nil || n != 0 {
			t.Fatalf("a second run cleared %d, %v", n, err)
		}
	})
}
