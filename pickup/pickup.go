// Package pickup keeps pickup notices: a document a resident will collect
// from the office (the Kościan SMS of seed 000: "Proszę odebrać zaświadczenie
// o wpisie do ewidencji, pokój numer 112"). A clerk registers it, after
// serving a ticket or on its own; the resident gets its number and a status
// page; when the document is ready one action tells the resident by SMS or
// e-mail which room to come to; collecting it closes it. A pickup outlives
// the ticket it came from. Every message goes through the outbox, in the
// transaction of the change; the phone and e-mail are erased after the
// retention, as bookings' are.
package pickup

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
)

// States of a pickup: in_progress → ready → collected; in_progress or ready
// → cancelled.
const (
	StatusInProgress = "in_progress"
	StatusReady      = "ready"
	StatusCollected  = "collected"
	StatusCancelled  = "cancelled"
)

// Events recorded with the changes (the webhooks' pickup.ready among them).
const (
	EventReady     = "pickup.ready"
	EventCollected = "pickup.collected"
)

// Bounds of the texts a clerk types.
const (
	MaxWhat = 200 // runes
	MaxRoom = 40  // runes
)

// auditObject is the object type of pickups in the audit log.
const auditObject = "pickup"

// Pickup is one document to collect. Phone and Email are nil once erased
// (ErasedAt) and never leave the staff's API.
type Pickup struct {
	ID        int64   `json:"id"`
	Number    string  `json:"number"` // canonical code, 8 symbols; shown as XXXX-XXXX
	What      string  `json:"what"`
	Phone     *string `json:"phone,omitempty"`
	Email     *string `json:"email,omitempty"`
	Lang      string  `json:"lang"`
	TicketID  *int64  `json:"ticket_id,omitempty"`
	Room      string  `json:"room"`
	Status    string  `json:"status"`
	CreatedBy *int64  `json:"created_by,omitempty"`
	// CreatedByName is the clerk who registered it (read with the list).
	CreatedByName string     `json:"created_by_name,omitempty" gorm:"->;-:migration"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	ReadyAt       *time.Time `json:"ready_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	ErasedAt      *time.Time `json:"erased_at,omitempty"`
}

// TableName is the pickups table.
func (Pickup) TableName() string { return "pickups" }

// Spec is what a clerk registers.
type Spec struct {
	What     string
	Phone    string // optional when Email is given
	Email    string // optional when Phone is given
	Lang     string // pl (default), en or uk
	TicketID int64  // 0: none; else the ticket served, whose phone stands in when Phone and Email are empty
}

// Store keeps pickups.
type Store struct {
	db    *gorm.DB
	clock okienko.Clock
}

// NewStore returns a Store.
func NewStore(db *gorm.DB, clock okienko.Clock) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock}
}

func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// audited is a pickup as the audit log keeps it: no phone or e-mail (the
// log outlives the retention), only which of them it had.
type audited struct {
	Number   string `json:"number"`
	What     string `json:"what"`
	Status   string `json:"status"`
	Room     string `json:"room,omitempty"`
	TicketID *int64 `json:"ticket_id,omitempty"`
	HasPhone bool   `json:"has_phone"`
	HasEmail bool   `json:"has_email"`
}

func (p *Pickup) audited() audited {
	return audited{Number: booking.FormatCode(p.Number), What: p.What, Status: p.Status, Room: p.Room, TicketID: p.TicketID, HasPhone: p.Phone != nil, HasEmail: p.Email != nil}
}

// cleanText trims s and folds runs of white space into one space; it fails
// on control characters, on invalid text, and beyond max runes.
func cleanText(s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid text")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return "", errors.New("must not contain control characters")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", errors.New("is required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errors.New("is too long")
	}
	return s, nil
}

// Register records a document to collect for the actor in ctx and queues
// the message telling the resident its number and status page (one per
// channel given). It returns EINVALID naming what, phone, email, lang or
// ticket_id (a ticket that does not exist), when neither a phone nor an
// e-mail is given and the ticket has no phone either.
func (s *Store) Register(ctx context.Context, spec Spec) (*Pickup, error) {
	fe := okienko.FieldErrors{}
	what, err := cleanText(spec.What, MaxWhat)
	if err != nil {
		fe.Add("what", err.Error())
	}
	var phone, email *string
	if strings.TrimSpace(spec.Phone) != "" {
		if p, err := booking.NormalizePhone(spec.Phone); err != nil {
			fe.Add("phone", err.Error())
		} else {
			phone = &p
		}
	}
	if strings.TrimSpace(spec.Email) != "" {
		if e, err := booking.NormalizeEmail(spec.Email); err != nil {
			fe.Add("email", err.Error())
		} else {
			email = &e
		}
	}
	lang := spec.Lang
	switch lang {
	case "":
		lang = "pl"
	case "pl", "en", "uk":
	default:
		fe.Add("lang", "must be pl, en or uk")
	}
	if spec.TicketID < 0 {
		fe.Add("ticket_id", "must be a ticket's id")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	actor := okienko.ActorFrom(ctx)
	var p *Pickup
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		var ticketID *int64
		if spec.TicketID > 0 {
			var t struct{ Phone *string }
			res := tx.Table("tickets").Select("phone").Where("id = ?", spec.TicketID).Take(&t)
			if database.IsNotFound(res.Error) {
				return okienko.Invalid("ticket_id", "no such ticket")
			}
			if res.Error != nil {
				return res.Error
			}
			id := spec.TicketID
			ticketID = &id
			if phone == nil && email == nil && t.Phone != nil {
				if p, err := booking.NormalizePhone(*t.Phone); err == nil {
					phone = &p
				}
			}
		}
		if phone == nil && email == nil {
			return &okienko.Error{Code: okienko.EINVALID, Message: "a phone or an e-mail is required",
				Fields: map[string]string{"phone": "a phone or an e-mail is required", "email": "a phone or an e-mail is required"}}
		}
		now := s.now()
		p = &Pickup{What: what, Phone: phone, Email: email, Lang: lang, TicketID: ticketID, Status: StatusInProgress, CreatedAt: now, UpdatedAt: now}
		if actor.UserID != 0 {
			uid := actor.UserID
			p.CreatedBy = &uid
		}
		if err := insertWithNumber(ctx, tx, p); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Create, auditObject, p.ID, nil, p.audited()); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, now, p, outbox.PickupRegistered)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// insertWithNumber inserts p with a fresh random number, drawing again on
// the rare clash with an existing one (each try in its own savepoint, so a
// clash doesn't end PostgreSQL's transaction).
func insertWithNumber(ctx context.Context, tx *gorm.DB, p *Pickup) error {
	for range 5 {
		code, err := booking.NewCode()
		if err != nil {
			return err
		}
		p.ID, p.Number = 0, code
		err = tx.WithContext(ctx).Transaction(func(sp *gorm.DB) error { return sp.Create(p).Error })
		if err == nil {
			return nil
		}
		if !database.IsUniqueViolation(err) {
			return err
		}
	}
	return errors.New("pickup: no free number after 5 draws")
}

// enqueue queues the message of kind to every address p has.
func (s *Store) enqueue(ctx context.Context, tx *gorm.DB, now time.Time, p *Pickup, kind string) error {
	id := p.ID
	for _, ch := range []struct {
		channel string
		has     bool
	}{{outbox.SMS, p.Phone != nil}, {outbox.Email, p.Email != nil}} {
		if !ch.has {
			continue
		}
		m := outbox.Message{Key: outbox.PickupKey(id, kind, ch.channel), Channel: ch.channel, Kind: kind, Lang: p.Lang, PickupID: &id}
		if _, err := outbox.Enqueue(ctx, tx, now, m, nil); err != nil {
			return err
		}
	}
	return nil
}

// Ready marks pickup id ready to collect in room and queues the message
// telling the resident where to come. EINVALID naming room; ENOTFOUND;
// ECONFLICT when the pickup is not in progress (already ready, collected or
// cancelled).
func (s *Store) Ready(ctx context.Context, id int64, room string) (*Pickup, error) {
	room, err := cleanText(room, MaxRoom)
	if err != nil {
		return nil, okienko.Invalid("room", err.Error())
	}
	return s.move(ctx, id, StatusInProgress, func(p *Pickup, now time.Time) {
		p.Status, p.Room, p.ReadyAt = StatusReady, room, &now
	}, func(tx *gorm.DB, p *Pickup, now time.Time) error {
		if _, err := event.Add(ctx, tx, now, EventReady, auditObject, p.ID, map[string]any{"number": booking.FormatCode(p.Number), "room": p.Room}); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, now, p, outbox.PickupReady)
	})
}

// Collected closes a ready pickup: the resident took the document.
// ENOTFOUND; ECONFLICT when it is not ready.
func (s *Store) Collected(ctx context.Context, id int64) (*Pickup, error) {
	return s.move(ctx, id, StatusReady, func(p *Pickup, now time.Time) {
		p.Status, p.ClosedAt = StatusCollected, &now
	}, func(tx *gorm.DB, p *Pickup, now time.Time) error {
		_, err := event.Add(ctx, tx, now, EventCollected, auditObject, p.ID, map[string]any{"number": booking.FormatCode(p.Number)})
		return err
	})
}

// Cancel closes a pickup registered by mistake or never to be issued; no
// message goes. ENOTFOUND; ECONFLICT when it is already collected or
// cancelled.
func (s *Store) Cancel(ctx context.Context, id int64) (*Pickup, error) {
	return s.move(ctx, id, "", func(p *Pickup, now time.Time) {
		p.Status, p.ClosedAt = StatusCancelled, &now
	}, nil)
}

// move changes pickup id from status from ("": in progress or ready) by
// change, under a conditional update so that of two clerks at once exactly
// one moves it, then runs after on the same transaction and audits.
func (s *Store) move(ctx context.Context, id int64, from string, change func(*Pickup, time.Time), after func(*gorm.DB, *Pickup, time.Time) error) (*Pickup, error) {
	var p Pickup
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Take(&p)
		if database.IsNotFound(res.Error) {
			return okienko.Errorf(okienko.ENOTFOUND, "pickup %d not found", id)
		}
		if res.Error != nil {
			return res.Error
		}
		before := p.audited()
		was := p.Status
		allowed := was == from || (from == "" && (was == StatusInProgress || was == StatusReady))
		if !allowed {
			return okienko.Errorf(okienko.ECONFLICT, "the pickup is %s", was)
		}
		now := s.now()
		change(&p, now)
		p.UpdatedAt = now
		upd := tx.Model(&Pickup{}).Where("id = ? AND status = ?", id, was).Updates(map[string]any{
			"status": p.Status, "room": p.Room, "ready_at": p.ReadyAt, "closed_at": p.ClosedAt, "updated_at": now,
		})
		if upd.Error != nil {
			return upd.Error
		}
		if upd.RowsAffected != 1 {
			return okienko.Errorf(okienko.ECONFLICT, "the pickup changed meanwhile")
		}
		if after != nil {
			if err := after(tx, &p, now); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, now, audit.Update, auditObject, p.ID, before, p.audited())
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ByID returns a pickup. ENOTFOUND.
func (s *Store) ByID(ctx context.Context, id int64) (*Pickup, error) {
	var p Pickup
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "pickup %d not found", id)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &p, nil
}

// ByNumber returns the pickup whose number a resident typed (any case,
// with or without the dash). EINVALID naming number; ENOTFOUND.
func (s *Store) ByNumber(ctx context.Context, number string) (*Pickup, error) {
	code, err := booking.ParseCode(number)
	if err != nil {
		return nil, okienko.Invalid("number", err.Error())
	}
	var p Pickup
	err = s.db.WithContext(ctx).Where("number = ?", code).Take(&p).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no pickup has this number")
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &p, nil
}

// MaxList bounds List.
const MaxList = 500

// Filter narrows List. Open lists the pickups in progress and ready; Status
// one status; neither: all, newest first.
type Filter struct {
	Open   bool
	Status string
	Limit  int // 1..MaxList; 0: 100
}

// List returns pickups, newest first, with the name of the clerk who
// registered each. EINVALID naming status or limit.
func (s *Store) List(ctx context.Context, f Filter) ([]Pickup, error) {
	switch f.Status {
	case "", StatusInProgress, StatusReady, StatusCollected, StatusCancelled:
	default:
		return nil, okienko.Invalid("status", "must be in_progress, ready, collected or cancelled")
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if f.Limit < 1 || f.Limit > MaxList {
		return nil, okienko.Invalid("limit", "must be between 1 and 500")
	}
	q := s.db.WithContext(ctx).Table("pickups").Select("pickups.*, COALESCE(users.username, '') AS created_by_name").
		Joins("LEFT JOIN users ON users.id = pickups.created_by")
	switch {
	case f.Status != "":
		q = q.Where("pickups.status = ?", f.Status)
	case f.Open:
		q = q.Where("pickups.status IN ?", []string{StatusInProgress, StatusReady})
	}
	out := []Pickup{}
	if err := q.Order("pickups.created_at DESC, pickups.id DESC").Limit(f.Limit).Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// Erase removes the phone and e-mail of pickups closed (collected or
// cancelled) more than retention ago, and of open ones registered more than
// twice the retention ago (a document nobody came for), and returns how
// many it erased. The what, number and times stay for the statistics.
func (s *Store) Erase(ctx context.Context, retention time.Duration) (int64, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Pickup{}).
		Where("erased_at IS NULL AND ((closed_at IS NOT NULL AND closed_at < ?) OR (closed_at IS NULL AND created_at < ?))",
			now.Add(-retention), now.Add(-2*retention)).
		Updates(map[string]any{"phone": nil, "email": nil, "erased_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}

func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}
