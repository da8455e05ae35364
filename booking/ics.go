package booking

import (
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/okienko/okienko/office"
)

// Calendar returns the booking as an iCalendar file (RFC 5545) with one
// event: a stable UID, the visit's start and end, the office as location and
// a description with the matter, the department, the confirmation code and,
// when manageURL is set, where to view or cancel it. A cancelled booking's
// event is marked CANCELLED so calendars that imported it drop it.
func Calendar(b *Booking, svc *office.Service, dep *office.Department, off *office.Office, manageURL string, now time.Time) []byte {
	cal := ics.NewCalendarFor("Okienko")
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//Okienko//Rezerwacje//PL")
	ev := cal.AddEvent("booking-" + b.Code + "@okienko")
	ev.SetDtStampTime(now.UTC())
	ev.SetStartAt(b.StartsAt.UTC())
	ev.SetEndAt(b.EndsAt.UTC())
	ev.SetSummary(off.Name + ": " + svc.Name)
	loc := off.Name
	if off.Address != "" {
		loc += ", " + off.Address
	}
	ev.SetLocation(loc)
	desc := []string{
		"Sprawa: " + svc.Name,
		"Wydział: " + dep.Name,
		"Kod potwierdzenia: " + FormatCode(b.Code),
		"Zgłoś się w biletomacie w holu z tym kodem, najwcześniej " + strconv.Itoa(svc.CheckinEarlyMinutes) + " min przed wizytą, najpóźniej " + strconv.Itoa(svc.CheckinGraceMinutes) + " min po jej rozpoczęciu.",
	}
	if manageURL != "" {
		desc = append(desc, "Rezerwacja: "+manageURL)
		ev.SetURL(manageURL)
	}
	ev.SetDescription(strings.Join(desc, "\n"))
	if b.Live() {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	} else {
		ev.SetStatus(ics.ObjectStatusCancelled)
	}
	return []byte(cal.Serialize())
}
