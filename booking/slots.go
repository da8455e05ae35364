package booking

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// occupancy is how many live bookings hold one span.
type occupancy struct {
	StartsAt time.Time
	EndsAt   time.Time
	N        int
}

// calendar is what the slot engine knows of one service over a range of days:
// its settings, the department's opening days, the live bookings and now.
type calendar struct {
	svc     *office.Service
	loc     *time.Location
	days    []office.OpeningDay
	taken   []occupancy // sorted by StartsAt
	longest time.Duration
	now     time.Time
}

// loadCalendar reads the calendar of service serviceID for from..to (office
// days) on db. ENOTFOUND for an unknown service.
func (s *Store) loadCalendar(ctx context.Context, db *gorm.DB, serviceID int64, from, to office.Date) (*calendar, error) {
	offices := s.offices.WithTx(db)
	svc, err := offices.Service(ctx, serviceID)
	if err != nil {
		return nil, err
	}
	if svc.Archived() {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "service %d not found", serviceID)
	}
	off, err := offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	days, err := offices.OpeningDays(ctx, svc.DepartmentID, from, to)
	if err != nil {
		return nil, err
	}
	c := &calendar{svc: svc, loc: off.Location(), days: days, now: s.now()}
	if len(days) == 0 {
		return c, nil
	}
	first, last := days[0].Date.In(c.loc, 0), days[len(days)-1].Date.AddDays(1).In(c.loc, 0)
	c.taken, err = occupancyBetween(ctx, db, serviceID, first, last)
	if err != nil {
		return nil, err
	}
	held, err := holdsBetween(ctx, db, serviceID, first, last, c.now)
	if err != nil {
		return nil, err
	}
	if len(held) > 0 {
		c.taken = append(c.taken, held...)
		sort.Slice(c.taken, func(i, j int) bool { return c.taken[i].StartsAt.Before(c.taken[j].StartsAt) })
	}
	for _, o := range c.taken {
		if d := o.EndsAt.Sub(o.StartsAt); d > c.longest {
			c.longest = d
		}
	}
	return c, nil
}

// dayCalendar reads on db the calendar of service serviceID for the office
// day of start, without its bookings (the seat path counts only its slot's):
// the service (past any cache when fresh, for the seat path under its
// locks), the office and the day's opening hours. EINVALID on service_id for
// an unknown service.
func (s *Store) dayCalendar(ctx context.Context, db *gorm.DB, serviceID int64, start time.Time, fresh bool) (*calendar, error) {
	offices := s.offices.WithTx(db)
	services := offices
	if fresh {
		services = offices.Uncached()
	}
	svc, err := services.Service(ctx, serviceID)
	if err == nil && svc.Archived() {
		err = okienko.Errorf(okienko.ENOTFOUND, "service %d not found", serviceID)
	}
	if okienko.ErrorCode(err) == okienko.ENOTFOUND {
		return nil, okienko.Invalid("service_id", fmt.Sprintf("there is no matter with id %d", serviceID))
	}
	if err != nil {
		return nil, err
	}
	off, err := offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	loc := off.Location()
	day := office.DateOf(start.In(loc))
	days, err := offices.OpeningDays(ctx, svc.DepartmentID, day, day)
	if err != nil {
		return nil, err
	}
	return &calendar{svc: svc, loc: loc, days: days, now: s.now()}, nil
}

// occupancyBetween returns how many live bookings of a service hold each
// span overlapping [from, to), from booking_load: the rows starting after
// from - maxSlot (no booking is longer), so the scan of its primary key
// (service_id, starts_at, ends_at) covers the window, not the history.
func occupancyBetween(ctx context.Context, db *gorm.DB, serviceID int64, from, to time.Time) ([]occupancy, error) {
	var out []occupancy
	err := db.WithContext(ctx).Table("booking_load").
		Select("starts_at, ends_at, n").
		Where("service_id = ? AND starts_at > ? AND starts_at < ? AND ends_at > ? AND n > 0", serviceID, from.Add(-maxSlot).UTC(), to.UTC(), from.UTC()).
		Find(&out).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	for i := range out {
		out[i].StartsAt, out[i].EndsAt = out[i].StartsAt.UTC(), out[i].EndsAt.UTC()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	return out, nil
}

// holdsBetween returns how many pending bookings of a service whose hold
// has not lapsed at now hold each span overlapping [from, to). Pending
// bookings are not in booking_load: a hold stops counting the moment its
// confirm_by passes, before any job marks it expired. Bounded like
// occupancyBetween, on the index of pending bookings (service_id, starts_at).
func holdsBetween(ctx context.Context, db *gorm.DB, serviceID int64, from, to, now time.Time) ([]occupancy, error) {
	var out []occupancy
	err := db.WithContext(ctx).Model(&Booking{}).
		Select("starts_at, ends_at, count(*) AS n").
		Where("service_id = ? AND status = ? AND starts_at > ? AND starts_at < ? AND ends_at > ? AND confirm_by > ?",
			serviceID, StatusPending, from.Add(-maxSlot).UTC(), to.UTC(), from.UTC(), now.UTC()).
		Group("starts_at, ends_at").
		Find(&out).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	for i := range out {
		out[i].StartsAt, out[i].EndsAt = out[i].StartsAt.UTC(), out[i].EndsAt.UTC()
	}
	return out, nil
}

// free returns the capacity left in [start, end): capacity minus the live
// bookings overlapping it (so a booking made on an older, different grid
// still counts against every slot it touches).
func (c *calendar) free(start, end time.Time) int {
	n := 0
	// Bookings overlapping the span start after start-longest and before end.
	i := sort.Search(len(c.taken), func(i int) bool { return c.taken[i].StartsAt.After(start.Add(-c.longest)) })
	for ; i < len(c.taken) && c.taken[i].StartsAt.Before(end); i++ {
		if c.taken[i].EndsAt.After(start) {
			n += c.taken[i].N
		}
	}
	if f := c.svc.Capacity - n; f > 0 {
		return f
	}
	return 0
}

// grid returns every slot of day: the opening intervals tiled from their
// start by the service's slot length, a slot that doesn't fit dropped.
func (c *calendar) grid(day office.OpeningDay) []Slot {
	length := time.Duration(c.svc.SlotMinutes) * time.Minute
	var out []Slot
	for _, sp := range day.Spans {
		for t := sp.Start; !t.Add(length).After(sp.End); t = t.Add(length) {
			out = append(out, Slot{Start: t, End: t.Add(length), Free: c.free(t, t.Add(length))})
		}
	}
	return out
}

// earliest is the first instant a slot may start and still be booked.
func (c *calendar) earliest() time.Time {
	return c.now.Add(time.Duration(c.svc.LeadMinutes) * time.Minute)
}

// today is the office day of now.
func (c *calendar) today() office.Date { return office.DateOf(c.now.In(c.loc)) }

// lastDay is the last office day bookable: today plus booking_days_ahead.
func (c *calendar) lastDay() office.Date { return c.today().AddDays(c.svc.BookingDaysAhead) }

// inWindow reports whether day may have bookable slots at all.
func (c *calendar) inWindow(day office.Date) bool {
	return !day.Before(c.today()) && !day.After(c.lastDay())
}

// bookable returns the slots of day a resident may book now, full ones
// included with Free 0.
func (c *calendar) bookable(day office.OpeningDay) []Slot {
	if !c.inWindow(day.Date) {
		return nil
	}
	earliest := c.earliest()
	var out []Slot
	for _, sl := range c.grid(day) {
		if !sl.Start.Before(earliest) {
			out = append(out, sl)
		}
	}
	return out
}

// check returns the slot starting at start if a resident may book it now
// (seats aside), else EINVALID on "start" saying why.
func (c *calendar) check(start time.Time) (Slot, error) {
	local := start.In(c.loc)
	day := office.DateOf(local)
	switch {
	case start.Before(c.now):
		return Slot{}, okienko.Invalid("start", "this time has already passed")
	case day.Before(c.today()) || day.After(c.lastDay()):
		return Slot{}, okienko.Invalid("start", fmt.Sprintf("visits can be booked up to %d days ahead: the last bookable day is %s", c.svc.BookingDaysAhead, c.lastDay()))
	}
	var od *office.OpeningDay
	for i := range c.days {
		if c.days[i].Date == day {
			od = &c.days[i]
		}
	}
	switch {
	case od == nil:
		return Slot{}, okienko.Invalid("start", "this day is not in the calendar")
	case od.Closed != "":
		return Slot{}, okienko.Invalid("start", "the office is closed on "+day.String()+": "+od.Closed)
	case len(od.Spans) == 0:
		return Slot{}, okienko.Invalid("start", "the department does not receive visitors on "+day.String()+" ("+local.Weekday().String()+")")
	}
	for _, sl := range c.grid(*od) {
		if sl.Start.Equal(start) {
			if start.Before(c.earliest()) {
				return Slot{}, okienko.Invalid("start", fmt.Sprintf("bookings for a time close %d minutes before it starts", c.svc.LeadMinutes))
			}
			return sl, nil
		}
	}
	return Slot{}, okienko.Invalid("start", fmt.Sprintf("%s is not a start time of this matter's %d-minute slots", local.Format("15:04"), c.svc.SlotMinutes))
}

// MaxDays is the longest range Days answers at once.
const MaxDays = 62

// Days returns the booking calendar of a service for from..to (office days,
// inclusive): each day's free seats in slots still bookable. ENOTFOUND;
// EINVALID for a reversed range or one longer than MaxDays.
func (s *Store) Days(ctx context.Context, serviceID int64, from, to office.Date) ([]Day, error) {
	if to.Before(from) {
		return nil, okienko.Invalid("to", "must not be before from")
	}
	if n := dayCount(from, to); n > MaxDays {
		return nil, okienko.Invalid("to", fmt.Sprintf("at most %d days at once, asked for %d", MaxDays, n))
	}
	c, err := s.loadCalendar(ctx, s.db, serviceID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Day, 0, len(c.days))
	for _, od := range c.days {
		d := Day{Date: od.Date, Closed: od.Closed}
		for _, sl := range c.bookable(od) {
			d.Free += sl.Free
		}
		out = append(out, d)
	}
	return out, nil
}

// Slots returns the slots of a service on day that can be booked now, full
// ones included with free 0; none outside the booking window or when the
// office is closed. ENOTFOUND.
func (s *Store) Slots(ctx context.Context, serviceID int64, day office.Date) ([]Slot, error) {
	c, err := s.loadCalendar(ctx, s.db, serviceID, day, day)
	if err != nil {
		return nil, err
	}
	out := c.bookable(c.days[0])
	if out == nil {
		out = []Slot{}
	}
	return out, nil
}

func dayCount(from, to office.Date) int {
	a := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()/24) + 1
}
