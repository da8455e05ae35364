package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
)

// clerkPage: GET /clerk — the clerk's page. It is a shell: signing in,
// choosing a counter and serving tickets happen in /static/clerk.js through
// the API, so the page itself holds nothing private. Before the office is
// seeded it renders without the office's name.
func (s *Server) clerkPage(c *fiber.Ctx) error {
	name := ""
	off, err := s.Offices.Office(c.UserContext())
	switch {
	case err == nil:
		name = off.Name
	case okienko.ErrorCode(err) != okienko.ENOTFOUND:
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, "clerk.html", map[string]any{"Lang": "pl", "Office": name, "Version": s.Version})
}
