package booking

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// CodeAlphabet holds the 32 symbols of a confirmation code: upper-case
// letters and digits without the look-alikes 0, 1, I and O.
const CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CodeLength is the number of symbols in a confirmation code (40 random bits).
const CodeLength = 8

// Errors returned by ParseCode.
var (
	errCodeLength    = errors.New("must be 8 characters, like ABCD-EFGH")
	errCodeLookAlike = errors.New("must not contain 0, 1, I or O, which codes never use")
	errCodeChar      = errors.New("may contain only letters and digits 2–9, with one dash in the middle")
)

// codeIndex maps an upper-case ASCII byte to its position in CodeAlphabet,
// or -1.
var codeIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(CodeAlphabet); i++ {
		t[CodeAlphabet[i]] = int8(i)
	}
	return t
}()

// NewCode returns a fresh confirmation code of CodeLength canonical symbols
// from crypto/rand. Each symbol takes 5 random bits, so every symbol is
// equally likely. Uniqueness among live bookings is the caller's business.
func NewCode() (string, error) {
	var b [5]byte // 40 bits = 8 symbols × 5 bits
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("booking: reading random code: %w", err)
	}
	var n uint64
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	var code [CodeLength]byte
	for i := range code {
		code[i] = CodeAlphabet[n&31]
		n >>= 5
	}
	return string(code[:]), nil
}

// ParseCode accepts a confirmation code typed by a resident: surrounding
// white space, any case, with or without the dash after the 4th symbol. It
// returns the canonical 8 upper-case symbols, or a plain error with an
// English message for the wrong length, look-alikes (0, 1, I, O) or any other
// character.
func ParseCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == CodeLength+1 && s[4] == '-' {
		s = s[:4] + s[5:]
	}
	if len(s) != CodeLength {
		return "", errCodeLength
	}
	var code [CodeLength]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		switch {
		case codeIndex[c] >= 0:
			code[i] = c
		case c == '0' || c == '1' || c == 'I' || c == 'O':
			return "", errCodeLookAlike
		default:
			return "", errCodeChar
		}
	}
	return string(code[:]), nil
}

// FormatCode returns a canonical code as it is shown and printed,
// "XXXX-XXXX". A string of any other length is returned unchanged.
func FormatCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}
