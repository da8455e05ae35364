package audit_test

import (
	"context"
	"encoding/json"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// The log names objects by their current names (or, once deleted, by the
// name in the entry) and shows only the fields an update changed.
func TestDescribeNamesObjectsAndShowsChangedFields(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := okienko.WithActor(context.Background(), okienko.Actor{Name: "admin"})
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 9, 0))
		offices, dep, svc := officetest.New(t, db, clock, nil)
		if _, err := offices.UpdateDepartment(ctx, dep.ID, func(s *office.DepartmentSpec) error {
			s.Name = "Sprawy obywatelskie"
			s.Hours.Mon = [][]string{{"08:00", "24:00"}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		from := officetest.Anchor(t).Day(2)
		c, err := offices.CreateClosure(ctx, office.ClosureSpec{StartsOn: from, EndsOn: from.AddDays(1), Reason: "Remont"})
		if err != nil {
			t.Fatal(err)
		}
		if err := offices.DeleteClosure(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		entries, err := audit.List(ctx, db, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		views, err := audit.Describe(ctx, db, entries)
		if err != nil {
			t.Fatal(err)
		}
		find := func(action, typ string, id int64) audit.View {
			t.Helper()
			for _, v := range views {
				if v.Action == action && v.ObjectType == typ && v.ObjectID == id {
					return v
				}
			}
			t.Fatalf("no %s of %s %d in %+v", action, typ, id, views)
			return audit.View{}
		}
		upd := find(audit.Update, "department", dep.ID)
		if upd.ObjectName != "Sprawy obywatelskie" {
			t.Errorf("department named %q", upd.ObjectName)
		}
		got, _ := json.Marshal(upd.Changes)
		want := `[{"field":"name","before":"Dowody osobiste","after":"Sprawy obywatelskie"},{"field":"hours.mon","before":[["08:00","16:00"]],"after":[["08:00","24:00"]]}]`
		if string(got) != want {
			t.Errorf("changes\n got %s\nwant %s", got, want)
		}
		// The create named the department by its name now, all its fields shown.
		cre := find(audit.Create, "department", dep.ID)
		if cre.ObjectName != "Sprawy obywatelskie" || len(cre.Changes) < 5 || cre.Changes[0].Before != nil {
			t.Errorf("create: %+v", cre)
		}
		if s := find(audit.Create, "service", svc.ID); s.ObjectName != "Wniosek o dowód osobisty" {
			t.Errorf("service named %q", s.ObjectName)
		}
		// The closure is gone: its name comes from the entries.
		wantName := from.String() + " – " + from.AddDays(1).String() + " — Remont"
		del := find(audit.Delete, "closure", c.ID)
		if del.ObjectName != wantName {
			t.Errorf("deleted closure named %q, want %q", del.ObjectName, wantName)
		}
		for _, ch := range del.Changes {
			if ch.After != nil || ch.Field == "id" || ch.Field == "created_at" {
				t.Errorf("delete change %+v", ch)
			}
		}
	})
}

// A closure still there is named by its days and reason, read from the
// database (a DATE column in PostgreSQL, text in SQLite).
func TestDescribeNamesAClosure(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 9, 0))
		offices, dep, _ := officetest.New(t, db, clock, nil)
		day := officetest.Anchor(t).Day(3)
		c, err := offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &dep.ID, StartsOn: day, EndsOn: day})
		if err != nil {
			t.Fatal(err)
		}
		views, err := audit.Describe(ctx, db, []audit.Entry{{ObjectType: "closure", ObjectID: c.ID, Action: audit.Update}})
		if err != nil {
			t.Fatal(err)
		}
		if views[0].ObjectName != day.String() || len(views[0].Changes) != 0 {
			t.Errorf("got %+v", views[0])
		}
	})
}
