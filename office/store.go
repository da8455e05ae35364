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
	"github.com/okienko/okienko/event"
)

// Object types of the audit records the Store writes.
const (
	ObjectOffice      = "office"
	ObjectDepartment  = "department"
	ObjectService     = "service"
	ObjectClosure     = "closure"
	ObjectCounter     = "counter"
	ObjectDisplay     = "display"
	ObjectAttachment  = "attachment"
	ObjectPauseReason = "pause_reason"
)

// Store reads and changes the catalog. Every method owns its transaction;
// every change writes an audit record (audit.Record) in the same transaction,
// with the actor from the context (okienko.ActorFrom). Reads run as single
// statements outside a transaction, so they never take SQLite's write lock.
//
// What the calendar reads (Office, Department, Service, AnyProofOfWork and
// the inputs of OpeningDays: a department with its hours, its office, the
// closures) is answered from one in-memory snapshot of those tables, shared
// by every copy of the Store (WithTx, Uncached); the lists (Departments,
// Services, Closures) and everything else read the database. The snapshot
// is forgotten on every change:
//   - a change by the Store's own transaction: after it commits, before the
//     method returns, on this instance; on every instance (this one again)
//     when its EventCatalogChanged event arrives through the hub (OnCommit,
//     Heard);
//   - a change through WithTx(tx) on a transaction opened by
//     Store.Transaction: the same, after that transaction commits;
//   - a change through WithTx(tx) on any other transaction: at once, on this
//     instance only (the cache cannot see that commit; the events reach no
//     hub); reads on that transaction pass the cache from then on.
//
// A load that began before a forgetting never stores what it read, so a
// reader racing a change cannot leave the rows of before in the cache. A
// snapshot answers at most a minute (the backstop for a lost event). Reads
// that must see the committed catalog of this instant use Uncached.
type Store struct {
	db       *gorm.DB
	clock    okienko.Clock
	cache    *catalogCache
	uncached bool
}

// NewStore returns a Store over db.
func NewStore(db *gorm.DB, clock okienko.Clock) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock, cache: newCatalogCache()}
}

// WithTx returns a Store whose methods run on tx, for callers that need
// catalog reads or changes inside their own transaction; the changing methods'
// transactions become savepoints of tx. Its reads are answered from the
// cache (loading it on tx when needed) until a change is made on tx; see
// Store for when a change made on tx is forgotten.
func (s *Store) WithTx(tx *gorm.DB) *Store {
	return &Store{db: tx, clock: s.clock, cache: s.cache, uncached: s.uncached}
}

// Uncached returns a Store whose reads always go to the database, for the
// checks that must see the committed catalog of this instant (the seat path
// reads the service's capacity and slot length under its lock with it).
// Its changes forget the cache like any other.
func (s *Store) Uncached() *Store {
	return &Store{db: s.db, clock: s.clock, cache: s.cache, uncached: true}
}

// now is the store's clock in UTC, at the microsecond precision both
// databases keep.
func (s *Store) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Microsecond)
}

// patchError carries an error returned by a caller's patch function through
// the transaction, to be returned as it is.
type patchError struct{ err error }

func (e patchError) Error() string { return e.err.Error() }

// Transaction runs fn in one database transaction, for work that spans
// stores (each given the transaction with WithTx); fn's error rolls it back.
// Catalog changes made in it through WithTx(tx) are forgotten and published
// after it commits.
func (s *Store) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if _, inTx := s.db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return s.transaction(ctx, fn) // a savepoint of a transaction already tracked or not
	}
	st := &txState{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pool := tx.Statement.ConnPool
		s.cache.mu.Lock()
		s.cache.open[pool] = st
		s.cache.mu.Unlock()
		defer func() {
			s.cache.mu.Lock()
			delete(s.cache.open, pool)
			s.cache.mu.Unlock()
		}()
		return fn(tx)
	})
	st.mu.Lock()
	changed, events := st.changed, st.events
	st.mu.Unlock()
	if changed {
		s.cache.forget()
		if err == nil {
			s.published(events)
		}
	}
	return storeError(err)
}

// transaction runs fn in a transaction and turns whatever fails into an
// *okienko.Error (EINTERNAL for the unexpected); patch errors pass unchanged.
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return storeError(s.db.WithContext(ctx).Transaction(fn))
}

// changeLog collects the catalog events of one change's transaction.
type changeLog struct {
	events []event.Event
}

// record writes the audit record of a catalog change and its
// EventCatalogChanged event on tx.
func (l *changeLog) record(ctx context.Context, tx *gorm.DB, at time.Time, action, objectType string, id int64, before, after any) error {
	if err := audit.Record(ctx, tx, at, action, objectType, id, before, after); err != nil {
		return err
	}
	e, err := event.Add(ctx, tx, at, EventCatalogChanged, objectType, id, map[string]string{"action": action})
	if err != nil {
		return err
	}
	l.events = append(l.events, *e)
	return nil
}

// change runs fn, a change of the cached catalog, in the store's
// transaction (a savepoint under WithTx) and forgets the cache as the Store
// type promises: after its own commit, after the commit of a transaction of
// Store.Transaction, or at once for another caller's transaction.
func (s *Store) change(ctx context.Context, fn func(tx *gorm.DB, log *changeLog) error) error {
	log := &changeLog{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(tx, log) })
	if len(log.events) == 0 {
		return storeError(err)
	}
	pool := s.db.Statement.ConnPool
	if _, inTx := pool.(gorm.TxCommitter); !inTx {
		s.cache.forget() // committed, or rolled back: forgetting costs one load
		if err == nil {
			s.published(log.events)
		}
		return storeError(err)
	}
	s.cache.mu.Lock()
	st := s.cache.open[pool]
	s.cache.mu.Unlock()
	if st != nil {
		st.mu.Lock()
		st.changed = true
		if err == nil {
			st.events = append(st.events, log.events...)
		}
		st.mu.Unlock()
		return storeError(err)
	}
	s.cache.markDirty(pool)
	s.cache.forget()
	return storeError(err)
}

// published hands events to the OnCommit hook, if any.
func (s *Store) published(events []event.Event) {
	s.cache.mu.Lock()
	fn := s.cache.publish
	s.cache.mu.Unlock()
	if fn != nil && len(events) > 0 {
		fn(events)
	}
}

func storeError(err error) error {
	if err == nil {
		return nil
	}
	var pe patchError
	if errors.As(err, &pe) {
		return pe.err
	}
	return okienko.ErrorOrInternal(err)
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
	if snap, err := s.snapshot(ctx); err != nil || snap != nil {
		if err != nil {
			return nil, err
		}
		return snap.firstOffice()
	}
	o, err := firstOffice(s.db.WithContext(ctx))
	return o, storeError(err)
}

// MaxOffices bounds the offices Offices lists.
const MaxOffices = 1000

// Offices lists the offices by id, at most MaxOffices.
func (s *Store) Offices(ctx context.Context) ([]Office, error) {
	out := []Office{}
	if err := s.db.WithContext(ctx).Order("id").Limit(MaxOffices).Find(&out).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return out, nil
}

// OfficeByID returns office id. ENOTFOUND.
func (s *Store) OfficeByID(ctx context.Context, id int64) (*Office, error) {
	if snap, err := s.snapshot(ctx); err != nil || snap != nil {
		if err != nil {
			return nil, err
		}
		return snap.officeByID(id)
	}
	var o Office
	if err := s.db.WithContext(ctx).First(&o, "id = ?", id).Error; err != nil {
		return nil, storeError(notFound(err, "office", id))
	}
	return &o, nil
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
	return s.change(ctx, func(tx *gorm.DB, log *changeLog) error {
		now := s.now()
		row := *o
		row.ID, row.CreatedAt, row.UpdatedAt = 0, now, now
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := log.record(ctx, tx, now, audit.Create, ObjectOffice, row.ID, nil, row); err != nil {
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
