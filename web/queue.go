package web

import (
	"bytes"
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// counterView is a counter with who works there now.
type counterView struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"` // the primary department's name
	// DepartmentIDs and Departments are the departments the counter
	// serves and their names, in the same order.
	DepartmentIDs []int64      `json:"department_ids"`
	Departments   []string     `json:"departments"`
	ServiceIDs    []int64      `json:"service_ids"`
	State         counterState `json:"state"`
}

type counterState struct {
	Status     string  `json:"status"` // open, paused, closed
	User       string  `json:"user"`
	Mine       bool    `json:"mine"`
	ServiceIDs []int64 `json:"service_ids"`
}

// ticketView is a ticket as clerks see it.
type ticketView struct {
	ID             int64        `json:"id"`
	PublicID       string       `json:"public_id"`
	Number         string       `json:"number"`
	ServiceID      int64        `json:"service_id"`
	Service        string       `json:"service"`
	DepartmentID   int64        `json:"department_id"`
	Kind           string       `json:"kind"`
	Priority       bool         `json:"priority"`
	Status         string       `json:"status"`
	IssuedAt       time.Time    `json:"issued_at"`
	DueAt          time.Time    `json:"due_at"`
	CalledAt       *time.Time   `json:"called_at"`
	StartedAt      *time.Time   `json:"started_at"`
	WaitingMinutes int          `json:"waiting_minutes"`
	Recalls        int          `json:"recalls"`
	CounterID      *int64       `json:"counter_id"`
	Booking        *bookingNote `json:"booking"`
	// ArrivedAt is when a remote ticket's holder checked in at the kiosk;
	// AwaitsArrival: a remote ticket not yet arrived of a matter that asks
	// for arrival first, which call next passes over.
	ArrivedAt     *time.Time `json:"arrived_at"`
	AwaitsArrival bool       `json:"awaits_arrival"`
	// Remaining are the matters of a visit of several still to come after
	// this one, in order: the clerk sends the ticket onward to the first.
	Remaining []matterRef `json:"remaining,omitempty"`
}

// matterRef is a matter by id and name.
type matterRef struct {
	ServiceID int64  `json:"service_id"`
	Service   string `json:"service"`
}

type bookingNote struct {
	Name       string `json:"name"`
	PESELLast4 string `json:"pesel_last4"`
	// PESELVerified: the resident signed in with the trusted profile, so
	// the PESEL is theirs, not typed.
	PESELVerified bool      `json:"pesel_verified"`
	Start         time.Time `json:"start"`
}

// names looks up service names once per request, of withdrawn matters
// too (their tickets of today are still shown).
type names struct {
	services     map[int64]string
	arrivalFirst map[int64]bool // remote tickets called only once arrived
}

func (s *Server) names(ctx context.Context) (*names, error) {
	svcs, err := s.Offices.AllServices(ctx)
	if err != nil {
		return nil, err
	}
	n := &names{services: map[int64]string{}, arrivalFirst: map[int64]bool{}}
	for _, sv := range svcs {
		n.services[sv.ID] = sv.Name
		n.arrivalFirst[sv.ID] = sv.RemoteArrivalRequired
	}
	return n, nil
}

func (s *Server) ticketView(ctx context.Context, n *names, t *queue.Ticket, loc *time.Location) ticketView {
	v := ticketView{
		ID: t.ID, PublicID: t.PublicID, Number: t.Number, ServiceID: t.ServiceID, Service: n.services[t.ServiceID],
		DepartmentID: t.DepartmentID, Kind: t.Kind, Priority: t.Priority, Status: t.Status,
		IssuedAt: t.IssuedAt.In(loc), DueAt: t.DueAt.In(loc), CalledAt: t.CalledAt, StartedAt: t.StartedAt,
		Recalls: t.Recalls, CounterID: t.CounterID, ArrivedAt: t.ArrivedAt,
		AwaitsArrival: t.Kind == queue.KindRemote && t.ArrivedAt == nil && n.arrivalFirst[t.ServiceID],
	}
	for _, id := range t.Remaining {
		v.Remaining = append(v.Remaining, matterRef{ServiceID: id, Service: n.services[id]})
	}
	end := s.Clock.Now()
	if t.CalledAt != nil {
		end = *t.CalledAt
	}
	if m := int(end.Sub(t.IssuedAt).Minutes()); m > 0 {
		v.WaitingMinutes = m
	}
	if t.BookingID != nil {
		if b, err := s.Bookings.ByID(ctx, *t.BookingID); err == nil {
			note := &bookingNote{Start: b.StartsAt.In(loc), PESELVerified: b.PESELVerified}
			if b.Name != nil {
				note.Name = *b.Name
			}
			if b.PESELLast4 != nil {
				note.PESELLast4 = *b.PESELLast4
			}
			v.Booking = note
		}
	}
	return v
}

func actorID(c *fiber.Ctx) int64 { return okienko.ActorFrom(c.UserContext()).UserID }

// counters: GET /api/v1/counters — every counter with its state.
func (s *Server) counters(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cs, err := s.Offices.Counters(ctx)
	if err != nil {
		return err
	}
	view, err := s.counterViewer(ctx, actorID(c))
	if err != nil {
		return err
	}
	out := make([]counterView, 0, len(cs))
	for _, ct := range cs {
		out = append(out, view(ct))
	}
	return c.JSON(out)
}

// counterViewer returns a function rendering counters as user me sees them,
// reading the departments, counter states and users once.
func (s *Server) counterViewer(ctx context.Context, me int64) (func(office.Counter) counterView, error) {
	deps, err := s.Offices.Departments(ctx, false)
	if err != nil {
		return nil, err
	}
	states, err := s.Queue.States(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.Auth.Users(ctx)
	if err != nil {
		return nil, err
	}
	return func(ct office.Counter) counterView { return s.counterView(ct, deps, states, users, me) }, nil
}

func (s *Server) counterView(ct office.Counter, deps []office.Department, states []queue.CounterState, users []auth.User, me int64) counterView {
	v := counterView{ID: ct.ID, Name: ct.Name, DepartmentID: ct.DepartmentID, ServiceIDs: ct.ServiceIDs,
		DepartmentIDs: ct.DepartmentIDs, Departments: make([]string, len(ct.DepartmentIDs)),
		State: counterState{Status: queue.CounterClosed, ServiceIDs: []int64{}}}
	for _, d := range deps {
		if d.ID == ct.DepartmentID {
			v.Department = d.Name
		}
		for i, id := range ct.DepartmentIDs {
			if d.ID == id {
				v.Departments[i] = d.Name
			}
		}
	}
	for _, st := range states {
		if st.CounterID != ct.ID {
			continue
		}
		v.State = counterState{Status: st.Status, Mine: st.UserID == me, ServiceIDs: st.Services()}
		for _, u := range users {
			if u.ID == st.UserID {
				v.State.User = u.Username
			}
		}
	}
	return v
}

// oneCounter answers the counter view of id.
func (s *Server) oneCounter(c *fiber.Ctx, id int64) error {
	ctx := c.UserContext()
	ct, err := s.Offices.Counter(ctx, id)
	if err != nil {
		return err
	}
	view, err := s.counterViewer(ctx, actorID(c))
	if err != nil {
		return err
	}
	return c.JSON(view(*ct))
}

type openRequest struct {
	ServiceIDs []int64 `json:"service_ids"`
}

// openCounter: POST /api/v1/counters/{id}/open {service_ids?}
func (s *Server) openCounter(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req openRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if _, err := s.Queue.OpenCounter(c.UserContext(), id, actorID(c), req.ServiceIDs); err != nil {
		return err
	}
	return s.oneCounter(c, id)
}

// pauseRequest is the body of a pause: the reason the clerk picked (none,
// {} or null: the first reason offered).
type pauseRequest struct {
	ReasonID *int64 `json:"reason_id"`
}

// counterAction: POST /api/v1/counters/{id}/{close,pause,resume}; pause
// takes {reason_id?}.
func (s *Server) counterAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		ctx, me := c.UserContext(), actorID(c)
		switch action {
		case "close":
			err = s.Queue.CloseCounter(ctx, id, me)
		case "pause":
			var reason int64
			if b := bytes.TrimSpace(c.Body()); len(b) > 0 && string(b) != "null" {
				var req pauseRequest
				if err := decodeJSON(c, &req); err != nil {
					return err
				}
				if req.ReasonID != nil {
					if *req.ReasonID <= 0 {
						return okienko.Invalid("reason_id", "must be the id of a pause reason")
					}
					reason = *req.ReasonID
				}
			}
			_, err = s.Queue.PauseCounter(ctx, id, me, reason)
		case "resume":
			_, err = s.Queue.ResumeCounter(ctx, id, me)
		}
		if err != nil {
			return err
		}
		return s.oneCounter(c, id)
	}
}

// counterQueue: GET /api/v1/counters/{id}/queue — the counter, its current
// ticket, the waiting tickets it may call, and the clerk's counts today.
func (s *Server) counterQueue(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.queueView(c.UserContext(), id, actorID(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// queueOfCounter is what a clerk's page shows of a counter.
type queueOfCounter struct {
	Counter counterView     `json:"counter"`
	Current *ticketView     `json:"current"`
	Waiting []ticketView    `json:"waiting"`
	Today   queue.DayCounts `json:"today"`
}

// queueView builds the queue of counter id as user me sees it.
func (s *Server) queueView(ctx context.Context, id, me int64) (*queueOfCounter, error) {
	ct, err := s.Offices.Counter(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.Queue.State(ctx, id)
	if err != nil {
		return nil, err
	}
	services := ct.ServiceIDs
	if st != nil {
		services = st.Services()
	}
	waiting, err := s.Queue.Waiting(ctx, services)
	if err != nil {
		return nil, err
	}
	cur, err := s.Queue.Current(ctx, id)
	if err != nil {
		return nil, err
	}
	today, err := s.Queue.Today(ctx, me)
	if err != nil {
		return nil, err
	}
	n, err := s.names(ctx)
	if err != nil {
		return nil, err
	}
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return nil, err
	}
	loc := off.Location()
	view, err := s.counterViewer(ctx, me)
	if err != nil {
		return nil, err
	}
	out := &queueOfCounter{Counter: view(*ct), Waiting: []ticketView{}, Today: today}
	if cur != nil {
		v := s.ticketView(ctx, n, cur, loc)
		out.Current = &v
	}
	for i := range waiting {
		out.Waiting = append(out.Waiting, s.ticketView(ctx, n, &waiting[i], loc))
	}
	return out, nil
}

// answerTicket writes t as a ticket view.
func (s *Server) answerTicket(c *fiber.Ctx, t *queue.Ticket) error {
	ctx := c.UserContext()
	n, err := s.names(ctx)
	if err != nil {
		return err
	}
	loc, err := s.officeLocation(c)
	if err != nil {
		return err
	}
	return c.JSON(s.ticketView(ctx, n, t, loc))
}

// callNext: POST /api/v1/counters/{id}/next — 200 the called ticket, 204
// when nobody waits.
func (s *Server) callNext(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.Queue.CallNext(c.UserContext(), id, actorID(c))
	if err != nil {
		return err
	}
	if t == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return s.answerTicket(c, t)
}

type callRequest struct {
	TicketID int64 `json:"ticket_id"`
}

// callTicket: POST /api/v1/counters/{id}/call {ticket_id}
func (s *Server) callTicket(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req callRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.TicketID <= 0 {
		return okienko.Invalid("ticket_id", "required")
	}
	t, err := s.Queue.CallTicket(c.UserContext(), id, actorID(c), req.TicketID)
	if err != nil {
		return err
	}
	return s.answerTicket(c, t)
}

type finishRequest struct {
	Outcome string `json:"outcome"`
}

// ticketAction: POST /api/v1/tickets/{id}/{recall,start,finish,no-show,return}
func (s *Server) ticketAction(action queue.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var req finishRequest
		if action == queue.ActFinish && len(bytes.TrimSpace(c.Body())) > 0 {
			if err := decodeJSON(c, &req); err != nil {
				return err
			}
		}
		t, err := s.Queue.Act(c.UserContext(), id, actorID(c), action, req.Outcome)
		if err != nil {
			return err
		}
		return s.answerTicket(c, t)
	}
}

// undoNoShow: POST /api/v1/tickets/{id}/undo-no-show — takes back a
// no-show marked less than queue.UndoNoShowWindow ago: the ticket is called
// again at the clerk's counter (200 the ticket); 409 when it is not absent,
// too late, or the counter called another meanwhile.
func (s *Server) undoNoShow(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	t, err := s.Queue.UndoNoShow(c.UserContext(), id, actorID(c))
	if err != nil {
		return err
	}
	return s.answerTicket(c, t)
}

type transferRequest struct {
	ServiceID int64 `json:"service_id"`
}

// transferTicket: POST /api/v1/tickets/{id}/transfer {service_id}
func (s *Server) transferTicket(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req transferRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.ServiceID <= 0 {
		return okienko.Invalid("service_id", "required")
	}
	t, err := s.Queue.Transfer(c.UserContext(), id, actorID(c), req.ServiceID)
	if err != nil {
		return err
	}
	return s.answerTicket(c, t)
}

// publicTicket is a ticket as the resident following it sees it.
type publicTicket struct {
	ID       int64  `json:"id"`
	PublicID string `json:"public_id"`
	Number   string `json:"number"`
	Status   string `json:"status"`
	Service  string `json:"service"`
	// ServiceNames is the matter's name by language (pl, en, uk), Polish
	// where the office wrote none, for pages that switch language.
	ServiceNames         map[string]string `json:"service_names"`
	PeopleAhead          int               `json:"people_ahead"`
	EstimatedWaitMinutes int               `json:"estimated_wait_minutes"`
	CountersOpen         *int              `json:"counters_open,omitempty"` // waiting tickets only
	Counter              *string           `json:"counter"`
	// Recalls is how many times the ticket was called again: a page
	// following the ticket tells a recall by it going up.
	Recalls   int    `json:"recalls"`
	StatusURL string `json:"status_url"`
	Kind      string `json:"kind"`
	// ArrivalRequired: a remote ticket of a matter that calls it only once
	// the kiosk has checked it in (ArrivedAt).
	ArrivalRequired bool       `json:"arrival_required"`
	ArrivedAt       *time.Time `json:"arrived_at"`
}

func (s *Server) publicTicket(ctx context.Context, t *queue.Ticket) (publicTicket, error) {
	ahead, wait, err := s.Queue.Position(ctx, t)
	if err != nil {
		return publicTicket{}, err
	}
	svc, err := s.Offices.Service(ctx, t.ServiceID)
	if err != nil {
		return publicTicket{}, err
	}
	out := publicTicket{ID: t.ID, PublicID: t.PublicID, Number: t.Number, Status: t.Status, Service: svc.Name,
		ServiceNames: map[string]string{
			office.LangPL: svc.Name, office.LangEN: svc.NameIn(office.LangEN), office.LangUK: svc.NameIn(office.LangUK),
		},
		PeopleAhead: ahead, EstimatedWaitMinutes: int((wait + time.Minute - 1) / time.Minute),
		StatusURL: s.BaseURL + "/t/" + t.PublicID, Kind: t.Kind, ArrivedAt: t.ArrivedAt, Recalls: t.Recalls,
		ArrivalRequired: t.Kind == queue.KindRemote && svc.RemoteArrivalRequired}
	if t.Status == queue.StatusWaiting {
		open, err := s.Queue.OpenCounters(ctx, t.ServiceID)
		if err != nil {
			return publicTicket{}, err
		}
		out.CountersOpen = &open
	}
	if t.CounterID != nil && (t.Status == queue.StatusCalled || t.Status == queue.StatusServing) {
		if ct, err := s.Offices.Counter(ctx, *t.CounterID); err == nil {
			out.Counter = &ct.Name
		}
	}
	return out, nil
}

// ticketStatus: GET /api/v1/tickets/{public_id} — a ticket's live status.
func (s *Server) ticketStatus(c *fiber.Ctx) error {
	t, err := s.Queue.ByPublicID(c.UserContext(), c.Params("public_id"))
	if err != nil {
		return err
	}
	v, err := s.publicTicket(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

type feedbackRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

// giveFeedback: POST /api/v1/tickets/{public_id}/feedback {score: 1–5,
// comment?} — the resident's anonymous answer about a done visit: 201
// {score, comment}; 409 when the ticket isn't done (naming its status) or
// was answered already; 422 naming score or comment. Rate-limited per
// address.
func (s *Server) giveFeedback(c *fiber.Ctx) error {
	var req feedbackRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f, err := s.Queue.GiveFeedback(c.UserContext(), c.Params("public_id"), queue.FeedbackSpec{Score: req.Score, Comment: req.Comment})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"score": f.Score, "comment": f.Comment})
}

type kioskTicketRequest struct {
	ServiceID int64  `json:"service_id"`
	Priority  bool   `json:"priority"`
	Phone     string `json:"phone"` // optional: an SMS when the turn is near
	Lang      string `json:"lang"`  // the visitor's language at the kiosk: the printed ticket's
}

// printResult says what became of the ticket's printing.
type printResult struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// kioskTicket: POST /api/v1/kiosk/tickets {service_id, priority?, phone?,
// lang?} — 201.
func (s *Server) kioskTicket(c *fiber.Ctx) error {
	var req kioskTicketRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.ServiceID <= 0 {
		return okienko.Invalid("service_id", "required")
	}
	if err := checkTicketLang(req.Lang); err != nil {
		return err
	}
	phone := ""
	if req.Phone != "" {
		var err error
		if phone, err = booking.NormalizePhone(req.Phone); err != nil {
			return okienko.Invalid("phone", err.Error())
		}
	}
	t, err := s.Queue.IssueWalkInWithPhone(c.UserContext(), req.ServiceID, req.Priority, phone)
	if err != nil {
		return err
	}
	return s.answerKiosk(c, t, req.Lang)
}

type kioskCheckinRequest struct {
	Code string `json:"code"`
	Lang string `json:"lang"` // the visitor's language at the kiosk: the printed ticket's
}

// kioskCheckin: POST /api/v1/kiosk/checkin {code, lang?} — 201 the
// booking's ticket; for a remote ticket's public id or live page's address
// (its QR), 200 the ticket, now arrived.
func (s *Server) kioskCheckin(c *fiber.Ctx) error {
	var req kioskCheckinRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := checkTicketLang(req.Lang); err != nil {
		return err
	}
	if id := ticketPublicID(req.Code); id != "" {
		return s.remoteArrival(c, id, req.Lang)
	}
	t, _, err := s.Queue.CheckIn(c.UserContext(), req.Code)
	if err != nil {
		return err
	}
	return s.answerKiosk(c, t, req.Lang)
}

// checkTicketLang refuses a printed ticket's language other than pl, en, uk
// or none (Polish), naming lang.
func checkTicketLang(lang string) error {
	switch lang {
	case "", "pl", "en", "uk":
		return nil
	}
	return okienko.Invalid("lang", "must be pl, en or uk")
}

// answerKiosk prints the ticket at the calling kiosk in lang and answers
// 201 {ticket, print}: the ticket exists whatever became of its printing.
func (s *Server) answerKiosk(c *fiber.Ctx, t *queue.Ticket, lang string) error {
	v, err := s.publicTicket(c.UserContext(), t)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"ticket": v, "print": s.printTicket(c.UserContext(), t, v, lang)})
}
