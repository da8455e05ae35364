package display_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/officetest"
)

// The catalog follower on the in-process hub: the cache forgets what was
// changed behind the store's back when the follower starts, and again on
// every catalog.changed another instance publishes.
func TestFollowCatalogOnLocalHub(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		week := officetest.Anchor(t)
		// A clock that never moves: the cache's own age limit can't be what
		// makes it forget.
		clock := okienko.NewManualClock(week.At(0, 0, 10))
		offices, dep, _ := officetest.New(t, db, clock, nil)
		rename := func(name string) {
			t.Helper()
			if err := db.Exec("UPDATE departments SET name = ? WHERE id = ?", name, dep.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		name := func() string {
			t.Helper()
			d, err := offices.Department(ctx, dep.ID)
			if err != nil {
				t.Fatal(err)
			}
			return d.Name
		}
		// waitName reads until the store answers want (the follower runs
		// on its own goroutine), failing after the guard time.
		waitName := func(want string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for name() != want {
				if time.Now().After(deadline) {
					t.Fatalf("the store still answers %q, want %q", name(), want)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}

		name() // cached
		rename("Wydział przed śledzeniem")
		if got := name(); got == "Wydział przed śledzeniem" {
			t.Fatal("the cache read the database again without being told; the test proves nothing")
		}
		hub := display.NewLocalHub()
		go display.FollowCatalog(ctx, hub, offices)
		waitName("Wydział przed śledzeniem")

		// Another instance's catalog.changed: forgotten.
		loads := offices.CatalogLoads()
		rename("Wydział po zmianie")
		if got := name(); got == "Wydział po zmianie" {
			t.Fatal("the cache read the database again without being told")
		}
		hub.Publish([]event.Event{
			{ID: 1, Type: office.EventCatalogChanged, ObjectType: "department", ObjectID: dep.ID, Data: "{}"},
		})
		waitName("Wydział po zmianie")
		if n := offices.CatalogLoads() - loads; n < 1 {
			t.Fatalf("the catalog was loaded %d times after the change", n)
		}
	})
}
