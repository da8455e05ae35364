package office_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// fieldsOf returns the field messages of an EINVALID error, failing the test
// for anything else.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *okienko.Error
	if !errors.As(err, &e) || e.Code != okienko.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	return e.Fields
}

// checkOnly asserts err is EINVALID naming exactly field, with a message
// containing msg.
func checkOnly(t *testing.T, err error, field, msg string) {
	t.Helper()
	fields := fieldsOf(t, err)
	if len(fields) != 1 || fields[field] == "" {
		t.Fatalf("fields = %v, want only %q", fields, field)
	}
	if !strings.Contains(fields[field], msg) {
		t.Fatalf("%s: %q, want it to say %q", field, fields[field], msg)
	}
}

func validDepartment() office.DepartmentSpec {
	s := office.DefaultDepartmentSpec()
	s.Name, s.TicketPrefix = "Wydział Komunikacji", "K"
	return s
}

func TestDepartmentSpecValidate(t *testing.T) {
	if err := validDepartment().Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	cases := []struct {
		name   string
		change func(*office.DepartmentSpec)
		field  string
		msg    string
	}{
		{"empty name", func(s *office.DepartmentSpec) { s.Name = "  " }, "name", "required"},
		{"long name", func(s *office.DepartmentSpec) { s.Name = strings.Repeat("ż", 201) }, "name", "at most 200"},
		{"empty prefix", func(s *office.DepartmentSpec) { s.TicketPrefix = "" }, "ticket_prefix", "single letter"},
		{"two letters", func(s *office.DepartmentSpec) { s.TicketPrefix = "AB" }, "ticket_prefix", "single letter"},
		{"digit", func(s *office.DepartmentSpec) { s.TicketPrefix = "1" }, "ticket_prefix", "single letter"},
		{"polish letter", func(s *office.DepartmentSpec) { s.TicketPrefix = "ł" }, "ticket_prefix", "single letter"},
		{"last ticket negative", func(s *office.DepartmentSpec) { s.LastTicketMinutes = -1 }, "last_ticket_minutes", "between 0 and 240"},
		{"last ticket too late", func(s *office.DepartmentSpec) { s.LastTicketMinutes = 241 }, "last_ticket_minutes", "between 0 and 240"},
		{"25:00", func(s *office.DepartmentSpec) { s.Hours.Tue = [][]string{{"08:00", "25:00"}} }, "hours.tue", `"25:00" is not a time HH:MM between 00:00 and 24:00`},
		{"24:30", func(s *office.DepartmentSpec) { s.Hours.Wed = [][]string{{"08:00", "24:30"}} }, "hours.wed", `"24:30" is not a time`},
		{"minutes 60", func(s *office.DepartmentSpec) { s.Hours.Thu = [][]string{{"08:60", "12:00"}} }, "hours.thu", `"08:60" is not a time`},
		{"no leading zero", func(s *office.DepartmentSpec) { s.Hours.Fri = [][]string{{"8:00", "12:00"}} }, "hours.fri", `"8:00" is not a time`},
		{"24:00 start", func(s *office.DepartmentSpec) { s.Hours.Sat = [][]string{{"24:00", "24:00"}} }, "hours.sat", "24:00 can only end"},
		{"end before start", func(s *office.DepartmentSpec) { s.Hours.Mon = [][]string{{"16:00", "08:00"}} }, "hours.mon", "an interval must end after it starts"},
		{"empty interval", func(s *office.DepartmentSpec) { s.Hours.Mon = [][]string{{"08:00", "08:00"}} }, "hours.mon", "an interval must end after it starts"},
		{"overlap", func(s *office.DepartmentSpec) { s.Hours.Sun = [][]string{{"11:00", "13:00"}, {"08:00", "12:00"}} }, "hours.sun", "intervals overlap: 08:00-12:00 and 11:00-13:00"},
		{"contained", func(s *office.DepartmentSpec) { s.Hours.Mon = [][]string{{"08:00", "16:00"}, {"09:00", "10:00"}} }, "hours.mon", "intervals overlap"},
		{"one time", func(s *office.DepartmentSpec) { s.Hours.Mon = [][]string{{"08:00"}} }, "hours.mon", "pair"},
		{"three times", func(s *office.DepartmentSpec) { s.Hours.Mon = [][]string{{"08:00", "09:00", "10:00"}} }, "hours.mon", "pair"},
		{"seven intervals", func(s *office.DepartmentSpec) {
			s.Hours.Mon = [][]string{{"01:00", "02:00"}, {"03:00", "04:00"}, {"05:00", "06:00"}, {"07:00", "08:00"}, {"09:00", "10:00"}, {"11:00", "12:00"}, {"13:00", "14:00"}}
		}, "hours.mon", "at most 6 intervals"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validDepartment()
			tc.change(&s)
			checkOnly(t, s.Validate(), tc.field, tc.msg)
		})
	}

	// Valid edge cases: a lower-case prefix, touching and unsorted intervals,
	// a day ending at 24:00, six intervals.
	ok := validDepartment()
	ok.TicketPrefix = " k "
	ok.LastTicketMinutes = 240
	ok.Hours.Mon = [][]string{{"12:00", "16:00"}, {"08:00", "12:00"}}
	ok.Hours.Sat = [][]string{{"00:00", "24:00"}}
	ok.Hours.Sun = [][]string{{"01:00", "02:00"}, {"03:00", "04:00"}, {"05:00", "06:00"}, {"07:00", "08:00"}, {"09:00", "10:00"}, {"11:00", "12:00"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid edge cases: %v", err)
	}
	// Validate doesn't change the caller's spec; Normalize does.
	if ok.TicketPrefix != " k " || ok.Hours.Mon[0][0] != "12:00" {
		t.Fatalf("Validate changed its receiver: %q %v", ok.TicketPrefix, ok.Hours.Mon)
	}
	ok.Normalize()
	if ok.TicketPrefix != "K" || ok.Hours.Mon[0][0] != "08:00" || ok.Hours.Mon[1][0] != "12:00" {
		t.Fatalf("Normalize: %q %v", ok.TicketPrefix, ok.Hours.Mon)
	}

	// Several problems are reported together.
	bad := office.DepartmentSpec{TicketPrefix: "??", LastTicketMinutes: 500, Hours: office.WeekHours{Mon: [][]string{{"x", "y"}}, Fri: [][]string{{"10:00", "09:00"}}}}
	fields := fieldsOf(t, bad.Validate())
	for _, f := range []string{"name", "ticket_prefix", "last_ticket_minutes", "hours.mon", "hours.fri"} {
		if fields[f] == "" {
			t.Errorf("no message for %s in %v", f, fields)
		}
	}
}

func validService() office.ServiceSpec {
	s := office.DefaultServiceSpec()
	s.DepartmentID, s.Name = 1, "Rejestracja pojazdu"
	return s
}

func TestServiceSpecValidate(t *testing.T) {
	if err := validService().Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	cases := []struct {
		name   string
		change func(*office.ServiceSpec)
		field  string
		msg    string
	}{
		{"no department", func(s *office.ServiceSpec) { s.DepartmentID = 0 }, "department_id", "required"},
		{"negative department", func(s *office.ServiceSpec) { s.DepartmentID = -3 }, "department_id", "required"},
		{"no name", func(s *office.ServiceSpec) { s.Name = "" }, "name", "required"},
		{"long name", func(s *office.ServiceSpec) { s.Name = strings.Repeat("a", 201) }, "name", "at most 200"},
		{"slot 0", func(s *office.ServiceSpec) { s.SlotMinutes = 0 }, "slot_minutes", "between 5 and 480"},
		{"slot 4", func(s *office.ServiceSpec) { s.SlotMinutes = 4 }, "slot_minutes", "got 4"},
		{"slot 1000", func(s *office.ServiceSpec) { s.SlotMinutes = 1000 }, "slot_minutes", "between 5 and 480"},
		{"capacity 0", func(s *office.ServiceSpec) { s.Capacity = 0 }, "capacity", "between 1 and 100"},
		{"capacity 101", func(s *office.ServiceSpec) { s.Capacity = 101 }, "capacity", "between 1 and 100"},
		{"days ahead 0", func(s *office.ServiceSpec) { s.BookingDaysAhead = 0 }, "booking_days_ahead", "between 1 and 365"},
		{"days ahead 366", func(s *office.ServiceSpec) { s.BookingDaysAhead = 366 }, "booking_days_ahead", "between 1 and 365"},
		{"lead negative", func(s *office.ServiceSpec) { s.LeadMinutes = -1 }, "lead_minutes", "between 0 and 10080"},
		{"lead over a week", func(s *office.ServiceSpec) { s.LeadMinutes = 10081 }, "lead_minutes", "between 0 and 10080"},
		{"early 241", func(s *office.ServiceSpec) { s.CheckinEarlyMinutes = 241 }, "checkin_early_minutes", "between 0 and 240"},
		{"grace 121", func(s *office.ServiceSpec) { s.CheckinGraceMinutes = 121 }, "checkin_grace_minutes", "between 0 and 120"},
		{"grace negative", func(s *office.ServiceSpec) { s.CheckinGraceMinutes = -1 }, "checkin_grace_minutes", "between 0 and 120"},
		{"max active 0", func(s *office.ServiceSpec) { s.MaxActivePerPESEL = 0 }, "max_active_per_pesel", "between 1 and 50"},
		{"offer 0", func(s *office.ServiceSpec) { s.OfferMinutes = 0 }, "offer_minutes", "between 1 and 1440"},
		{"offer over a day", func(s *office.ServiceSpec) { s.OfferMinutes = 1441 }, "offer_minutes", "between 1 and 1440"},
		{"max active 51", func(s *office.ServiceSpec) { s.MaxActivePerPESEL = 51 }, "max_active_per_pesel", "between 1 and 50"},
		{"description", func(s *office.ServiceSpec) { s.Description = strings.Repeat("ą", 4001) }, "description", "at most 4000"},
		{"instructions", func(s *office.ServiceSpec) { s.Instructions = strings.Repeat("x", 20001) }, "instructions", "at most 20000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validService()
			tc.change(&s)
			checkOnly(t, s.Validate(), tc.field, tc.msg)
		})
	}
	edge := office.ServiceSpec{DepartmentID: 1, Name: "x", SlotMinutes: 480, Capacity: 100, BookingDaysAhead: 365,
		LeadMinutes: 10080, CheckinEarlyMinutes: 240, CheckinGraceMinutes: 120, MaxActivePerPESEL: 50, OfferMinutes: 1440,
		Description: strings.Repeat("ą", 4000), Instructions: strings.Repeat("ę", 20000)}
	if err := edge.Validate(); err != nil {
		t.Fatalf("upper limits: %v", err)
	}
	// Left-out fields of a decoded body keep the defaults (design section 3).
	d := office.DefaultServiceSpec()
	if d.SlotMinutes != 15 || d.Capacity != 1 || d.BookingDaysAhead != 30 || d.LeadMinutes != 60 ||
		d.CheckinEarlyMinutes != 30 || d.CheckinGraceMinutes != 10 || d.MaxActivePerPESEL != 3 || d.OfferMinutes != 30 {
		t.Fatalf("DefaultServiceSpec = %+v", d)
	}
}

func TestClosureSpecValidate(t *testing.T) {
	day := office.Date{Year: 2026, Month: 8, Day: 14}
	neg, zero := int64(-1), int64(0)
	cases := []struct {
		name  string
		spec  office.ClosureSpec
		field string
		msg   string
	}{
		{"no start", office.ClosureSpec{EndsOn: day}, "starts_on", "required"},
		{"end before start", office.ClosureSpec{StartsOn: day, EndsOn: day.AddDays(-1)}, "ends_on", "must not be before starts_on (2026-08-14)"},
		{"367 days", office.ClosureSpec{StartsOn: day, EndsOn: day.AddDays(366)}, "ends_on", "at most 366 days"},
		{"long reason", office.ClosureSpec{StartsOn: day, Reason: strings.Repeat("r", 501)}, "reason", "at most 500"},
		{"department 0", office.ClosureSpec{StartsOn: day, DepartmentID: &zero}, "department_id", "department id"},
		{"department -1", office.ClosureSpec{StartsOn: day, DepartmentID: &neg}, "department_id", "department id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkOnly(t, tc.spec.Validate(), tc.field, tc.msg) })
	}
	for _, ok := range []office.ClosureSpec{
		{StartsOn: day},
		{StartsOn: day, EndsOn: day},
		{StartsOn: day, EndsOn: day.AddDays(365), Reason: strings.Repeat("r", 500)},
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	s := office.ClosureSpec{StartsOn: day}
	s.Normalize()
	if s.EndsOn != day {
		t.Fatalf("Normalize: ends_on = %v, want starts_on %v", s.EndsOn, day)
	}
}

func TestCounterSpecValidate(t *testing.T) {
	many := make([]int64, 101)
	for i := range many {
		many[i] = int64(i + 1)
	}
	dupes := append(append([]int64{}, many[:100]...), 1, 2, 3)
	cases := []struct {
		name  string
		spec  office.CounterSpec
		field string
		msg   string
	}{
		{"no department", office.CounterSpec{Name: "1"}, "department_id", "required"},
		{"no name", office.CounterSpec{DepartmentID: 1, Name: " "}, "name", "required"},
		{"long name", office.CounterSpec{DepartmentID: 1, Name: strings.Repeat("x", 101)}, "name", "at most 100"},
		{"101 services", office.CounterSpec{DepartmentID: 1, Name: "1", ServiceIDs: many}, "service_ids", "at most 100"},
		{"bad id", office.CounterSpec{DepartmentID: 1, Name: "1", ServiceIDs: []int64{3, 0}}, "service_ids", "0 is not a service id"},
		{"long label", office.CounterSpec{DepartmentID: 1, Name: "1", Label: strings.Repeat("ż", 17)}, "label", "at most 16"},
		{"label of two lines", office.CounterSpec{DepartmentID: 1, Name: "1", Label: "Kasa\n2"}, "label", "one line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkOnly(t, tc.spec.Validate(), tc.field, tc.msg) })
	}
	// Duplicates don't count against the limit.
	if err := (office.CounterSpec{DepartmentID: 1, Name: "1", ServiceIDs: dupes}).Validate(); err != nil {
		t.Fatalf("100 distinct ids with duplicates: %v", err)
	}
	s := office.CounterSpec{DepartmentID: 1, Name: " 1 ", ServiceIDs: []int64{5, 2, 5, 2, 9}}
	s.Normalize()
	if s.Name != "1" || len(s.ServiceIDs) != 3 || s.ServiceIDs[0] != 2 || s.ServiceIDs[1] != 5 || s.ServiceIDs[2] != 9 {
		t.Fatalf("Normalize = %+v", s)
	}
}

// A department's priority policy: each mode with its own number in
// bounds, else EINVALID naming priority_policy.mode, .every or
// .max_wait_minutes; the number of another mode is dropped; an empty
// mode is strict; the booking grace 0–120.
func TestDepartmentPolicyValidate(t *testing.T) {
	valid := func(p office.PriorityPolicy, grace int) office.DepartmentSpec {
		s := office.DefaultDepartmentSpec()
		s.Name, s.TicketPrefix, s.PriorityPolicy, s.BookingGraceMinutes = "Dowody", "D", p, grace
		return s
	}
	for _, p := range []office.PriorityPolicy{{Mode: "strict"}, {}, {Mode: "ratio", Every: 1}, {Mode: "ratio", Every: 20},
		{Mode: "aging", MaxWaitMinutes: 5}, {Mode: "aging", MaxWaitMinutes: 480}, {Mode: "strict", Every: 99}} {
		if err := valid(p, 10).Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, c := range []struct {
		p     office.PriorityPolicy
		grace int
		field string
	}{
		{office.PriorityPolicy{Mode: "fifo"}, 10, "priority_policy.mode"},
		{office.PriorityPolicy{Mode: "ratio"}, 10, "priority_policy.every"},
		{office.PriorityPolicy{Mode: "ratio", Every: 21}, 10, "priority_policy.every"},
		{office.PriorityPolicy{Mode: "aging", MaxWaitMinutes: 4, Every: 2}, 10, "priority_policy.max_wait_minutes"},
		{office.PriorityPolicy{Mode: "aging", MaxWaitMinutes: 481}, 10, "priority_policy.max_wait_minutes"},
		{office.PriorityPolicy{Mode: "strict"}, 121, "booking_grace_minutes"},
		{office.PriorityPolicy{Mode: "strict"}, -1, "booking_grace_minutes"},
	} {
		if fields := fieldsOf(t, valid(c.p, c.grace).Validate()); fields[c.field] == "" || len(fields) != 1 {
			t.Errorf("%+v grace %d: %v, want only %s", c.p, c.grace, fields, c.field)
		}
	}
	s := valid(office.PriorityPolicy{Mode: "ratio", Every: 3, MaxWaitMinutes: 45}, 10)
	s.Normalize()
	if s.PriorityPolicy != (office.PriorityPolicy{Mode: "ratio", Every: 3}) {
		t.Fatalf("normalized %+v", s.PriorityPolicy)
	}
	s.PriorityPolicy = office.PriorityPolicy{}
	s.Normalize()
	if s.PriorityPolicy.Mode != office.PolicyStrict {
		t.Fatalf("empty mode normalized to %+v", s.PriorityPolicy)
	}
}
