package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// Residents' sign-in with the national trusted profile (DESIGN section 12),
// when Deps.Residents is set: the booking form offers it, the identity
// provider's answer comes back to the assertion consumer service, and the
// resident it vouches for is kept in a short-lived sealed cookie for the
// booking flow only. The server reads the PESEL from that cookie, never
// from the form: only such a booking is pesel_verified.

const (
	trustedCookie    = "profil_zaufany"
	trustedReturnKey = "return_to"
)

// trustedRoutes mounts the service provider's endpoints: its metadata, the
// start of a sign-in (a form with the site's CSRF token), the assertion
// consumer service (the identity provider's POST from another site: no
// CSRF token, the signed answer to our own request stands for it) and the
// sign-out of the booking flow.
func (s *Server) trustedRoutes() {
	if s.Residents == nil {
		return
	}
	app := s.app
	app.Get("/saml/metadata", s.trustedMetadata)
	app.Post("/saml/login", s.sitePages, s.rateLimit("signin", s.RateLimits.SignIn, everyOne), s.checkCSRF, s.trustedLogin)
	app.Post("/saml/acs", s.sitePages, s.trustedACS)
	app.Post("/saml/logout", s.sitePages, s.checkCSRF, s.trustedLogout)
}

// trustedMetadata: GET /saml/metadata — the service provider's signed
// SAML metadata, for the identity provider's operator.
func (s *Server) trustedMetadata(c *fiber.Ctx) error {
	md, err := s.Residents.Metadata()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/samlmetadata+xml")
	return c.Send(md)
}

// trustedLogin: POST /saml/login {return_to} — sends the browser (303) to
// the identity provider with a signed request that comes back to
// return_to, a path of this site.
func (s *Server) trustedLogin(c *fiber.Ctx) error {
	to, err := s.Residents.Begin(c.UserContext(), utils.CopyString(c.FormValue(trustedReturnKey)))
	if err != nil {
		return err
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// trustedACS: POST /saml/acs {SAMLResponse, RelayState} — the identity
// provider's answer. Accepted, it seals the resident into the cookie
// (Max-Age, never Expires: the browser's clock is not the server's) and
// sends the browser (303) back to the page that began the sign-in; refused,
// it shows a page saying so (401), the reason in the log.
func (s *Server) trustedACS(c *fiber.Ctx) error {
	r, back, err := s.Residents.Finish(c.UserContext(), utils.CopyString(c.FormValue("SAMLResponse")), utils.CopyString(c.FormValue("RelayState")))
	switch okienko.ErrorCode(err) {
	case "":
	case okienko.EUNAUTHORIZED, okienko.EINVALID:
		s.Log.Warn("trusted profile sign-in refused", "err", err, "request_id", requestID(c))
		p, perr := s.page(c, "trusted.refusedTitle")
		if perr != nil {
			return perr
		}
		p.Data = errorPageData{Status: fiber.StatusUnauthorized, Heading: p.L.T("trusted.refusedHeading"), Text: p.L.T("trusted.refusedText")}
		return showSite(c, fiber.StatusUnauthorized, "site_error", p)
	default:
		return err
	}
	value, maxAge := s.ResidentSeal.Seal(*r)
	c.Cookie(&fiber.Cookie{
		Name: trustedCookie, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HTTPOnly: true, Secure: s.secureCookie, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(back, fiber.StatusSeeOther)
}

// trustedLogout: POST /saml/logout {return_to} — forgets the resident of
// the booking flow and goes back (303) to return_to when it is a path of
// this site, else to the home page.
func (s *Server) trustedLogout(c *fiber.Ctx) error {
	c.Cookie(&fiber.Cookie{Name: trustedCookie, Value: "", Path: "/", MaxAge: -1,
		HTTPOnly: true, Secure: s.secureCookie, SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(localPath(c.FormValue(trustedReturnKey), "/"), fiber.StatusSeeOther)
}

// trustedResident is the resident the request's cookie vouches for, nil
// when the trusted profile is off or the cookie is missing, altered or
// expired.
func (s *Server) trustedResident(c *fiber.Ctx) *auth.Resident {
	if s.Residents == nil {
		return nil
	}
	r, err := s.ResidentSeal.Open(c.Cookies(trustedCookie))
	if err != nil {
		return nil
	}
	return r
}
