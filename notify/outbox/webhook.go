package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Webhook is the outbox channel of webhook deliveries: one message per
// event and endpoint, whose Data is the exact JSON body to POST.
const Webhook = "webhook"

// The events an endpoint may subscribe to (DESIGN section 12). Each is
// delivered as {id, type, occurred_at, data}; data carries ids and codes,
// never names, PESELs, phones or e-mail addresses:
//   - booking.created, booking.cancelled, booking.checked_in: code,
//     service_id, department_id, start (RFC 3339), status; cancelled also
//     reason (resident, late, closure, admin, withdrawn);
//   - ticket.issued, ticket.called, ticket.finished: number, service_id,
//     department_id, status, and counter_id and counter (its name) once
//     the ticket has a counter;
//   - pickup.ready: number (the pickup's code) and room.
const (
	HookBookingCreated   = "booking.created"
	HookBookingCancelled = "booking.cancelled"
	HookBookingCheckedIn = "booking.checked_in"
	HookTicketIssued     = "ticket.issued"
	HookTicketCalled     = "ticket.called"
	HookTicketFinished   = "ticket.finished"
	HookPickupReady      = "pickup.ready"
)

// HookEvents are the webhook events, in the order the panel lists them.
var HookEvents = []string{HookBookingCreated, HookBookingCancelled, HookBookingCheckedIn,
	HookTicketIssued, HookTicketCalled, HookTicketFinished, HookPickupReady}

// hookOf maps a domain event's type to the webhook event it is delivered
// as; the late cancellation is a booking.cancelled with reason "late".
var hookOf = map[string]string{
	"booking.created": HookBookingCreated, "booking.cancelled": HookBookingCancelled,
	"booking.cancelled_late": HookBookingCancelled, "booking.checked_in": HookBookingCheckedIn,
	"ticket.issued": HookTicketIssued, "ticket.called": HookTicketCalled,
	"ticket.finished": HookTicketFinished, "pickup.ready": HookPickupReady,
}

// IsHookEvent reports whether name is a webhook event.
func IsHookEvent(name string) bool {
	for _, e := range HookEvents {
		if e == name {
			return true
		}
	}
	return false
}

// Payload is the body of a webhook request.
type Payload struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurred_at"`
	Data       map[string]any `json:"data"`
}

// endpointRow is the part of a webhook endpoint enqueuing needs.
type endpointRow struct {
	ID     int64
	Events string
}

// WebhookKey is the idempotency key of an event's delivery to an endpoint.
func WebhookKey(webhookID, eventID int64) string {
	return fmt.Sprintf("webhook:%d:event:%d", webhookID, eventID)
}

// EnqueueEvent queues, on the event's transaction tx, one webhook message
// for each active endpoint subscribed to the event recorded as eventID
// (event.Add calls it for every event). Events that are not webhook events
// cost nothing; the others read the active endpoints from the cache of
// tx's database handle (see Endpoints) and, when one subscribes, query the
// booking's code or the counter's name. The body is fixed here, so every attempt and a redelivery send the same bytes.
// Errors are the database's.
func EnqueueEvent(ctx context.Context, tx *gorm.DB, eventID int64, at time.Time, typ, objectType string, objectID int64, data string) error {
	hook, ok := hookOf[typ]
	if !ok {
		return nil
	}
	eps, err := EndpointsOf(tx).active(ctx, tx, at)
	if err != nil {
		return err
	}
	to := subscribed(eps, hook)
	if len(to) == 0 {
		return nil
	}
	var facts map[string]any
	if err := json.Unmarshal([]byte(data), &facts); err != nil || facts == nil {
		facts = map[string]any{}
	}
	out, err := hookData(ctx, tx, hook, objectID, facts)
	if err != nil {
		return err
	}
	body, err := json.Marshal(Payload{ID: strconv.FormatInt(eventID, 10), Type: hook, OccurredAt: at.UTC(), Data: out})
	if err != nil {
		return err
	}
	for _, id := range to {
		wid := id
		m := Message{Key: WebhookKey(id, eventID), Channel: Webhook, Kind: hook, WebhookID: &wid,
			ObjectKey: fmt.Sprintf("%s:%d", objectType, objectID)}
		if _, err := Enqueue(ctx, tx, at, m, json.RawMessage(body)); err != nil {
			return err
		}
	}
	return nil
}

// hookData picks from an event's facts what a receiver is told (see the
// list at HookEvents), looking up the booking's code and department or the
// counter's name.
func hookData(ctx context.Context, tx *gorm.DB, hook string, objectID int64, facts map[string]any) (map[string]any, error) {
	out := map[string]any{}
	pick := func(keys ...string) {
		for _, k := range keys {
			if v, ok := facts[k]; ok {
				out[k] = v
			}
		}
	}
	switch hook {
	case HookBookingCreated, HookBookingCancelled, HookBookingCheckedIn:
		var rows []struct {
			Code         string
			ServiceID    int64
			DepartmentID int64
			StartsAt     time.Time
			Status       string
		}
		err := tx.WithContext(ctx).Raw(`SELECT b.code, b.service_id, s.department_id, b.starts_at, b.status
			FROM bookings b JOIN services s ON s.id = b.service_id WHERE b.id = ?`, objectID).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		if len(rows) == 1 {
			r := rows[0]
			out["code"], out["service_id"], out["department_id"], out["status"] = r.Code, r.ServiceID, r.DepartmentID, r.Status
			out["start"] = r.StartsAt.UTC().Format(time.RFC3339)
		}
		if hook == HookBookingCancelled {
			pick("reason")
		}
	case HookTicketIssued, HookTicketCalled, HookTicketFinished:
		pick("number", "service_id", "department_id", "status", "counter_id")
		if id, ok := facts["counter_id"].(float64); ok {
			var names []string
			if err := tx.WithContext(ctx).Table("counters").Where("id = ?", int64(id)).Limit(1).Pluck("name", &names).Error; err != nil {
				return nil, err
			}
			if len(names) == 1 {
				out["counter"] = names[0]
			}
		}
	case HookPickupReady:
		pick("number", "room")
	}
	return out, nil
}
