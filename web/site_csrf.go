package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
)

// The site's forms carry a double-submit token against cross-site request
// forgery: a random value in the csrf cookie (HttpOnly, SameSite=Strict)
// that every POST form repeats in its hidden _csrf field. Another site can
// make a browser send the cookie (or, being Strict, not even that) but can't
// read it to fill in the field.

const (
	csrfCookie   = "csrf"
	csrfField    = "_csrf"
	csrfLocalKey = "site_csrf"
	csrfBytes    = 32
)

// csrfToken returns the token for the forms of the page being rendered: the
// request's csrf cookie, or a new random one set as the cookie.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if t, ok := c.Locals(csrfLocalKey).(string); ok {
		return t
	}
	t := utils.CopyString(c.Cookies(csrfCookie))
	if !wellFormedCSRF(t) {
		var b [csrfBytes]byte
		_, _ = rand.Read(b[:])
		t = base64.RawURLEncoding.EncodeToString(b[:])
		c.Cookie(&fiber.Cookie{
			Name: csrfCookie, Value: t, Path: "/",
			HTTPOnly: true, Secure: s.secureCookie, SameSite: fiber.CookieSameSiteStrictMode,
		})
	}
	c.Locals(csrfLocalKey, t)
	return t
}

// checkCSRF lets a form POST through only when its _csrf field equals its
// csrf cookie (compared in constant time); EFORBIDDEN otherwise, which the
// site answers with a page asking to send the form again.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	cookie := c.Cookies(csrfCookie)
	field := c.FormValue(csrfField)
	if !wellFormedCSRF(cookie) || subtle.ConstantTimeCompare([]byte(cookie), []byte(field)) != 1 {
		return okienko.Errorf(okienko.EFORBIDDEN, "the form's security token is missing or does not match; reload the page and send it again")
	}
	c.Locals(csrfLocalKey, utils.CopyString(cookie))
	return c.Next()
}

// wellFormedCSRF reports whether t looks like a token csrfToken makes.
func wellFormedCSRF(t string) bool {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil && len(b) == csrfBytes
}
