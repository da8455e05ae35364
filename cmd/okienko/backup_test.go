package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
)

// cli runs the program with vars as its environment and returns its exit
// code, standard output and standard error.
func cli(vars map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env(vars), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// getJSONFrom is getJSON for a resident at addr behind the trusted proxy.
func getJSONFrom(client *http.Client, url, addr string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// openFile opens the SQLite file at path as the server does, without
// migrating it; closed when the test ends.
func openFile(t *testing.T, path string) *gorm.DB {
	t.Helper()
	db, err := database.Open(database.SQLiteURL(path), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

func count(t *testing.T, db *gorm.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkLoad fails t unless booking_load holds exactly the live bookings of
// db, span by span: the seat path keeps both in one transaction, so a
// consistent copy has them agree.
func checkLoad(t *testing.T, db *gorm.DB) {
	t.Helper()
	type span struct {
		ServiceID int64
		StartsAt  string
		EndsAt    string
		N         int64
	}
	var booked, load []span
	if err := db.Raw(`SELECT service_id, CAST(starts_at AS TEXT) AS starts_at, CAST(ends_at AS TEXT) AS ends_at, count(*) AS n FROM bookings
		WHERE status IN ('booked', 'checked_in') GROUP BY service_id, starts_at, ends_at ORDER BY 1, 2, 3`).Scan(&booked).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT service_id, CAST(starts_at AS TEXT) AS starts_at, CAST(ends_at AS TEXT) AS ends_at, n FROM booking_load
		WHERE n > 0 ORDER BY 1, 2, 3`).Scan(&load).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(booked) != fmt.Sprint(load) {
		t.Fatalf("booking_load disagrees with the bookings:\nbookings %v\nload     %v", booked, load)
	}
}

// A backup taken while residents book holds every booking answered before
// it began, and its bookings and seat counts agree; the server refuses a
// restore into its running data directory; restored into a new one, the
// server starts on it and serves exactly the backup's bookings.
func TestBackupRestoreUnderBookingStorm(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	vars := func(dir string) map[string]string {
		return map[string]string{
			"OKIENKO_DATA_DIR": dir, "OKIENKO_LISTEN": "127.0.0.1:0", "OKIENKO_BASE_URL": "http://okienko.test",
			"OKIENKO_SECRET": "backup-test-secret-0123456789abcdef", "OKIENKO_ADMIN_PASSWORD": "backup-test-password",
			"OKIENKO_TRUSTED_PROXIES": "127.0.0.1", "OKIENKO_LOG_LEVEL": "warn",
		}
	}
	a := startInstance(t, "a", vars(dirA))
	client := residentClient(6)
	const residents, backupAfter = 300, 80
	seats, err := freeSeats(client, a.base(), residents)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu        sync.Mutex
		committed []string // codes, in the order their 201 arrived
		next      atomic.Int64
		wg        sync.WaitGroup
		errs      = make(chan error, residents)
		reached   = make(chan struct{})
		once      sync.Once
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < residents; i = int(next.Add(1) - 1) {
				code, err := resident(2000+i).book(client, a.base(), seats[i], false)
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				committed = append(committed, code)
				if len(committed) == backupAfter {
					once.Do(func() { close(reached) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-reached:
	case <-time.After(3 * time.Minute):
		t.Fatalf("%d bookings not made within 3 minutes", backupAfter)
	}
	mu.Lock()
	before := append([]string(nil), committed...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "okienko-backup.db")
	began := time.Now()
	code, out, errOut := cli(vars(dirA), "backup", file)
	took := time.Since(began)
	mu.Lock()
	during := len(committed) - len(before)
	mu.Unlock()
	if code != 0 || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup: exit %d: %s %s", code, out, errOut)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("backup took %v; %d bookings answered before it began, %d while it ran, %d in all", took, len(before), during, len(committed))

	backup := openFile(t, file)
	inBackup := count(t, backup, "SELECT count(*) FROM bookings WHERE status = 'booked'")
	if inBackup < int64(len(before)) || inBackup > int64(len(committed)) {
		t.Fatalf("the backup holds %d bookings; %d were answered before it began, %d in all", inBackup, len(before), len(committed))
	}
	var missing []string
	for _, c := range before {
		if count(t, backup, "SELECT count(*) FROM bookings WHERE code = ?", strings.ReplaceAll(c, "-", "")) != 1 {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the backup lacks bookings answered before it began: %v", missing)
	}
	checkLoad(t, backup)
	var codes []string
	if err := backup.Raw("SELECT code FROM bookings WHERE status = 'booked'").Scan(&codes).Error; err != nil {
		t.Fatal(err)
	}
	_ = database.Close(backup)
	if _, err := database.Verify(context.Background(), file); err != nil {
		t.Fatal(err)
	}

	// Not into the data directory of the running server.
	if code, _, errOut := cli(vars(dirA), "restore", file); code != 1 || !strings.Contains(errOut, "in use by a running server") {
		t.Fatalf("restore into the running server's directory: exit %d: %s", code, errOut)
	}
	if kept, _ := filepath.Glob(filepath.Join(dirA, "okienko.db.before-restore-*")); len(kept) != 0 {
		t.Fatalf("the refused restore moved the database: %v", kept)
	}
	a.kill()

	// Into the killed server's directory, its write-ahead log left behind:
	// the database kept holds every booking, the log folded in.
	if code, _, errOut := cli(vars(dirA), "restore", file); code != 0 {
		t.Fatalf("restore after a kill: exit %d: %s", code, errOut)
	}
	kept, _ := filepath.Glob(filepath.Join(dirA, "okienko.db.before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("kept after the restore: %v", kept)
	}
	if _, err := database.Verify(context.Background(), kept[0]); err != nil {
		t.Fatal(err)
	}
	if n := count(t, openFile(t, kept[0]), "SELECT count(*) FROM bookings WHERE status = 'booked'"); n != int64(len(committed)) {
		t.Fatalf("the database kept holds %d bookings, %d were made", n, len(committed))
	}
	if n := count(t, openFile(t, filepath.Join(dirA, "okienko.db")), "SELECT count(*) FROM bookings WHERE status = 'booked'"); n != inBackup {
		t.Fatalf("the restored database holds %d bookings, the backup %d", n, inBackup)
	}

	code, out, errOut = cli(vars(dirB), "restore", file)
	if code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d: %s %s", code, out, errOut)
	}
	b := startInstance(t, "b", vars(dirB))
	restored := openFile(t, filepath.Join(dirB, "okienko.db"))
	if n := count(t, restored, "SELECT count(*) FROM bookings WHERE status = 'booked'"); n != inBackup {
		t.Fatalf("the restored server has %d bookings, the backup %d", n, inBackup)
	}
	checkLoad(t, restored)
	inSet := make(map[string]bool, len(codes))
	for _, c := range codes {
		inSet[booking.FormatCode(c)] = true
	}
	var served, absent int
	for i, c := range committed {
		var got struct {
			Status string `json:"status"`
		}
		// Each looks up their own booking, from their own address.
		err := getJSONFrom(client, b.base()+"/api/v1/bookings/"+c, resident(2000+i).addr(), &got)
		switch {
		case inSet[c] && (err != nil || got.Status != "booked"):
			t.Errorf("booking %s of the backup: %v %q", c, err, got.Status)
		case inSet[c]:
			served++
		case err == nil || !strings.Contains(err.Error(), ": 404 "):
			t.Errorf("booking %s, made after the backup, is served by the restored server: %v", c, err)
		default:
			absent++
		}
	}
	if served != int(inBackup) {
		t.Errorf("the restored server serves %d of the backup's %d bookings", served, inBackup)
	}
	t.Logf("the restored server serves the backup's %d bookings; %d made after it are absent", served, absent)
}

// backup refuses to replace a file unless -force, and points PostgreSQL
// at pg_dump; restore refuses a file that is no database, one a newer
// version migrated, and leaves the database alone when it refuses; it
// keeps the database it replaces.
func TestBackupRestoreRefusals(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	vars := map[string]string{"OKIENKO_DATA_DIR": dir}
	if code, _, errOut := cli(vars, "backup", filepath.Join(elsewhere, "x.db")); code != 2 || !strings.Contains(errOut, "no database to back up") {
		t.Fatalf("backup of no database: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(vars, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	file := filepath.Join(elsewhere, "copy.db")
	if code, _, errOut := cli(vars, "backup", file); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	if code, _, errOut := cli(vars, "backup", file); code != 1 || !strings.Contains(errOut, "exists; choose another name or add -force") {
		t.Fatalf("backup over a file: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(vars, "backup", "-force", file); code != 0 {
		t.Fatalf("backup -force: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(vars, "backup"); code != 2 || !strings.Contains(errOut, "usage: okienko backup") {
		t.Fatalf("backup without a file: exit %d: %s", code, errOut)
	}
	entries, _ := os.ReadDir(elsewhere)
	if len(entries) != 1 {
		t.Fatalf("backups left files beside the copy: %v", entries)
	}

	pg := map[string]string{"OKIENKO_DATABASE_URL": "postgres://okienko:secret@db.example/okienko"}
	for _, cmd := range []string{"backup", "restore"} {
		code, _, errOut := cli(pg, cmd, "okienko.dump")
		if code != 2 || !strings.Contains(errOut, `pg_dump -Fc -f okienko.dump "$OKIENKO_DATABASE_URL"`) ||
			!strings.Contains(errOut, `pg_restore --clean --if-exists --no-owner -d "$OKIENKO_DATABASE_URL" okienko.dump`) || strings.Contains(errOut, "secret") {
			t.Fatalf("%s on PostgreSQL: exit %d: %s", cmd, code, errOut)
		}
	}

	junk := filepath.Join(elsewhere, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, only text"), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(elsewhere, "newer.db")
	if code, _, errOut := cli(vars, "backup", newer); code != 0 {
		t.Fatal(errOut)
	}
	latest, err := database.Latest(database.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	db := openFile(t, newer)
	if err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, true)", latest+1).Error; err != nil {
		t.Fatal(err)
	}
	_ = database.Close(db)
	for file, want := range map[string]string{junk: "is not an SQLite database", newer: fmt.Sprintf("is at migration %d, this binary knows up to %d", latest+1, latest),
		filepath.Join(elsewhere, "none.db"): "no such file"} {
		code, _, errOut := cli(vars, "restore", file)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("restore %s: exit %d, want %q: %s", filepath.Base(file), code, want, errOut)
		}
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "okienko.db.before-restore-*")); len(kept) != 0 {
		t.Fatalf("a refused restore moved the database: %v", kept)
	}

	code, out, errOut := cli(vars, "restore", file)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, errOut)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "okienko.db.before-restore-*"))
	if len(kept) != 1 || !strings.Contains(out, kept[0]) {
		t.Fatalf("the replaced database is not kept as said: %v\n%s", kept, out)
	}
	if _, err := database.Verify(context.Background(), kept[0]); err != nil {
		t.Fatalf("the kept database: %v", err)
	}
}

// A binary never runs on a database a newer version migrated: migrate and
// serve stop with a message saying so, and leave it alone.
func TestRefusesNewerSchema(t *testing.T) {
	latest, err := database.Latest(database.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if pgLatest, err := database.Latest(database.Postgres); err != nil || pgLatest != latest {
		t.Fatalf("the dialects' latest migrations differ: %d %d %v", latest, pgLatest, err)
	}
	databasetest.EachURL(t, func(t *testing.T, url string) {
		db := databasetest.Open(t, url)
		if err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, true)", latest+1).Error; err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{"OKIENKO_DATABASE_URL": url, "OKIENKO_DATA_DIR": t.TempDir(), "OKIENKO_LISTEN": "127.0.0.1:0"}
		want := fmt.Sprintf("the database is at migration %d, this binary knows up to %d", latest+1, latest)
		for _, cmd := range []string{"migrate", "serve"} {
			code, _, errOut := cli(vars, cmd)
			if code != 1 || !strings.Contains(errOut, want) {
				t.Errorf("%s: exit %d, want %q: %s", cmd, code, want, errOut)
			}
		}
		if v, err := database.Version(context.Background(), db); err != nil || v != latest+1 {
			t.Fatalf("the database's version is now %d (%v)", v, err)
		}
	})
}

// upgradeFixture is the manifest make-upgrade-fixture.sh writes beside the
// database of an earlier release.
type upgradeFixture struct {
	Commit        string `json:"commit"`
	Secret        string `json:"secret"`
	AdminPassword string `json:"admin_password"`
	Bookings      []struct {
		Code, PESEL, Status string
	} `json:"bookings"`
	Tickets []string `json:"tickets"`
	Clerk   struct {
		Username, Password string
	} `json:"clerk"`
}

// The database the previous release made (at migration 21: the demo
// office, three bookings, one cancelled, two walk-in tickets, an added
// clerk) is restored and migrated forward to this binary's schema with
// nothing lost: the server starts on it and serves the bookings and
// tickets, and the clerk signs in.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	var fx upgradeFixture
	b, err := os.ReadFile("testdata/upgrade-00021.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Open("testdata/upgrade-00021.db.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer zf.Close()
	zr, err := gzip.NewReader(zf)
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "previous-release.db")
	f, err := os.Create(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, io.LimitReader(zr, 64<<20)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if v, err := database.Verify(context.Background(), old); err != nil || v != 21 {
		t.Fatalf("the fixture: version %d, %v", v, err)
	}
	before := openFile(t, old)
	tables := []string{"bookings", "tickets", "users", "services", "departments", "counters", "kiosks", "outbox"}
	counts := map[string]int64{}
	for _, table := range tables {
		counts[table] = count(t, before, "SELECT count(*) FROM "+table)
	}
	_ = database.Close(before)

	dir := t.TempDir()
	vars := map[string]string{
		"OKIENKO_DATA_DIR": dir, "OKIENKO_LISTEN": "127.0.0.1:0", "OKIENKO_BASE_URL": "http://okienko.test",
		"OKIENKO_SECRET": fx.Secret, "OKIENKO_ADMIN_PASSWORD": fx.AdminPassword, "OKIENKO_LOG_LEVEL": "warn",
	}
	latest, _ := database.Latest(database.SQLite)
	code, out, errOut := cli(vars, "restore", old)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("(migration 21, migrated forward to %d)", latest)) {
		t.Fatalf("restore: exit %d: %s %s", code, out, errOut)
	}
	db := openFile(t, filepath.Join(dir, "okienko.db"))
	for _, table := range tables {
		if n := count(t, db, "SELECT count(*) FROM "+table); n != counts[table] {
			t.Errorf("%s: %d rows after the upgrade, %d before", table, n, counts[table])
		}
	}
	checkLoad(t, db)
	_ = database.Close(db)

	srv := startInstance(t, "upgraded", vars)
	client := residentClient(2)
	for _, bk := range fx.Bookings {
		var got struct {
			Code   string `json:"code"`
			Status string `json:"status"`
		}
		if err := getJSON(client, srv.base()+"/api/v1/bookings/"+bk.Code, &got); err != nil || got.Status != bk.Status {
			t.Errorf("booking %s: %+v %v, want %s", bk.Code, got, err, bk.Status)
		}
	}
	for _, id := range fx.Tickets {
		var got struct {
			Status string `json:"status"`
		}
		if err := getJSON(client, srv.base()+"/api/v1/tickets/"+id, &got); err != nil || got.Status == "" {
			t.Errorf("ticket %s: %+v %v", id, got, err)
		}
	}
	for user, password := range map[string]string{fx.Clerk.Username: fx.Clerk.Password, "admin": fx.AdminPassword} {
		body, _ := json.Marshal(map[string]string{"username": user, "password": password})
		resp, err := client.Post(srv.base()+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s signs in after the upgrade: %d %s", user, resp.StatusCode, answer)
		}
	}
}
