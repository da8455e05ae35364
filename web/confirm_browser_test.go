package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/web/browsertest"
)

var confirmLink = regexp.MustCompile(`https?://\S+/potwierdz\?token=\S+`)

// The whole booking of a matter with proof of work and confirmation by
// e-mail, in Polish (issue 16): a resident books the demo's vehicle
// registration on the site; the form's in-browser solver solves the proof of
// work unseen and the form posts it (the server claims the solution); the
// booking's page says it awaits confirmation and until when; the link of the
// e-mail the outbox composes opens a page that confirms nothing by itself;
// its button confirms, and the booking's page says so.
func TestSiteBrowserBookingWithProofAndEmailConfirmation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		svc := e.serviceNamed(vehicleMatter)
		if !svc.ProofOfWork || svc.ConfirmMinutes == 0 {
			t.Fatalf("the demo's vehicle registration: proof_of_work %v, confirm_minutes %d; want both", svc.ProofOfWork, svc.ConfirmMinutes)
		}
		claims := func() (n int64) {
			t.Helper()
			if err := db.Table("proof_claims").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		b := e.siteBrowser(t, 1280)
		b.open(fmt.Sprintf("/sprawy/%d/termin/%s", svc.ID, e.week.Date(1)), 200)
		b.navigate("the form", 200, chromedp.Click(chromedp.CSS("input[name=start]:not(:disabled)")), chromedp.Click(chromedp.CSS("#choose-time")))
		b.do(
			chromedp.SendKeys(chromedp.CSS("#name"), "Zofia Łęcka-Nowak"),
			chromedp.SendKeys(chromedp.CSS("#pesel"), validPESEL),
			chromedp.SendKeys(chromedp.CSS("#email"), "zofia@example.pl"),
			chromedp.SendKeys(chromedp.CSS("#phone"), "600 100 200"),
			chromedp.Click(chromedp.CSS("#consent")),
		)
		if note := b.text(`document.getElementById('confirm-note').textContent`); !strings.Contains(note, "w ciągu 30 min") {
			t.Errorf("the form says %q about confirming", note)
		}
		// The solver fills the form's proof while it is filled in.
		run(t, b.ctx, chromedp.Poll[bool](`(() => {
			const f = document.querySelector('form[data-proof]');
			return !!f && !!f.dataset.proofTook && f.querySelector('[data-proof-field]').value !== '';
		})()`))
		if proof := b.text(`document.querySelector('form[data-proof] [name=proof]').value`); len(proof) < 20 {
			t.Fatalf("the form's proof %q", proof)
		}
		if n := claims(); n != 0 {
			t.Fatalf("%d solutions claimed before the form is sent", n)
		}
		b.navigate("the booking", 200, chromedp.Click(chromedp.CSS("#book-submit")))
		if n := claims(); n != 1 {
			t.Fatalf("%d solutions claimed after the booking, want the form's one", n)
		}
		if lang := b.text(`document.documentElement.lang`); lang != "pl" {
			t.Errorf("lang %q", lang)
		}
		code := b.text(`document.getElementById('booking-code').textContent`)
		if h1 := b.text(`document.querySelector('h1').textContent`); h1 != "Potwierdź rezerwację" {
			t.Errorf("the pending booking's heading %q", h1)
		}
		if st := b.text(`document.getElementById('booking-status').textContent`); st != "czeka na potwierdzenie" {
			t.Errorf("status %q", st)
		}
		if banner := b.text(`document.getElementById('pending-banner').textContent`); !strings.Contains(banner, "do godz. 10:30") {
			t.Errorf("the pending banner says %q", banner)
		}
		if b.is(`!!document.querySelector('img.qr')`) {
			t.Error("a pending booking shows the QR code for the kiosk")
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the pending booking's page")
		got, err := e.bookings.Get(ctx, code)
		if err != nil || got.Status != booking.StatusPending {
			t.Fatalf("booked %+v, %v", got, err)
		}

		// The e-mail, as the outbox composes it.
		var m outbox.Message
		if err := db.Where("booking_id = ? AND kind = ?", got.ID, outbox.ConfirmRequest).Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		mail, err := (&notify.Messages{DB: db, Clock: e.clock, Offices: e.offices, BaseURL: b.base, Bookings: e.bookings}).Compose(ctx, &m)
		if err != nil {
			t.Fatal(err)
		}
		link := confirmLink.FindString(mail.Text)
		if link == "" || !strings.Contains(link, "/rezerwacja/"+code+"/potwierdz") {
			t.Fatalf("no confirmation link in\n%s", mail.Text)
		}
		b.navigate("the confirmation link", 200, chromedp.Navigate(link))
		if h1 := b.text(`document.querySelector('h1').textContent`); h1 != "Potwierdzenie rezerwacji" {
			t.Errorf("the confirmation page's heading %q", h1)
		}
		browsertest.RequireNoSeriousViolations(t, b.ctx, "the confirmation page")
		if got, _ := e.bookings.Get(ctx, code); got.Status != booking.StatusPending {
			t.Fatalf("opening the link made the booking %s", got.Status)
		}
		b.navigate("the confirmation", 200, chromedp.Click(chromedp.CSS("#confirm-submit")))
		if path := b.text(`location.pathname`); path != "/rezerwacja/"+code {
			t.Fatalf("confirmed at %s", path)
		}
		if banner := b.text(`document.getElementById('confirmed-banner').textContent`); !strings.Contains(banner, "Rezerwacja "+code+" jest potwierdzona") {
			t.Errorf("the confirmed banner says %q", banner)
		}
		if st := b.text(`document.getElementById('booking-status').textContent`); st != "zarezerwowana" {
			t.Errorf("status %q", st)
		}
		run(t, b.ctx, chromedp.Poll[bool](`!!document.querySelector('img.qr') && document.querySelector('img.qr').naturalWidth > 0`))
		if got, _ := e.bookings.Get(ctx, code); got.Status != booking.StatusBooked {
			t.Fatalf("after the button: %s", got.Status)
		}
		var kinds []string
		db.Model(&outbox.Message{}).Where("booking_id = ?", got.ID).Order("id").Pluck("kind", &kinds)
		if strings.Join(kinds, ",") != "confirm_request,confirmation,confirmation" {
			t.Fatalf("messages of the booking: %v", kinds)
		}
	})
}
