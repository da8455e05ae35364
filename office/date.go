package office

import (
	"cmp"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/okienko/okienko"
)

var warsaw = mustLoad("Europe/Warsaw")

// zones are the time zones loaded so far, by name.
var zones sync.Map

// LoadZone is time.LoadLocation, remembered: loading a zone reads and
// parses its tzdata, and the office's zone is asked for on nearly every
// request. Errors as time.LoadLocation's; a zone that fails isn't kept.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Date is a calendar day with no zone, written "2006-01-02". The zero Date
// means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD", rejecting days that don't exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the day t falls on in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as "YYYY-MM-DD" ("" for the zero Date).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// In returns the instant of wall-clock minute m (minutes since midnight, may
// be 1440 for 24:00) of d in loc. Wall-clock times that don't exist on a
// daylight-saving day are normalised by time.Date.
func (d Date) In(loc *time.Location, minute int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, loc)
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC, 0).Weekday() }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Compare returns -1, 0 or +1 as d is earlier than, the same day as, or
// later than e. It compares the numbers, never the text: "10000-01-01" is
// later than "9999-12-31".
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp.Compare(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp.Compare(d.Month, e.Month)
	}
	return cmp.Compare(d.Day, e.Day)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// MinDate and MaxDate are the first and the last day the office works
// with. Every date a request carries must lie between them, so no loop over
// days and no query ever meets a year 0 or 10000.
var (
	MinDate = Date{Year: 2000, Month: time.January, Day: 1}
	MaxDate = Date{Year: 2100, Month: time.December, Day: 31}
)

// BoundsMessage says, beside a field, where its dates must lie.
const BoundsMessage = "must lie between 2000-01-01 and 2100-12-31"

// InBounds reports whether d is a day that exists and lies between MinDate
// and MaxDate.
func (d Date) InBounds() bool {
	return d.Exists() && !d.Before(MinDate) && !d.After(MaxDate)
}

// Exists reports whether d is a day of the calendar: not 31 April, not
// month 13.
func (d Date) Exists() bool { return DateOf(d.In(time.UTC, 0)) == d }

// ReadDate reads a date a request carries: "YYYY-MM-DD" of a day that
// exists, between MinDate and MaxDate. Its error is the message to show
// beside the field: the form expected, or BoundsMessage.
func ReadDate(s string) (Date, error) {
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, errors.New("must be a date of the form YYYY-MM-DD")
	}
	if !d.InBounds() {
		return Date{}, errors.New(BoundsMessage)
	}
	return d, nil
}

// CheckBounds returns EINVALID naming field when d, if given, lies outside
// MinDate..MaxDate.
func CheckBounds(field string, d Date) error {
	if d.IsZero() || d.InBounds() {
		return nil
	}
	return okienko.Invalid(field, BoundsMessage)
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeOf(d).Elem()}
	}
	v, err := ParseDate(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeOf(d).Elem()}
	}
	*d = v
	return nil
}

// JSONFormat describes the JSON form of a Date, for error messages.
func (Date) JSONFormat() string { return "a date of the form YYYY-MM-DD" }

// Value stores d as "YYYY-MM-DD" (a DATE on PostgreSQL, TEXT on SQLite).
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE (time.Time) or "YYYY-MM-DD" text.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	}
	return fmt.Errorf("office.Date: cannot scan %T", src)
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
