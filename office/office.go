// Package office is the catalog of an office: its departments with opening
// hours, the services (matters) residents come for, closures and holidays,
// and the counters that serve them.
package office

import (
	"time"
)

// Office is one public office (placówka). Times are computed in its zone.
type Office struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	Address  string `json:"address"`
	// AlertsEmail is told by e-mail when a kiosk's printer needs a person
	// (paper, cover, fault); "" for nobody.
	AlertsEmail string    `json:"alerts_email"`
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`
}

// Location returns the office's time zone, Europe/Warsaw when unset or unknown.
func (o *Office) Location() *time.Location {
	if o != nil && o.TimeZone != "" {
		if loc, err := LoadZone(o.TimeZone); err == nil {
			return loc
		}
	}
	return warsaw
}

// DepartmentSpec is what an administrator sets on a department.
type DepartmentSpec struct {
	// Name is the Polish name, required; NameEN and NameUK are the English
	// and Ukrainian ones, "" where Polish stands in (NameIn).
	Name              string    `json:"name"`
	NameEN            string    `json:"name_en" gorm:"column:name_en"`
	NameUK            string    `json:"name_uk" gorm:"column:name_uk"`
	TicketPrefix      string    `json:"ticket_prefix"`
	LastTicketMinutes int       `json:"last_ticket_minutes"`
	Hours             WeekHours `json:"hours"`
	// PriorityPolicy is how the department's call order weighs priority
	// tickets against the others (queue.CallOrder).
	PriorityPolicy PriorityPolicy `json:"priority_policy"`
	// BookingGraceMinutes is how long after its slot begins a checked-in
	// booking may wait before it goes ahead of everybody, under every policy.
	BookingGraceMinutes int `json:"booking_grace_minutes"`
}

// Department (wydział) has a ticket prefix letter and opening hours.
type Department struct {
	ID       int64 `json:"id"`
	OfficeID int64 `json:"office_id"`
	DepartmentSpec
	Position  int       `json:"-"`
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
	Services  []Service `json:"services,omitempty" gorm:"-"`
}

// ServiceSpec is what an administrator sets on a service.
type ServiceSpec struct {
	DepartmentID        int64  `json:"department_id"`
	Name                string `json:"name"`
	SlotMinutes         int    `json:"slot_minutes"`
	Capacity            int    `json:"capacity"`
	BookingDaysAhead    int    `json:"booking_days_ahead"`
	LeadMinutes         int    `json:"lead_minutes"`
	CheckinEarlyMinutes int    `json:"checkin_early_minutes"`
	CheckinGraceMinutes int    `json:"checkin_grace_minutes"`
	MaxActivePerPESEL   int    `json:"max_active_per_pesel" gorm:"column:max_active_per_pesel"`
	Description         string `json:"description"`
	Instructions        string `json:"instructions"`
	// The English and Ukrainian name, description and instructions; ""
	// where the Polish text stands in (NameIn, DescriptionIn, InstructionsIn).
	NameEN         string `json:"name_en" gorm:"column:name_en"`
	NameUK         string `json:"name_uk" gorm:"column:name_uk"`
	DescriptionEN  string `json:"description_en" gorm:"column:description_en"`
	DescriptionUK  string `json:"description_uk" gorm:"column:description_uk"`
	InstructionsEN string `json:"instructions_en" gorm:"column:instructions_en"`
	InstructionsUK string `json:"instructions_uk" gorm:"column:instructions_uk"`
	// Keywords are the words residents search this matter by besides its
	// names ("meldunek, wymeldowanie"), in any language, separated by
	// commas or spaces.
	Keywords string `json:"keywords"`
	// ConfirmMinutes, above 0, makes a new booking pending, its seat held
	// this long until the resident confirms it by e-mail (0: off).
	ConfirmMinutes int `json:"confirm_minutes"`
	// OfferMinutes is how long a seat offered to the first on the day's
	// waitlist stays held for them to accept (default 30).
	OfferMinutes int `json:"offer_minutes"`
	// ProofOfWork asks whoever books, cancels by day or looks a booking
	// of this matter up by its code to solve a proof-of-work challenge
	// first (ratelimit/proof): a browser does it unseen, a bot pays for
	// every try.
	ProofOfWork bool `json:"proof_of_work"`
	// RemoteTicketsPerDay, above 0, lets residents join today's queue of
	// this matter from their phones (the remote queue), at most this many
	// a day; 0: off.
	RemoteTicketsPerDay int `json:"remote_tickets_per_day"`
	// RemoteArrivalRequired keeps a remote ticket from being called until
	// the kiosk has checked it in.
	RemoteArrivalRequired bool `json:"remote_arrival_required"`
	// TicketPrefix is the matter's own ticket letter (1–3 letters A–Z,
	// Warsaw's literaGrupy), nil for its department's prefix. Every matter
	// showing one letter in the office takes its numbers from one stream.
	TicketPrefix *string `json:"ticket_prefix"`
}

// Service is a matter (sprawa) residents book or queue for.
type Service struct {
	ID int64 `json:"id"`
	ServiceSpec
	Position  int       `json:"-"`
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
	// ArchivedAt is when an administrator withdrew the matter (DeleteService
	// on a matter with history); nil while it is offered.
	ArchivedAt *time.Time `json:"-"`
}

// Archived reports whether the matter has been withdrawn: it is kept for
// the records that name it (bookings, tickets, statistics, notices), but
// nothing new is booked, issued, transferred to or served for it.
func (s *Service) Archived() bool { return s.ArchivedAt != nil }

// Letter is the letter the matter's tickets are numbered with: its own
// ticket prefix when set, else dep's (dep is the matter's department).
func (s *Service) Letter(dep *Department) string {
	if s.TicketPrefix != nil && *s.TicketPrefix != "" {
		return *s.TicketPrefix
	}
	return dep.TicketPrefix
}

// ClosureSpec is what an administrator sets on a closure. A nil DepartmentID
// closes the whole office. EndsOn equals StartsOn for a single day.
type ClosureSpec struct {
	DepartmentID *int64 `json:"department_id"`
	StartsOn     Date   `json:"starts_on"`
	EndsOn       Date   `json:"ends_on"`
	Reason       string `json:"reason"`
}

// Closure closes the office or one department for a date range, inclusive.
type Closure struct {
	ID       int64 `json:"id"`
	OfficeID int64 `json:"office_id"`
	ClosureSpec
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// CounterSpec is what an administrator sets on a counter.
type CounterSpec struct {
	// DepartmentID is the counter's primary department, always one of
	// DepartmentIDs.
	DepartmentID int64 `json:"department_id"`
	// DepartmentIDs are the departments whose matters the counter may
	// serve (at least one; ascending). Left out, the counter serves
	// DepartmentID's alone.
	DepartmentIDs []int64 `json:"department_ids" gorm:"-"`
	Name          string  `json:"name"`
	// Label is the short form of the name the hall display shows ("4",
	// "Kasa 2"), at most MaxCounterLabel characters; empty: the name.
	Label      string  `json:"label"`
	ServiceIDs []int64 `json:"service_ids" gorm:"-"`
}

// Shown is what the hall display shows for the counter: its label, or its
// name when it has none.
func (s CounterSpec) Shown() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Name
}

// Counter (stanowisko) is where a clerk serves a set of services.
type Counter struct {
	ID int64 `json:"id"`
	CounterSpec
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// Span is a half-open interval of instants [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}
