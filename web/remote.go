package web

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko/queue"
)

// The remote queue (e-kolejka) over HTTP: a resident joins today's queue of
// a matter from the phone (POST /api/v1/remote-tickets, or the site's
// /sprawy/{id}/kolejka), follows the ticket on /t/{public_id}, and the
// kiosk checks it in by the QR of that page.

type remoteTicketRequest struct {
	ServiceID int64  `json:"service_id"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Lang      string `json:"lang"`
}

// createRemoteTicket: POST /api/v1/remote-tickets {service_id, phone?,
// email?, lang?} — 201 {ticket} as a kiosk's ticket is answered. 422 naming
// the field (also service_id for a matter that takes no remote tickets);
// 409 when the department isn't issuing tickets now, today's remote places
// are taken, or the phone or e-mail already has a remote ticket today.
func (s *Server) createRemoteTicket(c *fiber.Ctx) error {
	var req remoteTicketRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.Queue.IssueRemote(c.UserContext(), queue.RemoteSpec{ServiceID: req.ServiceID, Phone: req.Phone, Email: req.Email, Lang: req.Lang})
	if err != nil {
		return err
	}
	v, err := s.publicTicket(c.UserContext(), t)
	if err != nil {
		return err
	}
	c.Location(v.StatusURL)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"ticket": v})
}

// ticketPublicID finds a ticket's public id in what a kiosk read: the id
// itself, or the address of its live page (the QR of /t/{public_id}), in
// any case; "" when code is neither (a booking code, say).
func ticketPublicID(code string) string {
	code = strings.TrimSpace(code)
	if len(code) > 300 {
		return ""
	}
	if i := strings.LastIndex(code, "/t/"); i >= 0 {
		code = code[i+3:]
	}
	code = strings.ToLower(strings.TrimRight(code, "/"))
	if publicIDPattern.MatchString(code) {
		return code
	}
	return ""
}

var publicIDPattern = regexp.MustCompile(`^[a-z2-7]{16}$`)

// remoteArrival checks in the remote ticket publicID at the kiosk and
// answers 200 {ticket, print, arrived: true}, the ticket printed for the
// visitor in lang.
func (s *Server) remoteArrival(c *fiber.Ctx, publicID, lang string) error {
	t, err := s.Queue.Arrive(c.UserContext(), publicID)
	if err != nil {
		return err
	}
	v, err := s.publicTicket(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ticket": v, "print": s.printTicket(c.UserContext(), t, v, lang), "arrived": true})
}
