package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
)

// confirmData is the page of a pending booking's confirmation link: the
// visit and, while it awaits confirmation, a button that confirms it.
type confirmData struct {
	bookingPageData
	Action string
	Token  string
	Errors *formErrors
}

// confirmForm: GET /rezerwacja/{code}/potwierdz?token= — the booking and a
// button that confirms it. A GET confirms nothing, so mail scanners
// following the link change nothing; the token is checked by the POST.
func (s *Server) confirmForm(c *fiber.Ctx) error {
	token := utils.CopyString(c.Query("token"))
	if len(token) > booking.MaxTokenLen {
		token = ""
	}
	return s.showConfirm(c, token, nil)
}

// showConfirm renders the confirmation page of the booking in the path
// with token in its form and, when fe is set, why the last try failed.
func (s *Server) showConfirm(c *fiber.Ctx, token string, fe *formErrors) error {
	b, err := s.bookingByPathCode(c)
	if err != nil {
		return err
	}
	p, err := s.page(c, "confirm.title", "Code", booking.FormatCode(b.Code))
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
	p.Data = confirmData{bookingPageData: v, Action: "/rezerwacja/" + v.Code + "/potwierdz", Token: token, Errors: fe}
	return showSite(c, status, "site_confirm", p)
}

// confirmSubmit: POST /rezerwacja/{code}/potwierdz {token} — confirms the
// booking and redirects (303) to its page, which says so. A wrong token
// shows the page again (403) saying the link is not valid; a lapsed hold
// or a cancelled booking shows it (409) saying so.
func (s *Server) confirmSubmit(c *fiber.Ctx) error {
	token := utils.CopyString(c.FormValue("token"))
	b, err := s.Bookings.Confirm(c.UserContext(), c.Params("code"), token)
	if err == nil {
		return c.Redirect(bookingPath(b.Code)+"?potwierdzono=1", fiber.StatusSeeOther)
	}
	e := okienko.AsError(err)
	l, _ := c.Locals(siteLocaleKey).(*locale)
	var msg string
	status := http.StatusConflict
	switch {
	case e.Code == okienko.EINVALID && e.Fields["code"] != "":
		return okienko.Errorf(okienko.ENOTFOUND, "no such booking")
	case e.Code == okienko.EFORBIDDEN, e.Code == okienko.EINVALID && e.Fields["token"] != "":
		msg, status = l.T("confirm.badToken"), http.StatusForbidden
	case e.Code == okienko.ECONFLICT && e.Fields["reason"] == booking.StatusExpired:
		msg = l.T("confirm.not.expired")
	case e.Code == okienko.ECONFLICT && e.Fields["reason"] == "cancelled":
		msg = l.T("confirm.not.cancelled")
	default:
		return err
	}
	if len(token) > booking.MaxTokenLen {
		token = ""
	}
	return s.showConfirm(c, token, &formErrors{Fields: map[string]string{}, Status: status, Summary: []errorItem{{Text: msg}}})
}
