package office_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// clockStart is where the tests' clocks start: 10:00 in Warsaw on the test
// week's Monday (officetest.Anchor).
func clockStart(t testing.TB) time.Time {
	t.Helper()
	return officetest.Anchor(t).At(0, 10, 0)
}

// fixture is a migrated database with one office and a store over it, its
// clock standing at start.
type fixture struct {
	db    *gorm.DB
	store *office.Store
	week  officetest.Week
	start time.Time
	clock *okienko.ManualClock
	ctx   context.Context
	o     *office.Office
}

func newFixture(t *testing.T, db *gorm.DB) *fixture {
	t.Helper()
	f := &fixture{
		db:    db,
		week:  officetest.Anchor(t),
		start: clockStart(t),
		clock: okienko.NewManualClock(clockStart(t)),
		ctx:   okienko.WithActor(context.Background(), okienko.Actor{UserID: 0, Name: "tester", Role: okienko.RoleAdmin, RequestID: "req-1"}),
	}
	f.store = office.NewStore(db, f.clock)
	f.o = &office.Office{Name: "Urząd Dzielnicy", Address: "ul. Testowa 1"}
	if err := f.store.CreateOffice(f.ctx, f.o); err != nil {
		t.Fatalf("CreateOffice: %v", err)
	}
	return f
}

func (f *fixture) department(t *testing.T, name, prefix string) *office.Department {
	t.Helper()
	spec := office.DefaultDepartmentSpec()
	spec.Name, spec.TicketPrefix = name, prefix
	d, err := f.store.CreateDepartment(f.ctx, spec)
	if err != nil {
		t.Fatalf("CreateDepartment(%s): %v", name, err)
	}
	return d
}

func (f *fixture) service(t *testing.T, departmentID int64, name string) *office.Service {
	t.Helper()
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name = departmentID, name
	s, err := f.store.CreateService(f.ctx, spec)
	if err != nil {
		t.Fatalf("CreateService(%s): %v", name, err)
	}
	return s
}

// counts returns the number of rows of every catalog table and the audit log.
func (f *fixture) counts(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"offices", "departments", "services", "closures", "counters", "counter_services", "audit_log"} {
		var n int64
		if err := f.db.Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// auditOf returns the newest audit entry of the object.
func (f *fixture) auditOf(t *testing.T, objectType string, id int64) []audit.Entry {
	t.Helper()
	es, err := audit.List(f.ctx, f.db, audit.Filter{ObjectType: objectType, ObjectID: id})
	if err != nil {
		t.Fatalf("audit.List: %v", err)
	}
	return es
}

// checkAudit asserts the newest entry of the object has action and the given
// before/after objects as JSON (nil: that side empty).
func checkAudit(t *testing.T, es []audit.Entry, action string, before, after any) {
	t.Helper()
	checkAuditAt(t, es, action, before, after, time.Time{})
}

// checkAuditAt is checkAudit also asserting the entry's time when at is set.
func checkAuditAt(t *testing.T, es []audit.Entry, action string, before, after any, at time.Time) {
	t.Helper()
	if len(es) == 0 {
		t.Fatalf("no audit entry, want %s", action)
	}
	e := es[0]
	if e.Action != action || e.Actor != "tester" || e.RequestID != "req-1" {
		t.Errorf("audit entry = %s by %q (request %q), want %s by tester (req-1)", e.Action, e.Actor, e.RequestID, action)
	}
	if !at.IsZero() && !e.At.Equal(at) {
		t.Errorf("audit at %v, want the clock's %v", e.At, at)
	}
	sameJSON(t, "before", e.BeforeJSON, before)
	sameJSON(t, "after", e.AfterJSON, after)
}

func sameJSON(t *testing.T, side string, got *string, want any) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Errorf("audit %s = %s, want empty", side, *got)
		}
		return
	}
	if got == nil {
		t.Errorf("audit %s empty, want %+v", side, want)
		return
	}
	w, _ := json.Marshal(want)
	var g, wv any
	_ = json.Unmarshal([]byte(*got), &g)
	_ = json.Unmarshal(w, &wv)
	if !reflect.DeepEqual(g, wv) {
		t.Errorf("audit %s = %s, want %s", side, *got, w)
	}
}

func code(err error) string { return okienko.ErrorCode(err) }

func wantField(t *testing.T, err error, wantCode, field string) {
	t.Helper()
	var e *okienko.Error
	if !errors.As(err, &e) || e.Code != wantCode {
		t.Fatalf("err = %v, want %s", err, wantCode)
	}
	if _, ok := e.Fields[field]; !ok {
		t.Fatalf("err fields = %v, want a message for %q", e.Fields, field)
	}
}

func TestOffice(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		start := clockStart(t)
		s := office.NewStore(db, okienko.NewManualClock(start))
		ctx := context.Background()
		if _, err := s.Office(ctx); code(err) != okienko.ENOTFOUND {
			t.Fatalf("Office on an empty database: %v, want ENOTFOUND", err)
		}
		if err := s.CreateOffice(ctx, &office.Office{Name: "X", TimeZone: "Mars/Olympus"}); code(err) != okienko.EINVALID {
			t.Fatalf("unknown time zone: %v, want EINVALID", err)
		}
		o := &office.Office{Name: "  Urząd  "}
		if err := s.CreateOffice(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, err := s.Office(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != o.ID || got.Name != "Urząd" || got.TimeZone != "Europe/Warsaw" || got.Location().String() != "Europe/Warsaw" {
			t.Fatalf("Office = %+v", got)
		}
		if !got.CreatedAt.Equal(start) {
			t.Fatalf("CreatedAt = %v, want the clock's %v", got.CreatedAt, start)
		}
	})
}

func TestDepartmentLifecycle(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		spec := office.DefaultDepartmentSpec()
		spec.Name, spec.TicketPrefix = "  Biuro Obsługi  ", "b"
		spec.Hours.Mon = [][]string{{"12:00", "16:00"}, {"08:00", "11:00"}}
		d, err := f.store.CreateDepartment(f.ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID == 0 || d.OfficeID != f.o.ID || d.Name != "Biuro Obsługi" || d.TicketPrefix != "B" || d.Position != 1 {
			t.Fatalf("created %+v", d)
		}
		if want := [][]string{{"08:00", "11:00"}, {"12:00", "16:00"}}; !reflect.DeepEqual(d.Hours.Mon, want) {
			t.Fatalf("hours.mon = %v, want sorted %v", d.Hours.Mon, want)
		}
		checkAuditAt(t, f.auditOf(t, office.ObjectDepartment, d.ID), audit.Create, nil, d, f.start)

		got, err := f.store.Department(f.ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DepartmentSpec.Name != d.Name || !reflect.DeepEqual(got.Hours, d.Hours) || got.LastTicketMinutes != 15 || got.Position != 1 {
			t.Fatalf("read back %+v, want %+v", got, d)
		}

		d2 := f.department(t, "Dowody", "D")
		if d2.Position != 2 {
			t.Fatalf("second department position = %d, want 2", d2.Position)
		}
		svc := f.service(t, d2.ID, "Wniosek")
		list, err := f.store.Departments(f.ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != d.ID || list[1].ID != d2.ID {
			t.Fatalf("Departments = %+v", list)
		}
		if len(list[0].Services) != 0 || len(list[1].Services) != 1 || list[1].Services[0].ID != svc.ID {
			t.Fatalf("services of departments = %+v / %+v", list[0].Services, list[1].Services)
		}
		bare, _ := f.store.Departments(f.ctx, false)
		if len(bare) != 2 || bare[1].Services != nil {
			t.Fatalf("Departments(false) = %+v", bare)
		}

		f.clock.Advance(time.Hour)
		upd, err := f.store.UpdateDepartment(f.ctx, d.ID, func(s *office.DepartmentSpec) error {
			s.Name = "BOK"
			s.LastTicketMinutes = 30
			s.Hours.Sat = [][]string{{"09:00", "13:00"}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if upd.Name != "BOK" || upd.LastTicketMinutes != 30 || len(upd.Hours.Sat) != 1 || upd.TicketPrefix != "B" {
			t.Fatalf("updated %+v", upd)
		}
		if !upd.UpdatedAt.Equal(f.start.Add(time.Hour)) || !upd.CreatedAt.Equal(f.start) {
			t.Fatalf("times after update: created %v updated %v", upd.CreatedAt, upd.UpdatedAt)
		}
		checkAuditAt(t, f.auditOf(t, office.ObjectDepartment, d.ID), audit.Update, got, upd, f.start.Add(time.Hour))
		reread, _ := f.store.Department(f.ctx, d.ID)
		if reread.Name != "BOK" || !reflect.DeepEqual(reread.Hours, upd.Hours) || !reread.UpdatedAt.Equal(upd.UpdatedAt) {
			t.Fatalf("re-read %+v, want %+v", reread, upd)
		}

		if err := f.store.DeleteDepartment(f.ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectDepartment, d.ID), audit.Delete, reread, nil)
		if _, err := f.store.Department(f.ctx, d.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("read after delete: %v", err)
		}
		if err := f.store.DeleteDepartment(f.ctx, d.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		_, err = f.store.Department(f.ctx, 7777)
		if code(err) != okienko.ENOTFOUND || !strings.Contains(err.Error(), "department 7777 not found") {
			t.Fatalf("unknown department: %v", err)
		}
	})
}

func TestDuplicateTicketPrefix(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		a := f.department(t, "A", "A")
		f.department(t, "B", "B")
		before := f.counts(t)

		spec := office.DefaultDepartmentSpec()
		spec.Name, spec.TicketPrefix = "Another", "a"
		_, err := f.store.CreateDepartment(f.ctx, spec)
		wantField(t, err, okienko.ECONFLICT, "ticket_prefix")

		_, err = f.store.UpdateDepartment(f.ctx, a.ID, func(s *office.DepartmentSpec) error { s.TicketPrefix = "B"; return nil })
		wantField(t, err, okienko.ECONFLICT, "ticket_prefix")

		// Keeping its own prefix is no conflict.
		if _, err := f.store.UpdateDepartment(f.ctx, a.ID, func(s *office.DepartmentSpec) error { s.Name = "A2"; return nil }); err != nil {
			t.Fatalf("update keeping the prefix: %v", err)
		}
		after := f.counts(t)
		before["audit_log"]++ // the one successful update
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}
	})
}

func TestDeleteDepartmentInUse(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		withService := f.department(t, "S", "S")
		svc := f.service(t, withService.ID, "x")
		withCounter := f.department(t, "C", "C")
		c, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: withCounter.ID, Name: "1"})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		for _, id := range []int64{withService.ID, withCounter.ID} {
			if err := f.store.DeleteDepartment(f.ctx, id); code(err) != okienko.ECONFLICT {
				t.Fatalf("delete department %d in use: %v, want ECONFLICT", id, err)
			}
		}
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}
		if err := f.store.DeleteService(f.ctx, svc.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.store.DeleteCounter(f.ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{withService.ID, withCounter.ID} {
			if err := f.store.DeleteDepartment(f.ctx, id); err != nil {
				t.Fatalf("delete emptied department %d: %v", id, err)
			}
		}
	})
}

func TestServiceLifecycle(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "D", "D")
		other := f.department(t, "E", "E")
		spec := office.DefaultServiceSpec()
		spec.DepartmentID, spec.Name = d.ID, " Dowód osobisty "
		spec.Description, spec.Instructions = "opis", "Zabierz zdjęcie."
		s1, err := f.store.CreateService(f.ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		want := spec
		want.Name = "Dowód osobisty"
		if s1.ServiceSpec != want || s1.Position != 1 {
			t.Fatalf("created %+v, want spec %+v at position 1", s1, want)
		}
		checkAudit(t, f.auditOf(t, office.ObjectService, s1.ID), audit.Create, nil, s1)
		s2 := f.service(t, d.ID, "Paszport")
		s3 := f.service(t, other.ID, "Inne")
		if s2.Position != 2 || s3.Position != 1 {
			t.Fatalf("positions %d, %d; want 2 in its department, 1 in the other", s2.Position, s3.Position)
		}
		got, err := f.store.Service(f.ctx, s1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ServiceSpec != s1.ServiceSpec || got.MaxActivePerPESEL != 3 {
			t.Fatalf("read %+v, want %+v", got, s1)
		}
		all, _ := f.store.Services(f.ctx, 0)
		ofD, _ := f.store.Services(f.ctx, d.ID)
		none, _ := f.store.Services(f.ctx, 999)
		if len(all) != 3 || len(ofD) != 2 || ofD[0].ID != s1.ID || ofD[1].ID != s2.ID || none == nil || len(none) != 0 {
			t.Fatalf("Services: all %d, of d %+v, of unknown %v", len(all), ofD, none)
		}

		upd, err := f.store.UpdateService(f.ctx, s1.ID, func(s *office.ServiceSpec) error {
			s.SlotMinutes, s.Capacity, s.DepartmentID = 20, 2, other.ID
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if upd.SlotMinutes != 20 || upd.Capacity != 2 || upd.DepartmentID != other.ID || upd.Position != 2 {
			t.Fatalf("updated %+v (moved service goes last in its new department)", upd)
		}
		checkAudit(t, f.auditOf(t, office.ObjectService, s1.ID), audit.Update, got, upd)
		reread, _ := f.store.Service(f.ctx, s1.ID)
		if reread.ServiceSpec != upd.ServiceSpec || reread.Position != 2 {
			t.Fatalf("re-read %+v, want %+v", reread, upd)
		}

		before := f.counts(t)
		_, err = f.store.UpdateService(f.ctx, s1.ID, func(s *office.ServiceSpec) error { s.DepartmentID = 4242; return nil })
		wantField(t, err, okienko.EINVALID, "department_id")
		spec.DepartmentID = 4242
		_, err = f.store.CreateService(f.ctx, spec)
		wantField(t, err, okienko.EINVALID, "department_id")
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}

		if err := f.store.DeleteService(f.ctx, s1.ID); err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectService, s1.ID), audit.Delete, reread, nil)
		if _, err := f.store.Service(f.ctx, s1.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("read after delete: %v", err)
		}
		if err := f.store.DeleteService(f.ctx, s1.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestClosureLifecycle(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "D", "D")
		day := f.week.Day(7)
		c1, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{StartsOn: day, Reason: " awaria "})
		if err != nil {
			t.Fatal(err)
		}
		if c1.EndsOn != day || c1.Reason != "awaria" || c1.DepartmentID != nil || c1.OfficeID != f.o.ID {
			t.Fatalf("created %+v, want a one-day office closure", c1)
		}
		checkAudit(t, f.auditOf(t, office.ObjectClosure, c1.ID), audit.Create, nil, c1)
		dep := d.ID
		c2, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{DepartmentID: &dep, StartsOn: day.AddDays(10), EndsOn: day.AddDays(12)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.store.Closure(f.ctx, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DepartmentID == nil || *got.DepartmentID != d.ID || got.StartsOn != day.AddDays(10) || got.EndsOn != day.AddDays(12) {
			t.Fatalf("read %+v", got)
		}

		for _, tc := range []struct {
			from, to office.Date
			want     []int64
		}{
			{office.Date{}, office.Date{}, []int64{c1.ID, c2.ID}},
			{day, day, []int64{c1.ID}},
			{day.AddDays(1), office.Date{}, []int64{c2.ID}},
			{office.Date{}, day.AddDays(9), []int64{c1.ID}},
			{day.AddDays(12), day.AddDays(20), []int64{c2.ID}},
			{day.AddDays(13), office.Date{}, nil},
		} {
			list, err := f.store.Closures(f.ctx, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range list {
				ids = append(ids, c.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("Closures(%v, %v) = %v, want %v", tc.from, tc.to, ids, tc.want)
			}
		}

		upd, err := f.store.UpdateClosure(f.ctx, c2.ID, func(s *office.ClosureSpec) error {
			s.DepartmentID = nil
			s.Reason = "remont"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if upd.DepartmentID != nil || upd.Reason != "remont" {
			t.Fatalf("updated %+v", upd)
		}
		checkAudit(t, f.auditOf(t, office.ObjectClosure, c2.ID), audit.Update, got, upd)
		reread, _ := f.store.Closure(f.ctx, c2.ID)
		if reread.DepartmentID != nil || reread.Reason != "remont" || reread.EndsOn != day.AddDays(12) {
			t.Fatalf("re-read %+v", reread)
		}

		before := f.counts(t)
		bad := int64(999)
		_, err = f.store.CreateClosure(f.ctx, office.ClosureSpec{DepartmentID: &bad, StartsOn: day})
		wantField(t, err, okienko.EINVALID, "department_id")
		_, err = f.store.UpdateClosure(f.ctx, c2.ID, func(s *office.ClosureSpec) error { s.EndsOn = day; return nil })
		wantField(t, err, okienko.EINVALID, "ends_on")
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}

		if err := f.store.DeleteClosure(f.ctx, c1.ID); err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectClosure, c1.ID), audit.Delete, c1, nil)
		if err := f.store.DeleteClosure(f.ctx, c1.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestCounterLifecycle(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "D", "D")
		a, b, c := f.service(t, d.ID, "a"), f.service(t, d.ID, "b"), f.service(t, d.ID, "c")
		cnt, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: " Stanowisko 1 ", ServiceIDs: []int64{c.ID, a.ID, c.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{a.ID, c.ID}; cnt.Name != "Stanowisko 1" || !reflect.DeepEqual(cnt.ServiceIDs, want) {
			t.Fatalf("created %+v, want service ids %v", cnt, want)
		}
		checkAudit(t, f.auditOf(t, office.ObjectCounter, cnt.ID), audit.Create, nil, cnt)
		got, err := f.store.Counter(f.ctx, cnt.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.CounterSpec, cnt.CounterSpec) {
			t.Fatalf("read %+v, want %+v", got.CounterSpec, cnt.CounterSpec)
		}
		empty, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: "2"})
		if err != nil {
			t.Fatal(err)
		}
		if empty.ServiceIDs == nil || len(empty.ServiceIDs) != 0 {
			t.Fatalf("counter without services has %#v, want []", empty.ServiceIDs)
		}

		upd, err := f.store.UpdateCounter(f.ctx, cnt.ID, func(s *office.CounterSpec) error {
			s.ServiceIDs = []int64{b.ID, c.ID}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectCounter, cnt.ID), audit.Update, got, upd)
		list, err := f.store.Counters(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != cnt.ID || !reflect.DeepEqual(list[0].ServiceIDs, []int64{b.ID, c.ID}) ||
			list[1].ID != empty.ID || list[1].ServiceIDs == nil || len(list[1].ServiceIDs) != 0 {
			t.Fatalf("Counters = %+v", list)
		}

		before := f.counts(t)
		_, err = f.store.UpdateCounter(f.ctx, cnt.ID, func(s *office.CounterSpec) error { s.ServiceIDs = []int64{a.ID, 9999}; return nil })
		wantField(t, err, okienko.EINVALID, "service_ids")
		if !strings.Contains(err.Error(), "9999") {
			t.Errorf("error %q doesn't name the unknown service", err)
		}
		_, err = f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: 9999, Name: "x"})
		wantField(t, err, okienko.EINVALID, "department_id")
		_, err = f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: "x", ServiceIDs: []int64{8888}})
		wantField(t, err, okienko.EINVALID, "service_ids")
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}
		reread, _ := f.store.Counter(f.ctx, cnt.ID)
		if !reflect.DeepEqual(reread.ServiceIDs, []int64{b.ID, c.ID}) {
			t.Fatalf("service ids after a failed update = %v", reread.ServiceIDs)
		}

		// Deleting a service drops it from the counters serving it.
		if err := f.store.DeleteService(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		reread, _ = f.store.Counter(f.ctx, cnt.ID)
		if !reflect.DeepEqual(reread.ServiceIDs, []int64{c.ID}) {
			t.Fatalf("service ids after deleting service %d = %v", b.ID, reread.ServiceIDs)
		}

		if err := f.store.DeleteCounter(f.ctx, cnt.ID); err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectCounter, cnt.ID), audit.Delete, reread, nil)
		if _, err := f.store.Counter(f.ctx, cnt.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("read after delete: %v", err)
		}
		var links int64
		f.db.Table("counter_services").Where("counter_id = ?", cnt.ID).Count(&links)
		if links != 0 {
			t.Fatalf("%d counter_services rows left after delete", links)
		}
	})
}

// Departments created at once with one prefix: exactly one wins, the others
// get ECONFLICT on ticket_prefix, whether the check in the transaction or the
// unique constraint catches them.
func TestDuplicatePrefixRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: fmt.Sprint("D", i), TicketPrefix: "Q", Hours: office.DemoHours()})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			if err == nil {
				won++
				continue
			}
			if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked") {
				t.Fatalf("%v: SQLite transactions are not BEGIN IMMEDIATE; glebarez/go-sqlite ignores _txlock when "+
					"_time_format is in the DSN, so database.SQLitePragmas must not set _time_format (sqlite is the default anyway)", err)
			}
			wantField(t, err, okienko.ECONFLICT, "ticket_prefix")
		}
		if won != 1 {
			t.Fatalf("%d creates won, want 1", won)
		}
		if n := f.counts(t); n["departments"] != 1 || n["audit_log"] != 2 {
			t.Fatalf("rows after the race: %v", n)
		}
	})
}

// A duplicate the check in the transaction can't see (a row committed between
// the check and the insert) fails on the unique constraint and is reported
// the same way: ECONFLICT on ticket_prefix. A callback slips the row in just
// before the insert, on the same transaction.
func TestPrefixUniqueViolation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		injected := false
		err := db.Callback().Create().Before("gorm:create").Register("test:duplicate_prefix", func(tx *gorm.DB) {
			if injected || tx.Statement.Table != "departments" {
				return
			}
			injected = true
			tx.Error = tx.Session(&gorm.Session{NewDB: true}).Exec(
				"INSERT INTO departments (office_id, name, ticket_prefix, hours, created_at, updated_at) VALUES (?, 'sneaky', 'Z', '{}', ?, ?)",
				f.o.ID, f.start, f.start).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		_, err = f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: "Z", TicketPrefix: "Z", Hours: office.DemoHours()})
		if !injected {
			t.Fatal("the callback did not run")
		}
		wantField(t, err, okienko.ECONFLICT, "ticket_prefix")
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}
	})
}

// Invalid changes and errors from patch leave rows and the audit log as they
// were; patch errors come back unchanged.
func TestInvalidChangesWriteNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "D", "D")
		s := f.service(t, d.ID, "s")
		c, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: "1", ServiceIDs: []int64{s.ID}})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{StartsOn: f.week.Day(7)})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts(t)
		dBefore, _ := f.store.Department(f.ctx, d.ID)
		sBefore, _ := f.store.Service(f.ctx, s.ID)
		cBefore, _ := f.store.Counter(f.ctx, c.ID)
		clBefore, _ := f.store.Closure(f.ctx, cl.ID)
		boom := errors.New("boom")

		cases := []struct {
			name  string
			call  func() error
			field string // "" when the patch's own error is expected
		}{
			{"department hours", func() error {
				_, err := f.store.UpdateDepartment(f.ctx, d.ID, func(s *office.DepartmentSpec) error {
					s.Name = "changed"
					s.Hours.Mon = append(s.Hours.Mon, []string{"25:00", "26:00"})
					return nil
				})
				return err
			}, "hours.mon"},
			{"department patch error", func() error {
				_, err := f.store.UpdateDepartment(f.ctx, d.ID, func(s *office.DepartmentSpec) error {
					s.Name = "changed"
					s.Hours.Mon[0][0] = "09:00"
					return boom
				})
				return err
			}, ""},
			{"service slot", func() error {
				_, err := f.store.UpdateService(f.ctx, s.ID, func(s *office.ServiceSpec) error { s.Name = "x"; s.SlotMinutes = 0; return nil })
				return err
			}, "slot_minutes"},
			{"service patch error", func() error {
				_, err := f.store.UpdateService(f.ctx, s.ID, func(*office.ServiceSpec) error { return boom })
				return err
			}, ""},
			{"counter name", func() error {
				_, err := f.store.UpdateCounter(f.ctx, c.ID, func(s *office.CounterSpec) error { s.Name = " "; s.ServiceIDs = nil; return nil })
				return err
			}, "name"},
			{"counter patch error", func() error {
				_, err := f.store.UpdateCounter(f.ctx, c.ID, func(s *office.CounterSpec) error { s.ServiceIDs[0] = 1234; return boom })
				return err
			}, ""},
			{"closure reason", func() error {
				_, err := f.store.UpdateClosure(f.ctx, cl.ID, func(s *office.ClosureSpec) error { s.Reason = strings.Repeat("x", 501); return nil })
				return err
			}, "reason"},
			{"closure patch error", func() error {
				_, err := f.store.UpdateClosure(f.ctx, cl.ID, func(*office.ClosureSpec) error { return boom })
				return err
			}, ""},
			{"create department", func() error {
				_, err := f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: "x", TicketPrefix: "1"})
				return err
			}, "ticket_prefix"},
			{"create service", func() error {
				_, err := f.store.CreateService(f.ctx, office.ServiceSpec{DepartmentID: d.ID, Name: "x"})
				return err
			}, "slot_minutes"},
			{"create closure", func() error {
				_, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{Reason: "x"})
				return err
			}, "starts_on"},
			{"create counter", func() error {
				_, err := f.store.CreateCounter(f.ctx, office.CounterSpec{Name: "x"})
				return err
			}, "department_id"},
		}
		for _, tc := range cases {
			err := tc.call()
			if tc.field == "" {
				if err != boom {
					t.Errorf("%s: err = %v, want the patch's own error", tc.name, err)
				}
			} else {
				var e *okienko.Error
				if !errors.As(err, &e) || e.Code != okienko.EINVALID || e.Fields[tc.field] == "" {
					t.Errorf("%s: err = %v, want EINVALID on %s", tc.name, err, tc.field)
				}
			}
		}
		if after := f.counts(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}
		dAfter, _ := f.store.Department(f.ctx, d.ID)
		sAfter, _ := f.store.Service(f.ctx, s.ID)
		cAfter, _ := f.store.Counter(f.ctx, c.ID)
		clAfter, _ := f.store.Closure(f.ctx, cl.ID)
		if !reflect.DeepEqual(dBefore, dAfter) || !reflect.DeepEqual(sBefore, sAfter) || !reflect.DeepEqual(cBefore, cAfter) || !reflect.DeepEqual(clBefore, clAfter) {
			t.Fatalf("rows changed:\n%+v\n%+v\n%+v\n%+v\n%+v\n%+v\n%+v\n%+v", dBefore, dAfter, sBefore, sAfter, cBefore, cAfter, clBefore, clAfter)
		}
	})
}

func TestNotFound(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		calls := map[string]func() error{
			"department 7 not found": func() error {
				_, err := f.store.UpdateDepartment(f.ctx, 7, func(*office.DepartmentSpec) error { return nil })
				return err
			},
			"service 8 not found": func() error {
				_, err := f.store.UpdateService(f.ctx, 8, func(*office.ServiceSpec) error { return nil })
				return err
			},
			"closure 9 not found": func() error {
				_, err := f.store.UpdateClosure(f.ctx, 9, func(*office.ClosureSpec) error { return nil })
				return err
			},
			"counter 10 not found": func() error {
				_, err := f.store.UpdateCounter(f.ctx, 10, func(*office.CounterSpec) error { return nil })
				return err
			},
			"counter 11 not found": func() error { return f.store.DeleteCounter(f.ctx, 11) },
			"closure 12 not found": func() error { _, err := f.store.Closure(f.ctx, 12); return err },
			"department 13 not found": func() error {
				_, err := f.store.OpeningIntervals(f.ctx, 13, f.week.Monday)
				return err
			},
		}
		for want, call := range calls {
			err := call()
			var e *okienko.Error
			if !errors.As(err, &e) || e.Code != okienko.ENOTFOUND || e.Message != want {
				t.Errorf("err = %v, want ENOTFOUND %q", err, want)
			}
		}
	})
}

// WithTx runs the store's methods inside the caller's transaction: a rollback
// undoes them.
func TestWithTx(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rollback := errors.New("rollback")
		err := db.Transaction(func(tx *gorm.DB) error {
			d, err := f.store.WithTx(tx).CreateDepartment(f.ctx, office.DepartmentSpec{Name: "T", TicketPrefix: "T", Hours: office.DemoHours()})
			if err != nil {
				return err
			}
			if _, err := f.store.WithTx(tx).OpeningIntervals(f.ctx, d.ID, f.week.Monday); err != nil {
				return err
			}
			return rollback
		})
		if err != rollback {
			t.Fatalf("transaction: %v", err)
		}
		if n := f.counts(t); n["departments"] != 0 || n["audit_log"] != 1 {
			t.Fatalf("after rollback: %v", n)
		}
	})
}

// A counter serves the matters of its own department: another department's
// matter is refused on create and on change, naming service_ids.
func TestCounterServesItsDepartment(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d, other := f.department(t, "D", "D"), f.department(t, "E", "E")
		mine, theirs := f.service(t, d.ID, "a"), f.service(t, other.ID, "b")
		_, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: "1", ServiceIDs: []int64{mine.ID, theirs.ID}})
		wantField(t, err, okienko.EINVALID, "service_ids")
		cnt, err := f.store.CreateCounter(f.ctx, office.CounterSpec{DepartmentID: d.ID, Name: "1", ServiceIDs: []int64{mine.ID}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.store.UpdateCounter(f.ctx, cnt.ID, func(s *office.CounterSpec) error { s.ServiceIDs = append(s.ServiceIDs, theirs.ID); return nil })
		wantField(t, err, okienko.EINVALID, "service_ids")
		// Moving the counter to the other department takes its matters along
		// only if they are that department's.
		_, err = f.store.UpdateCounter(f.ctx, cnt.ID, func(s *office.CounterSpec) error { s.DepartmentID = other.ID; return nil })
		wantField(t, err, okienko.EINVALID, "service_ids")
		moved, err := f.store.UpdateCounter(f.ctx, cnt.ID, func(s *office.CounterSpec) error {
			s.DepartmentID, s.ServiceIDs = other.ID, []int64{theirs.ID}
			return nil
		})
		if err != nil || moved.DepartmentID != other.ID {
			t.Fatalf("moved %+v, %v", moved, err)
		}
	})
}
