package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
)

// The resident's cookie is opened only as sealed, by the same secret,
// within ResidentTTL of the server's clock.
func TestResidentSeal(t *testing.T) {
	clock := okienko.NewManualClock(time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC))
	seal := auth.NewResidentSeal("secret", clock)
	v, maxAge := seal.Seal(auth.Resident{GivenName: "Anna", FamilyName: "Kowalska", PESEL: "85010112345"})
	if maxAge != auth.ResidentTTL || strings.Contains(v, "85010112345") || strings.Contains(v, "Kowalska") {
		t.Fatalf("sealed %q for %v", v, maxAge)
	}
	r, err := seal.Open(v)
	if err != nil || r.PESEL != "85010112345" || r.Name() != "Anna Kowalska" {
		t.Fatalf("opened %+v, %v", r, err)
	}
	flipped := []byte(v)
	flipped[len(flipped)/2] ^= 1
	for name, bad := range map[string]string{"altered": string(flipped), "empty": "", "garbage": "!!", "long": strings.Repeat("A", 5000)} {
		if _, err := seal.Open(bad); okienko.ErrorCode(err) != okienko.EUNAUTHORIZED {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := auth.NewResidentSeal("another secret", clock).Open(v); okienko.ErrorCode(err) != okienko.EUNAUTHORIZED {
		t.Errorf("another secret opened it: %v", err)
	}
	clock.Advance(auth.ResidentTTL - time.Second)
	if _, err := seal.Open(v); err != nil {
		t.Errorf("a second before its end: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := seal.Open(v); okienko.ErrorCode(err) != okienko.EUNAUTHORIZED {
		t.Errorf("at its end: %v", err)
	}
}
