package officetest

import (
	"os"
	"testing"
	"time"

	"github.com/okienko/okienko/office"
)

func TestAnchor(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v, monday string
	}{
		{"", "2026-11-23"},
		{"fixed", "2026-11-23"},
		// From 2 December: Christmas, New Year and Epiphany (6 January) must
		// lie more than 7 days behind the Monday.
		{"today", "2027-01-18"},
		// Corpus Christi 2033 is 16 June; summer time all around.
		{"2033-06-01", "2033-07-04"},
		{"2027-01-18", "2027-01-18"},
		// 31 March 2031 is a Monday whose Saturday is in April; after it come
		// Easter, 1 and 3 May, Pentecost and Corpus Christi (12 June).
		{"2031-03-31", "2031-06-23"},
	} {
		w, err := anchorFrom(tc.v, now)
		if err != nil || w.Monday.String() != tc.monday {
			t.Errorf("anchorFrom(%q) = %v, %v; want %s", tc.v, w.Monday, err, tc.monday)
		}
	}
	for _, bad := range []string{"tomorrow", "2026-02-30", "23.11.2026"} {
		if _, err := anchorFrom(bad, now); err == nil {
			t.Errorf("anchorFrom(%q) took it", bad)
		}
	}
}

// Every quiet week is a Monday with no holiday and one UTC offset around it,
// whatever day the search starts from, over a few years.
func TestQuietWeekFrom(t *testing.T) {
	for d := (office.Date{Year: 2026, Month: 1, Day: 1}); d.Year < 2036; d = d.AddDays(5) {
		w := QuietWeekFrom(d)
		if w.Monday.Weekday() != time.Monday || w.Monday.Before(d) || !quiet(w.Monday) {
			t.Fatalf("QuietWeekFrom(%s) = %s", d, w.Monday)
		}
		if gap := w.Monday.In(time.UTC, 0).Sub(d.In(time.UTC, 0)); gap > 150*24*time.Hour {
			t.Fatalf("QuietWeekFrom(%s) = %s, %v later", d, w.Monday, gap)
		}
	}
}

func TestWeekTimes(t *testing.T) {
	winter := Week{Monday: Written}
	if got := winter.At(1, 10, 30).UTC().Format(time.RFC3339); got != "2026-11-24T09:30:00Z" {
		t.Errorf("At(1, 10, 30) = %s", got)
	}
	if winter.Offset() != "+01:00" || winter.Date(-1) != "2026-11-22" {
		t.Errorf("Offset %s, Date(-1) %s", winter.Offset(), winter.Date(-1))
	}
	summer := Week{Monday: office.Date{Year: 2033, Month: 7, Day: 4}}
	if got := summer.Shift(time.Date(2026, 11, 24, 9, 30, 5, 0, time.UTC)).Format(time.RFC3339); got != "2033-07-05T10:30:05+02:00" {
		t.Errorf("Shift = %s", got)
	}
	if summer.Offset() != "+02:00" {
		t.Errorf("summer offset %s", summer.Offset())
	}
}

// TestAnchorShown says which week the tests stand on (go test -v).
func TestAnchorShown(t *testing.T) {
	w := Anchor(t)
	t.Logf("%s=%q: the test week is %s to %s", DayVar, os.Getenv(DayVar), w.Monday, w.Day(6))
}
