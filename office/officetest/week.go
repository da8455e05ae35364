package officetest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/okienko/okienko/office"
)

// DayVar names the environment variable that anchors the tests' calendar:
// empty or "fixed" for the written week (Monday 23 November 2026), "today"
// for the first quiet week from today's real date on, or a date YYYY-MM-DD
// for the first quiet week from that day on.
const DayVar = "OKIENKO_TEST_DAY"

// Written is the Monday the tests are written against.
var Written = office.Date{Year: 2026, Month: time.November, Day: 23}

// quietBefore and quietAfter bound the span around an anchored Monday, in
// days, that holds no public holiday and no daylight-saving change, so a
// test may book, look back at statistics and look ahead the whole booking
// window without meeting either.
const quietBefore, quietAfter = 7, 31

// Warsaw is the office's zone in every test office: the zone of an office
// that names none.
var Warsaw = (*office.Office)(nil).Location()

// Week is the test week: a Monday and the days around it, in Warsaw. Tests
// that work on the office's calendar take their days and instants from it
// instead of writing dates, so the same test runs on any week the
// environment anchors it on (see DayVar).
type Week struct {
	// Monday is the anchored Monday.
	Monday office.Date
}

var (
	anchorOnce sync.Once
	anchored   Week
	anchorErr  error
)

// Anchor returns the test week chosen by DayVar, the same for every test of
// the process. A malformed DayVar fails t.
func Anchor(t testing.TB) Week {
	t.Helper()
	anchorOnce.Do(func() { anchored, anchorErr = anchorFrom(os.Getenv(DayVar), time.Now()) })
	if anchorErr != nil {
		t.Fatal(anchorErr)
	}
	return anchored
}

// anchorFrom picks the week for the value v of DayVar, today being now.
func anchorFrom(v string, now time.Time) (Week, error) {
	switch v {
	case "", "fixed":
		return Week{Monday: Written}, nil
	case "today":
		return QuietWeekFrom(office.DateOf(now.In(Warsaw))), nil
	}
	d, err := office.ParseDate(v)
	if err != nil {
		return Week{}, fmt.Errorf("%s=%q: want empty, fixed, today or a date YYYY-MM-DD", DayVar, v)
	}
	return QuietWeekFrom(d), nil
}

// QuietWeekFrom returns the first week whose Monday is on or after d, whose
// surroundings (7 days before to 31 after) hold no public holiday and no
// change of Warsaw's UTC offset, and which has the written week's shape:
// the Friday before to the Saturday after lie in the Monday's month, so the
// 30-day booking window spans that month and the next.
func QuietWeekFrom(d office.Date) Week {
	m := d
	for m.Weekday() != time.Monday {
		m = m.AddDays(1)
	}
	for !quiet(m) {
		m = m.AddDays(7)
	}
	return Week{Monday: m}
}

func quiet(monday office.Date) bool {
	if monday.AddDays(-3).Month != monday.Month || monday.AddDays(5).Month != monday.Month {
		return false
	}
	_, offset := monday.In(Warsaw, 12*60).Zone()
	for n := -quietBefore; n <= quietAfter; n++ {
		d := monday.AddDays(n)
		if _, holiday := office.Holiday(d); holiday {
			return false
		}
		if _, o := d.In(Warsaw, 12*60).Zone(); o != offset {
			return false
		}
	}
	return true
}

// Day returns the date n days after Monday (n may be negative).
func (w Week) Day(n int) office.Date { return w.Monday.AddDays(n) }

// Date returns Day(n) written YYYY-MM-DD.
func (w Week) Date(n int) string { return w.Day(n).String() }

// At returns the instant of hh:mm on the Warsaw wall clock n days after
// Monday.
func (w Week) At(n, hh, mm int) time.Time {
	return w.Day(n).In(Warsaw, hh*60+mm)
}

// Shift moves t, an instant of the written week's calendar, to the same
// Warsaw wall-clock time as many days from Monday in this week, so
// instants written for 2026 follow the anchor.
func (w Week) Shift(t time.Time) time.Time {
	local := t.In(Warsaw)
	days := office.DateOf(local).In(time.UTC, 0).Sub(Written.In(time.UTC, 0)) / (24 * time.Hour)
	return w.Day(int(days)).In(Warsaw, local.Hour()*60+local.Minute()).Add(time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond()))
}

// Offset returns the UTC offset of the week's Monday in Warsaw as RFC 3339
// writes it ("+01:00" in winter, "+02:00" in summer).
func (w Week) Offset() string { return w.At(0, 12, 0).Format("-07:00") }
