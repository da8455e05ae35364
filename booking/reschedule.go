package booking

import (
	"context"
	"crypto/subtle"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// Reschedule moves the booked visit with code to the slot starting at start
// of the same matter, if pesel is the one it was made with, keeping the
// code: in one transaction through the seat path (take), the new seat is
// taken and the old one freed. The booking's own seat does not
// count against a new slot that overlaps it. It records an event and queues
// the resident's messages (with the calendar file's next SEQUENCE).
//
// EINVALID naming code, pesel or start (malformed, missing, or a start that
// isn't a bookable slot of the matter: past, off the grid, outside the
// window, closed, or the visit's own time); ENOTFOUND for an unknown code or
// a wrong PESEL alike; ECONFLICT when the new slot is full, the resident's
// limits refuse it, or the visit can't be moved (checked in, cancelled,
// begun, pending its e-mail confirmation or expired).
func (s *Store) Reschedule(ctx context.Context, code, pesel string, start time.Time) (*Booking, error) {
	fe := okienko.FieldErrors{}
	if _, err := ParseCode(code); err != nil {
		fe.Add("code", err.Error())
	}
	p, err := ParsePESEL(pesel)
	if err != nil {
		fe.Add("pesel", err.Error())
	}
	if start.IsZero() {
		fe.Add("start", "required: the start time of a free slot, RFC 3339 with offset")
	} else if !office.DateOf(start.UTC()).InBounds() {
		fe.Add("start", office.BoundsMessage)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	b, err := s.Find(ctx, code, pesel)
	if err != nil {
		return nil, err
	}
	v := &validated{Request: Request{ServiceID: b.ServiceID, Start: start, Lang: b.Lang}, pesel: p}
	if err := movable(b, s.now()); err != nil {
		return nil, err
	}
	moved, err := s.take(ctx, v, b)
	if err != nil {
		return nil, err
	}
	// The span it left is offered to the day's waitlist at once (its
	// cells' locks were not the move's). The move stands whatever this
	// answers: a seat not offered now is by OfferFree's scan within a
	// minute.
	_, _ = s.offerSpan(ctx, b.ServiceID, b.Day, b.StartsAt, b.EndsAt)
	return moved, nil
}

// movable says why b can't be moved now (ECONFLICT), nil when it can: only
// a booked visit that has not begun (a pending one is confirmed first).
func movable(b *Booking, now time.Time) error {
	switch {
	case b.Matters > 0:
		return okienko.Errorf(okienko.ECONFLICT, "a visit of several matters can't be moved; cancel it and book the matters again")
	case b.Status == StatusCheckedIn:
		return okienko.Errorf(okienko.ECONFLICT, "this booking has been checked in and can no longer be moved")
	case b.Status == StatusCancelled || b.Status == StatusCancelledLate:
		return okienko.Errorf(okienko.ECONFLICT, "this booking is cancelled and can no longer be moved; please book a new visit")
	case b.StatusAt(now) == StatusPending:
		return okienko.Errorf(okienko.ECONFLICT, "this booking awaits confirmation: confirm it with the link in the e-mail first, then move it")
	case b.StatusAt(now) == StatusExpired:
		return okienko.Errorf(okienko.ECONFLICT, "this booking was not confirmed in time and has expired; please book a new visit")
	case b.Status != StatusBooked:
		return okienko.Errorf(okienko.ECONFLICT, "only a booked visit can be moved")
	case !now.Before(b.StartsAt):
		return okienko.Errorf(okienko.ECONFLICT, "the visit has already begun; it can no longer be moved")
	}
	return nil
}

// reread reads b again on tx, under the seat path's locks, and checks it is
// still the resident's (hash) and movable.
func (s *Store) reread(tx *gorm.DB, b *Booking, hash string, now time.Time) (*Booking, error) {
	var cur Booking
	if err := tx.First(&cur, b.ID).Error; err != nil {
		if database.IsNotFound(err) {
			return nil, errNoBooking
		}
		return nil, err
	}
	if cur.PESELHMAC == nil || subtle.ConstantTimeCompare([]byte(*cur.PESELHMAC), []byte(hash)) != 1 {
		return nil, errNoBooking
	}
	if err := movable(&cur, now); err != nil {
		return nil, err
	}
	return &cur, nil
}

// move moves old to slot (on office day day) on tx: the new span's seat is
// counted and the old span's released, the event recorded and the messages
// queued. It returns the moved booking; ECONFLICT when old changed since
// read (moved or cancelled meanwhile).
func (s *Store) move(ctx context.Context, tx *gorm.DB, old *Booking, slot Slot, day office.Date, now time.Time) (*Booking, error) {
	res := tx.Model(&Booking{}).Where("id = ? AND status = ? AND starts_at = ?", old.ID, StatusBooked, old.StartsAt.UTC()).
		Updates(map[string]any{"day": day, "starts_at": slot.Start.UTC(), "ends_at": slot.End.UTC(), "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, okienko.Errorf(okienko.ECONFLICT, "this booking changed meanwhile; please try again")
	}
	b := *old
	b.Day, b.StartsAt, b.EndsAt, b.UpdatedAt = day, slot.Start.UTC(), slot.End.UTC(), now
	// booking_load's rows are locked in ascending span order: two moves
	// the opposite ways (A to B, B to A) hold no seat cell in common, and
	// would otherwise each wait for the row the other holds.
	first, firstDelta, second, secondDelta := &b, +1, old, -1
	if spanAfter(first, second) {
		first, firstDelta, second, secondDelta = second, secondDelta, first, firstDelta
	}
	if err := addLoad(tx, first, firstDelta); err != nil {
		return nil, err
	}
	if err := addLoad(tx, second, secondDelta); err != nil {
		return nil, err
	}
	if err := event.Record(ctx, tx, now, EventRescheduled, "booking", b.ID,
		map[string]any{"service_id": b.ServiceID, "from": old.StartsAt.UTC(), "start": b.StartsAt}); err != nil {
		return nil, err
	}
	if err := s.loadMoves(ctx, tx, &b); err != nil {
		return nil, err
	}
	err := outbox.EnqueueBookingMoved(ctx, tx, now, b.ID, b.Lang, outbox.Confirmation, b.Moves, reachOf(&b),
		map[string]any{"from": old.StartsAt.UTC().Format(time.RFC3339), "sequence": b.Moves})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// spanAfter reports whether a's span sorts after b's (start, then end), the
// order booking_load's rows are locked in.
func spanAfter(a, b *Booking) bool {
	if !a.StartsAt.Equal(b.StartsAt) {
		return a.StartsAt.After(b.StartsAt)
	}
	return a.EndsAt.After(b.EndsAt)
}

// Moves fills b.Moves: how many times b was moved to another time.
func (s *Store) Moves(ctx context.Context, b *Booking) error {
	if err := s.loadMoves(ctx, s.db, b); err != nil {
		return okienko.Internal(err)
	}
	return nil
}

func (s *Store) loadMoves(ctx context.Context, db *gorm.DB, b *Booking) error {
	n, err := CountMoves(ctx, db, b.ID)
	b.Moves = n
	return err
}

// MovesOf is CountMoves of many bookings at once: how many times each of
// ids was moved (absent: never), a query per 500 of them.
func MovesOf(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var rows []struct {
			ObjectID int64
			N        int
		}
		err := db.WithContext(ctx).Model(&event.Event{}).Select("object_id, count(*) AS n").
			Where("type = ? AND object_type = ? AND object_id IN ?", EventRescheduled, "booking", ids[:n]).
			Group("object_id").Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ObjectID] = r.N
		}
		ids = ids[n:]
	}
	return out, nil
}

// CountMoves is how many times the booking with id was moved to another
// time, from its recorded events; its calendar file's SEQUENCE.
func CountMoves(ctx context.Context, db *gorm.DB, id int64) (int, error) {
	var n int64
	err := db.WithContext(ctx).Model(&event.Event{}).
		Where("type = ? AND object_type = ? AND object_id = ?", EventRescheduled, "booking", id).Count(&n).Error
	return int(n), err
}
