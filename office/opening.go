package office

import (
	"slices"
	"time"
)

var utcZone = time.UTC

var weekdaysMondayFirst = [7]time.Weekday{
	time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday,
}

// OpeningSpans turns the wall-clock intervals hours gives for day's weekday
// into UTC instants in loc, sorted by start. A day of a daylight-saving change
// keeps its wall clock: 08:00–16:00 is 8 hours, 00:00–24:00 is 23 or 25 hours;
// "24:00" is the next midnight. Malformed intervals (see Validate) are
// skipped. A closed weekday gives nil. A nil loc means Europe/Warsaw.
func OpeningSpans(loc *time.Location, hours WeekHours, day Date) []Span {
	if loc == nil {
		loc = warsaw
	}
	var out []Span
	for _, iv := range hours.Day(day.Weekday()) {
		if len(iv) != 2 {
			continue
		}
		start, ok1 := parseClock(iv[0])
		end, ok2 := parseClock(iv[1])
		if !ok1 || !ok2 || start >= end {
			continue
		}
		sp := Span{Start: wallClock(loc, day, start), End: wallClock(loc, day, end)}
		if sp.End.After(sp.Start) {
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return out
}

// wallClock returns the UTC instant of minute m (0..1440) of day in loc.
func wallClock(loc *time.Location, day Date, m int) time.Time {
	if m == minutesPerDay {
		return day.AddDays(1).In(loc, 0).UTC()
	}
	return day.In(loc, m).UTC()
}
