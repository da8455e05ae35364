package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

func TestAuth(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)

		t.Run("no token is 401", func(t *testing.T) {
			resp, body := e.do("GET", "/api/v1/admin/departments", nil)
			if resp.StatusCode != 401 {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			problemOf(t, resp, body)
			resp, _ = e.do("GET", "/api/v1/admin/departments", nil, bearer("not-a-token")...)
			if resp.StatusCode != 401 {
				t.Fatalf("bad token: status %d, want 401", resp.StatusCode)
			}
		})

		t.Run("wrong password is 401", func(t *testing.T) {
			resp, body := e.do("POST", "/api/v1/auth/login", map[string]string{"username": e.creds.AdminUser, "password": "wrong-password-1"})
			if resp.StatusCode != 401 {
				t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
			}
			problemOf(t, resp, body)
			resp, _ = e.do("POST", "/api/v1/auth/login", map[string]string{"username": "nobody-here", "password": "wrong-password-1"})
			if resp.StatusCode != 401 {
				t.Fatalf("unknown user: status %d, want 401", resp.StatusCode)
			}
		})

		t.Run("login gives a token with the role", func(t *testing.T) {
			resp, body := e.do("POST", "/api/v1/auth/login", map[string]string{"username": e.creds.AdminUser, "password": e.creds.AdminPassword})
			if resp.StatusCode != 200 {
				t.Fatalf("login: %d %s", resp.StatusCode, body)
			}
			var got map[string]any
			_ = json.Unmarshal(body, &got)
			if got["role"] != "admin" || got["token"] == "" {
				t.Fatalf("login answer %s", body)
			}
			var cookie *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "okienko_session" {
					cookie = c
				}
			}
			if cookie == nil || !cookie.HttpOnly || cookie.Value != got["token"] {
				t.Fatalf("session cookie %+v", cookie)
			}
			// The cookie's lifetime is relative: a browser counts it on its
			// own clock, whatever day the server's clock shows.
			setCookie := resp.Header.Get("Set-Cookie")
			if cookie.MaxAge != 12*3600 || strings.Contains(strings.ToLower(setCookie), "expires=") {
				t.Fatalf("session cookie %q: want max-age=43200 and no Expires", setCookie)
			}
			if got["expires_in"] != float64(12*3600) {
				t.Fatalf("login answer expires_in %v, want 43200", got["expires_in"])
			}
		})

		t.Run("a used session sends its cookie again", func(t *testing.T) {
			tok := e.adminToken()
			cookie := "okienko_session=" + tok
			resp, _ := e.do("GET", "/api/v1/auth/me", nil, "Cookie", cookie)
			if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
				t.Fatalf("at once: %d, Set-Cookie %q; want 200 and no new cookie", resp.StatusCode, resp.Header.Get("Set-Cookie"))
			}
			// Eleven hours later the session slides; the browser's cookie
			// must slide with it, or it would end an hour later.
			e.clock.Advance(11 * time.Hour)
			resp, body := e.do("GET", "/api/v1/auth/me", nil, "Cookie", cookie)
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Set-Cookie"), "okienko_session="+tok) ||
				!strings.Contains(resp.Header.Get("Set-Cookie"), "max-age=43200") {
				t.Fatalf("11 h later: %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
			}
			var me struct {
				ExpiresIn int `json:"expires_in"`
			}
			if json.Unmarshal(body, &me) != nil || me.ExpiresIn != 12*3600 {
				t.Fatalf("me %s: want expires_in 43200", body)
			}
			// A bearer token gets no cookie.
			e.clock.Advance(11 * time.Hour)
			resp, _ = e.do("GET", "/api/v1/auth/me", nil, bearer(tok)...)
			if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") != "" {
				t.Fatalf("bearer: %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
			}
		})

		t.Run("clerk token on the admin API is 403", func(t *testing.T) {
			clerk := e.login(e.creds.ClerkUser, e.creds.ClerkPassword)
			resp, body := e.do("GET", "/api/v1/admin/departments", nil, bearer(clerk)...)
			if resp.StatusCode != 403 {
				t.Fatalf("status %d, want 403: %s", resp.StatusCode, body)
			}
			problemOf(t, resp, body)
			resp, _ = e.do("GET", "/api/v1/auth/me", nil, bearer(clerk)...)
			if resp.StatusCode != 200 {
				t.Fatalf("clerk /me: %d", resp.StatusCode)
			}
		})

		t.Run("cookie changes need the CSRF token", func(t *testing.T) {
			cookie, csrf := e.withT(t).signIn(e.creds.AdminUser, e.creds.AdminPassword)
			resp, body := e.do("GET", "/api/v1/admin/departments", nil, "Cookie", cookie)
			if resp.StatusCode != 200 {
				t.Fatalf("cookie GET: %d %s", resp.StatusCode, body)
			}
			patch := map[string]any{"name": "Biuro Obsługi Mieszkańców"}
			resp, body = e.do("PATCH", "/api/v1/admin/departments/1", patch, "Cookie", cookie)
			if resp.StatusCode != 403 {
				t.Fatalf("cookie PATCH without CSRF: %d %s, want 403", resp.StatusCode, body)
			}
			resp, body = e.do("PATCH", "/api/v1/admin/departments/1", patch, "Cookie", cookie, "X-CSRF-Token", "wrong")
			if resp.StatusCode != 403 {
				t.Fatalf("cookie PATCH with a wrong CSRF token: %d %s, want 403", resp.StatusCode, body)
			}
			resp, body = e.do("PATCH", "/api/v1/admin/departments/1", patch, "Cookie", cookie, "X-CSRF-Token", csrf)
			if resp.StatusCode != 200 {
				t.Fatalf("cookie PATCH with CSRF: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("logout by cookie needs the CSRF token", func(t *testing.T) {
			cookie, csrf := e.withT(t).signIn(e.creds.ClerkUser, e.creds.ClerkPassword)
			if resp, body := e.do("POST", "/api/v1/auth/logout", nil, "Cookie", cookie); resp.StatusCode != 403 {
				t.Fatalf("logout by cookie without CSRF: %d %s, want 403", resp.StatusCode, body)
			}
			if resp, _ := e.do("GET", "/api/v1/auth/me", nil, "Cookie", cookie); resp.StatusCode != 200 {
				t.Fatalf("the refused logout ended the session: %d", resp.StatusCode)
			}
			if resp, _ := e.do("POST", "/api/v1/auth/logout", nil, "Cookie", cookie, "X-CSRF-Token", csrf); resp.StatusCode != 204 {
				t.Fatalf("logout with CSRF: %d", resp.StatusCode)
			}
			if resp, _ := e.do("GET", "/api/v1/auth/me", nil, "Cookie", cookie); resp.StatusCode != 401 {
				t.Fatalf("after logout: %d, want 401", resp.StatusCode)
			}
			// A cookie of no live session is cleared without a token.
			if resp, _ := e.do("POST", "/api/v1/auth/logout", nil, "Cookie", cookie); resp.StatusCode != 204 {
				t.Fatalf("logout of an ended session: %d", resp.StatusCode)
			}
		})

		t.Run("logout ends the session", func(t *testing.T) {
			tok := e.adminToken()
			resp, _ := e.do("POST", "/api/v1/auth/logout", nil, bearer(tok)...)
			if resp.StatusCode != 204 {
				t.Fatalf("logout: %d", resp.StatusCode)
			}
			resp, _ = e.do("GET", "/api/v1/auth/me", nil, bearer(tok)...)
			if resp.StatusCode != 401 {
				t.Fatalf("after logout: %d, want 401", resp.StatusCode)
			}
		})

		t.Run("four failures slow down with 429 and Retry-After", func(t *testing.T) {
			// Earlier subtests failed from this address too; start a new window.
			e.clock.Advance(time.Hour)
			user := e.creds.ClerkUser
			for i := 0; i < 4; i++ {
				resp, _ := e.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": "wrong-password-" + strconv.Itoa(i)})
				if resp.StatusCode != 401 {
					t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
				}
			}
			resp, body := e.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": e.creds.ClerkPassword})
			if resp.StatusCode != 429 {
				t.Fatalf("5th attempt with the right password: %d %s, want 429", resp.StatusCode, body)
			}
			problemOf(t, resp, body)
			ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || ra != 30 {
				t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
			// The window passes: the right password works again.
			e.clock.Advance(time.Duration(ra+1) * time.Second)
			resp, body = e.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": e.creds.ClerkPassword})
			if resp.StatusCode != 200 {
				t.Fatalf("after the window: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("login bad input", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				body any
				want int
			}{
				{"malformed", `{"username":`, 400},
				{"wrong type", `{"username":1,"password":"x"}`, 400},
				{"unknown field", `{"username":"a","password":"b","role":"admin"}`, 400},
				{"missing password", `{"username":"admin"}`, 422},
				{"empty", ``, 400},
			} {
				resp, body := e.do("POST", "/api/v1/auth/login", tc.body)
				if resp.StatusCode != tc.want {
					t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
				}
			}
		})
	})
}

// signIn signs in as a page does and returns the session cookie (as a
// Cookie header) and the session's CSRF token.
func (e *env) signIn(username, password string) (cookie, csrf string) {
	e.t.Helper()
	resp, body := e.do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	var out struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		e.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	return "okienko_session=" + out.Token, out.CSRFToken
}
