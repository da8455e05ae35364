// Package calendartest reads calendar files the way a strict reader does,
// for tests of every .ics the server emits.
package calendartest

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// Parse checks data line by line — every line ends with CRLF, is at most 75
// octets without it, is valid UTF-8 on its own (a fold split no character)
// and is not empty — and then parses it with golang-ical. It fails t unless
// all holds and the file has exactly one event, which it returns with the
// calendar.
func Parse(t testing.TB, data []byte) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatalf(".ics does not end with CRLF:\n%q", data)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		switch {
		case strings.ContainsAny(line, "\r\n"):
			t.Errorf(".ics line %d has a bare CR or LF: %q", i+1, line)
		case len(line) > 75:
			t.Errorf(".ics line %d is %d octets long: %q", i+1, len(line), line)
		case !utf8.ValidString(line):
			t.Errorf(".ics line %d splits a UTF-8 character: %q", i+1, line)
		case line == "":
			t.Errorf(".ics line %d is empty", i+1)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf(".ics does not parse: %v\n%s", err, data)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf(".ics has %d events, want 1:\n%s", len(evs), data)
	}
	return cal, evs[0]
}

// Method is the calendar's METHOD, "" when it has none.
func Method(cal *ics.Calendar) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			return p.Value
		}
	}
	return ""
}

// Value is the event's property name (unfolded and unescaped), "" when the
// event has none.
func Value(ev *ics.VEvent, name ics.ComponentProperty) string {
	if p := ev.GetProperty(name); p != nil {
		return p.Value
	}
	return ""
}

// Expect fails t unless the calendar's METHOD and the event's STATUS, UID
// and SEQUENCE are the ones given.
func Expect(t testing.TB, cal *ics.Calendar, ev *ics.VEvent, method, status, uid string, sequence int) {
	t.Helper()
	if got := Method(cal); got != method {
		t.Errorf("METHOD %q, want %q", got, method)
	}
	if got := Value(ev, ics.ComponentPropertyStatus); got != status {
		t.Errorf("STATUS %q, want %q", got, status)
	}
	if got := Value(ev, ics.ComponentPropertyUniqueId); got != uid {
		t.Errorf("UID %q, want %q", got, uid)
	}
	if got := Value(ev, ics.ComponentPropertySequence); got != strconv.Itoa(sequence) {
		t.Errorf("SEQUENCE %q, want %d", got, sequence)
	}
}
