// Package audit records who changed what, when, with the object before and
// after the change, in the same transaction as the change.
package audit

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Actions.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
)

// Entry is one audit record.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	UserID     *int64    `json:"user_id,omitempty"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   int64     `json:"object_id"`
	BeforeJSON *string   `json:"before,omitempty" gorm:"column:before_json"`
	AfterJSON  *string   `json:"after,omitempty" gorm:"column:after_json"`
	RequestID  string    `json:"request_id,omitempty"`
}

// TableName is the table of entries.
func (Entry) TableName() string { return "audit_log" }

// Record writes an entry on tx for the actor in ctx. before and after are
// marshalled to JSON; nil leaves that side empty (nothing before a create,
// nothing after a delete). Callers redact secrets before passing objects.
func Record(ctx context.Context, tx *gorm.DB, at time.Time, action, objectType string, objectID int64, before, after any) error {
	a := okienko.ActorFrom(ctx)
	e := Entry{
		At:         at.UTC(),
		Actor:      a.Name,
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		RequestID:  a.RequestID,
	}
	if a.UserID != 0 {
		id := a.UserID
		e.UserID = &id
	}
	var err error
	if e.BeforeJSON, err = marshal(before); err != nil {
		return err
	}
	if e.AfterJSON, err = marshal(after); err != nil {
		return err
	}
	return tx.WithContext(ctx).Create(&e).Error
}

func marshal(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// Filter narrows List. Zero values don't filter.
type Filter struct {
	UserID     int64
	ObjectType string
	ObjectID   int64
	Limit      int // default 100, at most 1000
}

// List returns entries matching f, newest first.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Entry, error) {
	q := db.WithContext(ctx).Model(&Entry{})
	if f.UserID != 0 {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	var out []Entry
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
