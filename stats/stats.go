// Package stats reports how the office did: tickets, bookings, waiting and
// service times and the load by hour, per office day, department and service.
package stats

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// MaxDays is the longest range one report may span.
const MaxDays = 366

// bookingMatters is the bookings as one row per matter booked: a visit of
// several matters (booking_items) once under each of its matters, with its
// own columns and the item's service_id; a booking of one matter as it is.
const bookingMatters = `(SELECT b.created_at, b.status, b.cancelled_at, b.day, COALESCE(i.service_id, b.service_id) AS service_id
	FROM bookings b LEFT JOIN booking_items i ON i.booking_id = b.id) AS bm`

// Figures are the numbers reported for one group of tickets and bookings.
//
// Tickets are counted on their office day of issue (WalkIns, BookingTickets
// and RemoteTickets, those taken from the phone in the remote queue, by
// kind, each among TicketsIssued); bookings made on the
// office day of created_at; cancellations on the office day of cancelled_at.
// BookingsCancelled counts bookings in status "cancelled" (by the resident
// or the office), BookingsCancelledLate those in status "cancelled_late"
// (the resident did not come in time); the two are disjoint.
//
// Wait time is called_at − issued_at of every called ticket; service time is
// finished_at − started_at of every finished ticket. Percentiles use the
// nearest-rank method: sort the n durations ascending and take the one at
// rank ⌈p/100·n⌉ (1-based), so every percentile is a duration that really
// happened. They are in minutes rounded to 0.1, and null without samples.
// Hours[h] is the number of tickets issued in office-local hour h (0–23).
//
// Against the report's target wait: Called counts the tickets called (their
// wait ended at a counter), WithinTarget those called at most the target
// after issue; WithinTargetPercent is WithinTarget out of the tickets whose
// wait ended, called or expired (an expired ticket waited in vain), in
// percent rounded to 0.1, null when none did.
//
// Booked visits are counted on the office day of the visit, whatever the
// day the booking was made: VisitsBooked are the bookings for that day not
// cancelled by the resident or the office (booked, checked in or cancelled
// late); VisitsCheckedIn came, VisitsMissed were cancelled for lateness.
// VisitNoShowPercent is VisitsMissed out of VisitsCheckedIn + VisitsMissed
// in percent rounded to 0.1, null when both are 0.
//
// The residents' answers after their visits count on the office day of the
// ticket: FeedbackCount answers, FeedbackAverage their mean score (1–5)
// rounded to 0.01, null when none.
type Figures struct {
	TicketsIssued         int      `json:"tickets_issued"`
	WalkIns               int      `json:"walk_ins"`
	BookingTickets        int      `json:"booking_tickets"`
	RemoteTickets         int      `json:"remote_tickets"`
	Served                int      `json:"served"`
	NoShow                int      `json:"no_show"`
	Expired               int      `json:"expired"`
	BookingsMade          int      `json:"bookings_made"`
	BookingsCancelled     int      `json:"bookings_cancelled"`
	BookingsCancelledLate int      `json:"bookings_cancelled_late"`
	WaitP50               *float64 `json:"wait_p50_minutes"`
	WaitP90               *float64 `json:"wait_p90_minutes"`
	ServiceP50            *float64 `json:"service_p50_minutes"`
	ServiceP90            *float64 `json:"service_p90_minutes"`
	Hours                 [24]int  `json:"hours"`
	Called                int      `json:"called"`
	WithinTarget          int      `json:"within_target"`
	WithinTargetPercent   *float64 `json:"within_target_percent"`
	VisitsBooked          int      `json:"visits_booked"`
	VisitsCheckedIn       int      `json:"visits_checked_in"`
	VisitsMissed          int      `json:"visits_missed"`
	VisitNoShowPercent    *float64 `json:"visit_no_show_percent"`
	FeedbackCount         int      `json:"feedback_count"`
	FeedbackAverage       *float64 `json:"feedback_average"`
}

// Row is the figures of one service on one office day.
type Row struct {
	Day            office.Date `json:"day"`
	DepartmentID   int64       `json:"department_id"`
	DepartmentName string      `json:"department_name"`
	ServiceID      int64       `json:"service_id"`
	ServiceName    string      `json:"service_name"`
	Figures
}

// DepartmentTotal is the figures of one department over the whole range.
type DepartmentTotal struct {
	DepartmentID   int64  `json:"department_id"`
	DepartmentName string `json:"department_name"`
	Figures
}

// ServiceTotal is the figures of one service (a matter) over the whole range.
type ServiceTotal struct {
	DepartmentID   int64  `json:"department_id"`
	DepartmentName string `json:"department_name"`
	ServiceID      int64  `json:"service_id"`
	ServiceName    string `json:"service_name"`
	Figures
}

// CounterTotal is the figures of the tickets one counter called over the
// whole range (booking figures stay 0: a booking has no counter).
type CounterTotal struct {
	CounterID   int64  `json:"counter_id"`
	CounterName string `json:"counter_name"`
	Figures
}

// DayTotal is the figures of one office day, every service together.
type DayTotal struct {
	Day office.Date `json:"day"`
	Figures
}

// Report is the statistics of the office days From to To inclusive. Rows
// holds only the day × service pairs with something to report, ordered by
// day, department and service; Departments, Services and Days only those
// with activity, in the same order; Counters the counters that called a
// ticket, by id. WeekdayHours[d][h] is the number of tickets issued on
// weekday d (0 Monday … 6 Sunday) in office-local hour h.
type Report struct {
	From          office.Date       `json:"from"`
	To            office.Date       `json:"to"`
	TimeZone      string            `json:"time_zone"`
	TargetMinutes int               `json:"target_minutes"`
	Rows          []Row             `json:"rows"`
	Departments   []DepartmentTotal `json:"departments"`
	Services      []ServiceTotal    `json:"services"`
	Counters      []CounterTotal    `json:"counters"`
	Days          []DayTotal        `json:"days"`
	WeekdayHours  [7][24]int        `json:"weekday_hours"`
	Total         Figures           `json:"total"`
}

// Target waits: the default and the bounds of Query.TargetMinutes.
const (
	DefaultTargetMinutes = 15
	MinTargetMinutes     = 1
	MaxTargetMinutes     = 240
)

// Query is what a report covers: the office days From to To inclusive and
// the target wait in minutes (0 means DefaultTargetMinutes).
type Query struct {
	From, To      office.Date
	TargetMinutes int
}

// Check returns EINVALID naming the field: "from" or "to" out of bounds or
// reversed or over MaxDays days, "target_minutes" outside 1–240.
func (q Query) Check() error {
	if err := CheckRange(q.From, q.To); err != nil {
		return err
	}
	if q.TargetMinutes != 0 && (q.TargetMinutes < MinTargetMinutes || q.TargetMinutes > MaxTargetMinutes) {
		return okienko.Invalid("target_minutes", fmt.Sprintf("must be between %d and %d minutes, got %d", MinTargetMinutes, MaxTargetMinutes, q.TargetMinutes))
	}
	return nil
}

// Store computes reports from the database.
type Store struct {
	db    *gorm.DB
	clock okienko.Clock
}

// New returns a Store over db.
func New(db *gorm.DB, clock okienko.Clock) *Store { return &Store{db: db, clock: clock} }

// LastWeek returns the last 7 office days in loc, today included.
func (s *Store) LastWeek(loc *time.Location) (from, to office.Date) {
	to = office.DateOf(s.clock.Now().In(loc))
	return to.AddDays(-6), to
}

// CheckRange returns EINVALID (field "to") for a range that ends before it
// starts or spans more than MaxDays days.
func CheckRange(from, to office.Date) error {
	if err := office.CheckBounds("from", from); err != nil {
		return err
	}
	if err := office.CheckBounds("to", to); err != nil {
		return err
	}
	if to.Before(from) {
		return okienko.Invalid("to", "must not be before from")
	}
	if from.AddDays(MaxDays - 1).Before(to) {
		return okienko.Invalid("to", "the range may span at most 366 days")
	}
	return nil
}

// key groups figures per day and service.
type key struct {
	day     office.Date
	service int64
}

// acc accumulates one group's figures and durations.
type acc struct {
	f             Figures
	wait, service []time.Duration
	scores        int // the sum of the feedback scores
}

func (a *acc) finish() Figures {
	f := a.f
	f.WaitP50, f.WaitP90 = Percentile(a.wait, 50), Percentile(a.wait, 90)
	f.ServiceP50, f.ServiceP90 = Percentile(a.service, 50), Percentile(a.service, 90)
	f.WithinTargetPercent = percent(f.WithinTarget, f.Called+f.Expired)
	f.VisitNoShowPercent = percent(f.VisitsMissed, f.VisitsCheckedIn+f.VisitsMissed)
	if f.FeedbackCount > 0 {
		v := math.Round(float64(a.scores)*100/float64(f.FeedbackCount)) / 100
		f.FeedbackAverage = &v
	}
	return f
}

// percent is 100·n/of rounded to 0.1, nil when of is 0.
func percent(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := math.Round(float64(n)*1000/float64(of)) / 10
	return &v
}

// Percentile returns the nearest-rank p-th percentile of ds in minutes
// rounded to 0.1, or nil for no durations. ds is sorted in place.
func Percentile(ds []time.Duration, p int) *float64 {
	if len(ds) == 0 {
		return nil
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	rank := int(math.Ceil(float64(p) / 100 * float64(len(ds))))
	if rank < 1 {
		rank = 1
	}
	m := math.Round(ds[rank-1].Seconds()/60*10) / 10
	return &m
}

// Report computes the statistics of q in loc with eight queries. EINVALID
// naming the field for a reversed range, one over MaxDays days or a target
// out of bounds; EINTERNAL when the database fails.
func (s *Store) Report(ctx context.Context, q Query, loc *time.Location) (*Report, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	from, to := q.From, q.To
	target := q.TargetMinutes
	if target == 0 {
		target = DefaultTargetMinutes
	}
	db := s.db.WithContext(ctx)
	start, end := from.In(loc, 0).UTC(), to.AddDays(1).In(loc, 0).UTC()

	var services []struct {
		ID             int64
		Name           string
		DepartmentID   int64
		DepartmentName string
	}
	if err := db.Raw(`SELECT s.id, s.name, s.department_id, d.name AS department_name
		FROM services s JOIN departments d ON d.id = s.department_id`).Scan(&services).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	type names struct {
		name, depName string
		dep           int64
	}
	svc := map[int64]names{}
	for _, r := range services {
		svc[r.ID] = names{r.Name, r.DepartmentName, r.DepartmentID}
	}
	var departments []struct {
		ID   int64
		Name string
	}
	if err := db.Raw(`SELECT id, name FROM departments`).Scan(&departments).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	depName := map[int64]string{}
	for _, d := range departments {
		depName[d.ID] = d.Name
	}

	groups := map[key]*acc{}
	depOf := map[key]int64{}
	group := func(day office.Date, serviceID, departmentID int64) *acc {
		k := key{day, serviceID}
		a := groups[k]
		if a == nil {
			a = &acc{}
			groups[k] = a
			depOf[k] = departmentID
		}
		return a
	}
	inRange := func(d office.Date) bool { return !d.Before(from) && !d.After(to) }
	rep := &Report{From: from, To: to, TimeZone: loc.String(), TargetMinutes: target,
		Rows: []Row{}, Departments: []DepartmentTotal{}, Services: []ServiceTotal{}, Counters: []CounterTotal{}, Days: []DayTotal{}}

	// Tickets: counts, the counter that called, times for percentiles, the
	// target and the local hour of issue.
	var tickets []struct {
		Day          office.Date
		DepartmentID int64
		ServiceID    int64
		CounterID    *int64
		Kind         string
		Status       string
		IssuedAt     time.Time
		CalledAt     *time.Time
		StartedAt    *time.Time
		FinishedAt   *time.Time
	}
	if err := db.Raw(`SELECT day, department_id, service_id, counter_id, kind, status, issued_at, called_at, started_at, finished_at
		FROM tickets WHERE day BETWEEN ? AND ?`, from, to).Scan(&tickets).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	counters := map[int64]*acc{}
	limit := time.Duration(target) * time.Minute
	for _, t := range tickets {
		into := []*acc{group(t.Day, t.ServiceID, t.DepartmentID)}
		if t.CounterID != nil {
			c := counters[*t.CounterID]
			if c == nil {
				c = &acc{}
				counters[*t.CounterID] = c
			}
			into = append(into, c)
		}
		local := t.IssuedAt.In(loc)
		rep.WeekdayHours[(int(local.Weekday())+6)%7][local.Hour()]++
		for _, a := range into {
			f := &a.f
			f.TicketsIssued++
			switch t.Kind {
			case "walk_in":
				f.WalkIns++
			case "booking":
				f.BookingTickets++
			case "remote":
				f.RemoteTickets++
			}
			switch t.Status {
			case "done":
				f.Served++
			case "no_show":
				f.NoShow++
			case "expired":
				f.Expired++
			}
			f.Hours[local.Hour()]++
			if t.CalledAt != nil {
				wait := t.CalledAt.Sub(t.IssuedAt)
				a.wait = append(a.wait, wait)
				f.Called++
				if wait <= limit {
					f.WithinTarget++
				}
			}
			if t.StartedAt != nil && t.FinishedAt != nil {
				a.service = append(a.service, t.FinishedAt.Sub(*t.StartedAt))
			}
		}
	}

	// Bookings made and cancelled in the range, bucketed by local day; a
	// visit of several matters counts under each of its matters.
	var made []struct {
		ServiceID int64
		CreatedAt time.Time
	}
	if err := db.Raw(`SELECT service_id, created_at FROM `+bookingMatters+` WHERE created_at >= ? AND created_at < ?`, start, end).Scan(&made).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, b := range made {
		day := office.DateOf(b.CreatedAt.In(loc))
		if inRange(day) {
			group(day, b.ServiceID, svc[b.ServiceID].dep).f.BookingsMade++
		}
	}
	var cancelled []struct {
		ServiceID   int64
		Status      string
		CancelledAt time.Time
	}
	if err := db.Raw(`SELECT service_id, status, cancelled_at FROM `+bookingMatters+`
		WHERE status IN ('cancelled', 'cancelled_late') AND cancelled_at >= ? AND cancelled_at < ?`, start, end).Scan(&cancelled).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, b := range cancelled {
		day := office.DateOf(b.CancelledAt.In(loc))
		if !inRange(day) {
			continue
		}
		f := &group(day, b.ServiceID, svc[b.ServiceID].dep).f
		if b.Status == "cancelled_late" {
			f.BookingsCancelledLate++
		} else {
			f.BookingsCancelled++
		}
	}

	// Booked visits, on the day of the visit.
	var visits []struct {
		Day       office.Date
		ServiceID int64
		Status    string
		N         int
	}
	if err := db.Raw(`SELECT day, service_id, status, COUNT(*) AS n FROM `+bookingMatters+`
		WHERE day BETWEEN ? AND ? AND status IN ('booked', 'checked_in', 'cancelled_late')
		GROUP BY day, service_id, status`, from, to).Scan(&visits).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, v := range visits {
		f := &group(v.Day, v.ServiceID, svc[v.ServiceID].dep).f
		f.VisitsBooked += v.N
		switch v.Status {
		case "checked_in":
			f.VisitsCheckedIn += v.N
		case "cancelled_late":
			f.VisitsMissed += v.N
		}
	}

	// Feedback after the visit, on the ticket's office day; per counter too.
	var answers []struct {
		Day          office.Date
		DepartmentID int64
		ServiceID    int64
		CounterID    *int64
		N            int
		Scores       int
	}
	if err := db.Raw(`SELECT day, department_id, service_id, counter_id, COUNT(*) AS n, SUM(score) AS scores FROM feedback
		WHERE day BETWEEN ? AND ? GROUP BY day, department_id, service_id, counter_id`, from, to).Scan(&answers).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, r := range answers {
		into := []*acc{group(r.Day, r.ServiceID, r.DepartmentID)}
		if r.CounterID != nil {
			c := counters[*r.CounterID]
			if c == nil {
				c = &acc{}
				counters[*r.CounterID] = c
			}
			into = append(into, c)
		}
		for _, a := range into {
			a.f.FeedbackCount += r.N
			a.scores += r.Scores
		}
	}

	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.day != b.day {
			return a.day.Before(b.day)
		}
		if depOf[a] != depOf[b] {
			return depOf[a] < depOf[b]
		}
		return a.service < b.service
	})
	deps, perService, perDay := map[int64]*acc{}, map[int64]*acc{}, map[office.Date]*acc{}
	var depIDs, serviceIDs []int64
	serviceDep := map[int64]int64{}
	var days []office.Date
	total := &acc{}
	for _, k := range keys {
		a := groups[k]
		dep := depOf[k]
		// A service that moved departments since keeps the ticket's.
		rep.Rows = append(rep.Rows, Row{Day: k.day, DepartmentID: dep, DepartmentName: depName[dep], ServiceID: k.service, ServiceName: svc[k.service].name, Figures: a.finish()})
		if deps[dep] == nil {
			deps[dep] = &acc{}
			depIDs = append(depIDs, dep)
		}
		if perService[k.service] == nil {
			perService[k.service] = &acc{}
			serviceIDs = append(serviceIDs, k.service)
			serviceDep[k.service] = dep
		}
		if perDay[k.day] == nil {
			perDay[k.day] = &acc{}
			days = append(days, k.day)
		}
		for _, into := range []*acc{deps[dep], perService[k.service], perDay[k.day], total} {
			into.add(a)
		}
	}
	sort.Slice(depIDs, func(i, j int) bool { return depIDs[i] < depIDs[j] })
	for _, id := range depIDs {
		rep.Departments = append(rep.Departments, DepartmentTotal{DepartmentID: id, DepartmentName: depName[id], Figures: deps[id].finish()})
	}
	sort.Slice(serviceIDs, func(i, j int) bool {
		a, b := serviceIDs[i], serviceIDs[j]
		if serviceDep[a] != serviceDep[b] {
			return serviceDep[a] < serviceDep[b]
		}
		return a < b
	})
	for _, id := range serviceIDs {
		dep := serviceDep[id]
		rep.Services = append(rep.Services, ServiceTotal{DepartmentID: dep, DepartmentName: depName[dep], ServiceID: id, ServiceName: svc[id].name, Figures: perService[id].finish()})
	}
	for _, d := range days {
		rep.Days = append(rep.Days, DayTotal{Day: d, Figures: perDay[d].finish()})
	}
	if len(counters) > 0 {
		ids := make([]int64, 0, len(counters))
		for id := range counters {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		var rows []struct {
			ID   int64
			Name string
		}
		if err := db.Raw(`SELECT id, name FROM counters WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
			return nil, okienko.Internal(err)
		}
		name := map[int64]string{}
		for _, r := range rows {
			name[r.ID] = r.Name
		}
		for _, id := range ids {
			rep.Counters = append(rep.Counters, CounterTotal{CounterID: id, CounterName: name[id], Figures: counters[id].finish()})
		}
	}
	rep.Total = total.finish()
	return rep, nil
}

// add adds b's counts and durations into a.
func (a *acc) add(b *acc) {
	f, g := &a.f, b.f
	f.TicketsIssued += g.TicketsIssued
	f.WalkIns += g.WalkIns
	f.BookingTickets += g.BookingTickets
	f.RemoteTickets += g.RemoteTickets
	f.Served += g.Served
	f.NoShow += g.NoShow
	f.Expired += g.Expired
	f.BookingsMade += g.BookingsMade
	f.BookingsCancelled += g.BookingsCancelled
	f.BookingsCancelledLate += g.BookingsCancelledLate
	f.Called += g.Called
	f.WithinTarget += g.WithinTarget
	f.VisitsBooked += g.VisitsBooked
	f.VisitsCheckedIn += g.VisitsCheckedIn
	f.VisitsMissed += g.VisitsMissed
	f.FeedbackCount += g.FeedbackCount
	a.scores += b.scores
	for h := range f.Hours {
		f.Hours[h] += g.Hours[h]
	}
	a.wait = append(a.wait, b.wait...)
	a.service = append(a.service, b.service...)
}

// CSV tables: which part of a report WriteCSV writes.
const (
	TableRows         = "rows"          // day × department × service
	TableServices     = "services"      // per matter over the range
	TableCounters     = "counters"      // per counter over the range
	TableDays         = "days"          // per office day
	TableWeekdayHours = "weekday_hours" // tickets issued per weekday × hour
)

// Tables are the CSV tables, the default first.
var Tables = []string{TableRows, TableServices, TableCounters, TableDays, TableWeekdayHours}

// figureHeader names the figures' columns, in the order figureCells writes
// them, then the tickets issued per hour h00–h23.
var figureHeader = func() []string {
	h := []string{"tickets_issued", "walk_ins", "booking_tickets", "remote_tickets", "served", "no_show", "expired",
		"bookings_made", "bookings_cancelled", "bookings_cancelled_late",
		"wait_p50_minutes", "wait_p90_minutes", "service_p50_minutes", "service_p90_minutes",
		"called", "within_target", "within_target_percent",
		"visits_booked", "visits_checked_in", "visits_missed", "visit_no_show_percent",
		"feedback_count", "feedback_average"}
	for i := 0; i < 24; i++ {
		h = append(h, fmt.Sprintf("h%02d", i))
	}
	return h
}()

// CSVHeader is the first row of the rows table: the row's day, department
// and service, then every figure, then the tickets issued per hour h00–h23.
var CSVHeader = append([]string{"day", "department_id", "department_name", "service_id", "service_name"}, figureHeader...)

// CSVHeaderOf is the first row of a table's CSV; nil for an unknown table.
func CSVHeaderOf(table string) []string {
	switch table {
	case TableRows:
		return CSVHeader
	case TableServices:
		return append([]string{"department_id", "department_name", "service_id", "service_name"}, figureHeader...)
	case TableCounters:
		return append([]string{"counter_id", "counter_name"}, figureHeader...)
	case TableDays:
		return append([]string{"day"}, figureHeader...)
	case TableWeekdayHours:
		h := []string{"weekday"}
		for i := 0; i < 24; i++ {
			h = append(h, fmt.Sprintf("h%02d", i))
		}
		return h
	}
	return nil
}

// Weekdays are the weekday column of the weekday_hours table, Monday first.
var Weekdays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// figureCells writes f's figures in figureHeader's order; a figure without
// samples is an empty field.
func figureCells(f Figures) []string {
	var rec []string
	for _, n := range []int{f.TicketsIssued, f.WalkIns, f.BookingTickets, f.RemoteTickets, f.Served, f.NoShow, f.Expired,
		f.BookingsMade, f.BookingsCancelled, f.BookingsCancelledLate} {
		rec = append(rec, strconv.Itoa(n))
	}
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	for _, p := range []*float64{f.WaitP50, f.WaitP90, f.ServiceP50, f.ServiceP90} {
		rec = append(rec, opt(p))
	}
	rec = append(rec, strconv.Itoa(f.Called), strconv.Itoa(f.WithinTarget), opt(f.WithinTargetPercent),
		strconv.Itoa(f.VisitsBooked), strconv.Itoa(f.VisitsCheckedIn), strconv.Itoa(f.VisitsMissed), opt(f.VisitNoShowPercent),
		strconv.Itoa(f.FeedbackCount), opt(f.FeedbackAverage))
	for _, n := range f.Hours {
		rec = append(rec, strconv.Itoa(n))
	}
	return rec
}

// WriteCSV writes r's rows as CSV: CSVHeader, then one record per day ×
// department × service in the report's order.
func WriteCSV(w io.Writer, r *Report) error { return WriteTableCSV(w, r, TableRows) }

// WriteTableCSV writes one table of r as CSV: CSVHeaderOf(table), then a
// record per row in the report's order. Names starting with = + - @ get a
// leading ' so a spreadsheet does not run them as formulas. EINVALID
// naming "table" for a table not in Tables.
func WriteTableCSV(w io.Writer, r *Report, table string) error {
	header := CSVHeaderOf(table)
	if header == nil {
		return okienko.Invalid("table", "must be one of "+strings.Join(Tables, ", "))
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	var recs [][]string
	switch table {
	case TableRows:
		for _, row := range r.Rows {
			recs = append(recs, append([]string{row.Day.String(), id(row.DepartmentID), cell(row.DepartmentName), id(row.ServiceID), cell(row.ServiceName)}, figureCells(row.Figures)...))
		}
	case TableServices:
		for _, row := range r.Services {
			recs = append(recs, append([]string{id(row.DepartmentID), cell(row.DepartmentName), id(row.ServiceID), cell(row.ServiceName)}, figureCells(row.Figures)...))
		}
	case TableCounters:
		for _, row := range r.Counters {
			recs = append(recs, append([]string{id(row.CounterID), cell(row.CounterName)}, figureCells(row.Figures)...))
		}
	case TableDays:
		for _, row := range r.Days {
			recs = append(recs, append([]string{row.Day.String()}, figureCells(row.Figures)...))
		}
	case TableWeekdayHours:
		for d, hours := range r.WeekdayHours {
			rec := []string{Weekdays[d]}
			for _, n := range hours {
				rec = append(rec, strconv.Itoa(n))
			}
			recs = append(recs, rec)
		}
	}
	for _, rec := range recs {
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
