package office_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

var warsaw = mustZone("Europe/Warsaw")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func date(y int, m time.Month, d int) office.Date { return office.Date{Year: y, Month: m, Day: d} }

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func everyDay(iv ...[]string) office.WeekHours {
	return office.WeekHours{Mon: iv, Tue: iv, Wed: iv, Thu: iv, Fri: iv, Sat: iv, Sun: iv}
}

func TestOpeningSpans(t *testing.T) {
	cases := []struct {
		name  string
		hours office.WeekHours
		day   office.Date
		want  []office.Span
	}{
		{"spring forward, 8 wall-clock hours", everyDay([]string{"08:00", "16:00"}), date(2026, 3, 29),
			[]office.Span{{utc(2026, 3, 29, 6, 0), utc(2026, 3, 29, 14, 0)}}},
		{"fall back, 8 wall-clock hours", everyDay([]string{"08:00", "16:00"}), date(2026, 10, 25),
			[]office.Span{{utc(2026, 10, 25, 7, 0), utc(2026, 10, 25, 15, 0)}}},
		{"23-hour day", everyDay([]string{"00:00", "24:00"}), date(2026, 3, 29),
			[]office.Span{{utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0)}}},
		{"25-hour day", everyDay([]string{"00:00", "24:00"}), date(2026, 10, 25),
			[]office.Span{{utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0)}}},
		{"demo Tuesday in winter", office.DemoHours(), date(2024, 12, 24),
			[]office.Span{{utc(2024, 12, 24, 6, 30), utc(2024, 12, 24, 14, 30)}}},
		{"demo Monday in summer", office.DemoHours(), date(2026, 7, 6),
			[]office.Span{{utc(2026, 7, 6, 6, 0), utc(2026, 7, 6, 14, 0)}}},
		{"unsorted intervals come out sorted", office.WeekHours{Wed: [][]string{{"12:30", "16:00"}, {"08:00", "12:00"}}}, date(2026, 1, 7),
			[]office.Span{{utc(2026, 1, 7, 7, 0), utc(2026, 1, 7, 11, 0)}, {utc(2026, 1, 7, 11, 30), utc(2026, 1, 7, 15, 0)}}},
		{"closed weekday", office.DemoHours(), date(2026, 1, 10), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := office.OpeningSpans(warsaw, tc.hours, tc.day)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("OpeningSpans = %v, want %v", got, tc.want)
			}
		})
	}
	// Durations on the daylight-saving days, in another zone too.
	for _, tc := range []struct {
		loc  *time.Location
		day  office.Date
		want time.Duration
	}{
		{warsaw, date(2026, 3, 29), 23 * time.Hour},
		{warsaw, date(2026, 10, 25), 25 * time.Hour},
		{warsaw, date(2026, 10, 26), 24 * time.Hour},
		{mustZone("America/New_York"), date(2026, 3, 8), 23 * time.Hour},
		{mustZone("America/New_York"), date(2026, 11, 1), 25 * time.Hour},
	} {
		sp := office.OpeningSpans(tc.loc, everyDay([]string{"00:00", "24:00"}), tc.day)
		if len(sp) != 1 || sp[0].End.Sub(sp[0].Start) != tc.want {
			t.Errorf("%s %v: spans %v, want one of %v", tc.loc, tc.day, sp, tc.want)
		}
		if sp[0].Start.Location() != time.UTC {
			t.Errorf("span in %v, want UTC", sp[0].Start.Location())
		}
	}
}

func TestHoliday(t *testing.T) {
	cases := []struct {
		day  office.Date
		want bool
	}{
		{date(2026, 1, 1), true},
		{date(2026, 1, 6), true},
		{date(2026, 4, 5), true}, // Easter Sunday
		{date(2026, 4, 6), true}, // Easter Monday
		{date(2026, 5, 1), true},
		{date(2026, 5, 3), true},
		{date(2026, 5, 24), true}, // Pentecost
		{date(2026, 6, 4), true},  // Corpus Christi
		{date(2026, 8, 15), true},
		{date(2026, 11, 1), true},
		{date(2026, 11, 11), true},
		{date(2025, 12, 24), true},
		{date(2026, 12, 24), true},
		{date(2026, 12, 25), true},
		{date(2026, 12, 26), true},
		{date(2024, 12, 24), false},
		{date(2026, 4, 3), false}, // Good Friday is a working day
		{date(2026, 4, 7), false},
		{date(2026, 5, 2), false},
		{date(2026, 12, 31), false},
		{date(2027, 3, 29), true}, // Easter Monday 2027
	}
	for _, tc := range cases {
		name, ok := office.Holiday(tc.day)
		if ok != tc.want || (ok && name == "") || (!ok && name != "") {
			t.Errorf("Holiday(%v) = %q, %v; want %v", tc.day, name, ok, tc.want)
		}
	}
}

func TestOpeningIntervals(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		demo := f.department(t, "Demo", "A") // DemoHours
		other := f.department(t, "Other", "B")
		allWeek, err := f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: "Every day", TicketPrefix: "C", Hours: everyDay([]string{"08:00", "16:00"})})
		if err != nil {
			t.Fatal(err)
		}
		roundClock, err := f.store.CreateDepartment(f.ctx, office.DepartmentSpec{Name: "Round the clock", TicketPrefix: "R", Hours: everyDay([]string{"00:00", "24:00"})})
		if err != nil {
			t.Fatal(err)
		}

		open := func(dep int64, day office.Date) []office.Span {
			t.Helper()
			sp, err := f.store.OpeningIntervals(f.ctx, dep, day)
			if err != nil {
				t.Fatalf("OpeningIntervals(%d, %v): %v", dep, day, err)
			}
			return sp
		}
		span := func(s, e time.Time) []office.Span { return []office.Span{{s, e}} }
		for _, tc := range []struct {
			name string
			dep  int64
			day  office.Date
			want []office.Span
		}{
			{"spring forward", allWeek.ID, date(2026, 3, 29), span(utc(2026, 3, 29, 6, 0), utc(2026, 3, 29, 14, 0))},
			{"fall back", allWeek.ID, date(2026, 10, 25), span(utc(2026, 10, 25, 7, 0), utc(2026, 10, 25, 15, 0))},
			{"23 hours", roundClock.ID, date(2026, 3, 29), span(utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0))},
			{"25 hours", roundClock.ID, date(2026, 10, 25), span(utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0))},
			{"demo Sunday closed", demo.ID, date(2026, 3, 29), nil},
			{"24 December 2024 was a working Tuesday", demo.ID, date(2024, 12, 24), span(utc(2024, 12, 24, 6, 30), utc(2024, 12, 24, 14, 30))},
			{"an ordinary Tuesday", demo.ID, date(2026, 4, 7), span(utc(2026, 4, 7, 5, 30), utc(2026, 4, 7, 13, 30))},
			{"Easter Monday", demo.ID, date(2026, 4, 6), nil},
			{"Corpus Christi", demo.ID, date(2026, 6, 4), nil},
			{"Independence Day", demo.ID, date(2026, 11, 11), nil},
			{"24 December 2026", demo.ID, date(2026, 12, 24), nil},
			{"Easter Sunday, even open on Sundays", allWeek.ID, date(2026, 4, 5), nil},
		} {
			if got := open(tc.dep, tc.day); len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}

		reason, closed, err := f.store.ClosedReason(f.ctx, demo.ID, date(2026, 11, 11))
		if err != nil || !closed || reason != "Narodowe Święto Niepodległości" {
			t.Errorf("ClosedReason on 11 November = %q, %v, %v", reason, closed, err)
		}
		if reason, closed, err := f.store.ClosedReason(f.ctx, demo.ID, date(2026, 3, 29)); err != nil || closed || reason != "" {
			t.Errorf("ClosedReason on an ordinary Sunday = %q, %v, %v; want not closed", reason, closed, err)
		}

		// An office-wide closure empties every department's day; a
		// department's closure only its own.
		monday, tuesday, wednesday := date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)
		for _, d := range []office.Date{monday, tuesday, wednesday} {
			if len(open(demo.ID, d)) == 0 || len(open(other.ID, d)) == 0 {
				t.Fatalf("%v closed before any closure", d)
			}
		}
		if _, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{StartsOn: monday, Reason: "inwentaryzacja"}); err != nil {
			t.Fatal(err)
		}
		dep := demo.ID
		if _, err := f.store.CreateClosure(f.ctx, office.ClosureSpec{DepartmentID: &dep, StartsOn: tuesday, EndsOn: wednesday}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			dep    int64
			day    office.Date
			open   bool
			reason string
		}{
			{demo.ID, monday, false, "inwentaryzacja"},
			{other.ID, monday, false, "inwentaryzacja"},
			{allWeek.ID, monday, false, "inwentaryzacja"},
			{demo.ID, tuesday, false, "department closed"},
			{demo.ID, wednesday, false, "department closed"},
			{other.ID, tuesday, true, ""},
			{other.ID, wednesday, true, ""},
			{demo.ID, date(2026, 5, 7), true, ""},
		} {
			got := open(tc.dep, tc.day)
			if (len(got) > 0) != tc.open {
				t.Errorf("department %d on %v: spans %v, want open=%v", tc.dep, tc.day, got, tc.open)
			}
			reason, closed, err := f.store.ClosedReason(f.ctx, tc.dep, tc.day)
			if err != nil || closed == tc.open || reason != tc.reason {
				t.Errorf("ClosedReason(%d, %v) = %q, %v, %v; want %q", tc.dep, tc.day, reason, closed, err, tc.reason)
			}
		}
		if got := open(other.ID, tuesday); !reflect.DeepEqual(got, span(utc(2026, 5, 5, 5, 30), utc(2026, 5, 5, 13, 30))) {
			t.Errorf("other department on %v: %v", tuesday, got)
		}

		// The office's zone decides the instants. (Changed by hand, behind
		// the store's back: the cached catalog must be told.)
		if err := db.Table("offices").Where("id = ?", f.o.ID).Update("time_zone", "Europe/London").Error; err != nil {
			t.Fatal(err)
		}
		f.store.Forget()
		if got := open(other.ID, tuesday); !reflect.DeepEqual(got, span(utc(2026, 5, 5, 6, 30), utc(2026, 5, 5, 14, 30))) {
			t.Errorf("in London on %v: %v", tuesday, got)
		}
	})
}

func TestOpeningDays(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "Demo", "A")
		days, err := f.store.OpeningDays(f.ctx, d.ID, date(2026, 4, 3), date(2026, 4, 7))
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			day    office.Date
			open   bool
			closed string
		}{
			{date(2026, 4, 3), true, ""},
			{date(2026, 4, 4), false, ""}, // Saturday: no hours, no reason
			{date(2026, 4, 5), false, "pierwszy dzień Wielkiej Nocy"},
			{date(2026, 4, 6), false, "drugi dzień Wielkiej Nocy"},
			{date(2026, 4, 7), true, ""},
		}
		if len(days) != len(want) {
			t.Fatalf("%d days, want %d", len(days), len(want))
		}
		for i, w := range want {
			g := days[i]
			if g.Date != w.day || (len(g.Spans) > 0) != w.open || g.Closed != w.closed || g.Spans == nil {
				t.Errorf("day %d = %+v, want %+v", i, g, w)
			}
		}
		for _, r := range [][2]office.Date{{date(2026, 4, 7), date(2026, 4, 6)}, {date(2026, 1, 1), date(2027, 2, 5)}, {{}, date(2026, 1, 1)}} {
			if _, err := f.store.OpeningDays(f.ctx, d.ID, r[0], r[1]); okienko.ErrorCode(err) != okienko.EINVALID {
				t.Errorf("OpeningDays(%v, %v): %v, want EINVALID", r[0], r[1], err)
			}
		}
	})
}

// The holidays of 2026 are the 14 days free from work, in date order, each
// also a Holiday.
func TestHolidaysOfAYear(t *testing.T) {
	got := office.Holidays(2026)
	want := []string{"2026-01-01", "2026-01-06", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-03", "2026-05-24",
		"2026-06-04", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-24", "2026-12-25", "2026-12-26"}
	var dates []string
	for _, h := range got {
		dates = append(dates, h.Date.String())
		if name, ok := office.Holiday(h.Date); !ok || name != h.Name {
			t.Errorf("%s %q is not a Holiday (%q, %v)", h.Date, h.Name, name, ok)
		}
	}
	if strings.Join(dates, " ") != strings.Join(want, " ") {
		t.Fatalf("holidays of 2026:\n got %v\nwant %v", dates, want)
	}
}

// FuzzOpeningDays: for any first day and length, on both databases,
// OpeningDays answers (no endless loop), refuses with EINVALID naming from
// or to, or gives the days asked for, one by one, all within the bounds; it
// never fails otherwise (a year 0 once made PostgreSQL fail with 22008).
func FuzzOpeningDays(f *testing.F) {
	f.Add(9999, 12, 31, 0)
	f.Add(0, 1, 1, 0)
	f.Add(10000, 1, 1, 3)
	f.Add(2100, 12, 31, 1)
	f.Add(2000, 1, 1, -1)
	f.Add(2026, 2, 30, 5)
	f.Add(2026, 11, 23, 399)
	f.Add(2026, 11, 23, 400)
	f.Add(-1, -1, -1, 1<<40)
	type place struct {
		store *office.Store
		ctx   context.Context
		dep   int64
	}
	var places []place
	for _, db := range databasetest.Both(f) {
		store := office.NewStore(db, okienko.NewManualClock(officetest.Anchor(f).At(0, 10, 0)))
		ctx := okienko.WithActor(context.Background(), okienko.Actor{Name: "tester", Role: okienko.RoleAdmin})
		if err := store.CreateOffice(ctx, &office.Office{Name: "Urząd"}); err != nil {
			f.Fatal(err)
		}
		spec := office.DefaultDepartmentSpec()
		spec.Name, spec.TicketPrefix = "Demo", "A"
		d, err := store.CreateDepartment(ctx, spec)
		if err != nil {
			f.Fatal(err)
		}
		places = append(places, place{store, ctx, d.ID})
	}
	f.Fuzz(func(t *testing.T, y, m, d, span int) {
		from := office.Date{Year: y, Month: time.Month(m), Day: d}
		to := from.AddDays(span % 100000)
		for _, p := range places {
			days, err := p.store.OpeningDays(p.ctx, p.dep, from, to)
			if err != nil {
				if e := okienko.AsError(err); e.Code != okienko.EINVALID || (e.Fields["from"] == "" && e.Fields["to"] == "") {
					t.Fatalf("OpeningDays(%v, %v): %v, want EINVALID naming from or to", from, to, err)
				}
				continue
			}
			if len(days) == 0 || len(days) > office.MaxOpeningDays || days[0].Date != from || days[len(days)-1].Date != to {
				t.Fatalf("OpeningDays(%v, %v): %d days", from, to, len(days))
			}
			for i, od := range days {
				if !od.Date.InBounds() || (i > 0 && od.Date != days[i-1].Date.AddDays(1)) {
					t.Fatalf("OpeningDays(%v, %v): day %d is %v", from, to, i, od.Date)
				}
			}
		}
	})
}
