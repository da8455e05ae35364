package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// CancelReasonClosure is the reason recorded on bookings cancelled because
// the office closed on their day.
const CancelReasonClosure = booking.ReasonClosure

// AuditCancelBookings is the audit action of cancelling a closure's bookings.
const AuditCancelBookings = "cancel_bookings"

// adminOps mounts what the admin panel asks before and after a change, and
// the live operations view. Mounted before the resources, so that
// /closures/impact is not taken for a closure id.
func (s *Server) adminOps(g fiber.Router) {
	g.Get("/closures/impact", s.closureImpact)
	g.Post("/closures/:id/cancel-bookings", noBody, s.closureCancelBookings)
	g.Get("/services/:id/grid-impact", s.gridImpact)
	g.Get("/services/:id/waitlist", s.dayWaitlist)
	g.Get("/live", s.liveOps)
	g.Get("/suspicious-bookings", s.suspiciousBookings)
	g.Post("/bookings/cancel", s.adminCancelBookings)
}

// closureImpact: GET /api/v1/admin/closures/impact?starts_on=&ends_on=&department_id=
// answers {"bookings": n}, the booked visits not yet begun that a closure of
// those days (of one department, or the whole office) would cancel. An empty
// ends_on means one day. 422 naming the field for a bad date, a reversed
// range or an unknown department.
func (s *Server) closureImpact(c *fiber.Ctx) error {
	ctx := c.UserContext()
	fe := okienko.FieldErrors{}
	from, to := queryDate(c, "starts_on", fe), queryDate(c, "ends_on", fe)
	if c.Query("starts_on") == "" {
		fe.Add("starts_on", "required")
	}
	if to.IsZero() && c.Query("ends_on") == "" {
		to = from
	}
	var depID int64
	if v := c.Query("department_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fe.Add("department_id", "must be the id of a department")
		}
		depID = n
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if depID > 0 {
		if _, err := s.Offices.Department(ctx, depID); err != nil {
			if okienko.ErrorCode(err) == okienko.ENOTFOUND {
				return okienko.Invalid("department_id", "no such department")
			}
			return err
		}
	}
	ids, err := s.Bookings.Covered(ctx, from, to, depID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"bookings": len(ids)})
}

// closureCancelBookings: POST /api/v1/admin/closures/{id}/cancel-bookings
// cancels every booked visit not yet begun on the closure's days (of its
// department, or office-wide), each in its own transaction with its
// cancellation message queued in the outbox, and answers {"cancelled": n}.
// Each booking keeps the closure's reason as the office's word to the
// resident.
// A booking checked in or cancelled meanwhile is skipped. The cancellation
// is audited on the closure. 404 for an unknown closure.
func (s *Server) closureCancelBookings(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cl, err := s.Offices.Closure(ctx, id)
	if err != nil {
		return err
	}
	var depID int64
	if cl.DepartmentID != nil {
		depID = *cl.DepartmentID
	}
	ids, err := s.Bookings.Covered(ctx, cl.StartsOn, cl.EndsOn, depID)
	if err != nil {
		return err
	}
	cancelled, err := s.Bookings.CancelEach(ctx, ids, CancelReasonClosure, cl.Reason)
	if err != nil {
		return err
	}
	if len(cancelled) > 0 {
		after := map[string]any{"cancelled": len(cancelled), "booking_ids": cancelled}
		if err := audit.Record(ctx, s.DB.WithContext(ctx), s.Clock.Now(), AuditCancelBookings, office.ObjectClosure, id, nil, after); err != nil {
			return okienko.Internal(err)
		}
	}
	return c.JSON(fiber.Map{"cancelled": len(cancelled)})
}

// gridImpact: GET /api/v1/admin/services/{id}/grid-impact?slot_minutes=N
// answers {"future_bookings": n, "off_grid": m}: of the service's future
// live bookings, how many would not start on a slot of an N-minute grid.
// They stay valid; this only informs before saving. 404 for an unknown
// service; 422 on slot_minutes when missing or outside 5–480.
func (s *Server) gridImpact(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	minutes, err := strconv.Atoi(c.Query("slot_minutes"))
	if err != nil {
		return okienko.Invalid("slot_minutes", "must be a whole number of minutes between 5 and 480")
	}
	total, off, err := s.Bookings.OffGrid(c.UserContext(), id, minutes)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"future_bookings": total, "off_grid": off})
}

// LiveCounter is an open or paused counter in the live operations view.
type LiveCounter struct {
	CounterID int64  `json:"counter_id"`
	Name      string `json:"name"`
	Status    string `json:"status"` // open or paused
	UserID    int64  `json:"user_id"`
	Username  string `json:"username"`
	// CurrentTicket is the number of the ticket called or being served there,
	// "" when none.
	CurrentTicket string `json:"current_ticket"`
	// Pause is the counter's break now; nil when it is open.
	Pause *LivePause `json:"pause,omitempty"`
}

// LivePause is a counter's break in the live view: the reason the clerk
// picked (nil when the office offers none; an archived reason is still
// named) and how long it has lasted, in whole minutes.
type LivePause struct {
	Reason  *office.PauseReason `json:"reason"`
	Minutes int                 `json:"minutes"`
}

// LiveDepartment is one department in the live operations view.
type LiveDepartment struct {
	DepartmentID int64  `json:"department_id"`
	Name         string `json:"name"`
	Waiting      int    `json:"waiting"`
	// LongestWaitMinutes is how long the oldest ticket waiting today has
	// waited since it was issued, in whole minutes; 0 when nobody waits.
	LongestWaitMinutes int           `json:"longest_wait_minutes"`
	Counters           []LiveCounter `json:"counters"`
}

// LiveOps is the live operations view of the office.
type LiveOps struct {
	At          time.Time        `json:"at"`
	Departments []LiveDepartment `json:"departments"`
}

// liveOps: GET /api/v1/admin/live — per department: today's waiting
// tickets, the open and paused counters with their clerk and current
// ticket (a counter serving several departments under each of them), and
// the longest wait now. A fixed number of queries per
// department, each bounded by the counters or the departments.
func (s *Server) liveOps(c *fiber.Ctx) error {
	ctx := c.UserContext()
	db := s.DB.WithContext(ctx)
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now().UTC()
	today := office.DateOf(now.In(off.Location()))
	deps, err := s.Offices.Departments(ctx, false)
	if err != nil {
		return err
	}
	waiting, err := s.Queue.WaitingByDepartment(ctx)
	if err != nil {
		return err
	}
	states, err := s.Queue.States(ctx)
	if err != nil {
		return err
	}
	counterIDs := make([]int64, 0, len(states))
	userIDs := make([]int64, 0, len(states))
	for _, st := range states {
		counterIDs = append(counterIDs, st.CounterID)
		userIDs = append(userIDs, st.UserID)
	}
	type counterRow struct {
		ID   int64
		Name string
	}
	counters := map[int64]counterRow{}
	var pauses map[int64]*LivePause  // by counter
	servesDep := map[[2]int64]bool{} // {counter, department}: the counter serves the department
	usernames := map[int64]string{}
	current := map[int64]string{}
	if len(states) > 0 {
		var rows []counterRow
		if err := db.Table("counters").Select("id, name").Where("id IN ?", counterIDs).Find(&rows).Error; err != nil {
			return okienko.Internal(err)
		}
		for _, r := range rows {
			counters[r.ID] = r
		}
		var links []struct {
			CounterID    int64
			DepartmentID int64
		}
		if err := db.Table("counter_departments").Select("counter_id, department_id").Where("counter_id IN ?", counterIDs).Find(&links).Error; err != nil {
			return okienko.Internal(err)
		}
		for _, l := range links {
			servesDep[[2]int64{l.CounterID, l.DepartmentID}] = true
		}
		var users []struct {
			ID       int64
			Username string
		}
		if err := db.Table("users").Select("id, username").Where("id IN ?", userIDs).Find(&users).Error; err != nil {
			return okienko.Internal(err)
		}
		for _, u := range users {
			usernames[u.ID] = u.Username
		}
		var tickets []queue.Ticket
		err := db.Select("id, counter_id, number, called_at").
			Where("counter_id IN ? AND status IN ?", counterIDs, []string{queue.StatusCalled, queue.StatusServing}).
			Order("called_at").Find(&tickets).Error
		if err != nil {
			return okienko.Internal(err)
		}
		for _, t := range tickets { // the latest call wins, as queue.Current
			current[*t.CounterID] = t.Number
		}
		if pauses, err = s.livePauses(ctx, counterIDs, now); err != nil {
			return err
		}
	}
	out := LiveOps{At: now, Departments: make([]LiveDepartment, 0, len(deps))}
	for _, d := range deps {
		ld := LiveDepartment{DepartmentID: d.ID, Name: d.Name, Waiting: waiting[d.ID], Counters: []LiveCounter{}}
		if ld.Waiting > 0 {
			var oldest []queue.Ticket
			err := db.Select("id, issued_at").
				Where("day = ? AND department_id = ? AND status = ?", today, d.ID, queue.StatusWaiting).
				Order("issued_at").Limit(1).Find(&oldest).Error
			if err != nil {
				return okienko.Internal(err)
			}
			if len(oldest) == 1 {
				if w := now.Sub(oldest[0].IssuedAt); w > 0 {
					ld.LongestWaitMinutes = int(w / time.Minute)
				}
			}
		}
		for _, st := range states {
			cr, ok := counters[st.CounterID]
			if !ok || !servesDep[[2]int64{st.CounterID, d.ID}] {
				continue
			}
			lc := LiveCounter{
				CounterID: st.CounterID, Name: cr.Name, Status: st.Status,
				UserID: st.UserID, Username: usernames[st.UserID], CurrentTicket: current[st.CounterID],
			}
			if st.Status == queue.CounterPaused {
				lc.Pause = pauses[st.CounterID] // nil for one paused before pauses were recorded
			}
			ld.Counters = append(ld.Counters, lc)
		}
		out.Departments = append(out.Departments, ld)
	}
	return c.JSON(out)
}

// livePauses returns the open pauses of counterIDs by counter, each with
// its reason and its length at now. One query for the pauses, one for each
// reason they name (a handful).
func (s *Server) livePauses(ctx context.Context, counterIDs []int64, now time.Time) (map[int64]*LivePause, error) {
	var open []queue.CounterPause
	if err := s.DB.WithContext(ctx).Where("counter_id IN ? AND ended_at IS NULL", counterIDs).Order("started_at").Find(&open).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	reasons := map[int64]*office.PauseReason{}
	out := map[int64]*LivePause{}
	for _, p := range open {
		lp := &LivePause{}
		if w := now.Sub(p.StartedAt); w > 0 {
			lp.Minutes = int(w / time.Minute)
		}
		if p.ReasonID != nil {
			r, ok := reasons[*p.ReasonID]
			if !ok {
				var err error
				if r, err = s.Offices.PauseReason(ctx, *p.ReasonID); err != nil && okienko.ErrorCode(err) != okienko.ENOTFOUND {
					return nil, err
				}
				reasons[*p.ReasonID] = r
			}
			lp.Reason = r
		}
		out[*p.CounterID] = lp
	}
	return out, nil
}
