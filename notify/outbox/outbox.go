// Package outbox is the notifications outbox table: messages are enqueued in
// the transaction of the change that causes them (a booking, a
// cancellation) and sent later by notify.Worker. It depends on nothing of
// the domain, so the domain packages can enqueue without import cycles.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
)

// Channels.
const (
	Email = "email"
	SMS   = "sms"
	// Webhook: see webhook.go.
)

// Channels are the outbox's channels, each sent by its own lane of the
// worker.
var Channels = []string{Email, SMS, Webhook}

// Kinds of message.
const (
	Confirmation     = "confirmation"
	Reminder         = "reminder"
	Cancellation     = "cancellation"
	CancellationLate = "cancellation_late"
	TurnNear         = "turn_near"
	// ConfirmRequest asks the resident of a pending booking to confirm it
	// by the e-mail's link within the matter's confirm_minutes (e-mail
	// only; the usual Confirmation follows once confirmed).
	ConfirmRequest = "confirm_request"
	// PrinterAlert tells the office (its alerts_email) that a kiosk's
	// printer needs a person; the message holds the kiosk's id and, in its
	// data, the id of the event of the change.
	PrinterAlert = "printer_alert"
	// PickupRegistered tells a resident that a document for them is being
	// prepared: its number and status page; PickupReady that it can be
	// collected, and in which room. Both name the pickup (PickupID).
	PickupRegistered = "pickup_registered"
	PickupReady      = "pickup_ready"
	// TicketCalled tells the holder of a remote ticket that it has been
	// called, and to which counter (by SMS, or e-mail when the ticket has
	// only an e-mail); TurnNear goes the same way for remote tickets.
	TicketCalled = "ticket_called"
	// FeedbackInvite asks the holder of a done ticket (its phone, or a
	// remote ticket's e-mail) for feedback, with the link to the ticket's
	// page; once per ticket, only while the office's feedback_invite is on.
	FeedbackInvite = "feedback_invite"
	// WaitlistJoined tells a resident they are on a full day's waitlist,
	// with the link to leave it; WaitlistOffer that a seat is held for
	// them until a deadline, with the link to accept it. Both name the
	// waitlist entry (WaitlistID).
	WaitlistJoined = "waitlist_joined"
	WaitlistOffer  = "waitlist_offer"
)

// kinds are the kinds Enqueue takes (the database no longer checks them).
var kinds = map[string]bool{
	Confirmation: true, Reminder: true, Cancellation: true, CancellationLate: true, TurnNear: true,
	ConfirmRequest: true, PrinterAlert: true, PickupRegistered: true, PickupReady: true, TicketCalled: true, FeedbackInvite: true,
	WaitlistJoined: true, WaitlistOffer: true,
}

// States of a message.
const (
	Queued  = "queued"
	Sending = "sending"
	Sent    = "sent"
	Failed  = "failed"
)

// Message is one outbox row. It holds ids, not personal data: the worker
// reads the address from the booking, ticket or office when it sends; Recipient is
// only the masked address, filled in at sending, for the administrator.
type Message struct {
	ID         int64  `json:"id"`
	Key        string `json:"key"`
	Channel    string `json:"channel"`
	Kind       string `json:"kind"`
	Lang       string `json:"lang"`
	BookingID  *int64 `json:"booking_id,omitempty"`
	TicketID   *int64 `json:"ticket_id,omitempty"`
	KioskID    *int64 `json:"kiosk_id,omitempty"`
	PickupID   *int64 `json:"pickup_id,omitempty"`
	WaitlistID *int64 `json:"waitlist_id,omitempty"`
	// WebhookID names the endpoint of a webhook message, ObjectKey the
	// object ("booking:42") whose messages to one endpoint go in order.
	WebhookID     *int64     `json:"webhook_id,omitempty"`
	ObjectKey     string     `json:"object_key,omitempty"`
	Recipient     string     `json:"recipient"`
	Data          string     `json:"-"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	ClaimedAt     *time.Time `json:"-"`
	LeaseOwner    *string    `json:"-"`
	LeaseUntil    *time.Time `json:"-"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// TableName is the outbox table.
func (Message) TableName() string { return "outbox" }

// BookingKey is the idempotency key of a booking's message of kind on
// channel, e.g. "booking:42:confirmation:email".
func BookingKey(bookingID int64, kind, channel string) string {
	return fmt.Sprintf("booking:%d:%s:%s", bookingID, kind, channel)
}

// PickupKey is the idempotency key of a pickup's message.
func PickupKey(pickupID int64, kind, channel string) string {
	return fmt.Sprintf("pickup:%d:%s:%s", pickupID, kind, channel)
}

// WaitlistKey is the idempotency key of a waitlist entry's message; an
// entry's offers are numbered (kind "waitlist_offer.2").
func WaitlistKey(entryID int64, kind, channel string) string {
	return fmt.Sprintf("waitlist:%d:%s:%s", entryID, kind, channel)
}

// TicketKey is the idempotency key of a ticket's message.
func TicketKey(ticketID int64, kind, channel string) string {
	return fmt.Sprintf("ticket:%d:%s:%s", ticketID, kind, channel)
}

// Enqueue writes m as queued, due at now, on the caller's transaction tx.
// A message whose Key is already in the outbox is not queued again; Enqueue
// reports whether it was queued. data (may be nil) is stored as JSON and
// must not hold personal data.
func Enqueue(ctx context.Context, tx *gorm.DB, now time.Time, m Message, data any) (bool, error) {
	known := (m.Channel == Email || m.Channel == SMS) && kinds[m.Kind] ||
		m.Channel == Webhook && IsHookEvent(m.Kind) && m.WebhookID != nil
	if m.Key == "" || !known {
		return false, fmt.Errorf("outbox: message needs a key, a channel and a known kind: %+v", m)
	}
	m.Data = "{}"
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return false, err
		}
		m.Data = string(b)
	}
	if m.Lang == "" {
		m.Lang = "pl"
	}
	now = now.UTC().Truncate(time.Microsecond)
	m.ID, m.State, m.Attempts = 0, Queued, 0
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = now, now, now
	res := tx.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&m)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 && tx.Dialector.Name() != "postgres" {
		ring(tx, m.Channel) // PostgreSQL: the trigger's NOTIFY, on commit
	}
	return res.RowsAffected == 1, nil
}

// EnqueueBooking queues the booking's message of kind on tx on each
// channel of to (e-mail, SMS).
func EnqueueBooking(ctx context.Context, tx *gorm.DB, now time.Time, bookingID int64, lang, kind string, to Reach, data any) error {
	return enqueueBooking(ctx, tx, now, bookingID, lang, kind, kind, to, data)
}

// EnqueueBookingMoved is EnqueueBooking for a booking moved to another time
// moves times (booking.Store.Reschedule): the messages of kind about its
// earlier times don't stop the one about its time now, so the key counts
// the moves ("booking:42:reminder.moved.2:email"); with moves 0 it is
// EnqueueBooking. The confirmation of a move is a Confirmation whose data
// carries the old start ("from").
func EnqueueBookingMoved(ctx context.Context, tx *gorm.DB, now time.Time, bookingID int64, lang, kind string, moves int, to Reach, data any) error {
	keyKind := kind
	if moves > 0 {
		keyKind = fmt.Sprintf("%s.moved.%d", kind, moves)
	}
	return enqueueBooking(ctx, tx, now, bookingID, lang, kind, keyKind, to, data)
}

// Reach is the channels a booking's resident can be reached on: e-mail
// when the booking has an address (a clerk may book a caller by phone
// alone), SMS when it has a phone.
type Reach struct {
	Email, SMS bool
}

func enqueueBooking(ctx context.Context, tx *gorm.DB, now time.Time, bookingID int64, lang, kind, keyKind string, to Reach, data any) error {
	var channels []string
	if to.Email {
		channels = append(channels, Email)
	}
	if to.SMS {
		channels = append(channels, SMS)
	}
	for _, ch := range channels {
		id := bookingID
		if _, err := Enqueue(ctx, tx, now, Message{Key: BookingKey(bookingID, keyKind, ch), Channel: ch, Kind: kind, Lang: lang, BookingID: &id}, data); err != nil {
			return err
		}
	}
	return nil
}

// List returns the newest messages (up to limit, default 100, at most 1000),
// of state when set. EINVALID for an unknown state.
func List(ctx context.Context, db *gorm.DB, state string, limit int) ([]Message, error) {
	q := db.WithContext(ctx).Order("id DESC")
	switch state {
	case "":
	case Queued, Sending, Sent, Failed:
		q = q.Where("state = ?", state)
	default:
		return nil, okienko.Invalid("state", "must be queued, sending, sent or failed")
	}
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	var out []Message
	if err := q.Limit(limit).Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// Pending is one channel's backlog: the messages queued or being sent, and
// when the oldest of them was queued (nil: none).
type Pending struct {
	Count  int64
	Oldest *time.Time
}

// Backlog returns the backlog of every channel (all of Channels, zero when
// empty). Its queries read only the unsent rows, through the index on
// (channel, state, …), so their cost grows with the backlog, not with the
// outbox's history; ctx bounds them.
func Backlog(ctx context.Context, db *gorm.DB) (map[string]Pending, error) {
	out := make(map[string]Pending, len(Channels))
	pending := []string{Queued, Sending}
	for _, ch := range Channels {
		var p Pending
		q := db.WithContext(ctx).Model(&Message{}).Where("channel = ? AND state IN ?", ch, pending)
		if err := q.Count(&p.Count).Error; err != nil {
			return nil, err
		}
		if p.Count > 0 {
			var oldest []time.Time
			if err := db.WithContext(ctx).Model(&Message{}).Where("channel = ? AND state IN ?", ch, pending).
				Order("created_at").Limit(1).Pluck("created_at", &oldest).Error; err != nil {
				return nil, err
			}
			if len(oldest) == 1 {
				p.Oldest = &oldest[0]
			}
		}
		out[ch] = p
	}
	return out, nil
}
