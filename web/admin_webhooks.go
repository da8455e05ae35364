package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/notify"
)

// adminWebhooks mounts /api/v1/admin/webhooks: the endpoints of the
// office's document system (list, create, read, change, delete), the
// deliveries of one with each attempt's answer, and "send again".
func (s *Server) adminWebhooks(g fiber.Router) {
	h := s.Webhooks
	resource[notify.Webhook, notify.WebhookSpec]{
		list:     h.List,
		get:      h.Get,
		defaults: notify.DefaultWebhookSpec,
		create:   h.Create,
		update:   h.Update,
		remove:   h.Delete,
	}.mount(g, "/webhooks")
	// GET /webhooks/{id}/deliveries?limit= — newest first.
	g.Get("/webhooks/:id/deliveries", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		limit := 0
		if v := c.Query("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 200 {
				return okienko.Invalid("limit", "must be a whole number from 1 to 200")
			}
			limit = n
		}
		ds, err := h.Deliveries(c.UserContext(), id, limit)
		if err != nil {
			return err
		}
		return c.JSON(ds)
	})
	// POST /webhooks/{id}/deliveries/{delivery}/redeliver — 202 the new
	// delivery, sent by the outbox like any other.
	g.Post("/webhooks/:id/deliveries/:delivery/redeliver", noBody, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		did, err := strconv.ParseInt(c.Params("delivery"), 10, 64)
		if err != nil || did <= 0 {
			return okienko.Errorf(okienko.ENOTFOUND, "no delivery with id %q", c.Params("delivery"))
		}
		d, err := h.Redeliver(c.UserContext(), id, did)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(d)
	})
}
