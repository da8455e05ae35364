package web

import (
	"errors"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// The resident's booking site: server-rendered pages in Polish, English and
// Ukrainian that work without JavaScript. Reading is GET, every change a POST
// form with a CSRF token. Errors are answered as HTML pages here, never as
// problem+json.

// siteRoutes mounts the site's pages. Page POSTs go through the same rate
// limits as the resident API (their counts are shared), after the CSRF check.
func (s *Server) siteRoutes() {
	app, lim := s.app, s.RateLimits
	book := s.rateLimitOr("book", lim.Book, madeIt, s.bookingLimited)
	cancel := s.rateLimit("cancel", lim.Cancel, madeOrMissed)
	lookup := s.rateLimit("lookup", lim.Lookup, missedLookup)
	get := func(path string, h ...fiber.Handler) {
		app.Get(path, append([]fiber.Handler{s.sitePages}, h...)...)
	}
	post := func(path string, h ...fiber.Handler) {
		app.Post(path, append([]fiber.Handler{s.sitePages, s.checkCSRF}, h...)...)
	}
	get("/", s.homePage)
	get("/sprawy/:id", s.matterPage)
	get("/sprawy/:id/termin", s.calendarPage)
	get("/sprawy/:id/termin/:date", s.dayPage)
	get("/sprawy/:id/rezerwacja", s.bookingForm)
	post("/sprawy/:id/rezerwacja", book, s.bookingSubmit)
	get("/sprawy/:id/kolejka", s.remoteForm)
	post("/sprawy/:id/kolejka", book, s.remoteSubmit)
	get("/rezerwacja", s.manageForm)
	post("/rezerwacja", lookup, s.manageSubmit)
	get("/rezerwacja/:code/qr.svg", s.bookingQR)
	get("/rezerwacja/:code/kalendarz.ics", lookup, s.bookingCalendarFile)
	get("/rezerwacja/:code/odwolaj", lookup, s.cancelForm)
	post("/rezerwacja/:code/odwolaj", cancel, lookup, s.cancelSubmit)
	get("/rezerwacja/:code/zmien", lookup, s.rescheduleForm)
	post("/rezerwacja/:code/zmien", cancel, lookup, s.rescheduleSubmit)
	get("/rezerwacja/:code", lookup, s.bookingPage)
	get("/odwolaj", s.cancelByDayForm)
	post("/odwolaj", cancel, s.cancelByDaySubmit)
	// The e-mail's link of a pending booking: a GET shows the button, only
	// the POST confirms.
	get("/rezerwacja/:code/potwierdz", lookup, s.confirmForm)
	post("/rezerwacja/:code/potwierdz", lookup, s.confirmSubmit)
	get("/sprawy/:id/termin/:date/lista", s.waitForm)
	post("/sprawy/:id/termin/:date/lista", book, s.waitSubmit)
	// The waitlist messages' link: a GET shows the entry and its buttons,
	// only the POSTs accept or leave.
	get("/lista/:id", lookup, s.waitPage)
	post("/lista/:id/przyjmij", lookup, s.waitAcceptSubmit)
	post("/lista/:id/zrezygnuj", cancel, lookup, s.waitLeaveSubmit)
	get("/odbior", s.pickupForm)
	get("/odbior/:number", lookup, s.pickupPage)
	// Anything else under the site's paths is a page not found.
	for _, prefix := range []string{"/sprawy", "/rezerwacja", "/odwolaj", "/odbior", "/lista"} {
		app.Use(prefix, s.sitePages, func(c *fiber.Ctx) error {
			return s.unrouted(c, okienko.Errorf(okienko.ENOTFOUND, "no such page"))
		})
	}
}

// sitePage is what every site template gets: the language, the office, the
// language switch, the CSRF token of its forms and the page's own Data.
type sitePage struct {
	L       *locale
	Title   string
	Office  *office.Office
	Version string
	Langs   []langLink
	CSRF    string
	// Invalid marks a form sent back with errors; the title says so first.
	Invalid bool
	Data    any
}

// AddressHTML is the office's address with every Polish postal code
// (00-950) kept on one line: a browser would break it after the dash.
func (p *sitePage) AddressHTML() template.HTML {
	if p.Office == nil {
		return ""
	}
	a := p.Office.Address
	var b strings.Builder
	last := 0
	for _, m := range postalCode.FindAllStringIndex(a, -1) {
		b.WriteString(template.HTMLEscapeString(a[last:m[0]]))
		b.WriteString(`<span class="nowrap">` + template.HTMLEscapeString(a[m[0]:m[1]]) + `</span>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(a[last:]))
	return template.HTML(b.String())
}

var postalCode = regexp.MustCompile(`\b[0-9]{2}-[0-9]{3}\b`)

const siteLocaleKey = "site_locale"

// sitePages runs a site handler: it chooses the language, keeps the pages out
// of caches, and renders any error the handler (or a rate limit, or the CSRF
// check) returns as an HTML page in the resident's language.
func (s *Server) sitePages(c *fiber.Ctx) error {
	l := s.siteLocale(c)
	c.Locals(siteLocaleKey, l)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	if err := c.Next(); err != nil {
		return s.siteError(c, err)
	}
	return nil
}

// page starts the data of a site page titled by message titleID.
func (s *Server) page(c *fiber.Ctx, titleID string, args ...any) (*sitePage, error) {
	l, _ := c.Locals(siteLocaleKey).(*locale)
	if l == nil {
		l = siteLocales[siteLangs[0].Code]
	}
	off, err := s.Offices.Office(c.UserContext())
	if okienko.ErrorCode(err) == okienko.ENOTFOUND || outage(err) {
		// Not seeded yet, or out of reach: the page still stands, the
		// product's name for the office's.
		off, err = &office.Office{Name: "Okienko"}, nil
	}
	if err != nil {
		return nil, err
	}
	return &sitePage{L: l, Title: l.T(titleID, args...), Office: off, Version: s.Version, Langs: langLinks(c, l.Lang)}, nil
}

// showSite renders site template name with p at status.
func showSite(c *fiber.Ctx, status int, name string, p *sitePage) error {
	c.Status(status)
	return render(c, name, p)
}

// errorPageData is what site_error shows.
type errorPageData struct {
	Status  int
	Heading string
	Text    string
}

// siteError answers err as an HTML page: 404 page not found, 403 a refused
// form, 429 too many attempts with Retry-After, 500 (logged) for the rest of
// the server's failures, and the domain's message otherwise.
func (s *Server) siteError(c *fiber.Ctx, err error) error {
	l, _ := c.Locals(siteLocaleKey).(*locale)
	if l == nil {
		l = siteLocales[siteLangs[0].Code]
	}
	var fe *fiber.Error
	status, code := http.StatusInternalServerError, okienko.EINTERNAL
	if errors.As(err, &fe) {
		status = fe.Code
	} else if outage(err) {
		status = http.StatusServiceUnavailable
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(outageRetry))
	} else {
		e := okienko.AsError(err)
		code, status = e.Code, errorStatus(e.Code)
	}
	d := errorPageData{Status: status}
	titleID := "error.title"
	switch {
	case status == http.StatusNotFound:
		titleID, d.Heading, d.Text = "notFound.title", l.T("notFound.heading"), l.T("notFound.text")
	case status == http.StatusForbidden:
		titleID, d.Heading, d.Text = "forbidden.title", l.T("forbidden.heading"), l.T("forbidden.text")
	case code == okienko.ETOOMANY:
		wait := okienko.AsError(err).RetryAfter
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(wait))
		minutes := int((wait + time.Minute - 1) / time.Minute)
		if minutes < 1 {
			minutes = 1
		}
		titleID, d.Heading, d.Text = "tooMany.title", l.T("tooMany.heading"), l.N("tooMany.text", minutes)
	case status == http.StatusServiceUnavailable:
		titleID, d.Heading, d.Text = "unavailable.title", l.T("unavailable.heading"), l.T("unavailable.text")
	case status >= 500:
		s.Log.Error("site page failed", "err", err, "method", c.Method(), "path", c.Path(), "request_id", requestID(c))
		d.Heading, d.Text = l.T("error.heading"), l.T("error.text")
	default:
		d.Heading, d.Text = l.T("error.heading"), l.Message(okienko.AsError(err).Message)
	}
	p, perr := s.page(c, titleID)
	if perr != nil {
		// Without the office there is no page around the message.
		s.Log.Error("site error page failed", "err", perr, "request_id", requestID(c))
		c.Status(status)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.SendString(d.Heading + "\n" + d.Text + "\n")
	}
	p.Data = d
	return showSite(c, status, "site_error", p)
}

// pathServiceID reads the :id of a matter's page; a malformed id is a page
// not found.
func pathServiceID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, okienko.Errorf(okienko.ENOTFOUND, "no such matter")
	}
	return id, nil
}

// offeredMatter is matterOf for the pages that offer a matter (its page,
// calendar, day and booking form): a withdrawn matter is not found.
func (s *Server) offeredMatter(c *fiber.Ctx, id int64) (*office.Service, *office.Department, error) {
	svc, dep, err := s.matterOf(c, id)
	if err == nil && svc.Archived() {
		return nil, nil, okienko.Errorf(okienko.ENOTFOUND, "no such matter")
	}
	return svc, dep, err
}

// matterOf reads the matter with id and its department, a withdrawn one
// too (a booking's page still names it).
func (s *Server) matterOf(c *fiber.Ctx, id int64) (*office.Service, *office.Department, error) {
	svc, err := s.Offices.Service(c.UserContext(), id)
	if err != nil {
		return nil, nil, err
	}
	dep, err := s.Offices.Department(c.UserContext(), svc.DepartmentID)
	if err != nil {
		return nil, nil, err
	}
	return svc, dep, nil
}
