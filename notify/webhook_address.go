package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Webhook receivers are outside the office's network: unless the operator
// allows private addresses (OKIENKO_WEBHOOK_ALLOW_PRIVATE), an endpoint
// whose address is a literal internal IP is refused when it is written, and
// every request dials only an address checked after the name was resolved,
// so that an administrator can't make the server reach its own network
// (the database, the metrics, a printer agent, a cloud's metadata service).

// internalPrefixes are the networks a webhook may not reach: this host,
// private and shared (CGNAT) networks, link-local, multicast, reserved and
// unspecified addresses, IPv6 unique-local and link-local. IPv4-mapped
// IPv6 addresses are unmapped before the check.
var internalPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",      // this network, unspecified
		"10.0.0.0/8",     // private
		"100.64.0.0/10",  // shared address space (carrier-grade NAT)
		"127.0.0.0/8",    // loopback
		"169.254.0.0/16", // link-local (cloud metadata services)
		"172.16.0.0/12",  // private
		"192.0.0.0/24",   // IETF protocol assignments
		"192.168.0.0/16", // private
		"198.18.0.0/15",  // benchmarking
		"224.0.0.0/4",    // multicast
		"240.0.0.0/4",    // reserved, broadcast
		"::/128",         // unspecified
		"::1/128",        // loopback
		"64:ff9b:1::/48", // local-use IPv4/IPv6 translation
		"fc00::/7",       // unique local
		"fe80::/10",      // link-local
		"fec0::/10",      // site-local (deprecated)
		"ff00::/8",       // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// internalAddress returns what kind of internal address ip is ("loopback",
// "private" …), or "" for an address on the Internet.
func internalAddress(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	switch {
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	}
	for _, p := range internalPrefixes {
		if p.Contains(ip) {
			return "internal"
		}
	}
	return ""
}

// AddressRefused is the error of a webhook request to an internal address
// while those are not allowed. It is permanent: the delivery fails.
type AddressRefused struct {
	Host string // the name or address of the endpoint, when known
	IP   netip.Addr
	Kind string // loopback, private, link-local …
}

func (e *AddressRefused) Error() string {
	who := e.IP.String()
	if e.Host != "" && e.Host != who {
		who = e.Host + " (" + who + ")"
	}
	return fmt.Sprintf("refused: %s is a %s address, not on the Internet; OKIENKO_WEBHOOK_ALLOW_PRIVATE=true allows internal receivers", who, e.Kind)
}

// refuseInternal is a net.Dialer Control function: it refuses to connect
// to an internal address. It runs after the name was resolved, for every
// address dialled, so the address checked is the address connected to.
func refuseInternal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused: unexpected address %q", address)
	}
	if kind := internalAddress(ap.Addr()); kind != "" {
		return &AddressRefused{IP: ap.Addr().Unmap(), Kind: kind}
	}
	return nil
}

// guardedClient returns the webhook client: no redirects, no proxy, and,
// unless allowPrivate, a dialer that refuses internal addresses.
func guardedClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = refuseInternal
	}
	t := &http.Transport{
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// literalInternal returns, for a webhook URL whose host is a literal
// internal IP address or localhost, what kind of address it is; "" for
// any other URL (a name is checked when it is dialled).
func literalInternal(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "loopback"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	return internalAddress(ip)
}
