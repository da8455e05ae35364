package stats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/stats"
)

// staffDay is the day of the staff report test, lived on the injected
// clock through the queue's own methods on the test week's Monday:
//
// Anna at Okienko 1 from 08:00 serves three visits of 5, 10 and 20
// minutes, marks one absent, pauses 08:40–08:55 with the default reason
// (Przerwa), 09:00–09:30 for Szkolenie, switches to Sprawy administracyjne
// until 09:45. At 12:00 she moves to Okienko 2, serves one visit of 6
// minutes and pauses at 12:10 for Szkolenie, never resuming: the pause is
// closed at midnight by the end of the day.
//
// Bogdan at Okienko 2 from 08:00 serves ten visits of 2, 4, …, 18 and 40
// minutes, marks two absent, pauses at 11:00 for Przerwa and signs out at
// 11:20 while paused: the pause ends at sign-out.
type staffDay struct {
	clock        *okienko.ManualClock
	q            *queue.Store
	w            officetest.Week
	anna, bogdan int64
	c1, c2       int64
	reasons      map[string]int64
}

func liveStaffDay(t *testing.T, db *gorm.DB) *staffDay {
	t.Helper()
	ctx := context.Background()
	w := officetest.Anchor(t)
	clock := okienko.NewManualClock(w.At(0, 8, 0))
	offices, dep, svc := officetest.New(t, db, clock, nil)
	q := queue.NewStore(db, clock, offices, booking.NewStore(db, clock, offices, "secret"))
	d := &staffDay{clock: clock, q: q, w: w, reasons: map[string]int64{}}
	rs, err := offices.PauseReasons(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		d.reasons[r.Name] = r.ID
	}
	user := func(name, display string) int64 {
		var id int64
		now := clock.Now()
		if err := db.Exec("INSERT INTO users (username, display_name, password_hash, role, created_at, updated_at) VALUES (?, ?, 'x', 'clerk', ?, ?)", name, display, now, now).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Raw("SELECT id FROM users WHERE username = ?", name).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	counter := func(name string) int64 {
		c, err := offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: dep.ID, Name: name, ServiceIDs: []int64{svc.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	d.anna, d.bogdan = user("anna", "Anna Nowak"), user("bogdan", "")
	d.c1, d.c2 = counter("Okienko 1"), counter("Okienko 2")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(hh, mm int) { clock.Set(w.At(0, hh, mm)) }
	open := func(c, u int64) {
		_, err := q.OpenCounter(ctx, c, u, nil)
		must(err)
	}
	// visit issues a ticket and has clerk u at counter c call it; then
	// serves it for min minutes, or marks it absent for min < 0.
	visit := func(c, u int64, min int) {
		t.Helper()
		_, err := q.IssueWalkIn(ctx, svc.ID, false)
		must(err)
		tk, err := q.CallNext(ctx, c, u)
		must(err)
		if min < 0 {
			_, err = q.Act(ctx, tk.ID, u, queue.ActNoShow, "")
			must(err)
			return
		}
		_, err = q.Act(ctx, tk.ID, u, queue.ActStart, "")
		must(err)
		clock.Advance(time.Duration(min) * time.Minute)
		_, err = q.Act(ctx, tk.ID, u, queue.ActFinish, "")
		must(err)
	}
	pause := func(c, u int64, reason string) {
		t.Helper()
		_, err := q.PauseCounter(ctx, c, u, d.reasons[reason])
		must(err)
	}
	resume := func(c, u int64) {
		t.Helper()
		_, err := q.ResumeCounter(ctx, c, u)
		must(err)
	}

	at(8, 0)
	open(d.c1, d.anna)
	open(d.c2, d.bogdan)
	for _, m := range []int{5, 10, 20, -1} { // Anna till 08:35
		visit(d.c1, d.anna, m)
	}
	for _, m := range []int{2, 4, 6, 8, 10, 12, 14, 16, 18, 40, -1, -1} { // Bogdan till 10:10
		visit(d.c2, d.bogdan, m)
	}
	at(8, 40)
	_, err = q.PauseCounter(ctx, d.c1, d.anna, 0) // the default: Przerwa
	must(err)
	at(8, 55)
	resume(d.c1, d.anna)
	at(9, 0)
	pause(d.c1, d.anna, "Szkolenie")
	at(9, 30)
	pause(d.c1, d.anna, "Sprawy administracyjne")
	at(9, 45)
	resume(d.c1, d.anna)
	at(11, 0)
	pause(d.c2, d.bogdan, "Przerwa")
	at(11, 20)
	must(q.CloseCounter(ctx, d.c2, d.bogdan))
	at(12, 0)
	must(q.CloseCounter(ctx, d.c1, d.anna))
	open(d.c2, d.anna)
	visit(d.c2, d.anna, 6)
	at(12, 10)
	pause(d.c2, d.anna, "Szkolenie")
	return d
}

func f(v float64) *float64 { return &v }

// The staff report of the lived day: per clerk and per counter, exact
// counts, mean and nearest-rank p90 service times, and paused minutes per
// reason; a pause still open counts until now, then the end of the day
// closes it at midnight; the CSV reads back the same.
func TestStaffReportDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		d := liveStaffDay(t, db)
		day := d.w.Day(0)
		st := stats.New(db, d.clock)
		przerwa, sprawy, szkolenie := d.reasons["Przerwa"], d.reasons["Sprawy administracyjne"], d.reasons["Szkolenie"]
		rm := func(id int64, name string, m float64) stats.ReasonMinutes {
			return stats.ReasonMinutes{ReasonID: id, Name: name, Minutes: m}
		}

		// At 13:10 Anna's pause at Okienko 2 has lasted an hour.
		d.clock.Set(d.w.At(0, 13, 10))
		rep, err := st.Staff(ctx, stats.StaffQuery{From: day, To: day}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Counters[1].PausedMinutes; got != 80 {
			t.Errorf("Okienko 2 paused at 13:10: %v, want 80 (Bogdan 20, Anna 60 so far)", got)
		}

		// The next day the end of the day closes it at midnight.
		d.clock.Set(d.w.At(1, 0, 30))
		if _, err := d.q.ExpireClosed(ctx); err != nil {
			t.Fatal(err)
		}
		ps, err := d.q.Pauses(ctx, day, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 5 {
			t.Fatalf("%d pauses, want 5", len(ps))
		}
		for _, p := range ps {
			if p.EndedAt == nil {
				t.Fatalf("pause %d still open", p.ID)
			}
		}
		if last := ps[4]; !last.EndedAt.Equal(d.w.At(1, 0, 0)) {
			t.Errorf("the open pause ended at %v, want midnight %v", last.EndedAt, d.w.At(1, 0, 0))
		}
		d.clock.Set(d.w.At(2, 12, 0))
		rep, err = st.Staff(ctx, stats.StaffQuery{From: day.AddDays(-1), To: day.AddDays(1)}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		wantClerks := []stats.ClerkDay{
			{Day: day, UserID: d.anna, Username: "anna", Name: "Anna Nowak", StaffFigures: stats.StaffFigures{
				Served: 4, NoShow: 1, ServiceMean: f(10.3), ServiceP90: f(20), Pauses: 4, PausedMinutes: 770,
				PausedByReason: []stats.ReasonMinutes{rm(przerwa, "Przerwa", 15), rm(sprawy, "Sprawy administracyjne", 15), rm(szkolenie, "Szkolenie", 740)}}},
			{Day: day, UserID: d.bogdan, Username: "bogdan", Name: "bogdan", StaffFigures: stats.StaffFigures{
				Served: 10, NoShow: 2, ServiceMean: f(13), ServiceP90: f(18), Pauses: 1, PausedMinutes: 20,
				PausedByReason: []stats.ReasonMinutes{rm(przerwa, "Przerwa", 20)}}},
		}
		wantCounters := []stats.CounterDay{
			{Day: day, CounterID: d.c1, CounterName: "Okienko 1", StaffFigures: stats.StaffFigures{
				Served: 3, NoShow: 1, ServiceMean: f(11.7), ServiceP90: f(20), Pauses: 3, PausedMinutes: 60,
				PausedByReason: []stats.ReasonMinutes{rm(przerwa, "Przerwa", 15), rm(sprawy, "Sprawy administracyjne", 15), rm(szkolenie, "Szkolenie", 30)}}},
			{Day: day, CounterID: d.c2, CounterName: "Okienko 2", StaffFigures: stats.StaffFigures{
				Served: 11, NoShow: 2, ServiceMean: f(12.4), ServiceP90: f(18), Pauses: 2, PausedMinutes: 730,
				PausedByReason: []stats.ReasonMinutes{rm(przerwa, "Przerwa", 20), rm(szkolenie, "Szkolenie", 710)}}},
		}
		if !reflect.DeepEqual(rep.Clerks, wantClerks) {
			t.Errorf("clerks:\n got %s\nwant %s", show(rep.Clerks), show(wantClerks))
		}
		if !reflect.DeepEqual(rep.Counters, wantCounters) {
			t.Errorf("counters:\n got %s\nwant %s", show(rep.Counters), show(wantCounters))
		}
		if len(rep.Reasons) != 3 || rep.Reasons[0].Name != "Przerwa" || rep.Reasons[0].NameEN != "Break" || rep.Reasons[2].NameUK != "Навчання" {
			t.Errorf("reasons %+v", rep.Reasons)
		}

		// The CSV reads back the same figures, after a byte order mark.
		var buf bytes.Buffer
		if err := stats.WriteStaffCSV(&buf, rep); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		wantCSV := [][]string{
			{"day", "scope", "id", "name", "served", "no_show", "service_mean_minutes", "service_p90_minutes", "pauses", "paused_minutes",
				"paused_minutes:Przerwa", "paused_minutes:Sprawy administracyjne", "paused_minutes:Szkolenie"},
			{day.String(), "clerk", itoa(d.anna), "Anna Nowak", "4", "1", "10.3", "20", "4", "770", "15", "15", "740"},
			{day.String(), "clerk", itoa(d.bogdan), "bogdan", "10", "2", "13", "18", "1", "20", "20", "0", "0"},
			{day.String(), "counter", itoa(d.c1), "Okienko 1", "3", "1", "11.7", "20", "3", "60", "15", "15", "30"},
			{day.String(), "counter", itoa(d.c2), "Okienko 2", "11", "2", "12.4", "18", "2", "730", "20", "0", "710"},
		}
		if !reflect.DeepEqual(recs, wantCSV) {
			t.Errorf("CSV:\n got %q\nwant %q", recs, wantCSV)
		}

		// One clerk's day: only their rows, and the counters only with
		// what they did there.
		mine, err := st.Staff(ctx, stats.StaffQuery{From: day, To: day, UserID: d.bogdan}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine.Clerks) != 1 || !reflect.DeepEqual(mine.Clerks[0], wantClerks[1]) {
			t.Errorf("Bogdan's clerks: %s", show(mine.Clerks))
		}
		if len(mine.Counters) != 1 || mine.Counters[0].CounterID != d.c2 || mine.Counters[0].Served != 10 || mine.Counters[0].PausedMinutes != 20 {
			t.Errorf("Bogdan's counters: %s", show(mine.Counters))
		}
	})
}

// Bounds: reversed, too long (over 92 days) and out-of-bounds ranges are
// EINVALID naming the field.
func TestStaffReportBounds(t *testing.T) {
	st := stats.New(nil, okienko.NewManualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)))
	d := office.Date{Year: 2026, Month: 12, Day: 1}
	for _, tc := range []struct {
		q     stats.StaffQuery
		field string
	}{
		{stats.StaffQuery{From: d, To: d.AddDays(-1)}, "to"},
		{stats.StaffQuery{From: d, To: d.AddDays(92)}, "to"},
		{stats.StaffQuery{From: office.Date{Year: 1999, Month: 1, Day: 1}, To: d}, "from"},
	} {
		_, err := st.Staff(context.Background(), tc.q, warsaw)
		var e *okienko.Error
		if !errors.As(err, &e) || e.Code != okienko.EINVALID || e.Fields[tc.field] == "" {
			t.Errorf("%v–%v: %v, want EINVALID on %s", tc.q.From, tc.q.To, err, tc.field)
		}
	}
	if err := (stats.StaffQuery{From: d, To: d.AddDays(91)}).Check(); err != nil {
		t.Errorf("92 days: %v", err)
	}
}

func show(v any) string { b, _ := json.Marshal(v); return string(b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
