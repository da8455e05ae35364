package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
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
	today := office.DateOf(s.Clock.Now().In(off.Location())) // Europe/Warsaw before the office exists
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Today, in the office's zone, starts the closures calendar.
	return render(c, "admin.html", map[string]any{"Lang": "pl", "Office": name, "Version": s.Version, "Today": today.String()})
}
