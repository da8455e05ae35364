package queue

import (
	"context"

	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/office"
)

// The remote queue (e-kolejka): residents join today's queue of a matter
// that allows it from their phones, while its department issues tickets.

// RemoteSpec is what a resident gives to join the queue remotely: the
// matter, a phone or an e-mail (at least one) to be told when 3 are ahead
// and when called, and the language of those messages.
type RemoteSpec struct {
	ServiceID int64
	Phone     string
	Email     string
	Lang      string // pl (default), en or uk
}

// IssueRemote issues a remote ticket (DE05): in the queue from now, called
// like any other unless the matter asks for arrival first. EINVALID naming
// service_id (unknown, or a matter that takes no remote tickets), phone,
// email or lang; ECONFLICT when the department isn't issuing tickets now
// (with opens_at), when the matter's remote tickets of the day are all
// taken (reason remote_full), or when the phone or e-mail already holds a
// remote ticket today (reason already_queued, naming the field). The daily
// cap holds under concurrent requests: the remote sequence of the matter's
// letter is locked first.
func (s *Store) IssueRemote(ctx context.Context, spec RemoteSpec) (*Ticket, error) {
	c, err := remoteContact(spec)
	if err != nil {
		return nil, err
	}
	var out *Ticket
	err = s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		svc, dep, err := s.serviceOf(ctx, tx, spec.ServiceID)
		if err != nil {
			return err
		}
		if svc.RemoteTicketsPerDay <= 0 {
			return okienko.Invalid("service_id", "this matter can't be queued for remotely")
		}
		if err := s.checkOpenForWalkIns(ctx, tx, dep); err != nil {
			return err
		}
		_, today, err := s.officeNow(ctx, tx)
		if err != nil {
			return err
		}
		seq, err := nextSeq(tx, svc, dep, today, KindRemote)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Ticket{}).Where("kind = ? AND service_id = ? AND day = ?", KindRemote, svc.ID, today).Count(&n).Error; err != nil {
			return err
		}
		if n >= int64(svc.RemoteTicketsPerDay) {
			return &okienko.Error{Code: okienko.ECONFLICT, Message: "all of today's remote places for this matter are taken; take a ticket at the kiosk",
				Fields: map[string]string{"reason": "remote_full"}}
		}
		if err := alreadyQueued(tx, dep.OfficeID, today, c); err != nil {
			return err
		}
		now := s.now()
		out, err = s.insert(tx, log, svc, dep, today, KindRemote, seq, false, now, nil, c)
		if err != nil && database.IsUniqueViolation(err) {
			return alreadyQueuedError(c)
		}
		if err != nil {
			return err
		}
		return s.turnNear(ctx, tx, svc.ID, today, now)
	})
	return out, err
}

// remoteContact checks spec's phone, e-mail and language.
func remoteContact(spec RemoteSpec) (contact, error) {
	fe := okienko.FieldErrors{}
	var c contact
	if spec.ServiceID <= 0 {
		fe.Add("service_id", "required")
	}
	if strings.TrimSpace(spec.Phone) != "" {
		p, err := booking.NormalizePhone(spec.Phone)
		if err != nil {
			fe.Add("phone", err.Error())
		}
		c.phone = p
	}
	if strings.TrimSpace(spec.Email) != "" {
		e, err := booking.NormalizeEmail(spec.Email)
		if err != nil {
			fe.Add("email", err.Error())
		}
		c.email, c.emailKey = e, booking.EmailKey(e)
	}
	if strings.TrimSpace(spec.Phone) == "" && strings.TrimSpace(spec.Email) == "" {
		fe.Add("phone", "a phone number or an e-mail address is required")
	}
	switch spec.Lang {
	case "":
		c.lang = "pl"
	case "pl", "en", "uk":
		c.lang = spec.Lang
	default:
		fe.Add("lang", "must be pl, en or uk")
	}
	return c, fe.Err()
}

// alreadyQueued returns ECONFLICT when c's phone or e-mail holds a remote
// ticket of the office's day.
func alreadyQueued(tx *gorm.DB, officeID int64, day office.Date, c contact) error {
	q := tx.Model(&Ticket{}).Where("kind = ? AND office_id = ? AND day = ?", KindRemote, officeID, day)
	var n int64
	if c.phone != "" {
		if err := q.Session(&gorm.Session{}).Where("phone = ?", c.phone).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return alreadyQueuedError(contact{phone: c.phone})
		}
	}
	if c.emailKey != "" {
		if err := q.Session(&gorm.Session{}).Where("email_key = ?", c.emailKey).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return alreadyQueuedError(contact{email: c.email})
		}
	}
	return nil
}

func alreadyQueuedError(c contact) error {
	field, what := "phone", "phone number"
	if c.phone == "" {
		field, what = "email", "e-mail address"
	}
	return &okienko.Error{Code: okienko.ECONFLICT, Message: fmt.Sprintf("this %s already has a remote ticket today", what),
		Fields: map[string]string{"reason": "already_queued", field: "already has a remote ticket today"}}
}

// Arrive records that the holder of the remote ticket publicID has come:
// the kiosk checked it in by its QR. Checking in again changes nothing.
// ENOTFOUND; EINVALID (field code) for a ticket that is not remote;
// ECONFLICT for one not of today or no longer waiting or called.
func (s *Store) Arrive(ctx context.Context, publicID string) (*Ticket, error) {
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		var t Ticket
		err := tx.Where("public_id = ?", publicID).Take(&t).Error
		if database.IsNotFound(err) {
			return okienko.Errorf(okienko.ENOTFOUND, "no ticket %q", publicID)
		}
		if err != nil {
			return err
		}
		if t.Kind != KindRemote {
			return okienko.Invalid("code", "this ticket is not a remote ticket")
		}
		_, today, err := s.officeNow(ctx, tx)
		if err != nil {
			return err
		}
		if t.Day != today {
			return &okienko.Error{Code: okienko.ECONFLICT, Message: fmt.Sprintf("ticket %s is not from today", t.Number), Fields: map[string]string{"reason": "not_today"}}
		}
		if t.Status != StatusWaiting && t.Status != StatusCalled {
			return &okienko.Error{Code: okienko.ECONFLICT, Message: fmt.Sprintf("ticket %s is %s", t.Number, describe(t.Status)), Fields: map[string]string{"reason": t.Status}}
		}
		out = &t
		if t.ArrivedAt != nil {
			return nil
		}
		now := s.now()
		res := tx.Model(&Ticket{}).Where("id = ? AND arrived_at IS NULL", t.ID).Updates(map[string]any{"arrived_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return nil // arrived meanwhile
		}
		t.ArrivedAt, t.UpdatedAt = &now, now
		return log.add(now, EventArrived, &t, nil)
	})
	return out, err
}

// RemoteOffer is what a resident sees before joining a matter's queue
// remotely: whether they can now (else why: reason off, closed or full),
// how many would be ahead and the estimated wait.
type RemoteOffer struct {
	ServiceID       int64         `json:"service_id"`
	Open            bool          `json:"open"`
	Reason          string        `json:"reason,omitempty"`
	ArrivalRequired bool          `json:"arrival_required"`
	PeopleAhead     int           `json:"people_ahead"`
	Wait            time.Duration `json:"-"`
	Left            int           `json:"places_left"`
	OpensAt         *time.Time    `json:"opens_at,omitempty"`
}

// Remote reasons a matter can't be joined remotely now.
const (
	RemoteOff    = "off"    // the matter takes no remote tickets
	RemoteClosed = "closed" // the department isn't issuing tickets now
	RemoteFull   = "full"   // today's remote places are taken
)

// OfferRemote tells whether svc can be queued for remotely now and, as
// Position would for a ticket issued now, the people ahead and the wait.
func (s *Store) OfferRemote(ctx context.Context, svc *office.Service) (*RemoteOffer, error) {
	o := &RemoteOffer{ServiceID: svc.ID, ArrivalRequired: svc.RemoteArrivalRequired}
	if svc.RemoteTicketsPerDay <= 0 {
		o.Reason = RemoteOff
		return o, nil
	}
	db := s.db.WithContext(ctx)
	dep, err := s.offices.Department(ctx, svc.DepartmentID)
	if err != nil {
		return nil, err
	}
	w, err := s.walkIns(ctx, db, dep)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	var n int64
	if err := db.Model(&Ticket{}).Where("kind = ? AND service_id = ? AND day = ?", KindRemote, svc.ID, today).Count(&n).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	o.Left = max(svc.RemoteTicketsPerDay-int(n), 0)
	switch {
	case !w.Issuing:
		o.Reason, o.OpensAt = RemoteClosed, w.OpensAt
	case o.Left == 0:
		o.Reason = RemoteFull
	default:
		o.Open = true
	}
	would := &Ticket{ID: math.MaxInt64, DepartmentID: svc.DepartmentID, ServiceID: svc.ID, Day: today, Kind: KindRemote, Status: StatusWaiting, DueAt: s.now()}
	o.PeopleAhead, o.Wait, err = s.Position(ctx, would)
	if err != nil {
		return nil, err
	}
	return o, nil
}
