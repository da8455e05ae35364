package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// bookingView is a booking as the public API shows it: no personal data.
type bookingView struct {
	Code        string      `json:"code"`
	Status      string      `json:"status"`
	ServiceID   int64       `json:"service_id"`
	Date        office.Date `json:"date"`
	Start       time.Time   `json:"start"`
	End         time.Time   `json:"end"`
	CalendarURL string      `json:"calendar_url"`
	// ConfirmBy is when a pending booking's hold lapses unless confirmed.
	ConfirmBy *time.Time `json:"confirm_by,omitempty"`
	// PESELVerified: the PESEL came from the national trusted profile.
	PESELVerified bool `json:"pesel_verified"`
	// Items are the matters of a visit of several, in order.
	Items []bookingItemView `json:"items,omitempty"`
}

// bookingItemView is one matter of a visit of several with its time.
type bookingItemView struct {
	ServiceID int64     `json:"service_id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

func (s *Server) viewOf(b *booking.Booking, loc *time.Location) bookingView {
	v := bookingView{
		Code: booking.FormatCode(b.Code), Status: b.StatusAt(s.Clock.Now()), ServiceID: b.ServiceID, Date: b.Day,
		Start: b.StartsAt.In(loc), End: b.EndsAt.In(loc),
		CalendarURL:   s.BaseURL + "/api/v1/bookings/" + booking.FormatCode(b.Code) + "/calendar.ics",
		PESELVerified: b.PESELVerified,
	}
	for _, it := range b.Items {
		v.Items = append(v.Items, bookingItemView{ServiceID: it.ServiceID, Start: it.StartsAt.In(loc), End: it.EndsAt.In(loc)})
	}
	if b.ConfirmBy != nil && v.Status == booking.StatusPending {
		by := b.ConfirmBy.In(loc)
		v.ConfirmBy = &by
	}
	return v
}

// answerBooking answers b as JSON with its times in the office's zone.
func (s *Server) answerBooking(c *fiber.Ctx, b *booking.Booking) error {
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	return c.JSON(s.viewOf(b, loc))
}

// officeLocation is the office's zone, for answering times with its offset.
func (s *Server) officeLocation(c *fiber.Ctx) (*time.Location, error) {
	off, err := s.Offices.Office(c.UserContext())
	if err != nil {
		return nil, err
	}
	return off.Location(), nil
}

// queryDate reads an optional YYYY-MM-DD query parameter, between
// office.MinDate and office.MaxDate; a bad one is added to fe under name and
// read as no date.
func queryDate(c *fiber.Ctx, name string, fe okienko.FieldErrors) office.Date {
	v := c.Query(name)
	if v == "" {
		return office.Date{}
	}
	d, err := office.ReadDate(v)
	if err != nil {
		fe.Add(name, err.Error())
	}
	return d
}

// serviceDays: GET /api/v1/services/{id}/days?from=&to= — free seats per
// day; from defaults to today, to to the end of the booking window.
func (s *Server) serviceDays(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	fe := okienko.FieldErrors{}
	from, to := queryDate(c, "from", fe), queryDate(c, "to", fe)
	if err := fe.Err(); err != nil {
		return err
	}
	if from.IsZero() || to.IsZero() {
		svc, err := s.Offices.Service(c.UserContext(), id)
		if err != nil {
			return err
		}
		loc, err := s.officeLocation(c)
		if err != nil {
			return err
		}
		if from.IsZero() {
			from = office.DateOf(s.Clock.Now().In(loc))
		}
		if to.IsZero() {
			to = office.DateOf(s.Clock.Now().In(loc)).AddDays(svc.BookingDaysAhead)
			if to.Before(from) {
				to = from
			}
		}
	}
	days, err := s.Bookings.Days(c.UserContext(), id, from, to)
	if err != nil {
		return err
	}
	return c.JSON(days)
}

// serviceSlots: GET /api/v1/services/{id}/slots?date= — the day's bookable
// times with free seats.
func (s *Server) serviceSlots(c *fiber.Ctx) error {
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
	slots, err := s.Bookings.Slots(c.UserContext(), id, day)
	if err != nil {
		return err
	}
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	for i := range slots {
		slots[i].Start, slots[i].End = slots[i].Start.In(loc), slots[i].End.In(loc)
	}
	return c.JSON(fiber.Map{"date": day, "slots": slots})
}

type bookRequest struct {
	ServiceID  int64   `json:"service_id"`
	ServiceIDs []int64 `json:"service_ids"`
	Start      Instant `json:"start"`
	Name       string  `json:"name"`
	PESEL      string  `json:"pesel"`
	Email      string  `json:"email"`
	Phone      string  `json:"phone"`
	Consent    bool    `json:"consent"`
	Lang       string  `json:"lang"`
}

// createBooking: POST /api/v1/bookings — 201 with the confirmation code.
// With a clerk's or an administrator's credentials (optionalStaff) it books
// for a resident who phoned in (booking.Request.ForCaller): no rate limit
// and no proof of work, the e-mail optional when a phone is given, booked
// at once even where the matter asks residents to confirm by e-mail, the
// clerk recorded in the audit log; the resident's limits still hold.
func (s *Server) createBooking(c *fiber.Ctx) error {
	var req bookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	staff := isStaff(c)
	if !staff {
		ids := req.ServiceIDs
		if ids == nil {
			ids = []int64{req.ServiceID}
		}
		if err := s.proofOfMatters(c.UserContext(), ids, proofHeader(c)); err != nil {
			return err
		}
	}
	b, err := s.Bookings.Book(c.UserContext(), booking.Request{
		ServiceID: req.ServiceID, ServiceIDs: req.ServiceIDs, Start: req.Start.Time, Name: req.Name, PESEL: req.PESEL,
		Email: req.Email, Phone: req.Phone, Consent: req.Consent, Lang: req.Lang,
		ClientAddr: s.clientIP(c), ForCaller: staff,
	})
	if err != nil {
		return err
	}
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	c.Location("/api/v1/bookings/" + booking.FormatCode(b.Code))
	return c.Status(fiber.StatusCreated).JSON(s.viewOf(b, loc))
}

// getBooking: GET /api/v1/bookings/{code}
func (s *Server) getBooking(c *fiber.Ctx) error {
	b, err := s.Bookings.Get(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	if err := s.proofOfBooking(c.UserContext(), b, proofHeader(c)); err != nil {
		return err
	}
	return s.answerBooking(c, b)
}

// bookingCalendar: GET /api/v1/bookings/{code}/calendar.ics — the booking's
// calendar file (booking.Calendar): METHOD:PUBLISH while it lives, the
// cancelling METHOD:CANCEL once it is cancelled. 404 for an unknown code.
func (s *Server) bookingCalendar(c *fiber.Ctx) error {
	ctx := c.UserContext()
	b, err := s.Bookings.Get(ctx, c.Params("code"))
	if err != nil {
		return err
	}
	svc, err := s.Offices.Service(ctx, b.ServiceID)
	if err != nil {
		return err
	}
	if svc.ProofOfWork {
		if err := s.verifyProof(ctx, proofHeader(c)); err != nil {
			return err
		}
	}
	return s.sendCalendar(c, b, svc)
}

// sendCalendar answers the calendar file of b, a booking of svc.
func (s *Server) sendCalendar(c *fiber.Ctx, b *booking.Booking, svc *office.Service) error {
	ctx := c.UserContext()
	dep, err := s.Offices.Department(ctx, svc.DepartmentID)
	if err != nil {
		return err
	}
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return err
	}
	if err := s.Bookings.Moves(ctx, b); err != nil {
		return err
	}
	var matters []*office.Service // a visit of several matters: each one's
	for _, it := range b.Items {
		m, err := s.Offices.Service(ctx, it.ServiceID)
		if err != nil {
			return err
		}
		matters = append(matters, m)
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="wizyta-`+b.Code+`.ics"`)
	return c.Send(booking.Calendar(b, svc, dep, off, s.BaseURL, s.BaseURL+bookingPath(b.Code), s.Clock.Now(), matters...))
}

type cancelByCodeRequest struct {
	PESEL string `json:"pesel"`
}

// cancelByCode: POST /api/v1/bookings/{code}/cancel {pesel}
func (s *Server) cancelByCode(c *fiber.Ctx) error {
	var req cancelByCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.proofOfCode(c, proofHeader(c)); err != nil {
		return err
	}
	b, err := s.Bookings.CancelByCode(c.UserContext(), c.Params("code"), req.PESEL)
	if err != nil {
		return err
	}
	return s.answerBooking(c, b)
}

type rescheduleRequest struct {
	PESEL string  `json:"pesel"`
	Start Instant `json:"start"`
}

// rescheduleBooking: POST /api/v1/bookings/{code}/reschedule {pesel, start}
// — moves the booked visit to another slot of its matter, keeping the code.
func (s *Server) rescheduleBooking(c *fiber.Ctx) error {
	var req rescheduleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.proofOfCode(c, proofHeader(c)); err != nil {
		return err
	}
	b, err := s.Bookings.Reschedule(c.UserContext(), c.Params("code"), req.PESEL, req.Start.Time)
	if err != nil {
		return err
	}
	return s.answerBooking(c, b)
}

type cancelByDayRequest struct {
	PESEL     string      `json:"pesel"`
	ServiceID int64       `json:"service_id"`
	Date      office.Date `json:"date"`
}

// cancelByDay: POST /api/v1/bookings/cancel {pesel, service_id, date}
func (s *Server) cancelByDay(c *fiber.Ctx) error {
	var req cancelByDayRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.proofOfService(c.UserContext(), req.ServiceID, proofHeader(c)); err != nil {
		return err
	}
	b, err := s.Bookings.CancelByDay(c.UserContext(), req.PESEL, req.ServiceID, req.Date)
	if err != nil {
		return err
	}
	return s.answerBooking(c, b)
}
