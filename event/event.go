// Package event records domain events ("a booking was cancelled for
// lateness") in the transaction of the change that causes them, for the
// notifications outbox and live displays to act on after commit.
package event

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/notify/outbox"
)

// Event is one recorded domain event.
type Event struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Type       string    `json:"type"`
	ObjectType string    `json:"object_type"`
	ObjectID   int64     `json:"object_id"`
	Data       string    `json:"data"`
}

// TableName is the table of events.
func (Event) TableName() string { return "events" }

// Record writes an event on tx. data is marshalled to JSON (nil: {}); events
// carry ids and small facts, never whole rows of personal data.
func Record(ctx context.Context, tx *gorm.DB, at time.Time, typ, objectType string, objectID int64, data any) error {
	_, err := Add(ctx, tx, at, typ, objectType, objectID, data)
	return err
}

// Add is Record returning the event written, for publishing after commit.
// It also queues the event's webhook deliveries on tx (outbox.EnqueueEvent).
func Add(ctx context.Context, tx *gorm.DB, at time.Time, typ, objectType string, objectID int64, data any) (*Event, error) {
	b := []byte("{}")
	if data != nil {
		var err error
		if b, err = json.Marshal(data); err != nil {
			return nil, err
		}
	}
	e := &Event{At: at.UTC(), Type: typ, ObjectType: objectType, ObjectID: objectID, Data: string(b)}
	if err := tx.WithContext(ctx).Create(e).Error; err != nil {
		return nil, err
	}
	// Webhooks subscribed to the event are queued with it.
	if err := outbox.EnqueueEvent(ctx, tx, e.ID, e.At, typ, objectType, objectID, e.Data); err != nil {
		return nil, err
	}
	return e, nil
}

// Since returns events with id greater than afterID, oldest first, at most
// limit of them (100 when limit <= 0), optionally of one type.
func Since(ctx context.Context, db *gorm.DB, afterID int64, typ string, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 100
	}
	q := db.WithContext(ctx).Where("id > ?", afterID)
	if typ != "" {
		q = q.Where("type = ?", typ)
	}
	var out []Event
	err := q.Order("id").Limit(limit).Find(&out).Error
	return out, err
}
