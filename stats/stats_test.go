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
		if err := db.Exec(`INSERT INTO tickets (public_id, office_id, department_id, service_id, day, kind, seq, number, status,
			issued_at, due_at, called_at, started_at, finished_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			fmt.Sprintf("pub%d", n), off.ID, svc.DepartmentID, svc.ID, day, kind, n, fmt.Sprintf("X%03d", n), status,
			issued.UTC(), issued.UTC(), utc(called), utc(started), utc(finished), issued.UTC(), issued.UTC()).Error; err != nil {
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
	return seeded{dep: dep, depP: depP, a: a, b: b, c: c}
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
		rep, err := store.Report(context.Background(), day, day, warsaw)
		if err != nil {
			t.Fatal(err)
		}
		rowA := stats.Figures{TicketsIssued: 5, WalkIns: 4, BookingTickets: 1, Served: 3, NoShow: 1, Expired: 1,
			BookingsMade: 3, BookingsCancelled: 1, BookingsCancelledLate: 1,
			WaitP50: ptr(5), WaitP90: ptr(20), ServiceP50: ptr(9), ServiceP90: ptr(15),
			Hours: hours(map[int]int{8: 2, 9: 2, 15: 1})}
		rowB := stats.Figures{TicketsIssued: 2, WalkIns: 1, BookingTickets: 1, Served: 2,
			BookingsMade: 1, BookingsCancelled: 1,
			WaitP50: ptr(4), WaitP90: ptr(10), ServiceP50: ptr(6), ServiceP90: ptr(30.5),
			Hours: hours(map[int]int{10: 2})}
		rowC := stats.Figures{TicketsIssued: 1, WalkIns: 1, Hours: hours(map[int]int{11: 1})}
		depD := stats.Figures{TicketsIssued: 7, WalkIns: 5, BookingTickets: 2, Served: 5, NoShow: 1, Expired: 1,
			BookingsMade: 4, BookingsCancelled: 2, BookingsCancelledLate: 1,
			WaitP50: ptr(5), WaitP90: ptr(20), ServiceP50: ptr(9), ServiceP90: ptr(30.5),
			Hours: hours(map[int]int{8: 2, 9: 2, 10: 2, 15: 1})}
		total := depD
		total.TicketsIssued, total.WalkIns, total.Hours = 8, 6, hours(map[int]int{8: 2, 9: 2, 10: 2, 11: 1, 15: 1})
		want := &stats.Report{From: day, To: day, TimeZone: "Europe/Warsaw",
			Rows: []stats.Row{
				{Day: day, DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.a.ID, ServiceName: "Wniosek o dowód osobisty", Figures: rowA},
				{Day: day, DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", ServiceID: s.b.ID, ServiceName: "Odbiór dowodu", Figures: rowB},
				{Day: day, DepartmentID: s.depP.ID, DepartmentName: "Paszporty", ServiceID: s.c.ID, ServiceName: "Wniosek o paszport", Figures: rowC},
			},
			Departments: []stats.DepartmentTotal{
				{DepartmentID: s.dep.ID, DepartmentName: "Dowody osobiste", Figures: depD},
				{DepartmentID: s.depP.ID, DepartmentName: "Paszporty", Figures: rowC},
			},
			Total: total,
		}
		if !reflect.DeepEqual(rep, want) {
			t.Fatalf("report:\n got %s\nwant %s", dump(rep), dump(want))
		}

		t.Run("a range of two days adds the day before as its own row", func(t *testing.T) {
			rep2, err := store.Report(context.Background(), day.AddDays(-1), day, warsaw)
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
		for _, p := range []*int{&f.TicketsIssued, &f.WalkIns, &f.BookingTickets, &f.Served, &f.NoShow, &f.Expired,
			&f.BookingsMade, &f.BookingsCancelled, &f.BookingsCancelledLate} {
			*p = num()
		}
		f.WaitP50, f.WaitP90, f.ServiceP50, f.ServiceP90 = pct(), pct(), pct(), pct()
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
			_, err := store.Report(context.Background(), tc.from, tc.to, warsaw)
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
