package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/ratelimit/proof"
	"github.com/okienko/okienko/web"
)

// vehicleMatter is the demo's "Rejestracja pojazdu kupionego w Polsce",
// which asks for proof of work, with its first free slot on the test week's
// Tuesday.
func (e *env) vehicleMatter() (office.Service, slotView) {
	e.t.Helper()
	deps, err := e.offices.Departments(e.t.Context(), true)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range deps {
		for _, svc := range d.Services {
			if svc.Name != "Rejestracja pojazdu kupionego w Polsce" {
				continue
			}
			if !svc.ProofOfWork {
				e.t.Fatal("the demo's vehicle registration asks for no proof of work")
			}
			resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc.ID, e.week.Date(1)), nil)
			var out struct {
				Slots []slotView `json:"slots"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || len(out.Slots) == 0 || out.Slots[0].Free == 0 {
				e.t.Fatalf("slots: %d %s", resp.StatusCode, body)
			}
			return svc, out.Slots[0]
		}
	}
	e.t.Fatal("no vehicle registration in the demo")
	return office.Service{}, slotView{}
}

// challenge gets a challenge from the API, checked against the document.
func (e *env) challenge() proof.Challenge {
	e.t.Helper()
	resp, body := e.do("GET", "/api/v1/challenge", nil)
	var ch proof.Challenge
	if resp.StatusCode != 200 || json.Unmarshal(body, &ch) != nil || resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Fatalf("challenge: %d %s", resp.StatusCode, body)
	}
	return ch
}

// solve gets a challenge and solves it as a client would, with the Go
// solver: the X-Okienko-Proof header's value.
func (e *env) solve() string {
	e.t.Helper()
	s, ok := proof.Solve(context.Background(), e.challenge())
	if !ok {
		e.t.Fatal("the challenge has no solution")
	}
	return s.Encode()
}

// refusedProof fails unless the answer is the 403 problem naming proof.
func refusedProof(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	var p web.Problem
	if resp.StatusCode != 403 || json.Unmarshal(body, &p) != nil || p.Errors["proof"] == "" {
		t.Fatalf("%s: %d %s, want 403 naming proof", what, resp.StatusCode, body)
	}
}

// A matter with proof of work books, cancels and is looked up only with a
// fresh solution in X-Okienko-Proof: without one, with a wrong number, a
// bad signature, an expired challenge or a solution used before it is 403
// naming proof and nothing is written. A matter without it needs none.
func TestProofOfWorkAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, slot := e.vehicleMatter()
		book := bookingBody(svc.ID, slot.Start)

		resp, body := e.do("POST", "/api/v1/bookings", book)
		refusedProof(t, "no proof", resp, body)
		if !strings.Contains(string(body), "/api/v1/challenge") || !strings.Contains(string(body), web.ProofHeader) {
			t.Errorf("the refusal doesn't say where to get a challenge: %s", body)
		}

		ch := e.challenge()
		if ch.MaxNumber != proof.DefaultMaxNumber || ch.Algorithm != "SHA-256" {
			t.Fatalf("challenge %+v", ch)
		}
		good, ok := proof.Solve(context.Background(), ch)
		if !ok {
			t.Fatal("no solution")
		}
		wrong := good
		wrong.Number = (good.Number + 1) % (ch.MaxNumber + 1)
		forged := good
		forged.Signature = strings.Repeat("ab", 32)
		for what, header := range map[string]string{
			"a wrong number":  wrong.Encode(),
			"a bad signature": forged.Encode(),
			"not base64":      "{not base64}",
		} {
			resp, body = e.do("POST", "/api/v1/bookings", book, web.ProofHeader, header)
			refusedProof(t, what, resp, body)
		}
		if n := e.bookingCount(); n != 0 {
			t.Fatalf("%d bookings after refused proofs, want 0", n)
		}

		resp, body = e.do("POST", "/api/v1/bookings", book, web.ProofHeader, good.Encode())
		if resp.StatusCode != 201 {
			t.Fatalf("book with the solution: %d %s", resp.StatusCode, body)
		}
		var b struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		// The same solution again, for another resident: refused as used.
		again := bookingBody(svc.ID, slot.Start)
		again["pesel"], again["email"] = peselOf("850312", "1234"), "jan@example.pl"
		resp, body = e.do("POST", "/api/v1/bookings", again, web.ProofHeader, good.Encode())
		refusedProof(t, "a replayed solution", resp, body)
		if !strings.Contains(string(body), "used already") {
			t.Errorf("the replay's refusal doesn't say so: %s", body)
		}
		if n := e.bookingCount(); n != 1 {
			t.Fatalf("%d bookings after the replay, want 1", n)
		}

		// Look-ups by code: the booking's matter asks for a solution.
		for _, path := range []string{"/api/v1/bookings/" + b.Code, "/api/v1/bookings/" + b.Code + "/calendar.ics"} {
			resp, body = e.do("GET", path, nil)
			refusedProof(t, "GET "+path+" without a proof", resp, body)
			if resp, body = e.do("GET", path, nil, web.ProofHeader, e.solve()); resp.StatusCode != 200 {
				t.Fatalf("GET %s with a proof: %d %s", path, resp.StatusCode, body)
			}
		}
		// The booking's page links the site's own calendar file, which a
		// link can't give a proof to.
		if resp, body := e.site().get("/rezerwacja/" + b.Code + "/kalendarz.ics"); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(body, "BEGIN:VEVENT") {
			t.Fatalf("the site's calendar file: %d %s", resp.StatusCode, body)
		}
		// A code that names no booking is 404 as before, proof or not.
		if resp, body = e.do("GET", "/api/v1/bookings/ZZZZ-ZZZZ", nil); resp.StatusCode != 404 {
			t.Fatalf("an unknown code: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do("POST", "/api/v1/bookings/"+b.Code+"/cancel", map[string]string{"pesel": validPESEL})
		refusedProof(t, "cancel by code without a proof", resp, body)
		move := map[string]any{"pesel": validPESEL, "start": slot.Start}
		resp, body = e.do("POST", "/api/v1/bookings/"+b.Code+"/reschedule", move)
		refusedProof(t, "reschedule without a proof", resp, body)
		// With one it gets past the proof to the booking, which is pending:
		// a pending visit is confirmed before it is moved.
		if resp, body = e.do("POST", "/api/v1/bookings/"+b.Code+"/reschedule", move, web.ProofHeader, e.solve()); resp.StatusCode != 409 {
			t.Fatalf("reschedule with a proof: %d %s, want 409 (pending)", resp.StatusCode, body)
		}
		byDay := map[string]any{"pesel": validPESEL, "service_id": svc.ID, "date": e.week.Date(1)}
		resp, body = e.do("POST", "/api/v1/bookings/cancel", byDay)
		refusedProof(t, "cancel by day without a proof", resp, body)

		// A challenge solved too late: refused once it has expired, by the
		// server's clock.
		late := e.solve()
		e.clock.Advance(proof.DefaultTTL)
		resp, body = e.do("POST", "/api/v1/bookings/cancel", byDay, web.ProofHeader, late)
		refusedProof(t, "an expired challenge", resp, body)
		if !strings.Contains(string(body), "expired") {
			t.Errorf("the expired challenge's refusal doesn't say so: %s", body)
		}
		resp, body = e.do("POST", "/api/v1/bookings/cancel", byDay, web.ProofHeader, e.solve())
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"cancelled"`) {
			t.Fatalf("cancel by day with a proof: %d %s", resp.StatusCode, body)
		}

		// A matter without proof of work: no header, as before.
		other, free := e.firstFreeSlot()
		resp, body = e.do("POST", "/api/v1/bookings", bookingBody(other, free.Start))
		if resp.StatusCode != 201 {
			t.Fatalf("a matter without proof of work: %d %s", resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, &b); err != nil {
			t.Fatal(err)
		}
		if resp, body = e.do("GET", "/api/v1/bookings/"+b.Code, nil); resp.StatusCode != 200 {
			t.Fatalf("look-up of a matter without proof of work: %d %s", resp.StatusCode, body)
		}
	})
}

// One solution sent with many bookings at once over real connections:
// exactly one gets past the proof, the others are refused as used.
func TestProofOfWorkConcurrentUse(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, slot := e.vehicleMatter()
		base := e.listen()
		solution := e.solve()
		const n = 8
		statuses := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			body := bookingBody(svc.ID, slot.Start)
			body["pesel"], body["email"] = peselOf("850312", fmt.Sprintf("%04d", 1000+i)), fmt.Sprintf("r%d@example.pl", i)
			raw, _ := json.Marshal(body)
			wg.Go(func() {
				req, err := http.NewRequest("POST", base+"/api/v1/bookings", bytes.NewReader(raw))
				if err != nil {
					errs[i] = err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(web.ProofHeader, solution)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		passed := 0
		for i, st := range statuses {
			switch {
			case errs[i] != nil:
				t.Fatalf("request %d: %v", i, errs[i])
			case st == 201:
				passed++
			case st != 403:
				t.Errorf("request %d: %d, want 201 or 403", i, st)
			}
		}
		if passed != 1 || e.bookingCount() != 1 {
			t.Fatalf("%d of %d requests with one solution booked (%d bookings): %v", passed, n, e.bookingCount(), statuses)
		}
	})
}

// The administrator turns proof of work on and off for a matter; the public
// API shows it, and the booking follows it.
func TestProofOfWorkAdmin(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	admin := []string{"Authorization", "Bearer " + e.login("admin", testPassword)}
	id, slot := e.firstFreeSlot()
	patch := func(on bool) {
		t.Helper()
		resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/services/%d", id), map[string]bool{"proof_of_work": on}, admin...)
		var svc office.Service
		if resp.StatusCode != 200 || json.Unmarshal(body, &svc) != nil || svc.ProofOfWork != on {
			t.Fatalf("proof_of_work %v: %d %s", on, resp.StatusCode, body)
		}
	}
	patch(true)
	if resp, body := e.do("GET", fmt.Sprintf("/api/v1/services/%d", id), nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"proof_of_work":true`) {
		t.Fatalf("the public service: %d %s", resp.StatusCode, body)
	}
	resp, body := e.do("POST", "/api/v1/bookings", bookingBody(id, slot.Start))
	refusedProof(t, "booking after turning it on", resp, body)
	patch(false)
	if resp, body := e.do("POST", "/api/v1/bookings", bookingBody(id, slot.Start)); resp.StatusCode != 201 {
		t.Fatalf("booking after turning it off: %d %s", resp.StatusCode, body)
	}
}

// The site's forms of a matter with proof of work carry the hidden field
// and the address of the challenge for the browser's solver, and say
// without scripts why they are needed. The server checks the field as the
// API checks the header: nothing sent is refused (403) with what was typed
// kept and nothing booked; a solution books; a used one is refused again.
func TestProofOfWorkSiteForms(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, slot := e.vehicleMatter()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", svc.ID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
		sc := e.site()
		resp, body := sc.get(formPath)
		wantPage(t, resp, body, 200)
		for _, want := range []string{`data-proof="/api/v1/challenge"`, `name="proof"`, `<script type="module" src="/static/proof.js">`, "<noscript>", "zezwalać na skrypty", `role="status"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %q", want)
			}
		}
		form := url.Values{
			"start": {slot.Start.Format(time.RFC3339)}, "name": {"Małgorzata Żółkiewska"}, "pesel": {validPESEL},
			"email": {"m.zolkiewska@example.pl"}, "phone": {""}, "consent": {"1"}, "proof": {""},
		}
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 403)
		for _, want := range []string{"wymaga, by przeglądarka zezwalała na skrypty", `value="Małgorzata Żółkiewska"`, `value="` + validPESEL + `"`, `<title>Błąd: `} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		summaryReadOnce(t, "the form refused without a proof", body)
		form.Set("proof", "e30")
		resp, body = sc.post(formPath, form)
		wantPage(t, resp, body, 403)
		if !strings.Contains(body, "Wyślij go jeszcze raz") {
			t.Errorf("a bad proof's refusal: %s", pageText([]byte(body)))
		}
		if n := e.bookingCount(); n != 0 {
			t.Fatalf("%d bookings after refused forms", n)
		}
		solution := e.solve()
		form.Set("proof", solution)
		resp, body = sc.post(formPath, form)
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/rezerwacja/") {
			t.Fatalf("booking with a solution: %d %.400s", resp.StatusCode, body)
		}
		code := strings.TrimPrefix(resp.Header.Get("Location"), "/rezerwacja/")
		// The matter confirms by e-mail too: once confirmed, the booking's
		// page needs no proof, and links the site's calendar.
		pending, err := e.bookings.Get(context.Background(), code)
		if err != nil || pending.Status != booking.StatusPending {
			t.Fatalf("booked %+v, %v; want pending", pending, err)
		}
		if _, err := e.bookings.Confirm(context.Background(), code, e.bookings.ConfirmToken(pending)); err != nil {
			t.Fatal(err)
		}
		resp, body = sc.get("/rezerwacja/" + code)
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `href="/rezerwacja/`+code+`/kalendarz.ics"`) {
			t.Error("the booking's page doesn't link its calendar file")
		}

		// Moving it to another day: the move form solves a challenge, and
		// its POST without a solution moves nothing.
		r, raw := e.do("GET", fmt.Sprintf("/api/v1/services/%d/slots?date=%s", svc.ID, e.week.Date(2)), nil)
		var day2 struct {
			Slots []slotView `json:"slots"`
		}
		if r.StatusCode != 200 || json.Unmarshal(raw, &day2) != nil || len(day2.Slots) == 0 {
			t.Fatalf("slots of day 2: %d %s", r.StatusCode, raw)
		}
		newStart := day2.Slots[0].Start.Format(time.RFC3339)
		movePath := "/rezerwacja/" + code + "/zmien"
		resp, body = sc.get(movePath + "?start=" + url.QueryEscape(newStart))
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `data-proof="/api/v1/challenge"`) || !strings.Contains(body, `name="proof"`) {
			t.Error("the move form doesn't solve a challenge")
		}
		move := url.Values{"start": {newStart}, "pesel": {validPESEL}, "proof": {""}}
		resp, body = sc.post(movePath, move)
		wantPage(t, resp, body, 403)
		if got, _ := e.bookings.Get(context.Background(), code); !got.StartsAt.Equal(pending.StartsAt) {
			t.Fatalf("moved without a proof to %v", got.StartsAt)
		}
		move.Set("proof", e.solve())
		if resp, body = sc.post(movePath, move); resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "zmieniono=1") {
			t.Fatalf("moving with a solution: %d %.400s", resp.StatusCode, body)
		}

		// The look-up by code and the cancelling forms of such a booking.
		resp, body = sc.get("/rezerwacja")
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `data-proof="/api/v1/challenge"`) || !strings.Contains(body, "Niektóre sprawy są chronione") {
			t.Error("the look-up form doesn't solve a challenge while a matter asks for it")
		}
		lookup := url.Values{"code": {code}, "pesel": {validPESEL}, "proof": {solution}}
		resp, body = sc.post("/rezerwacja", lookup)
		wantPage(t, resp, body, 403)
		lookup.Set("proof", e.solve())
		resp, body = sc.post("/rezerwacja", lookup)
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, code) {
			t.Error("the look-up with a solution doesn't show the booking")
		}
		resp, body = sc.get("/rezerwacja/" + code + "/odwolaj")
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `data-proof="/api/v1/challenge"`) {
			t.Error("the cancel form doesn't solve a challenge")
		}
		resp, body = sc.post("/rezerwacja/"+code+"/odwolaj", url.Values{"pesel": {validPESEL}})
		wantPage(t, resp, body, 403)
		resp, body = sc.get("/odwolaj")
		wantPage(t, resp, body, 200)
		if !strings.Contains(body, `data-proof="/api/v1/challenge"`) {
			t.Error("the cancel-by-day form doesn't solve a challenge")
		}
		byDay := url.Values{"pesel": {validPESEL}, "service_id": {fmt.Sprint(svc.ID)}, "date": {e.week.Date(2)}} // moved there above
		resp, body = sc.post("/odwolaj", byDay)
		wantPage(t, resp, body, 403)
		byDay.Set("proof", e.solve())
		resp, body = sc.post("/odwolaj", byDay)
		if resp.StatusCode != 303 {
			t.Fatalf("cancel by day with a solution: %d %.400s", resp.StatusCode, body)
		}
		b, err := e.bookings.Get(context.Background(), code)
		if err != nil || b.Status != "cancelled" {
			t.Fatalf("after cancelling: %+v %v", b, err)
		}

		// A matter without proof of work: its form has no solver.
		other, free := e.firstFreeSlot()
		resp, body = sc.get(fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", other, url.QueryEscape(free.Start.Format(time.RFC3339))))
		wantPage(t, resp, body, 200)
		if strings.Contains(body, "data-proof") || strings.Contains(body, "proof.js") {
			t.Error("a matter without proof of work solves a challenge")
		}
	})
}

// Two instances on one database with the server's secret: a challenge of
// one is solved for the other, and a solution used on one is refused on the
// other.
func TestProofOfWorkAcrossInstances(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		shared := func(d *web.Deps) { d.Proofs = proof.New(d.DB, d.Clock, proof.KeyOf("test-secret"), proof.Options{}) }
		a := newEnvTuned(t, db, generous, shared)
		b := newEnvTuned(t, db, generous, shared)
		svc, slot := a.vehicleMatter()
		solution := b.solve()
		if resp, body := a.do("POST", "/api/v1/bookings", bookingBody(svc.ID, slot.Start), web.ProofHeader, solution); resp.StatusCode != 201 {
			t.Fatalf("booking on one with the other's challenge: %d %s", resp.StatusCode, body)
		}
		again := bookingBody(svc.ID, slot.Start)
		again["pesel"], again["email"] = peselOf("850312", "1234"), "jan@example.pl"
		resp, body := b.do("POST", "/api/v1/bookings", again, web.ProofHeader, solution)
		refusedProof(t, "the solution used again on the other instance", resp, body)
	})
}
