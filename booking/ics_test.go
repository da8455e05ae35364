package booking_test

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/booking/calendartest"
	"github.com/okienko/okienko/office"
)

// calendarVisit is a booking of a matter whose names need escaping and
// folding: TEXT specials, a newline, Polish and Ukrainian letters.
func calendarVisit(status string) (*booking.Booking, *office.Service, *office.Department, *office.Office) {
	start := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	b := &booking.Booking{ID: 42, Code: "ABCD2345", Status: status, StartsAt: start, EndsAt: start.Add(15 * time.Minute)}
	svc := &office.Service{ServiceSpec: office.ServiceSpec{Name: "Zażółć gęślą jaźń; wniosek, odbiór \\ zwrot — Заява про видачу посвідки на проживання (їжак, ґанок, є)", CheckinEarlyMinutes: 30, CheckinGraceMinutes: 10}}
	dep := &office.Department{DepartmentSpec: office.DepartmentSpec{Name: "Wydział Spraw Obywatelskich"}}
	off := &office.Office{Name: "Urząd Miasta Okienkowo", Address: "ul. Długa 1\r\nII piętro, pokój 12"}
	return b, svc, dep, off
}

func TestCalendarPublishesALiveBooking(t *testing.T) {
	b, svc, dep, off := calendarVisit(booking.StatusBooked)
	now := time.Date(2026, 12, 1, 8, 30, 0, 0, time.FixedZone("CET", 3600))
	data := booking.Calendar(b, svc, dep, off, "https://Rezerwacje.Urzad.example:8443/base", "https://rezerwacje.urzad.example/rezerwacja/ABCD-2345", now)
	cal, ev := calendartest.Parse(t, data)
	uid := "booking-42-ABCD2345@rezerwacje.urzad.example"
	calendartest.Expect(t, cal, ev, "PUBLISH", "CONFIRMED", uid, 0)
	if uid != booking.CalendarUID(b, "https://rezerwacje.urzad.example") {
		t.Errorf("CalendarUID %q", booking.CalendarUID(b, "https://rezerwacje.urzad.example"))
	}
	if got := calendartest.Value(ev, ics.ComponentPropertyDtstamp); got != "20261201T073000Z" {
		t.Errorf("DTSTAMP %q, want the clock's time in UTC", got)
	}
	if got := calendartest.Value(ev, ics.ComponentPropertyDtStart); got != "20261208T090000Z" {
		t.Errorf("DTSTART %q", got)
	}
	if end, err := ev.GetEndAt(); err != nil || !end.Equal(b.EndsAt) {
		t.Errorf("DTEND %v (%v)", end, err)
	}
	// The escaped and folded texts read back as they were.
	if got, want := calendartest.Value(ev, ics.ComponentPropertySummary), off.Name+": "+svc.Name; got != want {
		t.Errorf("SUMMARY %q, want %q", got, want)
	}
	if got, want := calendartest.Value(ev, ics.ComponentPropertyLocation), "Urząd Miasta Okienkowo, ul. Długa 1\nII piętro, pokój 12"; got != want {
		t.Errorf("LOCATION %q, want %q", got, want)
	}
	desc := calendartest.Value(ev, ics.ComponentPropertyDescription)
	for _, want := range []string{"Sprawa: " + svc.Name, "Kod potwierdzenia: ABCD-2345", "Rezerwacja: https://rezerwacje.urzad.example/rezerwacja/ABCD-2345"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIPTION lacks %q: %q", want, desc)
		}
	}
	unfolded := strings.ReplaceAll(string(data), "\r\n ", "")
	for _, want := range []string{`LOCATION:Urząd Miasta Okienkowo\, ul. Długa 1\nII piętro\, pokój 12` + "\r\n", `gęślą jaźń\; wniosek\, odbiór \\ zwrot`} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the file lacks the escaped %q:\n%s", want, data)
		}
	}
}

func TestCalendarCancelsACancelledBooking(t *testing.T) {
	for _, tc := range []struct{ status, reason, note, says string }{
		{booking.StatusCancelled, booking.ReasonClosure, "Awaria ogrzewania; przepraszamy", "Wizyta odwołana przez urząd: Awaria ogrzewania; przepraszamy"},
		{booking.StatusCancelled, booking.ReasonResident, "", "Wizyta odwołana."},
		{booking.StatusCancelledLate, booking.ReasonLate, "", "Wizyta odwołana."},
	} {
		b, svc, dep, off := calendarVisit(tc.status)
		b.CancelReason, b.CancelNote = tc.reason, tc.note
		if got := booking.CalendarContentType(b); got != "text/calendar; charset=utf-8; method=CANCEL" {
			t.Errorf("%s: content type %q", tc.status, got)
		}
		cal, ev := calendartest.Parse(t, booking.Calendar(b, svc, dep, off, "https://urzad.example", "", time.Now()))
		// The same UID as the booking's PUBLISH, a higher sequence.
		calendartest.Expect(t, cal, ev, "CANCEL", "CANCELLED", "booking-42-ABCD2345@urzad.example", 1)
		if desc := calendartest.Value(ev, ics.ComponentPropertyDescription); !strings.HasPrefix(desc, tc.says+"\n") {
			t.Errorf("%s/%s: DESCRIPTION %q, want it to begin %q", tc.status, tc.reason, desc, tc.says)
		}
	}
	b, _, _, _ := calendarVisit(booking.StatusCheckedIn)
	if got := booking.CalendarContentType(b); got != "text/calendar; charset=utf-8; method=PUBLISH" {
		t.Errorf("checked in: content type %q", got)
	}
	if got := booking.CalendarUID(b, "not a URL at all"); got != "booking-42-ABCD2345@okienko" {
		t.Errorf("UID without a base URL's host: %q", got)
	}
}

// Folding never splits a character, wherever a two-, three- or four-octet
// one falls against the 75-octet limit.
func TestCalendarFoldsBetweenCharacters(t *testing.T) {
	for pad := 0; pad < 80; pad++ {
		for _, letters := range []string{"ąęłżźćńóś", "Їжак ґанок є", "€€€€", "🏛️🏛️🏛️"} {
			b, svc, dep, off := calendarVisit(booking.StatusBooked)
			svc.Name = strings.Repeat("x", pad) + strings.Repeat(letters, 20)
			_, ev := calendartest.Parse(t, booking.Calendar(b, svc, dep, off, "https://urzad.example", "", time.Now()))
			if got := calendartest.Value(ev, ics.ComponentPropertySummary); got != off.Name+": "+svc.Name {
				t.Fatalf("pad %d: SUMMARY %q does not read back", pad, got)
			}
		}
	}
}

// The calendar file speaks the language the resident booked in: the
// matter's and department's names the office wrote in it, Polish where it
// wrote none, and its own words in that language; an unknown language is
// Polish.
func TestCalendarSpeaksTheBookingsLanguage(t *testing.T) {
	b, svc, dep, off := calendarVisit(booking.StatusBooked)
	svc.Name, svc.NameEN, svc.NameUK = "Odbiór dowodu osobistego", "Collecting an ID card", ""
	dep.NameUK = "Відділ громадянських справ"
	for _, tc := range []struct {
		lang, summary string
		says          []string
	}{
		{"en", "Collecting an ID card", []string{"Matter: Collecting an ID card", "Department: Wydział Spraw Obywatelskich", "Confirmation code: ABCD-2345", "at the earliest 30 min before"}},
		{"uk", "Odbiór dowodu osobistego", []string{"Справа: Odbiór dowodu osobistego", "Відділ: Відділ громадянських справ", "Код підтвердження: ABCD-2345", "не раніше ніж за 30 хв"}},
		{"de", "Odbiór dowodu osobistego", []string{"Sprawa: Odbiór dowodu osobistego", "Wydział: Wydział Spraw Obywatelskich", "najwcześniej 30 min"}},
	} {
		b.Lang = tc.lang
		_, ev := calendartest.Parse(t, booking.Calendar(b, svc, dep, off, "https://urzad.example", "", time.Now()))
		if got := calendartest.Value(ev, ics.ComponentPropertySummary); got != off.Name+": "+tc.summary {
			t.Errorf("%s: SUMMARY %q", tc.lang, got)
		}
		desc := calendartest.Value(ev, ics.ComponentPropertyDescription)
		for _, want := range tc.says {
			if !strings.Contains(desc, want) {
				t.Errorf("%s: DESCRIPTION lacks %q: %q", tc.lang, want, desc)
			}
		}
	}
}
