package office

// DefaultServiceSpec returns the settings a new service gets for every field
// left out (section 3 of the design): 15-minute slots for one resident each,
// bookable 30 days ahead until 60 minutes before, check-in from 30 minutes
// before until 10 minutes after the start, at most 3 active bookings per PESEL, a
// waitlist offer held 30 minutes.
func DefaultServiceSpec() ServiceSpec {
	return ServiceSpec{
		SlotMinutes:         15,
		Capacity:            1,
		BookingDaysAhead:    30,
		LeadMinutes:         60,
		CheckinEarlyMinutes: 30,
		CheckinGraceMinutes: 10,
		MaxActivePerPESEL:   3,
		OfferMinutes:        30,
	}
}

// DefaultDepartmentSpec returns the settings a new department gets for every
// field left out: walk-in tickets until 15 minutes before closing, DemoHours,
// priority tickets first (strict), a booking called within 10 minutes of
// its slot.
func DefaultDepartmentSpec() DepartmentSpec {
	return DepartmentSpec{LastTicketMinutes: 15, Hours: DemoHours(),
		PriorityPolicy: PriorityPolicy{Mode: PolicyStrict}, BookingGraceMinutes: DefaultBookingGraceMinutes}
}

// DemoHours are the opening hours of the office the system is modelled on:
// Monday 08:00–16:00, Tuesday to Friday 07:30–15:30, closed at weekends.
func DemoHours() WeekHours {
	late := func() [][]string { return [][]string{{"07:30", "15:30"}} }
	return WeekHours{
		Mon: [][]string{{"08:00", "16:00"}},
		Tue: late(),
		Wed: late(),
		Thu: late(),
		Fri: late(),
		Sat: [][]string{},
		Sun: [][]string{},
	}
}
