package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// bookingsConflict is the 409 problem of deleting a matter that still has
// bookings to come: Bookings says how many a confirmed delete would cancel.
type bookingsConflict struct {
	Problem
	Bookings int `json:"bookings"`
}

// deleteService: DELETE /api/v1/admin/services/{id}?cancel_bookings=true
// withdraws a matter (office.Store.DeleteService: deleted when nothing
// refers to it, else archived and kept for its history). While it has
// booked or pending visits not yet begun, a delete without
// cancel_bookings=true is 409 with their count in "bookings", changing
// nothing; with it, they are cancelled first as a closure cancels its
// days' bookings (booking.Store.CancelEach: each with its notice in the
// outbox, reason "withdrawn"), the cancellation audited on the service,
// then the matter is withdrawn. A booking made meanwhile makes it 409
// again with the new count; one that slips past the check is cancelled
// after the withdrawal the same way. 404 for an unknown or withdrawn matter; 422 on
// cancel_bookings for another value than true or false.
func (s *Server) deleteService(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var confirmed bool
	switch c.Query("cancel_bookings") {
	case "", "false":
	case "true":
		confirmed = true
	default:
		return okienko.Invalid("cancel_bookings", "must be true or false")
	}
	svc, err := s.Offices.Service(ctx, id)
	if err != nil {
		return err
	}
	if svc.Archived() {
		return okienko.Errorf(okienko.ENOTFOUND, "service %d not found", id)
	}
	ids, err := s.Bookings.Upcoming(ctx, id)
	if err != nil {
		return err
	}
	if len(ids) > 0 && !confirmed {
		return s.bookingsConflict(c, len(ids))
	}
	if err := s.cancelForWithdrawal(c, id, ids); err != nil {
		return err
	}
	err = s.Offices.DeleteService(ctx, id)
	if okienko.ErrorCode(err) == okienko.ECONFLICT {
		// Booked meanwhile: ask again with the new count.
		if left, err2 := s.Bookings.Upcoming(ctx, id); err2 == nil && len(left) > 0 {
			return s.bookingsConflict(c, len(left))
		}
	}
	if err != nil {
		return err
	}
	// A booking whose seat path read the matter just before it was archived
	// may have committed just after the check: it is cancelled too, with
	// its notice (a booking begun after the archive is refused).
	left, err := s.Bookings.Upcoming(ctx, id)
	if err != nil {
		return err
	}
	if err := s.cancelForWithdrawal(c, id, left); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// cancelForWithdrawal cancels bookings ids of matter id with notice
// (booking.Store.CancelEach, reason "withdrawn") and audits those cancelled
// on the matter.
func (s *Server) cancelForWithdrawal(c *fiber.Ctx, id int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ctx := c.UserContext()
	cancelled, err := s.Bookings.CancelEach(ctx, ids, booking.ReasonWithdrawn, "")
	if len(cancelled) > 0 {
		after := map[string]any{"cancelled": len(cancelled), "booking_ids": cancelled}
		if err := audit.Record(ctx, s.DB.WithContext(ctx), s.Clock.Now(), AuditCancelBookings, office.ObjectService, id, nil, after); err != nil {
			return okienko.Internal(err)
		}
	}
	return err
}

// bookingsConflict answers 409 problem+json with the count of bookings a
// confirmed delete would cancel.
func (s *Server) bookingsConflict(c *fiber.Ctx, n int) error {
	p := bookingsConflict{
		Problem: Problem{Type: "about:blank", Title: "Conflict", Status: fiber.StatusConflict, Instance: c.Path(),
			Detail: "the matter still has bookings to come; delete with cancel_bookings=true to cancel them with notice to the residents"},
		Bookings: n,
	}
	c.Status(fiber.StatusConflict)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}
