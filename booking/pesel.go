package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PESEL is a Polish national identification number: 11 ASCII digits. A value
// obtained from ParsePESEL has a valid check digit and birth date.
//
// It is personal data: String, fmt verbs and text/JSON marshalling show only
// the last 4 digits, so it is never printed whole by accident. Use
// string(p) when the digits themselves are needed, e.g. for HMAC.
type PESEL string

// Errors returned by ParsePESEL; the caller wraps them into a field error.
var (
	errPESELRequired  = errors.New("required")
	errPESELDigits    = errors.New("must be 11 digits")
	errPESELCheck     = errors.New("the check digit does not match")
	errPESELBirthDate = errors.New("the birth date encoded in it does not exist")
)

// peselWeights are the weights of the first 10 digits in the checksum.
var peselWeights = [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}

// ParsePESEL trims surrounding white space and accepts exactly 11 ASCII
// digits whose check digit matches and whose encoded birth date exists
// (months 01–12 are the 1900s, 21–32 the 2000s, 41–52 the 2100s, 61–72 the
// 2200s and 81–92 the 1800s). It returns a plain error with an English
// message ("must be 11 digits", "the check digit does not match", "the birth
// date encoded in it does not exist") that the caller turns into a field error.
func ParsePESEL(s string) (PESEL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errPESELRequired
	}
	if len(s) != 11 {
		return "", errPESELDigits
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", errPESELDigits
		}
	}
	if peselCheckDigit(s) != s[10]-'0' {
		return "", errPESELCheck
	}
	p := PESEL(s)
	if _, ok := p.birthDate(); !ok {
		return "", errPESELBirthDate
	}
	return p, nil
}

// peselCheckDigit computes the check digit of the first 10 digits of s,
// which must be ASCII digits.
func peselCheckDigit(s string) byte {
	sum := 0
	for i, w := range peselWeights {
		sum += int(s[i]-'0') * w
	}
	return byte((10 - sum%10) % 10)
}

// birthDate decodes the birth date; ok is false when p is not 11 digits or
// the date does not exist.
func (p PESEL) birthDate() (t time.Time, ok bool) {
	if len(p) != 11 {
		return time.Time{}, false
	}
	for i := 0; i < 6; i++ {
		if p[i] < '0' || p[i] > '9' {
			return time.Time{}, false
		}
	}
	two := func(i int) int { return int(p[i]-'0')*10 + int(p[i+1]-'0') }
	yy, mm, dd := two(0), two(2), two(4)
	var century int
	switch mm / 20 {
	case 0:
		century = 1900
	case 1:
		century = 2000
	case 2:
		century = 2100
	case 3:
		century = 2200
	case 4:
		century = 1800
	}
	month := mm % 20
	if month < 1 || month > 12 || dd < 1 {
		return time.Time{}, false
	}
	year := century + yy
	t = time.Date(year, time.Month(month), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd || int(t.Month()) != month || t.Year() != year {
		return time.Time{}, false // e.g. 30 February rolled over into March
	}
	return t, true
}

// BirthDate returns the birth date encoded in p at midnight UTC, or the zero
// time when p did not come from ParsePESEL and holds no valid date.
func (p PESEL) BirthDate() time.Time {
	t, _ := p.birthDate()
	return t
}

// Last4 returns the last 4 digits, the most a clerk is ever shown.
func (p PESEL) Last4() string {
	if len(p) < 4 {
		return string(p)
	}
	return string(p[len(p)-4:])
}

// HMAC returns the hex-encoded HMAC-SHA256 of the 11 digits keyed with
// secret: what is stored and looked up instead of the PESEL itself.
func (p PESEL) HMAC(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(p))
	return hex.EncodeToString(m.Sum(nil))
}

// String returns the PESEL masked as "*******" followed by its last 4 digits.
func (p PESEL) String() string {
	return "*******" + p.Last4()
}

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %d, …) print the masked
// form, so a PESEL in a log line or an error message never appears whole.
func (p PESEL) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), p.String())
}

// MarshalText returns the masked form, so encoding/json, encoding/xml and
// structured loggers never write the whole PESEL either.
func (p PESEL) MarshalText() ([]byte, error) {
	return []byte(p.String()), nil
}
