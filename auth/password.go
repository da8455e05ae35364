package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// argonParams are the cost parameters of new password hashes.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	saltLen int
	keyLen  uint32
}

// owaspParams are OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
var owaspParams = argonParams{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// hashParams are used for new hashes. Tests lower them for speed; stored
// hashes carry their own parameters, so changing them never breaks sign-in.
var hashParams = owaspParams

// HashPassword returns the argon2id hash of pw as a PHC string
// "$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>" with a fresh random salt. It
// doesn't check the password rules (see ValidatePassword).
func HashPassword(pw string) (string, error) {
	p := hashParams
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, a PHC string made by
// HashPassword (with any parameters). A malformed hash matches nothing.
func CheckPassword(hash, pw string) bool {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Limits on the parameters CheckPassword accepts, so a corrupt or hostile
// stored hash can't make it allocate without bound or spin.
const (
	maxArgonMemory = 1 << 20 // KiB (1 GiB)
	maxArgonTime   = 64
	maxArgonKey    = 128
)

// parseHash splits a PHC argon2id string into its parameters, salt and key.
func parseHash(hash string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("not an argon2id PHC string")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	var memory, time, threads uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", memory, time, threads) != parts[3] {
		return p, nil, nil, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	if threads < 1 || threads > 255 || time < 1 || time > maxArgonTime || memory < 8*threads || memory > maxArgonMemory {
		return p, nil, nil, fmt.Errorf("argon2 parameters out of range %q", parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("bad argon2 salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxArgonKey {
		return p, nil, nil, fmt.Errorf("bad argon2 key")
	}
	p = argonParams{memory: uint32(memory), time: uint32(time), threads: uint8(threads), saltLen: len(salt), keyLen: uint32(len(key))}
	return p, salt, key, nil
}

// dummyHash is checked against when a user doesn't exist, so an unknown
// name costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(NewToken())
	if err != nil {
		panic(err)
	}
	return h
})

// ValidatePassword checks the password rules: 10 to 256 characters. It
// returns the message for the password field, or "" when pw is fine.
func ValidatePassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Sprintf("must be at most %d characters", MaxPasswordLength)
	}
	return ""
}

// NewToken returns 32 random bytes from crypto/rand, base64url without
// padding: for session, CSRF and kiosk tokens.
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the SHA-256 of token in hex, the form tokens are stored
// and looked up in.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
