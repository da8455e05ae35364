package office_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// catalogTables are the tables the cached catalog is read from.
var catalogTables = map[string]bool{"offices": true, "departments": true, "services": true, "closures": true}

// queryCounter counts the queries db runs on the catalog's tables, and can
// hold one of them (see holdNext).
type queryCounter struct {
	n atomic.Int64
	// hold, when set, is taken by the next query of its table after it
	// ran: it signals reached and waits for release.
	mu      sync.Mutex
	hold    string
	reached chan struct{}
	release chan struct{}
}

func countCatalogQueries(t *testing.T, db *gorm.DB) *queryCounter {
	t.Helper()
	q := &queryCounter{}
	err := db.Callback().Query().After("gorm:query").Register("test:catalog", func(tx *gorm.DB) {
		if !catalogTables[tx.Statement.Table] {
			return
		}
		q.n.Add(1)
		q.mu.Lock()
		held := q.hold == tx.Statement.Table
		if held {
			q.hold = ""
		}
		q.mu.Unlock()
		if held {
			close(q.reached)
			<-q.release
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// holdNext makes the next query of table wait, after reading its rows,
// until release is closed; reached is closed when it waits.
func (q *queryCounter) holdNext(table string) (reached, release chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.hold, q.reached, q.release = table, make(chan struct{}), make(chan struct{})
	return q.reached, q.release
}

// calendarWorld is one office with a department and a matter, its catalog
// store and the booking store whose calendar reads it.
type calendarWorld struct {
	db       *gorm.DB
	ctx      context.Context
	week     officetest.Week
	offices  *office.Store
	bookings *booking.Store
	dep      *office.Department
	svc      *office.Service
	queries  *queryCounter
}

func newCalendarWorld(t *testing.T, db *gorm.DB) *calendarWorld {
	t.Helper()
	week := officetest.Anchor(t)
	clock := okienko.NewManualClock(week.At(0, 0, 10))
	offices, dep, svc := officetest.New(t, db, clock, func(s *office.ServiceSpec) { s.Capacity = 2 })
	return &calendarWorld{
		db: db, ctx: context.Background(), week: week, offices: offices, dep: dep, svc: svc,
		bookings: booking.NewStore(db, clock, offices, "test-secret"),
		queries:  countCatalogQueries(t, db),
	}
}

// slots returns the slots of w's matter on day n of the week.
func (w *calendarWorld) slots(t *testing.T, n int) []booking.Slot {
	t.Helper()
	s, err := w.bookings.Slots(w.ctx, w.svc.ID, w.week.Day(n))
	if err != nil {
		t.Fatalf("slots: %v", err)
	}
	return s
}

// The calendar's second load reads nothing of the catalog; an Uncached store
// always does.
func TestCatalogCached(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newCalendarWorld(t, db)
		from := w.week.Day(0)
		if _, err := w.bookings.Days(w.ctx, w.svc.ID, from, from.AddDays(29)); err != nil {
			t.Fatal(err)
		}
		before, loads := w.queries.n.Load(), w.offices.CatalogLoads()
		if _, err := w.bookings.Days(w.ctx, w.svc.ID, from, from.AddDays(29)); err != nil {
			t.Fatal(err)
		}
		w.slots(t, 2)
		if n := w.queries.n.Load() - before; n != 0 || w.offices.CatalogLoads() != loads {
			t.Fatalf("the second calendar ran %d catalog queries (%d loads)", n, w.offices.CatalogLoads()-loads)
		}
		// Reads inside a transaction hit the cache too.
		err := db.Transaction(func(tx *gorm.DB) error {
			_, err := w.offices.WithTx(tx).OpeningDays(w.ctx, w.dep.ID, from, from.AddDays(6))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := w.queries.n.Load() - before; n != 0 {
			t.Fatalf("a read in a transaction ran %d catalog queries", n)
		}
		if _, err := w.offices.Uncached().Service(w.ctx, w.svc.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.queries.n.Load() - before; n != 1 {
			t.Fatalf("an uncached read ran %d catalog queries, want 1", n)
		}
		// Copies handed out share nothing with the cache.
		d, err := w.offices.Department(w.ctx, w.dep.ID)
		if err != nil {
			t.Fatal(err)
		}
		d.Hours.Wed[0][0] = "12:00"
		if again, _ := w.offices.Department(w.ctx, w.dep.ID); again.Hours.Wed[0][0] == "12:00" {
			t.Fatal("a caller's change of a department reached the cache")
		}
	})
}

// Readers arriving together on an empty cache load the catalog once.
func TestCatalogLoadedOnceForManyReaders(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newCalendarWorld(t, db)
		w.offices.Forget()
		loads := w.offices.CatalogLoads()
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.bookings.Slots(w.ctx, w.svc.ID, w.week.Day(2)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := w.offices.CatalogLoads() - loads; n != 1 {
			t.Fatalf("20 readers loaded the catalog %d times", n)
		}
	})
}

// Every change of the catalog shows at once in the same instance's
// calendar, and records a catalog event.
func TestCatalogForgottenOnEveryChange(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newCalendarWorld(t, db)
		hours := office.DemoHours()
		var closure *office.Closure
		var other *office.Department
		var extra *office.Service
		cases := []struct {
			name, object string
			change       func() error
			shows        func() bool
		}{
			{"slot length", office.ObjectService, func() error {
				_, err := w.offices.UpdateService(w.ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 30; return nil })
				return err
			}, func() bool { s := w.slots(t, 2); return s[0].End.Sub(s[0].Start) == 30*time.Minute }},
			{"capacity", office.ObjectService, func() error {
				_, err := w.offices.UpdateService(w.ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.Capacity = 5; return nil })
				return err
			}, func() bool { return w.slots(t, 2)[0].Free == 5 }},
			{"new service", office.ObjectService, func() (err error) {
				spec := office.DefaultServiceSpec()
				spec.DepartmentID, spec.Name = w.dep.ID, "Zameldowanie"
				extra, err = w.offices.CreateService(w.ctx, spec)
				return err
			}, func() bool {
				s, err := w.bookings.Slots(w.ctx, extra.ID, w.week.Day(2))
				return err == nil && len(s) > 0
			}},
			{"service deleted", office.ObjectService, func() error { return w.offices.DeleteService(w.ctx, extra.ID) }, func() bool {
				_, err := w.offices.Service(w.ctx, extra.ID)
				return okienko.ErrorCode(err) == okienko.ENOTFOUND
			}},
			{"opening hours", office.ObjectDepartment, func() error {
				_, err := w.offices.UpdateDepartment(w.ctx, w.dep.ID, func(s *office.DepartmentSpec) error {
					hours.Wed = [][]string{{"10:00", "12:00"}}
					s.Hours = hours
					return nil
				})
				return err
			}, func() bool {
				s := w.slots(t, 2)
				return len(s) == 4 && s[0].Start.Equal(w.week.At(2, 10, 0))
			}},
			{"new department", office.ObjectDepartment, func() (err error) {
				spec := office.DefaultDepartmentSpec()
				spec.Name, spec.TicketPrefix = "Paszporty", "P"
				other, err = w.offices.CreateDepartment(w.ctx, spec)
				return err
			}, func() bool {
				days, err := w.offices.OpeningDays(w.ctx, other.ID, w.week.Day(2), w.week.Day(2))
				return err == nil && len(days[0].Spans) == 1
			}},
			{"department deleted", office.ObjectDepartment, func() error { return w.offices.DeleteDepartment(w.ctx, other.ID) }, func() bool {
				_, err := w.offices.Department(w.ctx, other.ID)
				return okienko.ErrorCode(err) == okienko.ENOTFOUND
			}},
			{"office closed", office.ObjectClosure, func() (err error) {
				closure, err = w.offices.CreateClosure(w.ctx, office.ClosureSpec{StartsOn: w.week.Day(2), Reason: "Inwentaryzacja"})
				return err
			}, func() bool { return len(w.slots(t, 2)) == 0 }},
			{"closure moved", office.ObjectClosure, func() error {
				_, err := w.offices.UpdateClosure(w.ctx, closure.ID, func(s *office.ClosureSpec) error {
					s.StartsOn, s.EndsOn = w.week.Day(3), w.week.Day(3)
					return nil
				})
				return err
			}, func() bool { return len(w.slots(t, 2)) > 0 && len(w.slots(t, 3)) == 0 }},
			{"closure deleted", office.ObjectClosure, func() error { return w.offices.DeleteClosure(w.ctx, closure.ID) }, func() bool {
				return len(w.slots(t, 3)) > 0
			}},
			{"department closed", office.ObjectClosure, func() error {
				_, err := w.offices.CreateClosure(w.ctx, office.ClosureSpec{DepartmentID: &w.dep.ID, StartsOn: w.week.Day(2), EndsOn: w.week.Day(3)})
				return err
			}, func() bool { return len(w.slots(t, 2)) == 0 && len(w.slots(t, 3)) == 0 }},
			{"booking window", office.ObjectService, func() error {
				_, err := w.offices.UpdateService(w.ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.BookingDaysAhead = 1; return nil })
				return err
			}, func() bool { return len(w.slots(t, 4)) == 0 }},
			{"office settings", office.ObjectOffice, func() error {
				_, err := w.offices.UpdateSettings(w.ctx, func(s *office.Settings) error { s.AlertsEmail = "it@urzad.example.pl"; return nil })
				return err
			}, func() bool {
				o, err := w.offices.Office(w.ctx)
				return err == nil && o.AlertsEmail == "it@urzad.example.pl"
			}},
		}
		for _, tc := range cases {
			// Every change in the order above: each builds on the one before.
			w.slots(t, 2) // the catalog cached
			if _, err := w.offices.Department(w.ctx, w.dep.ID); err != nil {
				t.Fatal(err)
			}
			var last int64
			db.Model(&event.Event{}).Select("COALESCE(MAX(id), 0)").Scan(&last)
			if err := tc.change(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !tc.shows() {
				t.Fatalf("%s: the calendar does not show the change", tc.name)
			}
			var e event.Event
			if err := db.Where("id > ?", last).First(&e).Error; err != nil || e.Type != office.EventCatalogChanged || e.ObjectType != tc.object {
				t.Fatalf("%s: event %+v, %v", tc.name, e, err)
			}
		}
	})
}

// An office created where there was none is found at once.
func TestCatalogForgetsTheMissingOffice(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		offices := office.NewStore(db, okienko.NewManualClock(officetest.Anchor(t).At(0, 0, 10)))
		ctx := context.Background()
		if _, err := offices.Office(ctx); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Fatalf("no office: %v", err)
		}
		if err := offices.CreateOffice(ctx, &office.Office{Name: "Urząd"}); err != nil {
			t.Fatal(err)
		}
		if o, err := offices.Office(ctx); err != nil || o.Name != "Urząd" {
			t.Fatalf("office %+v, %v", o, err)
		}
	})
}

// A load that read the catalog before a change and finishes after it does
// not leave the rows of before in the cache.
func TestCatalogRacingLoadKeepsNothingStale(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newCalendarWorld(t, db)
		w.offices.Forget()
		reached, release := w.queries.holdNext("services")
		read := make(chan *office.Service, 1)
		go func() {
			sv, err := w.offices.Service(w.ctx, w.svc.ID)
			if err != nil {
				t.Error(err)
			}
			read <- sv
		}()
		<-reached // the load has read the services of before
		if _, err := w.offices.UpdateService(w.ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = 45; return nil }); err != nil {
			t.Fatal(err)
		}
		close(release)
		if sv := <-read; sv == nil || sv.SlotMinutes != 15 {
			t.Fatalf("the racing read got %+v, want the 15 minutes it read", sv)
		}
		if sv, err := w.offices.Service(w.ctx, w.svc.ID); err != nil || sv.SlotMinutes != 45 {
			t.Fatalf("after the race: %+v, %v", sv, err)
		}
	})
}

// Changes made in a transaction of Store.Transaction show after it commits
// (and inside it, to its own reads); rolled back, they never show. Changes
// in another caller's transaction show to that transaction and, once it
// commits, to everybody.
func TestCatalogChangesInTransactions(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newCalendarWorld(t, db)
		var published [][]event.Event
		w.offices.OnCommit(func(es []event.Event) { published = append(published, es) })
		slotOf := func(o *office.Store) int {
			sv, err := o.Service(w.ctx, w.svc.ID)
			if err != nil {
				t.Fatal(err)
			}
			return sv.SlotMinutes
		}
		setSlot := func(o *office.Store, n int) {
			if _, err := o.UpdateService(w.ctx, w.svc.ID, func(s *office.ServiceSpec) error { s.SlotMinutes = n; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		rollback := errors.New("rollback")
		slotOf(w.offices) // cached

		err := w.offices.Transaction(w.ctx, func(tx *gorm.DB) error {
			setSlot(w.offices.WithTx(tx), 20)
			if n := slotOf(w.offices.WithTx(tx)); n != 20 {
				t.Errorf("inside the transaction: %d", n)
			}
			return rollback
		})
		if err == nil {
			t.Fatal("the transaction committed")
		}
		if n := slotOf(w.offices); n != 15 || len(published) != 0 {
			t.Fatalf("after a rollback: %d minutes, %d published", n, len(published))
		}

		err = w.offices.Transaction(w.ctx, func(tx *gorm.DB) error {
			setSlot(w.offices.WithTx(tx), 20)
			if n := slotOf(w.offices.WithTx(tx)); n != 20 {
				t.Errorf("inside the transaction: %d", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := slotOf(w.offices); n != 20 || len(published) != 1 || published[0][0].Type != office.EventCatalogChanged {
			t.Fatalf("after the commit: %d minutes, published %v", n, published)
		}

		err = db.Transaction(func(tx *gorm.DB) error {
			setSlot(w.offices.WithTx(tx), 30)
			if n := slotOf(w.offices.WithTx(tx)); n != 30 {
				t.Errorf("inside another's transaction: %d", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := slotOf(w.offices); n != 30 {
			t.Fatalf("after another's transaction: %d minutes", n)
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			setSlot(w.offices.WithTx(tx), 45)
			slotOf(w.offices.WithTx(tx))
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("transaction: %v", err)
		}
		if n := slotOf(w.offices); n != 30 {
			t.Fatalf("after another's rollback: %d minutes", n)
		}
	})
}
