package web

import "github.com/gofiber/fiber/v2"

// clerkPage: GET /clerk — the clerk's page. It is a shell: signing in,
// choosing a counter and serving tickets happen in /static/clerk.js through
// the API, so the page itself holds nothing private. Before the office is
// seeded it renders without the office's name. It speaks the site's
// languages, chosen as on the site (see staffPageData).
func (s *Server) clerkPage(c *fiber.Ctx) error {
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, "clerk.html", s.staffPageData(c, "clerk", off))
}
