package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
)

// Counter states. A counter without a state row is closed.
const (
	CounterOpen   = "open"
	CounterPaused = "paused"
	CounterClosed = "closed"
)

// CounterState is who works at a counter now and what they serve today.
type CounterState struct {
	CounterID  int64     `json:"counter_id" gorm:"primaryKey;autoIncrement:false"`
	UserID     int64     `json:"user_id"`
	Status     string    `json:"status"`
	ServiceIDs string    `json:"-" gorm:"column:service_ids"`
	OpenedAt   time.Time `json:"opened_at"`
	UpdatedAt  time.Time `json:"-"`
}

// TableName is the table of counter states.
func (CounterState) TableName() string { return "counter_states" }

// Services returns the ids of the services served today.
func (c *CounterState) Services() []int64 {
	var ids []int64
	_ = json.Unmarshal([]byte(c.ServiceIDs), &ids)
	return ids
}

// stateAt returns the state of counterID if userID is signed in there, else
// EFORBIDDEN.
func (s *Store) stateAt(tx *gorm.DB, counterID, userID int64) (*CounterState, error) {
	var st CounterState
	err := tx.Where("counter_id = ?", counterID).First(&st).Error
	if database.IsNotFound(err) || (err == nil && st.UserID != userID) {
		return nil, okienko.Errorf(okienko.EFORBIDDEN, "you are not signed in at counter %d", counterID)
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// State returns the state of a counter; nil when it is closed.
func (s *Store) State(ctx context.Context, counterID int64) (*CounterState, error) {
	var st CounterState
	err := s.db.WithContext(ctx).Where("counter_id = ?", counterID).First(&st).Error
	if database.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &st, nil
}

// States returns the states of all counters that are open or paused.
func (s *Store) States(ctx context.Context) ([]CounterState, error) {
	var out []CounterState
	if err := s.db.WithContext(ctx).Order("counter_id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// StateOf returns the counter where userID is signed in; nil when none.
func (s *Store) StateOf(ctx context.Context, userID int64) (*CounterState, error) {
	var st CounterState
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).First(&st).Error
	if database.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &st, nil
}

// OpenCounter signs userID in at a counter to serve services today (all of
// the counter's services when empty), or changes the services of the
// counter userID already holds. ENOTFOUND; EINVALID for services the
// counter doesn't serve; ECONFLICT when another clerk holds the counter or
// userID is signed in at another one.
func (s *Store) OpenCounter(ctx context.Context, counterID, userID int64, services []int64) (*CounterState, error) {
	var out *CounterState
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		c, err := s.offices.WithTx(tx).Counter(ctx, counterID)
		if err != nil {
			return err
		}
		if len(services) == 0 {
			services = c.ServiceIDs
		}
		for _, id := range services {
			if !slices.Contains(c.ServiceIDs, id) {
				return okienko.Invalid("service_ids", fmt.Sprintf("counter %s does not serve matter %d", c.Name, id))
			}
		}
		var held []CounterState
		if err := tx.Where("counter_id = ? OR user_id = ?", counterID, userID).Find(&held).Error; err != nil {
			return err
		}
		for _, h := range held {
			if h.CounterID == counterID && h.UserID != userID {
				return okienko.Errorf(okienko.ECONFLICT, "counter %s is in use by another clerk", c.Name)
			}
			if h.UserID == userID && h.CounterID != counterID {
				return okienko.Errorf(okienko.ECONFLICT, "you are signed in at another counter (%d); close it first", h.CounterID)
			}
		}
		ids, _ := json.Marshal(services)
		now := s.now()
		st := CounterState{CounterID: counterID, UserID: userID, Status: CounterOpen, ServiceIDs: string(ids), OpenedAt: now, UpdatedAt: now}
		if len(held) == 1 {
			st.OpenedAt, st.Status = held[0].OpenedAt, held[0].Status
			err = tx.Model(&CounterState{}).Where("counter_id = ?", counterID).Updates(map[string]any{"service_ids": st.ServiceIDs, "updated_at": now}).Error
		} else {
			err = tx.Create(&st).Error
		}
		if err != nil {
			if database.IsUniqueViolation(err) {
				return okienko.Errorf(okienko.ECONFLICT, "counter %s was just taken, or you were signed in elsewhere meanwhile", c.Name)
			}
			return err
		}
		out = &st
		return s.counterEvent(ctx, tx, log, &st, now)
	})
	return out, err
}

// PauseCounter sets the counter userID holds to paused and records the
// pause with its reason: reasonID, or the first reason offered for 0 (the
// friendlier default: a clerk in a hurry is never refused a break). Pausing
// a paused counter again ends the pause and begins one with the new
// reason. A paused counter calls nobody and doesn't count for estimated
// waits. EFORBIDDEN when userID doesn't hold it; EINVALID on reason_id for
// a reason not offered.
func (s *Store) PauseCounter(ctx context.Context, counterID, userID, reasonID int64) (*CounterState, error) {
	return s.setCounter(ctx, counterID, userID, CounterPaused, reasonID)
}

// ResumeCounter sets the counter userID holds to open, ending its pause.
// EFORBIDDEN when userID doesn't hold it.
func (s *Store) ResumeCounter(ctx context.Context, counterID, userID int64) (*CounterState, error) {
	return s.setCounter(ctx, counterID, userID, CounterOpen, 0)
}

func (s *Store) setCounter(ctx context.Context, counterID, userID int64, status string, reasonID int64) (*CounterState, error) {
	var out *CounterState
	err := s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		st, err := s.stateAt(tx, counterID, userID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.closePauses(ctx, tx, counterID, now); err != nil {
			return err
		}
		if status == CounterPaused {
			reason, err := s.pauseReason(ctx, tx, reasonID)
			if err != nil {
				return err
			}
			_, today, err := s.officeNow(ctx, tx)
			if err != nil {
				return err
			}
			p := CounterPause{CounterID: &counterID, UserID: &userID, ReasonID: reason, Day: today, StartedAt: now}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&CounterState{}).Where("counter_id = ?", counterID).Updates(map[string]any{"status": status, "updated_at": now}).Error; err != nil {
			return err
		}
		st.Status, st.UpdatedAt = status, now
		out = st
		return s.counterEvent(ctx, tx, log, st, now)
	})
	return out, err
}

// CloseCounter signs userID out of the counter, ending its pause. A ticket
// called there and not started goes back to the queue in its place. EFORBIDDEN when userID
// doesn't hold it; ECONFLICT while a ticket is being served there.
func (s *Store) CloseCounter(ctx context.Context, counterID, userID int64) error {
	return s.change(ctx, func(tx *gorm.DB, log *eventLog) error {
		st, err := s.stateAt(tx, counterID, userID)
		if err != nil {
			return err
		}
		now := s.now()
		var cur []Ticket
		if err := tx.Where("counter_id = ? AND status IN ?", counterID, []string{StatusCalled, StatusServing}).Find(&cur).Error; err != nil {
			return err
		}
		for i := range cur {
			if cur[i].Status == StatusServing {
				return okienko.Errorf(okienko.ECONFLICT, "finish ticket %s before closing the counter", cur[i].Number)
			}
			if err := s.move(ctx, tx, log, &cur[i], ActReturn, now, nil); err != nil {
				return err
			}
		}
		if err := s.closePauses(ctx, tx, counterID, now); err != nil {
			return err
		}
		if err := tx.Where("counter_id = ?", counterID).Delete(&CounterState{}).Error; err != nil {
			return err
		}
		st.Status = CounterClosed
		return s.counterEvent(ctx, tx, log, st, now)
	})
}

func (s *Store) counterEvent(ctx context.Context, tx *gorm.DB, log *eventLog, st *CounterState, now time.Time) error {
	e, err := event.Add(ctx, tx, now, EventCounter, "counter", st.CounterID, map[string]any{"status": st.Status, "service_ids": st.Services()})
	if err != nil {
		return err
	}
	log.events = append(log.events, *e)
	return nil
}

// OpenCounters counts the open (not paused) counters serving a service
// now.
func (s *Store) OpenCounters(ctx context.Context, serviceID int64) (int, error) {
	return s.openCounters(ctx, serviceID)
}

func (s *Store) openCounters(ctx context.Context, serviceID int64) (int, error) {
	var states []CounterState
	if err := s.db.WithContext(ctx).Where("status = ?", CounterOpen).Find(&states).Error; err != nil {
		return 0, okienko.Internal(err)
	}
	n := 0
	for i := range states {
		if slices.Contains(states[i].Services(), serviceID) {
			n++
		}
	}
	return n, nil
}

// Current returns the ticket called or being served at a counter; nil when
// none.
func (s *Store) Current(ctx context.Context, counterID int64) (*Ticket, error) {
	var ts []Ticket
	if err := s.db.WithContext(ctx).Where("counter_id = ? AND status IN ?", counterID, []string{StatusCalled, StatusServing}).Order("called_at DESC").Limit(1).Find(&ts).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return &ts[0], nil
}

// DayCounts are a clerk's figures for today.
type DayCounts struct {
	Called int `json:"called"`
	Served int `json:"served"`
	NoShow int `json:"no_show"`
}

// Today counts the tickets userID called, served and marked absent today.
func (s *Store) Today(ctx context.Context, userID int64) (DayCounts, error) {
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return DayCounts{}, err
	}
	var rows []struct {
		Status string
		N      int
	}
	if err := db.Model(&Ticket{}).Select("status, count(*) AS n").Where("user_id = ? AND day = ?", userID, today).Group("status").Find(&rows).Error; err != nil {
		return DayCounts{}, okienko.Internal(err)
	}
	var c DayCounts
	for _, r := range rows {
		c.Called += r.N
		switch r.Status {
		case StatusDone:
			c.Served += r.N
		case StatusNoShow:
			c.NoShow += r.N
		}
	}
	return c, nil
}

// WaitingByDepartment counts today's waiting tickets per department.
func (s *Store) WaitingByDepartment(ctx context.Context) (map[int64]int, error) {
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		DepartmentID int64
		N            int
	}
	if err := db.Model(&Ticket{}).Select("department_id, count(*) AS n").Where("status = ? AND day = ?", StatusWaiting, today).Group("department_id").Find(&rows).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.DepartmentID] = r.N
	}
	return out, nil
}

// RecentCalls returns today's last limit tickets called to a counter, the
// newest first (called at the same instant: the highest id first).
func (s *Store) RecentCalls(ctx context.Context, limit int) ([]Ticket, error) {
	db := s.db.WithContext(ctx)
	_, today, err := s.officeNow(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []Ticket
	err = db.Where("day = ? AND called_at IS NOT NULL AND counter_id IS NOT NULL", today).Order("called_at DESC, id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}
