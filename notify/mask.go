package notify

import (
	"strings"

	"github.com/okienko/okienko/notify/outbox"
)

// Mask returns the address as the administrator may see it: the first
// letter and the domain of an e-mail (j***@example.com), the country code
// and last three digits of a phone (+48******789).
func Mask(channel, to string) string {
	if to == "" {
		return ""
	}
	if channel == outbox.Email {
		at := strings.LastIndexByte(to, '@')
		if at < 1 {
			return "***"
		}
		return to[:1] + "***" + to[at:]
	}
	r := []rune(to)
	if len(r) <= 6 {
		return "***"
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-6) + string(r[len(r)-3:])
}
