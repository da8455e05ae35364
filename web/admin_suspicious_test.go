package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// suspectEnv is a server behind a trusted proxy (the test connection's
// 0.0.0.0), so each booking can come from the address the test names.
type suspectEnv struct {
	*env
	svc    int64
	slots  []time.Time       // free slots, each used once
	n      int               // bookings so far
	pesels map[string]string // code → PESEL
}

func newSuspectEnv(t *testing.T, db *gorm.DB) *suspectEnv {
	e := newEnvTuned(t, db, generous, func(d *web.Deps) { d.TrustedProxies = []string{"0.0.0.0"} })
	svc, _ := e.firstFreeSlot()
	s := &suspectEnv{env: e, svc: svc, pesels: map[string]string{}}
	for day := 1; day <= 3; day++ {
		var out struct{ Slots []slotView }
		e.okJSON("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc, e.week.Date(day)), &out)
		for _, sl := range out.Slots {
			s.slots = append(s.slots, sl.Start)
		}
	}
	return s
}

// book books the next free slot over the API, after the clock moves on by
// after, from addr, with email and pesel ("" for a resident's own PESEL and
// an address at a big free provider), and returns the code.
func (s *suspectEnv) book(after time.Duration, addr, email, pesel string) string {
	s.t.Helper()
	s.n++
	s.clock.Advance(after)
	if pesel == "" {
		pesel = peselOf(fmt.Sprintf("7%d%02d%02d", s.n/12%10, s.n%12+1, s.n%28+1), "0100")
	}
	if email == "" {
		email = fmt.Sprintf("anna.nowak%d@wp.pl", s.n)
	}
	body := map[string]any{
		"service_id": s.svc, "start": s.slots[s.n].Format(time.RFC3339), "name": "Anna Nowak",
		"pesel": pesel, "email": email, "consent": true,
	}
	resp, out := s.do("POST", "/api/v1/bookings", body, "X-Forwarded-For", addr)
	if resp.StatusCode != 201 {
		s.t.Fatalf("book %d from %s: %d %s", s.n, addr, resp.StatusCode, out)
	}
	var b struct{ Code string }
	if err := json.Unmarshal(out, &b); err != nil {
		s.t.Fatal(err)
	}
	s.pesels[b.Code] = pesel
	return b.Code
}

type suspectGroupView struct {
	Kind     string
	Key      string
	Count    int
	Bookings []struct {
		Code, Name, Email, Service string
		ClientAddr                 string `json:"client_addr"`
	}
}

type suspiciousAnswer struct{ Groups []suspectGroupView }

// The administrator sees the hoarder's burst from one address, the one from
// many addresses of a /64, the one e-mail domain and the PESELs of one birth
// date as groups, and no ordinary resident; then cancels one group's
// bookings: exactly those, their seats free again, one notice each, each
// audited.
func TestAdminSuspiciousBookings(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newSuspectEnv(t, db)
		admin := bearer(s.adminToken())
		var ordinary, burst, net64, domain, born []string
		for i := 0; i < 4; i++ {
			ordinary = append(ordinary, s.book(7*time.Minute, fmt.Sprintf("192.0.2.%d", 20+i), "", ""))
		}
		for i := 0; i < 5; i++ {
			burst = append(burst, s.book(200*time.Millisecond, "203.0.113.9", "", ""))
		}
		for i := 0; i < 5; i++ {
			net64 = append(net64, s.book(time.Minute, fmt.Sprintf("2001:db8:7:7::%d", i+1), "", ""))
		}
		for i := 0; i < 5; i++ {
			domain = append(domain, s.book(40*time.Minute, fmt.Sprintf("198.51.100.%d", 30+i), fmt.Sprintf("k%d@bot-mail.pl", i), ""))
		}
		for i := 0; i < 4; i++ {
			born = append(born, s.book(33*time.Minute, fmt.Sprintf("2001:db8:%x::9", 0x40+i), "", peselOf("850505", fmt.Sprintf("%04d", 2000+i))))
		}
		for i := 0; i < 2; i++ {
			ordinary = append(ordinary, s.book(11*time.Minute, fmt.Sprintf("192.0.2.%d", 40+i), "", ""))
		}

		path := "/api/v1/admin/suspicious-bookings?from=" + s.week.Date(1) + "&to=" + s.week.Date(3)
		var got suspiciousAnswer
		s.okJSON("GET", path, &got, admin...)
		sorted := func(c []string) []string { c = slices.Clone(c); slices.Sort(c); return c }
		want := map[string][]string{
			"burst 203.0.113.9": sorted(burst), "burst 2001:db8:7:7::/64": sorted(net64),
			"email_domain bot-mail.pl": sorted(domain), "pesel_birth_date": sorted(born),
		}
		if len(got.Groups) != len(want) {
			t.Fatalf("%d groups, want %d: %+v", len(got.Groups), len(want), got.Groups)
		}
		for _, g := range got.Groups {
			name := g.Kind + " " + g.Key
			if g.Kind == booking.SuspectBirthDate {
				name = g.Kind
			}
			var codes []string
			for _, b := range g.Bookings {
				codes = append(codes, b.Code)
				if b.Name != "Anna Nowak" || b.Email == "" || b.Service == "" || b.ClientAddr == "" {
					t.Errorf("%s: a booking lacks what the administrator needs: %+v", name, b)
				}
				if slices.Contains(ordinary, b.Code) {
					t.Errorf("an ordinary resident's %s is in %s", b.Code, name)
				}
			}
			if !slices.Equal(sorted(codes), want[name]) || g.Count != len(codes) {
				t.Errorf("group %s: %d %v, want %v", name, g.Count, codes, want[name])
			}
		}

		// Bad queries are 422 naming the parameter.
		for _, tc := range []struct{ query, field string }{
			{"from=" + s.week.Date(1), "to"},
			{"to=" + s.week.Date(1), "from"},
			{"from=2026-02-30&to=" + s.week.Date(1), "from"},
			{"from=" + s.week.Date(3) + "&to=" + s.week.Date(1), "to"},
			{"from=" + s.week.Date(0) + "&to=" + s.week.Date(100), "to"},
			{"from=1999-12-31&to=" + s.week.Date(1), "from"},
			{"from=" + s.week.Date(1) + "&to=" + s.week.Date(3) + "&burst_size=abc", "burst_size"},
			{"from=" + s.week.Date(1) + "&to=" + s.week.Date(3) + "&burst_minutes=0", "burst_minutes"},
			{"from=" + s.week.Date(1) + "&to=" + s.week.Date(3) + "&public_domains=maybe", "public_domains"},
		} {
			resp, body := s.do("GET", "/api/v1/admin/suspicious-bookings?"+tc.query, nil, admin...)
			if resp.StatusCode != 422 {
				t.Fatalf("%s: %d %s, want 422", tc.query, resp.StatusCode, body)
			}
			if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
				t.Errorf("%s: errors %v do not name %s", tc.query, p.Errors, tc.field)
			}
		}

		type state struct{ booked, outbox, audit int64 }
		now := func() state {
			var st state
			db.Table("bookings").Where("status = ?", booking.StatusBooked).Count(&st.booked)
			db.Table("outbox").Count(&st.outbox)
			db.Table("audit_log").Count(&st.audit)
			return st
		}
		clerk := bearer(s.login(s.creds.ClerkUser, s.creds.ClerkPassword))
		before := now()
		many := make([]string, booking.CancelMaxCodes+1)
		for i := range many {
			many[i] = burst[0]
		}
		for _, tc := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"codes":["` + burst[0] + `","ZZZZ-ZZZZ"],"note":"x"}`, 422, "codes"},
			{`{"codes":["` + burst[0] + `","ABC"]}`, 422, "codes"},
			{`{"codes":[]}`, 422, "codes"},
			{`{"note":"x"}`, 422, "codes"},
			{`{"codes":["` + strings.Join(many, `","`) + `"]}`, 422, "codes"},
			{`{"codes":["` + burst[0] + `"],"note":"` + strings.Repeat("n", 501) + `"}`, 422, "note"},
			{`{"codes":["` + burst[0] + `"],"nota":"x"}`, 400, "nota"},
			{`{"codes":["` + burst[0] + `"],"Codes":["` + burst[1] + `"]}`, 400, "Codes"},
		} {
			resp, body := s.do("POST", "/api/v1/admin/bookings/cancel", tc.body, admin...)
			if resp.StatusCode != tc.status {
				t.Fatalf("%.80s: %d %s, want %d", tc.body, resp.StatusCode, body, tc.status)
			}
			if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
				t.Errorf("%.80s: errors %v do not name %s", tc.body, p.Errors, tc.field)
			}
		}
		if got := now(); got != before {
			t.Fatalf("bad input wrote something: %+v, before %+v", got, before)
		}

		// Non-administrators are refused, and change nothing.
		for _, h := range [][]string{nil, clerk} {
			want := 401
			if h != nil {
				want = 403
			}
			if resp, body := s.do("GET", path, nil, h...); resp.StatusCode != want {
				t.Errorf("GET as %v: %d %s", h, resp.StatusCode, body)
			}
			if resp, body := s.do("POST", "/api/v1/admin/bookings/cancel", map[string]any{"codes": burst}, h...); resp.StatusCode != want {
				t.Errorf("POST as %v: %d %s", h, resp.StatusCode, body)
			}
		}
		if got := now(); got != before {
			t.Fatalf("refused requests wrote something: %+v, before %+v", got, before)
		}

		freeSeats := func() int {
			t.Helper()
			var out struct{ Slots []slotView }
			n := 0
			for day := 1; day <= 3; day++ {
				s.okJSON("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", s.svc, s.week.Date(day)), &out)
				for _, sl := range out.Slots {
					n += sl.Free
				}
			}
			return n
		}
		// The burst's bookings, and one an ordinary resident has cancelled
		// meanwhile.
		if resp, body := s.do("POST", "/api/v1/bookings/"+ordinary[0]+"/cancel", map[string]any{"pesel": s.pesels[ordinary[0]]}, "X-Forwarded-For", "192.0.2.20"); resp.StatusCode != 200 {
			t.Fatalf("resident's own cancellation: %d %s", resp.StatusCode, body)
		}
		before, free := now(), freeSeats()
		pick := append(slices.Clone(burst), ordinary[0])
		var res struct {
			Cancelled    []string
			NotCancelled []struct{ Code, Reason string } `json:"not_cancelled"`
		}
		resp, body := s.do("POST", "/api/v1/admin/bookings/cancel", map[string]any{"codes": pick, "note": "Rezerwacje hurtowe naruszają regulamin."}, admin...)
		if resp.StatusCode != 200 || json.Unmarshal(body, &res) != nil {
			t.Fatalf("cancel: %d %s", resp.StatusCode, body)
		}
		if !slices.Equal(res.Cancelled, burst) || len(res.NotCancelled) != 1 || res.NotCancelled[0].Code != ordinary[0] || res.NotCancelled[0].Reason != booking.NotCancelledAlready {
			t.Fatalf("answer %s", body)
		}
		after := now()
		if after.booked != before.booked-5 || after.audit != before.audit+5 {
			t.Fatalf("after: %+v, before %+v", after, before)
		}
		if got := freeSeats(); got != free+5 {
			t.Fatalf("%d free seats, want %d", got, free+5)
		}
		var notices []struct {
			Code string
			Data string
		}
		db.Table("outbox o").Select("b.code, o.data").Joins("JOIN bookings b ON b.id = o.booking_id").
			Where("o.kind = ? AND o.channel = ? AND b.cancel_reason = ?", "cancellation", "email", booking.ReasonAdmin).Find(&notices)
		var noticed []string
		for _, n := range notices {
			noticed = append(noticed, booking.FormatCode(n.Code))
			if !strings.Contains(n.Data, "naruszają regulamin") {
				t.Errorf("the notice to %s lacks the note: %s", n.Code, n.Data)
			}
		}
		if !slices.Equal(sorted(noticed), sorted(burst)) {
			t.Fatalf("notices for %v, want one for each of %v", noticed, burst)
		}
		var audited int64
		db.Table("audit_log").Where("action = ? AND object_type = ? AND actor = ?", booking.AuditCancel, "booking", s.creds.AdminUser).Count(&audited)
		if audited != 5 {
			t.Fatalf("%d audit entries by the administrator, want 5", audited)
		}
		// The group is gone from the view; the others stay.
		s.okJSON("GET", path, &got, admin...)
		if len(got.Groups) != 3 || slices.ContainsFunc(got.Groups, func(g suspectGroupView) bool { return g.Key == "203.0.113.9" }) {
			t.Fatalf("after cancelling the burst: %+v", got.Groups)
		}
	})
}
