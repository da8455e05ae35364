package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking/bookingtest"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// validPESEL is a valid PESEL (born 14 May 1944).
const validPESEL = "44051401359"

type slotView struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Free  int       `json:"free"`
}

// firstFreeSlot returns a service of the demo office and its first free slot
// on the test week's Tuesday.
func (e *env) firstFreeSlot() (int64, slotView) {
	e.t.Helper()
	deps, err := e.offices.Departments(e.t.Context(), true)
	if err != nil {
		e.t.Fatal(err)
	}
	svc := deps[1].Services[0]
	resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc.ID, e.week.Date(1)), nil)
	var out struct {
		Date  string     `json:"date"`
		Slots []slotView `json:"slots"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.Date != e.week.Date(1) {
		e.t.Fatalf("slots: %d %s", resp.StatusCode, body)
	}
	for _, sl := range out.Slots {
		if sl.Free > 0 {
			return svc.ID, sl
		}
	}
	e.t.Fatalf("no free slot on Tuesday: %s", body)
	return 0, slotView{}
}

func bookingBody(serviceID int64, start time.Time) map[string]any {
	return map[string]any{
		"service_id": serviceID, "start": start.Format(time.RFC3339), "name": "Małgorzata Żółkiewska",
		"pesel": validPESEL, "email": "m.zolkiewska@example.pl", "phone": "+48 600 100 200", "consent": true,
	}
}

func (e *env) bookingCount() int64 {
	var n int64
	if err := e.db.Table("bookings").Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

var codeForm = regexp.MustCompile(`^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}$`)

// A resident's path through the API: calendar, slots, book, look up, add to
// the calendar, cancel with the wrong PESEL and the right one.
func TestBookingAPIEndToEnd(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		if got := slot.Start.Format("-07:00"); got != e.week.Offset() {
			t.Fatalf("slot start %v is not answered in the office zone (%s)", slot.Start, e.week.Offset())
		}

		resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/days?from=%s&to=%s", serviceID, e.week.Date(0), e.week.Date(6)), nil)
		var days []struct {
			Date   string `json:"date"`
			Free   int    `json:"free"`
			Closed string `json:"closed"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &days) != nil || len(days) != 7 {
			t.Fatalf("days: %d %s", resp.StatusCode, body)
		}
		if days[1].Free == 0 || days[5].Free != 0 || days[6].Free != 0 {
			t.Fatalf("Tuesday should have room and the weekend none: %s", body)
		}

		resp, body = e.do("POST", "/api/v1/bookings", bookingBody(serviceID, slot.Start))
		if resp.StatusCode != 201 {
			t.Fatalf("book: %d %s", resp.StatusCode, body)
		}
		var b struct {
			Code      string    `json:"code"`
			Status    string    `json:"status"`
			ServiceID int64     `json:"service_id"`
			Start     time.Time `json:"start"`
			End       time.Time `json:"end"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		if !codeForm.MatchString(b.Code) || b.Status != "booked" || b.ServiceID != serviceID || !b.Start.Equal(slot.Start) || !b.End.Equal(slot.End) {
			t.Fatalf("booking answer %s", body)
		}
		if !strings.Contains(string(body), `"start":"`+e.week.Date(1)+`T`) || !strings.Contains(string(body), e.week.Offset()) {
			t.Fatalf("times are not RFC 3339 with the office offset: %s", body)
		}

		// Looking it up shows no personal data, with or without the dash.
		for _, code := range []string{b.Code, strings.ReplaceAll(strings.ToLower(b.Code), "-", "")} {
			resp, body = e.do("GET", "/api/v1/bookings/"+code, nil)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"booked"`) {
				t.Fatalf("get %s: %d %s", code, resp.StatusCode, body)
			}
			for _, secret := range []string{validPESEL, "0135", "Żółkiewska", "example.pl", "600"} {
				if strings.Contains(string(body), secret) {
					t.Fatalf("the status answer shows %q: %s", secret, body)
				}
			}
		}

		resp, body = e.do("GET", "/api/v1/bookings/"+b.Code+"/calendar.ics", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("calendar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("the calendar file does not parse: %v\n%s", err, body)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events in the calendar", len(evs))
		}
		ev := evs[0]
		start, err1 := ev.GetStartAt()
		end, err2 := ev.GetEndAt()
		if err1 != nil || err2 != nil || !start.Equal(slot.Start) || !end.Equal(slot.End) {
			t.Fatalf("DTSTART %v DTEND %v (%v %v), want %v–%v", start, end, err1, err2, slot.Start, slot.End)
		}
		uid := ev.GetProperty(ics.ComponentPropertyUniqueId)
		desc := ev.GetProperty(ics.ComponentPropertyDescription)
		loc := ev.GetProperty(ics.ComponentPropertyLocation)
		if uid == nil || uid.Value == "" || desc == nil || !strings.Contains(desc.Value, b.Code) || loc == nil || !strings.Contains(loc.Value, "Urząd") {
			t.Fatalf("UID/DESCRIPTION/LOCATION missing or without the code:\n%s", body)
		}

		resp, body = e.do("POST", "/api/v1/bookings/"+b.Code+"/cancel", map[string]string{"pesel": "02070803628"})
		wrong := string(body)
		if resp.StatusCode != 404 {
			t.Fatalf("cancel with another PESEL: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/bookings/ZZZZ-ZZZZ/cancel", map[string]string{"pesel": validPESEL})
		if resp.StatusCode != 404 || strings.ReplaceAll(string(body), "ZZZZ-ZZZZ", b.Code) != wrong {
			t.Fatalf("an unknown code answers differently from a wrong PESEL:\n%s\n%s", body, wrong)
		}
		resp, body = e.do("POST", "/api/v1/bookings/"+b.Code+"/cancel", map[string]string{"pesel": validPESEL})
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"cancelled"`) {
			t.Fatalf("cancel: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("GET", "/api/v1/bookings/"+b.Code, nil)
		if !strings.Contains(string(body), `"status":"cancelled"`) {
			t.Fatalf("after cancelling: %s", body)
		}

		// Book again and cancel by PESEL, matter and day.
		resp, body = e.do("POST", "/api/v1/bookings", bookingBody(serviceID, slot.Start))
		if resp.StatusCode != 201 {
			t.Fatalf("book again: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/bookings/cancel", map[string]any{"pesel": validPESEL, "service_id": serviceID, "date": e.week.Date(1)})
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"cancelled"`) {
			t.Fatalf("cancel by day: %d %s", resp.StatusCode, body)
		}
	})
}

func TestBookingAPIBadInput(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		serviceID, slot := e.firstFreeSlot()
		good := bookingBody(serviceID, slot.Start)
		with := func(k string, v any) string {
			m := map[string]any{}
			for kk, vv := range good {
				m[kk] = vv
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			b, _ := json.Marshal(m)
			return string(b)
		}
		month13 := "44130101230"
		// Born tomorrow, by the test's clock: a PESEL that can't be anybody's yet.
		tomorrow := e.week.Day(1)
		unborn := peselOf(fmt.Sprintf("%02d%02d%02d", tomorrow.Year%100, int(tomorrow.Month)+20, tomorrow.Day), "0001")
		cases := []struct {
			name, method, path string
			body               string
			want               int
			field              string
		}{
			{"malformed", "POST", "/api/v1/bookings", `{"service_id":`, 400, ""},
			{"not an object", "POST", "/api/v1/bookings", `"book me"`, 400, ""},
			{"unknown field", "POST", "/api/v1/bookings", with("admin", true), 400, "admin"},
			{"service_id as a string", "POST", "/api/v1/bookings", with("service_id", "1"), 400, "service_id"},
			{"start not a time", "POST", "/api/v1/bookings", with("start", "tomorrow at ten"), 400, "start"},
			{"start without an offset", "POST", "/api/v1/bookings", with("start", e.week.Date(1)+"T10:00:00"), 400, "start"},
			{"consent as a string", "POST", "/api/v1/bookings", with("consent", "yes"), 400, "consent"},
			{"pesel as a number", "POST", "/api/v1/bookings", with("pesel", 44051401359), 400, "pesel"},
			{"empty object", "POST", "/api/v1/bookings", `{}`, 422, "pesel"},
			{"missing name", "POST", "/api/v1/bookings", with("name", nil), 422, "name"},
			{"missing consent", "POST", "/api/v1/bookings", with("consent", nil), 422, "consent"},
			{"consent false", "POST", "/api/v1/bookings", with("consent", false), 422, "consent"},
			{"PESEL checksum", "POST", "/api/v1/bookings", with("pesel", "44051401358"), 422, "pesel"},
			{"PESEL of somebody not born yet", "POST", "/api/v1/bookings", with("pesel", unborn), 422, "pesel"},
			{"PESEL month 13", "POST", "/api/v1/bookings", with("pesel", month13), 422, "pesel"},
			{"PESEL 10 digits", "POST", "/api/v1/bookings", with("pesel", "4405140135"), 422, "pesel"},
			{"PESEL letters", "POST", "/api/v1/bookings", with("pesel", "4405140135A"), 422, "pesel"},
			{"SQL in the name", "POST", "/api/v1/bookings", with("name", `"; DROP TABLE bookings; --`), 422, "name"},
			{"10,000-character name", "POST", "/api/v1/bookings", with("name", strings.Repeat("ż", 10000)), 422, "name"},
			{"bad e-mail", "POST", "/api/v1/bookings", with("email", "jan@"), 422, "email"},
			{"landline", "POST", "/api/v1/bookings", with("phone", "22 555 12 12"), 422, "phone"},
			{"off-grid start", "POST", "/api/v1/bookings", with("start", slot.Start.Add(7*time.Minute).Format(time.RFC3339)), 422, "start"},
			{"unknown service", "POST", "/api/v1/bookings", with("service_id", 99999), 422, "service_id"},
			{"slots without a date", "GET", fmt.Sprintf("/api/v1/services/%d/slots", serviceID), "", 422, "date"},
			{"slots on 2026-13-01", "GET", fmt.Sprintf("/api/v1/services/%d/slots?date=2026-13-01", serviceID), "", 422, "date"},
			{"days reversed", "GET", fmt.Sprintf("/api/v1/services/%d/days?from=2026-12-01&to=2026-11-01", serviceID), "", 422, "to"},
			{"days too many", "GET", fmt.Sprintf("/api/v1/services/%d/days?from=2026-01-01&to=2026-12-31", serviceID), "", 422, "to"},
			{"slots of an unknown service", "GET", "/api/v1/services/99999/slots?date=" + e.week.Date(1), "", 404, ""},
			{"malformed code", "GET", "/api/v1/bookings/NOT-A-CODE!", "", 422, "code"},
			{"cancel without a body", "POST", "/api/v1/bookings/ABCD-EFGH/cancel", "", 400, ""},
			{"cancel with a bad PESEL", "POST", "/api/v1/bookings/ABCD-EFGH/cancel", `{"pesel":"123"}`, 422, "pesel"},
			{"cancel with an unknown field", "POST", "/api/v1/bookings/ABCD-EFGH/cancel", `{"pesel":"44051401359","code":"x"}`, 400, "code"},
			{"cancel by day with a bad date", "POST", "/api/v1/bookings/cancel", fmt.Sprintf(`{"pesel":%q,"service_id":%d,"date":"24.11.2026"}`, validPESEL, serviceID), 400, "date"},
			{"cancel by day without a service", "POST", "/api/v1/bookings/cancel", `{"pesel":"44051401359","date":"` + e.week.Date(1) + `"}`, 422, "service_id"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := e.withT(t)
				var body any
				if tc.body != "" {
					body = tc.body
				} else if tc.method == "POST" {
					body = ""
				}
				resp, out := e.do(tc.method, tc.path, body)
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, out)
				}
				p := problemOf(t, resp, out)
				if tc.field != "" {
					if _, ok := p.Errors[tc.field]; !ok {
						t.Fatalf("errors %v do not name %q", p.Errors, tc.field)
					}
				}
				if n := e.bookingCount(); n != 0 {
					t.Fatalf("%d bookings written", n)
				}
			})
		}
		// A body over 64 KiB is refused before anything is read.
		base := e.listen()
		resp, out := e.overHTTP(base, "POST", "/api/v1/bookings", with("name", strings.Repeat("a", 70<<10)))
		if resp.StatusCode != 413 {
			t.Fatalf("oversized: %d %s", resp.StatusCode, out)
		}
		if n := e.bookingCount(); n != 0 {
			t.Fatalf("%d bookings written", n)
		}
		// A full slot is 409, and a second booking for the same matter and
		// day by the same PESEL too.
		resp, out = e.do("POST", "/api/v1/bookings", good)
		if resp.StatusCode != 201 {
			t.Fatalf("book: %d %s", resp.StatusCode, out)
		}
		svc, err := e.offices.Service(t.Context(), serviceID)
		if err != nil {
			t.Fatal(err)
		}
		others := []string{peselOf("850215", "1234"), peselOf("900905", "1583"), peselOf("751108", "1233"), peselOf("020708", "0362")}
		for i := 1; i <= svc.Capacity && i < len(others); i++ {
			other := bookingBody(serviceID, slot.Start)
			other["pesel"] = others[i-1]
			resp, out = e.do("POST", "/api/v1/bookings", other)
			want := 201
			if i == svc.Capacity {
				want = 409
			}
			if resp.StatusCode != want {
				t.Fatalf("booking %d of a %d-seat slot: %d %s", i+1, svc.Capacity, resp.StatusCode, out)
			}
		}
		resp, out = e.do("POST", "/api/v1/bookings", good)
		if resp.StatusCode != 409 || !strings.Contains(string(out), "fully booked") && !strings.Contains(string(out), "already has a booking") {
			t.Fatalf("the same resident again: %d %s", resp.StatusCode, out)
		}
		problemOf(t, resp, out)
	})
}

// The limit per address counts bookings made, not refused attempts; failed
// look-ups by code are counted, successful ones are not.
func TestBookingRateLimit(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		limits := generous
		limits.Book = web.Limit{Max: 2, Window: time.Hour}
		limits.Lookup = web.Limit{Max: 3, Window: time.Hour}
		e := newEnvWith(t, db, limits)
		serviceID, slot := e.firstFreeSlot()
		bad := bookingBody(serviceID, slot.Start)
		bad["pesel"] = "1"
		for i := 0; i < 3; i++ {
			if resp, body := e.do("POST", "/api/v1/bookings", bad); resp.StatusCode != 422 {
				t.Fatalf("attempt %d: %d %s", i+1, resp.StatusCode, body)
			}
		}
		var code string
		for i, p := range []string{validPESEL, residentPESEL(1)} {
			good := bookingBody(serviceID, slot.Start.Add(time.Duration(i)*time.Hour))
			good["pesel"] = p
			resp, body := e.do("POST", "/api/v1/bookings", good)
			if resp.StatusCode != 201 {
				t.Fatalf("booking %d after refused attempts: %d %s", i+1, resp.StatusCode, body)
			}
			var v struct{ Code string }
			_ = json.Unmarshal(body, &v)
			code = v.Code
		}
		third := bookingBody(serviceID, slot.Start.Add(2*time.Hour))
		third["pesel"] = residentPESEL(2)
		resp, body := e.do("POST", "/api/v1/bookings", third)
		if resp.StatusCode != 429 {
			t.Fatalf("third booking from one address: %d %s", resp.StatusCode, body)
		}
		problemOf(t, resp, body)
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 3600 {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if e.bookingCount() != 2 {
			t.Fatalf("%d bookings, want 2", e.bookingCount())
		}
		for i := 0; i < 5; i++ {
			if resp, body := e.do("GET", "/api/v1/bookings/"+code, nil); resp.StatusCode != 200 {
				t.Fatalf("look-up %d of one's own code: %d %s", i+1, resp.StatusCode, body)
			}
		}
		for i := 0; i < 3; i++ {
			if resp, _ := e.do("GET", "/api/v1/bookings/ABCD-EFGH", nil); resp.StatusCode != 404 {
				t.Fatalf("failed look-up %d: %d", i+1, resp.StatusCode)
			}
		}
		if resp, _ := e.do("GET", "/api/v1/bookings/ABCD-EFGH", nil); resp.StatusCode != 429 {
			t.Fatalf("code guessing is not limited: %d", resp.StatusCode)
		}
		// The limits are per endpoint group: the catalog still answers.
		if resp, _ := e.do("GET", "/api/v1/departments", nil); resp.StatusCode != 200 {
			t.Fatalf("catalog: %d", resp.StatusCode)
		}
	})
}

// peselOf completes a birth date YYMMDD and a serial into a valid PESEL.
func peselOf(yymmdd, serial string) string {
	return bookingtest.PESEL(yymmdd + serial)
}
