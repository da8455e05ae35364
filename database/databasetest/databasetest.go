// Package databasetest gives tests real, migrated databases: a fresh SQLite
// file always, and a fresh PostgreSQL schema when TEST_DATABASE_URL is set.
// Under CI=true a missing TEST_DATABASE_URL fails the test instead of
// skipping it.
package databasetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
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
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := database.Open(database.SQLiteURL(path), "")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	if err := database.MigrateLogged(context.Background(), db, quiet); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
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
		url := database.SQLiteURL(filepath.Join(t.TempDir(), "test.db"))
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
