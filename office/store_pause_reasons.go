package office

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// MaxPauseReasonName is the longest name of a pause reason, in characters.
const MaxPauseReasonName = 60

// MaxPauseReasons is how many reasons may be offered at once: the clerk's
// pause dialog is a short list.
const MaxPauseReasons = 20

// PauseReasonSpec is what an administrator sets on a pause reason: its
// Polish name and optional English and Ukrainian ones, and its place in the
// clerk's list (lower first; ties by id).
type PauseReasonSpec struct {
	Name     string `json:"name"`
	NameEN   string `json:"name_en" gorm:"column:name_en"`
	NameUK   string `json:"name_uk" gorm:"column:name_uk"`
	Position int    `json:"position"`
}

// PauseReason is why a clerk pauses a counter (Przerwa, Szkolenie…). One
// used by a recorded pause is archived, not deleted, so the reports keep
// its name.
type PauseReason struct {
	ID int64 `json:"id"`
	PauseReasonSpec
	ArchivedAt *time.Time `json:"-"`
	CreatedAt  time.Time  `json:"-"`
	UpdatedAt  time.Time  `json:"-"`
}

// TableName is the table of pause reasons.
func (PauseReason) TableName() string { return "pause_reasons" }

// NameIn returns the reason's name in lang, the Polish one where there is
// none.
func (s PauseReasonSpec) NameIn(lang string) string {
	t, _ := inLang(lang, s.Name, s.NameEN, s.NameUK)
	return t
}

// Normalize trims the names.
func (s *PauseReasonSpec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.NameEN = strings.TrimSpace(s.NameEN)
	s.NameUK = strings.TrimSpace(s.NameUK)
}

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name, or nil.
func (s PauseReasonSpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	checkName(f, "name", s.Name, MaxPauseReasonName)
	checkText(f, "name_en", s.NameEN, MaxPauseReasonName)
	checkText(f, "name_uk", s.NameUK, MaxPauseReasonName)
	if s.Position < 0 || s.Position > 1000 {
		f.Add("position", "must be between 0 and 1000")
	}
	return f.Err()
}

// PauseReasons lists the reasons offered (archived ones left out), in the
// clerk's order.
func (s *Store) PauseReasons(ctx context.Context) ([]PauseReason, error) {
	out := []PauseReason{}
	if err := s.db.WithContext(ctx).Where("archived_at IS NULL").Order("position, id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// PauseReason returns one reason, an archived one too (ArchivedAt set).
// ENOTFOUND.
func (s *Store) PauseReason(ctx context.Context, id int64) (*PauseReason, error) {
	r, err := loadPauseReason(s.db.WithContext(ctx), id)
	return r, storeError(err)
}

func loadPauseReason(tx *gorm.DB, id int64) (*PauseReason, error) {
	var r PauseReason
	if err := tx.First(&r, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "pause reason", id)
	}
	return &r, nil
}

// loadOfferedReason is loadPauseReason for changes: an archived reason is
// ENOTFOUND.
func loadOfferedReason(tx *gorm.DB, id int64) (*PauseReason, error) {
	r, err := loadPauseReason(tx, id)
	if err == nil && r.ArchivedAt != nil {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "pause reason %d not found", id)
	}
	return r, err
}

// CreatePauseReason validates and adds a reason. EINVALID naming the field;
// ECONFLICT when a reason offered has the same name (case aside) or
// MaxPauseReasons are offered already.
func (s *Store) CreatePauseReason(ctx context.Context, spec PauseReasonSpec) (*PauseReason, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out PauseReason
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		var n int64
		if err := tx.Model(&PauseReason{}).Where("archived_at IS NULL").Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxPauseReasons {
			return okienko.Errorf(okienko.ECONFLICT, "at most %d pause reasons may be offered; archive one first", MaxPauseReasons)
		}
		now := s.now()
		r := PauseReason{PauseReasonSpec: spec, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&r).Error; err != nil {
			return reasonNameTaken(err, spec.Name)
		}
		out = r
		return log.record(ctx, tx, now, audit.Create, ObjectPauseReason, r.ID, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePauseReason applies patch to an offered reason. ENOTFOUND (also
// archived), EINVALID, ECONFLICT for a name taken.
func (s *Store) UpdatePauseReason(ctx context.Context, id int64, patch func(*PauseReasonSpec) error) (*PauseReason, error) {
	var out PauseReason
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		before, err := loadOfferedReason(tx, id)
		if err != nil {
			return err
		}
		spec := before.PauseReasonSpec
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&PauseReason{}).Where("id = ?", id).Updates(map[string]any{
			"name": spec.Name, "name_en": spec.NameEN, "name_uk": spec.NameUK, "position": spec.Position, "updated_at": now,
		}).Error
		if err != nil {
			return reasonNameTaken(err, spec.Name)
		}
		out = *before
		out.PauseReasonSpec, out.UpdatedAt = spec, now
		return log.record(ctx, tx, now, audit.Update, ObjectPauseReason, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePauseReason withdraws a reason from the clerks' list: one no pause
// was recorded with is deleted, one in use is archived (the reports keep
// its name). ENOTFOUND also for a reason archived already.
func (s *Store) DeletePauseReason(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		r, err := loadOfferedReason(tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		var used int64
		if err := tx.Table("counter_pauses").Where("reason_id = ?", id).Count(&used).Error; err != nil {
			return err
		}
		if used == 0 {
			err = tx.Delete(&PauseReason{}, id).Error
		} else {
			err = tx.Model(&PauseReason{}).Where("id = ?", id).Updates(map[string]any{"archived_at": now, "updated_at": now}).Error
		}
		if err != nil {
			return err
		}
		return log.record(ctx, tx, now, audit.Delete, ObjectPauseReason, id, r, nil)
	})
}

// reasonNameTaken maps a unique violation to ECONFLICT on name.
func reasonNameTaken(err error, name string) error {
	if database.IsUniqueViolation(err) {
		msg := fmt.Sprintf("a pause reason named %q exists already", name)
		return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"name": msg}}
	}
	return err
}
