package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

func TestInternalAddresses(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"10.1.2.3": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.1.1": "private",
		"::ffff:10.0.0.1": "private", "::ffff:192.168.0.10": "private", "fd12:3456::1": "private", "fc00::1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local", "::ffff:169.254.169.254": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified", "::ffff:0.0.0.0": "unspecified",
		"224.0.0.1": "link-local", "239.1.2.3": "multicast", "ff02::1": "link-local", "ff0e::1": "multicast",
		"100.64.0.1": "internal", "100.127.255.254": "internal", "0.1.2.3": "internal", "255.255.255.255": "internal",
		"198.18.0.1": "internal", "fec0::1": "internal",
		// On the Internet.
		"8.8.8.8": "", "100.63.255.255": "", "100.128.0.0": "", "172.32.0.1": "", "2001:4860:4860::8888": "",
		"::ffff:8.8.8.8": "", "193.0.0.1": "",
	} {
		if got := internalAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
	for _, address := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:443", "10.1.2.3:8080", "169.254.169.254:80", "100.64.1.1:443"} {
		var refused *AddressRefused
		if err := refuseInternal("tcp", address, nil); !errors.As(err, &refused) {
			t.Errorf("dialling %s: %v, want refused", address, err)
		}
	}
	if err := refuseInternal("tcp", "8.8.8.8:443", nil); err != nil {
		t.Errorf("dialling 8.8.8.8: %v", err)
	}
}

// Without OKIENKO_WEBHOOK_ALLOW_PRIVATE, a delivery to a receiver on
// 127.0.0.1, or at a name that resolves to an internal address, fails at
// once (no retries) with the reason in the delivery log; nothing reaches
// the receiver. Allowed, the same delivery goes.
func TestWebhookToInternalAddressRefusedAtSend(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		rc := newReceiver(t)
		hooks, byIP := newHook(t, f, rc, outbox.HookBookingCreated)
		port := rc.srv.URL[strings.LastIndex(rc.srv.URL, ":"):]
		byName, err := hooks.Create(context.Background(), WebhookSpec{URL: "http://localhost.test.okienko" + port + "/hook",
			Events: []string{outbox.HookBookingCreated}, Secret: hookSecret, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		f.book(t, "pl", "")
		w := f.worker(&recorder{}, &recorder{})
		w.AllowPrivate = false
		w.HTTP = nil
		// The name resolves to an internal address through the worker's
		// own resolver (no DNS server is asked).
		w.hookClientOnce.Do(func() {
			w.hookClient = guardedClientResolving(false, map[string]string{"localhost.test.okienko": "10.20.30.40"})
		})
		runOnce(t, w)
		if got := rc.delivered(); len(got) != 0 {
			t.Fatalf("the receiver on 127.0.0.1 got %v", got)
		}
		for _, c := range []struct {
			ep   *Webhook
			want string
		}{{byIP, "127.0.0.1 is a loopback address"}, {byName, "localhost.test.okienko (10.20.30.40) is a private address"}} {
			ds, err := hooks.Deliveries(context.Background(), c.ep.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || ds[0].State != outbox.Failed || len(ds[0].Log) != 1 || !strings.Contains(ds[0].Log[0].Error, c.want) ||
				!strings.Contains(ds[0].Log[0].Error, "OKIENKO_WEBHOOK_ALLOW_PRIVATE") || !strings.Contains(ds[0].LastError, c.want) {
				t.Fatalf("%s: deliveries %+v, want failed with %q", c.ep.URL, ds, c.want)
			}
		}
		// Allowed: the same delivery, sent again, goes to 127.0.0.1.
		ds, _ := hooks.Deliveries(context.Background(), byIP.ID, 0)
		if _, err := hooks.Redeliver(context.Background(), byIP.ID, ds[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := hooks.Delete(context.Background(), byName.ID); err != nil {
			t.Fatal(err)
		}
		allowed := f.worker(&recorder{}, &recorder{})
		runOnce(t, allowed)
		if got := rc.delivered(); len(got) != 1 {
			t.Fatalf("allowed, the receiver got %v", got)
		}
	})
}

// Without the allowance an endpoint at a literal internal address (or
// localhost) is refused when written, naming url; allowed, it is stored.
func TestWebhookInternalAddressRefusedAtCreate(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		hooks := &Webhooks{DB: db, Clock: f.clock}
		for _, u := range []string{"http://127.0.0.1:8080/in", "http://10.0.0.5/in", "https://[::1]/in", "http://[::ffff:192.168.1.1]/in",
			"http://169.254.169.254/latest/meta-data", "http://100.64.0.1/in", "http://[fd00::1]/in", "http://localhost:9000/in", "http://0.0.0.0/in"} {
			_, err := hooks.Create(ctx, WebhookSpec{URL: u, Events: []string{outbox.HookTicketCalled}, Active: true})
			var oe *okienko.Error
			if !errors.As(err, &oe) || oe.Code != okienko.EINVALID || !strings.Contains(oe.Fields["url"], "OKIENKO_WEBHOOK_ALLOW_PRIVATE") {
				t.Errorf("%s: %v", u, err)
			}
		}
		ep, err := hooks.Create(ctx, WebhookSpec{URL: "https://dms.example/in", Events: []string{outbox.HookTicketCalled}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hooks.Update(ctx, ep.ID, func(s *WebhookSpec) error { s.URL = "http://192.168.0.7/in"; return nil }); okienko.ErrorCode(err) != okienko.EINVALID {
			t.Errorf("changing the address to a private one: %v", err)
		}
		allowed := &Webhooks{DB: db, Clock: f.clock, AllowPrivate: true}
		if _, err := allowed.Create(ctx, WebhookSpec{URL: "http://10.0.0.5/in", Events: []string{outbox.HookTicketCalled}, Active: true}); err != nil {
			t.Errorf("allowed: %v", err)
		}
	})
}

// guardedClientResolving is guardedClient with names of hosts resolved
// from the map, as a DNS server would answer: the dialer's check still
// sees the address dialled.
func guardedClientResolving(allowPrivate bool, hosts map[string]string) *http.Client {
	c := guardedClient(allowPrivate)
	tr := c.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil {
			if ip, ok := hosts[host]; ok {
				addr = net.JoinHostPort(ip, port)
			}
		}
		return dial(ctx, network, addr)
	}
	return c
}
