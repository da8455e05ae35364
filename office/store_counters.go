package office

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// Counters lists counters by id, each with its department and service ids
// in ascending order.
func (s *Store) Counters(ctx context.Context) ([]Counter, error) {
	db := s.db.WithContext(ctx)
	out := []Counter{}
	if err := db.Order("id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var links []counterService
	if err := db.Order("counter_id, service_id").Find(&links).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var deps []counterDepartment
	if err := db.Order("counter_id, department_id").Find(&deps).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	byCounter := map[int64][]int64{}
	for _, l := range links {
		byCounter[l.CounterID] = append(byCounter[l.CounterID], l.ServiceID)
	}
	depsOf := map[int64][]int64{}
	for _, l := range deps {
		depsOf[l.CounterID] = append(depsOf[l.CounterID], l.DepartmentID)
	}
	for i := range out {
		out[i].ServiceIDs = byCounter[out[i].ID]
		if out[i].ServiceIDs == nil {
			out[i].ServiceIDs = []int64{}
		}
		out[i].DepartmentIDs = depsOf[out[i].ID]
		if out[i].DepartmentIDs == nil { // not written by this version
			out[i].DepartmentIDs = []int64{out[i].DepartmentID}
		}
	}
	return out, nil
}

// Counter returns one counter with its service ids in ascending order.
// ENOTFOUND.
func (s *Store) Counter(ctx context.Context, id int64) (*Counter, error) {
	c, err := loadCounter(s.db.WithContext(ctx), id)
	return c, storeError(err)
}

func loadCounter(tx *gorm.DB, id int64) (*Counter, error) {
	var c Counter
	if err := tx.First(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "counter", id)
	}
	c.ServiceIDs = []int64{}
	err := tx.Model(&counterService{}).Where("counter_id = ?", id).Order("service_id").Pluck("service_id", &c.ServiceIDs).Error
	if c.ServiceIDs == nil {
		c.ServiceIDs = []int64{}
	}
	if err != nil {
		return nil, err
	}
	err = tx.Model(&counterDepartment{}).Where("counter_id = ?", id).Order("department_id").Pluck("department_id", &c.DepartmentIDs).Error
	if len(c.DepartmentIDs) == 0 {
		c.DepartmentIDs = []int64{c.DepartmentID}
	}
	return &c, err
}

// CreateCounter validates and creates a counter of spec.DepartmentIDs
// serving spec.ServiceIDs (deduplicated), matters of those departments.
// EINVALID (also for unknown department or service ids, archived matters
// and matters of other departments).
func (s *Store) CreateCounter(ctx context.Context, spec CounterSpec) (*Counter, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out Counter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := checkDepartments(tx, spec.DepartmentIDs); err != nil {
			return err
		}
		if err := checkServices(tx, spec.DepartmentIDs, spec.ServiceIDs); err != nil {
			return err
		}
		now := s.now()
		c := Counter{CounterSpec: spec, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return departmentGone(err, spec.DepartmentID)
		}
		if err := setCounterServices(tx, c.ID, spec.ServiceIDs); err != nil {
			return err
		}
		if err := setCounterDepartments(tx, c.ID, spec.DepartmentIDs); err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, tx, now, audit.Create, ObjectCounter, c.ID, nil, c)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateCounter is UpdateDepartment for counters; the counter then serves
// exactly the new department and service ids. A patch that changes only
// department_id moves the counter to that one department (as before
// counters served several); one that changes only department_ids keeps
// the primary department if it is still among them, else takes the first.
// ENOTFOUND, EINVALID (also for unknown department or service ids,
// archived matters and matters of departments the counter doesn't serve).
func (s *Store) UpdateCounter(ctx context.Context, id int64, patch func(*CounterSpec) error) (*Counter, error) {
	var out Counter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		before, err := loadCounter(tx, id)
		if err != nil {
			return err
		}
		spec := before.CounterSpec
		spec.ServiceIDs = append([]int64{}, before.ServiceIDs...) // copies: patch can't reach before
		spec.DepartmentIDs = append([]int64{}, before.DepartmentIDs...)
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		movedPrimary := spec.DepartmentID != before.DepartmentID
		spec.DepartmentIDs = idSet(spec.DepartmentIDs)
		changedSet := !slices.Equal(spec.DepartmentIDs, before.DepartmentIDs)
		switch {
		case movedPrimary && !changedSet:
			spec.DepartmentIDs = []int64{spec.DepartmentID}
		case changedSet && !movedPrimary && len(spec.DepartmentIDs) > 0 && !slices.Contains(spec.DepartmentIDs, spec.DepartmentID):
			spec.DepartmentID = spec.DepartmentIDs[0]
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		if err := checkDepartments(tx, spec.DepartmentIDs); err != nil {
			return err
		}
		if err := checkServices(tx, spec.DepartmentIDs, spec.ServiceIDs); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&Counter{}).Where("id = ?", id).Updates(map[string]any{
			"department_id": spec.DepartmentID,
			"name":          spec.Name,
			"label":         spec.Label,
			"updated_at":    now,
		}).Error
		if err != nil {
			return departmentGone(err, spec.DepartmentID)
		}
		if err := tx.Where("counter_id = ?", id).Delete(&counterService{}).Error; err != nil {
			return err
		}
		if err := setCounterServices(tx, id, spec.ServiceIDs); err != nil {
			return err
		}
		if err := tx.Where("counter_id = ?", id).Delete(&counterDepartment{}).Error; err != nil {
			return err
		}
		if err := setCounterDepartments(tx, id, spec.DepartmentIDs); err != nil {
			return err
		}
		out = *before
		out.CounterSpec, out.UpdatedAt = spec, now
		return audit.Record(ctx, tx, now, audit.Update, ObjectCounter, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteCounter deletes a counter. ENOTFOUND; ECONFLICT while other records
// (tickets) still refer to it.
func (s *Store) DeleteCounter(ctx context.Context, id int64) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		c, err := loadCounter(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Counter{}, id).Error; err != nil {
			if database.IsForeignKeyViolation(err) {
				return okienko.Errorf(okienko.ECONFLICT, "counter %d is still in use", id)
			}
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Delete, ObjectCounter, id, c, nil)
	})
}

// checkDepartments returns EINVALID naming the departments of ids that
// don't exist: on department_id for a counter of one department (as
// before counters served several), else on department_ids.
func checkDepartments(tx *gorm.DB, ids []int64) error {
	if len(ids) == 1 {
		return checkDepartment(tx, ids[0])
	}
	return checkExist(tx, &Department{}, "department_ids", "department", "departments", ids)
}

// checkServices returns EINVALID on service_ids naming the ids that don't
// exist or are archived, or that are matters of other departments than
// departmentIDs.
func checkServices(tx *gorm.DB, departmentIDs []int64, ids []int64) error {
	if err := checkExist(tx, &Service{}, "service_ids", "service", "services", ids); err != nil || len(ids) == 0 {
		return err
	}
	var archived []int64
	if err := tx.Model(&Service{}).Where("id IN ? AND archived_at IS NOT NULL", ids).Order("id").Limit(1).Pluck("id", &archived).Error; err != nil {
		return err
	}
	if len(archived) > 0 {
		return okienko.Invalid("service_ids", fmt.Sprintf("service %d has been withdrawn", archived[0]))
	}
	var others []int64
	if err := tx.Model(&Service{}).Where("id IN ? AND department_id NOT IN ?", ids, departmentIDs).Order("id").Pluck("id", &others).Error; err != nil {
		return err
	}
	switch len(others) {
	case 0:
		return nil
	case 1:
		return okienko.Invalid("service_ids", fmt.Sprintf("a counter serves the matters of its own departments; service %d is another's", others[0]))
	}
	names := make([]string, len(others))
	for i, id := range others {
		names[i] = fmt.Sprint(id)
	}
	return okienko.Invalid("service_ids", "a counter serves the matters of its own departments; services "+strings.Join(names, ", ")+" are another's")
}

// setCounterDepartments links counter to each of ids; EINVALID on
// department_ids when one was deleted meanwhile.
func setCounterDepartments(tx *gorm.DB, counterID int64, ids []int64) error {
	rows := make([]counterDepartment, len(ids))
	for i, id := range ids {
		rows[i] = counterDepartment{CounterID: counterID, DepartmentID: id}
	}
	return insertLinks(tx, rows, "department_ids", "one of the departments no longer exists")
}

// checkExist returns EINVALID on field naming those of ids that have no row
// in model's table (one, many: the words for one and several of them).
func checkExist(tx *gorm.DB, model any, field, one, many string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var found []int64
	if err := tx.Model(model).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return err
	}
	if len(found) == len(ids) {
		return nil
	}
	exists := map[int64]bool{}
	for _, id := range found {
		exists[id] = true
	}
	var missing []string
	for _, id := range ids {
		if !exists[id] {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	if len(missing) == 1 {
		return okienko.Invalid(field, one+" "+missing[0]+" does not exist")
	}
	return okienko.Invalid(field, many+" "+strings.Join(missing, ", ")+" do not exist")
}

// setCounterServices links counter to each of ids; EINVALID on service_ids
// when one was deleted meanwhile.
func setCounterServices(tx *gorm.DB, counterID int64, ids []int64) error {
	rows := make([]counterService, len(ids))
	for i, id := range ids {
		rows[i] = counterService{CounterID: counterID, ServiceID: id}
	}
	return insertLinks(tx, rows, "service_ids", "one of the services no longer exists")
}

// insertLinks inserts the rows of a link table; EINVALID on field saying
// gone when a row names an object deleted meanwhile.
func insertLinks[L any](tx *gorm.DB, rows []L, field, gone string) error {
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		if database.IsForeignKeyViolation(err) {
			return okienko.Invalid(field, gone)
		}
		return err
	}
	return nil
}
