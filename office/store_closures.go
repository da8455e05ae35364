package office

import (
	"context"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
)

// Closures lists closures overlapping [from, to] (zero dates: no bound), by
// first day then id.
func (s *Store) Closures(ctx context.Context, from, to Date) ([]Closure, error) {
	q := s.db.WithContext(ctx).Order("starts_on, id")
	if !from.IsZero() {
		q = q.Where("ends_on >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("starts_on <= ?", to)
	}
	out := []Closure{}
	if err := q.Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// Closure returns one closure. ENOTFOUND.
func (s *Store) Closure(ctx context.Context, id int64) (*Closure, error) {
	c, err := loadClosure(s.db.WithContext(ctx), id)
	return c, storeError(err)
}

func loadClosure(tx *gorm.DB, id int64) (*Closure, error) {
	var c Closure
	if err := tx.First(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "closure", id)
	}
	return &c, nil
}

// CreateClosure validates and creates a closure of the office, or of one
// department when department_id is set. An empty ends_on means one day.
// EINVALID (also for an unknown department_id); ENOTFOUND when no office
// exists.
func (s *Store) CreateClosure(ctx context.Context, spec ClosureSpec) (*Closure, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out Closure
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		officeID, err := closureOffice(tx, spec.DepartmentID)
		if err != nil {
			return err
		}
		now := s.now()
		c := Closure{OfficeID: officeID, ClosureSpec: spec, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return closureDepartmentGone(err, spec.DepartmentID)
		}
		out = c
		return log.record(ctx, tx, now, audit.Create, ObjectClosure, c.ID, nil, c)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateClosure is UpdateDepartment for closures: ENOTFOUND, EINVALID (also
// for an unknown department_id).
func (s *Store) UpdateClosure(ctx context.Context, id int64, patch func(*ClosureSpec) error) (*Closure, error) {
	var out Closure
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		before, err := loadClosure(tx, id)
		if err != nil {
			return err
		}
		spec := before.ClosureSpec
		if spec.DepartmentID != nil {
			d := *spec.DepartmentID // a copy: patch can't reach before
			spec.DepartmentID = &d
		}
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		out = *before
		if out.OfficeID, err = closureOffice(tx, spec.DepartmentID); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&Closure{}).Where("id = ?", id).Updates(map[string]any{
			"office_id":     out.OfficeID,
			"department_id": spec.DepartmentID,
			"starts_on":     spec.StartsOn,
			"ends_on":       spec.EndsOn,
			"reason":        spec.Reason,
			"updated_at":    now,
		}).Error
		if err != nil {
			return closureDepartmentGone(err, spec.DepartmentID)
		}
		out.ClosureSpec, out.UpdatedAt = spec, now
		return log.record(ctx, tx, now, audit.Update, ObjectClosure, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteClosure deletes a closure. ENOTFOUND.
func (s *Store) DeleteClosure(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		c, err := loadClosure(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Closure{}, id).Error; err != nil {
			return err
		}
		return log.record(ctx, tx, s.now(), audit.Delete, ObjectClosure, id, c, nil)
	})
}

// closureOffice returns the office a closure belongs to: that of its
// department (EINVALID on department_id when unknown), else the office.
func closureOffice(tx *gorm.DB, departmentID *int64) (int64, error) {
	if departmentID == nil {
		o, err := firstOffice(tx)
		if err != nil {
			return 0, err
		}
		return o.ID, nil
	}
	var d Department
	if err := tx.Select("id", "office_id").First(&d, "id = ?", *departmentID).Error; err != nil {
		return 0, departmentMissing(err, *departmentID)
	}
	return d.OfficeID, nil
}

func closureDepartmentGone(err error, departmentID *int64) error {
	if departmentID == nil {
		return err
	}
	return departmentGone(err, *departmentID)
}
