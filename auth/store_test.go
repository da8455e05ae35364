package auth_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/ratelimit"
)

// start is when the stores' clock starts: 09:00 on the Monday of the test
// week (officetest.Anchor).
func start(t testing.TB) time.Time { return officetest.Anchor(t).At(0, 9, 0) }

const (
	adminPassword = "admin password 1"
	clerkPassword = "clerk password 1"
)

func newStore(t *testing.T, db *gorm.DB) (*auth.Store, *okienko.ManualClock) {
	t.Helper()
	clock := okienko.NewManualClock(start(t))
	return auth.NewStore(db, clock, ratelimit.New(db, clock)), clock
}

func createUser(t *testing.T, s *auth.Store, username, password, role string) *auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), auth.UserSpec{Username: username, Password: password, Role: role})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

func wantCode(t *testing.T, err error, code string) *okienko.Error {
	t.Helper()
	if got := okienko.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
	return okienko.AsError(err)
}

func login(t *testing.T, s *auth.Store, username, password string) (*auth.Session, string) {
	t.Helper()
	sess, token, err := s.Login(context.Background(), username, password, "10.0.0.1", "test")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return sess, token
}

func TestLoginAuthenticate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clock := newStore(t, db)
		t0 := start(t)
		admin := createUser(t, s, "Ala", adminPassword, okienko.RoleAdmin)
		clerk := createUser(t, s, "bob", clerkPassword, okienko.RoleClerk)
		if admin.Username != "ala" {
			t.Fatalf("username stored as %q, want ala", admin.Username)
		}

		ua := strings.Repeat("ż", 300)
		sess, token, err := s.Login(ctx, "  ALA ", adminPassword, "192.0.2.7", ua)
		if err != nil {
			t.Fatal(err)
		}
		if token == "" || sess.CSRFToken == "" || sess.CSRFToken == token {
			t.Fatalf("token %q, csrf %q: want two different tokens", token, sess.CSRFToken)
		}
		if sess.User.ID != admin.ID || sess.User.Role != okienko.RoleAdmin {
			t.Fatalf("session user = %+v, want admin %d", sess.User, admin.ID)
		}
		if !sess.ExpiresAt.Equal(t0.Add(12*time.Hour)) || !sess.LastSeenAt.Equal(t0) {
			t.Fatalf("session times: last seen %v, expires %v", sess.LastSeenAt, sess.ExpiresAt)
		}
		if n := len([]rune(sess.UserAgent)); n != 256 {
			t.Fatalf("user agent kept %d characters, want 256", n)
		}

		// Only the hash of the token is stored.
		var stored []string
		if err := db.Raw("SELECT token_hash FROM sessions").Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 || stored[0] != auth.HashToken(token) {
			t.Fatalf("stored token hashes %v, want [HashToken(token)]", stored)
		}

		clock.Advance(30 * time.Second)
		got, err := s.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != sess.ID || got.User.ID != admin.ID || got.User.Role != okienko.RoleAdmin || got.User.Username != "ala" {
			t.Fatalf("Authenticate = session %d user %+v", got.ID, got.User)
		}
		if got.CSRFToken != sess.CSRFToken || got.IP != "192.0.2.7" {
			t.Fatalf("Authenticate csrf %q ip %q", got.CSRFToken, got.IP)
		}

		_, clerkToken := login(t, s, "bob", clerkPassword)
		got, err = s.Authenticate(ctx, clerkToken)
		if err != nil || got.User.ID != clerk.ID || got.User.Role != okienko.RoleClerk {
			t.Fatalf("clerk Authenticate = %+v, %v", got, err)
		}

		for _, bad := range []string{"", "nonsense", auth.HashToken(token)} {
			_, err := s.Authenticate(ctx, bad)
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}
	})
}

// Wrong passwords, unknown and disabled users all get the same 401.
func TestLoginRefused(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		if _, err := s.CreateUser(ctx, auth.UserSpec{Username: "gone", Password: clerkPassword, Role: okienko.RoleClerk, Disabled: true}); err != nil {
			t.Fatal(err)
		}
		cases := []struct{ name, username, password string }{
			{"wrong password", "ala", "not the password"},
			{"empty password", "ala", ""},
			{"unknown user", "nobody", adminPassword},
			{"invalid user name", "no body\x00\xff", adminPassword},
			{"disabled user, right password", "gone", clerkPassword},
		}
		for i, c := range cases {
			// A different address each time, so no address gets throttled.
			sess, token, err := s.Login(ctx, c.username, c.password, "10.0.1."+string(rune('0'+i)), "")
			e := wantCode(t, err, okienko.EUNAUTHORIZED)
			if e.Message != "invalid username or password" || sess != nil || token != "" {
				t.Errorf("%s: %q, %v, %q", c.name, e.Message, sess, token)
			}
		}
	})
}

// Failures of one user name from one address slow down that name at that
// address only: three are free, then each makes it wait twice as long as
// the one before (30 s, 1 min, 2 min … at most 15 min), right password or
// not; a success there forgets them.
func TestLoginSlowsDownNameAtAddress(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clock := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		const here = "203.0.113.7"
		fail := func(want time.Duration) {
			t.Helper()
			_, _, err := s.Login(ctx, "ALA", "wrong password", here, "")
			wantCode(t, err, okienko.EUNAUTHORIZED)
			_, _, err = s.Login(ctx, "ala", adminPassword, here, "")
			if want == 0 {
				if err != nil {
					t.Fatalf("the right password after a free failure: %v", err)
				}
				return
			}
			if e := wantCode(t, err, okienko.ETOOMANY); e.RetryAfter != want {
				t.Fatalf("RetryAfter = %v, want %v", e.RetryAfter, want)
			}
			clock.Advance(want - time.Microsecond)
			if _, _, err := s.Login(ctx, "ala", "wrong password", here, ""); okienko.ErrorCode(err) != okienko.ETOOMANY {
				t.Fatalf("a microsecond before the wait ends: %v, want ETOOMANY (and not counted)", err)
			}
			clock.Advance(time.Microsecond)
		}
		// A success forgets failures: three free ones, each followed by a
		// success, never slow anything down.
		for range 3 {
			fail(0)
		}
		// Three failures in a row are free, the next ones wait longer and
		// longer, up to the cap.
		for range 3 {
			_, _, err := s.Login(ctx, "ala", "wrong password", here, "")
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}
		for _, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
			_, _, err := s.Login(ctx, "ala", "wrong password", here, "")
			wantCode(t, err, okienko.EUNAUTHORIZED)
			_, _, err = s.Login(ctx, "ala", adminPassword, here, "")
			if e := wantCode(t, err, okienko.ETOOMANY); e.RetryAfter != want {
				t.Fatalf("RetryAfter = %v, want %v", e.RetryAfter, want)
			}
			clock.Advance(want)
		}
		// The wait over, the right password works, and the count starts over.
		if _, _, err := s.Login(ctx, "ala", adminPassword, here, ""); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		_, _, err := s.Login(ctx, "ala", "wrong password", here, "")
		wantCode(t, err, okienko.EUNAUTHORIZED)
		if _, _, err := s.Login(ctx, "ala", adminPassword, here, ""); err != nil {
			t.Fatalf("after a success the next failure must be free: %v", err)
		}
	})
}

// An attacker who knows a user name can't lock its owner out: however many
// wrong passwords come from the attacker's addresses, the user signs in
// from theirs at once, every time.
func TestLoginAttackerCannotLockOut(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clock := newStore(t, db)
		createUser(t, s, "kierownik", adminPassword, okienko.RoleAdmin)
		for i := range 60 {
			attacker := fmt.Sprintf("198.51.100.%d", i%3)
			_, _, err := s.Login(ctx, "kierownik", fmt.Sprintf("guess-%d", i), attacker, "")
			if c := okienko.ErrorCode(err); c != okienko.EUNAUTHORIZED && c != okienko.ETOOMANY {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if i%10 == 9 {
				if _, _, err := s.Login(ctx, "kierownik", adminPassword, "192.0.2.10", ""); err != nil {
					t.Fatalf("after %d attacks the user, at their own address: %v", i+1, err)
				}
			}
			clock.Advance(20 * time.Second)
		}
	})
}

// Many failures from one address on whatever names slow down that address
// for every name, and success doesn't clear it; other addresses go on.
func TestLoginThrottledByIP(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		createUser(t, s, "bob", clerkPassword, okienko.RoleClerk)
		const ip = "198.51.100.9"
		for i := range auth.LoginMaxAddressFailures - 1 {
			_, _, err := s.Login(ctx, fmt.Sprintf("x%d", i), "wrong password", ip, "")
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}
		if _, _, err := s.Login(ctx, "bob", clerkPassword, ip, ""); err != nil {
			t.Fatalf("one failure short of the limit must not throttle yet: %v", err)
		}
		_, _, err := s.Login(ctx, "x-last", "wrong password", ip, "")
		wantCode(t, err, okienko.EUNAUTHORIZED)

		_, _, err = s.Login(ctx, "ala", adminPassword, ip, "")
		if e := wantCode(t, err, okienko.ETOOMANY); e.RetryAfter <= 0 || e.RetryAfter > auth.LoginAddressWindow {
			t.Fatalf("RetryAfter = %v", e.RetryAfter)
		}
		if _, _, err := s.Login(ctx, "ala", adminPassword, "198.51.100.10", ""); err != nil {
			t.Fatalf("another address must not be throttled: %v", err)
		}
	})
}

// Every checked sign-in is in the audit log: a failure with the name, the
// address, why, and the wait it starts; a success as its user.
func TestLoginAudited(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := okienko.WithActor(context.Background(), okienko.Actor{Name: "anonymous", Role: "anonymous", RequestID: "req-9"})
		s, _ := newStore(t, db)
		u := createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		for range 4 {
			_, _, _ = s.Login(ctx, "ala", "wrong password", "203.0.113.8", "")
		}
		_, _, _ = s.Login(ctx, "nikt", "wrong password", "203.0.113.8", "")
		if _, _, err := s.Login(ctx, "ala", adminPassword, "192.0.2.1", ""); err != nil {
			t.Fatal(err)
		}
		var es []audit.Entry
		if err := db.Where("action IN ?", []string{auth.AuditSignIn, auth.AuditSignInFailed}).Order("id").Find(&es).Error; err != nil {
			t.Fatal(err)
		}
		if len(es) != 6 {
			t.Fatalf("%d sign-in entries, want 6", len(es))
		}
		last := es[3]
		if last.Action != auth.AuditSignInFailed || last.ObjectType != "user" || last.ObjectID != u.ID || last.RequestID != "req-9" || last.AfterJSON == nil ||
			!strings.Contains(*last.AfterJSON, `"username":"ala"`) || !strings.Contains(*last.AfterJSON, `"ip":"203.0.113.8"`) ||
			!strings.Contains(*last.AfterJSON, `"reason":"wrong_password"`) || !strings.Contains(*last.AfterJSON, `"failures":4`) || !strings.Contains(*last.AfterJSON, `"wait_secs":30`) {
			t.Errorf("fourth failure: %+v %s", last, deref(last.AfterJSON))
		}
		if e := es[4]; e.ObjectID != 0 || !strings.Contains(deref(e.AfterJSON), `"reason":"unknown_user"`) {
			t.Errorf("unknown name: %+v %s", e, deref(e.AfterJSON))
		}
		if e := es[5]; e.Action != auth.AuditSignIn || e.ObjectID != u.ID || e.UserID == nil || *e.UserID != u.ID || e.Actor != "ala" {
			t.Errorf("success: %+v", e)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A session expires SessionTTL after it was last used; use slides it.
func TestSessionExpiry(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clock := newStore(t, db)
		t0 := start(t)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		_, idle := login(t, s, "ala", adminPassword)
		_, active := login(t, s, "ala", adminPassword)

		// Within a minute nothing is written.
		clock.Advance(time.Minute)
		got, err := s.Authenticate(ctx, active)
		if err != nil || !got.ExpiresAt.Equal(t0.Add(auth.SessionTTL)) {
			t.Fatalf("Authenticate after 1m = %+v, %v; expiry must not move yet", got, err)
		}
		clock.Advance(11 * time.Hour)
		got, err = s.Authenticate(ctx, active)
		if err != nil || !got.ExpiresAt.Equal(clock.Now().Add(auth.SessionTTL)) {
			t.Fatalf("Authenticate after 11h1m = %+v, %v; want expiry slid to now+TTL", got, err)
		}

		clock.Set(t0.Add(auth.SessionTTL))
		_, err = s.Authenticate(ctx, idle)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		if _, err := s.Authenticate(ctx, active); err != nil {
			t.Fatalf("used session expired with the idle one: %v", err)
		}

		n, err := s.SweepSessions(ctx)
		if err != nil || n != 1 {
			t.Fatalf("SweepSessions = %d, %v; want 1", n, err)
		}
		clock.Advance(auth.SessionTTL)
		_, err = s.Authenticate(ctx, active)
		wantCode(t, err, okienko.EUNAUTHORIZED)
	})
}

func TestLogout(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		_, token := login(t, s, "ala", adminPassword)
		_, other := login(t, s, "ala", adminPassword)
		if err := s.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err := s.Authenticate(ctx, token)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		for _, again := range []string{token, "", "unknown"} {
			if err := s.Logout(ctx, again); err != nil {
				t.Fatalf("Logout(%q) again: %v", again, err)
			}
		}
		if _, err := s.Authenticate(ctx, other); err != nil {
			t.Fatalf("the user's other session ended too: %v", err)
		}
	})
}

// UpdateUser hands patch the current spec without a password; a new
// password or disabling signs the user out everywhere, other changes don't.
func TestUpdateUser(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		bob, err := s.CreateUser(ctx, auth.UserSpec{Username: "bob", Password: clerkPassword, Role: okienko.RoleClerk, DisplayName: "Bob B."})
		if err != nil {
			t.Fatal(err)
		}
		_, t1 := login(t, s, "bob", clerkPassword)
		_, t2 := login(t, s, "bob", clerkPassword)

		u, err := s.UpdateUser(ctx, bob.ID, func(spec *auth.UserSpec) error {
			want := auth.UserSpec{Username: "bob", Role: okienko.RoleClerk, DisplayName: "Bob B."}
			if *spec != want {
				t.Errorf("patch got %+v, want %+v", *spec, want)
			}
			spec.DisplayName = "  Robert  "
			return nil
		})
		if err != nil || u.DisplayName != "Robert" {
			t.Fatalf("UpdateUser display name = %+v, %v", u, err)
		}
		if _, err := s.Authenticate(ctx, t1); err != nil {
			t.Fatalf("a display name change signed the user out: %v", err)
		}

		sentinel := errors.New("patch refused")
		if _, err := s.UpdateUser(ctx, bob.ID, func(*auth.UserSpec) error { return sentinel }); !errors.Is(err, sentinel) {
			t.Fatalf("patch error came back as %v", err)
		}
		_, err = s.UpdateUser(ctx, bob.ID, func(spec *auth.UserSpec) error { spec.Password = "short"; return nil })
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["password"] == "" {
			t.Fatalf("short password: fields %v", e.Fields)
		}

		const newPassword = "a brand new password"
		if _, err := s.UpdateUser(ctx, bob.ID, func(spec *auth.UserSpec) error { spec.Password = newPassword; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{t1, t2} {
			_, err := s.Authenticate(ctx, tok)
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}
		_, _, err = s.Login(ctx, "bob", clerkPassword, "10.9.0.1", "")
		wantCode(t, err, okienko.EUNAUTHORIZED)
		_, t3 := login(t, s, "bob", newPassword)

		if _, err := s.UpdateUser(ctx, bob.ID, func(spec *auth.UserSpec) error { spec.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, t3)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		_, _, err = s.Login(ctx, "bob", newPassword, "10.9.0.2", "")
		wantCode(t, err, okienko.EUNAUTHORIZED)

		_, err = s.UpdateUser(ctx, 999999, func(*auth.UserSpec) error { return nil })
		wantCode(t, err, okienko.ENOTFOUND)
		_, err = s.UpdateUser(ctx, bob.ID, func(spec *auth.UserSpec) error { spec.Username = " ALA "; return nil })
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["username"] == "" {
			t.Fatalf("rename to a taken name: fields %v", e.Fields)
		}

		// The audit trail has the change but never the password hash.
		entries, err := audit.List(ctx, db, audit.Filter{ObjectType: "user", ObjectID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		entries = slices.DeleteFunc(entries, func(e audit.Entry) bool {
			return e.Action == auth.AuditSignIn || e.Action == auth.AuditSignInFailed
		})
		if len(entries) != 4 { // create, display name, password, disabled
			t.Fatalf("%d audit entries of changes to bob, want 4", len(entries))
		}
		for _, e := range entries {
			for _, js := range []*string{e.BeforeJSON, e.AfterJSON} {
				if js != nil && (strings.Contains(*js, "argon2") || strings.Contains(*js, "password_hash")) {
					t.Fatalf("audit entry leaks the password hash: %s", *js)
				}
			}
		}
		if a := entries[1].AfterJSON; a == nil || !strings.Contains(*a, `"password_changed":true`) {
			t.Fatalf("password change audit = %v", a)
		}
	})
}

// The last enabled administrator can't be demoted, disabled or deleted, and
// nobody can delete themselves.
func TestLastAdmin(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		a := createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		c := createUser(t, s, "cyryl", clerkPassword, okienko.RoleClerk)
		asA := okienko.WithActor(ctx, okienko.Actor{UserID: a.ID, Name: "ala", Role: okienko.RoleAdmin})

		_, err := s.UpdateUser(ctx, a.ID, func(spec *auth.UserSpec) error { spec.Role = okienko.RoleClerk; return nil })
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["role"] == "" {
			t.Fatalf("demote: fields %v", e.Fields)
		}
		_, err = s.UpdateUser(ctx, a.ID, func(spec *auth.UserSpec) error { spec.Disabled = true; return nil })
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["disabled"] == "" {
			t.Fatalf("disable: fields %v", e.Fields)
		}
		wantCode(t, s.DeleteUser(ctx, a.ID), okienko.ECONFLICT)

		// A disabled administrator doesn't count.
		b, err := s.CreateUser(ctx, auth.UserSpec{Username: "basia", Password: adminPassword, Role: okienko.RoleAdmin, Disabled: true})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteUser(ctx, a.ID), okienko.ECONFLICT)

		// With a second enabled administrator the first may go, but not by
		// their own hand.
		if _, err := s.UpdateUser(ctx, b.ID, func(spec *auth.UserSpec) error { spec.Disabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteUser(asA, a.ID), okienko.ECONFLICT)
		wantCode(t, s.DeleteUser(asA, 999999), okienko.ENOTFOUND)
		if err := s.DeleteUser(asA, b.ID); err != nil {
			t.Fatalf("delete the other administrator: %v", err)
		}
		wantCode(t, s.DeleteUser(asA, b.ID), okienko.ENOTFOUND)
		if err := s.DeleteUser(asA, c.ID); err != nil {
			t.Fatalf("delete a clerk: %v", err)
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 1 || users[0].ID != a.ID {
			t.Fatalf("Users = %+v, %v; want only ala", users, err)
		}
	})
}

// Two administrators demoting each other at once: one wins, the other gets
// ECONFLICT, and one enabled administrator remains.
func TestLastAdminConcurrent(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		ids := []int64{
			createUser(t, s, "ala", adminPassword, okienko.RoleAdmin).ID,
			createUser(t, s, "basia", adminPassword, okienko.RoleAdmin).ID,
		}
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Go(func() {
				_, errs[i] = s.UpdateUser(ctx, id, func(spec *auth.UserSpec) error { spec.Role = okienko.RoleClerk; return nil })
			})
		}
		wg.Wait()
		codes := []string{okienko.ErrorCode(errs[0]), okienko.ErrorCode(errs[1])}
		slices.Sort(codes)
		if codes[0] != "" || codes[1] != okienko.ECONFLICT {
			t.Fatalf("errors %v; want one success and one ECONFLICT", errs)
		}
		users, err := s.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, u := range users {
			if u.Role == okienko.RoleAdmin && !u.Disabled {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("%d enabled administrators left, want 1", admins)
		}
	})
}

func TestCreateUserValidation(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		name   string
		spec   auth.UserSpec
		fields []string
	}{
		{"too short name", auth.UserSpec{Username: "ab", Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"too long name", auth.UserSpec{Username: long, Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"empty name", auth.UserSpec{Username: "   ", Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"space in name", auth.UserSpec{Username: "jan kowalski", Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"Polish letter in name", auth.UserSpec{Username: "łucja", Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"at sign in name", auth.UserSpec{Username: "jan@urzad", Password: clerkPassword, Role: "clerk"}, []string{"username"}},
		{"short password", auth.UserSpec{Username: "jan", Password: "short", Role: "clerk"}, []string{"password"}},
		{"no password", auth.UserSpec{Username: "jan", Role: "clerk"}, []string{"password"}},
		{"too long password", auth.UserSpec{Username: "jan", Password: strings.Repeat("p", 257), Role: "clerk"}, []string{"password"}},
		{"bad role", auth.UserSpec{Username: "jan", Password: clerkPassword, Role: "root"}, []string{"role"}},
		{"role in capitals", auth.UserSpec{Username: "jan", Password: clerkPassword, Role: "Admin"}, []string{"role"}},
		{"no role", auth.UserSpec{Username: "jan", Password: clerkPassword}, []string{"role"}},
		{"long display name", auth.UserSpec{Username: "jan", Password: clerkPassword, Role: "clerk", DisplayName: strings.Repeat("ż", 121)}, []string{"display_name"}},
		{"everything wrong", auth.UserSpec{Username: "a", Password: "x", Role: "boss", DisplayName: strings.Repeat("x", 200)}, []string{"display_name", "password", "role", "username"}},
	}
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		for _, c := range cases {
			_, err := s.CreateUser(ctx, c.spec)
			e := okienko.AsError(err)
			if e.Code != okienko.EINVALID {
				t.Errorf("%s: %v, want EINVALID", c.name, err)
				continue
			}
			if got := slices.Sorted(maps.Keys(e.Fields)); !slices.Equal(got, c.fields) {
				t.Errorf("%s: fields %v, want %v", c.name, e.Fields, c.fields)
			}
		}
		if has, err := s.HasUsers(ctx); err != nil || has {
			t.Fatalf("HasUsers after only invalid specs = %v, %v", has, err)
		}

		u, err := s.CreateUser(ctx, auth.UserSpec{Username: "  Jan.Kowalski_2-x ", Password: strings.Repeat("ż", 10), Role: "clerk", DisplayName: strings.Repeat("ż", 120)})
		if err != nil {
			t.Fatalf("valid spec at the limits: %v", err)
		}
		if u.Username != "jan.kowalski_2-x" || u.ID == 0 || u.PasswordHash == "" {
			t.Fatalf("created %+v", u)
		}
		if has, err := s.HasUsers(ctx); err != nil || !has {
			t.Fatalf("HasUsers = %v, %v", has, err)
		}
		got, err := s.User(ctx, u.ID)
		if err != nil || got.Username != u.Username || got.Role != okienko.RoleClerk || !got.CreatedAt.Equal(start(t)) {
			t.Fatalf("User(%d) = %+v, %v", u.ID, got, err)
		}
		_, err = s.User(ctx, u.ID+1000)
		wantCode(t, err, okienko.ENOTFOUND)
	})
}

func TestCreateUserDuplicate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ola", clerkPassword, okienko.RoleClerk)
		_, err := s.CreateUser(ctx, auth.UserSpec{Username: " OLA ", Password: adminPassword, Role: okienko.RoleAdmin})
		if e := wantCode(t, err, okienko.ECONFLICT); e.Fields["username"] == "" {
			t.Fatalf("duplicate: fields %v", e.Fields)
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 1 {
			t.Fatalf("Users = %v, %v; the duplicate must leave nothing behind", users, err)
		}
		entries, err := audit.List(ctx, db, audit.Filter{ObjectType: "user"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit entries = %d, %v; want 1", len(entries), err)
		}
	})
}

// Deleting a user ends their sessions.
func TestDeleteUserEndsSessions(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		createUser(t, s, "ala", adminPassword, okienko.RoleAdmin)
		c := createUser(t, s, "cyryl", clerkPassword, okienko.RoleClerk)
		_, token := login(t, s, "cyryl", clerkPassword)
		if err := s.DeleteUser(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Authenticate(ctx, token)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		var n int64
		if err := db.Table("sessions").Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("%d sessions left, %v", n, err)
		}
	})
}

func createOffice(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var id int64
	t0 := start(t)
	err := db.Raw("INSERT INTO offices (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id", "Urząd", t0, t0).Scan(&id).Error
	if err != nil || id == 0 {
		t.Fatalf("create office: %d, %v", id, err)
	}
	return id
}

func TestKioskToken(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s, clock := newStore(t, db)
		officeID := createOffice(t, db)

		k, token, err := s.CreateKiosk(ctx, officeID, "  Hall A ")
		if err != nil {
			t.Fatal(err)
		}
		if k.Name != "Hall A" || k.OfficeID != officeID || k.PrinterURI != "none" || token == "" || k.TokenHash != auth.HashToken(token) {
			t.Fatalf("created kiosk %+v with token %q", k, token)
		}
		clock.Advance(time.Hour)
		got, err := s.AuthenticateKiosk(ctx, token)
		if err != nil || got.ID != k.ID || got.LastSeenAt == nil || !got.LastSeenAt.Equal(clock.Now()) {
			t.Fatalf("AuthenticateKiosk = %+v, %v", got, err)
		}
		for _, bad := range []string{"", "nonsense", k.TokenHash} {
			_, err := s.AuthenticateKiosk(ctx, bad)
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}

		newToken, err := s.RotateKioskToken(ctx, k.ID)
		if err != nil || newToken == token || newToken == "" {
			t.Fatalf("RotateKioskToken = %q, %v", newToken, err)
		}
		_, err = s.AuthenticateKiosk(ctx, token)
		wantCode(t, err, okienko.EUNAUTHORIZED)
		if got, err := s.AuthenticateKiosk(ctx, newToken); err != nil || got.ID != k.ID {
			t.Fatalf("AuthenticateKiosk(new token) = %+v, %v", got, err)
		}
		_, err = s.RotateKioskToken(ctx, k.ID+1000)
		wantCode(t, err, okienko.ENOTFOUND)

		_, _, err = s.CreateKiosk(ctx, officeID+1000, "Hall B")
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["office_id"] == "" {
			t.Fatalf("unknown office: fields %v", e.Fields)
		}
		_, _, err = s.CreateKiosk(ctx, officeID, "   ")
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["name"] == "" {
			t.Fatalf("empty name: fields %v", e.Fields)
		}
		entries, err := audit.List(ctx, db, audit.Filter{ObjectType: "kiosk", ObjectID: k.ID})
		if err != nil || len(entries) != 2 {
			t.Fatalf("kiosk audit entries = %d, %v; want create and rotate", len(entries), err)
		}
		for _, e := range entries {
			if e.AfterJSON == nil || strings.Contains(*e.AfterJSON, k.TokenHash) || strings.Contains(*e.AfterJSON, auth.HashToken(newToken)) {
				t.Fatalf("kiosk audit leaks the token hash: %v", e.AfterJSON)
			}
		}
	})
}
