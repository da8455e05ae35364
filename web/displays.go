package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

func (s *Server) displayRoutes(admin fiber.Router) {
	o := s.Offices
	resource[office.Display, office.DisplaySpec]{
		list:     o.Displays,
		get:      o.Display,
		defaults: office.DefaultDisplaySpec,
		create:   o.CreateDisplay,
		update:   o.UpdateDisplay,
		remove:   o.DeleteDisplay,
	}.mount(admin, "/displays")
}

// displaySettings is what a hall TV reads of its display.
type displaySettings struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	DepartmentIDs []int64 `json:"department_ids"`
	Lang          string  `json:"lang"`
	Sound         bool    `json:"sound"`
}

// publicDisplay: GET /api/v1/displays/{id} — a display's settings, which
// its TV checks to follow the administrator's changes.
func (s *Server) publicDisplay(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.Offices.Display(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(displaySettings{ID: d.ID, Name: d.Name, DepartmentIDs: d.DepartmentIDs, Lang: d.Lang, Sound: d.Sound})
}

// displayOf returns the display named by ?display= on the display page, or
// nil when there is none or it no longer exists (the TV then shows every
// department rather than nothing).
func (s *Server) displayOf(ctx context.Context, c *fiber.Ctx) (*office.Display, error) {
	v := c.Query("display")
	if v == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, nil
	}
	d, err := s.Offices.Display(ctx, id)
	if okienko.ErrorCode(err) == okienko.ENOTFOUND {
		return nil, nil
	}
	return d, err
}
