package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/ldap"
	"github.com/okienko/okienko/auth/ldap/ldaptest"
	"github.com/okienko/okienko/database/databasetest"
)

// A clerk of the office's directory (a real slapd) signs in with POST
// /api/v1/auth/login, and the administrators' list of users says where
// each comes from: the clerk from "ldap", the demo admin "local".
func TestLoginThroughLDAPListsSource(t *testing.T) {
	srv := ldaptest.Start(t)
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		d, err := ldap.New(srv.Config(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		e.users.UseDirectory(d)
		if s := e.loginStatus(ldaptest.Clerk.Name, "wrong password 1"); s != 401 {
			t.Fatalf("wrong directory password: %d, want 401", s)
		}
		if s := e.loginStatus(ldaptest.Nobody.Name, ldaptest.Nobody.Password); s != 403 {
			t.Fatalf("a person in no group: %d, want 403", s)
		}
		token := e.login(ldaptest.Clerk.Name, ldaptest.Clerk.Password)
		if resp, body := e.do("GET", "/api/v1/auth/me", nil, bearer(token)...); resp.StatusCode != 200 {
			t.Fatalf("the directory clerk's session: %d %s", resp.StatusCode, body)
		}
		resp, body := e.do("GET", "/api/v1/admin/users", nil, bearer(e.adminToken())...)
		var users []struct {
			Username, Role, Source string
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &users) != nil {
			t.Fatalf("users: %d %s", resp.StatusCode, body)
		}
		got := map[string]string{}
		for _, u := range users {
			got[u.Username] = u.Source + " " + u.Role
		}
		if got[ldaptest.Clerk.Name] != "ldap clerk" || got[e.creds.AdminUser] != "local admin" {
			t.Fatalf("users %v: want %s from ldap (clerk) and %s local", got, ldaptest.Clerk.Name, e.creds.AdminUser)
		}
	})
}

// The users' list shows each user's source (lokalny, LDAP, OpenID; in
// English local, LDAP, OpenID) and, instead of the new password button of a
// user whose password is kept by the directory or the OpenID provider, a
// note saying so; the section stays free of serious axe violations.
func TestBrowserAdminUsersSources(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	ctx := context.Background()
	for _, id := range []auth.Identity{
		{Source: "ldap", Subject: "5a3f0c1e-0000-4000-8000-000000000001", Username: "jkowalska", DisplayName: "Joanna Kowalska", Role: okienko.RoleClerk},
		{Source: "oidc", Subject: "oidc-sub-2", Username: "pnowak", DisplayName: "Paweł Nowak", Role: okienko.RoleAdmin},
	} {
		if _, _, err := e.users.SignInWith(ctx, id, "10.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	row := func(name string) string { return listedRow("users-list", name, 6) }
	resetButton := func(name, label string) string {
		return `!!document.querySelector('#users-list button[aria-label=` + jsString(label+name) + `]')`
	}

	p := adminSignIn(t, e, "#uzytkownicy")
	is := func(expr string) bool { return p.text("String("+expr+")") == "true" }
	p.waitFor("the users", `!document.getElementById('sec-users').hidden && `+row("jkowalska")+` !== ''`)
	for name, want := range map[string]string{
		"jkowalska":       "jkowalska | Joanna Kowalska | urzędnik | aktywne | LDAP | hasło w katalogu",
		"pnowak":          "pnowak | Paweł Nowak | administrator | aktywne | OpenID | hasło u dostawcy logowania",
		e.creds.AdminUser: "",
	} {
		got := p.text(row(name))
		if want == "" {
			if !is(`(`+row(name)+`).includes(' | lokalny | ')`) || !is(resetButton(name, "Nowe hasło dla ")) {
				t.Errorf("the local admin's row %q: want lokalny and a new password button", got)
			}
			continue
		}
		// The row's actions begin with the note; Wyłącz and Usuń follow.
		if !strings.HasPrefix(got, want) || is(resetButton(name, "Nowe hasło dla ")) {
			t.Errorf("row of %s: %q, want it to start %q without a new password button", name, got, want)
		}
	}
	if got := p.text(`[...document.querySelectorAll('#users-list thead th')].map(h => h.textContent).join('|')`); got != "Nazwa użytkownika|Imię i nazwisko|Rola|Stan|Źródło|Czynności" {
		t.Errorf("the list's headers: %q", got)
	}
	p.axeAt("/admin#uzytkownicy with users of the directory", phone, desktop)

	p.do(chromedp.Navigate(p.text(`location.origin`) + "/admin?lang=en#uzytkownicy"))
	p.waitFor("the users in English", `document.documentElement.lang === 'en' && !document.getElementById('sec-users').hidden && `+row("jkowalska")+` !== ''`)
	if got := p.text(row("jkowalska")); len(got) < 10 || !is(`(`+row("jkowalska")+`).includes(' | LDAP | password in the directory')`) {
		t.Errorf("the directory clerk's row in English: %q", got)
	}
	if !is(`(`+row(e.creds.AdminUser)+`).includes(' | local | ')`) || !is(`(`+row("pnowak")+`).includes(' | OpenID | password at the sign-in provider')`) {
		t.Errorf("rows in English: %q / %q", p.text(row(e.creds.AdminUser)), p.text(row("pnowak")))
	}
	if got := p.text(`document.querySelectorAll('#users-list thead th')[4].textContent`); got != "Source" {
		t.Errorf("the source column in English: %q", got)
	}
	p.axeAt("/admin?lang=en#uzytkownicy with users of the directory", desktop)
}
