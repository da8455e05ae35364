package databasetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/okienko/okienko/database"
)

// Templates of other migrations untouched for over an hour are removed;
// the one in use, recent ones (another checkout's run may be using them)
// and other files stay.
func TestRemoveStaleTemplates(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2031, 5, 14, 12, 0, 0, 0, time.UTC)
	files := map[string]time.Duration{ // name → age
		"okienko-test-sqlite-0000000000000001.db": 0,                // kept: in use
		"okienko-test-sqlite-0000000000000002.db": 3 * time.Hour,    // stale
		"okienko-test-sqlite-0000000000000003.db": 59 * time.Minute, // recent
		"okienko.db": 5 * time.Hour, // not a template
	}
	for name, age := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleTemplates(dir, filepath.Join(dir, "okienko-test-sqlite-0000000000000001.db"), now)
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone, want := os.IsNotExist(err), name == "okienko-test-sqlite-0000000000000002.db"; gone != want {
			t.Errorf("%s: removed %v, want %v", name, gone, want)
		}
	}
}

// A template removed meanwhile is made again before it is copied, and the
// copy is a migrated database.
func TestCopyTemplateMakesAGoneOneAgain(t *testing.T) {
	template := filepath.Join(t.TempDir(), "okienko-test-sqlite-gone.db")
	to := filepath.Join(t.TempDir(), "test.db")
	if err := copyTemplate(template, to); err != nil {
		t.Fatal(err)
	}
	db, err := database.Open(database.SQLiteURL(to), "")
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	var n int64
	if err := db.Raw("SELECT count(*) FROM bookings").Scan(&n).Error; err != nil {
		t.Fatalf("the copy is not migrated: %v", err)
	}
}
