package web

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// SessionCookie is the name of the page session cookie.
const SessionCookie = "okienko_session"

// CSRFHeader carries the session's CSRF token on cookie-authenticated changes.
const CSRFHeader = "X-CSRF-Token"

const (
	sessionLocal = "session"
	userIDLocal  = "user_id"
	kioskIDLocal = "kiosk_id"
)

// withActor puts an anonymous actor with the request id into the request's
// context; requireUser and requireKiosk replace it with who is calling.
func (s *Server) withActor(c *fiber.Ctx) error {
	c.SetUserContext(okienko.WithActor(c.UserContext(), okienko.Actor{Name: "anonymous", Role: "anonymous", RequestID: requestID(c)}))
	return c.Next()
}

func bearerToken(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// requireUser lets through requests of a signed-in user with one of roles:
// 401 without valid credentials, 403 for another role. A bearer token wins
// over the cookie; a cookie-authenticated change must carry the session's
// CSRF token in the X-CSRF-Token header (or the _csrf form field).
func (s *Server) requireUser(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := bearerToken(c)
		viaCookie := false
		if token == "" {
			token = c.Cookies(SessionCookie)
			viaCookie = token != ""
		}
		if token == "" {
			return okienko.Errorf(okienko.EUNAUTHORIZED, "sign in first: send Authorization: Bearer <token> or the session cookie")
		}
		sess, err := s.Auth.Authenticate(c.UserContext(), token)
		if err != nil {
			return err
		}
		if viaCookie && !isSafeMethod(c.Method()) {
			if err := sessionCSRF(c, sess); err != nil {
				return err
			}
		}
		allowed := false
		for _, r := range roles {
			if sess.User.Role == r {
				allowed = true
			}
		}
		if !allowed {
			return okienko.Errorf(okienko.EFORBIDDEN, "this needs the role %s", strings.Join(roles, " or "))
		}
		if viaCookie && sess.Renewed {
			s.setSessionCookie(c, token)
		}
		c.Locals(sessionLocal, sess)
		c.Locals(userIDLocal, sess.User.ID)
		c.SetUserContext(okienko.WithActor(c.UserContext(), okienko.Actor{
			UserID: sess.User.ID, Name: sess.User.Username, Role: sess.User.Role, RequestID: requestID(c),
		}))
		return c.Next()
	}
}

// requireKiosk lets through requests that carry a kiosk device token.
func (s *Server) requireKiosk(c *fiber.Ctx) error {
	token := bearerToken(c)
	if token == "" {
		return okienko.Errorf(okienko.EUNAUTHORIZED, "a kiosk token is required")
	}
	k, err := s.Auth.AuthenticateKiosk(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Locals(kioskIDLocal, k.ID)
	c.SetUserContext(okienko.WithActor(c.UserContext(), okienko.Actor{KioskID: k.ID, Name: k.Name, Role: "kiosk", RequestID: requestID(c)}))
	return c.Next()
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	Role      string    `json:"role"`
	Username  string    `json:"username"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	ExpiresIn int       `json:"expires_in"`
}

// login: POST /api/v1/auth/login {username,password} → {token, role, …} and
// the session cookie for the pages.
func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fe := okienko.FieldErrors{}
	if strings.TrimSpace(req.Username) == "" {
		fe.Add("username", "required")
	}
	if req.Password == "" {
		fe.Add("password", "required")
	}
	if len(req.Username) > 256 {
		fe.Add("username", "too long")
	}
	if len(req.Password) > 1024 {
		fe.Add("password", "too long")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	sess, token, err := s.Auth.Login(c.UserContext(), req.Username, req.Password, s.clientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token)
	return c.JSON(loginResponse{Token: token, Role: sess.User.Role, Username: sess.User.Username, CSRFToken: sess.CSRFToken,
		ExpiresAt: sess.ExpiresAt, ExpiresIn: sessionSeconds})
}

// sessionSeconds is a fresh session's lifetime in seconds.
const sessionSeconds = int(auth.SessionTTL / time.Second)

// setSessionCookie sends the page session cookie carrying token. Its
// lifetime is relative (Max-Age), never an instant of the server's clock: a
// browser measures it on its own clock, so a server clock that is off (or a
// test's clock standing on another day) can't make the browser drop it.
func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   sessionSeconds,
		HTTPOnly: true,
		Secure:   s.secureCookie,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// sessionCSRF checks that a change sent with sess's cookie carries sess's
// CSRF token (the X-CSRF-Token header or the _csrf form field); EFORBIDDEN
// otherwise, so another site can't make a browser act with its cookie.
func sessionCSRF(c *fiber.Ctx, sess *auth.Session) error {
	sent := c.Get(CSRFHeader)
	if sent == "" {
		sent = c.FormValue("_csrf")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(sess.CSRFToken)) != 1 {
		return okienko.Errorf(okienko.EFORBIDDEN, "missing or wrong CSRF token")
	}
	return nil
}

// logout: POST /api/v1/auth/logout ends the session of the bearer token or
// cookie, if any, and clears the cookie: 204. Ending a live session by its
// cookie needs its CSRF token (403 without), so another site can't sign a
// clerk out.
func (s *Server) logout(c *fiber.Ctx) error {
	token := bearerToken(c)
	if token == "" {
		token = c.Cookies(SessionCookie)
		if token != "" {
			if sess, err := s.Auth.Authenticate(c.UserContext(), token); err == nil {
				if err := sessionCSRF(c, sess); err != nil {
					return err
				}
			}
		}
	}
	if token != "" {
		if err := s.Auth.Logout(c.UserContext(), token); err != nil {
			return err
		}
	}
	c.ClearCookie(SessionCookie)
	return c.SendStatus(fiber.StatusNoContent)
}

// me: GET /api/v1/auth/me answers who is signed in.
func (s *Server) me(c *fiber.Ctx) error {
	sess := c.Locals(sessionLocal).(*auth.Session)
	return c.JSON(fiber.Map{"user": sess.User, "csrf_token": sess.CSRFToken, "expires_at": sess.ExpiresAt,
		"expires_in": int(sess.ExpiresAt.Sub(s.Clock.Now()) / time.Second)})
}
