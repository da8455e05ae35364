package web

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/stats"
)

// adminStats mounts the statistics: the report as JSON, as CSV and the load
// by hour as an SVG chart, all for ?from=&to= (office days, inclusive;
// default the last 7 office days) and ?target_minutes= (the target wait,
// 1–240, default 15), and the residents' answers with their comments.
func (s *Server) adminStats(g fiber.Router) {
	g.Get("/feedback", s.adminFeedback)
	g.Get("/stats", func(c *fiber.Ctx) error {
		rep, err := s.statsReport(c)
		if err != nil {
			return err
		}
		return c.JSON(rep)
	})
	g.Get("/stats.csv", func(c *fiber.Ctx) error {
		table := c.Query("table", stats.TableRows)
		if stats.CSVHeaderOf(table) == nil {
			return okienko.Invalid("table", "must be one of "+strings.Join(stats.Tables, ", "))
		}
		rep, err := s.statsReport(c)
		if err != nil {
			return err
		}
		// UTF-8 with a byte order mark: Excel then reads the Polish letters.
		buf := bytes.NewBufferString("\uFEFF")
		if err := stats.WriteTableCSV(buf, rep, table); err != nil {
			return okienko.Internal(err)
		}
		name := "okienko-stats-"
		if table != stats.TableRows {
			name += strings.ReplaceAll(table, "_", "-") + "-"
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+rep.From.String()+`_`+rep.To.String()+`.csv"`)
		c.Set(fiber.HeaderCacheControl, "no-store")
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

// statsReport reads ?from=, ?to= and ?target_minutes= and computes the
// report in the office's zone. EINVALID naming the field for a malformed
// date, a reversed range, one over 366 days or a target outside 1–240.
func (s *Server) statsReport(c *fiber.Ctx) (*stats.Report, error) {
	ctx := c.UserContext()
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	loc := off.Location()
	st := stats.New(s.DB, s.Clock)
	fe := okienko.FieldErrors{}
	from, to := statsRange(c, st, loc, fe)
	target := 0
	if v := c.Query("target_minutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < stats.MinTargetMinutes || n > stats.MaxTargetMinutes {
			fe.Add("target_minutes", fmt.Sprintf("must be a whole number of minutes between %d and %d", stats.MinTargetMinutes, stats.MaxTargetMinutes))
		}
		target = n
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return st.Report(ctx, stats.Query{From: from, To: to, TargetMinutes: target}, loc)
}

// statsRange reads ?from= and ?to= (malformed ones added to fe): both, or
// a week from one of them, or else the last week in loc.
func statsRange(c *fiber.Ctx, st *stats.Store, loc *time.Location, fe okienko.FieldErrors) (from, to office.Date) {
	from, to = st.LastWeek(loc)
	f, t := queryDate(c, "from", fe), queryDate(c, "to", fe)
	switch {
	case !f.IsZero() && !t.IsZero():
		from, to = f, t
	case !f.IsZero():
		from, to = f, f.AddDays(6)
	case !t.IsZero():
		from, to = t.AddDays(-6), t
	}
	return from, to
}

// adminFeedback: GET /api/v1/admin/feedback?from=&to= — the residents'
// answers of those office days (default the last week): score, comment,
// matter, counter, day; no personal data. EINVALID naming from or to.
func (s *Server) adminFeedback(c *fiber.Ctx) error {
	ctx := c.UserContext()
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return err
	}
	st := stats.New(s.DB, s.Clock)
	fe := okienko.FieldErrors{}
	from, to := statsRange(c, st, off.Location(), fe)
	if err := fe.Err(); err != nil {
		return err
	}
	out, err := st.Comments(ctx, from, to)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
