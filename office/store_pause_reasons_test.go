package office_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// The pause reasons: the three defaults in the clerks' order with their
// translations; a new one validated (EINVALID naming the field), a name
// taken (case aside) ECONFLICT; a reason never used is deleted, one used
// is archived: gone from the list, still readable by id for the reports.
func TestPauseReasons(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
		offices := office.NewStore(db, clock)
		rs, err := offices.PauseReasons(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rs {
			names = append(names, r.Name+"/"+r.NameIn("en")+"/"+r.NameIn("uk"))
		}
		if got := strings.Join(names, ", "); got != "Przerwa/Break/Перерва, Sprawy administracyjne/Administrative tasks/Адміністративні справи, Szkolenie/Training/Навчання" {
			t.Fatalf("defaults: %s", got)
		}
		for _, tc := range []struct {
			spec  office.PauseReasonSpec
			field string
		}{
			{office.PauseReasonSpec{Name: "  "}, "name"},
			{office.PauseReasonSpec{Name: strings.Repeat("x", 61)}, "name"},
			{office.PauseReasonSpec{Name: "Obiad", NameEN: strings.Repeat("x", 61)}, "name_en"},
			{office.PauseReasonSpec{Name: "Obiad", Position: -1}, "position"},
		} {
			_, err := offices.CreatePauseReason(ctx, tc.spec)
			if e, ok := err.(*okienko.Error); !ok || e.Code != okienko.EINVALID || e.Fields[tc.field] == "" {
				t.Errorf("%+v: %v, want EINVALID on %s", tc.spec, err, tc.field)
			}
		}
		if _, err := offices.CreatePauseReason(ctx, office.PauseReasonSpec{Name: "przerwa"}); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Errorf("a name taken: %v, want ECONFLICT", err)
		}
		lunch, err := offices.CreatePauseReason(ctx, office.PauseReasonSpec{Name: " Obiad ", NameEN: "Lunch", Position: 4})
		if err != nil || lunch.Name != "Obiad" {
			t.Fatalf("create: %+v %v", lunch, err)
		}
		renamed, err := offices.UpdatePauseReason(ctx, lunch.ID, func(s *office.PauseReasonSpec) error { s.NameUK = "Обід"; return nil })
		if err != nil || renamed.NameUK != "Обід" || renamed.NameEN != "Lunch" {
			t.Fatalf("update: %+v %v", renamed, err)
		}
		if _, err := offices.UpdatePauseReason(ctx, lunch.ID, func(s *office.PauseReasonSpec) error { s.Name = "Szkolenie"; return nil }); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Errorf("rename onto a name taken: %v, want ECONFLICT", err)
		}
		// Unused: deleted.
		if err := offices.DeletePauseReason(ctx, lunch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := offices.PauseReason(ctx, lunch.ID); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Errorf("deleted reason: %v", err)
		}
		// Used: archived.
		used := rs[2].ID
		if err := db.Exec("INSERT INTO counter_pauses (reason_id, day, started_at) VALUES (?, ?, ?)", used, officetest.Anchor(t).Day(0), clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		if err := offices.DeletePauseReason(ctx, used); err != nil {
			t.Fatal(err)
		}
		r, err := offices.PauseReason(ctx, used)
		if err != nil || r.ArchivedAt == nil || r.Name != "Szkolenie" {
			t.Fatalf("archived: %+v %v", r, err)
		}
		if err := offices.DeletePauseReason(ctx, used); okienko.ErrorCode(err) != okienko.ENOTFOUND {
			t.Errorf("archiving twice: %v, want ENOTFOUND", err)
		}
		if rs, _ := offices.PauseReasons(ctx); len(rs) != 2 {
			t.Errorf("%d reasons offered, want 2", len(rs))
		}
		// The name of an archived reason is free again.
		if _, err := offices.CreatePauseReason(ctx, office.PauseReasonSpec{Name: "Szkolenie"}); err != nil {
			t.Errorf("a new Szkolenie after the archived one: %v", err)
		}
	})
}
