package web

import (
	"context"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// printers: GET /api/v1/printers — the kiosks' printers and their states,
// for the clerk page and the admin panel (which follow /ws/printers).
func (s *Server) printers(c *fiber.Ctx) error {
	ps, err := s.Kiosks.Printers(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(ps)
}

// wsPrinters: /ws/printers — the kiosks' printers, live, for the staff: a
// snapshot {"type":"snapshot","printers":[…]} and {"type":"printers",
// "printers":[…]} whenever a printer changes state.
func (s *Server) wsPrinters(c *websocket.Conn) {
	s.followStaff(c, "printers", func(ctx context.Context) (any, error) {
		return s.Kiosks.Printers(ctx)
	}, func(m boardMessage) bool { return m.Type == "printer" })
}

// officeSettingsView is the office with its settings kept apart from its row.
type officeSettingsView struct {
	*office.Office
	FeedbackInvite bool `json:"feedback_invite"`
}

// officeSettings: GET /api/v1/admin/office — the office and its settings.
func (s *Server) officeSettings(c *fiber.Ctx) error {
	return s.answerOffice(c)
}

// answerOffice answers the office as it is, with its settings.
func (s *Server) answerOffice(c *fiber.Ctx) error {
	off, err := s.Offices.Office(c.UserContext())
	if err != nil {
		return err
	}
	set, err := s.Offices.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(officeSettingsView{Office: off, FeedbackInvite: set.FeedbackInvite})
}

// updateOfficeSettings: PATCH /api/v1/admin/office {alerts_email,
// feedback_invite} — the address told of printer problems (a bare e-mail
// address, or "" for nobody) and whether done tickets' holders are asked
// for feedback. EINVALID naming alerts_email.
func (s *Server) updateOfficeSettings(c *fiber.Ctx) error {
	var probe map[string]any
	if err := decodeJSON(c, &probe); err != nil {
		return err
	}
	if probe == nil {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the request body must be a JSON object"}
	}
	body := c.Body()
	_, err := s.Offices.UpdateSettings(c.UserContext(), func(set *office.Settings) error {
		if err := decodeJSONBytes(body, set); err != nil {
			return err
		}
		if set.AlertsEmail == "" {
			return nil
		}
		addr, err := booking.NormalizeEmail(set.AlertsEmail)
		if err != nil {
			return okienko.Invalid("alerts_email", err.Error())
		}
		set.AlertsEmail = addr
		return nil
	})
	if err != nil {
		return err
	}
	return s.answerOffice(c)
}
