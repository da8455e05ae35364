// Package booking is the booking engine: the slot grid of a service, the
// bookings residents make with their PESEL and a confirmation code,
// cancelling, check-in at the kiosk, the automatic cancellation of late
// arrivals and the erasure of personal data after the visit.
package booking

import (
	"time"

	"github.com/okienko/okienko/office"
)

// Booking states (the API answers these words in "status").
const (
	StatusBooked        = "booked"
	StatusCheckedIn     = "checked_in"
	StatusCancelled     = "cancelled"
	StatusCancelledLate = "cancelled_late"
	// StatusPending is a booking of a matter with confirm_minutes waiting
	// for the resident's e-mail confirmation; its seat is held until
	// ConfirmBy, and it can't be checked in.
	StatusPending = "pending"
	// StatusExpired is a pending booking not confirmed in time; it holds
	// no seat.
	StatusExpired = "expired"
)

// liveStatuses are the states that hold a seat.
var liveStatuses = []string{StatusBooked, StatusCheckedIn}

// Event types recorded for the notifications outbox.
const (
	EventCreated       = "booking.created"
	EventCancelled     = "booking.cancelled"
	EventCancelledLate = "booking.cancelled_late"
	EventCheckedIn     = "booking.checked_in"
	EventConfirmed     = "booking.confirmed"
	EventExpired       = "booking.expired"
	EventRescheduled   = "booking.rescheduled"
)

// Why a booking was cancelled (its CancelReason).
const (
	ReasonResident  = "resident"  // by the resident
	ReasonLate      = "late"      // not checked in on time
	ReasonClosure   = "closure"   // the office or department closed on its day
	ReasonAdmin     = "admin"     // an administrator, e.g. suspecting hoarding
	ReasonWithdrawn = "withdrawn" // the office withdrew the matter
)

// Booking is a resident's visit reserved for a slot of a service. Personal
// fields are nil once erased.
type Booking struct {
	ID         int64       `json:"-"`
	Code       string      `json:"code"`
	ServiceID  int64       `json:"service_id"`
	Day        office.Date `json:"date"`
	StartsAt   time.Time   `json:"start"`
	EndsAt     time.Time   `json:"end"`
	Status     string      `json:"status"`
	Name       *string     `json:"-"`
	Email      *string     `json:"-"`
	EmailKey   *string     `json:"-" gorm:"column:email_key"` // EmailKey(Email), for the limit per address
	Phone      *string     `json:"-"`
	PESELHMAC  *string     `json:"-" gorm:"column:pesel_hmac"`
	PESELLast4 *string     `json:"-" gorm:"column:pesel_last4"`
	PESELBirth *string     `json:"-" gorm:"column:pesel_birth"` // keyed signature of the birth date
	// PESELVerified: the PESEL came from the national trusted profile's
	// assertion (Request.PESELVerified), not from the resident's typing.
	PESELVerified bool       `json:"pesel_verified" gorm:"column:pesel_verified"`
	ClientAddr    *string    `json:"-"` // the address it was booked from
	ClientNet     *string    `json:"-"` // its IPv4 address or IPv6 /64
	Lang          string     `json:"-"`
	ConsentAt     time.Time  `json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"-"`
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	CancelReason  string     `json:"-"` // one of the Reason… words
	CancelNote    string     `json:"-"` // the office's words on why, for the resident
	ErasedAt      *time.Time `json:"-"`
	// ConfirmBy is when a pending booking's hold lapses; ConfirmHash the
	// SHA-256 (hex) of its confirmation token, never the token itself.
	ConfirmBy   *time.Time `json:"confirm_by,omitempty"`
	ConfirmHash *string    `json:"-"`
	// Moves is how many times the booking was moved to another time (its
	// calendar file's SEQUENCE); not a column: Store.Moves or CountMoves
	// fill it from the events.
	Moves int `json:"-" gorm:"-"`
	// Matters is how many matters a visit of several matters has (Items);
	// 0 for a booking of one matter. The booking's own ServiceID, StartsAt
	// and EndsAt are then its first matter's.
	Matters int `json:"-" gorm:"column:matters"`
	// Items are the matters of a visit of several matters in order, filled
	// where Matters > 0 by the store's look-ups; nil for one matter.
	Items []Item `json:"items,omitempty" gorm:"-"`
}

// Item is one matter of a visit of several matters: its service and span.
type Item struct {
	BookingID int64     `json:"-"`
	Position  int       `json:"-"`
	ServiceID int64     `json:"service_id"`
	StartsAt  time.Time `json:"start"`
	EndsAt    time.Time `json:"end"`
}

// TableName is the table of the matters of visits.
func (Item) TableName() string { return "booking_items" }

// Spans is what b holds seats in: its items for a visit of several
// matters, else its own matter and span.
func (b *Booking) Spans() []Item {
	if b.Matters > 0 && len(b.Items) > 0 {
		return b.Items
	}
	return []Item{{BookingID: b.ID, ServiceID: b.ServiceID, StartsAt: b.StartsAt, EndsAt: b.EndsAt}}
}

// TableName is the table of bookings.
func (Booking) TableName() string { return "bookings" }

// Live reports whether the booking holds its seat for good (booked or
// checked in; a pending one holds it only until ConfirmBy).
func (b *Booking) Live() bool { return b.Status == StatusBooked || b.Status == StatusCheckedIn }

// AwaitingConfirmation reports whether b is pending and its hold has not
// lapsed at now.
func (b *Booking) AwaitingConfirmation(now time.Time) bool {
	return b.Status == StatusPending && b.ConfirmBy != nil && now.Before(*b.ConfirmBy)
}

// StatusAt is b's status as it stands at now: a pending booking whose hold
// has lapsed is expired, whether or not the expiry job has marked it yet.
func (b *Booking) StatusAt(now time.Time) string {
	if b.Status == StatusPending && !b.AwaitingConfirmation(now) {
		return StatusExpired
	}
	return b.Status
}

// CancelledByOffice reports whether the office cancelled b (a closure, an
// administrator), not the resident nor the lateness rule.
func (b *Booking) CancelledByOffice() bool {
	return b.Status == StatusCancelled && b.CancelReason != "" && b.CancelReason != ReasonResident
}

// Slot is one time of a service's grid with its free seats.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Free  int       `json:"free"`
}

// Day is one day of a service's booking calendar: the free seats in the
// slots still bookable that day (0 when closed, full or out of the window).
type Day struct {
	Date   office.Date `json:"date"`
	Free   int         `json:"free"`
	Closed string      `json:"closed,omitempty"` // why, for holidays and closures
}
