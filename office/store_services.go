package office

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// Services lists the services offered (archived ones left out) by position
// then id, of one department when departmentID > 0 (empty for an unknown
// department).
func (s *Store) Services(ctx context.Context, departmentID int64) ([]Service, error) {
	q := s.db.WithContext(ctx).Where("archived_at IS NULL").Order("position, id")
	if departmentID > 0 {
		q = q.Where("department_id = ?", departmentID)
	}
	out := []Service{}
	if err := q.Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// AllServices lists every service, archived ones too, by id: for naming
// the matters of records (tickets, bookings) kept after a matter was
// withdrawn.
func (s *Store) AllServices(ctx context.Context) ([]Service, error) {
	out := []Service{}
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// Service returns one service, an archived one too (see Service.Archived:
// the records that name it still read it). ENOTFOUND.
func (s *Store) Service(ctx context.Context, id int64) (*Service, error) {
	if snap, err := s.snapshot(ctx); err != nil || snap != nil {
		if err != nil {
			return nil, err
		}
		return snap.serviceByID(id)
	}
	sv, err := loadService(s.db.WithContext(ctx), id)
	return sv, storeError(err)
}

func loadService(tx *gorm.DB, id int64) (*Service, error) {
	var sv Service
	if err := tx.First(&sv, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "service", id)
	}
	return &sv, nil
}

// loadOffered is loadService for changes: an archived service is ENOTFOUND,
// as withdrawn from the panel.
func loadOffered(tx *gorm.DB, id int64) (*Service, error) {
	sv, err := loadService(tx, id)
	if err == nil && sv.Archived() {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "service %d not found", id)
	}
	return sv, err
}

// CreateService validates and creates a service, last in its department.
// EINVALID (also for an unknown department_id).
func (s *Store) CreateService(ctx context.Context, spec ServiceSpec) (*Service, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out Service
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		if err := checkDepartment(tx, spec.DepartmentID); err != nil {
			return err
		}
		pos, err := nextPosition(tx, "services", "department_id = ?", spec.DepartmentID)
		if err != nil {
			return err
		}
		now := s.now()
		sv := Service{ServiceSpec: spec, Position: pos, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&sv).Error; err != nil {
			return departmentGone(err, spec.DepartmentID)
		}
		out = sv
		return log.record(ctx, tx, now, audit.Create, ObjectService, sv.ID, nil, sv)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateService is UpdateDepartment for services: ENOTFOUND, EINVALID (also
// for an unknown department_id). A service moved to another department goes
// last there.
func (s *Store) UpdateService(ctx context.Context, id int64, patch func(*ServiceSpec) error) (*Service, error) {
	var out Service
	err := s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		before, err := loadOffered(tx, id)
		if err != nil {
			return err
		}
		spec := before.ServiceSpec
		if p := before.TicketPrefix; p != nil { // patched apart from before, which the audit records
			spec.TicketPrefix = new(string)
			*spec.TicketPrefix = *p
		}
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		out = *before
		if spec.DepartmentID != before.DepartmentID {
			if err := checkDepartment(tx, spec.DepartmentID); err != nil {
				return err
			}
			if out.Position, err = nextPosition(tx, "services", "department_id = ?", spec.DepartmentID); err != nil {
				return err
			}
		}
		now := s.now()
		err = tx.Model(&Service{}).Where("id = ?", id).Updates(map[string]any{
			"department_id":           spec.DepartmentID,
			"name":                    spec.Name,
			"slot_minutes":            spec.SlotMinutes,
			"capacity":                spec.Capacity,
			"booking_days_ahead":      spec.BookingDaysAhead,
			"lead_minutes":            spec.LeadMinutes,
			"checkin_early_minutes":   spec.CheckinEarlyMinutes,
			"checkin_grace_minutes":   spec.CheckinGraceMinutes,
			"max_active_per_pesel":    spec.MaxActivePerPESEL,
			"confirm_minutes":         spec.ConfirmMinutes,
			"offer_minutes":           spec.OfferMinutes,
			"description":             spec.Description,
			"instructions":            spec.Instructions,
			"name_en":                 spec.NameEN,
			"name_uk":                 spec.NameUK,
			"description_en":          spec.DescriptionEN,
			"description_uk":          spec.DescriptionUK,
			"instructions_en":         spec.InstructionsEN,
			"instructions_uk":         spec.InstructionsUK,
			"keywords":                spec.Keywords,
			"proof_of_work":           spec.ProofOfWork,
			"remote_tickets_per_day":  spec.RemoteTicketsPerDay,
			"remote_arrival_required": spec.RemoteArrivalRequired,
			"ticket_prefix":           spec.TicketPrefix,
			"position":                out.Position,
			"updated_at":              now,
		}).Error
		if err != nil {
			return departmentGone(err, spec.DepartmentID)
		}
		out.ServiceSpec, out.UpdatedAt = spec, now
		return log.record(ctx, tx, now, audit.Update, ObjectService, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteService withdraws a service from the catalog. One nothing refers to
// (no booking, no ticket, ever) is deleted with its form templates. One
// with history is archived instead (Service.ArchivedAt): the past bookings,
// tickets, statistics, audit entries and the notices still to be sent name
// it by its row, so the row stays; the catalog, search, kiosk, slots and
// the admin lists leave it out, counters stop serving it, and nothing new
// is booked or issued for it (the callers check Service.Archived).
// Bookings still to come must be cancelled first (FutureBookings,
// booking.Store.Cancel): with any left this is ECONFLICT. ENOTFOUND also
// for a service archived already.
func (s *Store) DeleteService(ctx context.Context, id int64) error {
	return s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		sv, err := loadOffered(tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		var live, history int64
		if err := tx.Table("bookings").Where("service_id = ? AND starts_at > ? AND (status = 'booked' OR (status = 'pending' AND confirm_by > ?))", id, now, now).Count(&live).Error; err != nil {
			return err
		}
		if live > 0 {
			return okienko.Errorf(okienko.ECONFLICT, "service %d still has %d bookings to come; cancel them first", id, live)
		}
		if err := tx.Table("bookings").Where("service_id = ?", id).Count(&history).Error; err != nil {
			return err
		}
		if history == 0 {
			if err := tx.Table("tickets").Where("service_id = ?", id).Count(&history).Error; err != nil {
				return err
			}
		}
		if history == 0 {
			if err := tx.Delete(&Service{}, id).Error; err != nil {
				if database.IsForeignKeyViolation(err) {
					return okienko.Errorf(okienko.ECONFLICT, "service %d is still in use", id)
				}
				return err
			}
			return log.record(ctx, tx, now, audit.Delete, ObjectService, id, sv, nil)
		}
		if err := tx.Model(&Service{}).Where("id = ?", id).Updates(map[string]any{"archived_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Where("service_id = ?", id).Delete(&counterService{}).Error; err != nil {
			return err
		}
		return log.record(ctx, tx, now, audit.Delete, ObjectService, id, sv, nil)
	})
}

// checkDepartment returns EINVALID on department_id unless department id
// exists.
func checkDepartment(tx *gorm.DB, id int64) error {
	ok, err := departmentExists(tx, id)
	if err != nil {
		return err
	}
	if !ok {
		return okienko.Invalid("department_id", fmt.Sprintf("department %d does not exist", id))
	}
	return nil
}

// departmentMissing maps gorm's not-found for department id to EINVALID on
// department_id.
func departmentMissing(err error, id int64) error {
	if database.IsNotFound(err) {
		return okienko.Invalid("department_id", fmt.Sprintf("department %d does not exist", id))
	}
	return err
}

// departmentGone maps a foreign-key failure (the department was deleted
// meanwhile) to the EINVALID checkDepartment returns.
func departmentGone(err error, id int64) error {
	if database.IsForeignKeyViolation(err) {
		return okienko.Invalid("department_id", fmt.Sprintf("department %d does not exist", id))
	}
	return err
}

// AnyProofOfWork reports whether any service asks for proof of work, so a
// form that serves every matter (the look-up by code, the cancelling by day)
// knows to solve a challenge. EINTERNAL.
func (s *Store) AnyProofOfWork(ctx context.Context) (bool, error) {
	if snap, err := s.snapshot(ctx); err != nil || snap != nil {
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(snap.services, func(sv Service) bool { return sv.ProofOfWork && !sv.Archived() }), nil
	}
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Service{}).Where("proof_of_work = ? AND archived_at IS NULL", true).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return false, okienko.Internal(fmt.Errorf("services asking for proof of work: %w", err))
	}
	return len(ids) > 0, nil
}
