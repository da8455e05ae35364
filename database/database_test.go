package database_test

import (
	"context"
	"io/fs"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/migrations"
)

// Migrations from empty on both dialects reach the newest version and leave
// the tables the code relies on; running them again changes nothing.
func TestMigrateFromEmpty(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		v, err := database.Version(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if v < 1 {
			t.Fatalf("version after migrate = %d, want >= 1", v)
		}
		for _, table := range []string{"offices", "departments", "services", "closures", "counters", "counter_services", "users", "sessions", "kiosks", "rate_counters", "audit_log"} {
			if !db.Migrator().HasTable(table) {
				t.Errorf("table %s missing after migrate", table)
			}
		}
		if err := database.Migrate(ctx, db); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		v2, _ := database.Version(ctx, db)
		if v2 != v {
			t.Fatalf("version moved from %d to %d on a second migrate", v, v2)
		}
	})
}

func TestRedact(t *testing.T) {
	got := database.Redact("postgres://okienko:s3cret@db:5432/okienko")
	if got != "postgres://okienko:xxxxx@db:5432/okienko" {
		t.Fatalf("Redact = %q", got)
	}
}

// Every SQLite transaction takes the write lock at BEGIN (_txlock=immediate),
// so read-then-write transactions serialise instead of failing: while one is
// open, even an empty one, another connection cannot write.
func TestSQLiteTransactionsBeginImmediate(t *testing.T) {
	path := t.TempDir() + "/lock.db"
	db, err := database.Open(database.SQLiteURL(path), "")
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	if err := database.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	other, err := database.Open("file:"+path+"?_pragma=busy_timeout(0)", "")
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(other)

	tx := db.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	err = other.Exec("INSERT INTO rate_counters (key, hits, window_end) VALUES ('k', 1, '2030-01-01 00:00:00+00:00')").Error
	tx.Rollback()
	if err == nil {
		t.Fatal("another connection wrote while a transaction was open: transactions don't begin immediate")
	}
	if err := other.Exec("INSERT INTO rate_counters (key, hits, window_end) VALUES ('k', 1, '2030-01-01 00:00:00+00:00')").Error; err != nil {
		t.Fatalf("write after the transaction ended: %v", err)
	}
}

// Two instances starting at once migrate once: both succeed and the schema
// ends at one version (goose's session locker on PostgreSQL).
func TestMigrateConcurrently(t *testing.T) {
	url := databasetest.PostgresURL(t)
	errs := make(chan error, 2)
	dbs := make([]*gorm.DB, 2)
	for i := range dbs {
		db, err := database.Open(url, "")
		if err != nil {
			t.Fatal(err)
		}
		defer database.Close(db)
		dbs[i] = db
	}
	for _, db := range dbs {
		go func() { errs <- database.Migrate(context.Background(), db) }()
	}
	for range dbs {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	var applied int64
	if err := dbs[0].Raw("SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied).Error; err != nil {
		t.Fatal(err)
	}
	var files int64
	entries, _ := fs.ReadDir(migrations.FS(database.Postgres), ".")
	files = int64(len(entries))
	if applied != files {
		t.Fatalf("%d migrations recorded, want %d (each applied once)", applied, files)
	}
}

// WithLock serialises holders across connections: two holders that each
// read, pause inside the lock and write never interleave.
func TestWithLockSerialises(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		inside := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 2)
		var order []int
		var mu sync.Mutex
		hold := func(n int, wait bool) {
			done <- database.WithLock(context.Background(), db, "test", func() error {
				mu.Lock()
				order = append(order, n)
				mu.Unlock()
				if wait {
					close(inside)
					<-release
				}
				mu.Lock()
				order = append(order, n)
				mu.Unlock()
				return nil
			})
		}
		go hold(1, true)
		<-inside
		go hold(2, false)
		close(release)
		for i := 0; i < 2; i++ {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if len(order) != 4 || order[0] != order[1] || order[2] != order[3] {
			t.Fatalf("holders interleaved: %v", order)
		}
	})
}

// office is a row of offices with the timestamps gorm fills by itself.
type office struct {
	ID        int64
	Name      string
	TimeZone  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (office) TableName() string { return "offices" }

// A store on an injected clock writes its clock's time where gorm fills a
// timestamp itself (created_at, or updated_at left out of an update), never
// the real time; the plain db still writes the real time.
func TestOnClock(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		at := time.Date(2041, 7, 4, 10, 30, 0, 123456000, time.UTC)
		clock := okienko.NewManualClock(at)
		clocked := database.OnClock(db, clock)
		o := office{Name: "Urząd", TimeZone: "Europe/Warsaw"}
		if err := clocked.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		err := clocked.Transaction(func(tx *gorm.DB) error {
			return tx.Model(&office{}).Where("id = ?", o.ID).Updates(map[string]any{"name": "Urząd Miasta"}).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		var got office
		if err := db.Take(&got, o.ID).Error; err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(at) || !got.UpdatedAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("created %v, updated %v; want %v and an hour later", got.CreatedAt, got.UpdatedAt, at)
		}
		if err := db.Model(&office{}).Where("id = ?", o.ID).Updates(map[string]any{"name": "Urząd Gminy"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Take(&got, o.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.Year() == 2041 {
			t.Fatalf("the plain db wrote the injected time %v", got.UpdatedAt)
		}
	})
}
