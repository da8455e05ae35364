package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// SMSSender sends SMS through an SMSAPI-compatible gateway: POST
// {base}/sms.do with a bearer token. It sends a text whole, encoded by
// Limits; fitting it into Limits.Parts is the composer's job (Messages),
// which never cuts the code or the link.
type SMSSender struct {
	BaseURL string // e.g. https://api.smsapi.pl
	Token   string
	From    string // sender name; empty: the gateway's default
	Limits  SMSLimits
	Client  *http.Client
}

// SMSLimits are what one SMS may take; the sender and the composer share
// them (OKIENKO_SMS_UNICODE, OKIENKO_SMS_PARTS).
type SMSLimits struct {
	// Unicode keeps Polish (and any) letters as they are; a text with a
	// letter GSM 03.38 lacks then goes as UCS-2 (70 characters a part).
	// Otherwise Polish letters become ASCII ones (GSM: 160 a part); a text
	// with letters GSM lacks even so (Ukrainian) goes as UCS-2 all the same.
	Unicode bool
	Parts   int // most parts a message may take; below 1 means 1
}

// Send posts m.Text to m.To with idx = the message's key and check_idx=1,
// so the gateway drops a resend. 4xx answers (except 429) and gateway
// errors about the message are permanent; 5xx, 429, timeouts and network
// errors are retried.
func (s *SMSSender) Send(ctx context.Context, m *Outgoing) error {
	text, unicode := s.Limits.Encode(m.Text)
	form := url.Values{
		"to":        {strings.TrimPrefix(m.To, "+")},
		"message":   {text},
		"format":    {"json"},
		"idx":       {m.Key},
		"check_idx": {"1"},
	}
	if s.From != "" {
		form.Set("from", s.From)
	}
	if unicode || !isASCII(text) {
		form.Set("encoding", "utf-8") // the form is UTF-8; the default is windows-1250
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.BaseURL, "/")+"/sms.do", strings.NewReader(form.Encode()))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("sms gateway: HTTP %d: %s", resp.StatusCode, truncate(string(body), 200))
	case resp.StatusCode >= 400:
		return Permanent(fmt.Errorf("sms gateway: HTTP %d: %s", resp.StatusCode, truncate(string(body), 200)))
	case resp.StatusCode >= 300:
		return fmt.Errorf("sms gateway: HTTP %d", resp.StatusCode)
	}
	// SMSAPI answers some errors with 200 and {"error": n, "message": …}.
	var answer struct {
		Error   int    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.Error != 0 {
		err := fmt.Errorf("sms gateway error %d: %s", answer.Error, answer.Message)
		switch answer.Error {
		case 8, 201, 999, 1000: // gateway-side trouble: try again later
			return err
		}
		return Permanent(err)
	}
	return nil
}

// Encode returns text as it is sent under l and whether it goes as UCS-2:
// with Unicode off Polish letters become ASCII ones; typographic
// punctuation (… – „ ”) becomes ASCII when that leaves the text in GSM
// 03.38. It never drops or cuts anything.
func (l SMSLimits) Encode(text string) (string, bool) {
	if !l.Unicode {
		text = polishLetters.Replace(text)
	}
	if plain := typographic.Replace(text); isGSM(plain) {
		return plain, false
	}
	return text, true
}

// MaxParts is l.Parts, at least 1.
func (l SMSLimits) MaxParts() int {
	if l.Parts < 1 {
		return 1
	}
	return l.Parts
}

// Fits reports whether text, encoded by l, takes at most l.MaxParts()
// parts.
func (l SMSLimits) Fits(text string) bool {
	enc, unicode := l.Encode(text)
	return SMSParts(enc, unicode) <= l.MaxParts()
}

// SMSParts returns how many parts an encoded text takes: GSM 03.38 160
// septets alone or 153 a part of several, a character of the extension
// table taking two; UCS-2 70 units alone or 67 a part, a character beyond
// the BMP taking two. No character is split between parts. An empty text
// takes one part.
func SMSParts(text string, unicode bool) int {
	single, multi := 160, 153
	if unicode {
		single, multi = 70, 67
	}
	if smsLength(text, unicode) <= single {
		return 1
	}
	parts, used := 1, 0
	for _, r := range text {
		w := runeLength(r, unicode)
		if used+w > multi {
			parts, used = parts+1, 0
		}
		used += w
	}
	return parts
}

// SMSLimit returns the most units (septets or UCS-2 units) parts parts
// hold: 160 or 70 alone, 153 or 67 a part of several.
func SMSLimit(parts int, unicode bool) int {
	single, multi := 160, 153
	if unicode {
		single, multi = 70, 67
	}
	if parts <= 1 {
		return single
	}
	return multi * parts
}

var (
	polishLetters = strings.NewReplacer(
		"ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z",
		"Ą", "A", "Ć", "C", "Ę", "E", "Ł", "L", "Ń", "N", "Ó", "O", "Ś", "S", "Ź", "Z", "Ż", "Z",
	)
	typographic = strings.NewReplacer("–", "-", "—", "-", "„", "\"", "”", "\"", "…", "...")
)

// ASCIIPolish replaces Polish letters with their ASCII base letters.
// Typographic punctuation (… – „ ”) becomes ASCII too.
func ASCIIPolish(s string) string { return typographic.Replace(polishLetters.Replace(s)) }

// gsmExtended are the GSM 03.38 characters that take two septets.
const gsmExtended = "\f^{}\\[~]|€"

// gsmBasic are the characters of the GSM 03.38 basic set other than ASCII
// letters and digits.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà"

// isGSM reports whether every character of s is in GSM 03.38 (the basic
// set or its extension table).
func isGSM(s string) bool {
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtended, r) {
			continue
		}
		return false
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// runeLength is r's length in septets (GSM) or UTF-16 units (UCS-2).
func runeLength(r rune, unicode bool) int {
	if unicode {
		if r > 0xFFFF {
			return 2
		}
		return 1
	}
	if strings.ContainsRune(gsmExtended, r) {
		return 2
	}
	return 1
}

// smsLength is s's length in septets (GSM) or UTF-16 units (UCS-2).
func smsLength(s string, unicode bool) int {
	n := 0
	for _, r := range s {
		n += runeLength(r, unicode)
	}
	return n
}
