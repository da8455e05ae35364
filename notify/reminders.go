package notify

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// QueueReminders queues a reminder (by e-mail and by SMS, as the booking has them)
// for every booked visit on the office day after now, in loc. The outbox's
// keys make it safe to run again: a visit is reminded once per time it is
// booked for (a visit moved after its reminder gets one for its new time).
// It returns how many bookings it looked at.
func QueueReminders(ctx context.Context, db *gorm.DB, clock okienko.Clock, loc *time.Location) (int, error) {
	now := clock.Now().UTC()
	tomorrow := office.DateOf(now.In(loc)).AddDays(1)
	var bs []booking.Booking
	err := db.WithContext(ctx).Select("id", "lang", "email", "phone").
		Where("day = ? AND status = ? AND erased_at IS NULL", tomorrow, booking.StatusBooked).
		Order("id").Find(&bs).Error
	if err != nil {
		return 0, okienko.Internal(err)
	}
	ids := make([]int64, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	moves, err := booking.MovesOf(ctx, db, ids)
	if err != nil {
		return 0, okienko.Internal(err)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, b := range bs {
			if err := outbox.EnqueueBookingMoved(ctx, tx, now, b.ID, b.Lang, outbox.Reminder, moves[b.ID], outbox.Reach{Email: b.Email != nil, SMS: b.Phone != nil}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, okienko.Internal(err)
	}
	return len(bs), nil
}
