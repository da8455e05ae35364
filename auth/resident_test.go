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

// A value sealed for one purpose never opens as another, though the
// server secret is the same; each seal is fresh (no two values alike).
func TestSealerPurposes(t *testing.T) {
	a := auth.NewSealer(auth.SealKey("secret", "one"))
	b := auth.NewSealer(auth.SealKey("secret", "two"))
	type value struct{ N int }
	v1, v2 := a.Seal(value{7}), a.Seal(value{7})
	if v1 == v2 {
		t.Fatal("two seals of one value are alike")
	}
	var got value
	if !a.Open(v1, 1024, &got) || got.N != 7 {
		t.Fatalf("opened %+v", got)
	}
	if b.Open(v1, 1024, &got) {
		t.Error("a value sealed for one purpose opened as another")
	}
	if a.Open(v1, len(v1)-1, &got) {
		t.Error("a value longer than the bound opened")
	}
}
