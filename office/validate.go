package office

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/okienko/okienko"
)

// Limits enforced by the Validate methods.
const (
	MaxIntervalsPerDay = 6
	MaxClosureDays     = 366
	MaxCounterServices = 100
	// MaxCounterDepartments bounds the departments one counter serves.
	MaxCounterDepartments = 50
	MaxCounterLabel       = 16 // what fits the hall display's last calls
	maxDepartmentName     = 200
	maxServiceName        = 200
	maxCounterName        = 100
	maxDescription        = 4000
	maxInstructions       = 20000
	maxClosureReason      = 500
	maxKeywords           = 1000
	minutesPerDay         = 24 * 60
	maxLastTicketMinute   = 240
)

// Normalize trims the name, upper-cases the ticket prefix, sorts each day's
// intervals by their start and makes closed days empty lists. Validate applies it to a copy first, so
// Normalize is only needed to store the normalised form.
func (s *DepartmentSpec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.NameEN = strings.TrimSpace(s.NameEN)
	s.NameUK = strings.TrimSpace(s.NameUK)
	s.TicketPrefix = strings.ToUpper(strings.TrimSpace(s.TicketPrefix))
	s.Hours = s.Hours.normalized()
	s.PriorityPolicy = s.PriorityPolicy.normalized()
}

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name ("hours.mon" etc. for opening hours), or nil.
func (s DepartmentSpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	checkName(f, "name", s.Name, maxDepartmentName)
	checkText(f, "name_en", s.NameEN, maxDepartmentName)
	checkText(f, "name_uk", s.NameUK, maxDepartmentName)
	if len(s.TicketPrefix) != 1 || s.TicketPrefix[0] < 'A' || s.TicketPrefix[0] > 'Z' {
		f.Add("ticket_prefix", fmt.Sprintf("must be a single letter A-Z, got %q", s.TicketPrefix))
	}
	checkRange(f, "last_ticket_minutes", s.LastTicketMinutes, 0, maxLastTicketMinute, "minutes")
	checkRange(f, "booking_grace_minutes", s.BookingGraceMinutes, 0, MaxBookingGraceMinutes, "minutes")
	s.PriorityPolicy.validate(f)
	s.Hours.validate(f)
	return f.Err()
}

// Normalize trims the names and the keywords.
func (s *ServiceSpec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.NameEN = strings.TrimSpace(s.NameEN)
	s.NameUK = strings.TrimSpace(s.NameUK)
	s.Keywords = strings.TrimSpace(s.Keywords)
	if s.TicketPrefix != nil {
		p := strings.ToUpper(strings.TrimSpace(*s.TicketPrefix))
		s.TicketPrefix = &p
		if p == "" {
			s.TicketPrefix = nil
		}
	}
}

// MaxConfirmMinutes is the longest a pending booking may wait for its
// e-mail confirmation: a day.
const MaxConfirmMinutes = 24 * 60

// MaxRemoteTicketsPerDay bounds a matter's remote tickets a day.
const MaxRemoteTicketsPerDay = 999

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name, or nil. It does not check that the department exists.
func (s ServiceSpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	if s.DepartmentID <= 0 {
		f.Add("department_id", "a department is required")
	}
	checkName(f, "name", s.Name, maxServiceName)
	checkRange(f, "slot_minutes", s.SlotMinutes, 5, 480, "minutes")
	checkRange(f, "capacity", s.Capacity, 1, 100, "residents per slot")
	checkRange(f, "booking_days_ahead", s.BookingDaysAhead, 1, 365, "days")
	checkRange(f, "lead_minutes", s.LeadMinutes, 0, 7*24*60, "minutes")
	checkRange(f, "checkin_early_minutes", s.CheckinEarlyMinutes, 0, 240, "minutes")
	checkRange(f, "checkin_grace_minutes", s.CheckinGraceMinutes, 0, 120, "minutes")
	checkRange(f, "max_active_per_pesel", s.MaxActivePerPESEL, 1, 50, "bookings")
	checkRange(f, "confirm_minutes", s.ConfirmMinutes, 0, MaxConfirmMinutes, "minutes")
	checkRange(f, "remote_tickets_per_day", s.RemoteTicketsPerDay, 0, MaxRemoteTicketsPerDay, "tickets")
	checkRange(f, "offer_minutes", s.OfferMinutes, 1, MaxConfirmMinutes, "minutes")
	checkText(f, "name_en", s.NameEN, maxServiceName)
	checkText(f, "name_uk", s.NameUK, maxServiceName)
	checkText(f, "description", s.Description, maxDescription)
	checkText(f, "description_en", s.DescriptionEN, maxDescription)
	checkText(f, "description_uk", s.DescriptionUK, maxDescription)
	checkText(f, "instructions", s.Instructions, maxInstructions)
	checkText(f, "instructions_en", s.InstructionsEN, maxInstructions)
	checkText(f, "instructions_uk", s.InstructionsUK, maxInstructions)
	checkText(f, "keywords", s.Keywords, maxKeywords)
	if s.TicketPrefix != nil {
		if msg := letterProblem(*s.TicketPrefix); msg != "" {
			f.Add("ticket_prefix", msg)
		}
	}
	return f.Err()
}

// MaxLetterLen is the longest letter a matter's tickets may carry.
const MaxLetterLen = 3

// letterProblem says what is wrong with a matter's ticket letter, "" when
// nothing. Two or three letters may not end in E or R: those mark a
// letter's remote tickets (DE05) and bookings (DR05), so "DE" would print
// DE100 for its hundredth walk-in, the number of D's hundredth remote ticket.
func letterProblem(p string) string {
	if len(p) == 0 || len(p) > MaxLetterLen {
		return fmt.Sprintf("must be 1 to %d letters A-Z, got %q", MaxLetterLen, p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return fmt.Sprintf("must be 1 to %d letters A-Z, got %q", MaxLetterLen, p)
		}
	}
	if last := p[len(p)-1]; len(p) > 1 && (last == 'E' || last == 'R') {
		return fmt.Sprintf("%q ends in %c, which marks remote tickets (E) and bookings (R) of the letter before it; choose another", p, last)
	}
	return ""
}

// Normalize trims the reason and sets EndsOn to StartsOn when it is zero.
func (s *ClosureSpec) Normalize() {
	s.Reason = strings.TrimSpace(s.Reason)
	if s.EndsOn.IsZero() {
		s.EndsOn = s.StartsOn
	}
}

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name, or nil. It does not check that the department exists.
func (s ClosureSpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	if s.DepartmentID != nil && *s.DepartmentID <= 0 {
		f.Add("department_id", "must be a department id, or null to close the whole office")
	}
	switch {
	case s.StartsOn.IsZero():
		f.Add("starts_on", "the first day of the closure is required")
	case !s.StartsOn.InBounds():
		f.Add("starts_on", BoundsMessage)
	case !s.EndsOn.InBounds():
		f.Add("ends_on", BoundsMessage)
	case s.EndsOn.Before(s.StartsOn):
		f.Add("ends_on", fmt.Sprintf("must not be before starts_on (%s)", s.StartsOn))
	case daysBetween(s.StartsOn, s.EndsOn)+1 > MaxClosureDays:
		f.Add("ends_on", fmt.Sprintf("a closure can last at most %d days, this one lasts %d", MaxClosureDays, daysBetween(s.StartsOn, s.EndsOn)+1))
	}
	if n := utf8.RuneCountInString(s.Reason); n > maxClosureReason {
		f.Add("reason", fmt.Sprintf("must be at most %d characters, got %d", maxClosureReason, n))
	}
	return f.Err()
}

// Normalize trims the name and sorts and deduplicates the department and
// service ids (empty lists rather than nil). Department ids left out are
// the primary department alone; a primary department left out is the first
// of the department ids.
func (s *CounterSpec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Label = strings.TrimSpace(s.Label)
	s.ServiceIDs = idSet(s.ServiceIDs)
	s.DepartmentIDs = idSet(s.DepartmentIDs)
	if len(s.DepartmentIDs) == 0 && s.DepartmentID > 0 {
		s.DepartmentIDs = []int64{s.DepartmentID}
	}
	if s.DepartmentID == 0 && len(s.DepartmentIDs) > 0 {
		s.DepartmentID = s.DepartmentIDs[0]
	}
}

// idSet returns ids sorted, without repeats, in a new slice (empty, not
// nil, for none).
func idSet(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name, or nil. It does not check that the department and services
// exist.
func (s CounterSpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	switch {
	case s.DepartmentID <= 0 && len(s.DepartmentIDs) == 0:
		f.Add("department_id", "a department is required")
	case s.DepartmentID <= 0:
		f.Add("department_id", fmt.Sprintf("%d is not a department id", s.DepartmentID))
	case !slices.Contains(s.DepartmentIDs, s.DepartmentID):
		f.Add("department_id", "must be one of department_ids")
	}
	if len(s.DepartmentIDs) > MaxCounterDepartments {
		f.Add("department_ids", fmt.Sprintf("a counter can serve at most %d departments, got %d", MaxCounterDepartments, len(s.DepartmentIDs)))
	}
	checkIDs(f, "department_ids", "department", s.DepartmentIDs)
	checkName(f, "name", s.Name, maxCounterName)
	if n := utf8.RuneCountInString(s.Label); n > MaxCounterLabel {
		f.Add("label", fmt.Sprintf("must be at most %d characters, got %d", MaxCounterLabel, n))
	} else if strings.IndexFunc(s.Label, unicode.IsControl) >= 0 {
		f.Add("label", "must be one line of text, without control characters")
	}
	if len(s.ServiceIDs) > MaxCounterServices {
		f.Add("service_ids", fmt.Sprintf("a counter can serve at most %d services, got %d", MaxCounterServices, len(s.ServiceIDs)))
	}
	checkIDs(f, "service_ids", "service", s.ServiceIDs)
	return f.Err()
}

// checkIDs adds an error on field for the first of ids that can't be the id
// of a what.
func checkIDs(f okienko.FieldErrors, field, what string, ids []int64) {
	for _, id := range ids {
		if id <= 0 {
			f.Add(field, fmt.Sprintf("%d is not a %s id", id, what))
			return
		}
	}
}

func checkName(f okienko.FieldErrors, field, name string, max int) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		f.Add(field, "a name is required")
	case n > max:
		f.Add(field, fmt.Sprintf("must be at most %d characters, got %d", max, n))
	}
}

// checkText adds a message under field when the optional text is longer
// than max characters or is not valid UTF-8.
func checkText(f okienko.FieldErrors, field, text string, max int) {
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text):
		f.Add(field, "must be valid UTF-8 text")
	case n > max:
		f.Add(field, fmt.Sprintf("must be at most %d characters, got %d", max, n))
	}
}

func checkRange(f okienko.FieldErrors, field string, v, lo, hi int, unit string) {
	if v < lo || v > hi {
		f.Add(field, fmt.Sprintf("must be between %d and %d %s, got %d", lo, hi, unit, v))
	}
}

// daysBetween returns the number of days from a to b (negative when b is
// earlier).
func daysBetween(a, b Date) int {
	return int(b.In(utcZone, 0).Sub(a.In(utcZone, 0)).Hours() / 24)
}

// normalized returns a deep copy of h with each day's intervals sorted by
// start (intervals that aren't pairs sort last, in their order) and closed
// days as empty lists, the way they read back from the database.
func (h WeekHours) normalized() WeekHours {
	out := h
	for _, day := range []*[][]string{&out.Mon, &out.Tue, &out.Wed, &out.Thu, &out.Fri, &out.Sat, &out.Sun} {
		d := make([][]string, len(*day))
		for i, iv := range *day {
			d[i] = slices.Clone(iv)
		}
		slices.SortStableFunc(d, func(a, b []string) int {
			am, aok := intervalStart(a)
			bm, bok := intervalStart(b)
			switch {
			case aok && bok:
				return am - bm
			case aok:
				return -1
			case bok:
				return 1
			}
			return 0
		})
		*day = d
	}
	return out
}

func intervalStart(iv []string) (int, bool) {
	if len(iv) != 2 {
		return 0, false
	}
	return parseClock(iv[0])
}

// validate adds a message under "hours.<day>" for each weekday whose
// intervals are malformed, empty, out of order or overlapping.
func (h WeekHours) validate(f okienko.FieldErrors) {
	for i, wd := range weekdaysMondayFirst {
		if msg := validateDay(h.Day(wd)); msg != "" {
			f.Add("hours."+WeekdayKeys[i], msg)
		}
	}
}

func validateDay(intervals [][]string) string {
	if len(intervals) > MaxIntervalsPerDay {
		return fmt.Sprintf("at most %d intervals per day, got %d", MaxIntervalsPerDay, len(intervals))
	}
	type span struct{ start, end int }
	spans := make([]span, 0, len(intervals))
	for i, iv := range intervals {
		if len(iv) != 2 {
			return fmt.Sprintf("interval %d must be a pair of times [\"HH:MM\", \"HH:MM\"], got %d values", i+1, len(iv))
		}
		start, ok := parseClock(iv[0])
		if !ok {
			return fmt.Sprintf("%q is not a time HH:MM between 00:00 and 24:00", iv[0])
		}
		end, ok := parseClock(iv[1])
		if !ok {
			return fmt.Sprintf("%q is not a time HH:MM between 00:00 and 24:00", iv[1])
		}
		if start == minutesPerDay {
			return "24:00 can only end an interval, not start it"
		}
		if end <= start {
			return fmt.Sprintf("an interval must end after it starts: %s-%s", iv[0], iv[1])
		}
		spans = append(spans, span{start, end})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Sprintf("intervals overlap: %s-%s and %s-%s",
				formatClock(spans[i-1].start), formatClock(spans[i-1].end),
				formatClock(spans[i].start), formatClock(spans[i].end))
		}
	}
	return ""
}

// parseClock reads "HH:MM" between "00:00" and "24:00" as minutes since
// midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func formatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }
