package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/ratelimit/proof"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident books vehicle registration on the demo through the Polish
// site with scripts on: the page solves the proof of work by itself, unseen.
// The form is sent at once, before the solution is ready, so the submit
// waits for it, the form busy and its status saying so, then goes through
// to the confirmation. Then the time the browser takes to solve a challenge
// of the default difficulty is measured over a few fresh forms.
func TestProofOfWorkBrowser(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		svc, slot := e.vehicleMatter()
		formPath := fmt.Sprintf("/sprawy/%d/rezerwacja?start=%s", svc.ID, url.QueryEscape(slot.Start.Format(time.RFC3339)))
		b := e.siteBrowser(t, 1280)
		b.open(formPath, 200)
		if b.text(`document.documentElement.lang`) != "pl" {
			t.Fatal("the form is not in Polish")
		}
		if b.is(`!!document.getElementById('proof-noscript')`) {
			t.Error("the note for browsers without scripts shows with scripts on")
		}

		// Filled in and sent in one go, faster than anyone types.
		sent := run(t, b.ctx, chromedp.Evaluate[map[string]any](`(() => {
			const f = document.querySelector('form[data-proof]');
			f.querySelector('#name').value = 'Zofia Łęcka-Nowak';
			f.querySelector('#pesel').value = '`+validPESEL+`';
			f.querySelector('#email').value = 'zofia@example.pl';
			f.querySelector('#consent').checked = true;
			const ready = !!f.dataset.proofTook;
			f.querySelector('#book-submit').click();
			return {
				ready,
				busy: f.getAttribute('aria-busy') === 'true',
				disabled: f.querySelector('#book-submit').getAttribute('aria-disabled') === 'true',
				status: f.querySelector('[data-proof-status]').textContent,
			};
		})()`))
		if sent["ready"] == true {
			t.Log("the solution was ready before the submit: the wait is not exercised this time")
		} else if sent["busy"] != true || sent["disabled"] != true || sent["status"] != "Chwileczkę, przeglądarka kończy sprawdzenie zabezpieczające…" {
			t.Errorf("a submit waiting for the solution shows %v", sent)
		}
		confirmed := `location.pathname.startsWith('/rezerwacja/') && !!document.getElementById('booking-code')`
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](confirmed))
		// The poll starts in the form; the confirmation ends it, so it
		// starts again there.
		for tries := 0; err != nil && tries < 5 && navigatedAway(err); tries++ {
			_, err = chromedp.Run(b.ctx, chromedp.Poll[bool](confirmed))
		}
		if err != nil {
			t.Fatalf("waiting for the confirmation: %v", err)
		}
		code := b.text(`document.getElementById('booking-code').textContent`)
		var got *booking.Booking
		got, err = e.bookings.Get(context.Background(), code)
		if err != nil {
			t.Fatalf("the confirmation's code %q: %v", code, err)
		}
		if got.ServiceID != svc.ID || !got.StartsAt.Equal(slot.Start) || got.Status != booking.StatusBooked || *got.Name != "Zofia Łęcka-Nowak" {
			t.Fatalf("booked %+v", got)
		}
		if n := e.bookingCount(); n != 1 {
			t.Fatalf("%d bookings, want 1", n)
		}

		// How long the browser takes at the default difficulty: the secret
		// number is random, so over a few forms.
		var took, slowest float64
		var how string
		const forms = 6
		for range forms {
			b.open(formPath, 200)
			solved := run(t, b.ctx, chromedp.Poll[map[string]any](`(() => {
				const f = document.querySelector('form[data-proof]');
				return f.dataset.proofTook && f.querySelector('[data-proof-field]').value ? {took: Number(f.dataset.proofTook), how: f.dataset.proofHow} : null;
			})()`))
			if how == "" {
				browsertest.RequireNoSeriousViolations(t, b.ctx, "the vehicle registration form")
			}
			ms := solved["took"].(float64)
			took, slowest, how = took+ms, max(slowest, ms), solved["how"].(string)
		}
		cores := run(t, b.ctx, chromedp.Evaluate[float64](`navigator.hardwareConcurrency`))
		t.Logf("the browser (%s, %.0f workers) solved %d challenges of maxnumber %d in %.0f ms on average, the slowest in %.0f ms",
			how, min(cores, 8), forms, proof.DefaultMaxNumber, took/forms, slowest)
		if how != "subtle" {
			t.Errorf("the browser hashed with %q, want crypto.subtle on a secure context", how)
		}
	})
}

// The administrator turns proof of work on for a matter in the panel's
// service form: the ticked box is stored, and the matter's booking then
// asks for a solution.
func TestProofOfWorkAdminPage(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	id, name := adminService(t, e)
	p := adminSignIn(t, e, "#sprawy")
	edit := `#services-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
	p.waitFor("the services", `document.querySelector(`+jsString(edit)+`) !== null`)
	p.do(chromedp.Click(chromedp.CSS(edit)))
	p.waitFor("the service form", `document.getElementById('service-proof') !== null`)
	if label := p.text(`document.querySelector('label[for=service-proof]').textContent`); label == "" {
		t.Fatal("the proof-of-work box has no label")
	}
	p.do(chromedp.Click(chromedp.CSS("#service-proof")), chromedp.Click(chromedp.CSS("#service-save")))
	p.waitFor("saved", `document.getElementById('notice').textContent === 'Zapisano.'`)
	svc, err := e.offices.Service(context.Background(), id)
	if err != nil || !svc.ProofOfWork {
		t.Fatalf("after saving the ticked box: %+v %v", svc, err)
	}
	_, slot := e.firstFreeSlot()
	resp, body := e.do("POST", "/api/v1/bookings", bookingBody(id, slot.Start))
	refusedProof(t, "booking the matter", resp, body)
}
