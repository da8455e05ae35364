package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
)

// suspiciousBookings: GET /api/v1/admin/suspicious-bookings?from=&to=
// [&burst_size=&burst_minutes=&domain_size=&birth_size=&public_domains=]
// answers the groups of live future bookings on those days that look like
// hoarding (booking.Suspicious), with the residents' names and e-mails.
// 422 naming the parameter for a missing or bad date, a range over 92 days
// or a threshold out of its bounds.
func (s *Server) suspiciousBookings(c *fiber.Ctx) error {
	fe := okienko.FieldErrors{}
	from, to := queryDate(c, "from", fe), queryDate(c, "to", fe)
	rules := booking.DefaultSuspicionRules()
	for _, q := range []struct {
		name string
		into *int
	}{
		{"burst_size", &rules.BurstSize}, {"burst_minutes", &rules.BurstMinutes},
		{"domain_size", &rules.DomainSize}, {"birth_size", &rules.BirthSize},
	} {
		v := c.Query(q.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || len(v) > 6 {
			fe.Add(q.name, "must be a whole number")
			continue
		}
		*q.into = n
	}
	switch c.Query("public_domains") {
	case "", "false", "0":
	case "true", "1":
		rules.PublicDomains = true
	default:
		fe.Add("public_domains", "must be true or false")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	out, err := s.Bookings.Suspicious(c.UserContext(), from, to, rules)
	if err != nil {
		return err
	}
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	for i := range out.Groups {
		g := &out.Groups[i]
		g.FirstCreated, g.LastCreated = g.FirstCreated.In(loc), g.LastCreated.In(loc)
		for j := range g.Bookings {
			b := &g.Bookings[j]
			b.Start, b.CreatedAt = b.Start.In(loc), b.CreatedAt.In(loc)
		}
	}
	return c.JSON(out)
}

type adminCancelRequest struct {
	Codes []string `json:"codes"`
	Note  string   `json:"note"`
}

// adminCancelBookings: POST /api/v1/admin/bookings/cancel {codes, note}
// cancels, for the office, each booking named (at most 200), with note as
// the office's words in each resident's cancellation message, each audited
// (booking.CancelByAdmin). It answers {cancelled: [codes], not_cancelled:
// [{code, reason}]}. 422 naming codes (none, too many, malformed, repeated,
// unknown) or note, with nothing changed.
func (s *Server) adminCancelBookings(c *fiber.Ctx) error {
	var req adminCancelRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cancelled, left, err := s.Bookings.CancelByAdmin(c.UserContext(), req.Codes, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"cancelled": cancelled, "not_cancelled": left})
}
