package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko/queue"
)

// clerkPage: GET /clerk — the clerk's page. It is a shell: signing in,
// choosing a counter and serving tickets happen in /static/clerk.js through
// the API, so the page itself holds nothing private. Before the office is
// seeded it renders without the office's name. It speaks the site's
// languages, chosen as on the site (see staffPageData), and tells the script
// how long a no-show can be taken back (queue.UndoNoShowWindow).
func (s *Server) clerkPage(c *fiber.Ctx) error {
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	data := s.staffPageData(c, "clerk", off)
	data["UndoSeconds"] = int(queue.UndoNoShowWindow / time.Second)
	return render(c, "clerk.html", data)
}
