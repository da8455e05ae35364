package web

import (
	"bytes"
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/stats"
)

// adminStaff mounts the pause reasons (list, create, read, change; delete
// archives a reason in use) and the per-clerk and per-counter report.
func (s *Server) adminStaff(g fiber.Router) {
	o := s.Offices
	resource[office.PauseReason, office.PauseReasonSpec]{
		list: o.PauseReasons,
		get: func(ctx context.Context, id int64) (*office.PauseReason, error) {
			r, err := o.PauseReason(ctx, id)
			if err == nil && r.ArchivedAt != nil { // withdrawn from the panel
				return nil, okienko.Errorf(okienko.ENOTFOUND, "pause reason %d not found", id)
			}
			return r, err
		},
		defaults: func() office.PauseReasonSpec { return office.PauseReasonSpec{} },
		create:   o.CreatePauseReason,
		update:   o.UpdatePauseReason,
		remove:   o.DeletePauseReason,
	}.mount(g, "/pause-reasons")
	g.Get("/reports/staff", s.staffReport)
}

// staffReport: GET /api/v1/admin/reports/staff?from=&to=[&format=csv] —
// every clerk's and counter's days from to to (office days, inclusive, at
// most 92; default the last 7), as JSON, or as CSV for format=csv or an
// Accept that asks for text/csv.
func (s *Server) staffReport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return err
	}
	loc := off.Location()
	fe := okienko.FieldErrors{}
	f, t := queryDate(c, "from", fe), queryDate(c, "to", fe)
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		fe.Add("format", "must be json or csv")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	from, to := stats.New(s.DB, s.Clock).LastWeek(loc)
	switch {
	case !f.IsZero() && !t.IsZero():
		from, to = f, t
	case !f.IsZero():
		from, to = f, f.AddDays(6)
	case !t.IsZero():
		from, to = t.AddDays(-6), t
	}
	rep, err := stats.New(s.DB, s.Clock).Staff(ctx, stats.StaffQuery{From: from, To: to}, loc)
	if err != nil {
		return err
	}
	if format == "csv" || (format == "" && wantsCSV(c)) {
		// UTF-8 with a byte order mark: Excel then reads the Polish letters.
		buf := bytes.NewBufferString("\uFEFF")
		if err := stats.WriteStaffCSV(buf, rep); err != nil {
			return okienko.Internal(err)
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="okienko-staff-`+rep.From.String()+`_`+rep.To.String()+`.csv"`)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(buf.Bytes())
	}
	return c.JSON(rep)
}

// wantsCSV is whether the request's Accept names text/csv before (or
// without) JSON.
func wantsCSV(c *fiber.Ctx) bool {
	a := strings.ToLower(c.Get(fiber.HeaderAccept))
	return strings.Contains(a, "text/csv") && c.Accepts("text/csv", "application/json") == "text/csv"
}

// clerkReport: GET /api/v1/clerk/report?date= — the signed-in user's own
// day (default today): their figures, and each counter's only with what
// they did there. Nobody else's data.
func (s *Server) clerkReport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return err
	}
	loc := off.Location()
	fe := okienko.FieldErrors{}
	day := queryDate(c, "date", fe)
	if err := fe.Err(); err != nil {
		return err
	}
	if day.IsZero() {
		day = office.DateOf(s.Clock.Now().In(loc))
	} else if err := office.CheckBounds("date", day); err != nil {
		return err
	}
	rep, err := stats.New(s.DB, s.Clock).Staff(ctx, stats.StaffQuery{From: day, To: day, UserID: actorID(c)}, loc)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}
