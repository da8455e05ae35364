package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okienko/okienko/auth/ldap/ldaptest"
)

// The OKIENKO_LDAP_* settings are checked at start: a bad one names
// itself, and without OKIENKO_LDAP_URL no directory is asked.
func TestLoadConfigLDAP(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.directory(); d != nil || err != nil {
		t.Fatalf("no OKIENKO_LDAP_URL: directory %v, %v", d, err)
	}
	good := map[string]string{"OKIENKO_LDAP_URL": "ldaps://dc1.urzad.example", "OKIENKO_LDAP_BASE_DN": "dc=urzad,dc=example",
		"OKIENKO_LDAP_CLERK_GROUP": "cn=Urzednicy,ou=Grupy,dc=urzad,dc=example", "OKIENKO_LDAP_BIND_DN": "cn=okienko,dc=urzad,dc=example",
		"OKIENKO_LDAP_BIND_PASSWORD": "service secret"}
	if c, err := loadConfig(env(good)); err != nil {
		t.Fatal(err)
	} else if d, err := c.directory(); d == nil || err != nil {
		t.Fatalf("directory %v, %v", d, err)
	}
	for k, v := range map[string]string{
		"OKIENKO_LDAP_URL":         "https://dc1.urzad.example",
		"OKIENKO_LDAP_STARTTLS":    "yes",
		"OKIENKO_LDAP_TIMEOUT":     "five seconds",
		"OKIENKO_LDAP_BASE_DN":     "",
		"OKIENKO_LDAP_USER_FILTER": "(uid=admin)",
		"OKIENKO_LDAP_CA_FILE":     "/nonexistent/ca.pem",
	} {
		vars := map[string]string{}
		for gk, gv := range good {
			vars[gk] = gv
		}
		vars[k] = v
		if _, err := loadConfig(env(vars)); err == nil || !strings.Contains(err.Error(), "LDAP") {
			t.Errorf("%s=%q: %v, want an error naming the LDAP setting", k, v, err)
		}
	}
}

// A server configured with the directory signs its people in: POST
// /api/v1/auth/login with an administrator of the directory (StartTLS,
// the service password from a file), whose users list then shows the
// user's source.
func TestServeSignsInThroughLDAP(t *testing.T) {
	srv := ldaptest.Start(t)
	dir := t.TempDir()
	pass := filepath.Join(dir, "ldap-password")
	if err := os.WriteFile(pass, []byte(ldaptest.BindPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(env(map[string]string{"OKIENKO_DATA_DIR": dir, "OKIENKO_LISTEN": "127.0.0.1:0", "OKIENKO_ADMIN_PASSWORD": "demo-password-1",
		"OKIENKO_LDAP_URL": srv.URL, "OKIENKO_LDAP_STARTTLS": "true", "OKIENKO_LDAP_CA_FILE": srv.CAFile,
		"OKIENKO_LDAP_BIND_DN": ldaptest.BindDN, "OKIENKO_LDAP_BIND_PASSWORD_FILE": pass, "OKIENKO_LDAP_BASE_DN": ldaptest.BaseDN,
		"OKIENKO_LDAP_ADMIN_GROUP": ldaptest.AdminGroup, "OKIENKO_LDAP_CLERK_GROUP": ldaptest.ClerkGroup}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &out, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	}
	base := "http://" + addr

	post := func(user, password string) *http.Response {
		body, _ := json.Marshal(map[string]string{"username": user, "password": password})
		resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post(ldaptest.Admin.Name, "wrong password 1")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp = post(ldaptest.Nobody.Name, ldaptest.Nobody.Password)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a person in no group: %d, want 403", resp.StatusCode)
	}
	resp = post(ldaptest.Admin.Name, ldaptest.Admin.Password)
	var login struct{ Token, Role, Username string }
	err = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || login.Role != "admin" || login.Username != ldaptest.Admin.Name {
		t.Fatalf("directory admin's sign-in: %d %+v %v", resp.StatusCode, login, err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var users []struct {
		Username string `json:"username"`
		Source   string `json:"source"`
		Role     string `json:"role"`
	}
	if err := json.Unmarshal(body, &users); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("users: %d %s", resp.StatusCode, body)
	}
	sources := map[string]string{}
	for _, u := range users {
		sources[u.Username] = u.Source
	}
	if sources[ldaptest.Admin.Name] != "ldap" || sources["admin"] != "local" || !strings.Contains(string(body), `"source":"ldap"`) {
		t.Fatalf("users' sources %v, want %s from ldap and the demo admin local: %s", sources, ldaptest.Admin.Name, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
}
