package web

import "github.com/gofiber/fiber/v2"

// adminPage: GET /admin — the administrator's panel. Like /clerk it is a
// shell: signing in and every object shown or changed go through the admin
// API from /static/admin.js, so the page holds nothing private. Before the
// office is seeded it renders without the office's name. It speaks the
// site's languages, chosen as on the site (see staffPageData).
func (s *Server) adminPage(c *fiber.Ctx) error {
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Today, in the office's zone, starts the closures calendar.
	return render(c, "admin.html", s.staffPageData(c, "admin", off))
}
