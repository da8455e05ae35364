package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
)

// adminPage: GET /admin — the administrator's panel. Like /clerk it is a
// shell: signing in and every object shown or changed go through the admin
// API from /static/admin.js, so the page holds nothing private. Before the
// office is seeded it renders without the office's name.
func (s *Server) adminPage(c *fiber.Ctx) error {
	name := ""
	off, err := s.Offices.Office(c.UserContext())
	switch {
	case err == nil:
		name = off.Name
	case okienko.ErrorCode(err) != okienko.ENOTFOUND:
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, "admin.html", map[string]any{"Lang": "pl", "Office": name, "Version": s.Version})
}
