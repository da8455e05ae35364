package office

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
)

// Settings are what an administrator sets on the office itself.
type Settings struct {
	// AlertsEmail is told by e-mail when a kiosk's printer needs a person;
	// "" for nobody.
	AlertsEmail string `json:"alerts_email"`
	// FeedbackInvite: after a ticket is done, its holder (a phone, or a
	// remote ticket's e-mail) gets one message with the link to the
	// ticket's page, asking for feedback. Off by default.
	FeedbackInvite bool `json:"feedback_invite"`
}

// kvFeedbackInvite is the key of the feedback_invite setting in kv_store
// (the shared key-value table: settings without a column of their own).
const kvFeedbackInvite = "office:feedback_invite"

// kvRow is a row of kv_store.
type kvRow struct {
	Key       string `gorm:"column:key;primaryKey"`
	Value     []byte
	ExpiresAt *time.Time
}

func (kvRow) TableName() string { return "kv_store" }

// FeedbackInvite reports, reading on db (a transaction's, or the store's),
// whether done tickets' holders are invited to give feedback. Errors are
// the database's.
func FeedbackInvite(ctx context.Context, db *gorm.DB) (bool, error) {
	var vals [][]byte
	if err := db.WithContext(ctx).Model(&kvRow{}).Where(clause.Eq{Column: clause.Column{Name: "key"}, Value: kvFeedbackInvite}).
		Limit(1).Pluck("value", &vals).Error; err != nil {
		return false, err
	}
	return len(vals) == 1 && string(vals[0]) == "true", nil
}

// Settings returns the office's settings. ENOTFOUND when no office exists.
func (s *Store) Settings(ctx context.Context) (*Settings, error) {
	off, err := s.Office(ctx)
	if err != nil {
		return nil, err
	}
	invite, err := FeedbackInvite(ctx, s.db)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &Settings{AlertsEmail: off.AlertsEmail, FeedbackInvite: invite}, nil
}

// UpdateSettings applies patch to the office's settings and saves them,
// recording the change in the audit log. patch also checks what it sets
// (the address is checked by the caller, which knows the e-mail rules).
// ENOTFOUND when no office exists; patch's errors as they are.
func (s *Store) UpdateSettings(ctx context.Context, patch func(*Settings) error) (*Office, error) {
	var out *Office
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		before, err := firstOffice(tx)
		if err != nil {
			return err
		}
		invite, err := FeedbackInvite(ctx, tx)
		if err != nil {
			return err
		}
		set := Settings{AlertsEmail: before.AlertsEmail, FeedbackInvite: invite}
		if err := patch(&set); err != nil {
			return patchError{err}
		}
		if set.FeedbackInvite != invite {
			v := []byte(strconv.FormatBool(set.FeedbackInvite))
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoUpdates: clause.Assignments(map[string]any{"value": v})}).
				Create(&kvRow{Key: kvFeedbackInvite, Value: v}).Error; err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, s.now(), audit.Update, ObjectOffice, before.ID,
				map[string]bool{"feedback_invite": invite}, map[string]bool{"feedback_invite": set.FeedbackInvite}); err != nil {
				return err
			}
		}
		set.AlertsEmail = strings.TrimSpace(set.AlertsEmail)
		now := s.now()
		if err := tx.Model(&Office{}).Where("id = ?", before.ID).
			Updates(map[string]any{"alerts_email": set.AlertsEmail, "updated_at": now}).Error; err != nil {
			return err
		}
		after := *before
		after.AlertsEmail, after.UpdatedAt = set.AlertsEmail, now
		out = &after
		return log.record(ctx, tx, now, audit.Update, ObjectOffice, before.ID, before, after)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OpenWithin reports whether the office is open at at, or opens within
// ahead after it: some department's opening hours of that day or the next
// (public holidays and closures kept, as in OpeningDays) overlap [at,
// at+ahead]. An office without departments is never open.
func (s *Store) OpenWithin(ctx context.Context, at time.Time, ahead time.Duration) (bool, error) {
	off, err := s.Office(ctx)
	if err != nil {
		return false, err
	}
	deps, err := s.Departments(ctx, false)
	if err != nil {
		return false, err
	}
	today := DateOf(at.In(off.Location()))
	until := at.Add(ahead)
	for _, d := range deps {
		days, err := s.OpeningDays(ctx, d.ID, today, today.AddDays(1))
		if err != nil {
			return false, err
		}
		for _, day := range days {
			for _, sp := range day.Spans {
				if !sp.Start.After(until) && at.Before(sp.End) {
					return true, nil
				}
			}
		}
	}
	return false, nil
}
