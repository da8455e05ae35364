package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/pickup"
)

// pickupRoutes mounts the pickup notices: the clerk's API, the public
// status of a number, and the resident's status page.
func (s *Server) pickupRoutes(api fiber.Router, clerk, lookup fiber.Handler) {
	api.Post("/pickups", clerk, s.registerPickup)
	api.Get("/pickups", clerk, s.listPickups)
	api.Post("/pickups/:id/ready", clerk, s.pickupReady)
	api.Post("/pickups/:id/collected", clerk, noBody, s.pickupMove(s.Pickups.Collected))
	api.Post("/pickups/:id/cancel", clerk, noBody, s.pickupMove(s.Pickups.Cancel))
	api.Get("/pickups/:number", lookup, s.pickupStatus)
}

// pickupRequest is the body of POST /api/v1/pickups.
type pickupRequest struct {
	What     string `json:"what"`
	Phone    string `json:"phone"`
	Email    string `json:"email"`
	TicketID int64  `json:"ticket_id"`
	Lang     string `json:"lang"`
}

// staffPickup is a pickup as the clerk's API answers: everything, with the
// number as shown and the resident's status page.
type staffPickup struct {
	pickup.Pickup
	StatusURL string `json:"status_url"`
}

func (s *Server) staffPickup(p *pickup.Pickup) staffPickup {
	out := staffPickup{Pickup: *p, StatusURL: s.BaseURL + notify.PickupPath + booking.FormatCode(p.Number)}
	out.Number = booking.FormatCode(p.Number)
	return out
}

// registerPickup: POST /api/v1/pickups {what, phone?, email?, ticket_id?,
// lang?} — a clerk registers a document to collect; 201 with its number and
// status page. 422 naming the field.
func (s *Server) registerPickup(c *fiber.Ctx) error {
	var req pickupRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.Pickups.Register(c.UserContext(), pickup.Spec{What: req.What, Phone: req.Phone, Email: req.Email, TicketID: req.TicketID, Lang: req.Lang})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.staffPickup(p))
}

// listPickups: GET /api/v1/pickups?status=&open=1&limit= — newest first;
// open=1: in progress and ready.
func (s *Server) listPickups(c *fiber.Ctx) error {
	f := pickup.Filter{Status: c.Query("status"), Open: c.Query("open") == "1" || c.Query("open") == "true"}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return okienko.Invalid("limit", "must be a number")
		}
		f.Limit = n
	}
	ps, err := s.Pickups.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]staffPickup, len(ps))
	for i := range ps {
		out[i] = s.staffPickup(&ps[i])
	}
	return c.JSON(fiber.Map{"items": out})
}

// pickupReady: POST /api/v1/pickups/{id}/ready {room} — the document is
// ready; the resident is told the room. 409 unless in progress.
func (s *Server) pickupReady(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		Room string `json:"room"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.Pickups.Ready(c.UserContext(), id, req.Room)
	if err != nil {
		return err
	}
	return c.JSON(s.staffPickup(p))
}

// pickupMove answers the body-less moves: collected (409 unless ready) and
// cancel (409 once closed).
func (s *Server) pickupMove(move func(ctx context.Context, id int64) (*pickup.Pickup, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		p, err := move(c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(s.staffPickup(p))
	}
}

// publicPickup is what anybody holding the number sees: the state and, once
// ready, the room. Never a name, a phone, an e-mail or what the document is.
type publicPickup struct {
	Number    string  `json:"number"`
	Status    string  `json:"status"`
	Room      *string `json:"room,omitempty"`
	StatusURL string  `json:"status_url"`
}

func (s *Server) publicPickup(p *pickup.Pickup) publicPickup {
	out := publicPickup{Number: booking.FormatCode(p.Number), Status: p.Status, StatusURL: s.BaseURL + notify.PickupPath + booking.FormatCode(p.Number)}
	if p.Status == pickup.StatusReady {
		room := p.Room
		out.Room = &room
	}
	return out
}

// pickupStatus: GET /api/v1/pickups/{number} — public. 404 for a number
// nobody has (counted by the look-up limit), 422 for one that can't be a
// number.
func (s *Server) pickupStatus(c *fiber.Ctx) error {
	p, err := s.Pickups.ByNumber(c.UserContext(), c.Params("number"))
	if err != nil {
		return err
	}
	return c.JSON(s.publicPickup(p))
}

// pickupPageData is what site_pickup shows.
type pickupPageData struct {
	Number, Status, Room string
	Field                formField // the number form, when no number was asked for
}

// pickupForm: GET /odbior?numer= — the form asking a pickup's number; with
// a number, the way to its page.
func (s *Server) pickupForm(c *fiber.Ctx) error {
	if n := utils.CopyString(c.Query("numer")); n != "" {
		code, err := booking.ParseCode(n)
		if err == nil {
			return c.Redirect(notify.PickupPath+booking.FormatCode(code), fiber.StatusSeeOther)
		}
		p, perr := s.page(c, "pickup.title")
		if perr != nil {
			return perr
		}
		p.Invalid = true
		p.Data = pickupPageData{Field: s.pickupField(p.L, n, p.L.T("pickup.numberInvalid"))}
		return showSite(c, fiber.StatusUnprocessableEntity, "site_pickup", p)
	}
	p, err := s.page(c, "pickup.title")
	if err != nil {
		return err
	}
	p.Data = pickupPageData{Field: s.pickupField(p.L, "", "")}
	return showSite(c, fiber.StatusOK, "site_pickup", p)
}

func (s *Server) pickupField(l *locale, value, errText string) formField {
	return l.Field(formField{ID: "numer", Label: l.T("pickup.number"), Hint: l.T("pickup.numberHint"), Value: value, Type: "text",
		Autocomplete: "off", MaxLength: 12, Error: errText, Class: "short code-input"})
}

// pickupPage: GET /odbior/{number} — the state of a pickup and, once ready,
// its room. An unknown number is a 404 page.
func (s *Server) pickupPage(c *fiber.Ctx) error {
	pk, err := s.Pickups.ByNumber(c.UserContext(), c.Params("number"))
	if okienko.ErrorCode(err) == okienko.EINVALID {
		err = okienko.Errorf(okienko.ENOTFOUND, "no such pickup")
	}
	if err != nil {
		return err
	}
	p, err := s.page(c, "pickup.pageTitle", "Number", booking.FormatCode(pk.Number))
	if err != nil {
		return err
	}
	d := pickupPageData{Number: booking.FormatCode(pk.Number), Status: pk.Status}
	if pk.Status == pickup.StatusReady {
		d.Room = pk.Room
	}
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_pickup", p)
}
