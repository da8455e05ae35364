package booking

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Name length limits, in runes after normalisation.
const (
	NameMinRunes = 2
	NameMaxRunes = 120
)

// maxMarksPerLetter bounds the combining marks left on one letter after NFC:
// real names need at most 2 or 3 (Vietnamese); piles of them are "Zalgo"
// text that would smear over a printed ticket or a display.
const maxMarksPerLetter = 4

// EmailMaxLen is the longest e-mail address accepted, in bytes (RFC 5321).
const EmailMaxLen = 254

var errRequired = errors.New("is required")

// NormalizeName returns a resident's full name NFC-normalised, trimmed, with
// every inner run of white space collapsed to one space. The result has
// NameMinRunes to NameMaxRunes runes and holds only letters of any script
// (with their combining marks), spaces, hyphens, apostrophes (' and ’) and
// periods; digits, control characters and other punctuation are rejected
// with a plain error with an English message.
func NormalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired
	}
	// Cheap guard before normalising: no name of NameMaxRunes runes, even
	// fully decomposed, comes near this many bytes.
	if len(s) > 16*NameMaxRunes {
		return "", fmt.Errorf("must be at most %d characters", NameMaxRunes)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid text")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", errors.New("must not contain control characters such as tabs or line breaks")
		}
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")

	letters := 0
	prevLetter := false // a combining mark must follow a letter or another mark
	marks := 0          // combining marks on the current letter
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
			prevLetter = true
			marks = 0
			continue
		case unicode.IsMark(r):
			if !prevLetter {
				return "", errors.New("must not contain an accent mark that is not on a letter")
			}
			if marks++; marks > maxMarksPerLetter {
				return "", fmt.Errorf("must not have more than %d accent marks on one letter", maxMarksPerLetter)
			}
			continue
		case unicode.IsDigit(r) || unicode.IsNumber(r):
			return "", errors.New("must not contain digits")
		case r == ' ', r == '-', r == '\'', r == '’', r == '.':
		default:
			return "", fmt.Errorf("must not contain %q: only letters, spaces, hyphens, apostrophes and periods are allowed", r)
		}
		prevLetter = false
	}
	if letters == 0 {
		return "", errors.New("must contain letters")
	}
	switch n := utf8.RuneCountInString(s); {
	case n < NameMinRunes:
		return "", fmt.Errorf("must be at least %d characters", NameMinRunes)
	case n > NameMaxRunes:
		return "", fmt.Errorf("must be at most %d characters", NameMaxRunes)
	}
	return s, nil
}

// NormalizeEmail returns a bare e-mail address as local@domain with the
// domain lower-cased. It rejects, with a plain error with an English message,
// anything longer than EmailMaxLen bytes, display names and angle brackets,
// spaces, more than one @, an empty local part, and a domain without a dot or
// with characters other than a–z, 0–9, dots, hyphens and (for
// internationalised domains) letters of other scripts.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired
	}
	if len(s) > EmailMaxLen {
		return "", fmt.Errorf("must be at most %d characters", EmailMaxLen)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid text")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", errors.New("must not contain spaces")
	}
	if strings.ContainsAny(s, "<>") {
		return "", errors.New("must be just the address, like name@example.com, without a name or < >")
	}
	if strings.Count(s, "@") != 1 {
		return "", errors.New("must contain exactly one @, like name@example.com")
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" {
		return "", errors.New("must have a name before the @")
	}
	if len(local) > 64 {
		return "", errors.New("the part before the @ must be at most 64 characters")
	}
	domain = strings.ToLower(domain)
	if err := checkEmailDomain(domain); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", errors.New("is not a valid e-mail address, like name@example.com")
	}
	return local + "@" + domain, nil
}

// checkEmailDomain checks a lower-cased domain: dot-separated labels of
// letters, digits and inner hyphens, at least two of them, the last not all
// digits.
func checkEmailDomain(domain string) error {
	bad := errors.New("must have a valid domain after the @, like example.com")
	if domain == "" {
		return errors.New("must have a domain after the @, like example.com")
	}
	if !strings.Contains(domain, ".") {
		return errors.New("must have a dot in the domain after the @, like example.com")
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad
		}
		for _, r := range l {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-':
			case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsMark(r)):
			default:
				return bad
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return bad
	}
	return nil
}

// mobilePrefixes are the first two digits of Polish mobile numbers.
var mobilePrefixes = map[string]bool{
	"45": true, "50": true, "51": true, "53": true, "57": true, "60": true, "66": true,
	"69": true, "72": true, "73": true, "78": true, "79": true, "88": true,
}

var errPhoneNotMobile = errors.New("must be a Polish mobile number")

// NormalizePhone returns a Polish mobile number as "+48" and 9 digits. It
// accepts the national 9 digits or them prefixed with +48, 0048 or 48, with
// spaces, dashes, dots and parentheses anywhere. Landlines, foreign numbers
// and wrong lengths fail with "must be a Polish mobile number"; other
// characters with their own message.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errRequired
	}
	digits := make([]byte, 0, 16)
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits = append(digits, c)
		case c == ' ', c == '-', c == '.', c == '(', c == ')':
		case c == '+' && !plus && len(digits) == 0:
			plus = true
		default:
			return "", errors.New("may contain only digits, spaces, dashes, dots, parentheses and a leading +")
		}
	}
	d := string(digits)
	switch {
	case plus:
		if !strings.HasPrefix(d, "48") {
			return "", errPhoneNotMobile
		}
		d = d[2:]
	case len(d) == 13 && strings.HasPrefix(d, "0048"):
		d = d[4:]
	case len(d) == 11 && strings.HasPrefix(d, "48"):
		d = d[2:]
	}
	if len(d) != 9 || !mobilePrefixes[d[:2]] {
		return "", errPhoneNotMobile
	}
	return "+48" + d, nil
}

// EmailKey is the address as the limit per e-mail address counts it: the
// normalised address (NormalizeEmail's) lower-cased, with a "+tag" dropped
// from the part before the @, so jan+1@… and Jan+2@… are one resident.
func EmailKey(normalized string) string {
	local, domain, _ := strings.Cut(strings.ToLower(normalized), "@")
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + "@" + domain
}
