package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// callerBody is a booking a clerk makes for a caller: without e-mail.
func callerBody(serviceID int64, start time.Time, pesel string) map[string]any {
	return map[string]any{
		"service_id": serviceID, "start": start.Format(time.RFC3339), "name": "Stanisław Dzwoniący",
		"pesel": pesel, "phone": "600 100 200", "consent": true,
	}
}

// storedBooking reads a booking by its code as the store keeps it.
func (e *env) storedBooking(code string) *booking.Booking {
	e.t.Helper()
	b, err := e.bookings.Get(e.t.Context(), code)
	if err != nil {
		e.t.Fatalf("booking %s: %v", code, err)
	}
	return b
}

// auditEntry is one row of the audit log.
type auditEntry struct {
	UserID    *int64
	Actor     string
	Action    string
	ObjectID  int64
	AfterJSON *string
}

// auditOf reads the audit entries of action on objects of typ, oldest first.
func (e *env) auditOf(action, typ string) []auditEntry {
	e.t.Helper()
	var out []auditEntry
	if err := e.db.Table("audit_log").Select("user_id, actor, action, object_id, after_json").
		Where("action = ? AND object_type = ?", action, typ).Order("id").Scan(&out).Error; err != nil {
		e.t.Fatal(err)
	}
	return out
}

// A clerk books for callers with a bearer token: a phone without e-mail is
// enough, both missing is 422 naming them, a bad phone or e-mail 422 naming
// it, consent still required; the booking is stored with the caller's data,
// reached by SMS only, and the audit log names the clerk. Staff bookings
// are not rate-limited and don't spend the address's budget: after more
// staff bookings than the budget, the anonymous ones still get exactly
// their budget and then 429, while the clerk goes on. Without a token, the
// e-mail is required as ever.
func TestStaffBooksForCaller(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		const budget = 2
		limits := generous
		limits.Book = web.Limit{Max: budget, Window: 10 * time.Minute}
		e := newEnvWith(t, db, limits)
		sid, slots := e.roomyMatter(10)
		clerkToken := e.login(e.creds.ClerkUser, e.creds.ClerkPassword)
		clerk := bearer(clerkToken)

		resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[0].Start, residentPESEL(1)), clerk...)
		if resp.StatusCode != 201 {
			t.Fatalf("the clerk's booking without e-mail: %d %s", resp.StatusCode, body)
		}
		var made struct{ Code, Status string }
		if err := json.Unmarshal(body, &made); err != nil || made.Status != "booked" {
			t.Fatalf("answer %s: %v", body, err)
		}
		b := e.storedBooking(made.Code)
		if b.Email != nil || b.Phone == nil || *b.Phone != "+48600100200" || b.Name == nil || *b.Name != "Stanisław Dzwoniący" ||
			b.PESELLast4 == nil || *b.PESELLast4 != residentPESEL(1)[7:] || b.ClientAddr != nil || !b.StartsAt.Equal(slots[0].Start) {
			t.Errorf("stored: email %v phone %v name %v last4 %v addr %v start %v", b.Email, b.Phone, b.Name, b.PESELLast4, b.ClientAddr, b.StartsAt)
		}
		var channels []string
		if err := db.Table("outbox").Where("booking_id = ?", b.ID).Order("channel").Pluck("channel", &channels).Error; err != nil {
			t.Fatal(err)
		}
		if len(channels) != 1 || channels[0] != "sms" {
			t.Errorf("the caller is told by %v, want only sms", channels)
		}
		entries := e.auditOf("book_for_caller", "booking")
		if len(entries) != 1 || entries[0].Actor != e.creds.ClerkUser || entries[0].UserID == nil || entries[0].ObjectID != b.ID {
			t.Fatalf("audit entries %+v, want one by %s of booking %d", entries, e.creds.ClerkUser, b.ID)
		}

		// Refusals name the field and write nothing.
		before := e.bookingCount()
		for _, tc := range []struct {
			name   string
			change func(map[string]any)
			fields []string
		}{
			{"neither phone nor e-mail", func(m map[string]any) { delete(m, "phone") }, []string{"phone", "email"}},
			{"a bad phone", func(m map[string]any) { m["phone"] = "12345" }, []string{"phone"}},
			{"a bad e-mail", func(m map[string]any) { m["email"] = "nie-adres" }, []string{"email"}},
			{"no consent", func(m map[string]any) { m["consent"] = false }, []string{"consent"}},
		} {
			req := callerBody(sid, slots[1].Start, residentPESEL(2))
			tc.change(req)
			resp, body := e.do("POST", "/api/v1/bookings", req, clerk...)
			p := problemOf(t, resp, body)
			if resp.StatusCode != 422 {
				t.Errorf("%s: %d %s, want 422", tc.name, resp.StatusCode, body)
			}
			for _, f := range tc.fields {
				if p.Errors[f] == "" {
					t.Errorf("%s: errors %v do not name %s", tc.name, p.Errors, f)
				}
			}
		}
		if n := e.bookingCount(); n != before {
			t.Fatalf("refused bookings wrote %d rows", n-before)
		}

		// More staff bookings than the address's budget, all made.
		for i := 1; i <= budget+2; i++ {
			if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[i].Start, residentPESEL(10+i)), clerk...); resp.StatusCode != 201 {
				t.Fatalf("staff booking %d: %d %s", i, resp.StatusCode, body)
			}
		}
		// A resident without a token needs an e-mail, as ever.
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[1].Start, residentPESEL(30))); resp.StatusCode != 422 || problemOf(t, resp, body).Errors["email"] == "" {
			t.Fatalf("anonymous without e-mail: %d %s, want 422 naming email", resp.StatusCode, body)
		}
		// The same address's residents get exactly the budget, then 429.
		for i := range budget + 1 {
			req := callerBody(sid, slots[5+i].Start, residentPESEL(40+i))
			req["email"] = "mieszkaniec@example.pl"
			resp, body := e.do("POST", "/api/v1/bookings", req)
			want := 201
			if i == budget {
				want = 429
			}
			if resp.StatusCode != want {
				t.Fatalf("anonymous booking %d: %d %s, want %d", i, resp.StatusCode, body, want)
			}
		}
		// The clerk is still not limited.
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[9].Start, residentPESEL(50)), clerk...); resp.StatusCode != 201 {
			t.Fatalf("staff booking past the address's limit: %d %s", resp.StatusCode, body)
		}
		if n := len(e.auditOf("book_for_caller", "booking")); n != budget+4 {
			t.Errorf("%d audit entries of staff bookings, want %d", n, budget+4)
		}

		// The page's way: the session cookie with its CSRF header books as
		// the clerk; the cookie alone is a resident's request.
		cookie, csrf := e.signIn(e.creds.ClerkUser, e.creds.ClerkPassword)
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[2].Start, residentPESEL(60)), "Cookie", cookie); resp.StatusCode != 429 {
			t.Fatalf("the cookie without its CSRF header: %d %s, want the resident's 429", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[2].Start, residentPESEL(60)), "Cookie", cookie, "X-CSRF-Token", "wrong"); resp.StatusCode != 403 {
			t.Fatalf("a wrong CSRF token: %d %s, want 403", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[2].Start, residentPESEL(60)), "Cookie", cookie, "X-CSRF-Token", csrf); resp.StatusCode != 201 {
			t.Fatalf("the cookie with its CSRF header: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", "/api/v1/bookings", callerBody(sid, slots[3].Start, residentPESEL(61)), bearer("not-a-token")...); resp.StatusCode != 401 {
			t.Fatalf("a bad bearer token: %d %s, want 401", resp.StatusCode, body)
		}
	})
}

// A clerk's booking of a matter with confirm_minutes and proof of work
// (the demo's vehicle registration) needs no proof and is booked at once;
// the resident's limits still hold for the clerk's bookings.
func TestStaffBookingConfirmedAtOnce(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, slot := e.vehicleMatter()
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		resp, body := e.do("POST", "/api/v1/bookings", callerBody(svc.ID, slot.Start, validPESEL), clerk...)
		if resp.StatusCode != 201 {
			t.Fatalf("staff booking of the vehicle matter: %d %s", resp.StatusCode, body)
		}
		var made struct {
			Code      string
			Status    string
			ConfirmBy *time.Time `json:"confirm_by"`
		}
		if err := json.Unmarshal(body, &made); err != nil || made.Status != "booked" || made.ConfirmBy != nil {
			t.Fatalf("answer %s, want booked with nothing to confirm", body)
		}
		if b := e.storedBooking(made.Code); b.Status != booking.StatusBooked || b.ConfirmBy != nil {
			t.Fatalf("stored %s confirm by %v", b.Status, b.ConfirmBy)
		}
		// One booking per PESEL, matter and day, for clerks too.
		later := slot.Start.Add(time.Duration(svc.SlotMinutes) * time.Minute)
		resp, body = e.do("POST", "/api/v1/bookings", callerBody(svc.ID, later, validPESEL), clerk...)
		if resp.StatusCode != http.StatusConflict {
			t.Fatalf("a second booking that day for the PESEL: %d %s, want 409", resp.StatusCode, body)
		}
	})
}
