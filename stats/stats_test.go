package stats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/stats"
)

var warsaw = officetest.Warsaw

// localTime returns local, the instant of hh:mm:ss on the Warsaw wall clock
// n days after the test week's Monday (officetest.Anchor; Monday 23 November
// 2026 in the written week).
func localTime(t testing.TB) (local func(n, hh, mm, ss int) time.Time) {
	w := officetest.Anchor(t)
	return func(n, hh, mm, ss int) time.Time { return w.At(n, hh, mm).Add(time.Duration(ss) * time.Second) }
}

func ptr(v float64) *float64 { return &v }

// seeded is the deterministic day: the test week's Monday in Warsaw.
type seeded struct {
	dep, depP *office.Department
	a, b, c   *office.Service
	c1, c2    *office.Counter
}

// seed writes the day's tickets and bookings with exact times:
//
// Service A (department D): five tickets — three served, one no-show, one
// expired; bookings made at 00:30, 08:30 and 14:00, one cancelled (made on
// the Friday before), one cancelled late (made on the Wednesday before).
// Service B (department D): two tickets served; one booking made and
// cancelled the same morning, one made at 00:30 on Tuesday (outside).
// Service C (department P): one ticket still waiting.
// Plus a ticket on the Sunday before, outside a report of the Monday alone.
func seed(t *testing.T, db *gorm.DB) seeded {
	t.Helper()
	ctx := context.Background()
	local := localTime(t)
	clock := okienko.NewManualClock(local(0, 7, 0, 0))
	offices, dep, a := officetest.New(t, db, clock, nil)
	spec := office.DefaultServiceSpec()
	spec.DepartmentID, spec.Name = dep.ID, "Odbiór dowodu"
	b, err := offices.CreateService(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	ds := office.DefaultDepartmentSpec()
	ds.Name, ds.TicketPrefix = "Paszporty", "P"
	depP, err := offices.CreateDepartment(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	spec.DepartmentID, spec.Name = depP.ID, "Wniosek o paszport"
	c, err := offices.CreateService(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	off, err := offices.Office(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The tickets of A are called at counter 1, those of B at counter 2.
	c1, err := offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: dep.ID, Name: "Okienko 1", ServiceIDs: []int64{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := offices.CreateCounter(ctx, office.CounterSpec{DepartmentID: dep.ID, Name: "Okienko 2", ServiceIDs: []int64{b.ID}})
	if err != nil {
		t.Fatal(err)
	}
	counterOf := map[int64]int64{a.ID: c1.ID, b.ID: c2.ID}
	n := 0
	ticket := func(svc *office.Service, kind, status string, issued time.Time, called, started, finished *time.Time) {
		t.Helper()
		n++
		utc := func(p *time.Time) any {
			if p == nil {
				return nil
			}
			return p.UTC()
		}
		day := office.DateOf(issued.In(warsaw))
		var counter any
		if called != nil {
			counter = counterOf[svc.ID]
		}
		if err := db.Exec(`INSERT INTO tickets (public_id, office_id, department_id, service_id, day, kind, seq, number, status,
			issued_at, due_at, called_at, started_at, finished_at, created_at, updated_at, counter_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("pub%d", n), off.ID, svc.DepartmentID, svc.ID, day, kind, n, fmt.Sprintf("X%03d", n), status,
			issued.UTC(), issued.UTC(), utc(called), utc(started), utc(finished), issued.UTC(), issued.UTC(), counter).Error; err != nil {
			t.Fatal(err)
		}
	}
	at := func(hh, mm, ss int) *time.Time { v := local(0, hh, mm, ss); return &v }
	// Service A.
	ticket(a, "walk_in", "done", local(0, 8, 5, 0), at(8, 10, 0), at(8, 11, 0), at(8, 20, 0))  // wait 5, service 9
	ticket(a, "walk_in", "done", local(0, 8, 20, 0), at(8, 32, 0), at(8, 33, 0), at(8, 40, 0)) // wait 12, service 7
	ticket(a, "booking", "done", local(0, 9, 0, 0), at(9, 2, 0), at(9, 2, 0), at(9, 17, 0))    // wait 2, service 15
	ticket(a, "walk_in", "no_show", local(0, 9, 30, 0), at(9, 50, 0), nil, nil)                // wait 20
	ticket(a, "walk_in", "expired", local(0, 15, 10, 0), nil, nil, nil)
	// Service B.
	ticket(b, "booking", "done", local(0, 10, 0, 0), at(10, 4, 0), at(10, 5, 0), at(10, 35, 30))   // wait 4, service 30.5
	ticket(b, "walk_in", "done", local(0, 10, 15, 0), at(10, 25, 0), at(10, 25, 0), at(10, 31, 0)) // wait 10, service 6
	// Service C.
	ticket(c, "walk_in", "waiting", local(0, 11, 45, 0), nil, nil, nil)
	// The day before.
	prev := local(-1, 10, 0, 0)
	ticket(a, "walk_in", "done", prev, &prev, &prev, &prev)

	booking := func(svc *office.Service, status string, created time.Time, cancelled *time.Time) {
		t.Helper()
		n++
		start := local(7, 10, 0, 0)
		var c any
		if cancelled != nil {
			c = cancelled.UTC()
		}
		if err := db.Exec(`INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, consent_at, created_at, updated_at, cancelled_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("CODE%d", n), svc.ID, office.DateOf(start), start.UTC(), start.Add(15*time.Minute).UTC(), status,
			created.UTC(), created.UTC(), created.UTC(), c).Error; err != nil {
			t.Fatal(err)
		}
	}
	booking(a, "booked", local(0, 0, 30, 0), nil) // the Sunday in UTC (23:30, or 22:30 in summer), but Monday in Warsaw
	booking(a, "booked", local(0, 8, 30, 0), nil)
	booking(a, "booked", local(0, 14, 0, 0), nil)
	booking(a, "cancelled", local(-3, 9, 0, 0), at(12, 0, 0))
	booking(a, "cancelled_late", local(-5, 9, 0, 0), at(10, 20, 0))
	booking(b, "cancelled", local(0, 9, 0, 0), at(9, 30, 0))
	booking(b, "booked", local(1, 0, 30, 0), nil) // Monday in UTC (23:30, or 22:30 in summer), but Tuesday in Warsaw
	return seeded{dep: dep, depP: depP, a: a, b: b, c: c, c1: c1, c2: c2}
}

func hours(m map[int]int) (h [24]int) {
	for k, v := range m {
		h[k] = v
	}
	return h
}

func TestStatsReportOfASeededDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seed(t, db)
		local := localTime(t)
		store := stats.New(db, okienko.NewManualClock(local(0, 18, 0, 0)))
		day := office.DateOf(local(0, 0, 0, 0))
		rep, err := store.Report(context.Background(), stats.Query{From: day, To: day}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		rowA := stats.Figures{TicketsIssued: 5, WalkIns: 4, BookingTickets: 1, Served: 3, NoShow: 1, Expired: 1,
			BookingsMade: 3, BookingsCancelled: 1, BookingsCancelledLate: 1,
			WaitP50: ptr(5), WaitP90: ptr(20), ServiceP50: ptr(9), ServiceP90: ptr(15),
			Hours:  hours(map[int]int{8: 2, 9: 2, 15: 1}),
			Called: 4, WithinTarget: 3, WithinTargetPercent: ptr(60)} // waits 5, 12, 2 and 20; one expired
		rowB := stats.Figures{TicketsIssued: 2, WalkIns: 1, BookingTickets: 1, Served: 2,
			BookingsMade: 1, BookingsCancelled: 1,
			WaitP50: ptr(4), WaitP90: ptr(10), ServiceP50: ptr(6), ServiceP90: ptr(30.5),
			Hours:  hours(map[int]int{10: 2}),
			Called: 2, WithinTarget: 2, WithinTargetPercent: ptr(100)}
		rowC := stats.Figures{TicketsIssued: 1, WalkIns: 1, Hours: hours(map[int]int{11: 1})}
		depD := stats.Figures{TicketsIssued: 7, WalkIns: 5, BookingTickets: 2, Served: 5, NoShow: 1, Expired: 1,
			BookingsMade: 4, BookingsCancelled: 2, BookingsCancelledLate: 1,
			WaitP50: ptr(5), WaitP90: ptr(20), ServiceP50: ptr(9), ServiceP90: ptr(30.5),
			Hours:  hours(map[int]int{8: 2, 9: 2, 10: 2, 15: 1}),
			Called: 6, WithinTarget: 5, WithinTargetPercent: ptr(71.4)} // 5 of 7
		total := depD
		total.TicketsIssued, total.WalkIns, total.Hours = 8, 6, hours(map[int]int{8: 2, 9: 2, 10: 2, 11: 1, 15: 1})
		counter1 := stats.Figures{TicketsIssued: 4, WalkIns: 3, BookingTickets: 1, Served: 3, NoShow: 1,
			WaitP50: ptr(5), WaitP90: ptr(20), ServiceP50: ptr(9), ServiceP90: ptr(15),
			Hours:  hours(map[int]int{8: 2, 9: 2}),
			Called: 4, WithinTarget: 3, WithinTargetPercent: ptr(75)}
		counter2 := stats.Figures{TicketsIssued: 2, WalkIns: 1, BookingTickets: 1, Served: 2,
			WaitP50: ptr(4), WaitP90: ptr(10), ServiceP50: ptr(6), ServiceP90: ptr(30.5),
			Hours:  hours(map[int]int{10: 2}),
			Called: 2, WithinTarget: 2, WithinTargetPercent: ptr(100)}
		var weekdays [7][24]int
		weekdays[0] = total.Hours // the test week's Monday
		want := &stats.Report{From: day, To: day, TimeZone: "Europe/Warsaw", TargetMinutes: 15,
			Rows: []stats.Row{
				{Day: day, DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.a.ID, ServiceName: "Wniosek o dowód osobisty", Figures: rowA},
				{Day: day, DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.b.ID, ServiceName: "Odbiór dowodu", Figures: rowB},
				{Day: day, DepartmentID: s.depP.ID, DepartmentName: "Paszporty", ServiceID: s.c.ID, ServiceName: "Wniosek o paszport", Figures: rowC},
			},
			Departments: []stats.DepartmentTotal{
				{DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", Figures: depD},
				{DepartmentID: s.depP.ID, DepartmentName: "Paszporty", Figures: rowC},
			},
			Services: []stats.ServiceTotal{
				{DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.a.ID, ServiceName: "Wniosek o dowód osobisty", Figures: rowA},
				{DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.b.ID, ServiceName: "Odbiór dowodu", Figures: rowB},
				{DepartmentID: s.depP.ID, DepartmentName: "Paszporty", ServiceID: s.c.ID, ServiceName: "Wniosek o paszport", Figures: rowC},
			},
			Counters: []stats.CounterTotal{
				{CounterID: s.c1.ID, CounterName: "Okienko 1", Figures: counter1},
				{CounterID: s.c2.ID, CounterName: "Okienko 2", Figures: counter2},
			},
			Days:         []stats.DayTotal{{Day: day, Figures: total}},
			WeekdayHours: weekdays,
			Total:        total,
		}
		if !reflect.DeepEqual(rep, want) {
			t.Fatalf("report:\n got %s\nwant %s", dump(rep), dump(want))
		}

		t.Run("a range of two days adds the day before as its own row", func(t *testing.T) {
			rep2, err := store.Report(context.Background(), stats.Query{From: day.AddDays(-1), To: day}, warsaw)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep2.Rows) != 4 || rep2.Rows[0].Day != day.AddDays(-1) || rep2.Rows[0].ServiceID != s.a.ID {
				t.Fatalf("rows: %s", dump(rep2.Rows))
			}
			prev := rep2.Rows[0].Figures
			if prev.TicketsIssued != 1 || prev.Served != 1 || *prev.WaitP50 != 0 || prev.Hours[10] != 1 || prev.BookingsMade != 0 {
				t.Fatalf("the day before: %s", dump(prev))
			}
			if rep2.Total.TicketsIssued != 9 || rep2.Total.BookingsMade != 4 {
				t.Fatalf("total over two days: %s", dump(rep2.Total))
			}
		})

		t.Run("the CSV holds exactly the report's figures", func(t *testing.T) {
			var buf bytes.Buffer
			if err := stats.WriteCSV(&buf, rep); err != nil {
				t.Fatal(err)
			}
			rows := ParseCSV(t, buf.Bytes())
			if !reflect.DeepEqual(rows, rep.Rows) {
				t.Fatalf("CSV rows:\n got %s\nwant %s", dump(rows), dump(rep.Rows))
			}
		})

		t.Run("the SVG has one bar per hour scaled to the busiest", func(t *testing.T) {
			var buf bytes.Buffer
			if err := stats.WriteHoursSVG(&buf, "Load", rep.Total.Hours); err != nil {
				t.Fatal(err)
			}
			CheckHoursSVG(t, buf.Bytes(), rep.Total.Hours)
		})
	})
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// ParseCSV reads the CSV export back into rows, failing on any field that
// is not what WriteCSV promises.
func ParseCSV(t *testing.T, data []byte) []stats.Row {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || !reflect.DeepEqual(recs[0], stats.CSVHeader) {
		t.Fatalf("header: %v", recs)
	}
	rows := []stats.Row{}
	for _, rec := range recs[1:] {
		i := 0
		next := func() string { i++; return rec[i-1] }
		num := func() int {
			n, err := strconv.Atoi(next())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		pct := func() *float64 {
			s := next()
			if s == "" {
				return nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			return &v
		}
		var r stats.Row
		d, err := office.ParseDate(next())
		if err != nil {
			t.Fatal(err)
		}
		r.Day = d
		r.DepartmentID, r.DepartmentName = int64(num()), next()
		r.ServiceID, r.ServiceName = int64(num()), next()
		f := &r.Figures
		for _, p := range []*int{&f.TicketsIssued, &f.WalkIns, &f.BookingTickets, &f.RemoteTickets, &f.Served, &f.NoShow, &f.Expired,
			&f.BookingsMade, &f.BookingsCancelled, &f.BookingsCancelledLate} {
			*p = num()
		}
		f.WaitP50, f.WaitP90, f.ServiceP50, f.ServiceP90 = pct(), pct(), pct(), pct()
		f.Called, f.WithinTarget, f.WithinTargetPercent = num(), num(), pct()
		f.VisitsBooked, f.VisitsCheckedIn, f.VisitsMissed, f.VisitNoShowPercent = num(), num(), num(), pct()
		f.FeedbackCount, f.FeedbackAverage = num(), pct()
		for h := range f.Hours {
			f.Hours[h] = num()
		}
		if i != len(rec) || len(rec) != len(stats.CSVHeader) {
			t.Fatalf("record has %d fields, read %d", len(rec), i)
		}
		rows = append(rows, r)
	}
	return rows
}

// CheckHoursSVG parses an hours chart and checks that it has a title and a
// description and one bar per hour whose count is hours[h] and whose height
// relative to the tallest is hours[h]/max.
func CheckHoursSVG(t *testing.T, data []byte, hours [24]int) {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		Title   string   `xml:"title"`
		Desc    string   `xml:"desc"`
		Rects   []struct {
			Class  string  `xml:"class,attr"`
			Hour   int     `xml:"data-hour,attr"`
			Count  int     `xml:"data-count,attr"`
			Height float64 `xml:"height,attr"`
		} `xml:"rect"`
		Texts []struct {
			Class string `xml:"class,attr"`
			Text  string `xml:",chardata"`
		} `xml:"text"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the SVG is not XML: %v\n%s", err, data)
	}
	if doc.Title == "" || doc.Desc == "" {
		t.Fatalf("title %q, desc %q", doc.Title, doc.Desc)
	}
	if rest := strings.Replace(string(data), `xmlns="http://www.w3.org/2000/svg"`, "", 1); strings.Contains(rest, "http") || strings.Contains(rest, "//") {
		t.Fatalf("the SVG refers to an outside host:\n%s", data)
	}
	max := 0
	for _, n := range hours {
		if n > max {
			max = n
		}
	}
	var tallest float64
	for _, r := range doc.Rects {
		tallest = math.Max(tallest, r.Height)
	}
	if len(doc.Rects) != 24 {
		t.Fatalf("%d bars, want 24", len(doc.Rects))
	}
	for h, r := range doc.Rects {
		if r.Class != "bar" || r.Hour != h || r.Count != hours[h] {
			t.Fatalf("bar %d: %+v, want count %d", h, r, hours[h])
		}
		want := 0.0
		if max > 0 {
			want = float64(hours[h]) / float64(max)
		}
		if got := r.Height / tallest; max > 0 && math.Abs(got-want) > 0.001 || max == 0 && r.Height != 0 {
			t.Fatalf("bar %d is %.3f of the tallest, want %.3f", h, got, want)
		}
	}
	hourLabels, countLabels := 0, 0
	for _, x := range doc.Texts {
		switch x.Class {
		case "label hour":
			hourLabels++
		case "label count":
			countLabels++
		}
	}
	nonEmpty := 0
	for _, n := range hours {
		if n > 0 {
			nonEmpty++
		}
	}
	if hourLabels != 24 || countLabels != nonEmpty {
		t.Fatalf("%d hour labels and %d count labels, want 24 and %d", hourLabels, countLabels, nonEmpty)
	}
}

func TestStatsRangeLimits(t *testing.T) {
	db := databasetest.SQLite(t)
	local := localTime(t)
	store := stats.New(db, okienko.NewManualClock(local(0, 12, 0, 0)))
	d := office.DateOf(local(0, 0, 0, 0))
	for _, tc := range []struct {
		name     string
		from, to office.Date
		ok       bool
	}{
		{"one day", d, d, true},
		{"366 days", d, d.AddDays(365), true},
		{"367 days", d, d.AddDays(366), false},
		{"reversed", d, d.AddDays(-1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Report(context.Background(), stats.Query{From: tc.from, To: tc.to}, warsaw)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *okienko.Error
			if !errors.As(err, &e) || e.Code != okienko.EINVALID || e.Fields["to"] == "" {
				t.Fatalf("got %v, want EINVALID on to", err)
			}
		})
	}
	from, to := store.LastWeek(warsaw)
	if to != d || from != d.AddDays(-6) {
		t.Fatalf("last week = %s..%s", from, to)
	}
}

func TestStatsPercentileNearestRank(t *testing.T) {
	min := func(ms ...float64) []time.Duration {
		var ds []time.Duration
		for _, m := range ms {
			ds = append(ds, time.Duration(m*float64(time.Minute)))
		}
		return ds
	}
	for _, tc := range []struct {
		ds   []time.Duration
		p    int
		want *float64
	}{
		{nil, 50, nil},
		{min(7), 50, ptr(7)},
		{min(7), 90, ptr(7)},
		{min(3, 1, 2), 50, ptr(2)},
		{min(1, 2, 3, 4), 50, ptr(2)},
		{min(1, 2, 3, 4), 90, ptr(4)},
		{min(10, 1, 2, 3, 4, 5, 6, 7, 8, 9), 90, ptr(9)},
		{min(10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11), 90, ptr(10)},
		{[]time.Duration{100 * time.Second}, 50, ptr(1.7)},
	} {
		got := stats.Percentile(tc.ds, tc.p)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("p%d of %v = %v, want %v", tc.p, tc.ds, got, tc.want)
		}
	}
}

func TestStatsCSVEscapesFormulas(t *testing.T) {
	rep := &stats.Report{Rows: []stats.Row{{ServiceName: "=HYPERLINK(\"x\")", DepartmentName: "Dowody, piętro 1"}}}
	var buf bytes.Buffer
	if err := stats.WriteCSV(&buf, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][2] != "Dowody, piętro 1" || recs[1][4] != "'=HYPERLINK(\"x\")" {
		t.Fatalf("record %q", recs[1])
	}
}

// Booked visits count on the day of the visit, bookings made on the day
// they were made: a booking made on Monday for Tuesday is in Monday's
// bookings_made and in Tuesday's visits.
func TestStatsVisitsByTheDayOfTheVisit(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		local := localTime(t)
		clock := okienko.NewManualClock(local(0, 7, 0, 0))
		_, _, a := officetest.New(t, db, clock, nil)
		n := 0
		book := func(status string, cancelled *time.Time) {
			t.Helper()
			n++
			start := local(1, 9, n, 0) // Tuesday
			var c any
			if cancelled != nil {
				c = cancelled.UTC()
			}
			made := local(0, 12, 0, 0) // Monday
			if err := db.Exec(`INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, consent_at, created_at, updated_at, cancelled_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				fmt.Sprintf("VISIT%03d", n), a.ID, office.DateOf(start.In(warsaw)), start.UTC(), start.Add(time.Minute).UTC(), status,
				made.UTC(), made.UTC(), made.UTC(), c).Error; err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			book("checked_in", nil)
		}
		late := local(1, 9, 30, 0)
		book("cancelled_late", &late)
		book("booked", nil)
		book("booked", nil)
		early := local(0, 13, 0, 0)
		book("cancelled", &early) // by the resident, on Monday: not a visit
		book("pending", nil)      // never confirmed: not a visit
		store := stats.New(db, clock)
		mon, tue := office.DateOf(local(0, 0, 0, 0)), office.DateOf(local(1, 0, 0, 0))

		rep, err := store.Report(context.Background(), stats.Query{From: tue, To: tue}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Total
		if got.VisitsBooked != 6 || got.VisitsCheckedIn != 3 || got.VisitsMissed != 1 || got.VisitNoShowPercent == nil || *got.VisitNoShowPercent != 25 ||
			got.BookingsMade != 0 || got.BookingsCancelled != 0 || got.BookingsCancelledLate != 1 {
			t.Fatalf("Tuesday: %s", dump(got))
		}
		if len(rep.Rows) != 1 || rep.Rows[0].Day != tue || rep.Services[0].VisitsBooked != 6 {
			t.Fatalf("rows %s services %s", dump(rep.Rows), dump(rep.Services))
		}

		rep, err = store.Report(context.Background(), stats.Query{From: mon, To: mon}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		got = rep.Total
		if got.BookingsMade != 8 || got.BookingsCancelled != 1 || got.VisitsBooked != 0 || got.VisitNoShowPercent != nil {
			t.Fatalf("Monday: %s", dump(got))
		}
	})
}

// The share within the target follows the target; weekday × hour counts
// each ticket on its own weekday; every CSV table parses back.
func TestStatsTargetWeekdaysAndTables(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := seed(t, db)
		local := localTime(t)
		store := stats.New(db, okienko.NewManualClock(local(0, 18, 0, 0)))
		mon := office.DateOf(local(0, 0, 0, 0))
		rep, err := store.Report(context.Background(), stats.Query{From: mon.AddDays(-1), To: mon, TargetMinutes: 10}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		if rep.TargetMinutes != 10 {
			t.Fatalf("target %d", rep.TargetMinutes)
		}
		// Service A on Monday waited 5, 12, 2 and 20 minutes, one expired:
		// 2 of 5 within 10 minutes; on Sunday one ticket, called at once.
		var a, c1 *stats.Figures
		for i := range rep.Services {
			if rep.Services[i].ServiceID == s.a.ID {
				a = &rep.Services[i].Figures
			}
		}
		for i := range rep.Counters {
			if rep.Counters[i].CounterID == s.c1.ID {
				c1 = &rep.Counters[i].Figures
			}
		}
		if a == nil || a.Called != 5 || a.WithinTarget != 3 || *a.WithinTargetPercent != 50 {
			t.Fatalf("service A over two days: %s", dump(a))
		}
		if c1 == nil || c1.Called != 5 || c1.WithinTarget != 3 || *c1.WithinTargetPercent != 60 {
			t.Fatalf("counter 1 over two days: %s", dump(c1))
		}
		if len(rep.Days) != 2 || rep.Days[0].Day != mon.AddDays(-1) || rep.Days[0].TicketsIssued != 1 || rep.Days[1].TicketsIssued != 8 {
			t.Fatalf("days: %s", dump(rep.Days))
		}
		if rep.WeekdayHours[6][10] != 1 || rep.WeekdayHours[0][8] != 2 || rep.WeekdayHours[0][10] != 2 || rep.WeekdayHours[1] != [24]int{} {
			t.Fatalf("weekday hours: %v", rep.WeekdayHours)
		}

		for _, table := range stats.Tables {
			var buf bytes.Buffer
			if err := stats.WriteTableCSV(&buf, rep, table); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			if !reflect.DeepEqual(recs[0], stats.CSVHeaderOf(table)) {
				t.Fatalf("%s header %v", table, recs[0])
			}
			col := func(rec []string, name string) string {
				for i, h := range recs[0] {
					if h == name {
						return rec[i]
					}
				}
				t.Fatalf("%s has no column %s", table, name)
				return ""
			}
			switch table {
			case stats.TableRows:
				if len(recs) != 1+len(rep.Rows) {
					t.Fatalf("rows: %d records", len(recs))
				}
			case stats.TableServices:
				if len(recs) != 4 || col(recs[1], "service_name") != "Wniosek o dowód osobisty" || col(recs[1], "within_target_percent") != "50" || col(recs[3], "within_target_percent") != "" {
					t.Fatalf("services: %q", recs)
				}
			case stats.TableCounters:
				if len(recs) != 3 || col(recs[1], "counter_name") != "Okienko 1" || col(recs[1], "called") != "5" || col(recs[2], "within_target_percent") != "100" {
					t.Fatalf("counters: %q", recs)
				}
			case stats.TableDays:
				if len(recs) != 3 || col(recs[2], "day") != mon.String() || col(recs[2], "tickets_issued") != "8" {
					t.Fatalf("days: %q", recs)
				}
			case stats.TableWeekdayHours:
				if len(recs) != 8 || recs[1][0] != "mon" || col(recs[1], "h08") != "2" || recs[7][0] != "sun" || col(recs[7], "h10") != "1" {
					t.Fatalf("weekday hours: %q", recs)
				}
			}
		}
		var e *okienko.Error
		if err := stats.WriteTableCSV(&bytes.Buffer{}, rep, "people"); !errors.As(err, &e) || e.Fields["table"] == "" {
			t.Fatalf("unknown table: %v", err)
		}
	})
}

func TestStatsTargetBounds(t *testing.T) {
	d := office.DateOf(localTime(t)(0, 0, 0, 0))
	for _, tc := range []struct {
		target int
		ok     bool
	}{{0, true}, {1, true}, {240, true}, {241, false}, {-1, false}} {
		err := stats.Query{From: d, To: d, TargetMinutes: tc.target}.Check()
		var e *okienko.Error
		if tc.ok != (err == nil) || !tc.ok && (!errors.As(err, &e) || e.Code != okienko.EINVALID || e.Fields["target_minutes"] == "") {
			t.Errorf("target %d: %v", tc.target, err)
		}
	}
}

// A visit of several matters counts under each of its matters: made,
// booked for its day and checked in, once per matter.
func TestStatsVisitOfSeveralMatters(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		local := localTime(t)
		clock := okienko.NewManualClock(local(0, 7, 0, 0))
		offices, dep, a := officetest.New(t, db, clock, nil)
		spec := office.DefaultServiceSpec()
		spec.DepartmentID, spec.Name = dep.ID, "Odbiór dowodu"
		b, err := offices.CreateService(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		start, made := local(1, 9, 0, 0), local(0, 12, 0, 0)
		day := office.DateOf(start.In(warsaw))
		if err := db.Exec(`INSERT INTO bookings (code, service_id, day, starts_at, ends_at, status, consent_at, created_at, updated_at, matters)
			VALUES ('VISIT2', ?, ?, ?, ?, 'checked_in', ?, ?, ?, 2)`,
			a.ID, day, start.UTC(), start.Add(15*time.Minute).UTC(), made.UTC(), made.UTC(), made.UTC()).Error; err != nil {
			t.Fatal(err)
		}
		for i, id := range []int64{a.ID, b.ID} {
			from := start.Add(time.Duration(i) * 15 * time.Minute)
			if err := db.Exec(`INSERT INTO booking_items (booking_id, position, service_id, starts_at, ends_at)
				SELECT id, ?, ?, ?, ? FROM bookings WHERE code = 'VISIT2'`, i, id, from.UTC(), from.Add(15*time.Minute).UTC()).Error; err != nil {
				t.Fatal(err)
			}
		}
		store := stats.New(db, clock)
		rep, err := store.Report(ctx, stats.Query{From: office.DateOf(made.In(warsaw)), To: day}, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]stats.Figures{}
		for _, s := range rep.Services {
			seen[s.ServiceID] = s.Figures
		}
		for _, id := range []int64{a.ID, b.ID} {
			f := seen[id]
			if f.BookingsMade != 1 || f.VisitsBooked != 1 || f.VisitsCheckedIn != 1 {
				t.Errorf("matter %d: %s", id, dump(f))
			}
		}
	})
}
