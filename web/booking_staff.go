package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
)

// staffLocal marks a request of a clerk or an administrator on an endpoint
// open to everyone (optionalStaff).
const staffLocal = "staff"

// optionalStaff lets every request through and marks one made with a
// clerk's or an administrator's credentials as the staff's (isStaff), with
// that user as its actor. A bearer token must be a valid session (401
// otherwise) of one of those roles (403). The session cookie counts only
// when the request carries the X-CSRF-Token header, as the staff's pages
// send it: without the header the request is a resident's, whatever
// cookie the browser holds; with a wrong token, 403.
func (s *Server) optionalStaff(c *fiber.Ctx) error {
	token := bearerToken(c)
	viaCookie := false
	if token == "" && c.Get(CSRFHeader) != "" {
		token = c.Cookies(SessionCookie)
		viaCookie = token != ""
	}
	if token == "" {
		return c.Next()
	}
	sess, err := s.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		return err
	}
	if viaCookie {
		if err := sessionCSRF(c, sess); err != nil {
			return err
		}
	}
	if !slices.Contains([]string{okienko.RoleClerk, okienko.RoleAdmin}, sess.User.Role) {
		return okienko.Errorf(okienko.EFORBIDDEN, "only clerks and administrators book for a caller")
	}
	if viaCookie && sess.Renewed {
		s.setSessionCookie(c, token)
	}
	c.Locals(sessionLocal, sess)
	c.Locals(userIDLocal, sess.User.ID)
	c.Locals(staffLocal, true)
	c.SetUserContext(okienko.WithActor(c.UserContext(), okienko.Actor{
		UserID: sess.User.ID, Name: sess.User.Username, Role: sess.User.Role, RequestID: requestID(c),
	}))
	return c.Next()
}

// isStaff reports whether optionalStaff found a clerk's or an
// administrator's credentials on c.
func isStaff(c *fiber.Ctx) bool {
	staff, _ := c.Locals(staffLocal).(bool)
	return staff
}

// unlessStaff runs h (a limit meant for residents) except for the staff's
// requests, which go straight on.
func unlessStaff(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if isStaff(c) {
			return c.Next()
		}
		return h(c)
	}
}
