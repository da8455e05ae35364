package stats

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// StaffMaxDays is the longest range one staff report may span: a quarter.
const StaffMaxDays = 92

// StaffQuery is what a staff report covers: the office days From to To
// inclusive, and one clerk (UserID) or every clerk (0).
type StaffQuery struct {
	From, To office.Date
	UserID   int64
}

// Check returns EINVALID naming the field: "from" or "to" out of bounds,
// "to" before "from" or the range over StaffMaxDays days.
func (q StaffQuery) Check() error {
	if err := office.CheckBounds("from", q.From); err != nil {
		return err
	}
	if err := office.CheckBounds("to", q.To); err != nil {
		return err
	}
	if q.To.Before(q.From) {
		return okienko.Invalid("to", "must not be before from")
	}
	if q.From.AddDays(StaffMaxDays - 1).Before(q.To) {
		return okienko.Invalid("to", fmt.Sprintf("the range may span at most %d days", StaffMaxDays))
	}
	return nil
}

// ReasonMinutes is the time paused for one reason.
type ReasonMinutes struct {
	ReasonID int64   `json:"reason_id"`
	Name     string  `json:"name"`
	Minutes  float64 `json:"minutes"`
}

// StaffFigures are the figures of one clerk or one counter on one office
// day.
//
// Served counts the tickets finished (done) there, NoShow those marked
// absent; both on the ticket's office day. Service time is finished_at −
// started_at of every ticket served: ServiceMean is their mean and
// ServiceP90 their 90th percentile by the nearest-rank rule (sort the n
// times ascending, take the one at rank ⌈0.9·n⌉, 1-based), both in minutes
// rounded to 0.1, null when none was served.
//
// Pauses counts the pauses begun that day; PausedMinutes is their length in
// minutes rounded to 0.1 (a pause still open counts until now, and never
// past the end of its day); PausedByReason splits it per reason, in the
// report's Reasons order, each rounded on its own (a pause recorded
// without a reason counts only in the total).
type StaffFigures struct {
	Served         int             `json:"served"`
	NoShow         int             `json:"no_show"`
	ServiceMean    *float64        `json:"service_mean_minutes"`
	ServiceP90     *float64        `json:"service_p90_minutes"`
	Pauses         int             `json:"pauses"`
	PausedMinutes  float64         `json:"paused_minutes"`
	PausedByReason []ReasonMinutes `json:"paused_by_reason"`
}

// ClerkDay is one clerk's figures on one office day.
type ClerkDay struct {
	Day      office.Date `json:"day"`
	UserID   int64       `json:"user_id"`
	Username string      `json:"username"`
	Name     string      `json:"name"` // the display name, else the username
	StaffFigures
}

// CounterDay is one counter's figures on one office day.
type CounterDay struct {
	Day         office.Date `json:"day"`
	CounterID   int64       `json:"counter_id"`
	CounterName string      `json:"counter_name"`
	StaffFigures
}

// ReasonName is a pause reason as a report names it; Archived: no longer
// offered to the clerks.
type ReasonName struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	NameUK   string `json:"name_uk"`
	Archived bool   `json:"archived"`
}

// StaffReport is the per-clerk and per-counter report of the office days
// From to To. Clerks and Counters hold only the day × clerk and day ×
// counter pairs with a ticket served or absent or a pause, ordered by day
// then name then id. Reasons are the reasons offered and those archived
// that the report's pauses name, in the clerks' order.
type StaffReport struct {
	From     office.Date  `json:"from"`
	To       office.Date  `json:"to"`
	TimeZone string       `json:"time_zone"`
	Reasons  []ReasonName `json:"reasons"`
	Clerks   []ClerkDay   `json:"clerks"`
	Counters []CounterDay `json:"counters"`
}

// staffAcc accumulates one clerk's or counter's day.
type staffAcc struct {
	f       StaffFigures
	service []time.Duration
	paused  time.Duration
	reasons map[int64]time.Duration
}

func (a *staffAcc) finish(reasons []ReasonName) StaffFigures {
	f := a.f
	f.ServiceP90 = Percentile(a.service, 90)
	if len(a.service) > 0 {
		var sum time.Duration
		for _, d := range a.service {
			sum += d
		}
		m := minutes(sum / time.Duration(len(a.service)))
		f.ServiceMean = &m
	}
	f.PausedMinutes = minutes(a.paused)
	f.PausedByReason = []ReasonMinutes{}
	for _, r := range reasons {
		if d, ok := a.reasons[r.ID]; ok {
			f.PausedByReason = append(f.PausedByReason, ReasonMinutes{ReasonID: r.ID, Name: r.Name, Minutes: minutes(d)})
		}
	}
	return f
}

// minutes is d in minutes rounded to 0.1.
func minutes(d time.Duration) float64 { return math.Round(d.Seconds()/60*10) / 10 }

// Staff computes the per-clerk and per-counter report of q in loc with four
// queries; pauses still open count until the store's clock's now. EINVALID
// naming the field (see StaffQuery.Check); EINTERNAL when the database
// fails.
func (s *Store) Staff(ctx context.Context, q StaffQuery, loc *time.Location) (*StaffReport, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	now := s.clock.Now().UTC()
	rep := &StaffReport{From: q.From, To: q.To, TimeZone: loc.String(), Reasons: []ReasonName{}, Clerks: []ClerkDay{}, Counters: []CounterDay{}}

	var tickets []struct {
		Day        office.Date
		CounterID  *int64
		UserID     *int64
		Status     string
		StartedAt  *time.Time
		FinishedAt *time.Time
	}
	tq := db.Table("tickets").Select("day, counter_id, user_id, status, started_at, finished_at").
		Where("day BETWEEN ? AND ? AND status IN ?", q.From, q.To, []string{"done", "no_show"})
	if q.UserID != 0 {
		tq = tq.Where("user_id = ?", q.UserID)
	}
	if err := tq.Scan(&tickets).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var pauses []struct {
		CounterID *int64
		UserID    *int64
		ReasonID  *int64
		Day       office.Date
		StartedAt time.Time
		EndedAt   *time.Time
	}
	pq := db.Table("counter_pauses").Select("counter_id, user_id, reason_id, day, started_at, ended_at").
		Where("day BETWEEN ? AND ?", q.From, q.To)
	if q.UserID != 0 {
		pq = pq.Where("user_id = ?", q.UserID)
	}
	if err := pq.Scan(&pauses).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var reasons []struct {
		ID         int64
		Name       string
		NameEN     string `gorm:"column:name_en"`
		NameUK     string `gorm:"column:name_uk"`
		ArchivedAt *time.Time
	}
	if err := db.Table("pause_reasons").Select("id, name, name_en, name_uk, archived_at").Order("position, id").Scan(&reasons).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var users []struct {
		ID          int64
		Username    string
		DisplayName string
	}
	if err := db.Table("users").Select("id, username, display_name").Scan(&users).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var counters []struct {
		ID   int64
		Name string
	}
	if err := db.Table("counters").Select("id, name").Scan(&counters).Error; err != nil {
		return nil, okienko.Internal(err)
	}

	type dayKey struct {
		day office.Date
		id  int64
	}
	clerks, desks := map[dayKey]*staffAcc{}, map[dayKey]*staffAcc{}
	get := func(m map[dayKey]*staffAcc, day office.Date, id *int64) *staffAcc {
		if id == nil {
			return nil
		}
		k := dayKey{day, *id}
		if m[k] == nil {
			m[k] = &staffAcc{reasons: map[int64]time.Duration{}}
		}
		return m[k]
	}
	for _, t := range tickets {
		for _, a := range []*staffAcc{get(clerks, t.Day, t.UserID), get(desks, t.Day, t.CounterID)} {
			if a == nil {
				continue
			}
			if t.Status == "no_show" {
				a.f.NoShow++
				continue
			}
			a.f.Served++
			if t.StartedAt != nil && t.FinishedAt != nil {
				a.service = append(a.service, t.FinishedAt.Sub(*t.StartedAt))
			}
		}
	}
	used := map[int64]bool{}
	for _, p := range pauses {
		end := now
		if p.EndedAt != nil {
			end = *p.EndedAt
		}
		if dayEnd := p.Day.AddDays(1).In(loc, 0); dayEnd.Before(end) {
			end = dayEnd
		}
		d := max(end.Sub(p.StartedAt), 0)
		for _, a := range []*staffAcc{get(clerks, p.Day, p.UserID), get(desks, p.Day, p.CounterID)} {
			if a == nil {
				continue
			}
			a.f.Pauses++
			a.paused += d
			if p.ReasonID != nil {
				a.reasons[*p.ReasonID] += d
				used[*p.ReasonID] = true
			}
		}
	}
	for _, r := range reasons {
		if r.ArchivedAt == nil || used[r.ID] {
			rep.Reasons = append(rep.Reasons, ReasonName{ID: r.ID, Name: r.Name, NameEN: r.NameEN, NameUK: r.NameUK, Archived: r.ArchivedAt != nil})
		}
	}

	userName, username := map[int64]string{}, map[int64]string{}
	for _, u := range users {
		username[u.ID], userName[u.ID] = u.Username, u.DisplayName
		if u.DisplayName == "" {
			userName[u.ID] = u.Username
		}
	}
	counterName := map[int64]string{}
	for _, c := range counters {
		counterName[c.ID] = c.Name
	}
	for k, a := range clerks {
		rep.Clerks = append(rep.Clerks, ClerkDay{Day: k.day, UserID: k.id, Username: username[k.id], Name: userName[k.id], StaffFigures: a.finish(rep.Reasons)})
	}
	for k, a := range desks {
		rep.Counters = append(rep.Counters, CounterDay{Day: k.day, CounterID: k.id, CounterName: counterName[k.id], StaffFigures: a.finish(rep.Reasons)})
	}
	sort.Slice(rep.Clerks, func(i, j int) bool {
		a, b := rep.Clerks[i], rep.Clerks[j]
		if a.Day != b.Day {
			return a.Day.Before(b.Day)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.UserID < b.UserID
	})
	sort.Slice(rep.Counters, func(i, j int) bool {
		a, b := rep.Counters[i], rep.Counters[j]
		if a.Day != b.Day {
			return a.Day.Before(b.Day)
		}
		if a.CounterName != b.CounterName {
			return a.CounterName < b.CounterName
		}
		return a.CounterID < b.CounterID
	})
	return rep, nil
}

// StaffCSVHeader is the first row of a staff report's CSV before the
// reasons' columns: then one column "paused_minutes:<reason>" per reason of
// the report, in its order.
var StaffCSVHeader = []string{"day", "scope", "id", "name", "served", "no_show", "service_mean_minutes", "service_p90_minutes", "pauses", "paused_minutes"}

// WriteStaffCSV writes r as CSV: StaffCSVHeader and the reasons' columns,
// then a record per clerk and day (scope "clerk", the user's id and name),
// then per counter and day (scope "counter"), in the report's order. A
// figure without samples is an empty field; names starting with = + - @
// get a leading ' so a spreadsheet does not run them as formulas.
func WriteStaffCSV(w io.Writer, r *StaffReport) error {
	cw := csv.NewWriter(w)
	header := append([]string{}, StaffCSVHeader...)
	for _, reason := range r.Reasons {
		header = append(header, "paused_minutes:"+cell(reason.Name))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	record := func(day office.Date, scope string, id int64, name string, f StaffFigures) []string {
		rec := []string{day.String(), scope, strconv.FormatInt(id, 10), cell(name), strconv.Itoa(f.Served), strconv.Itoa(f.NoShow),
			opt(f.ServiceMean), opt(f.ServiceP90), strconv.Itoa(f.Pauses), strconv.FormatFloat(f.PausedMinutes, 'f', -1, 64)}
		for _, reason := range r.Reasons {
			m := 0.0
			for _, pr := range f.PausedByReason {
				if pr.ReasonID == reason.ID {
					m = pr.Minutes
				}
			}
			rec = append(rec, strconv.FormatFloat(m, 'f', -1, 64))
		}
		return rec
	}
	for _, c := range r.Clerks {
		if err := cw.Write(record(c.Day, "clerk", c.UserID, c.Name, c.StaffFigures)); err != nil {
			return err
		}
	}
	for _, c := range r.Counters {
		if err := cw.Write(record(c.Day, "counter", c.CounterID, c.CounterName, c.StaffFigures)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
