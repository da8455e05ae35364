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

// Figures are the numbers reported for one group of tickets and bookings.
//
// Tickets are counted on their office day of issue; bookings made on the
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
type Figures struct {
	TicketsIssued         int      `json:"tickets_issued"`
	WalkIns               int      `json:"walk_ins"`
	BookingTickets        int      `json:"booking_tickets"`
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

// Report is the statistics of the office days From to To inclusive. Rows
// holds only the day × service pairs with something to report, ordered by
// day, department and service; Departments only departments with activity.
type Report struct {
	From        office.Date       `json:"from"`
	To          office.Date       `json:"to"`
	TimeZone    string            `json:"time_zone"`
	Rows        []Row             `json:"rows"`
	Departments []DepartmentTotal `json:"departments"`
	Total       Figures           `json:"total"`
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
}

func (a *acc) finish() Figures {
	f := a.f
	f.WaitP50, f.WaitP90 = Percentile(a.wait, 50), Percentile(a.wait, 90)
	f.ServiceP50, f.ServiceP90 = Percentile(a.service, 50), Percentile(a.service, 90)
	return f
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

// Report computes the statistics of office days from..to in loc with five
// queries. EINVALID for a reversed range or one over MaxDays days;
// EINTERNAL when the database fails.
func (s *Store) Report(ctx context.Context, from, to office.Date, loc *time.Location) (*Report, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
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

	// Ticket counts, grouped in SQL.
	var counts []struct {
		Day          office.Date
		DepartmentID int64
		ServiceID    int64
		Kind         string
		Status       string
		N            int
	}
	if err := db.Raw(`SELECT day, department_id, service_id, kind, status, COUNT(*) AS n FROM tickets
		WHERE day BETWEEN ? AND ? GROUP BY day, department_id, service_id, kind, status`, from, to).Scan(&counts).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, c := range counts {
		f := &group(c.Day, c.ServiceID, c.DepartmentID).f
		f.TicketsIssued += c.N
		switch c.Kind {
		case "walk_in":
			f.WalkIns += c.N
		case "booking":
			f.BookingTickets += c.N
		}
		switch c.Status {
		case "done":
			f.Served += c.N
		case "no_show":
			f.NoShow += c.N
		case "expired":
			f.Expired += c.N
		}
	}

	// Ticket times, for percentiles and the local hour of issue.
	var times []struct {
		Day          office.Date
		DepartmentID int64
		ServiceID    int64
		IssuedAt     time.Time
		CalledAt     *time.Time
		StartedAt    *time.Time
		FinishedAt   *time.Time
	}
	if err := db.Raw(`SELECT day, department_id, service_id, issued_at, called_at, started_at, finished_at FROM tickets
		WHERE day BETWEEN ? AND ?`, from, to).Scan(&times).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	for _, t := range times {
		a := group(t.Day, t.ServiceID, t.DepartmentID)
		a.f.Hours[t.IssuedAt.In(loc).Hour()]++
		if t.CalledAt != nil {
			a.wait = append(a.wait, t.CalledAt.Sub(t.IssuedAt))
		}
		if t.StartedAt != nil && t.FinishedAt != nil {
			a.service = append(a.service, t.FinishedAt.Sub(*t.StartedAt))
		}
	}

	// Bookings made and cancelled in the range, bucketed by local day.
	var made []struct {
		ServiceID int64
		CreatedAt time.Time
	}
	if err := db.Raw(`SELECT service_id, created_at FROM bookings WHERE created_at >= ? AND created_at < ?`, start, end).Scan(&made).Error; err != nil {
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
	if err := db.Raw(`SELECT service_id, status, cancelled_at FROM bookings
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

	rep := &Report{From: from, To: to, TimeZone: loc.String(), Rows: []Row{}, Departments: []DepartmentTotal{}}
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
	deps := map[int64]*acc{}
	var depIDs []int64
	total := &acc{}
	for _, k := range keys {
		a := groups[k]
		dep := depOf[k]
		n := svc[k.service]
		depName := n.depName
		if n.dep != dep { // the service moved departments since; keep the ticket's
			depName = ""
			for _, r := range services {
				if r.DepartmentID == dep {
					depName = r.DepartmentName
					break
				}
			}
		}
		rep.Rows = append(rep.Rows, Row{Day: k.day, DepartmentID: dep, DepartmentName: depName, ServiceID: k.service, ServiceName: n.name, Figures: a.finish()})
		d := deps[dep]
		if d == nil {
			d = &acc{}
			deps[dep] = d
			depIDs = append(depIDs, dep)
		}
		for _, into := range []*acc{d, total} {
			into.add(a)
		}
	}
	sort.Slice(depIDs, func(i, j int) bool { return depIDs[i] < depIDs[j] })
	for _, id := range depIDs {
		name := ""
		for _, r := range rep.Rows {
			if r.DepartmentID == id {
				name = r.DepartmentName
				break
			}
		}
		rep.Departments = append(rep.Departments, DepartmentTotal{DepartmentID: id, DepartmentName: name, Figures: deps[id].finish()})
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
	f.Served += g.Served
	f.NoShow += g.NoShow
	f.Expired += g.Expired
	f.BookingsMade += g.BookingsMade
	f.BookingsCancelled += g.BookingsCancelled
	f.BookingsCancelledLate += g.BookingsCancelledLate
	for h := range f.Hours {
		f.Hours[h] += g.Hours[h]
	}
	a.wait = append(a.wait, b.wait...)
	a.service = append(a.service, b.service...)
}

// CSVHeader is the first row of the CSV export: the row's day, department
// and service, then every figure, then the tickets issued per hour h00–h23.
var CSVHeader = func() []string {
	h := []string{"day", "department_id", "department_name", "service_id", "service_name",
		"tickets_issued", "walk_ins", "booking_tickets", "served", "no_show", "expired",
		"bookings_made", "bookings_cancelled", "bookings_cancelled_late",
		"wait_p50_minutes", "wait_p90_minutes", "service_p50_minutes", "service_p90_minutes"}
	for i := 0; i < 24; i++ {
		h = append(h, fmt.Sprintf("h%02d", i))
	}
	return h
}()

// WriteCSV writes r's rows as CSV: CSVHeader, then one record per day ×
// department × service in the report's order. A percentile without samples
// is an empty field. Names starting with = + - @ get a leading ' so a
// spreadsheet does not run them as formulas.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, row := range r.Rows {
		f := row.Figures
		rec := []string{row.Day.String(), strconv.FormatInt(row.DepartmentID, 10), cell(row.DepartmentName),
			strconv.FormatInt(row.ServiceID, 10), cell(row.ServiceName)}
		for _, n := range []int{f.TicketsIssued, f.WalkIns, f.BookingTickets, f.Served, f.NoShow, f.Expired,
			f.BookingsMade, f.BookingsCancelled, f.BookingsCancelledLate} {
			rec = append(rec, strconv.Itoa(n))
		}
		for _, p := range []*float64{f.WaitP50, f.WaitP90, f.ServiceP50, f.ServiceP90} {
			if p == nil {
				rec = append(rec, "")
			} else {
				rec = append(rec, strconv.FormatFloat(*p, 'f', -1, 64))
			}
		}
		for _, n := range f.Hours {
			rec = append(rec, strconv.Itoa(n))
		}
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
