package web

import (
	"github.com/gofiber/fiber/v2"
)

// kioskPage: GET /kiosk — the lobby kiosk's touch screen. It is a shell that
// /static/kiosk.js fills through the API: departments and matters from
// /api/v1/departments, tickets and check-ins with the kiosk's bearer token.
// The token arrives once as ?token= (the script keeps it in the browser's
// storage and takes it out of the address), so the page is never cached and
// sends no Referer. ?lang= picks the starting language, ?idle= overrides
// the kiosk's seconds without a touch before it returns to the start (its
// idle_seconds and input_idle_seconds, from /api/v1/kiosk/me).
func (s *Server) kioskPage(c *fiber.Ctx) error {
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	return render(c, "kiosk.html", map[string]any{"Lang": pageLang(c), "Office": off.Name, "Zone": off.Zone, "Today": off.Today, "Version": s.Version})
}
