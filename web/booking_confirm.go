package web

import (
	"github.com/gofiber/fiber/v2"
)

type confirmRequest struct {
	Token string `json:"token"`
}

// confirmBooking: POST /api/v1/bookings/{code}/confirm {token} — confirms a
// pending booking with the token of its e-mail's link (booking.Store.Confirm):
// 200 with the booking, booked; again 200 once confirmed. 403 naming token
// for a wrong one (nothing written), 409 with reason "expired" when the
// hold lapsed.
func (s *Server) confirmBooking(c *fiber.Ctx) error {
	var req confirmRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	b, err := s.Bookings.Confirm(c.UserContext(), c.Params("code"), req.Token)
	if err != nil {
		return err
	}
	return s.answerBooking(c, b)
}
