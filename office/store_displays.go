package office

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// DisplayLangs are the languages a display speaks in.
var DisplayLangs = []string{"pl", "en", "uk"}

const (
	maxDisplayName        = 100
	MaxDisplayDepartments = 50
)

// DisplaySpec is what an administrator sets on a display: its name, the
// departments whose calls it shows (none: every department), the
// language it shows and speaks, and whether its sound is on: a display
// with Sound chimes and speaks from the start, without the touch a TV on
// a wall never gets (its browser must allow it, see README), and says so
// in a small hint when the browser refuses. Without Sound a display plays
// sound where its browser allows and asks for a touch where it doesn't.
type DisplaySpec struct {
	Name          string  `json:"name"`
	DepartmentIDs []int64 `json:"department_ids" gorm:"-"`
	Lang          string  `json:"lang"`
	Sound         bool    `json:"sound"`
}

// Display (tablica) is a hall TV. It opens Path and follows its spec.
type Display struct {
	ID       int64 `json:"id"`
	OfficeID int64 `json:"office_id"`
	DisplaySpec
	Path      string    `json:"path" gorm:"-"`
	CreatedAt time.Time `json:"-"`
	UpdatedAt time.Time `json:"-"`
}

// TableName is the table of displays.
func (Display) TableName() string { return "displays" }

// displayDepartment is one row of display_departments.
type displayDepartment struct {
	DisplayID    int64
	DepartmentID int64
}

func (displayDepartment) TableName() string { return "display_departments" }

// DefaultDisplaySpec is a display of every department in Polish.
func DefaultDisplaySpec() DisplaySpec { return DisplaySpec{Lang: "pl", DepartmentIDs: []int64{}} }

// Normalize trims the name, sorts and deduplicates the department ids and
// makes an empty language Polish.
func (s *DisplaySpec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.DepartmentIDs = idSet(s.DepartmentIDs)
	if s.Lang == "" {
		s.Lang = "pl"
	}
}

// Validate reports what is wrong with the spec as EINVALID with Fields keyed
// by JSON name, or nil. It does not check that the departments exist.
func (s DisplaySpec) Validate() error {
	s.Normalize()
	f := okienko.FieldErrors{}
	checkName(f, "name", s.Name, maxDisplayName)
	if !slices.Contains(DisplayLangs, s.Lang) {
		f.Add("lang", "must be one of "+strings.Join(DisplayLangs, ", "))
	}
	if len(s.DepartmentIDs) > MaxDisplayDepartments {
		f.Add("department_ids", fmt.Sprintf("a display can show at most %d departments, got %d", MaxDisplayDepartments, len(s.DepartmentIDs)))
	}
	checkIDs(f, "department_ids", "department", s.DepartmentIDs)
	return f.Err()
}

// DisplayPath is the address a display's TV opens.
func DisplayPath(id int64) string { return fmt.Sprintf("/display?display=%d", id) }

// Displays lists displays by id, each with its department ids ascending.
func (s *Store) Displays(ctx context.Context) ([]Display, error) {
	db := s.db.WithContext(ctx)
	out := []Display{}
	if err := db.Order("id").Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	var links []displayDepartment
	if err := db.Order("display_id, department_id").Find(&links).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	byDisplay := map[int64][]int64{}
	for _, l := range links {
		byDisplay[l.DisplayID] = append(byDisplay[l.DisplayID], l.DepartmentID)
	}
	for i := range out {
		out[i].DepartmentIDs = byDisplay[out[i].ID]
		if out[i].DepartmentIDs == nil {
			out[i].DepartmentIDs = []int64{}
		}
		out[i].Path = DisplayPath(out[i].ID)
	}
	return out, nil
}

// Display returns one display. ENOTFOUND.
func (s *Store) Display(ctx context.Context, id int64) (*Display, error) {
	d, err := loadDisplay(s.db.WithContext(ctx), id)
	return d, storeError(err)
}

func loadDisplay(tx *gorm.DB, id int64) (*Display, error) {
	var d Display
	if err := tx.First(&d, "id = ?", id).Error; err != nil {
		return nil, notFound(err, "display", id)
	}
	d.DepartmentIDs = []int64{}
	err := tx.Model(&displayDepartment{}).Where("display_id = ?", id).Order("department_id").Pluck("department_id", &d.DepartmentIDs).Error
	if d.DepartmentIDs == nil {
		d.DepartmentIDs = []int64{}
	}
	d.Path = DisplayPath(id)
	return &d, err
}

// CreateDisplay validates and creates a display in the office. EINVALID
// (also for unknown department ids), ECONFLICT when the name is taken.
func (s *Store) CreateDisplay(ctx context.Context, spec DisplaySpec) (*Display, error) {
	spec.Normalize()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	var out Display
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		o, err := firstOffice(tx)
		if err != nil {
			return err
		}
		if err := checkExist(tx, &Department{}, "department_ids", "department", "departments", spec.DepartmentIDs); err != nil {
			return err
		}
		now := s.now()
		d := Display{OfficeID: o.ID, DisplaySpec: spec, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&d).Error; err != nil {
			return displayNameTaken(err, spec.Name)
		}
		if err := setDisplayDepartments(tx, d.ID, spec.DepartmentIDs); err != nil {
			return err
		}
		d.Path = DisplayPath(d.ID)
		out = d
		return audit.Record(ctx, tx, now, audit.Create, ObjectDisplay, d.ID, nil, d)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateDisplay applies patch to the display's spec and stores it; the
// display then shows exactly the new departments. ENOTFOUND, EINVALID,
// ECONFLICT as CreateDisplay.
func (s *Store) UpdateDisplay(ctx context.Context, id int64, patch func(*DisplaySpec) error) (*Display, error) {
	var out Display
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		before, err := loadDisplay(tx, id)
		if err != nil {
			return err
		}
		spec := before.DisplaySpec
		spec.DepartmentIDs = slices.Clone(before.DepartmentIDs) // patch can't reach before
		if err := patch(&spec); err != nil {
			return patchError{err}
		}
		spec.Normalize()
		if err := spec.Validate(); err != nil {
			return err
		}
		if err := checkExist(tx, &Department{}, "department_ids", "department", "departments", spec.DepartmentIDs); err != nil {
			return err
		}
		now := s.now()
		err = tx.Model(&Display{}).Where("id = ?", id).Updates(map[string]any{
			"name": spec.Name, "lang": spec.Lang, "sound": spec.Sound, "updated_at": now,
		}).Error
		if err != nil {
			return displayNameTaken(err, spec.Name)
		}
		if err := tx.Where("display_id = ?", id).Delete(&displayDepartment{}).Error; err != nil {
			return err
		}
		if err := setDisplayDepartments(tx, id, spec.DepartmentIDs); err != nil {
			return err
		}
		out = *before
		out.DisplaySpec, out.UpdatedAt = spec, now
		return audit.Record(ctx, tx, now, audit.Update, ObjectDisplay, id, before, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteDisplay deletes a display; its TV falls back to every department.
// ENOTFOUND.
func (s *Store) DeleteDisplay(ctx context.Context, id int64) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		d, err := loadDisplay(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&Display{}, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Delete, ObjectDisplay, id, d, nil)
	})
}

func displayNameTaken(err error, name string) error {
	if database.IsUniqueViolation(err) {
		return okienko.Errorf(okienko.ECONFLICT, "a display named %q already exists", name)
	}
	return err
}

// setDisplayDepartments links display to each of ids; EINVALID on
// department_ids when one was deleted meanwhile.
func setDisplayDepartments(tx *gorm.DB, displayID int64, ids []int64) error {
	rows := make([]displayDepartment, len(ids))
	for i, id := range ids {
		rows[i] = displayDepartment{DisplayID: displayID, DepartmentID: id}
	}
	return insertLinks(tx, rows, "department_ids", "one of the departments no longer exists")
}
