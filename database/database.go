// Package database opens the configured database (an embedded SQLite file or
// PostgreSQL) and brings its schema up to date.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/migrations"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// SQLitePragmas are the connection settings every SQLite connection gets:
// waits instead of failing on a busy file, WAL, enforced foreign keys, and
// transactions that take the write lock at BEGIN so read-then-write
// transactions serialise instead of deadlocking. (The driver stops reading
// options after _time_format, so that one must never be added here; its
// default write format is the one we want anyway.)
const SQLitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// IsPostgres tells whether url selects PostgreSQL.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// SQLiteURL returns the DSN of the SQLite file at path with SQLitePragmas.
func SQLiteURL(path string) string {
	return "file:" + path + "?" + SQLitePragmas
}

// Open connects to databaseURL: a postgres:// URL selects PostgreSQL, an empty
// one the file okienko.db in dataDir (created with mode 0700 if missing),
// anything else is taken as an SQLite DSN. Times are read and written in UTC.
func Open(databaseURL, dataDir string) (*gorm.DB, error) {
	// No gorm PrepareStmt: on PostgreSQL pgx already prepares and caches
	// every statement per connection (its default query exec mode,
	// cache_statement, 512 statements); the SQLite driver
	// (glebarez/go-sqlite) parses a statement's text again at every
	// execution even when prepared, so gorm's cache saves nothing there
	// (measured: no change in CPU per booking).
	cfg := &gorm.Config{
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
	}
	if IsPostgres(databaseURL) {
		db, err := gorm.Open(postgres.New(postgres.Config{DSN: databaseURL}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return db, nil
	}
	dsn := databaseURL
	if dsn == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		dsn = SQLiteURL(filepath.Join(dataDir, "okienko.db"))
	}
	// Every user of the file holds a shared lock beside it for as long as
	// it has the database open, so that restore (which takes it
	// exclusively) can tell that the server is running.
	var held *os.File
	if path, ok := sqliteFile(dsn); ok {
		f, err := lockFile(path+".lock", false)
		if errors.Is(err, errLocked) {
			return nil, okienko.Errorf(okienko.ECONFLICT, "the database %s is being restored (okienko restore holds %s.lock); start again when it has finished", path, path)
		}
		if err != nil {
			return nil, fmt.Errorf("lock the database: %w", err)
		}
		held = f
	}
	db, err := openSQLite(dsn, cfg)
	if err != nil {
		if held != nil {
			held.Close()
		}
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if held != nil {
		heldLocks.Store(sqlDB, held)
	}
	// SQLite takes one writer at a time, and waiting writers poll unfairly:
	// under load some wait past any busy timeout. One connection makes Go's
	// pool the queue instead: fair, and no busy waits. (Never query db inside
	// a transaction on it: use the transaction.)
	sqlDB.SetMaxOpenConns(1)
	return db, nil
}

// openSQLite opens the SQLite database dsn without taking the lock beside
// it: for restore, which holds that lock itself.
func openSQLite(dsn string, cfg *gorm.Config) (*gorm.DB, error) {
	if cfg == nil {
		cfg = &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, TranslateError: true}
	}
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return db, nil
}

// heldLocks maps each open SQLite *sql.DB to the lock file Open took for
// it; Close releases it.
var heldLocks sync.Map

// sqliteFile returns the file an SQLite DSN names ("file:PATH?…" or
// "PATH?…"), and false for an in-memory database.
func sqliteFile(dsn string) (string, bool) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", false
	}
	return path, true
}

// SQLitePath returns the file of the SQLite database that databaseURL and
// dataDir select (as Open reads them). It fails with EINVALID for
// PostgreSQL or an in-memory database.
func SQLitePath(databaseURL, dataDir string) (string, error) {
	if IsPostgres(databaseURL) {
		return "", okienko.Errorf(okienko.EINVALID, "OKIENKO_DATABASE_URL selects PostgreSQL, not an SQLite file")
	}
	if databaseURL == "" {
		return filepath.Join(dataDir, "okienko.db"), nil
	}
	path, ok := sqliteFile(databaseURL)
	if !ok {
		return "", okienko.Errorf(okienko.EINVALID, "OKIENKO_DATABASE_URL names an in-memory SQLite database, which has no file")
	}
	return path, nil
}

// OnClock returns db with gorm's own timestamps (a created_at or updated_at
// a statement leaves out) taken from clock, so a store on an injected clock
// never writes the real time beside its own. Stores call it on the db they
// are given.
func OnClock(db *gorm.DB, clock okienko.Clock) *gorm.DB {
	return db.Session(&gorm.Session{NowFunc: func() time.Time { return clock.Now().UTC().Truncate(time.Microsecond) }})
}

// Dialect returns SQLite or Postgres for db.
func Dialect(db *gorm.DB) string {
	if db.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

// Migrate applies every pending migration of db's dialect, logging each to
// slog's default logger. On PostgreSQL it holds a session advisory lock, so
// instances starting together migrate once.
func Migrate(ctx context.Context, db *gorm.DB) error { return MigrateLogged(ctx, db, slog.Default()) }

// MigrateLogged is Migrate logging to log.
func MigrateLogged(ctx context.Context, db *gorm.DB, log *slog.Logger) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	p, err := provider(db, sqlDB)
	if err != nil {
		return err
	}
	// Migrations only go forward: a database a newer binary has migrated
	// may hold what this one doesn't know, so it is left alone.
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read the schema version: %w", err)
	}
	if latest := latestSource(p); current > latest {
		return fmt.Errorf("%w: the database is at migration %d, this binary knows up to %d; run the newer version of Okienko that migrated it, or restore a backup made by this version", ErrNewerSchema, current, latest)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Version returns the schema version db is at.
func Version(ctx context.Context, db *gorm.DB) (int64, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return 0, err
	}
	p, err := provider(db, sqlDB)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// ErrNewerSchema is returned by Migrate and Verify for a database migrated
// by a newer version of Okienko than this binary.
var ErrNewerSchema = errors.New("database schema newer than this binary")

// errLocked is lockFile's answer when another holder's lock conflicts.
var errLocked = errors.New("locked")

// Latest returns the highest migration version this binary has for
// dialect (SQLite or Postgres).
func Latest(dialect string) (int64, error) {
	names, err := fs.Glob(migrations.FS(dialect), "*.sql")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", name, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

func latestSource(p *goose.Provider) int64 {
	var latest int64
	for _, s := range p.ListSources() {
		latest = max(latest, s.Version)
	}
	return latest
}

func provider(db *gorm.DB, sqlDB *sql.DB) (*goose.Provider, error) {
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if Dialect(db) == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, sqlDB, migrations.FS(Dialect(db)), opts...)
}

// Close closes db's connections.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	err = sqlDB.Close()
	if f, ok := heldLocks.LoadAndDelete(sqlDB); ok {
		f.(*os.File).Close()
	}
	return err
}

// Redact returns databaseURL with any password replaced, for logs.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.User == nil {
		return databaseURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// IsNotFound reports gorm's record-not-found.
func IsNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// IsUniqueViolation reports a unique-constraint failure on either dialect.
func IsUniqueViolation(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsForeignKeyViolation reports a foreign-key failure on either dialect.
func IsForeignKeyViolation(err error) bool {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// IsUnavailable reports an error that says the database can't be reached
// (refused or dropped connections, a server going away, a pool closed)
// rather than that a statement went wrong: an outage, answered 503, not a
// bug.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	// pgx reports a connection it lost before or while sending as these.
	s := err.Error()
	return strings.Contains(s, "conn closed") || strings.Contains(s, "connection reset") ||
		strings.Contains(s, "broken pipe") || strings.Contains(s, "sql: database is closed")
}

var localLocks sync.Map // name → *sync.Mutex

// WithLock runs fn while holding the named lock across every instance on one
// PostgreSQL database (a transaction-scoped advisory lock, released when fn
// returns, also if the process dies). On SQLite, which one process owns, an
// in-process mutex per name does the same. fn does its own database work
// through db as usual.
func WithLock(ctx context.Context, db *gorm.DB, name string, fn func() error) error {
	if Dialect(db) != Postgres {
		m, _ := localLocks.LoadOrStore(name, &sync.Mutex{})
		m.(*sync.Mutex).Lock()
		defer m.(*sync.Mutex).Unlock()
		return fn()
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", "okienko:"+name).Error; err != nil {
			return fmt.Errorf("take lock %s: %w", name, err)
		}
		return fn()
	})
}

// Transaction runs fn in a transaction of db and returns what a store
// method returns: nil, fn's *okienko.Error as it is, or anything else
// (the database's own errors) as EINTERNAL.
func Transaction(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return okienko.ErrorOrInternal(db.WithContext(ctx).Transaction(fn))
}
