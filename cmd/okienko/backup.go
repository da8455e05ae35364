package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/okienko/okienko/database"
)

// pgBackupHelp is what backup and restore say on PostgreSQL, where the
// database's own tools do the work.
func pgBackupHelp(file string) string {
	if file == "" {
		file = "okienko.dump"
	}
	return fmt.Sprintf(`on PostgreSQL, back up and restore with PostgreSQL's own tools:
  pg_dump -Fc -f %[1]s "$OKIENKO_DATABASE_URL"
  pg_restore --clean --if-exists --no-owner -d "$OKIENKO_DATABASE_URL" %[1]s
(pg_dump runs while the servers serve; stop them before pg_restore, and start them after: they migrate forward at start)`, file)
}

// backupCommand: okienko backup [-force] FILE — a consistent copy of the
// SQLite database, taken while the server runs.
func backupCommand(ctx context.Context, cfg *Config, args []string, stdout io.Writer) error {
	const use = "usage: okienko backup [-force] FILE"
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	force := fs.Bool("force", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error() + "\n" + use}
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		return usageError{use}
	}
	file := fs.Arg(0)
	if database.IsPostgres(cfg.DatabaseURL) {
		return usageError{pgBackupHelp(file)}
	}
	path, err := database.SQLitePath(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return usageError{err.Error()}
	}
	if _, err := os.Stat(path); err != nil {
		return usageError{fmt.Sprintf("no database to back up at %s (set OKIENKO_DATA_DIR or OKIENKO_DATABASE_URL as the server has them): %v", path, err)}
	}
	db, err := database.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer database.Close(db)
	c, err := database.Backup(ctx, db, file, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, migration %d, integrity ok)\n", path, c.Path, c.Bytes, c.Version)
	return nil
}

// restoreCommand: okienko restore FILE — the backup FILE in place of the
// SQLite database of a stopped server, migrated forward.
func restoreCommand(ctx context.Context, cfg *Config, args []string, log *slog.Logger, stdout io.Writer) error {
	const use = "usage: okienko restore FILE   (with the server stopped)"
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		return usageError{use}
	}
	file := args[0]
	if database.IsPostgres(cfg.DatabaseURL) {
		return usageError{pgBackupHelp(file)}
	}
	path, err := database.SQLitePath(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return usageError{err.Error()}
	}
	r, err := database.Restore(ctx, file, path, time.Now(), log)
	if err != nil {
		if errors.Is(err, database.ErrNewerSchema) {
			return usageError{err.Error()}
		}
		return err
	}
	if r.Previous != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", r.Previous)
	}
	fmt.Fprintf(stdout, "restored %s into %s (migration %d", file, path, r.From)
	if r.To != r.From {
		fmt.Fprintf(stdout, ", migrated forward to %d", r.To)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}
