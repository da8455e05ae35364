package web

import (
	"testing"
	"time"

	"github.com/okienko/okienko/office"
)

// fuzzBody is a request body with a date, a time and a nested object, as
// the API's bodies have.
type fuzzBody struct {
	Date  office.Date `json:"date"`
	Start Instant     `json:"start"`
	Inner struct {
		Name string `json:"name"`
	} `json:"inner"`
	IDs []int64 `json:"ids"`
}

// FuzzDecodeJSON: whatever the body, decoding never panics, and a body it
// takes has its date and time within office.MinDate..MaxDate (a time's day
// in UTC), so no request carries an unbounded date past the decoder.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"date":"2026-11-24","start":"2026-11-24T10:00:00+01:00"}`,
		`{"date":"9999-12-31"}`, `{"start":"0000-01-01T00:00:00Z"}`, `{"date":"2026-02-30"}`,
		`{"date":"2026-11-24","date":"2026-11-25"}`, `{"DATE":"2026-11-24"}`, `{"inner":{"name":"x","Name":"y"}}`,
		`{"start":"2100-12-31T23:59:59-14:00"}`, `{"start":"1999-12-31T23:00:00-02:00"}`, `null`, `[]`, `{"ids":[1,2,3]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v fuzzBody
		if err := decodeJSONBytes([]byte(body), &v); err != nil {
			return
		}
		if !v.Date.IsZero() && !v.Date.InBounds() {
			t.Fatalf("%s: took the date %v", body, v.Date)
		}
		if !v.Start.IsZero() && !office.DateOf(v.Start.UTC()).InBounds() {
			t.Fatalf("%s: took the time %v", body, v.Start)
		}
	})
}

// FuzzParseDay: the cancel form's day, typed YYYY-MM-DD or DD.MM.YYYY,
// never panics, and a day it reads is a day of the calendar that writes
// back as one of those forms of the same day.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2026-11-24", "24.11.2026", "4.1.2027", " 24.11.2026 ", "31.02.2026", "01.01.0000", "9999-12-31", "24/11/2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDay(s)
		if !ok {
			return
		}
		if !d.Exists() {
			t.Fatalf("parseDay(%q) = %v, not a day", s, d)
		}
		back := d.In(time.UTC, 0)
		if got := office.DateOf(back); got != d {
			t.Fatalf("parseDay(%q) = %v, which writes back as %v", s, d, got)
		}
	})
}
