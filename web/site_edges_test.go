package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// windowToHoliday makes the booking window of matter serviceID (of
// department depID) end on the first public holiday at least minAhead days
// from today, and returns the last day before it the department receives
// visitors, and the holiday.
func (e *env) windowToHoliday(t *testing.T, serviceID, depID int64, minAhead int) (lastOpen, holiday office.Date) {
	t.Helper()
	ctx := context.Background()
	today := e.week.Day(0)
	ahead := 0
	for n := minAhead; n <= 365 && ahead == 0; n++ {
		if _, ok := office.Holiday(today.AddDays(n)); ok {
			ahead = n
		}
	}
	if ahead == 0 {
		t.Fatal("no public holiday within a year")
	}
	if _, err := e.offices.UpdateService(ctx, serviceID, func(s *office.ServiceSpec) error { s.BookingDaysAhead = ahead; return nil }); err != nil {
		t.Fatal(err)
	}
	days, err := e.offices.OpeningDays(ctx, depID, today, today.AddDays(ahead))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		if len(d.Spans) > 0 && d.Closed == "" {
			lastOpen = d.Date
		}
	}
	holiday = today.AddDays(ahead)
	if lastOpen.IsZero() || !lastOpen.Before(holiday) {
		t.Fatalf("last open day %v, holiday %v", lastOpen, holiday)
	}
	return lastOpen, holiday
}

// The calendar names the last day the office receives visitors as the last
// bookable one, not a public holiday that happens to end the window.
func TestSiteCalendarNamesLastOpenDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		deps, err := e.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		dep, svc := deps[1], deps[1].Services[0]
		lastOpen, holiday := e.windowToHoliday(t, svc.ID, dep.ID, 1)
		for _, lang := range []string{"pl", "en", "uk"} {
			resp, body := e.site().get("/sprawy/" + itoa(svc.ID) + "/termin?lang=" + lang)
			wantPage(t, resp, body, 200)
			if !strings.Contains(body, longDate(lang, lastOpen)) {
				t.Errorf("%s: the calendar does not name %s as the last bookable day", lang, longDate(lang, lastOpen))
			}
			if strings.Contains(body, longDate(lang, holiday)+".") {
				t.Errorf("%s: the calendar names the holiday %s as the last bookable day", lang, longDate(lang, holiday))
			}
		}
	})
}

// No time is chosen for the resident: the day page checks no radio button,
// and its form sent without a time comes back to that day asking for one.
func TestSiteDayChoosesNothing(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	serviceID, _ := e.firstFreeSlot()
	day := e.week.Date(1)
	resp, body := e.site().get("/sprawy/" + itoa(serviceID) + "/termin/" + day)
	wantPage(t, resp, body, 200)
	if strings.Contains(body, " checked") || !strings.Contains(body, `type="radio" name="start"`) {
		t.Fatalf("the day page chooses a time or offers none: %.2000s", body)
	}
	if !strings.Contains(body, " required>") || !strings.Contains(body, `name="day" value="`+day+`"`) {
		t.Errorf("the times are not required or the day is not sent along")
	}
	resp, _ = e.site().get("/sprawy/" + itoa(serviceID) + "/rezerwacja?day=" + day)
	want := "/sprawy/" + itoa(serviceID) + "/termin/" + day + "?wybierz=1"
	if resp.StatusCode != 303 || resp.Header.Get("Location") != want {
		t.Fatalf("the form without a time: %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	for lang, text := range map[string]string{"pl": "Wybierz godzinę wizyty.", "en": "Choose the time of the visit.", "uk": "Оберіть час візиту."} {
		resp, body = e.site().get(want + "&lang=" + lang)
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `id="error-summary"`) || !strings.Contains(body, text) {
			t.Errorf("%s: the day page does not ask for a time: %.1500s", lang, body)
		}
	}
	// Without a readable day it still goes back to the calendar.
	resp, _ = e.site().get("/sprawy/" + itoa(serviceID) + "/rezerwacja?day=9999-99-99")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/sprawy/"+itoa(serviceID)+"/termin" {
		t.Errorf("a bad day: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// An empty PESEL is asked for, not called too short; a second visit of one
// matter on one day leads to the first one without revealing its code.
func TestSiteBookingFormPESELAndSameDay(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		start := slot.Start.Format("2006-01-02T15:04:05Z07:00")
		path := "/sprawy/" + itoa(serviceID) + "/rezerwacja"
		sc := e.site()
		resp, body := sc.get(path + "?start=" + url.QueryEscape(start))
		wantPage(t, resp, body, 200)
		form := url.Values{"start": {start}, "name": {"Jan Kowalski"}, "pesel": {""}, "email": {"jan@example.pl"}, "consent": {"1"}}
		resp, body = sc.post(path, form)
		wantPage(t, resp, body, 422)
		if !strings.Contains(body, "Wpisz numer PESEL.") || strings.Contains(body, "11 cyfr.</p>") {
			t.Errorf("an empty PESEL: %.3000s", body)
		}
		if n := e.bookingCount(); n != 0 {
			t.Fatalf("%d bookings after a refused form", n)
		}
		// API: the field is named and said to be required.
		resp, out := e.do("POST", "/api/v1/bookings", map[string]any{"service_id": serviceID, "start": start, "name": "Jan Kowalski", "pesel": "", "email": "jan@example.pl", "consent": true})
		if resp.StatusCode != 422 || !strings.Contains(string(out), `"pesel":"required"`) {
			t.Errorf("API with an empty PESEL: %d %s", resp.StatusCode, out)
		}

		first := e.bookOne(serviceID, slot.Start, validPESEL)
		later := slot.End // the next slot of the same day
		start = later.Format("2006-01-02T15:04:05Z07:00")
		form.Set("start", start)
		form.Set("pesel", validPESEL)
		resp, body = sc.post(path, form)
		wantPage(t, resp, body, 409)
		day := first.Day.String()
		cancelHref := "/odwolaj?sprawa=" + itoa(serviceID) + "&amp;data=" + day
		if !strings.Contains(body, `href="/rezerwacja"`) || !strings.Contains(body, `href="`+cancelHref+`"`) {
			t.Errorf("the same-day refusal does not lead to the booking: %.3000s", body)
		}
		if strings.Contains(body, first.Code) || strings.Contains(body, strings.ReplaceAll(first.Code, "-", "")) {
			t.Error("the same-day refusal shows the other booking's code")
		}
		resp, body = sc.get(strings.ReplaceAll(cancelHref, "&amp;", "&"))
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `value="`+day+`"`) {
			t.Errorf("the cancel form does not have the day filled in: %.3000s", body)
		}
	})
}

// The office's postal code is never broken across lines.
func TestSiteAddressKeepsPostalCode(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	resp, body := e.site().get("/")
	wantPage(t, resp, body, 200)
	if !strings.Contains(body, `<span class="nowrap">00-950</span>`) {
		t.Errorf("the footer's postal code can wrap: %.400s", body[strings.Index(body, "<footer"):])
	}
}
