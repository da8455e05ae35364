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
// {base}/sms.do with a bearer token.
type SMSSender struct {
	BaseURL string // e.g. https://api.smsapi.pl
	Token   string
	From    string // sender name; empty: the gateway's default
	// Unicode sends Polish (and any) letters as they are (UCS-2: 70
	// characters a part); otherwise Polish letters are replaced by ASCII
	// ones (GSM: 160 a part). A text with letters GSM lacks even so
	// (Ukrainian) goes as Unicode.
	Unicode bool
	Parts   int // most parts a message may take, default 1; longer texts are cut
	Client  *http.Client
}

// Send posts m.Text to m.To with idx = the message's key and check_idx=1,
// so the gateway drops a resend. 4xx answers (except 429) and gateway
// errors about the message are permanent; 5xx, 429, timeouts and network
// errors are retried.
func (s *SMSSender) Send(ctx context.Context, m *Outgoing) error {
	text, unicode := s.Fit(m.Text)
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
	if unicode {
		form.Set("encoding", "utf-8")
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

// Fit returns text as it will be sent, within Parts parts, and whether it
// goes as Unicode.
func (s *SMSSender) Fit(text string) (string, bool) {
	parts := s.Parts
	if parts < 1 {
		parts = 1
	}
	unicode := s.Unicode
	if !unicode {
		text = ASCIIPolish(text)
		unicode = !isGSM(text)
	}
	single, multi := 160, 153
	if unicode {
		single, multi = 70, 67
	}
	limit := single
	if parts > 1 {
		limit = multi * parts
	}
	if smsLength(text, unicode) <= limit {
		return text, unicode
	}
	var b strings.Builder
	n := 0
	for _, r := range text {
		w := runeLength(r, unicode)
		if n+w > limit-1 {
			break
		}
		b.WriteRune(r)
		n += w
	}
	if unicode {
		b.WriteRune('…')
	} else {
		b.WriteByte('.')
	}
	return b.String(), unicode
}

var polish = strings.NewReplacer(
	"ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z",
	"Ą", "A", "Ć", "C", "Ę", "E", "Ł", "L", "Ń", "N", "Ó", "O", "Ś", "S", "Ź", "Z", "Ż", "Z",
	"–", "-", "—", "-", "„", "\"", "”", "\"", "…", "...",
)

// ASCIIPolish replaces Polish letters with their ASCII base letters.
func ASCIIPolish(s string) string { return polish.Replace(s) }

// gsmExtended are the GSM 03.38 characters that take two septets.
const gsmExtended = "^{}\\[~]|€"

// gsmBasic are the non-ASCII-alphanumeric characters of the GSM 03.38
// basic set that are also in ASCII.
const gsmBasic = "@$\n\r _!\"#%&'()*+,-./:;<=>?"

func isGSM(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			if r != '€' {
				return false
			}
			continue
		}
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtended, r) {
			continue
		}
		return false
	}
	return true
}

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

func smsLength(s string, unicode bool) int {
	n := 0
	for _, r := range s {
		n += runeLength(r, unicode)
	}
	return n
}
