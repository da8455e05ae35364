package queue

import (
	"context"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// OpenData is the state of every matter's queue of one office at one
// moment, for the open-data feed.
type OpenData struct {
	// OfficeID is the office.
	OfficeID int64
	// At is the moment, in the office's zone.
	At time.Time
	// Services are the office's matters: departments by position, then the
	// services of each by position.
	Services []ServiceQueue
}

// ServiceQueue is the state of one matter's queue.
type ServiceQueue struct {
	ServiceID    int64
	Service      string
	DepartmentID int64
	// Letter is the letter of the matter's numbers (office.Service.Letter):
	// its own ticket prefix, else its department's; Warsaw's literaGrupy.
	Letter string
	// Waiting counts today's tickets waiting for the matter; WaitingRemote
	// those of them taken from the phone (the remote queue), which the
	// public feed adds to Warsaw's format as liczbaKlwZdalnych.
	Waiting       int
	WaitingRemote int
	// OpenCounters counts the open (not paused) counters serving it.
	OpenCounters int
	// LastCalled is the number most recently called for it today; "" when
	// none has been.
	LastCalled string
	// ServiceMinutes is the mean serving time of its recent visits, rounded
	// to whole minutes; its slot length when it has none.
	ServiceMinutes int
	// Active says an open counter serves it or its department is open now.
	Active bool
}

// recentVisits is how many of a matter's latest visits, within
// recentVisitDays, make its mean serving time (as in Position's estimate).
const (
	recentVisits    = 20
	recentVisitDays = 14
)

// OpenData returns the state of every matter's queue of office officeID
// now; officeID 0 means the installation's office (the first, as
// office.Store.Office). It reads with a fixed number of queries however
// many matters there are. ENOTFOUND for an unknown office or, with 0, when
// no office exists; EINTERNAL.
func (s *Store) OpenData(ctx context.Context, officeID int64) (*OpenData, error) {
	db := s.db.WithContext(ctx)
	var off *office.Office
	var err error
	if officeID == 0 {
		off, err = s.offices.Office(ctx)
	} else {
		off, err = s.offices.OfficeByID(ctx, officeID)
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := office.DateOf(now.In(off.Location()))
	deps, err := s.offices.Departments(ctx, true)
	if err != nil {
		return nil, err
	}
	closures, err := s.offices.Closures(ctx, today, today)
	if err != nil {
		return nil, err
	}

	var waiting []struct {
		ServiceID int64
		N         int
		Remote    int
	}
	if err := db.Model(&Ticket{}).Select("service_id, COUNT(*) AS n, SUM(CASE WHEN kind = ? THEN 1 ELSE 0 END) AS remote", KindRemote).
		Where("status = ? AND office_id = ? AND day = ?", StatusWaiting, off.ID, today).Group("service_id").Find(&waiting).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	waitingBy, remoteBy := map[int64]int{}, map[int64]int{}
	for _, w := range waiting {
		waitingBy[w.ServiceID], remoteBy[w.ServiceID] = w.N, w.Remote
	}

	var called []struct {
		ServiceID int64
		Number    string
	}
	if err := db.Raw(`SELECT service_id, number FROM (
			SELECT service_id, number, ROW_NUMBER() OVER (PARTITION BY service_id ORDER BY called_at DESC, id DESC) AS rn
			FROM tickets WHERE office_id = ? AND day = ? AND called_at IS NOT NULL
		) latest WHERE rn = 1`, off.ID, today).Scan(&called).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	calledBy := map[int64]string{}
	for _, c := range called {
		calledBy[c.ServiceID] = c.Number
	}

	var states []CounterState
	if err := db.Where("status = ?", CounterOpen).Find(&states).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	countersBy := map[int64]int{}
	for i := range states {
		for _, id := range states[i].Services() {
			countersBy[id]++
		}
	}

	meanBy, err := s.meanServiceTimes(ctx, now)
	if err != nil {
		return nil, err
	}

	out := &OpenData{OfficeID: off.ID, At: now.In(off.Location()), Services: []ServiceQueue{}}
	for _, d := range deps {
		if d.OfficeID != off.ID {
			continue
		}
		open := departmentOpen(off, &d, today, now, closures)
		for _, svc := range d.Services {
			q := ServiceQueue{
				ServiceID: svc.ID, Service: svc.Name, DepartmentID: d.ID, Letter: svc.Letter(&d),
				Waiting: waitingBy[svc.ID], WaitingRemote: remoteBy[svc.ID], OpenCounters: countersBy[svc.ID], LastCalled: calledBy[svc.ID],
				ServiceMinutes: svc.SlotMinutes,
			}
			if mean, ok := meanBy[svc.ID]; ok {
				q.ServiceMinutes = int(mean.Round(time.Minute) / time.Minute)
			}
			q.Active = q.OpenCounters > 0 || open
			out.Services = append(out.Services, q)
		}
	}
	return out, nil
}

// meanServiceTimes returns, per matter with visits, the mean serving time of
// its last recentVisits visits finished in the past recentVisitDays days, as
// serviceTime computes it for one matter, in one query.
func (s *Store) meanServiceTimes(ctx context.Context, now time.Time) (map[int64]time.Duration, error) {
	var rows []struct {
		ServiceID  int64
		StartedAt  time.Time
		FinishedAt time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT service_id, started_at, finished_at FROM (
			SELECT service_id, started_at, finished_at,
				ROW_NUMBER() OVER (PARTITION BY service_id ORDER BY finished_at DESC, id DESC) AS rn
			FROM tickets WHERE status = ? AND started_at IS NOT NULL AND finished_at > ?
		) recent WHERE rn <= ?`, StatusDone, now.Add(-recentVisitDays*24*time.Hour), recentVisits).Scan(&rows).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	sum, n := map[int64]time.Duration{}, map[int64]int{}
	for _, r := range rows {
		sum[r.ServiceID] += r.FinishedAt.Sub(r.StartedAt)
		n[r.ServiceID]++
	}
	for id := range sum {
		sum[id] /= time.Duration(n[id])
	}
	return sum, nil
}

// departmentOpen says whether d is open at now: within its opening hours of
// today and not closed today by a public holiday or a closure of the office
// or of d (the rule office.OpeningDays applies, here over closures read once
// for all departments).
func departmentOpen(off *office.Office, d *office.Department, today office.Date, now time.Time, closures []office.Closure) bool {
	if _, holiday := office.Holiday(today); holiday {
		return false
	}
	for _, c := range closures {
		if c.OfficeID != off.ID || c.StartsOn.After(today) || c.EndsOn.Before(today) {
			continue
		}
		if c.DepartmentID == nil || *c.DepartmentID == d.ID {
			return false
		}
	}
	for _, sp := range office.OpeningSpans(off.Location(), d.Hours, today) {
		if !now.Before(sp.Start) && now.Before(sp.End) {
			return true
		}
	}
	return false
}
