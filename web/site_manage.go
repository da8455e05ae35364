package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/ratelimit/proof"
)

// lookupData is the form that finds a booking by its code and PESEL.
type lookupData struct {
	Fields []formField
	Errors *formErrors
	Proof  bool // some matter asks for proof of work: the browser solves it
}

func lookupFields(l *locale, code, pesel string, fe *formErrors) []formField {
	return l.Fields(
		formField{ID: "code", Label: l.T("manage.code"), Hint: l.T("manage.codeHint"), Value: code, Type: "text", Autocomplete: "off", MaxLength: 12, Error: fe.Error("code"), Class: "short code-input"},
		peselField(l, pesel, fe),
	)
}

func peselField(l *locale, pesel string, fe *formErrors) formField {
	return l.Field(formField{ID: "pesel", Label: l.T("form.pesel"), Hint: l.T("manage.peselHint"), Value: pesel, Type: "text", Autocomplete: "off", InputMode: "numeric", MaxLength: 11, Error: fe.Error("pesel"), Class: "short"})
}

// manageForm: GET /rezerwacja?kod= — find a booking by code and PESEL.
func (s *Server) manageForm(c *fiber.Ctx) error {
	p, err := s.page(c, "manage.title")
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	pow, err := s.anyProofOfWork(c)
	if err != nil {
		return err
	}
	p.Data = lookupData{Fields: lookupFields(p.L, utils.CopyString(c.Query("kod")), "", nil), Proof: pow}
	return showSite(c, fiber.StatusOK, "site_lookup", p)
}

// manageData is a booking found by its code and PESEL, with the form that
// cancels it.
type manageData struct {
	bookingPageData
	PESEL string
}

// manageSubmit: POST /rezerwacja {code, pesel} — shows the booking and, while
// it can still be cancelled, a button that cancels it. A wrong code or PESEL
// shows the form again with the error.
func (s *Server) manageSubmit(c *fiber.Ctx) error {
	p, err := s.page(c, "manage.title")
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	code, pesel := utils.CopyString(c.FormValue("code")), utils.CopyString(c.FormValue("pesel"))
	pow, err := s.anyProofOfWork(c)
	if err != nil {
		return err
	}
	// The booking's matter decides, before anything is said of the PESEL.
	if b, err := s.Bookings.Get(c.UserContext(), code); err == nil {
		solution := utils.CopyString(c.FormValue(proof.Field))
		if err := s.proofOfBooking(c.UserContext(), b, solution); err != nil {
			if !isProofRefusal(err) {
				return err
			}
			fe := proofFormErrors(p.L, solution)
			p.Invalid = true
			p.Data = lookupData{Fields: lookupFields(p.L, code, pesel, nil), Errors: fe, Proof: pow}
			return showSite(c, fe.Status, "site_lookup", p)
		}
	}
	b, err := s.Bookings.Find(c.UserContext(), code, pesel)
	if err != nil {
		labels := map[string]string{"code": p.L.T("manage.code"), "pesel": p.L.T("form.pesel")}
		fe, ok := fieldErrorsOf(p.L, err, []string{"code", "pesel"}, labels)
		if !ok {
			return err
		}
		p.Invalid = true
		p.Data = lookupData{Fields: lookupFields(p.L, code, pesel, fe), Errors: fe, Proof: pow}
		return showSite(c, fe.Status, "site_lookup", p)
	}
	v, err := s.bookingView(c, p, b)
	if err != nil {
		return err
	}
	p.Title = p.L.T("booking.title", "Code", v.Code)
	p.Data = manageData{bookingPageData: v, PESEL: strings.TrimSpace(pesel)}
	return showSite(c, fiber.StatusOK, "site_manage", p)
}

// cancelData is the page that cancels a booking by its code: the e-mail's
// cancel link lands here, and the resident confirms with the PESEL.
type cancelData struct {
	bookingPageData
	Action string
	Field  formField
	Errors *formErrors
}

// bookingByPathCode reads the booking of the :code in the path; a malformed
// code is a page not found like an unknown one.
func (s *Server) bookingByPathCode(c *fiber.Ctx) (*booking.Booking, error) {
	b, err := s.Bookings.Get(c.UserContext(), c.Params("code"))
	if okienko.ErrorCode(err) == okienko.EINVALID {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	}
	return b, err
}

// cancelForm: GET /rezerwacja/{code}/odwolaj — the booking and a form with
// its PESEL and a button that cancels it. A GET never cancels, so mail
// scanners following the link change nothing.
func (s *Server) cancelForm(c *fiber.Ctx) error {
	return s.showCancel(c, "", nil)
}

// showCancel renders the cancel page of the booking in the path with the
// PESEL entered and the errors of the last try.
func (s *Server) showCancel(c *fiber.Ctx, pesel string, fe *formErrors) error {
	b, err := s.bookingByPathCode(c)
	if err != nil {
		return err
	}
	p, err := s.page(c, "cancel.title", "Code", booking.FormatCode(b.Code))
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	v, err := s.bookingView(c, p, b)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if fe != nil {
		p.Invalid, status = true, fe.Status
	}
	p.Data = cancelData{bookingPageData: v, Action: v.CancelHref, Field: peselField(p.L, pesel, fe), Errors: fe}
	return showSite(c, status, "site_cancel", p)
}

// cancelSubmit: POST /rezerwacja/{code}/odwolaj {pesel} — cancels the booking
// and redirects (303) to its page, which says so; a wrong PESEL, or a
// booking that can't be cancelled any more, shows the cancel page again with
// the error.
func (s *Server) cancelSubmit(c *fiber.Ctx) error {
	pesel := utils.CopyString(c.FormValue("pesel"))
	solution := utils.CopyString(c.FormValue(proof.Field))
	if err := s.proofOfCode(c, solution); err != nil {
		if !isProofRefusal(err) {
			return err
		}
		l, _ := c.Locals(siteLocaleKey).(*locale)
		return s.showCancel(c, pesel, proofFormErrors(l, solution))
	}
	b, err := s.Bookings.CancelByCode(c.UserContext(), c.Params("code"), pesel)
	if err == nil {
		return c.Redirect(bookingPath(b.Code)+"?odwolano=1", fiber.StatusSeeOther)
	}
	if e := okienko.AsError(err); e.Code == okienko.EINVALID && e.Fields["code"] != "" {
		return okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	}
	l, _ := c.Locals(siteLocaleKey).(*locale)
	fe, ok := fieldErrorsOf(l, err, []string{"pesel"}, map[string]string{"pesel": l.T("form.pesel")})
	if !ok {
		return err
	}
	return s.showCancel(c, pesel, fe)
}

// cancelByDayData is the form that cancels by PESEL, matter and day.
type cancelByDayData struct {
	PESEL     formField
	Date      formField
	ServiceID int64
	ServiceEr string
	Matters   []office.Department
	Errors    *formErrors
	Proof     bool // some matter asks for proof of work: the browser solves it
}

// cancelByDayForm: GET /odwolaj — cancel a visit by PESEL, matter and day,
// as residents are used to.
func (s *Server) cancelByDayForm(c *fiber.Ctx) error {
	sid, _ := strconv.ParseInt(c.Query("sprawa"), 10, 64)
	// A link may name the day (the booking form's same-day refusal does).
	date := ""
	if d, err := office.ReadDate(c.Query("data")); err == nil && d.InBounds() {
		date = d.String()
	}
	return s.showCancelByDay(c, fiber.StatusOK, "", sid, date, nil)
}

func (s *Server) showCancelByDay(c *fiber.Ctx, status int, pesel string, serviceID int64, date string, fe *formErrors) error {
	p, err := s.page(c, "cancelDay.title")
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	deps, err := s.Offices.Departments(c.UserContext(), true)
	if err != nil {
		return err
	}
	pow, err := s.anyProofOfWork(c)
	if err != nil {
		return err
	}
	l := p.L
	p.Invalid = fe != nil
	p.Data = cancelByDayData{
		PESEL:     peselField(l, pesel, fe),
		Date:      l.Field(formField{ID: "date", Label: l.T("cancelDay.date"), Hint: l.T("cancelDay.dateHint"), Value: date, Type: "date", Error: fe.Error("date"), Class: "short"}),
		ServiceID: serviceID, ServiceEr: fe.Error("service_id"), Matters: deps, Errors: fe, Proof: pow,
	}
	return showSite(c, status, "site_cancel_day", p)
}

// parseDay reads a day typed as YYYY-MM-DD (a date input) or DD.MM.YYYY (a
// text box where the browser has no date input).
func parseDay(v string) (office.Date, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.DateOnly, "2.1.2006", "02.01.2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			// A day outside office.MinDate..MaxDate is read as it is and
			// refused, with its own message, by CancelByDay.
			return office.DateOf(t), true
		}
	}
	return office.Date{}, false
}

// cancelByDaySubmit: POST /odwolaj {pesel, service_id, date} — cancels the
// resident's visit and redirects (303) to the booking's page; errors show
// the form again next to the fields.
func (s *Server) cancelByDaySubmit(c *fiber.Ctx) error {
	l, _ := c.Locals(siteLocaleKey).(*locale)
	pesel, date := utils.CopyString(c.FormValue("pesel")), utils.CopyString(c.FormValue("date"))
	sid, _ := strconv.ParseInt(c.FormValue("service_id"), 10, 64)
	day, ok := parseDay(date)
	solution := utils.CopyString(c.FormValue(proof.Field))
	if err := s.proofOfService(c.UserContext(), sid, solution); err != nil {
		if !isProofRefusal(err) {
			return err
		}
		return s.showCancelByDay(c, fiber.StatusForbidden, pesel, sid, date, proofFormErrors(l, solution))
	}
	b, err := s.Bookings.CancelByDay(c.UserContext(), pesel, sid, day)
	if err == nil {
		return c.Redirect(bookingPath(b.Code)+"?odwolano=1", fiber.StatusSeeOther)
	}
	if e := okienko.AsError(err); !ok && date != "" && e.Fields["date"] != "" {
		e.Fields["date"] = "not a date"
	}
	labels := map[string]string{"pesel": l.T("form.pesel"), "service_id": l.T("cancelDay.matter"), "date": l.T("cancelDay.date")}
	fe, ok := fieldErrorsOf(l, err, []string{"pesel", "service_id", "date"}, labels)
	if !ok {
		return err
	}
	return s.showCancelByDay(c, fe.Status, pesel, sid, date, fe)
}
