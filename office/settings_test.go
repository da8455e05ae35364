package office_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// The office is open within its departments' hours and, with a lead, the
// minutes before them; not at closing time, on a weekend or on a closure.
func TestOpenWithin(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		week := officetest.Anchor(t)
		offices, dep, _ := officetest.New(t, db, okienko.NewManualClock(week.At(0, 6, 0)), nil)
		lead := 15 * time.Minute
		cases := []struct {
			name string
			at   time.Time
			want bool
		}{
			{"Monday 07:44, 16 minutes before 08:00", week.At(0, 7, 44), false},
			{"Monday 07:45, 15 minutes before", week.At(0, 7, 45), true},
			{"Monday 10:00", week.At(0, 10, 0), true},
			{"Monday 15:59", week.At(0, 15, 59), true},
			{"Monday 16:00, closing", week.At(0, 16, 0), false},
			{"Tuesday 07:20, before 07:30", week.At(1, 7, 20), true},
			{"Saturday 10:00", week.At(5, 10, 0), false},
			{"Sunday 23:50, Monday not near", week.At(6, 23, 50), false},
		}
		for _, c := range cases {
			if got, err := offices.OpenWithin(ctx, c.at, lead); err != nil || got != c.want {
				t.Errorf("%s: open %v, %v; want %v", c.name, got, err, c.want)
			}
		}
		if _, err := offices.CreateClosure(ctx, office.ClosureSpec{DepartmentID: &dep.ID, StartsOn: week.Day(2), EndsOn: week.Day(2), Reason: "Inwentaryzacja"}); err != nil {
			t.Fatal(err)
		}
		if got, err := offices.OpenWithin(ctx, week.At(2, 10, 0), lead); err != nil || got {
			t.Errorf("Wednesday closed: open %v, %v", got, err)
		}
	})
}

// The office's alerts address is saved, audited and read back; a patch's
// refusal leaves it unchanged.
func TestUpdateSettings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		offices, _, _ := officetest.New(t, db, okienko.NewManualClock(clockStart(t)), nil)
		off, err := offices.UpdateSettings(ctx, func(s *office.Settings) error {
			s.AlertsEmail = " sekretariat@urzad.example.pl "
			return nil
		})
		if err != nil || off.AlertsEmail != "sekretariat@urzad.example.pl" {
			t.Fatalf("update: %+v %v", off, err)
		}
		refused := okienko.Invalid("alerts_email", "no")
		if _, err := offices.UpdateSettings(ctx, func(s *office.Settings) error { s.AlertsEmail = "x"; return refused }); !errors.Is(err, refused) {
			t.Fatalf("refused patch: %v", err)
		}
		if got, _ := offices.Office(ctx); got.AlertsEmail != "sekretariat@urzad.example.pl" {
			t.Fatalf("read back %q", got.AlertsEmail)
		}
		var n int64
		db.Table("audit_log").Where("object_type = ? AND action = ?", office.ObjectOffice, "update").Count(&n)
		if n != 1 {
			t.Fatalf("%d audit entries, want 1", n)
		}
	})
}

// The feedback invitation is off by default; switched on and off it reads
// back, inside a transaction too, and each switch is in the audit log.
func TestFeedbackInviteSetting(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		offices, _, _ := officetest.New(t, db, okienko.NewManualClock(clockStart(t)), nil)
		if set, err := offices.Settings(ctx); err != nil || set.FeedbackInvite {
			t.Fatalf("by default: %+v %v", set, err)
		}
		for _, on := range []bool{true, true, false, true} {
			if _, err := offices.UpdateSettings(ctx, func(s *office.Settings) error { s.FeedbackInvite = on; return nil }); err != nil {
				t.Fatal(err)
			}
			if set, err := offices.Settings(ctx); err != nil || set.FeedbackInvite != on {
				t.Fatalf("after setting %v: %+v %v", on, set, err)
			}
			err := db.Transaction(func(tx *gorm.DB) error {
				got, err := office.FeedbackInvite(ctx, tx)
				if err == nil && got != on {
					t.Errorf("in a transaction: %v, want %v", got, on)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		db.Table("audit_log").Where("object_type = ? AND action = ? AND after_json LIKE ?", office.ObjectOffice, "update", `%"feedback_invite"%`).Count(&n)
		if n != 3 {
			t.Fatalf("%d audit entries, want 3 (one per switch)", n)
		}
	})
}
