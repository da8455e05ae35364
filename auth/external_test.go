package auth_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/database/databasetest"
)

// directory is the office's directory as Login sees it: a table of
// people and passwords (the LDAP provider is tested against slapd).
type directory struct {
	people map[string]directoryEntry
	down   bool
}

type directoryEntry struct {
	password string
	id       auth.Identity
	disabled bool
}

func (d *directory) Source() string { return "ldap" }

func (d *directory) Authenticate(_ context.Context, username, password string) (*auth.Identity, error) {
	if d.down {
		return nil, okienko.Errorf(okienko.EUNAVAILABLE, "the directory can't be reached")
	}
	e, ok := d.people[username]
	switch {
	case !ok:
		return nil, okienko.Errorf(okienko.ENOTFOUND, "no such user")
	case e.password != password || e.disabled:
		return nil, okienko.Errorf(okienko.EUNAUTHORIZED, "refused")
	}
	id := e.id
	return &id, nil
}

// Login asks the directory for names not known here and for its own
// users, keeps local users local, follows the directory's role on every
// sign-in, and refuses what the directory or the administrator refuses.
func TestLoginThroughDirectory(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newStore(t, db)
		ctx := context.Background()
		createUser(t, s, "admin", adminPassword, okienko.RoleAdmin)
		dir := &directory{people: map[string]directoryEntry{
			"anowak": {password: "dir pass 1", id: auth.Identity{Subject: "uid=anowak,ou=people", Username: "ANowak", DisplayName: "Anna Nowak", Role: okienko.RoleClerk}},
			"admin":  {password: "dir pass 2", id: auth.Identity{Subject: "uid=admin,ou=people", Username: "admin", Role: okienko.RoleAdmin}},
			"guest":  {password: "dir pass 3", id: auth.Identity{Subject: "uid=guest,ou=people", Username: "guest"}},
		}}
		s.UseDirectory(dir)

		sess, _ := login(t, s, "anowak", "dir pass 1")
		if u := sess.User; u.Source != "ldap" || u.Role != okienko.RoleClerk || u.DisplayName != "Anna Nowak" || u.Username != "anowak" {
			t.Fatalf("first directory sign-in made user %+v", u)
		}
		// The directory's word decides again on the next sign-in.
		e := dir.people["anowak"]
		e.id.Role = okienko.RoleAdmin
		dir.people["anowak"] = e
		if sess2, _ := login(t, s, "anowak", "dir pass 1"); sess2.User.ID != sess.User.ID || sess2.User.Role != okienko.RoleAdmin {
			t.Fatalf("second sign-in: user %+v, want id %d promoted to admin", sess2.User, sess.User.ID)
		}
		users, err := s.Users(ctx)
		if err != nil || len(users) != 2 {
			t.Fatalf("users %v (%v), want admin and anowak", users, err)
		}

		// A local user stays local: the directory's own "admin" is not asked.
		if sess, _ := login(t, s, "admin", adminPassword); sess.User.Source != auth.SourceLocal {
			t.Fatalf("local admin signed in as %+v", sess.User)
		}
		_, _, err = s.Login(ctx, "admin", "dir pass 2", "10.0.0.2", "test")
		wantCode(t, err, okienko.EUNAUTHORIZED)

		// Wrong password, unknown, disabled in the directory: refused alike.
		for _, c := range []struct{ name, pass string }{{"anowak", "wrong"}, {"nobody", "x"}, {"anowak", ""}} {
			_, _, err := s.Login(ctx, c.name, c.pass, "10.0.0.3", "test")
			wantCode(t, err, okienko.EUNAUTHORIZED)
		}
		e.disabled = true
		dir.people["anowak"] = e
		_, _, err = s.Login(ctx, "anowak", "dir pass 1", "10.0.0.4", "test")
		wantCode(t, err, okienko.EUNAUTHORIZED)
		e.disabled = false
		dir.people["anowak"] = e

		// No group, no role: refused with a reason the person can act on.
		_, _, err = s.Login(ctx, "guest", "dir pass 3", "10.0.0.5", "test")
		wantCode(t, err, okienko.EFORBIDDEN)

		// Disabled here by an administrator: the directory can't undo it.
		if _, err := s.UpdateUser(ctx, sess.User.ID, func(u *auth.UserSpec) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Login(ctx, "anowak", "dir pass 1", "10.0.0.6", "test")
		wantCode(t, err, okienko.EFORBIDDEN)

		// Its password is the directory's: an administrator can't set one.
		_, err = s.UpdateUser(ctx, sess.User.ID, func(u *auth.UserSpec) error { u.Password = "local password 9"; return nil })
		if e := wantCode(t, err, okienko.EINVALID); e.Fields["password"] == "" {
			t.Fatalf("error %v names no password field", err)
		}

		// The directory out of reach: 503 material, not a failed sign-in.
		dir.down = true
		_, _, err = s.Login(ctx, "someone", "x", "10.0.0.7", "test")
		wantCode(t, err, okienko.EUNAVAILABLE)
	})
}

// SignInWith (OpenID Connect) refuses a name that belongs to another user
// and an identity without a subject.
func TestSignInWithRefusesTakenNames(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _ := newStore(t, db)
		ctx := context.Background()
		createUser(t, s, "jkowal", clerkPassword, okienko.RoleClerk)
		_, _, err := s.SignInWith(ctx, auth.Identity{Source: "oidc", Subject: "sub-1", Username: "jkowal", Role: okienko.RoleClerk}, "10.0.0.1", "test")
		wantCode(t, err, okienko.EUNAUTHORIZED)
		_, _, err = s.SignInWith(ctx, auth.Identity{Source: "oidc", Username: "other", Role: okienko.RoleClerk}, "10.0.0.1", "test")
		wantCode(t, err, okienko.EINVALID)
		sess, token, err := s.SignInWith(ctx, auth.Identity{Source: "oidc", Subject: "sub-2", Username: "Other", Role: okienko.RoleAdmin}, "10.0.0.1", "test")
		if err != nil || token == "" || sess.User.Source != "oidc" || sess.User.Username != "other" {
			t.Fatalf("sign-in with oidc: %+v %v", sess, err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("the oidc session doesn't authenticate: %v", err)
		}
		// Local password sign-in of an oidc user is refused (no directory).
		_, _, err = s.Login(ctx, "other", "", "10.0.0.1", "test")
		wantCode(t, err, okienko.EUNAUTHORIZED)
	})
}
