package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// The waitlist for full days (DESIGN section 12).
//
// A resident joins the list of one matter and one day when that day has no
// free seat. When a seat of that matter and day frees, the first in line
// (lowest id still waiting) is offered it: the offer IS a pending booking
// (as a matter with confirm_minutes makes), held for the matter's
// offer_minutes (never past the slot's start), without a confirmation
// token of its own: only AcceptOffer, with the entry's token, confirms it
// (Confirm refuses it). So the calendar and the seat path count an
// offered seat exactly as any pending hold (seats.go: Held), and a lapsed
// offer frees its seat the moment its deadline passes. Accepting confirms
// that booking (the usual confirmation with the code goes); the
// per-resident limits are counted then, as for any booking.
//
// An offer holds one seat, the first free one of the day when it is made;
// the resident accepts by naming that time (start). Seats are offered:
//   - in the transaction that frees them: a cancellation (by the resident,
//     the office, lateness), an expired hold (ExpirePending: an
//     unconfirmed booking or an unanswered offer, which then passes to the
//     next), an offer declined (CancelWaiting); these take the seat locks
//     of the freed span first, then offer the slots those locks cover;
//   - right after a move (Reschedule) commits, for the span it left, and
//     after an administrator changes a matter (OfferFreeService: a
//     capacity raised, a slot length changed);
//   - by OfferFree, which the "waitlist-offers" job runs every minute,
//     once across instances (the scheduler's database locker): it scans
//     the days that have people waiting for free seats, the net under
//     every path above (a process stopped between a move's commit and its
//     offer, a late arrival's seat no longer bookable, …).
//
// While offered, the held seat counts against the resident's limits like
// any pending booking; at acceptance the limits are counted without it.
//
// Entry states: waiting → offered → booked; waiting|offered → cancelled
// (the resident left); offered → expired (unanswered; the next in line
// gets the seat); waiting → expired (the day passed). The token of the
// links is an HMAC of the entry under the server secret (only its SHA-256
// is stored), so the outbox holds nothing secret.

// Waitlist entry states (the API answers these words in "status").
const (
	WaitWaiting   = "waiting"
	WaitOffered   = "offered"
	WaitBooked    = "booked"
	WaitExpired   = "expired"
	WaitCancelled = "cancelled"
)

// Waitlist events.
const (
	EventWaitJoined    = "waitlist.joined"
	EventWaitOffered   = "waitlist.offered"
	EventWaitAccepted  = "waitlist.accepted"
	EventWaitLapsed    = "waitlist.expired"
	EventWaitCancelled = "waitlist.cancelled"
)

// WaitEntry is one resident on the waitlist of a matter's day. Personal
// fields are nil once erased.
type WaitEntry struct {
	ID         int64       `json:"id"`
	ServiceID  int64       `json:"service_id"`
	Day        office.Date `json:"date"`
	Status     string      `json:"status"`
	Name       *string     `json:"-"`
	Email      *string     `json:"-"`
	EmailKey   *string     `json:"-" gorm:"column:email_key"`
	Phone      *string     `json:"-"`
	PESELHMAC  *string     `json:"-" gorm:"column:pesel_hmac"`
	PESELLast4 *string     `json:"-" gorm:"column:pesel_last4"`
	Lang       string      `json:"-"`
	TokenHash  string      `json:"-"`
	// BookingID is the pending booking that holds the offered seat, and,
	// once accepted, the booking itself.
	BookingID *int64     `json:"-"`
	Offers    int        `json:"-"`
	ConsentAt time.Time  `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"-"`
	ClosedAt  *time.Time `json:"-"`
	ErasedAt  *time.Time `json:"-"`
}

// TableName is the waitlist table.
func (WaitEntry) TableName() string { return "waitlist" }

// WaitRequest is what a resident submits to join a day's waitlist.
type WaitRequest struct {
	ServiceID int64
	Day       office.Date
	Name      string
	PESEL     string
	Email     string
	Phone     string // optional
	Consent   bool
	Lang      string // pl, en or uk; default pl
}

// Offer is a waitlist entry's state for its resident: the held time and
// until when, while offered; the booking's code once accepted.
type Offer struct {
	Entry      *WaitEntry
	Service    *office.Service
	Start, End time.Time  // the held slot (zero unless offered or booked)
	Until      *time.Time // when the hold lapses (offered only)
	Code       string     // the booking's code (booked only)
}

// WaitToken returns the token of e's links (accept, leave): an HMAC of its
// id and creation under a key derived from the server secret, 22
// characters of base64url.
func (s *Store) WaitToken(e *WaitEntry) string {
	m := hmac.New(sha256.New, s.peselKey)
	m.Write([]byte("okienko/waitlist/v1\x00" + strconv.FormatInt(e.ID, 10) + "\x00" + strconv.FormatInt(e.CreatedAt.UTC().UnixMicro(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// errBadWaitToken refuses a waitlist action whose token is not the entry's.
var errBadWaitToken = &okienko.Error{Code: okienko.EFORBIDDEN,
	Message: "this link is not valid for this waitlist entry; open the link from the message exactly as it was sent",
	Fields:  map[string]string{"token": "does not match this waitlist entry"}}

// JoinWaitlist puts the resident on the waitlist of r's matter and day and
// returns the entry (waiting) and the token of its links; the resident gets
// a message with the link to leave the list. EINVALID naming the field for
// bad input, an unknown matter, or a day that is closed or outside the
// booking window (nothing is written); ECONFLICT when the day still has a
// free seat (reason "free"), when the PESEL is already on that day's list
// (reason "already_waiting") or already has a booking of the matter that
// day (reason "booked").
func (s *Store) JoinWaitlist(ctx context.Context, r WaitRequest) (*WaitEntry, string, error) {
	fe := okienko.FieldErrors{}
	var err error
	if r.ServiceID <= 0 {
		fe.Add("service_id", "required")
	}
	if r.Day.IsZero() {
		fe.Add("date", "required: the full day, YYYY-MM-DD")
	} else if !r.Day.InBounds() {
		fe.Add("date", office.BoundsMessage)
	}
	name, err := NormalizeName(r.Name)
	if err != nil {
		fe.Add("name", err.Error())
	}
	p, err := ParsePESEL(r.PESEL)
	if err != nil {
		fe.Add("pesel", err.Error())
	} else if p.BirthDate().After(s.now()) {
		fe.Add("pesel", "the birth date encoded in it lies in the future")
	}
	email, err := NormalizeEmail(r.Email)
	if err != nil {
		fe.Add("email", err.Error())
	}
	var phone string
	if r.Phone != "" {
		if phone, err = NormalizePhone(r.Phone); err != nil {
			fe.Add("phone", err.Error())
		}
	}
	if !r.Consent {
		fe.Add("consent", "consent to the processing of personal data is required to book")
	}
	lang := r.Lang
	switch lang {
	case "":
		lang = "pl"
	case "pl", "en", "uk":
	default:
		fe.Add("lang", "must be pl, en or uk")
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	hash := p.HMAC(s.peselKey)
	var out *WaitEntry
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		c, err := s.loadCalendar(ctx, tx, r.ServiceID, r.Day, r.Day)
		if okienko.ErrorCode(err) == okienko.ENOTFOUND {
			return okienko.Invalid("service_id", fmt.Sprintf("there is no matter with id %d", r.ServiceID))
		}
		if err != nil {
			return err
		}
		od := c.days[0]
		switch {
		case !c.inWindow(r.Day):
			return okienko.Invalid("date", fmt.Sprintf("the waitlist is open for the days that can be booked: from %s to %s", c.today(), c.lastDay()))
		case od.Closed != "":
			return okienko.Invalid("date", "the office is closed on "+r.Day.String()+": "+od.Closed)
		}
		slots := c.bookable(od)
		if len(slots) == 0 {
			return okienko.Invalid("date", "this matter has no times left to book on "+r.Day.String())
		}
		for _, sl := range slots {
			if sl.Free > 0 {
				return &okienko.Error{Code: okienko.ECONFLICT, Message: "this day still has free times; book one of them instead",
					Fields: map[string]string{"reason": "free"}}
			}
		}
		n, err := countSeats(ctx, tx, seatQuery{PESEL: hash, ServiceID: r.ServiceID, Day: r.Day, Now: c.now})
		if err != nil {
			return err
		}
		if n.SameDay > 0 {
			return &okienko.Error{Code: okienko.ECONFLICT, Message: "this PESEL already has a booking for this matter on " + r.Day.String(),
				Fields: map[string]string{"reason": "booked"}}
		}
		var dup int64
		if err := tx.Model(&WaitEntry{}).Where("service_id = ? AND day = ? AND pesel_hmac = ? AND status IN ?",
			r.ServiceID, r.Day, hash, []string{WaitWaiting, WaitOffered}).Count(&dup).Error; err != nil {
			return err
		}
		if dup > 0 {
			return errAlreadyWaiting
		}
		key, last4 := EmailKey(email), p.Last4()
		e := &WaitEntry{ServiceID: r.ServiceID, Day: r.Day, Status: WaitWaiting, Name: &name, Email: &email, EmailKey: &key,
			PESELHMAC: &hash, PESELLast4: &last4, Lang: lang, ConsentAt: c.now, CreatedAt: c.now, UpdatedAt: c.now}
		if phone != "" {
			e.Phone = &phone
		}
		if err := tx.Create(e).Error; err != nil {
			if database.IsUniqueViolation(err) {
				return errAlreadyWaiting
			}
			return err
		}
		e.TokenHash = hashToken(s.WaitToken(e))
		if err := tx.Model(e).Update("token_hash", e.TokenHash).Error; err != nil {
			return err
		}
		if err := event.Record(ctx, tx, c.now, EventWaitJoined, "waitlist", e.ID, map[string]any{"service_id": e.ServiceID, "date": e.Day}); err != nil {
			return err
		}
		if err := enqueueWait(ctx, tx, c.now, e, outbox.WaitlistJoined, outbox.WaitlistJoined, nil); err != nil {
			return err
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, s.WaitToken(out), nil
}

var errAlreadyWaiting = &okienko.Error{Code: okienko.ECONFLICT, Message: "this PESEL is already on the waitlist of this matter for this day",
	Fields: map[string]string{"reason": "already_waiting"}}

// enqueueWait queues e's message of kind (key keyKind) by e-mail and, when
// e has a phone, by SMS, on tx.
func enqueueWait(ctx context.Context, tx *gorm.DB, now time.Time, e *WaitEntry, kind, keyKind string, data any) error {
	channels := []string{outbox.Email}
	if e.Phone != nil {
		channels = append(channels, outbox.SMS)
	}
	for _, ch := range channels {
		id := e.ID
		if _, err := outbox.Enqueue(ctx, tx, now, outbox.Message{Key: outbox.WaitlistKey(e.ID, keyKind, ch), Channel: ch, Kind: kind,
			Lang: e.Lang, WaitlistID: &id}, data); err != nil {
			return err
		}
	}
	return nil
}

// offerLocked offers, on tx that holds the seat path's locks of cells
// locked of service serviceID, the free seats of the slots of day those
// locks cover to the first in that day's line, one seat each, until the
// seats or the line run out. It returns how many offers it made. Slots no
// longer bookable (past, closed, off the window) are not offered.
func (s *Store) offerLocked(ctx context.Context, tx *gorm.DB, serviceID int64, day office.Date, locked cells) (int, error) {
	var waiting int64
	if err := tx.Model(&WaitEntry{}).Where("service_id = ? AND day = ? AND status = ?", serviceID, day, WaitWaiting).
		Count(&waiting).Error; err != nil || waiting == 0 {
		return 0, err
	}
	c, err := s.loadCalendar(ctx, tx, serviceID, day, day)
	if okienko.ErrorCode(err) == okienko.ENOTFOUND {
		return 0, nil // the matter is gone
	}
	if err != nil {
		return 0, err
	}
	if err := lockLine(tx, serviceID, day); err != nil {
		return 0, err
	}
	made := 0
	for _, sl := range c.bookable(c.days[0]) {
		if !locked.covers(cellsOf(sl.Start, sl.End)) {
			continue
		}
		n, err := countSeats(ctx, tx, seatQuery{Seats: true, ServiceID: serviceID, Start: sl.Start, End: sl.End, Now: c.now})
		if err != nil {
			return made, err
		}
		for free := c.svc.Capacity - int(n.Load+n.Held); free > 0; {
			var e WaitEntry
			err := tx.Where("service_id = ? AND day = ? AND status = ?", serviceID, day, WaitWaiting).Order("id").Take(&e).Error
			if database.IsNotFound(err) {
				return made, nil
			}
			if err != nil {
				return made, err
			}
			ok, err := s.offer(ctx, tx, &e, c.svc, sl, c.now)
			if err != nil {
				return made, err
			}
			if ok { // else the resident left meanwhile: the next in line
				made++
				free--
			}
		}
	}
	return made, nil
}

// lineLockClass is the first key of the PostgreSQL advisory locks that
// serialise the offers of one matter's day ("okwl"): two seats of one day
// freed in different cells (not serialised by the seat locks) must not
// both offer to the same first in line.
const lineLockClass = 0x6f6b776c

// lockLine takes, until tx ends, the lock of the waitlist of serviceID's
// day: after the seat cells' locks (the global order), before any offer
// is made. Nothing holding it waits for a seat lock. A no-op on SQLite.
func lockLine(tx *gorm.DB, serviceID int64, day office.Date) error {
	if database.Dialect(tx) != database.Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(?, ?)", lineLockClass, lockHash(fmt.Sprintf("%d/%s", serviceID, day))).Error
}

// offer holds slot for entry e on tx (under the slot's seat locks and the
// day's line lock): a pending booking with e's details, held for the
// matter's offer_minutes but never past the slot's start, confirmable
// with e's token; e becomes offered and its resident is sent the offer.
// It reports false, writing nothing, when e is no longer waiting (the
// resident left meanwhile).
func (s *Store) offer(ctx context.Context, tx *gorm.DB, e *WaitEntry, svc *office.Service, slot Slot, now time.Time) (bool, error) {
	minutes := svc.OfferMinutes
	if minutes <= 0 {
		minutes = office.DefaultServiceSpec().OfferMinutes
	}
	by := now.Add(time.Duration(minutes) * time.Minute)
	if slot.Start.Before(by) {
		by = slot.Start
	}
	// A code no live booking has (looked up: a collision refused by the
	// unique index would abort the freeing transaction on PostgreSQL).
	var code string
	for attempt := 1; ; attempt++ {
		var err error
		if code, err = newCode(); err != nil {
			return false, err
		}
		var n int64
		if err := tx.Model(&Booking{}).Where("code = ? AND status IN ?", code, codeStatuses).Count(&n).Error; err != nil {
			return false, err
		}
		if n == 0 {
			break
		}
		if attempt == takeAttempts {
			return false, fmt.Errorf("no free booking code in %d draws", attempt)
		}
	}
	res := tx.Model(&WaitEntry{}).Where("id = ? AND status = ?", e.ID, WaitWaiting).
		Updates(map[string]any{"status": WaitOffered, "offers": e.Offers + 1, "updated_at": now})
	if res.Error != nil || res.RowsAffected != 1 {
		return false, res.Error
	}
	// No ConfirmHash: an offer is accepted through its entry only
	// (AcceptOffer, which counts the limits), never by Confirm.
	b := &Booking{Code: code, ServiceID: e.ServiceID, Day: e.Day, StartsAt: slot.Start, EndsAt: slot.End, Status: StatusPending,
		Name: e.Name, Email: e.Email, EmailKey: e.EmailKey, Phone: e.Phone, PESELHMAC: e.PESELHMAC, PESELLast4: e.PESELLast4,
		Lang: e.Lang, ConsentAt: e.ConsentAt, CreatedAt: now, UpdatedAt: now, ConfirmBy: &by}
	if err := tx.Create(b).Error; err != nil {
		return false, err
	}
	if err := tx.Model(&WaitEntry{}).Where("id = ?", e.ID).Update("booking_id", b.ID).Error; err != nil {
		return false, err
	}
	e.Status, e.BookingID, e.Offers, e.UpdatedAt = WaitOffered, &b.ID, e.Offers+1, now
	if err := event.Record(ctx, tx, now, EventWaitOffered, "waitlist", e.ID,
		map[string]any{"service_id": e.ServiceID, "date": e.Day, "start": slot.Start, "booking_id": b.ID, "until": by}); err != nil {
		return false, err
	}
	return true, enqueueWait(ctx, tx, now, e, outbox.WaitlistOffer, fmt.Sprintf("%s.%d", outbox.WaitlistOffer, e.Offers), nil)
}

// offerFreed offers, on tx that holds the locks of freed's cells, the seats
// a change freed in the span of booking freed.
func (s *Store) offerFreed(ctx context.Context, tx *gorm.DB, freed *Booking) error {
	_, err := s.offerLocked(ctx, tx, freed.ServiceID, freed.Day, cellsOf(freed.StartsAt, freed.EndsAt))
	return err
}

// offerSpan offers, in a transaction of its own that takes the span's seat
// locks first, the free seats of service serviceID in [start, end) on day.
func (s *Store) offerSpan(ctx context.Context, serviceID int64, day office.Date, start, end time.Time) (int, error) {
	n := 0
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		c := cellsOf(start, end)
		if err := lockSeats(tx, serviceID, c, "", ""); err != nil {
			return err
		}
		var err error
		n, err = s.offerLocked(ctx, tx, serviceID, day, c)
		return err
	})
	return n, err
}

// MaxOfferDays bounds the days OfferFree looks at in one call.
const MaxOfferDays = 200

// OfferFree offers the free seats of every day that has residents waiting
// (from today on, at most MaxOfferDays days a call) to the first in each
// line: the scan that catches seats freed by a capacity raised, a slot
// length changed, or anything that could not offer them at once. Each slot
// is offered in its own transaction under its seat locks. It also ends, as
// expired, the waiting of days already past. It returns how many offers it
// made.
func (s *Store) OfferFree(ctx context.Context) (int, error) { return s.offerFree(ctx, 0) }

// OfferFreeService is OfferFree for the days of one matter, for right
// after its capacity or slot length changed (the scan would find the
// seats within a minute).
func (s *Store) OfferFreeService(ctx context.Context, serviceID int64) (int, error) {
	return s.offerFree(ctx, serviceID)
}

// offerFree is OfferFree over the matter serviceID, every matter for 0.
func (s *Store) offerFree(ctx context.Context, serviceID int64) (int, error) {
	loc, err := s.location(ctx, s.db.WithContext(ctx))
	if err != nil {
		return 0, okienko.Internal(err)
	}
	now := s.now()
	today := office.DateOf(now.In(loc))
	if err := s.transaction(ctx, func(tx *gorm.DB) error {
		return tx.Model(&WaitEntry{}).Where("status = ? AND day < ?", WaitWaiting, today).
			Updates(map[string]any{"status": WaitExpired, "closed_at": now, "updated_at": now}).Error
	}); err != nil {
		return 0, err
	}
	type line struct {
		ServiceID int64
		Day       office.Date
	}
	var lines []line
	q := s.db.WithContext(ctx).Model(&WaitEntry{}).Distinct("service_id", "day").Where("status = ? AND day >= ?", WaitWaiting, today)
	if serviceID > 0 {
		q = q.Where("service_id = ?", serviceID)
	}
	if err := q.Order("day, service_id").Limit(MaxOfferDays).Find(&lines).Error; err != nil {
		return 0, okienko.Internal(err)
	}
	made := 0
	for _, l := range lines {
		slots, err := s.Slots(ctx, l.ServiceID, l.Day)
		if okienko.ErrorCode(err) == okienko.ENOTFOUND {
			continue
		}
		if err != nil {
			return made, err
		}
		for _, sl := range slots {
			if sl.Free == 0 {
				continue
			}
			n, err := s.offerSpan(ctx, l.ServiceID, l.Day, sl.Start, sl.End)
			if err != nil {
				return made, err
			}
			made += n
		}
	}
	return made, nil
}

// waitEntry reads entry id on db. ENOTFOUND.
func waitEntry(db *gorm.DB, id int64) (*WaitEntry, error) {
	var e WaitEntry
	err := db.First(&e, id).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no waitlist entry %d", id)
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// checkWaitToken validates token's form (EINVALID naming it) and, with e,
// that it is e's (EFORBIDDEN naming it).
func checkWaitToken(e *WaitEntry, token string) error {
	if subtle.ConstantTimeCompare([]byte(e.TokenHash), []byte(hashToken(token))) != 1 {
		return errBadWaitToken
	}
	return nil
}

func validWaitToken(fe okienko.FieldErrors, token string) {
	switch {
	case token == "":
		fe.Add("token", "required: the token of the message's link")
	case len(token) > MaxTokenLen:
		fe.Add("token", "too long to be a waitlist token")
	}
}

// WaitOffer returns entry id as its resident sees it, token proving it is
// theirs. EINVALID on token; ENOTFOUND; EFORBIDDEN naming token.
func (s *Store) WaitOffer(ctx context.Context, id int64, token string) (*Offer, error) {
	fe := okienko.FieldErrors{}
	validWaitToken(fe, token)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	e, err := waitEntry(db, id)
	if err != nil {
		return nil, asAppError(err)
	}
	if err := checkWaitToken(e, token); err != nil {
		return nil, err
	}
	svc, err := s.offices.Service(ctx, e.ServiceID)
	if err != nil {
		return nil, err
	}
	o := &Offer{Entry: e, Service: svc}
	if e.BookingID != nil && (e.Status == WaitOffered || e.Status == WaitBooked) {
		var b Booking
		if err := db.First(&b, *e.BookingID).Error; err != nil {
			return nil, okienko.Internal(err)
		}
		o.Start, o.End = b.StartsAt, b.EndsAt
		if e.Status == WaitOffered {
			if !b.AwaitingConfirmation(s.now()) {
				e.Status = WaitExpired // lapsed, not yet marked by the job
			} else {
				o.Until = b.ConfirmBy
			}
		} else {
			o.Code = b.Code
		}
	}
	return o, nil
}

func asAppError(err error) error {
	if _, ok := err.(*okienko.Error); ok {
		return err
	}
	return okienko.Internal(err)
}

// AcceptOffer turns entry id's offer into a booking: start must be the
// held time. The resident's limits are counted as for any booking (the
// offer itself not against them); the booking's confirmation (its code)
// is queued. Accepting an accepted offer again answers the booking.
// EINVALID on token or start (missing, malformed, not the held time);
// ENOTFOUND; EFORBIDDEN naming token; ECONFLICT with reason "waiting" (no
// offer yet), "expired" (the hold lapsed: the seat passed on), "cancelled",
// or "limit" when a limit refuses it (the offer stays until its deadline).
func (s *Store) AcceptOffer(ctx context.Context, id int64, token string, start time.Time) (*Booking, error) {
	fe := okienko.FieldErrors{}
	validWaitToken(fe, token)
	if start.IsZero() {
		fe.Add("start", "required: the held time, RFC 3339 with offset")
	} else if !office.DateOf(start.UTC()).InBounds() {
		fe.Add("start", office.BoundsMessage)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	e, err := waitEntry(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, asAppError(err)
	}
	if err := checkWaitToken(e, token); err != nil {
		return nil, err
	}
	if e.BookingID == nil {
		return nil, waitRefused(e)
	}
	held, err := s.ByID(ctx, *e.BookingID)
	if err != nil {
		return nil, err
	}
	if !held.StartsAt.Equal(start) {
		return nil, okienko.Invalid("start", "this is not the time held for you: "+held.StartsAt.Format(time.RFC3339))
	}
	svc, err := s.offices.Uncached().Service(ctx, e.ServiceID)
	if err != nil {
		return nil, err
	}
	var out *Booking
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		// The seat path's locks in their order: the hold's cells, then the
		// resident's and the address's (the limits count).
		emailKey := ""
		if held.EmailKey != nil {
			emailKey = *held.EmailKey
		}
		hash := ""
		if held.PESELHMAC != nil {
			hash = *held.PESELHMAC
		}
		if err := lockSeats(tx, held.ServiceID, cellsOf(held.StartsAt, held.EndsAt), hash, emailKey); err != nil {
			return err
		}
		cur, err := waitEntry(tx, id)
		if err != nil {
			return err
		}
		var b Booking
		if err := tx.First(&b, *e.BookingID).Error; err != nil {
			return err
		}
		if cur.Status == WaitBooked && cur.BookingID != nil && *cur.BookingID == b.ID {
			out = &b
			return nil
		}
		now := s.now()
		if cur.Status != WaitOffered || cur.BookingID == nil || *cur.BookingID != b.ID || !b.AwaitingConfirmation(now) {
			if cur.Status == WaitOffered {
				cur.Status = WaitExpired
			}
			return waitRefused(cur)
		}
		n, err := countSeats(ctx, tx, seatQuery{ServiceID: b.ServiceID, Now: now, PESEL: hash, Day: b.Day, Self: b.ID, EmailKey: emailKey})
		if err != nil {
			return err
		}
		if n.SameDay > 0 {
			return limitRefused(fmt.Sprintf("this PESEL already has a booking for this matter on %s", b.Day), "pesel")
		}
		if int(n.Active) >= svc.MaxActivePerPESEL {
			return limitRefused(fmt.Sprintf("this PESEL already has %d upcoming bookings, the most allowed; cancel one to accept this one", n.Active), "pesel")
		}
		if emailKey != "" && int(n.ByEmail)-1 >= s.perEmail { // the offer itself is counted
			return limitRefused(fmt.Sprintf("this e-mail address already has %d upcoming bookings, the most allowed; cancel one to accept this one", n.ByEmail-1), "email")
		}
		res := tx.Model(&Booking{}).Where("id = ? AND status = ? AND confirm_by > ?", b.ID, StatusPending, now).
			Updates(map[string]any{"status": StatusBooked, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "this offer changed meanwhile; please try again")
		}
		if err := addLoad(tx, &b, +1); err != nil {
			return err
		}
		res = tx.Model(&WaitEntry{}).Where("id = ? AND status = ?", cur.ID, WaitOffered).
			Updates(map[string]any{"status": WaitBooked, "closed_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "this offer changed meanwhile; please try again")
		}
		if err := event.Record(ctx, tx, now, EventWaitAccepted, "waitlist", cur.ID, map[string]any{"service_id": b.ServiceID, "booking_id": b.ID}); err != nil {
			return err
		}
		if err := event.Record(ctx, tx, now, EventCreated, "booking", b.ID, map[string]any{"service_id": b.ServiceID, "start": b.StartsAt, "status": StatusBooked}); err != nil {
			return err
		}
		if err := outbox.EnqueueBooking(ctx, tx, now, b.ID, b.Lang, outbox.Confirmation, reachOf(&b), nil); err != nil {
			return err
		}
		b.Status, b.UpdatedAt = StatusBooked, now
		out = &b
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.told(ViaWaitlist)
	return out, nil
}

func limitRefused(msg, field string) error {
	return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"reason": "limit", field: msg}}
}

// waitRefused is the ECONFLICT of an action e's state does not allow.
func waitRefused(e *WaitEntry) error {
	var msg, reason string
	switch e.Status {
	case WaitWaiting:
		msg, reason = "no seat has been offered to you yet; you will get a message when one is", "waiting"
	case WaitOffered, WaitExpired:
		msg, reason = "this offer was not accepted in time; the seat passed to the next in line", "expired"
	case WaitBooked:
		msg, reason = "this offer was already accepted; cancel the booking with its code instead", "booked"
	default:
		msg, reason = "you left this waitlist", "cancelled"
	}
	return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"reason": reason}}
}

// CancelWaiting takes entry id off the waitlist, token proving it is its
// resident's. An offered entry declines its offer: the held seat is freed
// and, in the same transaction, offered to the next in line. EINVALID on
// token; ENOTFOUND; EFORBIDDEN naming token; ECONFLICT (reason "booked",
// "expired", "cancelled") when it is no longer on the list.
func (s *Store) CancelWaiting(ctx context.Context, id int64, token string) (*WaitEntry, error) {
	fe := okienko.FieldErrors{}
	validWaitToken(fe, token)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	e, err := waitEntry(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, asAppError(err)
	}
	if err := checkWaitToken(e, token); err != nil {
		return nil, err
	}
	var held *Booking
	if e.Status == WaitOffered && e.BookingID != nil {
		if held, err = s.ByID(ctx, *e.BookingID); err != nil {
			return nil, err
		}
	}
	var out *WaitEntry
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		if held != nil {
			if err := lockSeats(tx, held.ServiceID, cellsOf(held.StartsAt, held.EndsAt), "", ""); err != nil {
				return err
			}
		}
		cur, err := waitEntry(tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if cur.Status != WaitWaiting && cur.Status != WaitOffered {
			return waitRefused(cur)
		}
		if cur.Status == WaitOffered && (held == nil || cur.BookingID == nil || *cur.BookingID != held.ID) {
			return okienko.Errorf(okienko.ECONFLICT, "this entry changed meanwhile; please try again")
		}
		res := tx.Model(&WaitEntry{}).Where("id = ? AND status = ?", cur.ID, cur.Status).
			Updates(map[string]any{"status": WaitCancelled, "closed_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "this entry changed meanwhile; please try again")
		}
		if err := event.Record(ctx, tx, now, EventWaitCancelled, "waitlist", cur.ID, map[string]any{"service_id": cur.ServiceID, "date": cur.Day}); err != nil {
			return err
		}
		if cur.Status == WaitOffered {
			// The declined hold ends now; no message (the resident acted).
			res := tx.Model(&Booking{}).Where("id = ? AND status = ?", held.ID, StatusPending).
				Updates(map[string]any{"status": StatusCancelled, "cancelled_at": now, "cancel_reason": ReasonResident, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				if err := event.Record(ctx, tx, now, EventCancelled, "booking", held.ID, map[string]any{"service_id": held.ServiceID, "start": held.StartsAt, "reason": ReasonResident}); err != nil {
					return err
				}
			}
			if err := s.offerFreed(ctx, tx, held); err != nil {
				return err
			}
		}
		cur.Status, cur.ClosedAt, cur.UpdatedAt = WaitCancelled, &now, now
		out = cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WaitLine is one entry of a day's waitlist as the administrator sees it.
type WaitLine struct {
	ID         int64      `json:"id"`
	Position   int        `json:"position"` // 1 for the first still waiting; 0 when not waiting
	Status     string     `json:"status"`
	Name       string     `json:"name"`
	PESELLast4 string     `json:"pesel_last4"`
	CreatedAt  time.Time  `json:"created_at"`
	Start      *time.Time `json:"start,omitempty"`       // the held or booked time
	OfferUntil *time.Time `json:"offer_until,omitempty"` // when an offer's hold lapses
	Code       string     `json:"code,omitempty"`        // the booking's code once accepted
}

// MaxWaitLine bounds the entries DayWaitlist answers.
const MaxWaitLine = 500

// DayWaitlist returns the waitlist of serviceID on day for the
// administrator, in order of joining (at most MaxWaitLine). EINVALID on
// date out of bounds.
func (s *Store) DayWaitlist(ctx context.Context, serviceID int64, day office.Date) ([]WaitLine, error) {
	if !day.InBounds() {
		return nil, okienko.Invalid("date", office.BoundsMessage)
	}
	db := s.db.WithContext(ctx)
	var es []WaitEntry
	if err := db.Where("service_id = ? AND day = ?", serviceID, day).Order("id").Limit(MaxWaitLine).Find(&es).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var ids []int64
	for _, e := range es {
		if e.BookingID != nil {
			ids = append(ids, *e.BookingID)
		}
	}
	bs := map[int64]Booking{}
	if len(ids) > 0 {
		var list []Booking
		if err := db.Where("id IN ?", ids).Find(&list).Error; err != nil {
			return nil, okienko.Internal(err)
		}
		for _, b := range list {
			bs[b.ID] = b
		}
	}
	now := s.now()
	out := make([]WaitLine, 0, len(es))
	pos := 0
	for _, e := range es {
		l := WaitLine{ID: e.ID, Status: e.Status, CreatedAt: e.CreatedAt}
		if e.Name != nil {
			l.Name = *e.Name
		}
		if e.PESELLast4 != nil {
			l.PESELLast4 = *e.PESELLast4
		}
		if e.Status == WaitWaiting {
			pos++
			l.Position = pos
		}
		if e.BookingID != nil {
			if b, ok := bs[*e.BookingID]; ok && (e.Status == WaitOffered || e.Status == WaitBooked) {
				st := b.StartsAt
				l.Start = &st
				if e.Status == WaitOffered {
					if b.AwaitingConfirmation(now) {
						l.OfferUntil = b.ConfirmBy
					} else {
						l.Status = WaitExpired
					}
				} else {
					l.Code = FormatCode(b.Code)
				}
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// EraseWaitlist removes the personal data of the waitlist entries of days
// more than retention past. It returns how many it erased.
func (s *Store) EraseWaitlist(ctx context.Context, retention time.Duration) (int64, error) {
	now := s.now()
	loc, err := s.location(ctx, s.db.WithContext(ctx))
	if err != nil {
		return 0, okienko.Internal(err)
	}
	before := office.DateOf(now.Add(-retention).In(loc))
	res := s.db.WithContext(ctx).Model(&WaitEntry{}).
		Where("erased_at IS NULL AND day < ? AND status NOT IN ?", before, []string{WaitWaiting, WaitOffered}).
		Updates(map[string]any{"name": nil, "email": nil, "email_key": nil, "phone": nil, "pesel_hmac": nil, "pesel_last4": nil,
			"erased_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}
