package demo_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/ratelimit"
)

type stores struct {
	db      *gorm.DB
	offices *office.Store
	users   *auth.Store
}

func newStores(db *gorm.DB) stores {
	clock := okienko.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return stores{
		db:      db,
		offices: office.NewStore(db, clock),
		users:   auth.NewStore(db, clock, ratelimit.New(db, clock)),
	}
}

// seededTables are every table the seed may write to.
var seededTables = []string{
	"offices", "departments", "services", "counters", "counter_services",
	"users", "kiosks", "audit_log",
}

func rowCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	counts := map[string]int64{}
	for _, table := range seededTables {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

func TestSeedCreatesDemoOffice(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := newStores(db)

		creds, err := demo.Seed(ctx, s.offices, s.users, "")
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if creds == nil {
			t.Fatal("Seed on an empty database returned no credentials")
		}
		if !creds.Generated {
			t.Error("Generated = false, want true without an administrator password")
		}
		if creds.AdminUser != "admin" || creds.ClerkUser != "urzednik" {
			t.Errorf("users = %q, %q; want admin, urzednik", creds.AdminUser, creds.ClerkUser)
		}
		if len(creds.AdminPassword) < 12 || len(creds.ClerkPassword) < 12 {
			t.Errorf("generated passwords %q, %q are too short", creds.AdminPassword, creds.ClerkPassword)
		}
		if creds.AdminPassword == creds.ClerkPassword {
			t.Error("admin and clerk got the same generated password")
		}
		if creds.KioskToken == "" {
			t.Error("no kiosk token")
		}

		o, err := s.offices.Office(ctx)
		if err != nil {
			t.Fatalf("Office: %v", err)
		}
		if o.Name != "Urząd Miasta Okienkowo" || o.TimeZone != "Europe/Warsaw" || o.Address == "" {
			t.Errorf("office = %+v", o)
		}

		deps, err := s.offices.Departments(ctx, true)
		if err != nil {
			t.Fatalf("Departments: %v", err)
		}
		wantPrefixes := map[string]string{
			"Biuro Obsługi Klienta": "B",
			"Dowody osobiste":       "D",
			"Rejestracja pojazdów":  "P",
			"Prawa jazdy":           "J",
		}
		if len(deps) != len(wantPrefixes) {
			t.Fatalf("%d departments, want %d", len(deps), len(wantPrefixes))
		}
		servicesOf := map[int64][]int64{} // department id → service ids
		for _, d := range deps {
			if want, ok := wantPrefixes[d.Name]; !ok || d.TicketPrefix != want {
				t.Errorf("department %q has prefix %q; want %q", d.Name, d.TicketPrefix, want)
			}
			if got := d.Hours.Day(time.Monday); !slices.EqualFunc(got, [][]string{{"08:00", "16:00"}}, slices.Equal) {
				t.Errorf("%s: Monday hours %v, want 08:00-16:00", d.Name, got)
			}
			for _, wd := range []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
				if got := d.Hours.Day(wd); !slices.EqualFunc(got, [][]string{{"07:30", "15:30"}}, slices.Equal) {
					t.Errorf("%s: %v hours %v, want 07:30-15:30", d.Name, wd, got)
				}
			}
			for _, wd := range []time.Weekday{time.Saturday, time.Sunday} {
				if got := d.Hours.Day(wd); len(got) != 0 {
					t.Errorf("%s: open on %v: %v", d.Name, wd, got)
				}
			}
			if n := len(d.Services); n < 3 || n > 5 {
				t.Errorf("%s has %d services, want 3 to 5", d.Name, n)
			}
			for _, svc := range d.Services {
				if err := svc.ServiceSpec.Validate(); err != nil {
					t.Errorf("service %q does not validate: %v", svc.Name, err)
				}
				if svc.DepartmentID != d.ID {
					t.Errorf("service %q lists department %d under %d", svc.Name, svc.DepartmentID, d.ID)
				}
				if svc.SlotMinutes < 10 || svc.SlotMinutes > 30 || svc.Capacity < 1 || svc.Capacity > 3 {
					t.Errorf("service %q: slot %d min, capacity %d", svc.Name, svc.SlotMinutes, svc.Capacity)
				}
				if svc.Description == "" || svc.Instructions == "" {
					t.Errorf("service %q has no description or instructions", svc.Name)
				}
				// Vehicle registration, the matter bots hoard, asks for
				// proof of work; the others don't.
				if want := strings.HasPrefix(svc.Name, "Rejestracja pojazdu"); svc.ProofOfWork != want {
					t.Errorf("service %q: proof_of_work %v, want %v", svc.Name, svc.ProofOfWork, want)
				}
				servicesOf[d.ID] = append(servicesOf[d.ID], svc.ID)
			}
		}

		counters, err := s.offices.Counters(ctx)
		if err != nil {
			t.Fatalf("Counters: %v", err)
		}
		perDepartment := map[int64]int{}
		var names []string
		for _, c := range counters {
			want, ok := servicesOf[c.DepartmentID]
			if !ok {
				t.Errorf("counter %q belongs to unknown department %d", c.Name, c.DepartmentID)
				continue
			}
			perDepartment[c.DepartmentID]++
			got := slices.Sorted(slices.Values(c.ServiceIDs))
			if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("counter %q serves %v, want its department's services %v", c.Name, got, want)
			}
			names = append(names, c.Name)
		}
		for _, d := range deps {
			if n := perDepartment[d.ID]; n < 2 || n > 3 {
				t.Errorf("%s has %d counters, want 2 or 3", d.Name, n)
			}
		}
		slices.Sort(names)
		var want []string
		for i := range counters {
			want = append(want, fmt.Sprintf("Stanowisko %d", i+1))
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("counter names %v, want %v", names, want)
		}

		assertLogin(t, s.users, creds.AdminUser, creds.AdminPassword, okienko.RoleAdmin)
		assertLogin(t, s.users, creds.ClerkUser, creds.ClerkPassword, okienko.RoleClerk)
		if _, _, err := s.users.Login(ctx, creds.AdminUser, creds.ClerkPassword, "192.0.2.1", "test"); okienko.ErrorCode(err) != okienko.EUNAUTHORIZED {
			t.Errorf("admin login with the clerk's password: %v, want %s", err, okienko.EUNAUTHORIZED)
		}
		k, err := s.users.AuthenticateKiosk(ctx, creds.KioskToken)
		if err != nil {
			t.Fatalf("kiosk token does not authenticate: %v", err)
		}
		if k.Name != "Biletomat — hol główny" || k.OfficeID != o.ID {
			t.Errorf("kiosk = %+v", k)
		}

		var actors []string
		// The seed's changes are the system's (the sign-ins above are the users').
		if err := db.Table("audit_log").Where("action NOT IN ?", []string{auth.AuditSignIn, auth.AuditSignInFailed}).Distinct("actor").Pluck("actor", &actors).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(actors, []string{okienko.SystemActor.Name}) {
			t.Errorf("audit actors %v, want only %q", actors, okienko.SystemActor.Name)
		}

		before := rowCounts(t, db)
		again, err := demo.Seed(ctx, s.offices, s.users, "inne-haslo-123")
		if err != nil || again != nil {
			t.Fatalf("second Seed = %+v, %v; want nil, nil", again, err)
		}
		if after := rowCounts(t, db); !maps.Equal(before, after) {
			t.Errorf("second Seed changed the database: rows before %v, after %v", before, after)
		}
	})
}

func TestSeedWithAdminPassword(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := newStores(db)
		const password = "demo-haslo-2026"

		creds, err := demo.Seed(ctx, s.offices, s.users, password)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if creds.Generated {
			t.Error("Generated = true with an administrator password given")
		}
		if creds.AdminPassword != password || creds.ClerkPassword != password {
			t.Errorf("passwords = %q, %q; want both %q", creds.AdminPassword, creds.ClerkPassword, password)
		}
		assertLogin(t, s.users, "admin", password, okienko.RoleAdmin)
		assertLogin(t, s.users, "urzednik", password, okienko.RoleClerk)
	})
}

func TestSeedRejectsShortAdminPassword(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newStores(db)
		before := rowCounts(t, db)
		creds, err := demo.Seed(context.Background(), s.offices, s.users, "krotkie")
		if okienko.ErrorCode(err) != okienko.EINVALID || creds != nil {
			t.Fatalf("Seed = %+v, %v; want %s", creds, err, okienko.EINVALID)
		}
		if after := rowCounts(t, db); !maps.Equal(before, after) {
			t.Errorf("a rejected Seed left rows behind: before %v, after %v", before, after)
		}
	})
}

func TestSeedKeepsExistingUsers(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := newStores(db)
		if _, err := s.users.CreateUser(ctx, auth.UserSpec{
			Username: "kierownik", Password: "haslo-kierownika-1", Role: okienko.RoleAdmin,
		}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}

		creds, err := demo.Seed(ctx, s.offices, s.users, "")
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if creds.AdminUser != "" || creds.ClerkUser != "" || creds.AdminPassword != "" || creds.Generated {
			t.Errorf("credentials %+v; want no demo users", creds)
		}
		if creds.KioskToken == "" {
			t.Error("no kiosk token")
		}
		var users int64
		if err := db.Table("users").Count(&users).Error; err != nil {
			t.Fatal(err)
		}
		if users != 1 {
			t.Errorf("%d users, want only the one created before", users)
		}
		deps, err := s.offices.Departments(ctx, false)
		if err != nil || len(deps) != 4 {
			t.Errorf("Departments = %d, %v; want 4", len(deps), err)
		}
	})
}

func assertLogin(t *testing.T, users *auth.Store, username, password, role string) {
	t.Helper()
	sess, token, err := users.Login(context.Background(), username, password, "192.0.2.1", "test")
	if err != nil || token == "" {
		t.Errorf("login %s: %v", username, err)
		return
	}
	if sess.User.Role != role {
		t.Errorf("login %s: role %q, want %q", username, sess.User.Role, role)
	}
}

// The seed is one transaction: when its last step fails (here the kiosks
// table is gone, as in a broken database) nothing of the demo is left, so
// the next start seeds again from scratch.
func TestSeedFailingLeavesNothing(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := newStores(db)
		drop := "DROP TABLE kiosks"
		if db.Dialector.Name() == "postgres" {
			drop += " CASCADE"
		} else {
			db.Exec("PRAGMA foreign_keys = OFF")
		}
		if err := db.Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Seed(ctx, s.offices, s.users, ""); err == nil {
			t.Fatal("the seed succeeded without a kiosks table")
		}
		for _, table := range seededTables {
			if table == "kiosks" {
				continue
			}
			var n int64
			if err := db.Table(table).Count(&n).Error; err != nil {
				t.Fatalf("count %s: %v", table, err)
			}
			if n != 0 {
				t.Errorf("%s has %d rows after the failed seed", table, n)
			}
		}
	})
}
