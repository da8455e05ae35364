package queue

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// Store issues tickets and runs the counters. Every changing method owns its
// transaction, records an event per change in it, and hands the events to
// the publisher after commit. Taking a ticket from the queue (call next, call
// a chosen one) goes through one update path.
type Store struct {
	db       *gorm.DB
	clock    okienko.Clock
	offices  *office.Store
	bookings *booking.Store
	publish  func([]event.Event)
}

// NewStore returns a Store.
func NewStore(db *gorm.DB, clock okienko.Clock, offices *office.Store, bookings *booking.Store) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock, offices: offices, bookings: bookings}
}

// OnCommit sets fn to receive the events of every committed change, in order.
func (s *Store) OnCommit(fn func([]event.Event)) { s.publish = fn }

func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// change runs fn in a transaction with an event log, publishing the events
// after commit. Errors come back as *okienko.Error.
func (s *Store) change(ctx context.Context, fn func(tx *gorm.DB, log *eventLog) error) error {
	log := &eventLog{ctx: ctx}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		log.tx = tx
		return fn(tx, log)
	})
	if err != nil {
		var ae *okienko.Error
		if errors.As(err, &ae) {
			return ae
		}
		return okienko.Internal(err)
	}
	if s.publish != nil && len(log.events) > 0 {
		s.publish(log.events)
	}
	return nil
}

// eventLog records events in a change's transaction.
type eventLog struct {
	ctx    context.Context
	tx     *gorm.DB
	events []event.Event
}

func (l *eventLog) add(at time.Time, typ string, t *Ticket, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["number"], data["status"], data["service_id"], data["department_id"] = t.Number, t.Status, t.ServiceID, t.DepartmentID
	if t.CounterID != nil {
		data["counter_id"] = *t.CounterID
	}
	e, err := event.Add(l.ctx, l.tx, at, typ, "ticket", t.ID, data)
	if err != nil {
		return err
	}
	l.events = append(l.events, *e)
	return nil
}

// newPublicID returns 16 random characters of base32, for /t/{public_id}.
func newPublicID() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), nil
}

// officeNow returns the office's zone and the office day of now.
func (s *Store) officeNow(ctx context.Context, db *gorm.DB) (*office.Office, office.Date, error) {
	off, err := s.offices.WithTx(db).Office(ctx)
	if err != nil {
		return nil, office.Date{}, err
	}
	return off, office.DateOf(s.now().In(off.Location())), nil
}

// IssueWalkIn issues a walk-in ticket for a service while its department is
// open, until last_ticket_minutes before it closes. EINVALID for an unknown
// service; ECONFLICT saying when the department opens next otherwise.
func (s *Store) IssueWalkIn(ctx context.Context, serviceID int64, priority bool) (*Ticket, error) {
	return s.IssueWalkInWithPhone(ctx, serviceID, priority, "")
}

// IssueWalkInWithPhone is IssueWalkIn for a visitor who left a phone number
// (normalised +48…), to be told by SMS when their turn is near.
func (s *Store) IssueWalkInWithPhone(ctx context.Context, serviceID int64, priority bool, phone string) (*Ticket, error) {
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		svc, dep, err := s.serviceOf(ctx, tx, serviceID)
		if err != nil {
			return err
		}
		if err := s.checkOpenForWalkIns(ctx, tx, dep); err != nil {
			return err
		}
		now := s.now()
		out, err = s.issue(ctx, tx, log, svc, dep, KindWalkIn, priority, now, nil, contact{phone: phone})
		return err
	})
	return out, err
}

// CheckIn checks in the booking with code and issues its ticket, in one
// transaction; the ticket's place is the booking's slot start. Errors as
// booking.Store.CheckIn; a booking already checked in is refused with its
// ticket's number and public id in the fields ticket_number and
// ticket_public_id, so a kiosk can show the visitor their number again.
func (s *Store) CheckIn(ctx context.Context, code string) (*Ticket, *booking.Booking, error) {
	t, b, err := s.checkIn(ctx, code)
	var ae *okienko.Error
	if errors.As(err, &ae) && ae.Code == okienko.ECONFLICT && ae.Fields["reason"] == "checked_in" {
		if known, err2 := s.bookings.Get(ctx, code); err2 == nil {
			var issued Ticket
			if s.db.WithContext(ctx).Where("booking_id = ?", known.ID).Order("id DESC").Limit(1).Find(&issued).Error == nil && issued.ID != 0 {
				fields := maps.Clone(ae.Fields)
				fields["ticket_number"], fields["ticket_public_id"] = issued.Number, issued.PublicID
				return nil, nil, &okienko.Error{Code: ae.Code, Message: ae.Message, Fields: fields}
			}
		}
	}
	return t, b, err
}

func (s *Store) checkIn(ctx context.Context, code string) (*Ticket, *booking.Booking, error) {
	var t *Ticket
	var b *booking.Booking
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		var err error
		if b, err = s.bookings.CheckInTx(ctx, tx, code); err != nil {
			return err
		}
		svc, dep, err := s.serviceOf(ctx, tx, b.ServiceID)
		if err != nil {
			return err
		}
		phone := ""
		if b.Phone != nil {
			phone = *b.Phone
		}
		t, err = s.issue(ctx, tx, log, svc, dep, KindBooking, false, b.StartsAt, &b.ID, contact{phone: phone, lang: b.Lang})
		if err != nil {
			return err
		}
		return carryMatters(tx, t, b)
	})
	return t, b, err
}

func (s *Store) serviceOf(ctx context.Context, tx *gorm.DB, serviceID int64) (*office.Service, *office.Department, error) {
	offices := s.offices.WithTx(tx)
	svc, err := offices.Service(ctx, serviceID)
	if err == nil && svc.Archived() {
		err = okienko.Errorf(okienko.ENOTFOUND, "service %d not found", serviceID)
	}
	if err != nil {
		if okienko.ErrorCode(err) == okienko.ENOTFOUND {
			return nil, nil, okienko.Invalid("service_id", fmt.Sprintf("there is no matter with id %d", serviceID))
		}
		return nil, nil, err
	}
	dep, err := offices.Department(ctx, svc.DepartmentID)
	if err != nil {
		return nil, nil, err
	}
	return svc, dep, nil
}

// WalkIns is whether a department issues walk-in tickets now: until Until
// when it does, else from OpensAt (nil: not in the next two weeks).
// ClosedToday: the department doesn't open at all today (a weekend, a
// holiday, a closure).
type WalkIns struct {
	DepartmentID int64      `json:"id"`
	Issuing      bool       `json:"issuing"`
	ClosedToday  bool       `json:"closed_today"`
	Until        *time.Time `json:"until,omitempty"`
	OpensAt      *time.Time `json:"opens_at,omitempty"`
}

// WalkInsNow tells for each department whether it issues walk-in tickets
// now (opening hours, closures and holidays, up to its last_ticket_minutes
// before closing), by the rule IssueWalkIn applies; times in the office's
// zone.
func (s *Store) WalkInsNow(ctx context.Context, deps []office.Department) ([]WalkIns, error) {
	db := s.db.WithContext(ctx)
	out := make([]WalkIns, 0, len(deps))
	for i := range deps {
		w, err := s.walkIns(ctx, db, &deps[i])
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// walkIns is WalkInsNow for one department, on tx.
func (s *Store) walkIns(ctx context.Context, tx *gorm.DB, dep *office.Department) (WalkIns, error) {
	off, today, err := s.officeNow(ctx, tx)
	if err != nil {
		return WalkIns{}, err
	}
	now := s.now()
	w := WalkIns{DepartmentID: dep.ID}
	last := time.Duration(dep.LastTicketMinutes) * time.Minute
	days, err := s.offices.WithTx(tx).OpeningDays(ctx, dep.ID, today, today.AddDays(14))
	if err != nil {
		return WalkIns{}, err
	}
	w.ClosedToday = len(days[0].Spans) == 0
	for _, sp := range days[0].Spans {
		if end := sp.End.Add(-last); !now.Before(sp.Start) && now.Before(end) {
			until := end.In(off.Location())
			w.Issuing, w.Until = true, &until
			return w, nil
		}
	}
	for _, d := range days {
		for _, sp := range d.Spans {
			if sp.Start.After(now) && sp.Start.Before(sp.End.Add(-last)) {
				at := sp.Start.In(off.Location())
				w.OpensAt = &at
				return w, nil
			}
		}
	}
	return w, nil
}

// checkOpenForWalkIns returns nil when dep takes walk-ins now, else
// ECONFLICT saying when it opens next.
func (s *Store) checkOpenForWalkIns(ctx context.Context, tx *gorm.DB, dep *office.Department) error {
	w, err := s.walkIns(ctx, tx, dep)
	if err != nil || w.Issuing {
		return err
	}
	if at := w.OpensAt; at != nil {
		return &okienko.Error{Code: okienko.ECONFLICT,
			Message: fmt.Sprintf("%s is not issuing tickets now; it opens at %s on %s", dep.Name, at.Format("15:04"), office.DateOf(*at)),
			Fields:  map[string]string{"opens_at": at.Format(time.RFC3339)}}
	}
	return okienko.Errorf(okienko.ECONFLICT, "%s is not issuing tickets now", dep.Name)
}

// contact is how a ticket's holder is told of their turn: a phone
// (normalised +48…), a remote ticket's e-mail and its key, the language.
type contact struct {
	phone, email, emailKey, lang string
}

// issue numbers and inserts a ticket on tx.
func (s *Store) issue(ctx context.Context, tx *gorm.DB, log *eventLog, svc *office.Service, dep *office.Department, kind string, priority bool, due time.Time, bookingID *int64, c contact) (*Ticket, error) {
	_, today, err := s.officeNow(ctx, tx)
	if err != nil {
		return nil, err
	}
	seq, err := nextSeq(tx, svc, dep, today, kind)
	if err != nil {
		return nil, err
	}
	return s.insert(tx, log, svc, dep, today, kind, seq, priority, due, bookingID, c)
}

// nextSeq takes the next number of a kind of ticket on day for svc (of
// department dep): one stream per office, day, letter (svc.Letter) and
// kind, so the matters showing one letter share its numbers. On PostgreSQL
// the sequence's row stays locked until tx ends, so the issues of one
// letter and kind follow each other.
func nextSeq(tx *gorm.DB, svc *office.Service, dep *office.Department, day office.Date, kind string) (int, error) {
	var seq int
	err := tx.Raw(`INSERT INTO ticket_sequences (office_id, day, letter, kind, last) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (office_id, day, letter, kind) DO UPDATE SET last = ticket_sequences.last + 1
		RETURNING last`, dep.OfficeID, day, svc.Letter(dep), kind).Scan(&seq).Error
	return seq, err
}

// insert writes a ticket numbered seq on tx and records its event.
func (s *Store) insert(tx *gorm.DB, log *eventLog, svc *office.Service, dep *office.Department, today office.Date, kind string, seq int, priority bool, due time.Time, bookingID *int64, c contact) (*Ticket, error) {
	pid, err := newPublicID()
	if err != nil {
		return nil, err
	}
	now := s.now()
	t := &Ticket{
		PublicID: pid, OfficeID: dep.OfficeID, DepartmentID: dep.ID, ServiceID: svc.ID, Day: today,
		Kind: kind, Seq: seq, Number: formatNumber(svc.Letter(dep), kind, seq), BookingID: bookingID,
		Priority: priority, Status: StatusWaiting, IssuedAt: now, DueAt: due.UTC(), CreatedAt: now, UpdatedAt: now,
		Lang: c.lang,
	}
	if t.Lang == "" {
		t.Lang = "pl"
	}
	if c.phone != "" {
		t.Phone = &c.phone
	}
	if c.email != "" {
		t.Email, t.EmailKey = &c.email, &c.emailKey
	}
	if err := tx.Create(t).Error; err != nil {
		return nil, err
	}
	return t, log.add(now, EventIssued, t, map[string]any{"kind": kind, "priority": priority})
}

// Ticket returns a ticket by id. ENOTFOUND.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	return loadTicket(s.db.WithContext(ctx), id, false)
}

// ByPublicID returns a ticket by its public id. ENOTFOUND.
func (s *Store) ByPublicID(ctx context.Context, publicID string) (*Ticket, error) {
	var t Ticket
	err := s.db.WithContext(ctx).Where("public_id = ?", publicID).First(&t).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no ticket %q", publicID)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &t, nil
}

func loadTicket(db *gorm.DB, id int64, lock bool) (*Ticket, error) {
	var t Ticket
	q := db
	if lock && database.Dialect(db) == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.First(&t, id).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "ticket %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// OrderWindow bounds the waiting tickets the call order ranks: at most
// this many of each department and group (due bookings, other priority
// tickets, the rest), the first of each group by due time. Every mode keeps
// each group in that order, so the first OrderWindow of the call order are
// always among them.
const OrderWindow = 500

// callWindow is the window of call next: enough for the first tickets of
// the order that clerks pressing at once hold locked meanwhile.
const callWindow = 64

// queueOf loads, on db, the waiting tickets of services on day (with
// callableOnly, only those call next may take), the first window by due
// time of each department and group (see OrderWindow), and the Rules of
// their departments and of extraDeps, for CallOrder at now.
func (s *Store) queueOf(ctx context.Context, db *gorm.DB, services []int64, day office.Date, now time.Time, window int, callableOnly bool, extraDeps ...int64) ([]Ticket, map[int64]Rules, error) {
	var deps []int64
	if err := waitingFor(db.Model(&Ticket{}), services, day).Distinct().Order("department_id").Pluck("department_id", &deps).Error; err != nil {
		return nil, nil, err
	}
	// The groups: due bookings, other priority tickets, the rest.
	const due = "kind = 'booking' AND due_at <= ?"
	groups := []string{due, "NOT (" + due + ") AND priority", "NOT (" + due + ") AND NOT priority"}
	var parts []any
	for _, dep := range deps {
		for _, g := range groups {
			q := waitingFor(db.Model(&Ticket{}), services, day).Where("department_id = ?", dep).Where(g, now)
			if callableOnly {
				q = callable(q)
			}
			parts = append(parts, db.Table("(?) AS g", q.Order("due_at, id").Limit(window)).Select("*"))
		}
	}
	var ts []Ticket
	if len(parts) > 0 {
		if err := db.Raw(strings.TrimSuffix(strings.Repeat("? UNION ALL ", len(parts)), " UNION ALL "), parts...).Scan(&ts).Error; err != nil {
			return nil, nil, err
		}
	}
	rules := map[int64]Rules{}
	for _, id := range append(deps, extraDeps...) {
		if _, ok := rules[id]; ok {
			continue
		}
		r, err := s.rulesOf(ctx, db, id, day)
		if err != nil {
			return nil, nil, err
		}
		rules[id] = r
	}
	return ts, rules, nil
}

// rulesOf returns a department's Rules on day: its policy, and for the
// ratio the calls since its last priority call.
func (s *Store) rulesOf(ctx context.Context, db *gorm.DB, departmentID int64, day office.Date) (Rules, error) {
	dep, err := s.offices.WithTx(db).Department(ctx, departmentID)
	if err != nil {
		return Rules{}, err
	}
	r := Rules{Policy: PolicyOf(dep)}
	if r.Policy.Mode != office.PolicyRatio {
		return r, nil
	}
	var calls []Ticket
	err = db.Model(&Ticket{}).Select("id", "kind", "priority", "due_at", "called_at").
		Where("department_id = ? AND day = ? AND called_at IS NOT NULL", departmentID, day).
		Order("called_at DESC, id DESC").Limit(office.MaxRatioEvery + 1).Find(&calls).Error
	if err != nil {
		return Rules{}, err
	}
	r.Since = SinceFirst(calls)
	return r, nil
}

// ordered is the first window tickets of today's queue of services in
// CallOrder at now.
func (s *Store) ordered(ctx context.Context, db *gorm.DB, services []int64, today office.Date, now time.Time, window int, callableOnly bool) ([]Ticket, error) {
	ts, rules, err := s.queueOf(ctx, db, services, today, now, window, callableOnly)
	if err != nil {
		return nil, err
	}
	out := CallOrder(ts, rules, now)
	return out[:min(len(out), window)], nil
}

// waitingFor narrows q to today's waiting tickets of services.
func waitingFor(q *gorm.DB, services []int64, today office.Date) *gorm.DB {
	return q.Where("status = ? AND service_id IN ? AND day = ?", StatusWaiting, services, today)
}

// callable narrows q to the tickets call next may take: not the remote
// tickets not yet arrived of matters that ask for arrival first (they keep
// their place and are called once arrived).
func callable(q *gorm.DB) *gorm.DB {
	return q.Where("NOT (kind = ? AND arrived_at IS NULL AND service_id IN (SELECT id FROM services WHERE remote_arrival_required))", KindRemote)
}

// Waiting lists today's waiting tickets of services (at most OrderWindow)
// in the order call next takes them, by their departments' policies
// (CallOrder).
func (s *Store) Waiting(ctx context.Context, services []int64) ([]Ticket, error) {
	out := []Ticket{}
	if len(services) == 0 {
		return out, nil
	}
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return nil, err
	}
	out, err = s.ordered(ctx, db, services, today, s.now(), OrderWindow, false)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// CallNext calls the first ticket in the queue of the counter where userID is
// signed in (counterID), finishing the ticket it is serving, if any. It
// returns nil when nobody waits. EFORBIDDEN when userID is not at the
// counter; ECONFLICT when the counter is paused or its current ticket has
// been called but not started.
func (s *Store) CallNext(ctx context.Context, counterID, userID int64) (*Ticket, error) {
	return s.call(ctx, counterID, userID, 0)
}

// CallTicket calls the chosen waiting ticket to the counter. Errors as
// CallNext; ENOTFOUND; ECONFLICT when the ticket isn't waiting or the
// counter doesn't serve its matter today.
func (s *Store) CallTicket(ctx context.Context, counterID, userID, ticketID int64) (*Ticket, error) {
	t, err := s.call(ctx, counterID, userID, ticketID)
	if err == nil && t == nil {
		return nil, okienko.Errorf(okienko.ECONFLICT, "ticket %d is no longer waiting", ticketID)
	}
	return t, err
}

// call is the one path that takes a ticket from the queue: in a transaction
// it ranks the counter's queue by CallOrder, takes the first ticket it can
// (take), moves it to called at the counter and records the event.
func (s *Store) call(ctx context.Context, counterID, userID, ticketID int64) (*Ticket, error) {
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		st, err := s.stateAt(tx, counterID, userID)
		if err != nil {
			return err
		}
		if st.Status != CounterOpen {
			return okienko.Errorf(okienko.ECONFLICT, "the counter is paused; resume it to call tickets")
		}
		now := s.now()
		if err := s.finishCurrent(ctx, tx, log, counterID, now); err != nil {
			return err
		}
		_, today, err := s.officeNow(ctx, tx)
		if err != nil {
			return err
		}
		services := st.Services()
		if len(services) == 0 {
			return nil
		}
		var cands []Ticket
		if ticketID != 0 {
			err = callable(waitingFor(tx.Model(&Ticket{}), services, today)).Where("id = ?", ticketID).Limit(1).Find(&cands).Error
		} else {
			cands, err = s.ordered(ctx, tx, services, today, now, callWindow, true)
		}
		if err != nil {
			return err
		}
		t, err := take(tx, cands)
		if err == nil && t == nil && len(cands) == callWindow {
			// All of the window taken meanwhile: the rest of the queue.
			if cands, err = s.ordered(ctx, tx, services, today, now, OrderWindow, true); err == nil {
				t, err = take(tx, cands)
			}
		}
		if err != nil {
			return err
		}
		if t == nil {
			if ticketID != 0 {
				return s.whyNotCallable(tx, ticketID, services)
			}
			return nil
		}
		upd := tx.Model(&Ticket{}).Where("id = ? AND status = ?", t.ID, StatusWaiting).Updates(map[string]any{
			"status": StatusCalled, "counter_id": counterID, "user_id": userID, "called_at": now, "updated_at": now,
		})
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "ticket %s was taken meanwhile; call again", t.Number)
		}
		t.Status, t.CounterID, t.UserID, t.CalledAt, t.UpdatedAt = StatusCalled, &counterID, &userID, &now, now
		out = t
		if err := log.add(now, EventCalled, t, map[string]any{"recall": false}); err != nil {
			return err
		}
		if err := s.tellCalled(ctx, tx, t, now); err != nil {
			return err
		}
		return s.turnNear(ctx, tx, t.ServiceID, today, now)
	})
	return out, err
}

// take locks and returns the first of cands still waiting, or nil. On
// PostgreSQL one statement locks the first of them in their order with
// SKIP LOCKED, so clerks pressing at once take different tickets without
// waiting for each other; on SQLite the transaction is immediate and
// nobody else writes meanwhile. The update after it is conditional on the
// ticket still waiting all the same.
func take(tx *gorm.DB, cands []Ticket) (*Ticket, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	if database.Dialect(tx) != database.Postgres {
		return &cands[0], nil
	}
	ids := make([]int64, len(cands))
	var order strings.Builder // of numbers only: ids and places
	order.WriteString("CASE id")
	for i := range cands {
		ids[i] = cands[i].ID
		fmt.Fprintf(&order, " WHEN %d THEN %d", cands[i].ID, i)
	}
	order.WriteString(" END")
	var got []Ticket
	err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
		Where("id IN ? AND status = ?", ids, StatusWaiting).
		Clauses(clause.OrderBy{Expression: clause.Expr{SQL: order.String()}}).Limit(1).Find(&got).Error
	if err != nil || len(got) == 0 {
		return nil, err
	}
	return &got[0], nil
}

// TurnNearAhead is how many people ahead at most make a waiting ticket's
// turn near: a ticket with a phone is then sent an SMS (a remote ticket
// with only an e-mail, an e-mail), once.
var TurnNearAhead = 3

// turnNear queues, on tx, the "your turn is near" message for the waiting
// tickets of a service with a phone or e-mail and at most TurnNearAhead
// people ahead, in the ticket's language. The outbox's key sends each
// ticket's message once.
func (s *Store) turnNear(ctx context.Context, tx *gorm.DB, serviceID int64, today office.Date, now time.Time) error {
	// Most queues have nobody to tell (walk-ins without a phone): one
	// look spares the call order's queries on every call.
	var reachable []int64
	err := waitingFor(tx.Model(&Ticket{}), []int64{serviceID}, today).Where("phone IS NOT NULL OR email IS NOT NULL").
		Limit(1).Pluck("id", &reachable).Error
	if err != nil || len(reachable) == 0 {
		return err
	}
	next, err := s.ordered(ctx, tx, []int64{serviceID}, today, now, TurnNearAhead+1, false)
	if err != nil {
		return err
	}
	for ahead, t := range next {
		if err := s.tell(ctx, tx, &t, outbox.TurnNear, now, map[string]int{"ahead": ahead}); err != nil {
			return err
		}
	}
	return nil
}

// tellCalled queues, on tx, the "you are called" message of a remote
// ticket that left a phone or an e-mail, once.
func (s *Store) tellCalled(ctx context.Context, tx *gorm.DB, t *Ticket, now time.Time) error {
	if t.Kind != KindRemote {
		return nil
	}
	return s.tell(ctx, tx, t, outbox.TicketCalled, now, nil)
}

// tell queues a ticket's message of kind by SMS to its phone, or else by
// e-mail to its e-mail; nothing for a ticket with neither.
func (s *Store) tell(ctx context.Context, tx *gorm.DB, t *Ticket, kind string, now time.Time, data any) error {
	channel := outbox.SMS
	switch {
	case t.Phone != nil:
	case t.Email != nil:
		channel = outbox.Email
	default:
		return nil
	}
	id := t.ID
	m := outbox.Message{Key: outbox.TicketKey(t.ID, kind, channel), Channel: channel, Kind: kind, Lang: t.Lang, TicketID: &id}
	_, err := outbox.Enqueue(ctx, tx, now, m, data)
	return err
}

// whyNotCallable explains why a chosen ticket can't be called to a counter
// serving services.
func (s *Store) whyNotCallable(tx *gorm.DB, ticketID int64, services []int64) error {
	t, err := loadTicket(tx, ticketID, false)
	if err != nil {
		return err
	}
	if t.Status != StatusWaiting {
		_, err := Next(ActCall, t.Status)
		return err
	}
	for _, id := range services {
		if id == t.ServiceID && t.Kind == KindRemote && t.ArrivedAt == nil {
			var svc office.Service
			if err := tx.Select("remote_arrival_required").Take(&svc, t.ServiceID).Error; err == nil && svc.RemoteArrivalRequired {
				return &okienko.Error{Code: okienko.ECONFLICT, Message: fmt.Sprintf("ticket %s is a remote ticket whose holder has not arrived yet", t.Number),
					Fields: map[string]string{"reason": "not_arrived"}}
			}
		}
		if id == t.ServiceID {
			return okienko.Errorf(okienko.ECONFLICT, "ticket %s is not from today", t.Number)
		}
	}
	return okienko.Errorf(okienko.ECONFLICT, "this counter does not serve the matter of ticket %s today", t.Number)
}

// finishCurrent closes the ticket the counter is serving as done, so "next"
// ends one visit and begins the next; a ticket called but not started must
// be decided on first.
func (s *Store) finishCurrent(ctx context.Context, tx *gorm.DB, log *eventLog, counterID int64, now time.Time) error {
	var cur []Ticket
	if err := tx.Where("counter_id = ? AND status IN ?", counterID, []string{StatusCalled, StatusServing}).Find(&cur).Error; err != nil {
		return err
	}
	for i := range cur {
		t := &cur[i]
		if t.Status == StatusCalled {
			return okienko.Errorf(okienko.ECONFLICT, "ticket %s has been called and not started: start it, call it again, return it or mark it absent first", t.Number)
		}
		if err := s.move(ctx, tx, log, t, ActFinish, now, nil); err != nil {
			return err
		}
	}
	return nil
}

// Act does action (recall, start, finish, no-show, return) to a ticket at
// the counter where userID is signed in. outcome is the note of a finish.
// ENOTFOUND; EFORBIDDEN when the ticket is at another counter or userID is
// at none; ECONFLICT for an action its state doesn't allow.
func (s *Store) Act(ctx context.Context, ticketID, userID int64, action Action, outcome string) (*Ticket, error) {
	if action == ActCall || action == ActTransfer || action == ActExpire || action == ActUndoNoShow {
		return nil, okienko.Errorf(okienko.EINVALID, "use CallTicket, Transfer, UndoNoShow or the end of day for %s", action)
	}
	if len([]rune(outcome)) > 1000 {
		return nil, okienko.Invalid("outcome", "at most 1000 characters")
	}
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		t, err := loadTicket(tx, ticketID, true)
		if err != nil {
			return err
		}
		if err := s.mayTouch(tx, t, userID); err != nil {
			return err
		}
		var data map[string]any
		if action == ActFinish && outcome != "" {
			data = map[string]any{"outcome": outcome}
		}
		if err := s.move(ctx, tx, log, t, action, s.now(), data); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// mayTouch returns EFORBIDDEN unless userID is signed in at the counter that
// holds t (for a waiting ticket: at a counter serving its matter).
func (s *Store) mayTouch(tx *gorm.DB, t *Ticket, userID int64) error {
	var st CounterState
	err := tx.Where("user_id = ?", userID).First(&st).Error
	if database.IsNotFound(err) {
		return okienko.Errorf(okienko.EFORBIDDEN, "sign in at a counter first")
	}
	if err != nil {
		return err
	}
	if t.CounterID != nil {
		if *t.CounterID != st.CounterID {
			return okienko.Errorf(okienko.EFORBIDDEN, "ticket %s is at another counter", t.Number)
		}
		return nil
	}
	for _, id := range st.Services() {
		if id == t.ServiceID {
			return nil
		}
	}
	return okienko.Errorf(okienko.EFORBIDDEN, "your counter does not serve the matter of ticket %s", t.Number)
}

// move applies action to t on tx: the state machine, the fields it changes,
// and its event.
func (s *Store) move(ctx context.Context, tx *gorm.DB, log *eventLog, t *Ticket, action Action, now time.Time, data map[string]any) error {
	next, err := Next(action, t.Status)
	if err != nil {
		return fmt.Errorf("ticket %s: %w", t.Number, err)
	}
	set := map[string]any{"status": next, "updated_at": now}
	typ := ""
	switch action {
	case ActRecall:
		t.Recalls++
		t.CalledAt = &now
		set["recalls"], set["called_at"] = t.Recalls, now
		typ, data = EventCalled, map[string]any{"recall": true}
	case ActStart:
		t.StartedAt = &now
		set["started_at"] = now
		typ = EventStarted
	case ActFinish:
		t.FinishedAt = &now
		set["finished_at"] = now
		if o, ok := data["outcome"].(string); ok {
			t.Outcome = o
			set["outcome"] = o
			data = nil // the note stays in the ticket, not in the event
		}
		typ = EventFinished
	case ActNoShow:
		t.FinishedAt = &now
		set["finished_at"] = now
		typ = EventNoShow
	case ActReturn, ActTransfer:
		t.CounterID, t.UserID, t.CalledAt, t.StartedAt = nil, nil, nil, nil
		set["counter_id"], set["user_id"], set["called_at"], set["started_at"] = nil, nil, nil, nil
		typ = EventReturned
		if action == ActTransfer {
			t.Transfers++
			set["transfers"], set["service_id"], set["department_id"] = t.Transfers, t.ServiceID, t.DepartmentID
			typ = EventTransferred
		}
	case ActExpire:
		typ = EventExpired
	case ActUndoNoShow:
		// Called again as it was: its call time and counter stay, so the
		// hall's last calls keep it where it was, without a new chime.
		t.FinishedAt = nil
		set["finished_at"] = nil
		typ = EventNoShowUndone
	}
	res := tx.Model(&Ticket{}).Where("id = ? AND status = ?", t.ID, t.Status).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return okienko.Errorf(okienko.ECONFLICT, "ticket %s changed meanwhile; please try again", t.Number)
	}
	t.Status, t.UpdatedAt = next, now
	if action == ActFinish {
		if err := s.inviteFeedback(ctx, tx, t, now); err != nil {
			return err
		}
	}
	return log.add(now, typ, t, data)
}

// inviteFeedback queues, when the office's feedback_invite is on, the one
// message asking the holder of done ticket t for feedback (by SMS to its
// phone, else by e-mail; nothing for a ticket with neither).
func (s *Store) inviteFeedback(ctx context.Context, tx *gorm.DB, t *Ticket, now time.Time) error {
	if t.Phone == nil && t.Email == nil {
		return nil
	}
	on, err := office.FeedbackInvite(ctx, tx)
	if err != nil || !on {
		return err
	}
	return s.tell(ctx, tx, t, outbox.FeedbackInvite, now, nil)
}

// Transfer moves a ticket to another service (waiting again, keeping its
// issue time and so its place); to one of a visit's remaining matters, it
// goes on with that one (onward). EINVALID for an unknown or the same service;
// otherwise errors as Act.
func (s *Store) Transfer(ctx context.Context, ticketID, userID, serviceID int64) (*Ticket, error) {
	var out *Ticket
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		t, err := loadTicket(tx, ticketID, true)
		if err != nil {
			return err
		}
		if err := s.mayTouch(tx, t, userID); err != nil {
			return err
		}
		svc, _, err := s.serviceOf(ctx, tx, serviceID)
		if err != nil {
			return err
		}
		if svc.ID == t.ServiceID {
			return okienko.Invalid("service_id", "the ticket is already for this matter")
		}
		from := t.ServiceID
		t.ServiceID, t.DepartmentID = svc.ID, svc.DepartmentID
		if err := s.move(ctx, tx, log, t, ActTransfer, s.now(), map[string]any{"from_service_id": from}); err != nil {
			return err
		}
		if err := onward(tx, t, svc.ID); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// Position returns how many waiting tickets of t's matter are ahead of it
// in the call order of its department's policy (its index in Waiting of
// the matter; exact within OrderWindow of each group) and the estimated wait, from recent service times of the matter (its slot
// length when there are none) and the counters open for it.
func (s *Store) Position(ctx context.Context, t *Ticket) (ahead int, wait time.Duration, err error) {
	if t.Status != StatusWaiting {
		return 0, 0, nil
	}
	db := s.db.WithContext(ctx)
	now := s.now()
	ts, rules, err := s.queueOf(ctx, db, []int64{t.ServiceID}, t.Day, now, OrderWindow, false, t.DepartmentID)
	if err != nil {
		return 0, 0, okienko.Internal(err)
	}
	ts = slices.DeleteFunc(ts, func(o Ticket) bool { return o.ID == t.ID })
	ts = append(ts, *t)
	for i, o := range CallOrder(ts, rules, now) {
		if o.ID == t.ID {
			ahead = i
			break
		}
	}
	per, err := s.serviceTime(ctx, t.ServiceID, now)
	if err != nil {
		return 0, 0, err
	}
	open, err := s.openCounters(ctx, t.ServiceID)
	if err != nil {
		return 0, 0, err
	}
	if open < 1 {
		open = 1
	}
	return ahead, time.Duration(int64(per) * int64(ahead) / int64(open)), nil
}

// serviceTime is the mean serving time of the last 20 visits of a service
// in the past 14 days, or its slot length when there are none.
func (s *Store) serviceTime(ctx context.Context, serviceID int64, now time.Time) (time.Duration, error) {
	var rows []struct {
		StartedAt  time.Time
		FinishedAt time.Time
	}
	err := s.db.WithContext(ctx).Model(&Ticket{}).Select("started_at, finished_at").
		Where("service_id = ? AND status = ? AND started_at IS NOT NULL AND finished_at > ?", serviceID, StatusDone, now.Add(-14*24*time.Hour)).
		Order("finished_at DESC").Limit(20).Find(&rows).Error
	if err != nil {
		return 0, okienko.Internal(err)
	}
	if len(rows) == 0 {
		svc, err := s.offices.Service(ctx, serviceID)
		if err != nil {
			return 0, err
		}
		return time.Duration(svc.SlotMinutes) * time.Minute, nil
	}
	var sum time.Duration
	for _, r := range rows {
		sum += r.FinishedAt.Sub(r.StartedAt)
	}
	return sum / time.Duration(len(rows)), nil
}

// ExpireClosed closes as expired the tickets still waiting or called after
// their department closed for the day (or on an earlier day). It returns
// how many. It also ends the counters' pauses left open on earlier days, at
// the end of their day.
func (s *Store) ExpireClosed(ctx context.Context) (int, error) {
	if _, err := s.closePastPauses(ctx); err != nil {
		return 0, err
	}
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return 0, err
	}
	now := s.now()
	var groups []struct {
		DepartmentID int64
		Day          office.Date
	}
	if err := db.Model(&Ticket{}).Distinct("department_id", "day").Where("status IN ?", []string{StatusWaiting, StatusCalled}).Find(&groups).Error; err != nil {
		return 0, okienko.Internal(err)
	}
	n := 0
	for _, g := range groups {
		if g.Day == today {
			days, err := s.offices.OpeningDays(ctx, g.DepartmentID, today, today)
			if err != nil {
				return n, err
			}
			spans := days[0].Spans
			if len(spans) > 0 && now.Before(spans[len(spans)-1].End) {
				continue // still open today
			}
		} else if g.Day.After(today) {
			continue
		}
		expired := 0
		err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
			var ts []Ticket
			if err := tx.Where("department_id = ? AND day = ? AND status IN ?", g.DepartmentID, g.Day, []string{StatusWaiting, StatusCalled}).Find(&ts).Error; err != nil {
				return err
			}
			for i := range ts {
				if err := s.move(ctx, tx, log, &ts[i], ActExpire, now, nil); err != nil {
					return err
				}
			}
			expired = len(ts)
			return nil
		})
		if err != nil {
			return n, err
		}
		n += expired
	}
	return n, nil
}

// ForgetPhones removes the phone numbers visitors left for an SMS, and the
// e-mails of remote tickets, from the tickets of days before today (in the
// office's zone): an address serves one visit. It answers how many tickets
// it cleared.
func (s *Store) ForgetPhones(ctx context.Context) (int64, error) {
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return 0, err
	}
	res := db.Model(&Ticket{}).Where("(phone IS NOT NULL OR email IS NOT NULL OR email_key IS NOT NULL) AND day < ?", today).
		Updates(map[string]any{"phone": nil, "email": nil, "email_key": nil, "updated_at": s.now()})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}
