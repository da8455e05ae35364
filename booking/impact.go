package booking

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// Slot lengths an administrator may choose, as office.ServiceSpec allows.
const (
	MinSlotMinutes = 5
	MaxSlotMinutes = 480
)

// Covered returns the ids of the booked (not checked-in, not cancelled)
// bookings, and the pending ones still held, on office days from..to inclusive whose visit has not begun yet,
// of the services of department departmentID, or of every department when
// departmentID is 0: the bookings a closure of those days would cancel.
// Ordered by start, then id. EINVALID on "starts_on"/"ends_on" for a missing
// day or a reversed range.
func (s *Store) Covered(ctx context.Context, from, to office.Date, departmentID int64) ([]int64, error) {
	fe := okienko.FieldErrors{}
	if from.IsZero() {
		fe.Add("starts_on", "required")
	}
	if to.IsZero() {
		fe.Add("ends_on", "required")
	}
	switch {
	case !from.InBounds() && !from.IsZero():
		fe.Add("starts_on", office.BoundsMessage)
	case !to.InBounds() && !to.IsZero():
		fe.Add("ends_on", office.BoundsMessage)
	case !from.IsZero() && !to.IsZero() && to.Before(from):
		fe.Add("ends_on", "must not be before starts_on")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&Booking{}).
		Where("day >= ? AND day <= ? AND starts_at > ?", from, to, s.now()).Where(upcoming(s.now()))
	if departmentID > 0 {
		q = q.Where("service_id IN (SELECT id FROM services WHERE department_id = ?)", departmentID)
	}
	ids := []int64{}
	if err := q.Order("starts_at, id").Pluck("id", &ids).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return ids, nil
}

// ofMatter selects the bookings of matter serviceID: their own, and the
// visits of several matters that include it.
func ofMatter(serviceID int64) clause.Expr {
	return gorm.Expr("(service_id = ? OR (matters > 0 AND id IN (SELECT booking_id FROM booking_items WHERE service_id = ?)))", serviceID, serviceID)
}

// Upcoming returns the ids of the booked bookings of service serviceID
// (visits of several matters with it among them included),
// and the pending ones still held, whose visit has not begun yet: the
// bookings withdrawing the matter would cancel. Ordered by start, then id.
// EINTERNAL.
func (s *Store) Upcoming(ctx context.Context, serviceID int64) ([]int64, error) {
	ids := []int64{}
	err := s.db.WithContext(ctx).Model(&Booking{}).
		Where("starts_at > ?", s.now()).Where(ofMatter(serviceID)).Where(upcoming(s.now())).
		Order("starts_at, id").Pluck("id", &ids).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return ids, nil
}

// CancelEach cancels the bookings ids for the office (reason, the office's
// note to the resident), each in its own transaction with its cancellation
// message queued in the outbox (Cancel), and returns the ids cancelled. A
// booking checked in, cancelled or gone meanwhile is skipped; another
// failure stops there and is returned with the ids cancelled so far.
func (s *Store) CancelEach(ctx context.Context, ids []int64, reason, note string) ([]int64, error) {
	cancelled := []int64{}
	for _, id := range ids {
		_, err := s.Cancel(ctx, id, reason, note)
		switch okienko.ErrorCode(err) {
		case "":
			cancelled = append(cancelled, id)
		case okienko.ECONFLICT, okienko.ENOTFOUND: // changed meanwhile
		default:
			return cancelled, err
		}
	}
	return cancelled, nil
}

// OffGrid counts the future live bookings of a service (booked or checked
// in, starting from now on) and how many of them would not start on a slot
// if the service's slots were slotMinutes long: the department's opening
// intervals of each day tiled from their start, as the slot grid does. Days
// closed since the booking was made are tiled from their opening hours.
// Nothing changes; the bookings stay valid whatever the grid. ENOTFOUND for
// an unknown service; EINVALID on "slot_minutes" outside 5–480.
func (s *Store) OffGrid(ctx context.Context, serviceID int64, slotMinutes int) (total, offGrid int, err error) {
	if slotMinutes < MinSlotMinutes || slotMinutes > MaxSlotMinutes {
		return 0, 0, okienko.Invalid("slot_minutes", fmt.Sprintf("must be between %d and %d minutes", MinSlotMinutes, MaxSlotMinutes))
	}
	db := s.db.WithContext(ctx)
	svc, err := s.offices.Service(ctx, serviceID)
	if err != nil {
		return 0, 0, err
	}
	var starts []time.Time
	err = db.Model(&Booking{}).
		Where("service_id = ? AND status IN ? AND starts_at >= ?", serviceID, liveStatuses, s.now()).
		Order("starts_at").Pluck("starts_at", &starts).Error
	if err != nil {
		return 0, 0, okienko.Internal(err)
	}
	if len(starts) == 0 {
		return 0, 0, nil
	}
	loc, err := s.location(ctx, s.db)
	if err != nil {
		return 0, 0, err
	}
	dep, err := s.offices.Department(ctx, svc.DepartmentID)
	if err != nil {
		return 0, 0, err
	}
	first := office.DateOf(starts[0].In(loc))
	last := office.DateOf(starts[len(starts)-1].In(loc))
	length := time.Duration(slotMinutes) * time.Minute
	onGrid := map[int64]bool{} // UTC unix seconds of every slot start
	for from := first; !from.After(last); from = from.AddDays(office.MaxOpeningDays) {
		to := from.AddDays(office.MaxOpeningDays - 1)
		if to.After(last) {
			to = last
		}
		days, err := s.offices.OpeningDays(ctx, svc.DepartmentID, from, to)
		if err != nil {
			return 0, 0, err
		}
		for _, d := range days {
			spans := d.Spans
			if d.Closed != "" {
				spans = office.OpeningSpans(loc, dep.Hours, d.Date)
			}
			for _, sp := range spans {
				for t := sp.Start; !t.Add(length).After(sp.End); t = t.Add(length) {
					onGrid[t.Unix()] = true
				}
			}
		}
	}
	for _, st := range starts {
		total++
		if !onGrid[st.Unix()] {
			offGrid++
		}
	}
	return total, offGrid, nil
}
