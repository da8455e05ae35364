package web

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ParseProxies reads the trusted reverse proxies: IP addresses or CIDR
// prefixes. An entry that is neither is an error naming it.
func ParseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an IP address or a CIDR prefix", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trustedProxy reports whether a is one of the trusted proxies.
func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client: the peer's, or, when the peer is
// a trusted proxy, the rightmost address in X-Forwarded-For (all its lines,
// in order) that is not a trusted proxy. Each proxy appends the address it
// was reached from, so the entries right of the client are the proxies' and
// everything left of it is whatever the client chose to send: reading from
// the left would let a client pick its own address and dodge every limit.
// An entry that isn't an address ends the walk at the last good one.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	client := peer.Unmap()
	if len(s.proxies) == 0 || !s.trustedProxy(client) {
		return client.String()
	}
	var entries []string
	for _, line := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		for _, e := range strings.Split(string(line), ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parseForwarded(entries[i])
		if !ok {
			break
		}
		client = a
		if !s.trustedProxy(a) {
			break
		}
	}
	return client.String()
}

// parseForwarded reads one X-Forwarded-For entry: an address, perhaps with
// a port, an IPv6 one perhaps in brackets.
func parseForwarded(e string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(e); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(e, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
