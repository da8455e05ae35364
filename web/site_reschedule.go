package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/ratelimit/proof"
)

// Changing the time of a visit: the manage page links to the matter's
// calendar with ?zmiana=CODE; the calendar and day pages carry the code on,
// and the day page's form leads to /rezerwacja/{code}/zmien?start=, which
// shows the visit, the new time and asks for the PESEL; its POST moves the
// visit (booking.Store.Reschedule) and redirects to the booking's page.

// movingQuery is the query parameter carrying the code of the visit whose
// time the resident is changing through the calendar and day pages.
const movingQuery = "zmiana"

// movingCode is the code (formatted) of the visit being moved, from the
// query; "" when there is none or it is malformed. It looks nothing up.
func movingCode(c *fiber.Ctx) string {
	code, err := booking.ParseCode(c.Query(movingQuery))
	if err != nil {
		return ""
	}
	return booking.FormatCode(code)
}

// rescheduleCalendarHref is the calendar of the matter where the resident
// chooses a new time for the visit with code.
func rescheduleCalendarHref(serviceID int64, code string) string {
	return matterPath(serviceID) + "/termin?" + movingQuery + "=" + url.QueryEscape(code)
}

// reschedulePath is the page that confirms the move of the visit with code.
func reschedulePath(code string) string { return bookingPath(code) + "/zmien" }

// rescheduleData is the page confirming a move: the visit as it is, the
// new time, and the PESEL field.
type rescheduleData struct {
	bookingPageData
	NewDate, NewTime string
	Start            string // RFC 3339, sent back in a hidden field
	Action           string
	ChooseHref       string
	Field            formField
	Errors           *formErrors
}

// rescheduleForm: GET /rezerwacja/{code}/zmien?start= — the visit, the new
// time chosen on the day page, and a form asking for the PESEL whose button
// moves it. A GET changes nothing. Without a readable start it sends the
// resident to the matter's calendar.
func (s *Server) rescheduleForm(c *fiber.Ctx) error {
	start, ok := parseStart(c.Query("start"))
	if !ok {
		b, err := s.bookingByPathCode(c)
		if err != nil {
			return err
		}
		return c.Redirect(rescheduleCalendarHref(b.ServiceID, booking.FormatCode(b.Code)), fiber.StatusSeeOther)
	}
	return s.showReschedule(c, start, "", nil)
}

// showReschedule renders the move page of the booking in the path for the
// new start with the PESEL entered and the errors of the last try.
func (s *Server) showReschedule(c *fiber.Ctx, start time.Time, pesel string, fe *formErrors) error {
	b, err := s.bookingByPathCode(c)
	if err != nil {
		return err
	}
	code := booking.FormatCode(b.Code)
	p, err := s.page(c, "reschedule.title", "Code", code)
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	v, err := s.bookingView(c, p, b)
	if err != nil {
		return err
	}
	local := start.In(p.Office.Location())
	status := fiber.StatusOK
	if fe != nil {
		p.Invalid, status = true, fe.Status
	}
	p.Data = rescheduleData{
		bookingPageData: v,
		NewDate:         p.L.LongDate(office.DateOf(local)), NewTime: local.Format("15:04"),
		Start: local.Format(time.RFC3339), Action: reschedulePath(code),
		ChooseHref: rescheduleCalendarHref(b.ServiceID, code),
		Field:      peselField(p.L, pesel, fe), Errors: fe,
	}
	return showSite(c, status, "site_reschedule", p)
}

// rescheduleSubmit: POST /rezerwacja/{code}/zmien {pesel, start} — moves the
// visit and redirects (303) to its page, which says so; a wrong PESEL, a
// time no longer free, a visit that can't be moved any more or a missing
// proof of work its matter asks for shows the page again with the error.
func (s *Server) rescheduleSubmit(c *fiber.Ctx) error {
	pesel := utils.CopyString(c.FormValue("pesel"))
	start, ok := parseStart(c.FormValue("start"))
	// No time to show: choose one again.
	chooseAgain := func() error {
		b, err := s.bookingByPathCode(c)
		if err != nil {
			return err
		}
		return c.Redirect(rescheduleCalendarHref(b.ServiceID, booking.FormatCode(b.Code)), fiber.StatusSeeOther)
	}
	solution := utils.CopyString(c.FormValue(proof.Field))
	if err := s.proofOfCode(c, solution); err != nil {
		if !isProofRefusal(err) {
			return err
		}
		if !ok {
			return chooseAgain()
		}
		l, _ := c.Locals(siteLocaleKey).(*locale)
		return s.showReschedule(c, start, pesel, proofFormErrors(l, solution))
	}
	b, err := s.Bookings.Reschedule(c.UserContext(), c.Params("code"), pesel, start)
	if err == nil {
		return c.Redirect(bookingPath(b.Code)+"?zmieniono=1", fiber.StatusSeeOther)
	}
	e := okienko.AsError(err)
	if e.Code == okienko.EINVALID && e.Fields["code"] != "" {
		return okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	}
	if !ok {
		return chooseAgain()
	}
	l, _ := c.Locals(siteLocaleKey).(*locale)
	fe, ok := fieldErrorsOf(l, err, []string{"pesel"}, map[string]string{"pesel": l.T("form.pesel")})
	if !ok {
		return err
	}
	return s.showReschedule(c, start, pesel, fe)
}
