package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// Store makes, finds and changes bookings. Every changing method owns its
// transaction; taking a seat goes through one path (take) that serialises
// the bookings whose spans overlap (seats.go).
type Store struct {
	db       *gorm.DB
	clock    okienko.Clock
	offices  *office.Store
	peselKey []byte
	perEmail int // the most upcoming bookings one e-mail address may hold
	// admit bounds the bookings being made at once (Book): a storm of them
	// queues here rather than for the database's connections, which the
	// outbox, the kiosks and the staff's pages need meanwhile.
	admit chan struct{}
	// created, when set, hears of every booking made (OnCreated).
	created func(via string)
}

// Ways a booking was made, told to the OnCreated hook.
const (
	ViaResident = "resident" // the resident booked (site, API)
	ViaStaff    = "staff"    // a clerk booked for a caller (Request.ForCaller)
	ViaWaitlist = "waitlist" // a resident accepted a waitlist offer
)

// OnCreated sets fn to hear, after commit, of every booking made by Book
// or AcceptOffer, with the way it was made (ViaResident, ViaStaff,
// ViaWaitlist); a reschedule is not a new booking. For counting: fn must
// be quick and must not call the store.
func (s *Store) OnCreated(fn func(via string)) { s.created = fn }

// told tells the OnCreated hook, if any, of a booking made via.
func (s *Store) told(via string) {
	if s.created != nil {
		s.created(via)
	}
}

// Bookings made at once (Store.Book) unless SetConcurrency says otherwise:
// SQLite writes one at a time on its one connection; PostgreSQL's pool has
// 20 connections, of which four may book, so the outbox, the kiosks and the
// staff's pages find one free (docs/BENCHMARKS.md: 8 made the outbox's
// e-mails later and, with seat locks per slot, bookings no faster).
const (
	DefaultConcurrencySQLite   = 4
	DefaultConcurrencyPostgres = 4
)

// DefaultMaxActivePerEmail is how many upcoming bookings one e-mail address
// may hold unless SetMaxActivePerEmail says otherwise: a family booking
// for its members with one address, not a hoarder with one mailbox.
const DefaultMaxActivePerEmail = 6

// NewStore returns a Store. secret is the server secret; the key for PESEL
// look-ups is derived from it, so a PESEL is only ever stored as an HMAC.
func NewStore(db *gorm.DB, clock okienko.Clock, offices *office.Store, secret string) *Store {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("okienko/pesel/v1"))
	n := DefaultConcurrencySQLite
	if db.Dialector.Name() == "postgres" {
		n = DefaultConcurrencyPostgres
	}
	return &Store{db: database.OnClock(db, clock), clock: clock, offices: offices, peselKey: m.Sum(nil), perEmail: DefaultMaxActivePerEmail,
		admit: make(chan struct{}, n)}
}

// Taking reports whether bookings are being made at this moment (Book):
// what the outbox leaves the messages of bookings just made for.
func (s *Store) Taking() bool { return len(s.admit) > 0 }

// SetConcurrency sets how many bookings are made at once (at least 1); the
// others wait their turn. Call it before the store is used.
func (s *Store) SetConcurrency(n int) { s.admit = make(chan struct{}, max(n, 1)) }

// SetMaxActivePerEmail sets how many upcoming bookings one e-mail address
// (as EmailKey sees it) may hold, at least 1; call it before the Store is
// used.
func (s *Store) SetMaxActivePerEmail(n int) { s.perEmail = max(n, 1) }

func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// Request is what a resident submits to book a visit.
type Request struct {
	ServiceID int64
	// ServiceIDs, instead of ServiceID, books a visit of several matters
	// (2 to MaxMatters, one department) one after another from Start.
	ServiceIDs []int64
	Start      time.Time
	Name       string
	PESEL      string
	Email      string
	Phone      string // optional
	Consent    bool
	Lang       string // pl, en or uk; default pl
	// ClientAddr is the address the request came from (the server's
	// reading, not the resident's word); empty when unknown.
	ClientAddr string
	// ForCaller marks a booking a clerk makes for a resident who phoned in
	// (the clerk is the actor in ctx): the e-mail is optional when a phone
	// is given (one of the two is required), the booking is booked at once
	// even for a matter with confirm_minutes (the clerk heard the caller
	// agree; there is no e-mail link to wait for), ClientAddr is not kept
	// (the office's address says nothing of the caller), and the clerk is
	// recorded in the audit log. The resident's limits (per PESEL, per
	// e-mail address) hold as for any booking.
	ForCaller bool
	// PESELVerified marks a PESEL that the server itself read from the
	// national trusted profile's assertion (auth/trusted), never one typed
	// into a form: the booking keeps it as pesel_verified.
	PESELVerified bool
}

// AuditBookForCaller is the audit action of a booking a clerk made for a
// caller (Request.ForCaller).
const AuditBookForCaller = "book_for_caller"

// validated is a Request with every field checked and normalised.
type validated struct {
	Request
	pesel PESEL
}

func (s *Store) validate(r Request) (*validated, error) {
	fe := okienko.FieldErrors{}
	v := &validated{Request: r}
	if r.ForCaller {
		v.ClientAddr = ""
	}
	var err error
	if r.ServiceIDs != nil {
		validateMatters(r, fe)
	} else if r.ServiceID <= 0 {
		fe.Add("service_id", "required")
	}
	if r.Start.IsZero() {
		fe.Add("start", "required: the start time of a free slot, RFC 3339 with offset")
	} else if !office.DateOf(r.Start.UTC()).InBounds() {
		fe.Add("start", office.BoundsMessage)
	}
	if v.Name, err = NormalizeName(r.Name); err != nil {
		fe.Add("name", err.Error())
	}
	if v.pesel, err = ParsePESEL(r.PESEL); err != nil {
		fe.Add("pesel", err.Error())
	} else if v.pesel.BirthDate().After(s.now()) {
		fe.Add("pesel", "the birth date encoded in it lies in the future")
	}
	switch {
	case r.ForCaller && strings.TrimSpace(r.Email) == "" && strings.TrimSpace(r.Phone) == "":
		fe.Add("phone", "required: give the caller's phone number or e-mail address")
		fe.Add("email", "required: give the caller's e-mail address or phone number")
	case r.ForCaller && strings.TrimSpace(r.Email) == "":
		v.Email = "" // a phone alone reaches the caller
	default:
		if v.Email, err = NormalizeEmail(r.Email); err != nil {
			fe.Add("email", err.Error())
		}
	}
	if strings.TrimSpace(r.Phone) != "" {
		if v.Phone, err = NormalizePhone(r.Phone); err != nil {
			fe.Add("phone", err.Error())
		}
	}
	if !r.Consent {
		fe.Add("consent", "consent to the processing of personal data is required to book")
	}
	switch r.Lang {
	case "":
		v.Lang = "pl"
	case "pl", "en", "uk":
	default:
		fe.Add("lang", "must be pl, en or uk")
	}
	return v, fe.Err()
}

// Book books the slot starting at r.Start for the resident and returns the
// booking with its new confirmation code; with r.ServiceIDs, a visit of
// several matters one after another from r.Start, all or none (visit.go),
// with EINVALID naming service_ids or service_ids[i] for a matter that
// can't be in it. EINVALID naming the field for bad
// input, an unknown service, or a start that isn't a bookable slot (past,
// off the grid, outside the window, holiday, closure, closed weekday);
// ECONFLICT when the slot is full or the resident's limits are reached.
func (s *Store) Book(ctx context.Context, r Request) (*Booking, error) {
	v, err := s.validate(r)
	if err != nil {
		return nil, err
	}
	select {
	case s.admit <- struct{}{}:
		defer func() { <-s.admit }()
	case <-ctx.Done():
		return nil, okienko.Internal(ctx.Err())
	}
	var b *Booking
	if v.ServiceIDs != nil {
		b, err = s.takeVisit(ctx, v)
	} else {
		b, err = s.take(ctx, v, nil)
	}
	if err == nil {
		via := ViaResident
		if r.ForCaller {
			via = ViaStaff
		}
		s.told(via)
	}
	return b, err
}

// takeAttempts bounds how often take starts its transaction again: after a
// code taken meanwhile by another booking (the unique index refuses it) or
// a slot that changed (its length) between choosing the locks and taking
// them.
const takeAttempts = 5

// slotChanged is what a take transaction answers when the slot it found
// under its locks is not covered by them: the service's slot length changed
// meanwhile. The transaction rolls back and take starts again with slot's.
type slotChanged struct{ slot Slot }

func (e *slotChanged) Error() string { return "the slot changed while its seats were being locked" }

// take is the one seat-taking path. It first reads, without locks, whether
// v's start is a bookable slot with a free seat (in a rush for the last
// seats most requests end here) and which cells its span touches. Then, in
// one transaction, it takes the locks of those seat cells, the resident's
// and the e-mail address's (lockSeats), reads the service's seat settings
// past any cache, checks the slot again, counts the live bookings
// overlapping its span against the capacity and the resident's limits (one
// statement), and inserts. With moving (a booking of v's service and
// PESEL) it moves that booking instead (Reschedule): read again under the
// locks, its own seat not counted against the new slot nor itself against
// the limits, the new seat taken and the old freed in the same transaction.
func (s *Store) take(ctx context.Context, v *validated, moving *Booking) (*Booking, error) {
	pre, err := s.bookable(ctx, s.db, v, moving, false)
	if err != nil {
		return nil, err
	}
	slot := pre.slot
	var out *Booking
	for attempt := 1; ; attempt++ {
		out, err = s.takeOnce(ctx, v, moving, slot)
		var changed *slotChanged
		if err != nil && attempt < takeAttempts {
			if errors.As(err, &changed) {
				slot = changed.slot
				continue
			}
			// A new code that a live booking already has fails the unique
			// index (nothing looks it up first); on PostgreSQL that aborts
			// the transaction, so the whole take starts again.
			if database.IsUniqueViolation(err) {
				continue
			}
		}
		break
	}
	if err != nil {
		return nil, seatPathError(err)
	}
	return out, nil
}

// seatPathError is the answer of a seat path's transaction that failed
// with err: an okienko.Error as it is, a slot that kept changing as
// ECONFLICT, anything else EINTERNAL.
func seatPathError(err error) error {
	var ae *okienko.Error
	var changed *slotChanged
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &changed):
		return okienko.Errorf(okienko.ECONFLICT, "this matter's times are being changed; please try again")
	}
	return okienko.Internal(err)
}

// takeOnce is one transaction of take, holding the locks of the cells of
// want's span: a slotChanged when the slot under the locks isn't covered by
// them.
func (s *Store) takeOnce(ctx context.Context, v *validated, moving *Booking, want Slot) (*Booking, error) {
	var out *Booking
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hash := v.pesel.HMAC(s.peselKey)
		var emailKey string
		if moving == nil && v.Email != "" { // a move keeps the address's count as it is
			emailKey = EmailKey(v.Email)
		}
		locked := cellsOf(want.Start, want.End)
		if err := lockSeats(tx, v.ServiceID, locked, hash, emailKey); err != nil {
			return err
		}
		var self int64 // the moved booking, not counted against the limits
		if moving != nil {
			var err error
			if moving, err = s.reread(tx, moving, hash, s.now()); err != nil {
				return err
			}
			self = moving.ID
		}
		c, n, err := s.claim(ctx, tx, v, moving, locked, seatQuery{PESEL: hash, Self: self, EmailKey: emailKey})
		if err != nil {
			return err
		}
		slot, day := c.slot, c.slotDay
		if err := activeLimit(n, c.svc.MaxActivePerPESEL); err != nil {
			return err
		}
		if moving != nil {
			out, err = s.move(ctx, tx, moving, slot, day, c.now)
			return err
		}
		if err := s.emailLimit(n); err != nil {
			return err
		}
		out, err = s.create(ctx, tx, v, c, hash, emailKey, nil)
		return err
	})
	return out, err
}

// activeLimit refuses (ECONFLICT) a resident whose upcoming bookings n
// counts reach most.
func activeLimit(n seatCounts, most int) error {
	if int(n.Active) >= most {
		return okienko.Errorf(okienko.ECONFLICT, "this PESEL already has %d upcoming bookings, the most allowed; cancel one to book another", n.Active)
	}
	return nil
}

// emailLimit refuses (ECONFLICT naming email) an e-mail address whose
// upcoming bookings n counts reach the store's limit.
func (s *Store) emailLimit(n seatCounts) error {
	if int(n.ByEmail) >= s.perEmail {
		msg := fmt.Sprintf("this e-mail address already has %d upcoming bookings, the most allowed; cancel one or give another address", n.ByEmail)
		return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"email": msg}}
	}
	return nil
}

// create inserts, on the seat path's transaction tx after its checks, the
// booking of v for the slot of c with a new code, its seats (of items, the
// matters of a visit of several, when not nil: c is then the first's), its
// event and its first message.
func (s *Store) create(ctx context.Context, tx *gorm.DB, v *validated, c *slotCalendar, hash, emailKey string, items []Item) (*Booking, error) {
	slot, day := c.slot, c.slotDay
	// No look-up for a free code: the unique index on live codes
	// refuses a collision and take starts again.
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	last4 := v.pesel.Last4()
	b := &Booking{
		Code: code, ServiceID: v.ServiceID, Day: day, StartsAt: slot.Start, EndsAt: slot.End, Status: StatusBooked,
		Name: &v.Name, PESELHMAC: &hash, PESELLast4: &last4, Lang: v.Lang,
		ConsentAt: c.now, CreatedAt: c.now, UpdatedAt: c.now, PESELVerified: v.PESELVerified,
		Matters: len(items),
	}
	if v.Email != "" {
		b.Email, b.EmailKey = &v.Email, &emailKey
	}
	if v.Phone != "" {
		b.Phone = &v.Phone
	}
	if c.svc.ConfirmMinutes > 0 && !v.ForCaller {
		s.hold(b, c.now, c.svc.ConfirmMinutes)
	}
	s.recordSignals(b, v)
	if err := tx.Create(b).Error; err != nil {
		return nil, err
	}
	evt := map[string]any{"service_id": b.ServiceID, "start": b.StartsAt, "status": b.Status}
	if len(items) > 0 {
		for i := range items {
			items[i].BookingID, items[i].Position = b.ID, i
		}
		if err := tx.Create(&items).Error; err != nil {
			return nil, err
		}
		b.Items = items
		evt["service_ids"] = v.ServiceIDs
	}
	if v.ForCaller {
		rec := map[string]any{
			"code": FormatCode(b.Code), "service_id": b.ServiceID, "start": b.StartsAt, "status": b.Status,
			"pesel_last4": last4, "email_given": b.Email != nil, "phone_given": b.Phone != nil,
		}
		if len(items) > 0 {
			rec["service_ids"] = v.ServiceIDs
		}
		if err := audit.Record(ctx, tx, c.now, AuditBookForCaller, "booking", b.ID, nil, rec); err != nil {
			return nil, err
		}
	}
	if b.Status == StatusBooked {
		if err := addLoad(tx, b, +1); err != nil {
			return nil, err
		}
	}
	if err := event.Record(ctx, tx, c.now, EventCreated, "booking", b.ID, evt); err != nil {
		return nil, err
	}
	if b.Status == StatusPending {
		return b, outbox.EnqueueBooking(ctx, tx, c.now, b.ID, b.Lang, outbox.ConfirmRequest, outbox.Reach{Email: true}, nil)
	}
	return b, outbox.EnqueueBooking(ctx, tx, c.now, b.ID, b.Lang, outbox.Confirmation, reachOf(b), nil)
}

// claim is the seat path's check of one seat, on the seat path's
// transaction tx under the locks of the cells locked: v's start is a
// bookable slot of v's matter (its settings read past any cache) whose
// cells locked covers (else a slotChanged), with a free seat (else errFull,
// the seat of moving not counted), and the resident of lim.PESEL holds no
// other booking of that matter that day (ECONFLICT). It answers the slot's
// calendar and the counts of lim (the resident's, the e-mail address's)
// for the caller's limits.
func (s *Store) claim(ctx context.Context, tx *gorm.DB, v *validated, moving *Booking, locked cells, lim seatQuery) (*slotCalendar, seatCounts, error) {
	c, err := s.bookable(ctx, tx, v, moving, true)
	if err != nil {
		return nil, seatCounts{}, err
	}
	slot, day := c.slot, c.slotDay
	if !locked.covers(cellsOf(slot.Start, slot.End)) {
		return nil, seatCounts{}, &slotChanged{slot: slot}
	}
	lim.Seats, lim.ServiceID, lim.Start, lim.End, lim.Now, lim.Day = true, v.ServiceID, slot.Start, slot.End, c.now, day
	n, err := countSeats(ctx, tx, lim)
	if err != nil {
		return nil, n, err
	}
	if c.svc.Capacity-seatsTaken(n, slot, moving) <= 0 {
		return nil, n, errFull
	}
	if n.SameDay > 0 {
		return nil, n, okienko.Errorf(okienko.ECONFLICT, "this PESEL already has a booking for this matter on %s", day)
	}
	return c, n, nil
}

// reachOf is how b's messages reach the resident: by e-mail when b has an
// address (a booking a clerk made for a caller may have only a phone), by
// SMS too when it has a phone.
func reachOf(b *Booking) outbox.Reach {
	return outbox.Reach{Email: b.Email != nil, SMS: b.Phone != nil}
}

// newCode draws a booking's confirmation code (a variable for the test of
// a collision).
var newCode = NewCode

// errFull refuses a slot without a free seat.
var errFull = okienko.Errorf(okienko.ECONFLICT, "this time is already fully booked; please choose another")

// seatsTaken is the seats n counts in slot's span, less the seat of the
// booking being moved (moving, may be nil) when its span overlaps slot's:
// it stops holding it as it takes the new one.
func seatsTaken(n seatCounts, slot Slot, moving *Booking) int {
	taken := int(n.Load + n.Held)
	if moving != nil && moving.Status == StatusBooked && moving.StartsAt.Before(slot.End) && moving.EndsAt.After(slot.Start) {
		taken--
	}
	return taken
}

// slotCalendar is a calendar with the slot a request asks for.
type slotCalendar struct {
	*calendar
	slot    Slot
	slotDay office.Date
}

// bookable reads, on db, whether v's start is a bookable slot: EINVALID on
// start (or service_id) saying why not. With moving, that booking's own
// time is no slot to move to. Unlocked (the check before the seat path's
// locks) it also counts the slot's seats: ECONFLICT when full. Locked (on
// the seat path's transaction, under its locks) it reads the service past
// any cache and leaves the counting to the caller.
func (s *Store) bookable(ctx context.Context, db *gorm.DB, v *validated, moving *Booking, locked bool) (*slotCalendar, error) {
	c, err := s.dayCalendar(ctx, db, v.ServiceID, v.Start, locked)
	if err != nil {
		return nil, err
	}
	slot, err := c.check(v.Start.UTC())
	if err != nil {
		return nil, err
	}
	if moving != nil && slot.Start.Equal(moving.StartsAt) {
		return nil, okienko.Invalid("start", "this is already the time of the visit; choose another")
	}
	if !locked {
		n, err := countSeats(ctx, db, seatQuery{Seats: true, ServiceID: v.ServiceID, Start: slot.Start, End: slot.End, Now: c.now})
		if err != nil {
			return nil, okienko.Internal(err)
		}
		if slot.Free = max(c.svc.Capacity-seatsTaken(n, slot, moving), 0); slot.Free == 0 {
			return nil, errFull
		}
	}
	return &slotCalendar{calendar: c, slot: slot, slotDay: office.DateOf(slot.Start.In(c.loc))}, nil
}

// addLoad counts b's span as held by one more live booking (delta +1) or one
// fewer (delta -1), in the transaction that makes b live or releases it;
// for a visit of several matters, each matter's span.
func addLoad(tx *gorm.DB, b *Booking, delta int) error {
	if err := loadItems(tx, b); err != nil {
		return err
	}
	for _, it := range b.Spans() {
		if err := addSpanLoad(tx, it, delta); err != nil {
			return err
		}
	}
	return nil
}

func addSpanLoad(tx *gorm.DB, it Item, delta int) error {
	if delta > 0 {
		return tx.Exec(`INSERT INTO booking_load (service_id, starts_at, ends_at, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (service_id, starts_at, ends_at) DO UPDATE SET n = booking_load.n + excluded.n`,
			it.ServiceID, it.StartsAt.UTC(), it.EndsAt.UTC(), delta).Error
	}
	res := tx.Exec(`UPDATE booking_load SET n = n + ? WHERE service_id = ? AND starts_at = ? AND ends_at = ?`,
		delta, it.ServiceID, it.StartsAt.UTC(), it.EndsAt.UTC())
	if res.Error == nil && res.RowsAffected != 1 {
		return fmt.Errorf("booking_load has no span %v–%v of service %d", it.StartsAt, it.EndsAt, it.ServiceID)
	}
	return res.Error
}

// RebuildLoad recounts booking_load from the bookings themselves, for
// repairs and after bulk imports. It returns how many spans it holds.
func (s *Store) RebuildLoad(ctx context.Context) (int64, error) {
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM booking_load").Error; err != nil {
			return err
		}
		res := tx.Exec(`INSERT INTO booking_load (service_id, starts_at, ends_at, n)
			SELECT service_id, starts_at, ends_at, count(*) FROM (
				SELECT service_id, starts_at, ends_at FROM bookings WHERE status IN ? AND matters = 0
				UNION ALL
				SELECT i.service_id, i.starts_at, i.ends_at FROM booking_items i JOIN bookings b ON b.id = i.booking_id
				WHERE b.status IN ? AND b.matters > 0
			) spans GROUP BY service_id, starts_at, ends_at`, liveStatuses, liveStatuses)
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

func (s *Store) location(ctx context.Context, db *gorm.DB) (*time.Location, error) {
	off, err := s.offices.WithTx(db).Office(ctx)
	if err != nil {
		return nil, err
	}
	return off.Location(), nil
}

// errNoBooking is the one answer for an unknown code and a wrong PESEL, so
// the API is no oracle for either.
var errNoBooking = okienko.Errorf(okienko.ENOTFOUND, "no booking matches this code and PESEL")

// Get returns the booking with code (with or without the dash, any case):
// the live one, else the newest. EINVALID for a malformed code; ENOTFOUND.
func (s *Store) Get(ctx context.Context, code string) (*Booking, error) {
	c, err := ParseCode(code)
	if err != nil {
		return nil, okienko.Invalid("code", err.Error())
	}
	return byCode(s.db.WithContext(ctx), c)
}

func byCode(db *gorm.DB, code string) (*Booking, error) {
	var b Booking
	err := db.Where("code = ?", code).Order("CASE WHEN status IN ('pending','booked','checked_in') THEN 0 ELSE 1 END, id DESC").First(&b).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no booking with code %s", FormatCode(code))
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	if err := loadItems(db, &b); err != nil {
		return nil, okienko.Internal(err)
	}
	return &b, nil
}

// CancelByCode cancels the booking with code if pesel is the one it was made
// with. The same ENOTFOUND answers an unknown code and a wrong PESEL.
// EINVALID for a malformed code or PESEL; ECONFLICT when the visit has begun,
// was checked in, or is already cancelled.
func (s *Store) CancelByCode(ctx context.Context, code, pesel string) (*Booking, error) {
	fe := okienko.FieldErrors{}
	c, err := ParseCode(code)
	if err != nil {
		fe.Add("code", err.Error())
	}
	p, err := ParsePESEL(pesel)
	if err != nil {
		fe.Add("pesel", err.Error())
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash := p.HMAC(s.peselKey)
	var out *Booking
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		b, err := byCode(tx, c)
		if err != nil {
			return errNoBooking
		}
		if b.PESELHMAC == nil || subtle.ConstantTimeCompare([]byte(*b.PESELHMAC), []byte(hash)) != 1 {
			return errNoBooking
		}
		out, err = s.cancel(ctx, tx, b, StatusCancelled, ReasonResident, "")
		return err
	})
	return out, err
}

// CancelByDay cancels the resident's booking for a service on an office day,
// found by PESEL, as residents are used to (a visit of several matters, the
// whole visit, by any of its matters). ENOTFOUND when there is none;
// EINVALID for a malformed PESEL; ECONFLICT as CancelByCode.
func (s *Store) CancelByDay(ctx context.Context, pesel string, serviceID int64, day office.Date) (*Booking, error) {
	fe := okienko.FieldErrors{}
	p, err := ParsePESEL(pesel)
	if err != nil {
		fe.Add("pesel", err.Error())
	}
	if serviceID <= 0 {
		fe.Add("service_id", "required")
	}
	if day.IsZero() {
		fe.Add("date", "required")
	} else if !day.InBounds() {
		fe.Add("date", office.BoundsMessage)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash := p.HMAC(s.peselKey)
	var out *Booking
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		var b Booking
		err := tx.Where("pesel_hmac = ? AND day = ?", hash, day).
			Where(ofMatter(serviceID)).
			Where(holdingSeat(s.now())).
			Order("starts_at").First(&b).Error
		if database.IsNotFound(err) {
			return okienko.Errorf(okienko.ENOTFOUND, "no booking for this PESEL, matter and day")
		}
		if err != nil {
			return err
		}
		out, err = s.cancel(ctx, tx, &b, StatusCancelled, ReasonResident, "")
		return err
	})
	return out, err
}

// Cancel cancels a booking by id for the office (a closure, an
// administrator), with reason (a Reason… word) and note, the office's words
// to the resident on why (may be empty), which the booking keeps and its
// cancellation message and page show. ENOTFOUND; ECONFLICT as CancelByCode.
func (s *Store) Cancel(ctx context.Context, id int64, reason, note string) (*Booking, error) {
	var out *Booking
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var b Booking
		if err := tx.First(&b, id).Error; err != nil {
			if database.IsNotFound(err) {
				return okienko.Errorf(okienko.ENOTFOUND, "booking %d not found", id)
			}
			return err
		}
		var err error
		out, err = s.cancel(ctx, tx, &b, StatusCancelled, reason, note)
		return err
	})
	return out, err
}

// cancel moves a booked booking to status (cancelled or cancelled_late) on tx
// with reason and note, records the event and queues the cancellation
// messages. Only before the slot starts, unless for lateness.
func (s *Store) cancel(ctx context.Context, tx *gorm.DB, b *Booking, status, reason, note string) (*Booking, error) {
	now := s.now()
	switch {
	case b.Status == StatusCheckedIn:
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking has been checked in and can no longer be cancelled")
	case b.Status == StatusExpired:
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking was not confirmed in time and has expired")
	case b.Status != StatusBooked && b.Status != StatusPending:
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking is already cancelled")
	case status == StatusCancelled && !now.Before(b.StartsAt):
		return nil, okienko.Errorf(okienko.ECONFLICT, "the visit has already begun; it can no longer be cancelled")
	}
	// The seat path's locks of b's cells, first on tx: the seat freed is
	// offered to the waitlist under them (offerFreed).
	if err := loadItems(tx, b); err != nil {
		return nil, err
	}
	if err := lockSpans(tx, spanCells(b), "", ""); err != nil {
		return nil, err
	}
	// Unchanged since read: a move committed meanwhile (Reschedule) took
	// another span's seat, which b's times would not release.
	res := tx.Model(&Booking{}).Where("id = ? AND status = ? AND starts_at = ?", b.ID, b.Status, b.StartsAt.UTC()).
		Updates(map[string]any{"status": status, "cancelled_at": now, "cancel_reason": reason, "cancel_note": note, "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking changed meanwhile; please try again")
	}
	if b.Status == StatusBooked { // a pending hold is not in booking_load
		if err := addLoad(tx, b, -1); err != nil {
			return nil, err
		}
	}
	typ, kind := EventCancelled, outbox.Cancellation
	if status == StatusCancelledLate {
		typ, kind = EventCancelledLate, outbox.CancellationLate
	}
	if err := event.Record(ctx, tx, now, typ, "booking", b.ID, map[string]any{"service_id": b.ServiceID, "start": b.StartsAt, "reason": reason}); err != nil {
		return nil, err
	}
	data := map[string]any{"reason": reason}
	if note != "" {
		data["note"] = note
	}
	if err := outbox.EnqueueBooking(ctx, tx, now, b.ID, b.Lang, kind, reachOf(b), data); err != nil {
		return nil, err
	}
	if b.Status == StatusPending { // a waitlist offer cancelled by the office ends its entry
		if err := tx.Model(&WaitEntry{}).Where("booking_id = ? AND status = ?", b.ID, WaitOffered).
			Updates(map[string]any{"status": WaitCancelled, "closed_at": now, "updated_at": now}).Error; err != nil {
			return nil, err
		}
	}
	for _, it := range b.Spans() { // each matter's seat freed
		freed := *b
		freed.ServiceID, freed.StartsAt, freed.EndsAt = it.ServiceID, it.StartsAt, it.EndsAt
		if err := s.offerFreed(ctx, tx, &freed); err != nil {
			return nil, err
		}
	}
	b.Status, b.CancelledAt, b.CancelReason, b.CancelNote, b.UpdatedAt = status, &now, reason, note, now
	return b, nil
}

// CheckIn marks the booking with code as arrived, allowed from
// checkin_early_minutes before its start until checkin_grace_minutes after.
// EINVALID for a malformed code; ENOTFOUND; ECONFLICT saying why otherwise
// (too early, too late, cancelled, already checked in).
func (s *Store) CheckIn(ctx context.Context, code string) (*Booking, error) {
	var out *Booking
	err := s.transaction(ctx, func(tx *gorm.DB) (err error) {
		out, err = s.CheckInTx(ctx, tx, code)
		return err
	})
	return out, err
}

// CheckInTx is CheckIn on the caller's transaction, for issuing the
// booking's queue ticket in the same transaction.
func (s *Store) CheckInTx(ctx context.Context, tx *gorm.DB, code string) (*Booking, error) {
	c, err := ParseCode(code)
	if err != nil {
		return nil, okienko.Invalid("code", err.Error())
	}
	b, err := byCode(tx, c)
	if err != nil {
		return nil, err
	}
	switch b.StatusAt(s.now()) {
	case StatusCheckedIn:
		return nil, checkInRefused("checked_in", "this booking is already checked in", "", time.Time{})
	case StatusCancelled, StatusCancelledLate:
		return nil, checkInRefused("cancelled", "this booking was cancelled", "", time.Time{})
	case StatusPending:
		return nil, checkInRefused("pending", "this booking awaits confirmation: confirm it with the link in the e-mail first", "", time.Time{})
	case StatusExpired:
		return nil, checkInRefused("expired", "this booking was not confirmed by e-mail in time and has expired", "", time.Time{})
	}
	svc, err := s.offices.WithTx(tx).Service(ctx, b.ServiceID)
	if err != nil {
		return nil, err
	}
	loc, err := s.location(ctx, tx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	opens := b.StartsAt.Add(-time.Duration(svc.CheckinEarlyMinutes) * time.Minute).In(loc)
	closes := b.StartsAt.Add(time.Duration(svc.CheckinGraceMinutes) * time.Minute).In(loc)
	if now.Before(opens) {
		return nil, checkInRefused("too_early", fmt.Sprintf("too early: check-in for this visit opens at %s on %s", opens.Format("15:04"), office.DateOf(opens)), "opens_at", opens)
	}
	if now.After(closes) {
		return nil, checkInRefused("too_late", fmt.Sprintf("too late: check-in for this visit closed at %s", closes.Format("15:04")), "closed_at", closes)
	}
	res := tx.Model(&Booking{}).Where("id = ? AND status = ?", b.ID, StatusBooked).
		Updates(map[string]any{"status": StatusCheckedIn, "checked_in_at": now, "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking changed meanwhile; please try again")
	}
	b.Status, b.CheckedInAt, b.UpdatedAt = StatusCheckedIn, &now, now
	if err := event.Record(ctx, tx, now, EventCheckedIn, "booking", b.ID, map[string]any{"service_id": b.ServiceID}); err != nil {
		return nil, err
	}
	return b, nil
}

// checkInRefused is the ECONFLICT of a refused check-in, with the reason
// (too_early, too_late, cancelled, checked_in, pending, expired) and, when given, the moment
// that explains it, for kiosks to say it in the visitor's language.
func checkInRefused(reason, msg, atField string, at time.Time) error {
	e := &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"reason": reason}}
	if atField != "" {
		e.Fields[atField] = at.Format(time.RFC3339)
	}
	return e
}

// CancelLate cancels, as resignations, the booked visits not checked in by
// their start plus the service's grace time, releasing their seats, and
// records an event for each so the resident is told. It returns how many.
func (s *Store) CancelLate(ctx context.Context) (int, error) {
	now := s.now()
	type candidate struct {
		ID       int64
		StartsAt time.Time
		Grace    int
	}
	var cands []candidate
	err := s.db.WithContext(ctx).Table("bookings b").
		Select("b.id, b.starts_at, s.checkin_grace_minutes AS grace").
		Joins("JOIN services s ON s.id = b.service_id").
		Where("b.status = ? AND b.starts_at <= ?", StatusBooked, now).
		Order("b.starts_at").Limit(1000).
		Find(&cands).Error
	if err != nil {
		return 0, okienko.Internal(err)
	}
	n := 0
	for _, c := range cands {
		if now.Before(c.StartsAt.Add(time.Duration(c.Grace) * time.Minute)) {
			continue
		}
		err := s.transaction(ctx, func(tx *gorm.DB) error {
			var b Booking
			if err := tx.First(&b, c.ID).Error; err != nil {
				return err
			}
			_, err := s.cancel(ctx, tx, &b, StatusCancelledLate, ReasonLate, "")
			return err
		})
		if okienko.ErrorCode(err) == okienko.ECONFLICT {
			continue // checked in or cancelled meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Erase removes the personal data (name, e-mail, phone, PESEL HMAC, last
// digits and birth-date signature, client address) of bookings whose visit ended more than retention ago, keeping the
// anonymous record for statistics. It returns how many it erased.
func (s *Store) Erase(ctx context.Context, retention time.Duration) (int64, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Booking{}).
		Where("erased_at IS NULL AND ends_at < ? AND status NOT IN ?", now.Add(-retention), []string{StatusBooked, StatusPending}).
		Updates(map[string]any{"name": nil, "email": nil, "email_key": nil, "phone": nil, "pesel_hmac": nil, "pesel_last4": nil,
			"pesel_birth": nil, "client_addr": nil, "client_net": nil, "erased_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}

func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

// ByID returns a booking by id. ENOTFOUND.
func (s *Store) ByID(ctx context.Context, id int64) (*Booking, error) {
	var b Booking
	err := s.db.WithContext(ctx).First(&b, id).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "booking %d not found", id)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	if err := loadItems(s.db.WithContext(ctx), &b); err != nil {
		return nil, okienko.Internal(err)
	}
	return &b, nil
}
