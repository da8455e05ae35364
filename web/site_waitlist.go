package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/ratelimit/proof"
)

// The resident's waitlist pages: the form joining a full day's list (from
// the day page), and the page of the messages' link, where an offered seat
// is accepted and the list is left (buttons of POST forms: a GET changes
// nothing, so mail scanners following the link change nothing).

// waitFormPath is the form joining the waitlist of matter id on day.
func waitFormPath(id int64, day office.Date) string {
	return matterPath(id) + "/termin/" + day.String() + "/lista"
}

// WaitPagePath is the page of a waitlist entry, followed by its id and
// ?token=… (the messages' link).
const WaitPagePath = "/lista/"

func waitPagePath(id int64, token string) string {
	return WaitPagePath + itoa64(id) + "?token=" + url.QueryEscape(token)
}

type waitFormData struct {
	Service      *office.Service
	Department   *office.Department
	LongDate     string
	DayHref      string
	Action       string
	Fields       []formField
	Consent      bool
	ConsentError string
	Errors       *formErrors
}

// waitFormPage reads the matter and day of the path and starts the page.
func (s *Server) waitFormPage(c *fiber.Ctx) (*office.Service, *office.Department, office.Date, *sitePage, error) {
	id, err := pathServiceID(c)
	if err != nil {
		return nil, nil, office.Date{}, nil, err
	}
	day, err := office.ReadDate(c.Params("date"))
	if err != nil || !day.InBounds() {
		return nil, nil, office.Date{}, nil, okienko.Errorf(okienko.ENOTFOUND, "no such day")
	}
	svc, dep, err := s.matterOf(c, id)
	if err != nil {
		return nil, nil, office.Date{}, nil, err
	}
	p, err := s.page(c, "wait.title")
	if err == nil {
		p.Title = p.L.T("wait.title", "Date", p.L.LongDate(day), "Name", svc.NameIn(p.L.Lang))
	}
	return svc, dep, day, p, err
}

func (s *Server) waitFormOf(p *sitePage, svc *office.Service, dep *office.Department, day office.Date, values map[string]string, consent bool, fe *formErrors) waitFormData {
	l := p.L
	f := s.bookingFormOf(p, svc, dep, day.In(p.Office.Location(), 12*60), values, consent, fe)
	return waitFormData{Service: svc, Department: dep, LongDate: l.LongDate(day), DayHref: matterPath(svc.ID) + "/termin/" + day.String(),
		Action: waitFormPath(svc.ID, day), Fields: f.Fields, Consent: consent, ConsentError: f.ConsentError, Errors: fe}
}

// waitForm: GET /sprawy/{id}/termin/{date}/lista — the form joining the
// day's waitlist: name, PESEL, e-mail, optional phone and the consent.
func (s *Server) waitForm(c *fiber.Ctx) error {
	svc, dep, day, p, err := s.waitFormPage(c)
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	p.Data = s.waitFormOf(p, svc, dep, day, map[string]string{}, false, nil)
	return showSite(c, fiber.StatusOK, "site_wait_form", p)
}

// waitSubmit: POST /sprawy/{id}/termin/{date}/lista — joins the list and
// redirects (303) to the entry's page; on bad input or a conflict it shows
// the form again with the errors and the values entered.
func (s *Server) waitSubmit(c *fiber.Ctx) error {
	svc, dep, day, p, err := s.waitFormPage(c)
	if err != nil {
		return err
	}
	values, consent, _, _ := bookingFormValues(c)
	again := func(status int, fe *formErrors) error {
		p.Invalid = true
		p.CSRF = s.csrfToken(c)
		p.Data = s.waitFormOf(p, svc, dep, day, values, consent, fe)
		return showSite(c, status, "site_wait_form", p)
	}
	if svc.ProofOfWork {
		solution := utils.CopyString(c.FormValue(proof.Field))
		if err := s.verifyProof(c.UserContext(), solution); err != nil {
			if !isProofRefusal(err) {
				return err
			}
			return again(fiber.StatusForbidden, proofFormErrors(p.L, solution))
		}
	}
	e, token, err := s.Bookings.JoinWaitlist(c.UserContext(), booking.WaitRequest{ServiceID: svc.ID, Day: day, Name: values["name"],
		PESEL: values["pesel"], Email: values["email"], Phone: values["phone"], Consent: consent, Lang: p.L.Lang})
	if err == nil {
		return c.Redirect(waitPagePath(e.ID, token)+"&zapisano=1", fiber.StatusSeeOther)
	}
	ae := okienko.AsError(err)
	if ae.Code == okienko.ECONFLICT {
		msg := p.L.T("wait.conflict." + ae.Fields["reason"])
		return again(http.StatusConflict, &formErrors{Fields: map[string]string{}, Status: http.StatusConflict, Summary: []errorItem{{Text: msg}}})
	}
	if ae.Code == okienko.EINVALID && (ae.Fields["date"] != "" || ae.Fields["service_id"] != "") {
		return again(http.StatusUnprocessableEntity, &formErrors{Fields: map[string]string{}, Status: http.StatusUnprocessableEntity,
			Summary: []errorItem{{Href: matterPath(svc.ID) + "/termin", Text: p.L.T("wait.conflict.date")}}})
	}
	labels := map[string]string{"name": p.L.T("form.name"), "pesel": p.L.T("form.pesel"), "email": p.L.T("form.email"), "phone": p.L.T("form.phone"), "consent": p.L.T("form.consentLabel")}
	fe, ok := fieldErrorsOf(p.L, err, bookingFieldOrder, labels)
	if !ok {
		return err
	}
	return again(fe.Status, fe)
}

// waitPageData is the page of a waitlist entry.
type waitPageData struct {
	ID         int64
	Status     string
	Service    *office.Service
	LongDate   string
	Token      string
	Joined     bool   // just joined
	Left       bool   // just left
	Time       string // the held time, HH:MM
	Start      string // the held start, RFC 3339
	UntilTime  string // when the hold lapses
	UntilDate  string
	Code       string // the booking's code once accepted
	AcceptPath string
	LeavePath  string
	Errors     *formErrors
}

// waitPage: GET /lista/{id}?token= — the entry as its resident sees it:
// waiting (with a button to leave), offered (the held time to accept, or
// to decline), booked (its booking), or off the list. A wrong token is a
// page not found.
func (s *Server) waitPage(c *fiber.Ctx) error {
	token := utils.CopyString(c.Query("token"))
	return s.showWait(c, token, nil)
}

func (s *Server) showWait(c *fiber.Ctx, token string, fe *formErrors) error {
	id, err := pathServiceID(c)
	if err != nil {
		return okienko.Errorf(okienko.ENOTFOUND, "no such waitlist entry")
	}
	o, err := s.Bookings.WaitOffer(c.UserContext(), id, token)
	switch okienko.ErrorCode(err) {
	case "":
	case okienko.EINVALID, okienko.EFORBIDDEN, okienko.ENOTFOUND:
		return okienko.Errorf(okienko.ENOTFOUND, "no such waitlist entry")
	default:
		return err
	}
	p, err := s.page(c, "wait.pageTitle")
	if err != nil {
		return err
	}
	l, loc := p.L, p.Office.Location()
	p.CSRF = s.csrfToken(c)
	d := waitPageData{ID: id, Status: o.Entry.Status, Service: o.Service, LongDate: l.LongDate(o.Entry.Day), Token: token,
		Joined: c.Query("zapisano") != "", Left: c.Query("wypisano") != "", Code: booking.FormatCode(o.Code),
		AcceptPath: WaitPagePath + itoa64(id) + "/przyjmij", LeavePath: WaitPagePath + itoa64(id) + "/zrezygnuj", Errors: fe}
	if o.Code == "" {
		d.Code = ""
	}
	if !o.Start.IsZero() {
		st := o.Start.In(loc)
		d.Time, d.Start = st.Format("15:04"), st.Format(time.RFC3339)
	}
	if o.Until != nil {
		u := o.Until.In(loc)
		d.UntilTime, d.UntilDate = u.Format("15:04"), u.Format("2006-01-02")
	}
	status := fiber.StatusOK
	if fe != nil {
		p.Invalid, status = true, fe.Status
	}
	p.Data = d
	return showSite(c, status, "site_wait", p)
}

// waitAcceptSubmit: POST /lista/{id}/przyjmij {token, start} — accepts
// the offered seat and redirects (303) to the new booking's page; a
// refusal shows the entry's page again saying why (409, 403).
func (s *Server) waitAcceptSubmit(c *fiber.Ctx) error {
	id, err := pathServiceID(c)
	if err != nil {
		return okienko.Errorf(okienko.ENOTFOUND, "no such waitlist entry")
	}
	token := utils.CopyString(c.FormValue("token"))
	start, _ := parseStart(c.FormValue("start"))
	b, err := s.Bookings.AcceptOffer(c.UserContext(), id, token, start)
	if err == nil {
		return c.Redirect(bookingPath(b.Code), fiber.StatusSeeOther)
	}
	return s.waitRefused(c, token, err)
}

// waitLeaveSubmit: POST /lista/{id}/zrezygnuj {token} — leaves the list
// (an offered seat passes on) and redirects (303) to the entry's page,
// which says so.
func (s *Server) waitLeaveSubmit(c *fiber.Ctx) error {
	id, err := pathServiceID(c)
	if err != nil {
		return okienko.Errorf(okienko.ENOTFOUND, "no such waitlist entry")
	}
	token := utils.CopyString(c.FormValue("token"))
	if _, err := s.Bookings.CancelWaiting(c.UserContext(), id, token); err != nil {
		return s.waitRefused(c, token, err)
	}
	return c.Redirect(waitPagePath(id, token)+"&wypisano=1", fiber.StatusSeeOther)
}

// waitRefused shows the entry's page again with why err refused the
// action; a token that is not the entry's is a page not found.
func (s *Server) waitRefused(c *fiber.Ctx, token string, err error) error {
	e := okienko.AsError(err)
	l, _ := c.Locals(siteLocaleKey).(*locale)
	var msg string
	status := http.StatusConflict
	switch {
	case e.Code == okienko.EFORBIDDEN, e.Code == okienko.EINVALID && e.Fields["token"] != "", e.Code == okienko.ENOTFOUND:
		return okienko.Errorf(okienko.ENOTFOUND, "no such waitlist entry")
	case e.Code == okienko.EINVALID:
		msg, status = l.T("wait.err.start"), http.StatusUnprocessableEntity
	case e.Code == okienko.ECONFLICT && e.Fields["reason"] == "limit":
		msg = l.Message(e.Message)
	case e.Code == okienko.ECONFLICT && e.Fields["reason"] != "":
		msg = l.T("wait.err." + e.Fields["reason"])
	case e.Code == okienko.ECONFLICT:
		msg = l.T("wait.err.changed")
	default:
		return err
	}
	if len(token) > booking.MaxTokenLen {
		token = ""
	}
	return s.showWait(c, token, &formErrors{Fields: map[string]string{}, Status: status, Summary: []errorItem{{Text: msg}}})
}
