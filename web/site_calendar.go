package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// weekdayKeys name the days of the week in message ids, by time.Weekday.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// LongDate says d in the locale's words: "wtorek, 24 listopada 2026".
func (l *locale) LongDate(d office.Date) string {
	return l.T("date.long", "Weekday", l.T("weekday."+weekdayKeys[d.Weekday()]),
		"Day", d.Day, "Month", l.T("monthOf."+itoa64(int64(d.Month))), "Year", d.Year)
}

// MonthTitle says a month of a year: "listopad 2026".
func (l *locale) MonthTitle(year int, month time.Month) string {
	return l.T("date.month", "Month", l.T("month."+itoa64(int64(month))), "Year", year)
}

// ClosedReason says why an office day is closed: the holiday's (Polish) name
// or the closure's reason, with the engine's English defaults translated.
func (l *locale) ClosedReason(reason string) string {
	switch reason {
	case "office closed":
		return l.T("calendar.officeClosed")
	case "department closed":
		return l.T("calendar.departmentClosed")
	}
	return reason
}

// calendarDay is one cell of the month calendar.
type calendarDay struct {
	Blank    bool // a day of the month before or after, to fill the week
	Day      int
	LongDate string
	State    string // free, full, closed or out (of the booking window)
	Free     int
	Reason   string // why closed, when known
	Href     string // the day's times, for a free day
	WaitHref string // the form joining the day's waitlist, for a full day
	Today    bool
}

// calendarData is what the month calendar shows.
type calendarData struct {
	Service    *office.Service
	Department *office.Department
	Caption    string
	Weekdays   []weekdayHead
	Weeks      [][]calendarDay
	Prev, Next *monthLink
	AnyFree    bool
	LastDay    string
	MatterHref string
	Moving     string // the code of the visit whose time is being changed
}

type weekdayHead struct{ Short, Long string }

type monthLink struct{ Href, Label string }

// bookingWindow is the first and last office day a matter can be booked on
// now.
func (s *Server) bookingWindow(off *office.Office, svc *office.Service) (office.Date, office.Date) {
	today := office.DateOf(s.Clock.Now().In(off.Location()))
	return today, today.AddDays(svc.BookingDaysAhead)
}

// calendarPage: GET /sprawy/{id}/termin?month=YYYY-MM — the month calendar
// of the booking window: free days link to their times with the free seats,
// full days say so, closed days why. The month defaults to the current one
// and is kept within the window.
func (s *Server) calendarPage(c *fiber.Ctx) error {
	id, err := pathServiceID(c)
	if err != nil {
		return err
	}
	svc, dep, err := s.offeredMatter(c, id)
	if err != nil {
		return err
	}
	p, err := s.page(c, "calendar.title")
	if err != nil {
		return err
	}
	p.Title = p.L.T("calendar.title", "Name", svc.NameIn(p.L.Lang))
	ctx := c.UserContext()
	first, last := s.bookingWindow(p.Office, svc)
	firstMonth := office.Date{Year: first.Year, Month: first.Month, Day: 1}
	lastMonth := office.Date{Year: last.Year, Month: last.Month, Day: 1}
	month := firstMonth
	if t, err := time.Parse("2006-01", c.Query("month")); err == nil {
		month = office.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	}
	if month.Before(firstMonth) {
		month = firstMonth
	}
	if month.After(lastMonth) {
		month = lastMonth
	}
	monthEnd := office.DateOf(time.Date(month.Year, month.Month+1, 0, 0, 0, 0, 0, time.UTC))
	from, to := month, monthEnd
	if from.Before(first) {
		from = first
	}
	if to.After(last) {
		to = last
	}
	days, err := s.Bookings.Days(ctx, id, from, to)
	if err != nil {
		return err
	}
	// The whole window's opening days: the month's cells, and the last day
	// the office receives visitors, which the page names as the last
	// bookable one (not a holiday that happens to end the window).
	opening, err := s.Offices.OpeningDays(ctx, dep.ID, first, last)
	if err != nil {
		return err
	}
	lastOpen := last
	for i := len(opening) - 1; i >= 0; i-- {
		if od := opening[i]; len(od.Spans) > 0 && od.Closed == "" {
			lastOpen = od.Date
			break
		}
	}
	free := map[office.Date]booking.Day{}
	for _, d := range days {
		free[d.Date] = d
	}
	open := map[office.Date]bool{}
	for _, od := range opening {
		open[od.Date] = len(od.Spans) > 0
	}
	l := p.L
	d := calendarData{
		Service: svc, Department: dep, Caption: l.MonthTitle(month.Year, month.Month),
		LastDay: l.LongDate(lastOpen), MatterHref: matterPath(id), Moving: movingCode(c),
	}
	// While a visit's time is being changed, the links carry its code on.
	keep := ""
	if d.Moving != "" {
		keep = movingQuery + "=" + d.Moving
	}
	for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		d.Weekdays = append(d.Weekdays, weekdayHead{Short: l.T("weekdayShort." + weekdayKeys[wd]), Long: l.T("weekday." + weekdayKeys[wd])})
	}
	// Weeks run Monday to Sunday, from the week of the 1st to that of the last.
	start := month.AddDays(-((int(month.Weekday()) + 6) % 7))
	var week []calendarDay
	for day := start; ; day = day.AddDays(1) {
		cell := calendarDay{Day: day.Day, LongDate: l.LongDate(day), Today: day == first}
		switch {
		case day.Month != month.Month:
			cell = calendarDay{Blank: true}
		case day.Before(first) || day.After(last):
			cell.State = "out"
		default:
			bd := free[day]
			switch {
			case bd.Closed != "":
				cell.State, cell.Reason = "closed", l.ClosedReason(bd.Closed)
			case bd.Free > 0:
				cell.State, cell.Free, cell.Href = "free", bd.Free, withQuery(matterPath(id)+"/termin/"+day.String(), keep)
				d.AnyFree = true
			case !open[day]:
				cell.State = "closed"
			default:
				cell.State = "full"
				if movingCode(c) == "" {
					cell.WaitHref = waitFormPath(id, day)
				}
			}
		}
		week = append(week, cell)
		if len(week) == 7 {
			d.Weeks = append(d.Weeks, week)
			week = nil
			if day.AddDays(1).Month != month.Month {
				break
			}
		}
	}
	if month.After(firstMonth) {
		prev := office.DateOf(time.Date(month.Year, month.Month-1, 1, 0, 0, 0, 0, time.UTC))
		d.Prev = &monthLink{Href: withQuery(calendarHref(id, prev), keep), Label: l.MonthTitle(prev.Year, prev.Month)}
	}
	if month.Before(lastMonth) {
		next := office.DateOf(time.Date(month.Year, month.Month+1, 1, 0, 0, 0, 0, time.UTC))
		d.Next = &monthLink{Href: withQuery(calendarHref(id, next), keep), Label: l.MonthTitle(next.Year, next.Month)}
	}
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_calendar", p)
}

// withQuery is href with the query parameter kv ("name=value") added; href
// when kv is empty.
func withQuery(href, kv string) string {
	switch {
	case kv == "":
		return href
	case strings.Contains(href, "?"):
		return href + "&" + kv
	}
	return href + "?" + kv
}

// calendarHref is the calendar page of a matter at the month of day.
func calendarHref(id int64, day office.Date) string {
	return matterPath(id) + "/termin?month=" + day.String()[:7]
}

// slotOption is one time of the day page.
type slotOption struct {
	ID    string
	Value string // the start, RFC 3339 with the office's offset
	Time  string // 10:15
	Free  int
}

// dayData is what the day page shows.
type dayData struct {
	Service      *office.Service
	Department   *office.Department
	LongDate     string
	Slots        []slotOption
	AnyFree      bool
	Capacity     int
	Closed       string
	CalendarHref string
	FormAction   string
	Moving       string // the code of the visit whose time is being changed
	Day          string // YYYY-MM-DD, sent along so a form without a time comes back here
	Errors       *formErrors
	// WaitHref is the form joining the day's waitlist, when the day has
	// bookable times but none free.
	WaitHref string
}

// chooseQuery marks the day page shown again because its form was sent
// without a time.
const chooseQuery = "wybierz"

// dayPage: GET /sprawy/{id}/termin/{YYYY-MM-DD} — the day's bookable times
// as radio buttons of a GET form leading to the booking form; full times
// are shown disabled. A malformed date is a page not found.
func (s *Server) dayPage(c *fiber.Ctx) error {
	id, err := pathServiceID(c)
	if err != nil {
		return err
	}
	day, err := office.ReadDate(c.Params("date"))
	if err != nil {
		return okienko.Errorf(okienko.ENOTFOUND, "no such day")
	}
	svc, dep, err := s.offeredMatter(c, id)
	if err != nil {
		return err
	}
	p, err := s.page(c, "day.title")
	if err != nil {
		return err
	}
	l := p.L
	p.Title = l.T("day.title", "Date", l.LongDate(day), "Name", svc.NameIn(l.Lang))
	slots, err := s.Bookings.Slots(c.UserContext(), id, day)
	if err != nil {
		return err
	}
	loc := p.Office.Location()
	d := dayData{
		Service: svc, Department: dep, LongDate: l.LongDate(day), Capacity: svc.Capacity,
		CalendarHref: calendarHref(id, day), FormAction: matterPath(id) + "/rezerwacja", Day: day.String(),
	}
	if c.Query(chooseQuery) != "" {
		p.Invalid = true
		d.Errors = &formErrors{Summary: []errorItem{{Href: "#slot-1", Text: l.T("err.start.required")}}}
	}
	if d.Moving = movingCode(c); d.Moving != "" {
		// The chosen time goes to the page confirming the move.
		d.CalendarHref = withQuery(d.CalendarHref, movingQuery+"="+d.Moving)
		d.FormAction = reschedulePath(d.Moving)
	}
	for i, sl := range slots {
		start := sl.Start.In(loc)
		o := slotOption{ID: "slot-" + itoa64(int64(i+1)), Value: start.Format(time.RFC3339), Time: start.Format("15:04"), Free: sl.Free}
		// Nothing is chosen for the resident: a time they never picked
		// must not be booked by pressing Next.
		if sl.Free > 0 {
			d.AnyFree = true
		}
		d.Slots = append(d.Slots, o)
	}
	if len(slots) > 0 && !d.AnyFree && d.Moving == "" {
		d.WaitHref = waitFormPath(id, day)
	}
	if len(slots) == 0 {
		if reason, closed, err := s.Offices.ClosedReason(c.UserContext(), dep.ID, day); err == nil && closed {
			d.Closed = l.ClosedReason(reason)
		}
	}
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_day", p)
}
