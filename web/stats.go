package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
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
	date := func(name string) (office.Date, bool) {
		v := c.Query(name)
		if v == "" {
			return office.Date{}, false
		}
		d, err := office.ParseDate(v)
		if err != nil {
			fe.Add(name, "must be a date of the form YYYY-MM-DD")
			return office.Date{}, false
		}
		return d, true
	}
	f, hasFrom := date("from")
	t, hasTo := date("to")
	if err := fe.Err(); err != nil {
		return nil, err
	}
	switch {
	case hasFrom && hasTo:
		from, to = f, t
	case hasFrom:
		from, to = f, f.AddDays(6)
	case hasTo:
		from, to = t.AddDays(-6), t
	}
	return st.Report(ctx, from, to, loc)
}
