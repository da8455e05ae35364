package ldap_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/ldap"
	"github.com/okienko/okienko/auth/ldap/ldaptest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/ratelimit"
)

func newDirectory(t *testing.T, c ldap.Config) *ldap.Directory {
	t.Helper()
	d, err := ldap.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := okienko.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want %s", what, err, got, code)
	}
}

// The directory finds each seeded person by uid or sAMAccountName, checks
// the password with a bind, reads the role from memberOf or from the
// groups' member/uniqueMember, and refuses what it must.
func TestAuthenticate(t *testing.T) {
	srv := ldaptest.Start(t)
	d := newDirectory(t, srv.Config(srv.URL))
	ctx := context.Background()

	for _, c := range []struct {
		p    ldaptest.Person
		role string
	}{
		{ldaptest.Clerk, okienko.RoleClerk},   // memberOf (groupOfNames)
		{ldaptest.Admin, okienko.RoleAdmin},   // uniqueMember; also a clerk: admin wins
		{ldaptest.ADClerk, okienko.RoleClerk}, // sAMAccountName, userAccountControl 512
		{ldaptest.Nobody, ""},                 // no group: no role
	} {
		id, err := d.Authenticate(ctx, c.p.Name, c.p.Password)
		if err != nil {
			t.Fatalf("%s: %v", c.p.Name, err)
		}
		if id.Role != c.role || id.Username != c.p.Name || id.DisplayName != c.p.DisplayName || id.Source != "ldap" {
			t.Errorf("%s: identity %+v, want role %q", c.p.Name, id, c.role)
		}
		// entryUUID, not the DN, which a rename would change.
		if len(id.Subject) != 36 || strings.Contains(id.Subject, "=") {
			t.Errorf("%s: subject %q is not the entryUUID", c.p.Name, id.Subject)
		}
	}
	again, _ := d.Authenticate(ctx, strings.ToUpper(ldaptest.Clerk.Name), ldaptest.Clerk.Password)
	if first, _ := d.Authenticate(ctx, ldaptest.Clerk.Name, ldaptest.Clerk.Password); again == nil || first.Subject != again.Subject {
		t.Errorf("the same person has subjects %+v and %+v", first, again)
	}

	for _, c := range []struct {
		what, name, password, code string
	}{
		{"wrong password", ldaptest.Clerk.Name, "not the password", okienko.EUNAUTHORIZED},
		{"another's password", ldaptest.Clerk.Name, ldaptest.Admin.Password, okienko.EUNAUTHORIZED},
		{"empty password (an unauthenticated bind)", ldaptest.Clerk.Name, "", okienko.EUNAUTHORIZED},
		{"unknown user", "nieznany", "whatever 1", okienko.ENOTFOUND},
		{"locked by the password policy", ldaptest.Locked.Name, ldaptest.Locked.Password, okienko.EUNAUTHORIZED},
		{"disabled in Active Directory", ldaptest.ADDisabled.Name, ldaptest.ADDisabled.Password, okienko.EUNAUTHORIZED},
		{"two people of one name", ldaptest.Twin.Name, ldaptest.Twin.Password, okienko.EUNAUTHORIZED},
		{"service account is no person", "okienko", ldaptest.BindPassword, okienko.ENOTFOUND},
		// Filter injection finds nobody, whatever the password.
		{"wildcard", "*", ldaptest.Clerk.Password, okienko.ENOTFOUND},
		{"prefix wildcard", "jkow*", ldaptest.Clerk.Password, okienko.ENOTFOUND},
		{"closing the filter", "admin)(uid=*", ldaptest.Admin.Password, okienko.ENOTFOUND},
		{"or-ing another filter", "x)(|(uid=" + ldaptest.Clerk.Name, ldaptest.Clerk.Password, okienko.ENOTFOUND},
		{"escape", `\2a`, ldaptest.Clerk.Password, okienko.ENOTFOUND},
		{"NUL", "jkowalska\x00", ldaptest.Clerk.Password, okienko.ENOTFOUND},
	} {
		id, err := d.Authenticate(ctx, c.name, c.password)
		if id != nil {
			t.Errorf("%s: signed in as %+v", c.what, id)
		}
		wantCode(t, c.what, err, c.code)
	}
}

// ldaps:// and StartTLS work with the server's CA; with another CA, the
// system's roots, a wrong service password or no server the directory is
// unavailable, never silently trusted.
func TestConnections(t *testing.T) {
	srv := ldaptest.Start(t)
	ctx := context.Background()
	secure := srv.Config(srv.LDAPSURL)
	starttls := srv.Config(srv.URL)
	starttls.StartTLS = true
	for name, c := range map[string]ldap.Config{"ldaps": secure, "starttls": starttls} {
		id, err := newDirectory(t, c).Authenticate(ctx, ldaptest.Admin.Name, ldaptest.Admin.Password)
		if err != nil || id.Role != okienko.RoleAdmin {
			t.Errorf("%s: %+v %v", name, id, err)
		}
		c.CAFile = srv.OtherCAFile
		_, err = newDirectory(t, c).Authenticate(ctx, ldaptest.Admin.Name, ldaptest.Admin.Password)
		wantCode(t, name+" with another CA", err, okienko.EUNAVAILABLE)
		if !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s with another CA: the cause %q doesn't say the certificate", name, err)
		}
		c.CAFile = ""
		_, err = newDirectory(t, c).Authenticate(ctx, ldaptest.Admin.Name, ldaptest.Admin.Password)
		wantCode(t, name+" with the system's CAs", err, okienko.EUNAVAILABLE)
	}

	bad := srv.Config(srv.URL)
	bad.BindPassword = "not the service password"
	_, err := newDirectory(t, bad).Authenticate(ctx, ldaptest.Clerk.Name, ldaptest.Clerk.Password)
	wantCode(t, "wrong service password", err, okienko.EUNAVAILABLE)

	// This server shows anonymous clients nothing, not even the base: a
	// directory that can't be searched is unavailable, not empty.
	anon := srv.Config(srv.URL)
	anon.BindDN, anon.BindPassword = "", ""
	_, err = newDirectory(t, anon).Authenticate(ctx, ldaptest.Clerk.Name, ldaptest.Clerk.Password)
	wantCode(t, "anonymous search", err, okienko.EUNAVAILABLE)

	// Nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "ldap://" + ln.Addr().String()
	ln.Close()
	_, err = newDirectory(t, srv.Config(closed)).Authenticate(ctx, ldaptest.Clerk.Name, ldaptest.Clerk.Password)
	wantCode(t, "no server", err, okienko.EUNAVAILABLE)
}

// A server that accepts the connection and never answers costs one
// timeout, not more, and a caller's earlier deadline is kept.
func TestSilentServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	c := ldap.Config{URL: "ldap://" + ln.Addr().String(), BaseDN: "dc=x", ClerkGroup: "cn=c,dc=x", BindDN: "cn=s,dc=x", BindPassword: "p", Timeout: 300 * time.Millisecond}
	for _, starttls := range []bool{false, true} {
		c.StartTLS = starttls
		d := newDirectory(t, c)
		began := time.Now()
		_, err := d.Authenticate(context.Background(), "jkowalska", "secret")
		wantCode(t, "silent server", err, okienko.EUNAVAILABLE)
		if took := time.Since(began); took > 3*time.Second {
			t.Errorf("StartTLS %v: the silent server held the sign-in %v", starttls, took)
		}
	}
	c.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err = newDirectory(t, c).Authenticate(ctx, "jkowalska", "secret")
	wantCode(t, "silent server, short context", err, okienko.EUNAVAILABLE)
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("the context's deadline was not kept: %v", took)
	}
}

// New refuses configurations that can't work, naming what is wrong.
func TestNewRefusesBadConfig(t *testing.T) {
	good := ldap.Config{URL: "ldap://dir.example:389", BaseDN: "dc=example,dc=org", ClerkGroup: "cn=c,dc=example,dc=org"}
	if _, err := ldap.New(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, c := range []struct {
		change func(*ldap.Config)
		want   string
	}{
		{func(c *ldap.Config) { c.URL = "http://dir.example" }, "ldap://"},
		{func(c *ldap.Config) { c.URL = "ldaps://dir.example"; c.StartTLS = true }, "StartTLS"},
		{func(c *ldap.Config) { c.UserFilter = "(uid=jkowalska)" }, "{username}"},
		{func(c *ldap.Config) { c.UserFilter = "(uid={username}" }, "filter"},
		{func(c *ldap.Config) { c.BaseDN = "" }, "base DN"},
		{func(c *ldap.Config) { c.ClerkGroup = "" }, "group"},
		{func(c *ldap.Config) { c.AdminGroup = "not a dn" }, "admin group"},
		{func(c *ldap.Config) { c.BindDN = "cn=s,dc=example,dc=org" }, "password"},
		{func(c *ldap.Config) { c.CAFile = "/nonexistent/ca.pem" }, "CA file"},
		{func(c *ldap.Config) { c.Timeout = time.Hour }, "timeout"},
	} {
		cfg := good
		c.change(&cfg)
		if _, err := ldap.New(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %+v: error %v, want one saying %q", cfg, err, c.want)
		}
	}
}

// Store.Login signs the directory's people in (source "ldap", the role
// from their groups) and refuses those it must, on both databases.
func TestLoginThroughLDAP(t *testing.T) {
	srv := ldaptest.Start(t)
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		clock := okienko.NewManualClock(time.Date(2031, 3, 3, 9, 0, 0, 0, time.UTC))
		s := auth.NewStore(db, clock, ratelimit.New(db, clock))
		s.UseDirectory(newDirectory(t, srv.Config(srv.URL)))
		ctx := context.Background()

		for _, c := range []struct {
			p    ldaptest.Person
			role string
		}{{ldaptest.Clerk, okienko.RoleClerk}, {ldaptest.Admin, okienko.RoleAdmin}, {ldaptest.ADClerk, okienko.RoleClerk}} {
			sess, token, err := s.Login(ctx, c.p.Name, c.p.Password, "10.0.0.1", "test")
			if err != nil {
				t.Fatalf("%s: %v", c.p.Name, err)
			}
			if u := sess.User; u.Source != "ldap" || u.Role != c.role || u.Username != c.p.Name || u.DisplayName != c.p.DisplayName {
				t.Errorf("%s signed in as %+v", c.p.Name, u)
			}
			if _, err := s.Authenticate(ctx, token); err != nil {
				t.Errorf("%s: the session doesn't authenticate: %v", c.p.Name, err)
			}
		}
		// The second sign-in finds the same user.
		if sess, _, err := s.Login(ctx, ldaptest.Clerk.Name, ldaptest.Clerk.Password, "10.0.0.1", "test"); err != nil {
			t.Fatal(err)
		} else if users, _ := s.Users(ctx); len(users) != 3 {
			t.Errorf("after signing in again as %s: users %+v, want 3", sess.User.Username, users)
		}

		for _, c := range []struct{ what, name, password, code string }{
			{"wrong password", ldaptest.Clerk.Name, "wrong password 1", okienko.EUNAUTHORIZED},
			{"unknown user", "nieznany", "whatever 1", okienko.EUNAUTHORIZED},
			{"no group", ldaptest.Nobody.Name, ldaptest.Nobody.Password, okienko.EFORBIDDEN},
			{"locked", ldaptest.Locked.Name, ldaptest.Locked.Password, okienko.EUNAUTHORIZED},
			{"disabled in AD", ldaptest.ADDisabled.Name, ldaptest.ADDisabled.Password, okienko.EUNAUTHORIZED},
			{"injection", "admin)(uid=*", ldaptest.Admin.Password, okienko.EUNAUTHORIZED},
		} {
			_, _, err := s.Login(ctx, c.name, c.password, "10.0.0.2", "test")
			wantCode(t, c.what, err, c.code)
		}
		if users, _ := s.Users(ctx); len(users) != 3 {
			t.Errorf("refused sign-ins made users: %+v", users)
		}
	})
}
