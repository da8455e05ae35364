package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/office"
)

// Several matters in one visit (DESIGN section 12): Request.ServiceIDs
// books 2 to MaxMatters matters of one department one after another from
// Request.Start, each for its own slot length, under one code. Every
// matter's seat is taken through the seat path's check (claim) in ONE
// transaction that holds the locks of every matter's cells: all matters are
// booked or none. The booking's row keeps the first matter and its span;
// the items (booking_items) keep every matter's, and booking_load counts a
// seat for each.
//
// The resident's limits: one booking per matter and day counts every
// matter of a visit (a resident with a visit for A and B can't book B alone
// that day, nor another visit with A); the upcoming bookings per PESEL and
// per e-mail address count a visit once (it is one visit, one code).
//
// A matter that asks residents to confirm by e-mail (confirm_minutes) is
// not combined with others (a clerk booking for a caller may combine it: it
// is booked at once); a visit of several matters is not moved
// (Reschedule): the resident cancels it and books again.

// MaxMatters is the most matters one visit may have.
const MaxMatters = 4

// validateMatters adds to fe what is wrong with r's matters, when r asks
// for several (ServiceIDs): 2 to MaxMatters distinct ids, and no
// service_id besides.
func validateMatters(r Request, fe okienko.FieldErrors) {
	if r.ServiceID != 0 {
		fe.Add("service_ids", "give service_id for one matter or service_ids for several, not both")
	}
	switch {
	case len(r.ServiceIDs) < 2:
		fe.Add("service_ids", "list 2 to 4 matters of one department; for one matter give service_id")
		return
	case len(r.ServiceIDs) > MaxMatters:
		fe.Add("service_ids", fmt.Sprintf("at most %d matters in one visit", MaxMatters))
		return
	}
	for i, id := range r.ServiceIDs {
		if id <= 0 {
			fe.Add(matterField(i), "must be the id of a matter")
			continue
		}
		for j := range i {
			if r.ServiceIDs[j] == id {
				fe.Add(matterField(i), fmt.Sprintf("the same matter as service_ids[%d]; list each matter once", j))
				break
			}
		}
	}
}

// matterField names the i-th matter of a request's service_ids.
func matterField(i int) string { return fmt.Sprintf("service_ids[%d]", i) }

// itemRequest is v for its i-th matter starting at start.
func itemRequest(v *validated, i int, start Slot) *validated {
	vi := *v
	vi.ServiceID, vi.Start = v.ServiceIDs[i], start.Start
	return &vi
}

// matterError is err, an answer about the i-th matter of a visit, naming
// that matter: its service_id or, after the first, its start (which the
// matters before it set) become service_ids[i]; a conflict (a full slot)
// keeps its message and names service_ids[i] in its fields.
func matterError(err error, i int) error {
	var ae *okienko.Error
	if !errors.As(err, &ae) {
		return err
	}
	out := &okienko.Error{Code: ae.Code, Message: ae.Message, Err: ae.Err, RetryAfter: ae.RetryAfter}
	if len(ae.Fields) > 0 {
		out.Fields = map[string]string{}
		for k, msg := range ae.Fields {
			switch {
			case k == "service_id", k == "start" && i > 0:
				k = matterField(i)
			}
			out.Fields[k] = msg
		}
	}
	if ae.Code == okienko.ECONFLICT && len(ae.Fields) == 0 { // a full slot, a limit: which matter's
		out.Fields = map[string]string{matterField(i): ae.Message}
	}
	return out
}

// planVisit reads, without locks, the slots of v's matters one after
// another from v.Start: each a bookable slot of its matter with a free
// seat, every matter of the first's department and none asking for e-mail
// confirmation (unless a clerk books for a caller). EINVALID naming
// service_ids[i] (or start); ECONFLICT when a slot is full.
func (s *Store) planVisit(ctx context.Context, v *validated) ([]Slot, error) {
	var dept int64
	for i, id := range v.ServiceIDs {
		svc, err := s.offices.Service(ctx, id)
		if okienko.ErrorCode(err) == okienko.ENOTFOUND || (err == nil && svc.Archived()) {
			return nil, okienko.Invalid(matterField(i), fmt.Sprintf("there is no matter with id %d", id))
		}
		if err != nil {
			return nil, err
		}
		if i == 0 {
			dept = svc.DepartmentID
		}
		if err := combinable(svc.DepartmentID, dept, svc.ConfirmMinutes, v, i); err != nil {
			return nil, err
		}
	}
	plan := make([]Slot, len(v.ServiceIDs))
	next := Slot{Start: v.Start}
	for i := range v.ServiceIDs {
		c, err := s.bookable(ctx, s.db, itemRequest(v, i, next), nil, false)
		if err != nil {
			return nil, matterError(err, i)
		}
		plan[i] = c.slot
		next = Slot{Start: c.slot.End}
	}
	return plan, nil
}

// PlanVisit answers, without booking anything, the times of the matters
// ids (2 to MaxMatters of one department) one after another from start, as
// Book with Request.ServiceIDs would take them now: for a page showing a
// resident the consecutive times before they book. Errors as Book's about
// the matters and the start (EINVALID naming service_ids, service_ids[i]
// or start; ECONFLICT when a matter's slot is full).
func (s *Store) PlanVisit(ctx context.Context, ids []int64, start time.Time) ([]Item, error) {
	r := Request{ServiceIDs: ids, Start: start}
	fe := okienko.FieldErrors{}
	validateMatters(r, fe)
	if start.IsZero() || !office.DateOf(start.UTC()).InBounds() {
		fe.Add("start", office.BoundsMessage)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	plan, err := s.planVisit(ctx, &validated{Request: r})
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(plan))
	for i, sl := range plan {
		items[i] = Item{Position: i, ServiceID: ids[i], StartsAt: sl.Start, EndsAt: sl.End}
	}
	return items, nil
}

// combinable refuses (EINVALID on service_ids[i]) the i-th matter of v,
// of department dept and confirm_minutes confirm, in a visit at department
// first.
func combinable(dept, first int64, confirm int, v *validated, i int) error {
	if dept != first {
		return okienko.Invalid(matterField(i), "a matter of another department; one visit is at one department")
	}
	if confirm > 0 && !v.ForCaller {
		return okienko.Invalid(matterField(i), "this matter asks residents to confirm by e-mail and can't be combined with others in one visit; book it alone")
	}
	return nil
}

// takeVisit books the matters of v (ServiceIDs) one after another from
// v.Start, all or none: the seat path (take) for a visit of several
// matters.
func (s *Store) takeVisit(ctx context.Context, v *validated) (*Booking, error) {
	var out *Booking
	var err error
	for attempt := 1; ; attempt++ {
		var plan []Slot
		if plan, err = s.planVisit(ctx, v); err != nil {
			return nil, err
		}
		out, err = s.takeVisitOnce(ctx, v, plan)
		var changed *slotChanged
		if err != nil && attempt < takeAttempts && (errors.As(err, &changed) || database.IsUniqueViolation(err)) {
			continue // a slot length changed meanwhile, or a code taken: plan again
		}
		break
	}
	if err != nil {
		return nil, seatPathError(err)
	}
	return out, nil
}

// takeVisitOnce is one transaction of takeVisit: the locks of every
// matter's cells of plan (and the resident's, the address's) in one
// statement, then each matter's seat checked by claim, the limits, and the
// booking with its items inserted. A slotChanged when a slot under the
// locks is not the planned one.
func (s *Store) takeVisitOnce(ctx context.Context, v *validated, plan []Slot) (*Booking, error) {
	var out *Booking
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		hash := v.pesel.HMAC(s.peselKey)
		var emailKey string
		if v.Email != "" {
			emailKey = EmailKey(v.Email)
		}
		spans := make([]serviceCells, len(plan))
		for i, sl := range plan {
			spans[i] = serviceCells{v.ServiceIDs[i], cellsOf(sl.Start, sl.End)}
		}
		if err := lockSpans(tx, spans, hash, emailKey); err != nil {
			return err
		}
		items := make([]Item, len(plan))
		var first *slotCalendar
		var n seatCounts
		most := 0
		next := Slot{Start: v.Start}
		for i := range plan {
			lim := seatQuery{PESEL: hash}
			if i == 0 {
				lim.EmailKey = emailKey
			}
			c, ni, err := s.claim(ctx, tx, itemRequest(v, i, next), nil, spans[i].cells, lim)
			if err != nil {
				return matterError(err, i)
			}
			if i == 0 {
				first, n = c, ni
			}
			if err := combinable(c.svc.DepartmentID, first.svc.DepartmentID, c.svc.ConfirmMinutes, v, i); err != nil {
				return err
			}
			if most == 0 || c.svc.MaxActivePerPESEL < most {
				most = c.svc.MaxActivePerPESEL
			}
			items[i] = Item{ServiceID: v.ServiceIDs[i], StartsAt: c.slot.Start, EndsAt: c.slot.End}
			next = Slot{Start: c.slot.End}
		}
		if err := activeLimit(n, most); err != nil {
			return err
		}
		if err := s.emailLimit(n); err != nil {
			return err
		}
		first0 := *v
		first0.ServiceID = v.ServiceIDs[0]
		var err error
		out, err = s.create(ctx, tx, &first0, first, hash, emailKey, items)
		return err
	})
	return out, err
}

// LoadItems fills b.Items from db when b is a visit of several matters
// read without them (Store's look-ups fill them themselves).
func LoadItems(ctx context.Context, db *gorm.DB, b *Booking) error {
	return loadItems(db.WithContext(ctx), b)
}

// loadItems fills the items of b, a visit of several matters, from db
// when not yet read; nothing for a booking of one matter.
func loadItems(db *gorm.DB, b *Booking) error {
	if b.Matters == 0 || b.Items != nil {
		return nil
	}
	var items []Item
	if err := db.Where("booking_id = ?", b.ID).Order("position").Find(&items).Error; err != nil {
		return err
	}
	for i := range items {
		items[i].StartsAt, items[i].EndsAt = items[i].StartsAt.UTC(), items[i].EndsAt.UTC()
	}
	b.Items = items
	return nil
}

// spanCells is the seat cells of every matter b holds a seat in.
func spanCells(b *Booking) []serviceCells {
	var out []serviceCells
	for _, it := range b.Spans() {
		out = append(out, serviceCells{it.ServiceID, cellsOf(it.StartsAt, it.EndsAt)})
	}
	return out
}
