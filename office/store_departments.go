package office

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// Departments lists the departments by position then id; with services=true
// each carries its services offered (by position then id; archived ones
// left out).
func (s *Store) Departments(ctx context.Context, withServices bool) ([]Department, error) {
	db := s.db.WithContext(ctx)
	deps := []Department{}
	if err := db.Order("position, id").Find(&deps).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	if !withServices || len(deps) == 0 {
		return deps, nil
	}
	var svcs []Service
	if err := db.Where("archived_at IS NULL").Order("position, id").Find(&svcs).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	byDept := map[int64][]Service{}
	for _, sv := range svcs {
		byDept[sv.DepartmentID] = append(byDept[sv.DepartmentID], sv)
	}
	for i := range deps {
		deps[i].Services = byDept[deps[i].ID]
		if deps[i].Services == nil {
			deps[i].Services = []Service{}
		}
	}
	return deps, nil
}

// Department returns one department. ENOTFOUND.
func (s *Store) Department(ctx context.Context, id int64) (*Department, error) {
	if snap, err := s.snapshot(ctx); err != nil || snap != nil {
		if err != nil {
			return nil, err
		}
		return snap.departmentByID(id)
	}
	d, err := loadDepartment(s.db.WithContext(ctx), id)
	return d, storeError(err)
}

func loadDepartment(tx *gorm.DB, id int64) (*Department, error) {
	var d Department
	if err := tx.First(&d, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "department", id)
	}
	return &d, nil
}

// CreateDepartment validates and creates a department in the office.
// EINVALID naming fields; ECONFLICT with field ticket_prefix for a duplicate;
// ENOTFOUND when no office exists.
func (s *Store) CreateDepartment(ctx context.Context, spec DepartmentSpec) (*Department, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out Department
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		o, err := firstOffice(tx)
		if err != nil {
			return err
		}
		if err := checkPrefixFree(tx, o.ID, 0, spec.TicketPrefix); err != nil {
			return err
		}
		pos, err := nextPosition(tx, "departments", "office_id = ?", o.ID)
		if err != nil {
			return err
		}
		now := s.now()
		d := Department{OfficeID: o.ID, DepartmentSpec: spec, Position: pos, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&d).Error; err != nil {
			return prefixConflict(err, spec.TicketPrefix)
		}
		out = d
		return log.record(ctx, tx, now, audit.Create, ObjectDepartment, d.ID, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateDepartment loads the department, applies patch to its spec, validates
// and saves, in one transaction. Errors from patch are returned as they are.
// ENOTFOUND, EINVALID, ECONFLICT.
func (s *Store) UpdateDepartment(ctx context.Context, id int64, patch func(*DepartmentSpec) error) (*Department, error) {
	var out Department
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		before, err := loadDepartment(tx, id)
		if err != nil {
			return err
		}
		spec := before.DepartmentSpec
		spec.Hours = spec.Hours.normalized() // a deep copy: patch can't reach before
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		if err := checkPrefixFree(tx, before.OfficeID, id, spec.TicketPrefix); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&Department{}).Where("id = ?", id).Updates(map[string]any{
			"name":                  spec.Name,
			"name_en":               spec.NameEN,
			"name_uk":               spec.NameUK,
			"ticket_prefix":         spec.TicketPrefix,
			"last_ticket_minutes":   spec.LastTicketMinutes,
			"hours":                 spec.Hours,
			"priority_policy":       spec.PriorityPolicy,
			"booking_grace_minutes": spec.BookingGraceMinutes,
			"updated_at":            now,
		}).Error
		if err != nil {
			return prefixConflict(err, spec.TicketPrefix)
		}
		out = *before
		out.DepartmentSpec, out.UpdatedAt = spec, now
		return log.record(ctx, tx, now, audit.Update, ObjectDepartment, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteDepartment deletes a department (and its closures). ENOTFOUND;
// ECONFLICT while services or counters (also those serving it among
// others) still belong to it, or withdrawn matters with history do.
func (s *Store) DeleteDepartment(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		d, err := loadDepartment(tx, id)
		if err != nil {
			return err
		}
		var services, counters, archived int64
		if err := tx.Model(&Service{}).Where("department_id = ? AND archived_at IS NULL", id).Count(&services).Error; err != nil {
			return err
		}
		if err := tx.Model(&Counter{}).Where("department_id = ? OR id IN (SELECT counter_id FROM counter_departments WHERE department_id = ?)", id, id).Count(&counters).Error; err != nil {
			return err
		}
		if services > 0 || counters > 0 {
			return okienko.Errorf(okienko.ECONFLICT,
				"department %d still has %d services and %d counters; delete or move them first", id, services, counters)
		}
		if err := tx.Model(&Service{}).Where("department_id = ? AND archived_at IS NOT NULL", id).Count(&archived).Error; err != nil {
			return err
		}
		if archived > 0 {
			return okienko.Errorf(okienko.ECONFLICT,
				"department %d has %d withdrawn matters whose bookings and tickets are kept; it can't be deleted", id, archived)
		}
		if err := tx.Delete(&Department{}, id).Error; err != nil {
			if database.IsForeignKeyViolation(err) {
				return okienko.Errorf(okienko.ECONFLICT, "department %d is still in use", id)
			}
			return err
		}
		return log.record(ctx, tx, s.now(), audit.Delete, ObjectDepartment, id, d, nil)
	})
}

// checkPrefixFree returns ECONFLICT on ticket_prefix when another department
// of the office (not exceptID) uses prefix.
func checkPrefixFree(tx *gorm.DB, officeID, exceptID int64, prefix string) error {
	var other []Department
	err := tx.Where("office_id = ? AND ticket_prefix = ? AND id <> ?", officeID, prefix, exceptID).Limit(1).Find(&other).Error
	if err != nil {
		return err
	}
	if len(other) > 0 {
		return prefixTaken(prefix, other[0].Name)
	}
	return nil
}

func prefixTaken(prefix, by string) error {
	msg := fmt.Sprintf("ticket prefix %q is already used by another department", prefix)
	if by != "" {
		msg = fmt.Sprintf("ticket prefix %q is already used by department %q", prefix, by)
	}
	return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{"ticket_prefix": msg}}
}

// prefixConflict maps a unique violation (the office's prefixes) to the same
// ECONFLICT checkPrefixFree returns.
func prefixConflict(err error, prefix string) error {
	if database.IsUniqueViolation(err) {
		return prefixTaken(prefix, "")
	}
	return err
}
