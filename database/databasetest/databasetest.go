// Package databasetest gives tests real, migrated databases: a fresh SQLite
// file always, and a fresh PostgreSQL schema when TEST_DATABASE_URL is set.
// Under CI=true a missing TEST_DATABASE_URL fails the test instead of
// skipping it.
package databasetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/migrations"
)

// quiet drops the migration log: every test migrates a fresh database.
var quiet = slog.New(slog.DiscardHandler)

// Each runs fn as a subtest on every available database: "sqlite" always,
// "postgres" when TEST_DATABASE_URL is set.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Both returns a migrated SQLite database and, when TEST_DATABASE_URL is
// set, a migrated PostgreSQL one, named by dialect, for tests that can't
// run as subtests (fuzz targets). Under CI=true a missing TEST_DATABASE_URL
// fails t.
func Both(t testing.TB) map[string]*gorm.DB {
	t.Helper()
	dbs := map[string]*gorm.DB{"sqlite": SQLite(t)}
	if os.Getenv("TEST_DATABASE_URL") != "" || os.Getenv("CI") == "true" {
		dbs["postgres"] = Postgres(t)
	}
	return dbs
}

// SQLite returns a migrated database in a new file under t.TempDir().
func SQLite(t testing.TB) *gorm.DB {
	t.Helper()
	path := SQLitePath(t)
	db, err := database.Open(database.SQLiteURL(path), "")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	// The copy is migrated already; this checks it is and applies nothing.
	if err := database.MigrateLogged(context.Background(), db, quiet); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// SQLitePath returns the path of a new, migrated SQLite file under
// t.TempDir(): a copy of the template the migrations make once per
// version of them (see sqliteTemplate).
func SQLitePath(t testing.TB) string {
	t.Helper()
	template, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("sqlite template: %v", err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := copyTemplate(template, path); err != nil {
		t.Fatalf("copy the sqlite template: %v", err)
	}
	return path
}

// remaking serialises making a template again (copyTemplate).
var remaking sync.Mutex

// copyTemplate copies the template at template to the new file to,
// making the template again first if it is gone: the test run of another
// checkout (other migrations) removed it as stale.
func copyTemplate(template, to string) error {
	err := copyFile(template, to)
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	remaking.Lock()
	defer remaking.Unlock()
	if _, err := os.Stat(template); errors.Is(err, fs.ErrNotExist) {
		if err := makeSQLiteTemplate(template); err != nil {
			return err
		}
	}
	return copyFile(template, to)
}

// template is the migrated SQLite file tests copy. Migrating a new file
// takes about 2 s under -race (the SQLite engine is transpiled C, checked
// on every pointer), copying it a millisecond; a package's tests make
// hundreds of databases.
var template struct {
	once sync.Once
	path string
	err  error
}

// sqliteTemplate returns the path of a migrated SQLite file in the
// system's temporary directory, named by a hash of the SQLite migrations,
// so test processes share it and a changed migration makes a new one. It
// is written under another name and renamed into place, so a process
// never copies a half-written template.
func sqliteTemplate() (string, error) {
	template.once.Do(func() {
		sum, err := migrationsSum(database.SQLite)
		if err != nil {
			template.err = err
			return
		}
		path := filepath.Join(os.TempDir(), "okienko-test-sqlite-"+sum+".db")
		if _, err := os.Stat(path); err == nil {
			template.path = path
			return
		}
		template.path, template.err = path, makeSQLiteTemplate(path)
		if template.err == nil {
			removeStaleTemplates(filepath.Dir(path), path, time.Now())
		}
	})
	return template.path, template.err
}

// staleTemplate is how long a template of other migrations stays unchanged
// before a test run that makes a new one removes it: a test run of another
// checkout using it meanwhile makes it again (copyTemplate).
const staleTemplate = time.Hour

// removeStaleTemplates removes from dir the templates other than keep last
// written before now less staleTemplate, so templates of past versions of
// the migrations don't pile up in the temporary directory. Failures are
// ignored: another process may be removing them too.
func removeStaleTemplates(dir, keep string, now time.Time) {
	paths, _ := filepath.Glob(filepath.Join(dir, "okienko-test-sqlite-*.db"))
	for _, p := range paths {
		if p == keep {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) > staleTemplate {
			_ = os.Remove(p)
		}
	}
}

// migrationsSum is a short hash of the names and contents of dialect's
// migrations.
func migrationsSum(dialect string) (string, error) {
	h := sha256.New()
	fsys := migrations.FS(dialect)
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return "", err
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// makeSQLiteTemplate migrates a new SQLite file and renames it to path.
func makeSQLiteTemplate(path string) error {
	dir, err := os.MkdirTemp(filepath.Dir(path), "okienko-test-sqlite-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "template.db")
	db, err := database.Open(database.SQLiteURL(tmp), "")
	if err != nil {
		return err
	}
	err = database.MigrateLogged(context.Background(), db, quiet)
	if cerr := database.Close(db); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The last connection's close checkpoints the write-ahead log into
	// the file and removes it; a copy of the file alone is then whole.
	if _, err := os.Stat(tmp + "-wal"); err == nil {
		return fmt.Errorf("the template's write-ahead log %s-wal outlived its connections", tmp)
	}
	return os.Rename(tmp, path)
}

// copyFile copies the file at from to a new file at to.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// PostgresURL returns the URL of a new, empty schema on the server of
// TEST_DATABASE_URL, dropped when the test ends. Without TEST_DATABASE_URL it
// skips the test, or fails it under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_DATABASE_URL is not set; CI requires PostgreSQL")
		}
		t.Skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
	}
	admin, err := database.Open(base, "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		_ = database.Close(admin)
		t.Fatalf("create schema (is PostgreSQL running at TEST_DATABASE_URL?): %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = database.Close(admin)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated database in a new schema (see PostgresURL).
func Postgres(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := database.Open(PostgresURL(t), "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.MigrateLogged(context.Background(), db, quiet); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

// EachURL runs fn as a subtest on every available database, like Each, but
// hands it the URL of a migrated database, for tests of several instances
// (each opens its own connections with Open) and of subprocesses.
func EachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		url := database.SQLiteURL(SQLitePath(t))
		Open(t, url)
		fn(t, url)
	})
	t.Run("postgres", func(t *testing.T) {
		url := PostgresURL(t)
		Open(t, url)
		fn(t, url)
	})
}

// Open opens and migrates the database at url (migrating an up-to-date
// database does nothing), closed when the test ends.
func Open(t testing.TB, url string) *gorm.DB {
	t.Helper()
	db, err := database.Open(url, "")
	if err != nil {
		t.Fatalf("open %s: %v", database.Redact(url), err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.MigrateLogged(context.Background(), db, quiet); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}
