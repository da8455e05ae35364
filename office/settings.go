package office

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/audit"
)

// Settings are what an administrator sets on the office itself.
type Settings struct {
	// AlertsEmail is told by e-mail when a kiosk's printer needs a person;
	// "" for nobody.
	AlertsEmail string `json:"alerts_email"`
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
		set := Settings{AlertsEmail: before.AlertsEmail}
		if err := patch(&set); err != nil {
			return patchError{err}
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
