package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
)

// Bookings confirmed by e-mail (DESIGN section 12). A matter with
// confirm_minutes above 0 takes a new booking as pending: its seat is held
// until ConfirmBy, and the resident gets an e-mail (outbox.ConfirmRequest,
// no calendar file, no SMS) whose link opens a page with a button that
// confirms it. Confirmed, it becomes booked and the usual confirmation goes
// by e-mail (with the .ics) and SMS. Unconfirmed, the hold lapses at
// ConfirmBy: the calendar stops counting it at once, and ExpirePending later
// marks it expired (no message: the first e-mail said by when).
//
// The token of the link is an HMAC of the booking under the server secret,
// so the outbox stores nothing secret and the message can be composed again;
// the booking keeps only its SHA-256.

// MaxTokenLen bounds a confirmation token read from a request.
const MaxTokenLen = 100

// codeStatuses are the states whose code no new booking may share.
var codeStatuses = []string{StatusPending, StatusBooked, StatusCheckedIn}

// holdingSeat selects the bookings that hold a seat at now: booked, checked
// in, or pending with the hold not lapsed.
func holdingSeat(now time.Time) clause.Expression {
	return gorm.Expr("(status IN ? OR (status = ? AND confirm_by > ?))", liveStatuses, StatusPending, now.UTC())
}

// upcoming selects the bookings that count as a resident's upcoming ones at
// now: booked, or pending with the hold not lapsed.
func upcoming(now time.Time) clause.Expression {
	return gorm.Expr("(status = ? OR (status = ? AND confirm_by > ?))", StatusBooked, StatusPending, now.UTC())
}

// hold makes b, about to be inserted at now, pending for minutes with the
// hash of its confirmation token.
func (s *Store) hold(b *Booking, now time.Time, minutes int) {
	by := now.Add(time.Duration(minutes) * time.Minute)
	b.Status, b.ConfirmBy = StatusPending, &by
	h := hashToken(s.ConfirmToken(b))
	b.ConfirmHash = &h
}

// ConfirmToken returns the token of b's confirmation link: an HMAC of its
// code and hold under a key derived from the server secret, 22 characters
// of base64url. "" for a booking that was never pending.
func (s *Store) ConfirmToken(b *Booking) string {
	if b.ConfirmBy == nil {
		return ""
	}
	m := hmac.New(sha256.New, s.peselKey)
	m.Write([]byte("okienko/confirm/v1\x00" + b.Code + "\x00" + strconv.FormatInt(b.ConfirmBy.UTC().UnixMicro(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// errBadToken refuses a confirmation whose token is not the booking's.
var errBadToken = &okienko.Error{Code: okienko.EFORBIDDEN,
	Message: "this confirmation link is not valid for this booking; open the link from the e-mail exactly as it was sent",
	Fields:  map[string]string{"token": "does not match this booking"}}

// Confirm confirms the pending booking with code whose confirmation token is
// token: it becomes booked, keeps its seat for good, and the usual
// confirmation is queued. Confirming a confirmed booking again answers it
// unchanged. EINVALID on code or token when malformed or missing;
// ENOTFOUND; EFORBIDDEN naming token when the token is not the booking's
// (nothing is written); ECONFLICT with reason "expired" when the hold lapsed
// (also "cancelled").
func (s *Store) Confirm(ctx context.Context, code, token string) (*Booking, error) {
	fe := okienko.FieldErrors{}
	c, err := ParseCode(code)
	if err != nil {
		fe.Add("code", err.Error())
	}
	switch {
	case token == "":
		fe.Add("token", "required: the token of the e-mail's confirmation link")
	case len(token) > MaxTokenLen:
		fe.Add("token", "too long to be a confirmation token")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	b, err := byCode(s.db.WithContext(ctx), c)
	if err != nil {
		return nil, err
	}
	if b.ConfirmHash == nil || subtle.ConstantTimeCompare([]byte(*b.ConfirmHash), []byte(hashToken(token))) != 1 {
		return nil, errBadToken
	}
	if b.Status != StatusPending {
		if err := confirmedAlready(b); err != nil {
			return nil, err
		}
		return b, nil
	}
	var out *Booking
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		// The seat path's locks of the hold's cells: a booking taken
		// meanwhile counts this hold either as pending or as booked, never
		// as neither (a pending booking is never moved: its span is b's).
		if err := lockSeats(tx, b.ServiceID, cellsOf(b.StartsAt, b.EndsAt), "", ""); err != nil {
			return err
		}
		var cur Booking
		if err := tx.First(&cur, b.ID).Error; err != nil {
			return err
		}
		if cur.Status != StatusPending {
			out = &cur
			return confirmedAlready(&cur)
		}
		now := s.now()
		if !cur.AwaitingConfirmation(now) {
			return holdLapsed(&cur)
		}
		res := tx.Model(&Booking{}).Where("id = ? AND status = ? AND confirm_by > ?", cur.ID, StatusPending, now).
			Updates(map[string]any{"status": StatusBooked, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "this booking changed meanwhile; please try again")
		}
		if err := addLoad(tx, &cur, +1); err != nil {
			return err
		}
		if err := event.Record(ctx, tx, now, EventConfirmed, "booking", cur.ID, map[string]any{"service_id": cur.ServiceID, "start": cur.StartsAt}); err != nil {
			return err
		}
		if err := outbox.EnqueueBooking(ctx, tx, now, cur.ID, cur.Lang, outbox.Confirmation, reachOf(&cur), nil); err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt = StatusBooked, now
		out = &cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// confirmedAlready is nil for a booking already confirmed (booked or checked
// in: confirming again changes nothing), else the ECONFLICT saying why it
// can't be confirmed.
func confirmedAlready(b *Booking) error {
	switch b.Status {
	case StatusBooked, StatusCheckedIn:
		return nil
	case StatusPending, StatusExpired:
		return holdLapsed(b)
	}
	return &okienko.Error{Code: okienko.ECONFLICT, Message: "this booking was cancelled; it can't be confirmed",
		Fields: map[string]string{"reason": "cancelled"}}
}

// holdLapsed is the ECONFLICT of a confirmation that came too late.
func holdLapsed(b *Booking) error {
	msg := "this booking was not confirmed in time and has expired; its time is free again, please book anew"
	e := &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"reason": "expired"}}
	if b.ConfirmBy != nil {
		e.Fields["confirm_by"] = b.ConfirmBy.UTC().Format(time.RFC3339)
	}
	return e
}

// ExpirePending marks expired the pending bookings whose hold lapsed (at
// most 1000 a call), recording an event for each; their seats stopped
// counting at ConfirmBy already. No message goes: the request to confirm
// said by when. A lapsed hold that was a waitlist offer marks its entry
// expired. Each one's own transaction takes the seat locks of its span
// first and offers the freed seat to the first waiting for that day (an
// unanswered offer passes to the next). It returns how many it marked; a
// booking confirmed or marked by another instance meanwhile is skipped.
func (s *Store) ExpirePending(ctx context.Context) (int, error) {
	now := s.now()
	var due []Booking
	err := s.db.WithContext(ctx).Select("id, service_id, day, starts_at, ends_at").
		Where("status = ? AND confirm_by <= ?", StatusPending, now).
		Order("confirm_by").Limit(1000).Find(&due).Error
	if err != nil {
		return 0, okienko.Internal(err)
	}
	n := 0
	for _, b := range due {
		err := s.transaction(ctx, func(tx *gorm.DB) error {
			if err := lockSeats(tx, b.ServiceID, cellsOf(b.StartsAt, b.EndsAt), "", ""); err != nil {
				return err
			}
			res := tx.Model(&Booking{}).Where("id = ? AND status = ? AND confirm_by <= ?", b.ID, StatusPending, now).
				Updates(map[string]any{"status": StatusExpired, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return nil
			}
			if err := event.Record(ctx, tx, now, EventExpired, "booking", b.ID, map[string]any{"service_id": b.ServiceID, "start": b.StartsAt}); err != nil {
				return err
			}
			var lapsed []WaitEntry
			if err := tx.Where("booking_id = ? AND status = ?", b.ID, WaitOffered).Find(&lapsed).Error; err != nil {
				return err
			}
			for _, e := range lapsed {
				if err := tx.Model(&WaitEntry{}).Where("id = ? AND status = ?", e.ID, WaitOffered).
					Updates(map[string]any{"status": WaitExpired, "closed_at": now, "updated_at": now}).Error; err != nil {
					return err
				}
				if err := event.Record(ctx, tx, now, EventWaitLapsed, "waitlist", e.ID, map[string]any{"service_id": e.ServiceID, "booking_id": b.ID}); err != nil {
					return err
				}
			}
			n++
			return s.offerFreed(ctx, tx, &b)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
