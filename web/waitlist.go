package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// The waitlist for full days over HTTP (DESIGN section 12): a thin
// translation to booking.Store's JoinWaitlist, AcceptOffer, CancelWaiting
// and DayWaitlist.

type waitRequest struct {
	ServiceID int64       `json:"service_id"`
	Date      office.Date `json:"date"`
	Name      string      `json:"name"`
	PESEL     string      `json:"pesel"`
	Email     string      `json:"email"`
	Phone     string      `json:"phone"`
	Consent   bool        `json:"consent"`
	Lang      string      `json:"lang"`
}

type waitView struct {
	ID        int64       `json:"id"`
	Status    string      `json:"status"`
	ServiceID int64       `json:"service_id"`
	Date      office.Date `json:"date"`
}

func viewOfWait(e *booking.WaitEntry) waitView {
	return waitView{ID: e.ID, Status: e.Status, ServiceID: e.ServiceID, Date: e.Day}
}

// joinWaitlist: POST /api/v1/waitlist — 201 {id, status:"waiting",
// service_id, date}; the link to leave the list goes to the resident by
// e-mail (and SMS). 422 naming the field for bad input, 409 when the day
// has a free seat or the PESEL already waits for it.
func (s *Server) joinWaitlist(c *fiber.Ctx) error {
	var req waitRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.proofOfService(c.UserContext(), req.ServiceID, proofHeader(c)); err != nil {
		return err
	}
	e, _, err := s.Bookings.JoinWaitlist(c.UserContext(), waitBody(req))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(viewOfWait(e))
}

func waitBody(req waitRequest) booking.WaitRequest {
	return booking.WaitRequest{ServiceID: req.ServiceID, Day: req.Date, Name: req.Name, PESEL: req.PESEL,
		Email: req.Email, Phone: req.Phone, Consent: req.Consent, Lang: req.Lang}
}

type acceptRequest struct {
	Token string  `json:"token"`
	Start Instant `json:"start"`
}

// acceptOffer: POST /api/v1/waitlist/{id}/accept {token, start} — the
// offered seat becomes a booking: 200 with the booking and its code (again
// 200 once accepted). 403 naming token for a wrong one, 422 naming start
// when it is not the held time, 409 with reason waiting, expired,
// cancelled or limit.
func (s *Server) acceptOffer(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req acceptRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	b, err := s.Bookings.AcceptOffer(c.UserContext(), id, req.Token, req.Start.Time)
	if err != nil {
		return err
	}
	return s.answerBooking(c, b)
}

// leaveWaitlist: POST /api/v1/waitlist/{id}/cancel {token} — 200 {id,
// status:"cancelled", …}; an offered seat passes to the next in line.
// 403 naming token for a wrong one, 409 when no longer on the list.
func (s *Server) leaveWaitlist(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req confirmRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.Bookings.CancelWaiting(c.UserContext(), id, req.Token)
	if err != nil {
		return err
	}
	return c.JSON(viewOfWait(e))
}

// dayWaitlist: GET /api/v1/admin/services/{id}/waitlist?date= — the day's
// list in order of joining: {date, entries:[{id, position, status, name,
// pesel_last4, created_at, start?, offer_until?, code?}]}.
func (s *Server) dayWaitlist(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	fe := okienko.FieldErrors{}
	day := queryDate(c, "date", fe)
	if day.IsZero() {
		fe.Add("date", "required: a date YYYY-MM-DD")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := s.Offices.Service(c.UserContext(), id); err != nil {
		return err
	}
	lines, err := s.Bookings.DayWaitlist(c.UserContext(), id, day)
	if err != nil {
		return err
	}
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	for i := range lines {
		lines[i].CreatedAt = lines[i].CreatedAt.In(loc)
		if t := lines[i].Start; t != nil {
			v := t.In(loc)
			lines[i].Start = &v
		}
		if t := lines[i].OfferUntil; t != nil {
			v := t.In(loc)
			lines[i].OfferUntil = &v
		}
	}
	return c.JSON(fiber.Map{"date": day, "entries": lines})
}
