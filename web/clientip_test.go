package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// Behind trusted proxies the client is the rightmost X-Forwarded-For entry
// that isn't one of them: what a client writes into the header itself (the
// entries on the left) never chooses its address, so no per-address limit
// can be dodged. Without trusted proxies the header is ignored. The address
// is read where sign-ins record it.
func TestClientAddressBehindProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
		xff     []string // header lines
		want    string
	}{
		{"one proxy, a forged entry on the left", []string{"127.0.0.1"}, []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},
		{"two proxies", []string{"127.0.0.1", "10.1.0.0/16"}, []string{"6.6.6.6, 203.0.113.5, 10.1.2.3"}, "203.0.113.5"},
		{"two header lines", []string{"127.0.0.1", "10.1.0.0/16"}, []string{"6.6.6.6", "203.0.113.5, 10.1.2.3"}, "203.0.113.5"},
		{"IPv6 with a port and brackets", []string{"127.0.0.1"}, []string{"[2001:db8::7]:4711"}, "2001:db8::7"},
		{"IPv4 with a port", []string{"127.0.0.1"}, []string{"203.0.113.6:51000"}, "203.0.113.6"},
		{"all trusted: the leftmost", []string{"127.0.0.1", "10.1.0.0/16"}, []string{"10.1.0.9, 10.1.2.3"}, "10.1.0.9"},
		{"garbage ends the walk", []string{"127.0.0.1", "10.1.0.0/16"}, []string{"203.0.113.5, nonsense, 10.1.2.3"}, "10.1.2.3"},
		{"no header: the proxy", []string{"127.0.0.1"}, nil, "127.0.0.1"},
		{"no trusted proxy: the header is ignored", nil, []string{"6.6.6.6"}, "127.0.0.1"},
		{"an untrusted peer: the header is ignored", []string{"10.9.9.9"}, []string{"6.6.6.6"}, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvTuned(t, databasetest.SQLite(t), generous, func(d *web.Deps) { d.TrustedProxies = tc.proxies })
			base := e.listen()
			var headers []string
			for _, line := range tc.xff {
				headers = append(headers, "X-Forwarded-For", line)
			}
			body := `{"username":"` + e.creds.AdminUser + `","password":"` + testPassword + `"}`
			if resp, out := e.overHTTP(base, "POST", "/api/v1/auth/login", body, headers...); resp.StatusCode != 200 {
				t.Fatalf("login: %d %s", resp.StatusCode, out)
			}
			var ip string
			if err := e.db.Table("sessions").Select("ip").Order("id DESC").Limit(1).Scan(&ip).Error; err != nil {
				t.Fatal(err)
			}
			if ip != tc.want {
				t.Fatalf("the session's address is %q, want %q", ip, tc.want)
			}
		})
	}
	if _, err := web.ParseProxies([]string{"10.0.0.1", "fd00::/8", " 192.0.2.0/24 "}); err != nil {
		t.Fatal(err)
	}
	if _, err := web.ParseProxies([]string{"10.0.0.1/33"}); err == nil || !strings.Contains(err.Error(), "10.0.0.1/33") {
		t.Fatalf("a bad prefix: %v", err)
	}
}

// The limits key on that address: a client writing a new address into
// X-Forwarded-For each time is still counted as itself.
func TestLimitsBehindProxies(t *testing.T) {
	limits := generous
	limits.Cancel = web.Limit{Max: 2, Window: time.Hour}
	e := newEnvTuned(t, databasetest.SQLite(t), limits, func(d *web.Deps) { d.TrustedProxies = []string{"127.0.0.1"} })
	base := e.listen()
	serviceID, _ := e.firstFreeSlot()
	body := fmt.Sprintf(`{"pesel":%q,"service_id":%d,"date":%q}`, validPESEL, serviceID, e.week.Date(1))
	for i, want := range []int{404, 404, 429} {
		resp, out := e.overHTTP(base, "POST", "/api/v1/bookings/cancel", body, "X-Forwarded-For", fmt.Sprintf("192.0.2.%d, 203.0.113.5", i))
		if resp.StatusCode != want {
			t.Fatalf("attempt %d: %d %s, want %d", i+1, resp.StatusCode, out, want)
		}
	}
	// Another client behind the same proxy isn't counted with it.
	if resp, out := e.overHTTP(base, "POST", "/api/v1/bookings/cancel", body, "X-Forwarded-For", "203.0.113.6"); resp.StatusCode != 404 {
		t.Fatalf("another client: %d %s", resp.StatusCode, out)
	}
}
