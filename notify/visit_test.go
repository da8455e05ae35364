package notify

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// The confirmation of a visit of several matters names each matter with
// its time, in the e-mail and the SMS, and its calendar event spans them
// all and lists each.
func TestVisitConfirmationNamesEachMatter(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ss := office.DefaultServiceSpec()
		ss.DepartmentID, ss.Name, ss.NameEN = f.svc.DepartmentID, "Odbiór dowodu osobistego", "Collecting an ID card"
		second, err := f.offices.CreateService(ctx, ss)
		if err != nil {
			t.Fatal(err)
		}
		f.sms = SMSLimits{Parts: 3}
		if _, err := f.bookings.Book(ctx, booking.Request{
			ServiceIDs: []int64{f.svc.ID, second.ID}, Start: f.week.At(1, 10, 0), Name: "Zażółć Gęślą",
			PESEL: "44051401359", Email: "jan.kowalski@example.pl", Phone: "600 100 200", Consent: true, Lang: "en",
		}); err != nil {
			t.Fatal(err)
		}
		email, sms := sentByKind(t, f)
		m := email["confirmation"]
		if m == nil || sms["confirmation"] == nil {
			t.Fatalf("no confirmation sent: e-mail %v, SMS %v", email, sms)
		}
		for _, want := range []string{"Wniosek o dowód osobisty (10:00–10:15)", "Collecting an ID card (10:15–10:30)"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("the e-mail lacks %q:\n%s", want, m.Text)
			}
			if !strings.Contains(sms["confirmation"].Text, want[strings.Index(want, "(")+1:strings.Index(want, ")")]) {
				t.Errorf("the SMS lacks the time of %q: %s", want, sms["confirmation"].Text)
			}
		}
		_, _, ev := calendarOf(t, m)
		end := ev.GetProperty("DTEND").Value
		desc := ev.GetProperty("DESCRIPTION").Value
		if want := f.week.At(1, 10, 30).UTC().Format("20060102T150405Z"); end != want {
			t.Errorf("DTEND %s, want the end of the last matter %s", end, want)
		}
		for _, want := range []string{"10:00–10:15 Wniosek o dowód osobisty", "10:15–10:30 Collecting an ID card"} {
			if !strings.Contains(desc, want) {
				t.Errorf("the calendar's description lacks %q: %s", want, desc)
			}
		}
	})
}
