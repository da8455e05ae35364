package auth_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/okienko/okienko/auth"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "correct horse battery") {
		t.Fatal("right password rejected")
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		if auth.CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	h2, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

// The default parameters are OWASP's argon2id minimum with a 16-byte salt
// and a 32-byte key, written as a PHC string.
func TestHashPasswordDefaultParams(t *testing.T) {
	auth.UseDefaultHashParams(t)
	h, err := auth.HashPassword("zażółć gęślą jaźń")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("hash %q doesn't start with %q", h, prefix)
	}
	parts := strings.Split(strings.TrimPrefix(h, prefix), "$")
	if len(parts) != 2 {
		t.Fatalf("hash %q: want salt$key after the parameters", h)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[0])
	if err != nil || len(salt) != 16 {
		t.Fatalf("salt %q: %d bytes, %v; want 16", parts[0], len(salt), err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[1])
	if err != nil || len(key) != 32 {
		t.Fatalf("key %q: %d bytes, %v; want 32", parts[1], len(key), err)
	}
	if !auth.CheckPassword(h, "zażółć gęślą jaźń") || auth.CheckPassword(h, "zazolc gesla jazn") {
		t.Fatal("check against a default-parameter hash is wrong")
	}
}

// Malformed hashes match nothing and never panic.
func TestCheckPasswordMalformed(t *testing.T) {
	good, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	flipped := []byte(parts[5])
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	cases := map[string]string{
		"empty":              "",
		"plain text":         "correct horse battery",
		"too few parts":      strings.Join(parts[:5], "$"),
		"too many parts":     good + "$x",
		"no leading dollar":  strings.TrimPrefix(good, "$"),
		"argon2i":            with(1, "argon2i"),
		"bcrypt":             "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"old version":        with(2, "v=16"),
		"version garbage":    with(2, "v=19x"),
		"no version":         with(2, ""),
		"params missing":     with(3, "m=64,t=1"),
		"params reordered":   with(3, "t=1,m=64,p=1"),
		"params leading 0":   with(3, "m=064,t=1,p=1"),
		"params negative":    with(3, "m=-64,t=1,p=1"),
		"memory zero":        with(3, "m=0,t=1,p=1"),
		"memory huge":        with(3, "m=4294967296,t=1,p=1"),
		"memory too large":   with(3, "m=2000000000,t=1,p=1"),
		"time zero":          with(3, "m=64,t=0,p=1"),
		"time huge":          with(3, "m=64,t=1000000,p=1"),
		"threads zero":       with(3, "m=64,t=1,p=0"),
		"threads overflow":   with(3, "m=4096,t=1,p=256"),
		"salt not base64":    with(4, "!!!!"),
		"salt padded":        with(4, parts[4]+"=="),
		"salt short":         with(4, "c2FsdA"),
		"key not base64":     with(5, "####"),
		"key short":          with(5, "c2hvcnQ"),
		"key changed":        with(5, string(flipped)),
		"key empty":          with(5, ""),
		"salt and key empty": with(4, "") + "$",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			if auth.CheckPassword(h, "correct horse battery") {
				t.Fatalf("CheckPassword(%q) = true", h)
			}
		})
	}
	if !auth.CheckPassword(good, "correct horse battery") {
		t.Fatal("the unmodified hash must still match")
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw string
		ok bool
	}{
		{"", false},
		{strings.Repeat("a", 9), false},
		{strings.Repeat("a", 10), true},
		{strings.Repeat("ą", 10), true}, // characters, not bytes
		{strings.Repeat("ą", 9), false},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
		{strings.Repeat("ż", 256), true},
	}
	for _, c := range cases {
		if got := auth.ValidatePassword(c.pw) == ""; got != c.ok {
			t.Errorf("ValidatePassword(%d characters, %d bytes) ok = %v, want %v", len([]rune(c.pw)), len(c.pw), got, c.ok)
		}
	}
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := auth.NewToken()
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) != 32 {
			t.Fatalf("token %q: %d bytes, %v; want 32 bytes of base64url", tok, len(b), err)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
	h := auth.HashToken("abc")
	if h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashToken(abc) = %s, want SHA-256 hex", h)
	}
	if b, err := hex.DecodeString(auth.HashToken(auth.NewToken())); err != nil || len(b) != 32 {
		t.Fatalf("HashToken isn't 32 bytes of hex: %v", err)
	}
}
