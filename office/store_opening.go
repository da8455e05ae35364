package office

import (
	"context"
	"fmt"

	"github.com/okienko/okienko"
)

// MaxOpeningDays is the longest range OpeningDays answers at once.
const MaxOpeningDays = 400

// OpeningDay is one day of a department's calendar: its opening intervals, or
// why it is closed.
type OpeningDay struct {
	Date Date `json:"date"`
	// Spans are the opening intervals as UTC instants; empty when closed.
	Spans []Span `json:"spans"`
	// Closed says why the day is closed despite the opening hours: the
	// holiday's name or the closure's reason; "" otherwise (a weekday without
	// hours has no spans and no reason).
	Closed string `json:"closed,omitempty"`
}

// OpeningDays returns the calendar of department departmentID for each day
// from..to inclusive (days in the office's zone), reading the department,
// its office and the closures once. ENOTFOUND; EINVALID when to is before
// from, the range is longer than MaxOpeningDays or leaves MinDate..MaxDate.
func (s *Store) OpeningDays(ctx context.Context, departmentID int64, from, to Date) ([]OpeningDay, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, okienko.Invalid("to", "the range must have a first day and a last day not before it")
	}
	if err := CheckBounds("from", from); err != nil {
		return nil, err
	}
	if err := CheckBounds("to", to); err != nil {
		return nil, err
	}
	if n := daysBetween(from, to) + 1; n > MaxOpeningDays {
		return nil, okienko.Invalid("to", fmt.Sprintf("at most %d days at once, asked for %d", MaxOpeningDays, n))
	}
	d, o, closures, err := s.openingInputs(ctx, departmentID, from, to)
	if err != nil {
		return nil, err
	}
	loc := o.Location()
	out := make([]OpeningDay, 0, daysBetween(from, to)+1)
	for day := from; !day.After(to); day = day.AddDays(1) {
		od := OpeningDay{Date: day, Spans: []Span{}, Closed: closedReason(day, closures)}
		if od.Closed == "" {
			if spans := OpeningSpans(loc, d.Hours, day); spans != nil {
				od.Spans = spans
			}
		}
		out = append(out, od)
	}
	return out, nil
}

// openingInputs returns what OpeningDays computes from: department
// departmentID, its office and the closures closing it on some day of
// from..to (office-wide first, then by first day and id); from the cached
// catalog when it answers. ENOTFOUND.
func (s *Store) openingInputs(ctx context.Context, departmentID int64, from, to Date) (*Department, *Office, []Closure, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if snap != nil {
		d, err := snap.departmentByID(departmentID)
		if err != nil {
			return nil, nil, nil, err
		}
		o, err := snap.officeByID(d.OfficeID)
		if err != nil {
			return nil, nil, nil, err
		}
		return d, o, snap.closuresOf(d.OfficeID, d.ID, from, to), nil
	}
	db := s.db.WithContext(ctx)
	d, err := loadDepartment(db, departmentID)
	if err != nil {
		return nil, nil, nil, storeError(err)
	}
	var o Office
	if err := db.First(&o, "id = ?", d.OfficeID).Error; err != nil {
		return nil, nil, nil, storeError(notFound(err, "office", d.OfficeID))
	}
	var closures []Closure
	err = db.Where("office_id = ? AND (department_id IS NULL OR department_id = ?) AND starts_on <= ? AND ends_on >= ?",
		d.OfficeID, d.ID, to, from).
		Order("CASE WHEN department_id IS NULL THEN 0 ELSE 1 END, starts_on, id").
		Find(&closures).Error
	if err != nil {
		return nil, nil, nil, okienko.Internal(err)
	}
	return d, &o, closures, nil
}

// closedReason names the holiday on day, else the reason of the first of
// closures covering day, else "".
func closedReason(day Date, closures []Closure) string {
	if name, ok := Holiday(day); ok {
		return name
	}
	for _, c := range closures {
		if c.StartsOn.After(day) || c.EndsOn.Before(day) {
			continue
		}
		switch {
		case c.Reason != "":
			return c.Reason
		case c.DepartmentID == nil:
			return "office closed"
		default:
			return "department closed"
		}
	}
	return ""
}

// OpeningIntervals returns the opening intervals of department id on day
// (a day in the office's zone) as UTC instants: empty on Polish public
// holidays and closures (office-wide or of that department). ENOTFOUND.
func (s *Store) OpeningIntervals(ctx context.Context, departmentID int64, day Date) ([]Span, error) {
	days, err := s.OpeningDays(ctx, departmentID, day, day)
	if err != nil {
		return nil, err
	}
	return days[0].Spans, nil
}

// ClosedReason tells whether department departmentID is closed on day by a
// public holiday or a closure, and why: the holiday's Polish name or the
// closure's reason ("office closed"/"department closed" when it gave none).
// A weekday without opening hours is not reported. ENOTFOUND.
func (s *Store) ClosedReason(ctx context.Context, departmentID int64, day Date) (string, bool, error) {
	days, err := s.OpeningDays(ctx, departmentID, day, day)
	if err != nil {
		return "", false, err
	}
	return days[0].Closed, days[0].Closed != "", nil
}
