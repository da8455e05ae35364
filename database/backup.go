package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Copy describes a verified SQLite copy of the database.
type Copy struct {
	Path    string
	Version int64 // the migration it is at
	Bytes   int64
}

// Backup writes a consistent copy of the SQLite database db (from Open) to
// dest while the server keeps serving: VACUUM INTO a temporary file beside
// dest (one read transaction, so one moment of the database; writers go
// on), which is then verified (Verify) and renamed to dest. An existing
// dest is an ECONFLICT unless force; PostgreSQL is an EINVALID (pg_dump
// does that). On any failure dest is left as it was and the temporary file
// removed.
func Backup(ctx context.Context, db *gorm.DB, dest string, force bool) (Copy, error) {
	if Dialect(db) == Postgres {
		return Copy{}, okienko.Errorf(okienko.EINVALID, "backup copies SQLite databases; use pg_dump for PostgreSQL")
	}
	if st, err := os.Stat(dest); err == nil {
		if st.IsDir() {
			return Copy{}, okienko.Errorf(okienko.EINVALID, "%s is a directory; name the backup file", dest)
		}
		if !force {
			return Copy{}, okienko.Errorf(okienko.ECONFLICT, "%s exists; choose another name or add -force to replace it", dest)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return Copy{}, err
	}
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	// VACUUM INTO wants a new or empty file: CreateTemp gives a unique one.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return Copy{}, fmt.Errorf("create the backup file: %w", err)
	}
	tmp := f.Name()
	f.Close()
	done := false
	defer func() {
		if !done {
			removeSQLite(tmp)
		}
	}()
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", tmp).Error; err != nil {
		return Copy{}, fmt.Errorf("copy the database: %w", err)
	}
	// The copy is one self-contained file: no write-ahead log beside it.
	if err := setJournalDelete(tmp); err != nil {
		return Copy{}, err
	}
	version, err := Verify(ctx, tmp)
	if err != nil {
		return Copy{}, fmt.Errorf("the copy failed verification: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return Copy{}, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return Copy{}, err
	}
	done = true
	if err := syncDir(dir); err != nil {
		return Copy{}, err
	}
	st, err := os.Stat(dest)
	if err != nil {
		return Copy{}, err
	}
	return Copy{Path: dest, Version: version, Bytes: st.Size()}, nil
}

// Verify checks that the file at path is a sound Okienko SQLite database
// this binary can run: SQLite's integrity check and foreign-key check
// pass, and the migrations table is there and not newer than this binary
// (ErrNewerSchema). It returns the migration the file is at; a file that
// isn't such a database is an EINVALID naming what is wrong. It changes
// nothing in the file.
func Verify(ctx context.Context, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	header := make([]byte, 16)
	_, err = io.ReadFull(f, header)
	f.Close()
	if err != nil || !bytes.Equal(header, []byte("SQLite format 3\x00")) {
		return 0, okienko.Errorf(okienko.EINVALID, "%s is not an SQLite database", path)
	}
	db, err := openSQLite("file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)", nil)
	if err != nil {
		return 0, err
	}
	defer closeQuietly(db)
	db = db.WithContext(ctx)
	var problems []string
	if err := db.Raw("PRAGMA integrity_check(20)").Scan(&problems).Error; err != nil {
		return 0, fmt.Errorf("%s: integrity check: %w", path, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return 0, okienko.Errorf(okienko.EINVALID, "%s is damaged: %s", path, strings.Join(problems, "; "))
	}
	var orphans []struct {
		Table  string
		Rowid  *int64
		Parent string
	}
	if err := db.Raw("PRAGMA foreign_key_check").Scan(&orphans).Error; err != nil {
		return 0, fmt.Errorf("%s: foreign key check: %w", path, err)
	}
	if len(orphans) > 0 {
		o := orphans[0]
		return 0, okienko.Errorf(okienko.EINVALID, "%s has %d rows pointing at missing rows (first: a row of %s pointing at %s)", path, len(orphans), o.Table, o.Parent)
	}
	var tables int64
	if err := db.Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'").Scan(&tables).Error; err != nil {
		return 0, err
	}
	if tables == 0 {
		return 0, okienko.Errorf(okienko.EINVALID, "%s is an SQLite database but not Okienko's: it has no migrations table (goose_db_version)", path)
	}
	var version int64
	if err := db.Raw("SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&version).Error; err != nil {
		return 0, err
	}
	latest, err := Latest(SQLite)
	if err != nil {
		return 0, err
	}
	if version > latest {
		return version, fmt.Errorf("%w: %s is at migration %d, this binary knows up to %d; restore it with the version of Okienko that made it", ErrNewerSchema, path, version, latest)
	}
	if version == 0 {
		return 0, okienko.Errorf(okienko.EINVALID, "%s has no migration applied", path)
	}
	return version, nil
}

// Restored tells what Restore did.
type Restored struct {
	From     int64  // the migration the backup was at
	To       int64  // the migration the database is at now
	Previous string // where the database it replaced was kept; "" if there was none
}

// Restore puts the backup at src in place of the SQLite database at dbPath,
// which no process may have open: it verifies src (Verify), takes the lock
// every user of dbPath holds (an ECONFLICT while the server or another
// command has it), keeps the database it replaces as
// dbPath.before-restore-<UTC time of now>, and migrates the restored copy
// forward to this binary's schema, logging to log. src itself is only read.
func Restore(ctx context.Context, src, dbPath string, now time.Time, log *slog.Logger) (Restored, error) {
	from, err := Verify(ctx, src)
	if err != nil {
		return Restored{}, err
	}
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dbPath); err == nil && os.SameFile(a, b) {
			return Restored{}, okienko.Errorf(okienko.EINVALID, "%s is the database itself; restore a backup file", src)
		}
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Restored{}, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockFile(dbPath+".lock", true)
	if errors.Is(err, errLocked) {
		return Restored{}, okienko.Errorf(okienko.ECONFLICT, "%s is in use by a running server or another okienko command; stop it first: restore goes into a stopped data directory", dbPath)
	}
	if err != nil {
		return Restored{}, fmt.Errorf("lock the database: %w", err)
	}
	defer lock.Close()

	tmp, err := copyBeside(src, dbPath)
	if err != nil {
		return Restored{}, err
	}
	placed := false
	defer func() {
		if !placed {
			removeSQLite(tmp)
		}
	}()
	out := Restored{From: from}
	if _, err := os.Stat(dbPath); err == nil {
		// Opening and closing the old database folds a write-ahead log a
		// stopped server left into the file, so the kept copy is whole.
		if old, err := openSQLite(SQLiteURL(dbPath), nil); err == nil {
			_ = old.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
			closeQuietly(old)
		}
		out.Previous = dbPath + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, out.Previous+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return Restored{}, fmt.Errorf("keep the previous database: %w", err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return Restored{}, err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return Restored{}, err
	}
	placed = true
	if err := syncDir(dir); err != nil {
		return Restored{}, err
	}
	db, err := openSQLite(SQLiteURL(dbPath), nil)
	if err != nil {
		return out, err
	}
	defer closeQuietly(db)
	if err := MigrateLogged(ctx, db, log); err != nil {
		return out, err
	}
	if out.To, err = Version(ctx, db); err != nil {
		return out, err
	}
	return out, nil
}

// copyBeside copies src to a new temporary file in dst's directory, on
// disk when it returns, and returns its name.
func copyBeside(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".restore-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("copy the backup: %w", err)
	}
	return out.Name(), nil
}

// setJournalDelete leaves the SQLite file at path in rollback-journal mode.
func setJournalDelete(path string) error {
	db, err := openSQLite("file:"+path+"?_pragma=busy_timeout(5000)", nil)
	if err != nil {
		return err
	}
	defer closeQuietly(db)
	var mode string
	if err := db.Raw("PRAGMA journal_mode=DELETE").Scan(&mode).Error; err != nil {
		return fmt.Errorf("set the copy's journal mode: %w", err)
	}
	return nil
}

func closeQuietly(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}

// removeSQLite removes the SQLite file at path and any journal beside it.
func removeSQLite(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems can't sync a directory; the rename stands anyway.
	_ = d.Sync()
	return nil
}
