package web

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// Staff sign-in through the office's redirect provider (OpenID Connect):
// the sign-in pages link to /auth/{source}/start?next=PAGE, which sends the
// browser to the provider with the pending sign-in in a cookie; the
// provider sends it back to /auth/{source}/callback, which signs the person
// in with the same session cookie as a password and returns to PAGE. A
// failure returns to PAGE with ?signin_error=REASON, which the page tells in
// its language (see signinErrors); never an error page.

// signinCookie keeps a pending redirect sign-in, for its provider's paths only.
const signinCookie = "okienko_signin"

// signinErrors are the reasons a page may be told, as the pages' message
// keys oidc.REASON.
const (
	signinExpired     = "expired"     // no or another pending sign-in, too old
	signinFailed      = "failed"      // the provider refused or its answer can't be trusted
	signinUnavailable = "unavailable" // the provider can't be reached
	signinForbidden   = "forbidden"   // no role here, or disabled here
	signinTaken       = "taken"       // the user name belongs to another user
)

// longAgo is the Expires of a cookie being dropped.
var longAgo = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultSigninPage is where a sign-in without a page to return to ends.
const defaultSigninPage = "/clerk"

func (s *Server) redirectRoutes() {
	if s.Redirector == nil {
		return
	}
	base := "/auth/" + s.Redirector.Source()
	s.app.Get(base+"/start", s.signinStart)
	s.app.Get(base+"/callback", s.rateLimit("signin", s.RateLimits.SignIn, everyOne), s.signinCallback)
}

// signinStart: GET /auth/{source}/start?next=PATH sends the browser to the
// provider (303) with the pending sign-in in a cookie; next is a local path
// (anything else: /clerk).
func (s *Server) signinStart(c *fiber.Ctx) error {
	next := localPath(c.Query("next"), defaultSigninPage)
	c.Set(fiber.HeaderCacheControl, "no-store")
	to, pending, err := s.Redirector.Begin(c.UserContext(), next)
	if err != nil {
		return s.signinFailed(c, next, signinUnavailable, err)
	}
	c.Cookie(&fiber.Cookie{
		Name: signinCookie, Value: pending, Path: s.signinPath(),
		MaxAge:   int(auth.RedirectPendingTTL / time.Second),
		HTTPOnly: true, Secure: s.secureCookie, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(to, fiber.StatusSeeOther)
}

// signinCallback: GET /auth/{source}/callback?code&state (or ?error) ends
// the sign-in: the provider's answer is checked against the pending
// sign-in, the person signs in (auth.Store.SignInWith) and the browser
// returns to the page the sign-in began on (303), signed in or told why not.
func (s *Server) signinCallback(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	pending := c.Cookies(signinCookie)
	// The pending sign-in is used once. A date long past drops the cookie:
	// fasthttp can't write Max-Age=0, and this instant is nobody's clock.
	c.Cookie(&fiber.Cookie{Name: signinCookie, Path: s.signinPath(), Expires: longAgo,
		HTTPOnly: true, Secure: s.secureCookie, SameSite: fiber.CookieSameSiteLaxMode})
	answer := url.Values{}
	n := 0
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if n++; n <= 16 {
			answer.Add(string(k), string(v))
		}
	})
	id, next, err := s.Redirector.Finish(c.UserContext(), pending, answer)
	if next == "" {
		next = defaultSigninPage
	}
	if err != nil {
		reason := signinFailed
		switch {
		case errors.Is(err, auth.ErrSignInInterrupted):
			reason = signinExpired
		case okienko.ErrorCode(err) == okienko.EUNAVAILABLE:
			reason = signinUnavailable
		}
		return s.signinFailed(c, next, reason, err)
	}
	_, token, err := s.Auth.SignInWith(c.UserContext(), *id, s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		reason := signinFailed
		switch okienko.ErrorCode(err) {
		case okienko.EFORBIDDEN:
			reason = signinForbidden
		case okienko.EUNAUTHORIZED:
			reason = signinTaken
		case okienko.EUNAVAILABLE:
			reason = signinUnavailable
		}
		return s.signinFailed(c, next, reason, err)
	}
	s.setSessionCookie(c, token)
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) signinPath() string { return "/auth/" + s.Redirector.Source() + "/" }

// signinFailed logs why a redirect sign-in failed (with the cause the
// person isn't shown) and returns the browser to page with the reason.
func (s *Server) signinFailed(c *fiber.Ctx, page, reason string, err error) error {
	level := s.Log.Warn
	if okienko.ErrorCode(err) == okienko.EINTERNAL {
		level = s.Log.Error
	}
	level("staff sign-in through the provider failed", "source", s.Redirector.Source(), "reason", reason, "err", err, "request_id", requestID(c))
	u, _ := url.Parse(page) // localPath made it, so it parses
	q := u.Query()
	q.Set("signin_error", reason)
	u.RawQuery = q.Encode()
	return c.Redirect(u.String(), fiber.StatusSeeOther)
}

// localPath returns p when it is a path of this server (with its query,
// less any signin_error), else fallback: never another host, scheme or a
// protocol-relative "//host" a browser would leave for.
func localPath(p, fallback string) string {
	if len(p) > 512 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return fallback
	}
	q := u.Query()
	q.Del("signin_error")
	u.RawQuery = q.Encode()
	return u.String()
}

// signinButton is what the sign-in pages show of the redirect provider:
// nil when there is none.
func (s *Server) signinButton(page string) map[string]string {
	if s.Redirector == nil {
		return nil
	}
	return map[string]string{
		"Href":  "/auth/" + s.Redirector.Source() + "/start?next=" + url.QueryEscape("/"+page),
		"Label": s.Redirector.Label(),
	}
}
