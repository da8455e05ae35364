package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/stats"
)

// adminStats mounts the statistics: the report as JSON, as CSV and the load
// by hour as an SVG chart, all for ?from=&to= (office days, inclusive;
// default the last 7 office days).
func (s *Server) adminStats(g fiber.Router) {
	g.Get("/stats", func(c *fiber.Ctx) error {
		rep, err := s.statsReport(c)
		if err != nil {
			return err
		}
		return c.JSON(rep)
	})
	g.Get("/stats.csv", func(c *fiber.Ctx) error {
		rep, err := s.statsReport(c)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := stats.WriteCSV(&buf, rep); err != nil {
			return okienko.Internal(err)
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="okienko-stats-`+rep.From.String()+`-`+rep.To.String()+`.csv"`)
		return c.Send(buf.Bytes())
	})
	g.Get("/stats/hours.svg", func(c *fiber.Ctx) error {
		rep, err := s.statsReport(c)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		title := "Bilety według godziny wydania, " + rep.From.String() + " – " + rep.To.String()
		if err := stats.WriteHoursSVG(&buf, title, rep.Total.Hours); err != nil {
			return okienko.Internal(err)
		}
		c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(buf.Bytes())
	})
}

// statsReport reads ?from= and ?to= and computes the report in the office's
// zone. EINVALID naming the field for a malformed date, a reversed range or
// one over 366 days.
func (s *Server) statsReport(c *fiber.Ctx) (*stats.Report, error) {
	ctx := c.UserContext()
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	loc := off.Location()
	st := stats.New(s.DB, s.Clock)
	from, to := st.LastWeek(loc)
	fe := okienko.FieldErrors{}
	f, t := queryDate(c, "from", fe), queryDate(c, "to", fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	switch {
	case !f.IsZero() && !t.IsZero():
		from, to = f, t
	case !f.IsZero():
		from, to = f, f.AddDays(6)
	case !t.IsZero():
		from, to = t.AddDays(-6), t
	}
	return st.Report(ctx, from, to, loc)
}
