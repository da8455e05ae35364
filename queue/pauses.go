package queue

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/office"
)

// CounterPause is one pause of a counter: who paused it, why (the reason
// the clerk picked; nil when the office offered none), from when to when.
// A pause still open (EndedAt nil) is closed when the clerk resumes, pauses
// again with another reason or signs out, and at the end of its office day
// (Day) at the latest.
type CounterPause struct {
	ID        int64       `json:"id"`
	CounterID *int64      `json:"counter_id"`
	UserID    *int64      `json:"user_id"`
	ReasonID  *int64      `json:"reason_id"`
	Day       office.Date `json:"day"`
	StartedAt time.Time   `json:"started_at"`
	EndedAt   *time.Time  `json:"ended_at"`
}

// TableName is the table of pauses.
func (CounterPause) TableName() string { return "counter_pauses" }

// pauseReason returns the id of the reason a pause is recorded with:
// reasonID when it names a reason offered (else EINVALID on reason_id), the
// first reason offered for 0, nil when the office offers none.
func (s *Store) pauseReason(ctx context.Context, tx *gorm.DB, reasonID int64) (*int64, error) {
	offices := s.offices.WithTx(tx)
	if reasonID != 0 {
		r, err := offices.PauseReason(ctx, reasonID)
		if okienko.ErrorCode(err) == okienko.ENOTFOUND || (err == nil && r.ArchivedAt != nil) {
			return nil, okienko.Invalid("reason_id", fmt.Sprintf("there is no pause reason with id %d", reasonID))
		}
		if err != nil {
			return nil, err
		}
		return &r.ID, nil
	}
	rs, err := offices.PauseReasons(ctx)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0].ID, nil
}

// closePauses ends the open pauses of counterID at now, or at the end of
// the office day each began on when that came first. On PostgreSQL it
// first locks the counter's state row, so changes of one counter's pauses
// follow each other and a counter never has two pauses open.
func (s *Store) closePauses(ctx context.Context, tx *gorm.DB, counterID int64, now time.Time) error {
	if database.Dialect(tx) == database.Postgres {
		var held []CounterState
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("counter_id = ?", counterID).Find(&held).Error; err != nil {
			return err
		}
	}
	var open []CounterPause
	if err := tx.Where("counter_id = ? AND ended_at IS NULL", counterID).Find(&open).Error; err != nil {
		return err
	}
	return s.endPauses(ctx, tx, open, now)
}

func (s *Store) endPauses(ctx context.Context, tx *gorm.DB, open []CounterPause, now time.Time) error {
	if len(open) == 0 {
		return nil
	}
	off, err := s.offices.WithTx(tx).Office(ctx)
	if err != nil {
		return err
	}
	for _, p := range open {
		end := now
		if dayEnd := p.Day.AddDays(1).In(off.Location(), 0).UTC(); dayEnd.Before(end) {
			end = dayEnd
		}
		if end.Before(p.StartedAt) {
			end = p.StartedAt
		}
		if err := tx.Model(&CounterPause{}).Where("id = ? AND ended_at IS NULL", p.ID).Update("ended_at", end).Error; err != nil {
			return err
		}
	}
	return nil
}

// closePastPauses ends the pauses still open from office days before today
// at the end of their day, as if the clerk had resumed then. It answers how
// many.
func (s *Store) closePastPauses(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.change(ctx, func(tx *gorm.DB, _ *eventLog) error {
		var open []CounterPause
		if err := tx.Where("ended_at IS NULL AND day < ?", today).Find(&open).Error; err != nil {
			return err
		}
		n = len(open)
		return s.endPauses(ctx, tx, open, s.now())
	})
	return n, err
}

// Pauses lists the pauses begun on the office days from to to inclusive, by
// start. EINVALID for dates out of bounds.
func (s *Store) Pauses(ctx context.Context, from, to office.Date) ([]CounterPause, error) {
	if err := office.CheckBounds("from", from); err != nil {
		return nil, err
	}
	if err := office.CheckBounds("to", to); err != nil {
		return nil, err
	}
	out := []CounterPause{}
	if err := s.db.WithContext(ctx).Where("day BETWEEN ? AND ?", from, to).Order("started_at, id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}
