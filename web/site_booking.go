package web

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/ratelimit/proof"
)

// bookingFormData is what the booking form shows: the chosen visit and the
// resident's fields with their errors.
type bookingFormData struct {
	Service      *office.Service
	Department   *office.Department
	LongDate     string
	Time         string
	Start        string // RFC 3339, sent back in a hidden field
	DayHref      string
	Action       string
	Fields       []formField
	Consent      bool
	ConsentError string
	Errors       *formErrors
	// Trusted is the resident signed in with the trusted profile (their
	// PESEL is not typed); TrustedOffered shows the sign-in button instead,
	// coming back to ReturnTo, this form's address.
	Trusted        *auth.Resident
	TrustedOffered bool
	ReturnTo       string
	PESELError     string // about the trusted PESEL (a visit that day already)
	// A visit of several matters (site_visit.go): the matters offered to
	// add (Others, sent by GET to Path), those chosen (More, sent again
	// with the booking), and the visit's matters with their times (Visit)
	// ending at End.
	Others []matterChoice
	Path   string
	More   []int64
	Visit  []visitLine
	End    string
}

// bookingFormFor is bookingFormOf for the booking form of request c: with
// the trusted profile's resident, or its button when it is configured.
// A signed-in resident's name fills an empty name field; their PESEL has
// no field.
func (s *Server) bookingFormFor(c *fiber.Ctx, p *sitePage, svc *office.Service, dep *office.Department, start time.Time, values map[string]string, consent bool, fe *formErrors) bookingFormData {
	r := s.trustedResident(c)
	if r != nil && values["name"] == "" {
		values = maps.Clone(values)
		values["name"] = r.Name()
	}
	d := s.bookingFormOf(p, svc, dep, start, values, consent, fe)
	if s.Residents == nil {
		return d
	}
	d.Trusted, d.TrustedOffered, d.ReturnTo = r, r == nil, d.Action
	if r == nil {
		// The sign-in form's POST is redirected to the identity provider:
		// the page's form-action must allow it.
		csp := string(c.Response().Header.Peek(fiber.HeaderContentSecurityPolicy))
		c.Set(fiber.HeaderContentSecurityPolicy, strings.Replace(csp, "form-action 'self'", "form-action 'self' "+s.Residents.SignInOrigin(), 1))
	}
	if r != nil {
		d.PESELError = fe.Error("pesel")
	}
	if r != nil {
		d.Fields = slices.DeleteFunc(d.Fields, func(f formField) bool { return f.ID == "pesel" })
	}
	return d
}

// bookingFieldOrder are the booking form's fields, as the domain names them.
var bookingFieldOrder = []string{"name", "pesel", "email", "phone", "consent"}

// parseStart reads the start of the chosen time, RFC 3339; a "+" of the
// offset turned into a space by a hand-made URL is taken back.
func parseStart(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.ReplaceAll(strings.TrimSpace(v), " ", "+"))
	return t, err == nil
}

// bookingForm: GET /sprawy/{id}/rezerwacja?start= — the form for the visit
// at start: name, PESEL, e-mail, optional phone and the consent. Without a
// readable start it sends the resident back to the calendar.
func (s *Server) bookingForm(c *fiber.Ctx) error {
	svc, dep, p, err := s.bookingFormPage(c)
	if err != nil {
		return err
	}
	start, ok := parseStart(c.Query("start"))
	if !ok {
		// The day page's form sent without a time chosen: back to that day,
		// asking for one.
		if day, err := office.ReadDate(c.Query("day")); err == nil && day.InBounds() {
			return c.Redirect(matterPath(svc.ID)+"/termin/"+day.String()+"?"+chooseQuery+"=1", fiber.StatusSeeOther)
		}
		return c.Redirect(matterPath(svc.ID)+"/termin", fiber.StatusSeeOther)
	}
	p.CSRF = s.csrfToken(c)
	d := s.bookingFormFor(c, p, svc, dep, start, map[string]string{}, false, nil)
	offered, err := s.combinableMatters(c, svc)
	if err != nil {
		return err
	}
	fe, err := s.withVisit(c, p, &d, svc, start, offered, moreMatters(c.Context().QueryArgs().PeekMulti("more"), offered))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if fe != nil {
		d.Errors, p.Invalid, status = fe, true, fe.Status
	}
	p.Data = d
	return showSite(c, status, "site_form", p)
}

// bookingFormOf fills the booking form with values and errors.
func (s *Server) bookingFormOf(p *sitePage, svc *office.Service, dep *office.Department, start time.Time, values map[string]string, consent bool, fe *formErrors) bookingFormData {
	l := p.L
	local := start.In(p.Office.Location())
	day := office.DateOf(local)
	return bookingFormData{
		Service: svc, Department: dep, LongDate: l.LongDate(day), Time: local.Format("15:04"),
		Start: local.Format(time.RFC3339), DayHref: matterPath(svc.ID) + "/termin/" + day.String(),
		Action:  matterPath(svc.ID) + "/rezerwacja?start=" + url.QueryEscape(local.Format(time.RFC3339)),
		Consent: consent, Errors: fe,
		ConsentError: fe.Error("consent"),
		Fields: l.Fields(
			formField{ID: "name", Label: l.T("form.name"), Hint: l.T("form.nameHint"), Value: values["name"], Type: "text", Autocomplete: "name", MaxLength: booking.NameMaxRunes, Error: fe.Error("name")},
			formField{ID: "pesel", Label: l.T("form.pesel"), Hint: l.T("form.peselHint"), Value: values["pesel"], Type: "text", Autocomplete: "off", InputMode: "numeric", MaxLength: 11, Error: fe.Error("pesel"), Class: "short"},
			formField{ID: "email", Label: l.T("form.email"), Hint: l.T("form.emailHint"), Value: values["email"], Type: "email", Autocomplete: "email", MaxLength: booking.EmailMaxLen, Error: fe.Error("email")},
			formField{ID: "phone", Label: l.T("form.phone"), Hint: l.T("form.phoneHint"), Value: values["phone"], Type: "tel", Autocomplete: "tel", MaxLength: 20, Optional: true, Error: fe.Error("phone"), Class: "short"},
		),
	}
}

// bookingFormPage reads the matter of the booking form's path and starts
// the form's page.
func (s *Server) bookingFormPage(c *fiber.Ctx) (*office.Service, *office.Department, *sitePage, error) {
	id, err := pathServiceID(c)
	if err != nil {
		return nil, nil, nil, err
	}
	svc, dep, err := s.offeredMatter(c, id)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := s.page(c, "form.title")
	if err == nil {
		p.Title = p.L.T("form.title", "Name", svc.NameIn(p.L.Lang))
	}
	return svc, dep, p, err
}

// bookingFormValues reads what the booking form sent: the resident's
// fields (copied), the consent and the chosen start, ok false without a
// readable start.
func bookingFormValues(c *fiber.Ctx) (values map[string]string, consent bool, start time.Time, ok bool) {
	values = map[string]string{}
	for _, f := range []string{"name", "pesel", "email", "phone"} {
		values[f] = utils.CopyString(c.FormValue(f))
	}
	start, ok = parseStart(c.FormValue("start"))
	return values, c.FormValue("consent") != "", start, ok
}

// bookingSubmit: POST /sprawy/{id}/rezerwacja — books the visit and
// redirects (303) to its confirmation page; on bad input or a conflict it
// shows the form again with the server's errors next to the fields and the
// values entered.
func (s *Server) bookingSubmit(c *fiber.Ctx) error {
	svc, dep, p, err := s.bookingFormPage(c)
	if err != nil {
		return err
	}
	id := svc.ID
	values, consent, start, ok := bookingFormValues(c)
	if !ok {
		return c.Redirect(matterPath(id)+"/termin", fiber.StatusSeeOther)
	}
	if svc.ProofOfWork {
		solution := utils.CopyString(c.FormValue(proof.Field))
		if err := s.verifyProof(c.UserContext(), solution); err != nil {
			if !isProofRefusal(err) {
				return err
			}
			p.Invalid = true
			p.CSRF = s.csrfToken(c)
			p.Data = s.bookingFormFor(c, p, svc, dep, start, values, consent, proofFormErrors(p.L, solution))
			return showSite(c, fiber.StatusForbidden, "site_form", p)
		}
	}
	offered, err := s.combinableMatters(c, svc)
	if err != nil {
		return err
	}
	more := moreMatters(c.Request().PostArgs().PeekMulti("more"), offered)
	req := booking.Request{
		ServiceID: id, Start: start, Name: values["name"], PESEL: values["pesel"],
		Email: values["email"], Phone: values["phone"], Consent: consent, Lang: p.L.Lang,
		ClientAddr: s.clientIP(c),
	}
	if len(more) > 0 {
		req.ServiceID, req.ServiceIDs = 0, append([]int64{id}, more...)
	}
	if r := s.trustedResident(c); r != nil {
		// The trusted profile's PESEL, whatever the form says.
		req.PESEL, req.PESELVerified = r.PESEL, true
	}
	b, err := s.Bookings.Book(c.UserContext(), req)
	if err == nil {
		return c.Redirect(bookingPath(b.Code), fiber.StatusSeeOther)
	}
	labels := map[string]string{"name": p.L.T("form.name"), "pesel": p.L.T("form.pesel"), "email": p.L.T("form.email"), "phone": p.L.T("form.phone"), "consent": p.L.T("form.consentLabel")}
	fe, ok := fieldErrorsOf(p.L, err, bookingFieldOrder, labels)
	if !ok {
		return err
	}
	if m := sameDayConflict.FindStringSubmatch(okienko.AsError(err).Message); m != nil {
		// The resident already holds a visit of this matter that day: lead
		// them to it. Its code is not shown (a PESEL alone must not reveal
		// a booking); the manage page takes the code from the e-mail, and
		// the cancel form finds the visit by the PESEL, matter and day.
		fe.Summary = append(fe.Summary,
			errorItem{Href: "/rezerwacja", Text: p.L.T("err.sameDayManage")},
			errorItem{Href: "/odwolaj?sprawa=" + itoa64(id) + "&data=" + m[1], Text: p.L.T("err.sameDayCancel")})
	}
	p.Invalid = true
	p.CSRF = s.csrfToken(c)
	d := s.bookingFormFor(c, p, svc, dep, start, values, consent, fe)
	if _, err := s.withVisit(c, p, &d, svc, start, offered, more); err != nil {
		return err
	}
	p.Data = d
	return showSite(c, fe.Status, "site_form", p)
}

// sameDayConflict is the booking engine's refusal of a second visit of one
// matter on one day for one PESEL; its group is the day.
var sameDayConflict = regexp.MustCompile(`^this PESEL already has a booking for this matter on ([0-9]{4}-[0-9]{2}-[0-9]{2})$`)

// bookingLimited answers a booking form sent past the address's limit: the
// form again, 429 with Retry-After, everything typed kept, and a message
// saying in how many minutes and at what time to try again. Without a
// readable form it answers tooMany, the site's 429 page.
func (s *Server) bookingLimited(c *fiber.Ctx, tooMany *okienko.Error) error {
	svc, dep, p, err := s.bookingFormPage(c)
	if err != nil {
		return err
	}
	values, consent, start, ok := bookingFormValues(c)
	if !ok {
		return tooMany
	}
	wait := max(tooMany.RetryAfter, time.Second)
	minutes := int((wait + time.Minute - 1) / time.Minute)
	at := s.Clock.Now().Add(wait).In(p.Office.Location()).Format("15:04")
	fe := &formErrors{Fields: map[string]string{}, Status: fiber.StatusTooManyRequests, Title: p.L.T("form.tooManyTitle"),
		Summary: []errorItem{{Text: p.L.N("form.tooMany", minutes, "Time", at)}}}
	c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(wait))
	p.Invalid = true
	p.CSRF = s.csrfToken(c)
	p.Data = s.bookingFormFor(c, p, svc, dep, start, values, consent, fe)
	return showSite(c, fe.Status, "site_form", p)
}

// bookingPath is the page of the booking with code.
func bookingPath(code string) string { return "/rezerwacja/" + booking.FormatCode(code) }

// bookingPageData is what the booking's page shows.
type bookingPageData struct {
	Code         string
	Status       string
	Service      *office.Service
	Department   *office.Department
	LongDate     string
	From, To     string
	QRHref       string
	CalendarHref string
	CancelHref   string
	MoveHref     string // the calendar for choosing a new time
	Live         bool
	CanCancel    bool
	Cancelled    bool   // just cancelled by the resident
	Confirmed    bool   // just confirmed by the resident
	Moved        bool   // just moved to another time by the resident
	Pending      bool   // awaiting the resident's confirmation by e-mail
	ConfirmTime  string // when the hold lapses, office time, while Pending
	ConfirmDate  string
	ByOffice     bool   // cancelled by the office (a closure)
	Reason       string // the office's words on why, when ByOffice
	// Visit is a visit of several matters' matters with their times (it
	// can't be moved, only cancelled); nil for one matter.
	Visit []visitLine
}

// bookingView reads what a booking's page shows of b.
func (s *Server) bookingView(c *fiber.Ctx, p *sitePage, b *booking.Booking) (bookingPageData, error) {
	svc, dep, err := s.matterOf(c, b.ServiceID)
	if err != nil {
		return bookingPageData{}, err
	}
	loc := p.Office.Location()
	code := booking.FormatCode(b.Code)
	now := s.Clock.Now()
	pending := b.AwaitingConfirmation(now)
	d := bookingPageData{
		Code: code, Status: b.StatusAt(now), Service: svc, Department: dep,
		LongDate: p.L.LongDate(office.DateOf(b.StartsAt.In(loc))),
		From:     b.StartsAt.In(loc).Format("15:04"), To: b.EndsAt.In(loc).Format("15:04"),
		QRHref: "/rezerwacja/" + code + "/qr.svg", CalendarHref: "/rezerwacja/" + code + "/kalendarz.ics",
		CancelHref: "/rezerwacja/" + code + "/odwolaj", MoveHref: rescheduleCalendarHref(b.ServiceID, code),
		Live: b.Live(), CanCancel: (b.Status == booking.StatusBooked || pending) && now.Before(b.StartsAt),
		ByOffice: b.CancelledByOffice(), Reason: officeReason(b), Pending: pending,
	}
	if d.Visit, err = s.visitLines(c, b.Items, loc, p.L.Lang); err != nil {
		return bookingPageData{}, err
	}
	if d.Visit != nil {
		d.To = b.Items[len(b.Items)-1].EndsAt.In(loc).Format("15:04")
	}
	if pending {
		by := b.ConfirmBy.In(loc)
		d.ConfirmTime, d.ConfirmDate = by.Format("15:04"), p.L.LongDate(office.DateOf(by))
	}
	return d, nil
}

// officeReason is why the office cancelled b, in its words; "" when it did
// not cancel b or gave no reason.
func officeReason(b *booking.Booking) string {
	if !b.CancelledByOffice() {
		return ""
	}
	return strings.TrimSpace(b.CancelNote)
}

// bookingPage: GET /rezerwacja/{code} — the confirmation and status of a
// booking: the code large, the visit, a QR code of the code for the kiosk,
// the calendar file and printing. ?odwolano=1 after a cancellation says it
// was cancelled. An unknown or malformed code is a page not found.
func (s *Server) bookingPage(c *fiber.Ctx) error {
	b, err := s.Bookings.Get(c.UserContext(), c.Params("code"))
	if okienko.ErrorCode(err) == okienko.EINVALID {
		err = okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	}
	if err != nil {
		return err
	}
	p, err := s.page(c, "booking.title", "Code", booking.FormatCode(b.Code))
	if err != nil {
		return err
	}
	d, err := s.bookingView(c, p, b)
	if err != nil {
		return err
	}
	d.Cancelled = c.Query("odwolano") != "" && b.Status == booking.StatusCancelled
	d.Confirmed = c.Query("potwierdzono") != "" && b.Status == booking.StatusBooked
	d.Moved = c.Query("zmieniono") != "" && b.Status == booking.StatusBooked
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_booking", p)
}

// bookingCalendarFile: GET /rezerwacja/{code}/kalendarz.ics — the booking's
// calendar file for the link on its page, like the API's calendar.ics. As
// the page itself it asks for no proof of work: a link can't carry one, and
// it shows what the page shows.
func (s *Server) bookingCalendarFile(c *fiber.Ctx) error {
	b, err := s.bookingByPathCode(c)
	if err != nil {
		return err
	}
	svc, err := s.Offices.Service(c.UserContext(), b.ServiceID)
	if err != nil {
		return err
	}
	return s.sendCalendar(c, b, svc)
}

// bookingQR: GET /rezerwacja/{code}/qr.svg — the booking code as a QR code,
// which the kiosk's scanner reads to check the visitor in. It needs no look-up:
// it draws any well-formed code. 404 page for a malformed code.
func (s *Server) bookingQR(c *fiber.Ctx) error {
	code, err := booking.ParseCode(c.Params("code"))
	if err != nil {
		return okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	}
	svg, err := qrSVG(booking.FormatCode(code))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.SendString(svg)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
