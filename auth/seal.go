package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// Sealer makes cookie values that are both secret and unforgeable: JSON
// under AES-GCM with a fresh nonce each time. A value opens only under the
// key that sealed it. Safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// SealKey derives a 32-byte sealing key for one purpose from the server
// secret, so a value sealed for one purpose never opens as another.
func SealKey(secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// NewSealer returns a sealer under key, which must be 32 bytes (SealKey).
func NewSealer(key []byte) *Sealer {
	if len(key) != 32 {
		panic("auth: a sealing key is 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// Seal returns v (which must marshal to JSON) as a URL-safe value.
func (s *Sealer) Seal(v any) string {
	plain, err := json.Marshal(v)
	if err != nil {
		panic(err) // callers seal their own plain structs
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, nil))
}

// Open reads into v a value Seal made under the same key, of at most max
// characters. It reports false when value is anything else (empty, too
// long, altered, sealed under another key).
func (s *Sealer) Open(value string, max int, v any) bool {
	if value == "" || len(value) > max {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n {
		return false
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	return err == nil && json.Unmarshal(plain, v) == nil
}
