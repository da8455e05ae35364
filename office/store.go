package office

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// Object types of the audit records the Store writes.
const (
	ObjectOffice     = "office"
	ObjectDepartment = "department"
	ObjectService    = "service"
	ObjectClosure    = "closure"
	ObjectCounter    = "counter"
	ObjectDisplay    = "display"
	ObjectAttachment = "attachment"
)

// Store reads and changes the catalog. Every method owns its transaction;
// every change writes an audit record (audit.Record) in the same transaction,
// with the actor from the context (okienko.ActorFrom). Reads run as single
// statements outside a transaction, so they never take SQLite's write lock.
type Store struct {
	db    *gorm.DB
	clock okienko.Clock
}

// NewStore returns a Store over db.
func NewStore(db *gorm.DB, clock okienko.Clock) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock}
}

// WithTx returns a Store whose methods run on tx, for callers that need
// catalog reads or changes inside their own transaction; the changing methods'
// transactions become savepoints of tx.
func (s *Store) WithTx(tx *gorm.DB) *Store {
	return &Store{db: tx, clock: s.clock}
}

// Uncached returns a Store whose reads always go to the database, for the
// checks that must see the committed catalog of this instant (the seat path
// reads the service's capacity and slot length under its lock with it).
// Until the catalog is cached it is s itself.
func (s *Store) Uncached() *Store { return s }

// now is the store's clock in UTC, at the microsecond precision both
// databases keep.
func (s *Store) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Microsecond)
}

// patchError carries an error returned by a caller's patch function through
// the transaction, to be returned as it is.
type patchError struct{ err error }

func (e patchError) Error() string { return e.err.Error() }

// transaction runs fn in a transaction and turns whatever fails into an
// *okienko.Error (EINTERNAL for the unexpected); patch errors pass unchanged.
// Transaction runs fn in one database transaction, for work that spans
// stores (each given the transaction with WithTx); fn's error rolls it back.
func (s *Store) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.transaction(ctx, fn)
}

func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return storeError(s.db.WithContext(ctx).Transaction(fn))
}

func storeError(err error) error {
	if err == nil {
		return nil
	}
	var pe patchError
	if errors.As(err, &pe) {
		return pe.err
	}
	var e *okienko.Error
	if errors.As(err, &e) {
		return e
	}
	return okienko.Internal(err)
}

// notFound returns ENOTFOUND "<what> <id> not found" for gorm's not-found,
// else err.
func notFound(err error, what string, id int64) error {
	if database.IsNotFound(err) {
		return okienko.Errorf(okienko.ENOTFOUND, "%s %d not found", what, id)
	}
	return err
}

// Office returns the office (the first one; one office per installation for
// now). ENOTFOUND when none exists.
func (s *Store) Office(ctx context.Context) (*Office, error) {
	o, err := firstOffice(s.db.WithContext(ctx))
	return o, storeError(err)
}

func firstOffice(tx *gorm.DB) (*Office, error) {
	var o Office
	if err := tx.Order("id").First(&o).Error; err != nil {
		if database.IsNotFound(err) {
			return nil, okienko.Errorf(okienko.ENOTFOUND, "no office has been set up")
		}
		return nil, err
	}
	return &o, nil
}

// CreateOffice creates an office (used by the demo seed and tests). An empty
// time zone becomes Europe/Warsaw. EINVALID for a missing name or an unknown
// time zone.
func (s *Store) CreateOffice(ctx context.Context, o *Office) error {
	o.Name = strings.TrimSpace(o.Name)
	o.Address = strings.TrimSpace(o.Address)
	if o.TimeZone == "" {
		o.TimeZone = "Europe/Warsaw"
	}
	f := okienko.FieldErrors{}
	checkName(f, "name", o.Name, maxDepartmentName)
	if _, err := time.LoadLocation(o.TimeZone); err != nil || o.TimeZone == "Local" {
		f.Add("time_zone", "must be an IANA time zone such as Europe/Warsaw, got "+o.TimeZone)
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		row := *o
		row.ID, row.CreatedAt, row.UpdatedAt = 0, now, now
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, audit.Create, ObjectOffice, row.ID, nil, row); err != nil {
			return err
		}
		*o = row
		return nil
	})
}

// nextPosition returns one more than the largest position in table among
// rows matching where (1 for the first row).
func nextPosition(tx *gorm.DB, table, where string, arg any) (int, error) {
	var max int
	err := tx.Table(table).Where(where, arg).Select("COALESCE(MAX(position), 0)").Scan(&max).Error
	return max + 1, err
}

// departmentExists reports whether department id exists, read on tx.
func departmentExists(tx *gorm.DB, id int64) (bool, error) {
	var n int64
	err := tx.Model(&Department{}).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}
