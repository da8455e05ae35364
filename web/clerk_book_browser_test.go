package web_test

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/web/browsertest"
)

// clerkLanguages are the languages the clerk page's browser tests run in;
// the tests find elements by id and role, not by their words.
var clerkLanguages = []string{"pl", "en"}

// atCounter opens the clerk page in lang in a new browser, signs the demo
// clerk in and opens counter for all its matters.
func (e *env) atCounter(t *testing.T, lang string, counter office.Counter) *clerkPage {
	t.Helper()
	base := e.listen()
	p := &clerkPage{tab{t: t, ctx: browsertest.New(t, desktop.width, desktop.height)}}
	p.do(chromedp.Navigate(base + "/clerk?lang=" + lang))
	p.waitFor("the sign-in form", `!document.getElementById('view-signin').hidden`)
	if got := run(t, p.ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
		t.Fatalf("the page is in %q, want %q", got, lang)
	}
	p.do(chromedp.SendKeys(chromedp.CSS("#username"), e.creds.ClerkUser), chromedp.SendKeys(chromedp.CSS("#password"), e.creds.ClerkPassword+"\n"))
	p.waitFor("the counter choice", `!document.getElementById('view-counters').hidden && document.querySelectorAll('#counter-list input').length > 0`)
	p.do(chromedp.Click(chromedp.CSS(`label[for="counter-` + strconv.FormatInt(counter.ID, 10) + `"]`)))
	p.waitFor("the counter's matters", `!document.getElementById('counter-open').disabled`)
	p.do(chromedp.Click(chromedp.CSS("#counter-open")))
	p.waitFor("the work view", `!document.getElementById('view-work').hidden && !document.getElementById('act-next').disabled`)
	return p
}

// A clerk books a caller through the page: Z opens the dialog with the
// focus on the matter, preset to the counter's first; the test week's
// Tuesday and its first free time are chosen; a PESEL with a wrong check
// digit is refused by the server and shown at the PESEL field, which gets
// the focus; corrected, the booking is made and the code shown big with
// the visit's time; the store holds the booking with the caller's data and
// no e-mail, and the audit log names the clerk. Closing gives the focus
// back. axe-core finds nothing serious in the dialog, with the refusal and
// with the code.
func TestBrowserClerkBooksForCaller(t *testing.T) {
	for _, lang := range clerkLanguages {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			counter := e.counterOf("Stanowisko 1")
			p := e.atCounter(t, lang, counter)

			p.key("z")
			p.waitFor("the dialog, focus on the matter", `document.getElementById('book-dialog').open && document.activeElement.id === 'book-service'`)
			preset := run(t, p.ctx, chromedp.Evaluate[string](`document.getElementById('book-service').value`))
			sid, _ := strconv.ParseInt(preset, 10, 64)
			if !slices.Contains(counter.ServiceIDs, sid) {
				t.Fatalf("the matter preset to %q, want one of the counter's %v", preset, counter.ServiceIDs)
			}
			day := e.week.Date(1)
			p.waitFor("the days", `[...document.getElementById('book-day').options].some(o => o.value === `+jsString(day)+`)`)
			p.do(chromedp.Evaluate[chromedp.Void](`(s => { s.value = ` + jsString(day) + `; s.dispatchEvent(new Event('change')); })(document.getElementById('book-day'))`))
			p.waitFor("the day's times", `document.getElementById('book-day').value === `+jsString(day)+
				` && document.getElementById('book-time').options.length > 0 && document.getElementById('book-time').value.startsWith(`+jsString(day)+`)`)
			start := run(t, p.ctx, chromedp.Evaluate[string](`document.getElementById('book-time').value`))
			p.axeAt("/clerk booking for a caller", desktop)

			const name = "Anna Telefoniczna"
			p.do(
				chromedp.SendKeys(chromedp.CSS("#book-name"), name),
				chromedp.SendKeys(chromedp.CSS("#book-pesel"), validPESEL[:10]+"8"),
				chromedp.SendKeys(chromedp.CSS("#book-phone"), "600 200 300"),
				chromedp.Click(chromedp.CSS("#book-consent")),
				chromedp.Click(chromedp.CSS("#book-submit")),
			)
			p.waitFor("the PESEL refused at its field", `!document.getElementById('book-pesel-error').hidden && document.getElementById('book-pesel-error').textContent !== ''`+
				` && document.getElementById('book-pesel').getAttribute('aria-invalid') === 'true' && document.activeElement.id === 'book-pesel'`+
				` && document.getElementById('book-phone-error').hidden && document.getElementById('book-alert').textContent !== ''`)
			p.axeAt("/clerk booking with the PESEL refused", desktop)
			if n := e.bookingCount(); n != 0 {
				t.Fatalf("a refused booking left %d rows", n)
			}

			p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('book-pesel').value = ''`))
			p.waitFor("the PESEL field emptied", `document.getElementById('book-pesel').value === ''`)
			p.do(chromedp.SendKeys(chromedp.CSS("#book-pesel"), validPESEL+"\n"))
			p.waitFor("the code shown", `!document.getElementById('book-done').hidden && document.getElementById('book-form').hidden`+
				` && document.activeElement.id === 'book-done-heading' && document.getElementById('book-code').textContent !== ''`)
			code := run(t, p.ctx, chromedp.Text(chromedp.CSS("#book-code")))
			if !regexp.MustCompile(`^[A-Z2-9]{4}-[A-Z2-9]{4}$`).MatchString(code) {
				t.Fatalf("the code shown is %q", code)
			}
			when := run(t, p.ctx, chromedp.Text(chromedp.CSS("#book-when")))
			st, err := time.Parse(time.RFC3339, start)
			if err != nil {
				t.Fatal(err)
			}
			if want := st.In(e.week.At(0, 12, 0).Location()).Format("15:04"); !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(when) {
				t.Errorf("the visit shown as %q, want its time %s", when, want)
			}
			fontSize := run(t, p.ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.getElementById('book-code')).fontSize)`))
			if fontSize < 32 {
				t.Errorf("the code is %.0f px, want it big", fontSize)
			}
			p.axeAt("/clerk with a caller's booking made", desktop)

			b := e.storedBooking(code)
			if b.ServiceID != sid || !b.StartsAt.Equal(st) || b.Status != "booked" || b.Name == nil || *b.Name != name ||
				b.Phone == nil || *b.Phone != "+48600200300" || b.Email != nil || b.PESELLast4 == nil || *b.PESELLast4 != validPESEL[7:] {
				t.Fatalf("stored booking: service %d start %v status %s name %v phone %v email %v last4 %v",
					b.ServiceID, b.StartsAt, b.Status, b.Name, b.Phone, b.Email, b.PESELLast4)
			}
			if entries := e.auditOf("book_for_caller", "booking"); len(entries) != 1 || entries[0].Actor != e.creds.ClerkUser || entries[0].ObjectID != b.ID {
				t.Fatalf("audit entries %+v, want one by the clerk", entries)
			}

			p.do(chromedp.Click(chromedp.CSS("#book-close")))
			p.waitFor("the dialog closed, the focus back", `!document.getElementById('book-dialog').open && document.activeElement.id === 'book-open'`)
			if alert := run(t, p.ctx, chromedp.Text(chromedp.CSS("#alert"))); alert != "" {
				t.Errorf("the page shows the error %q", alert)
			}
		})
	}
}

// X marks the called ticket absent and offers Cofnij (undo) with the
// seconds left and the focus on it; Enter takes the no-show back and the
// ticket is called again, on the page and in the store. A second no-show
// taken back after the server's window (its clock moved on) is refused
// and the ticket stays absent. axe-core finds nothing serious while the
// undo is offered.
func TestBrowserClerkUndoesNoShow(t *testing.T) {
	for _, lang := range clerkLanguages {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			counter := e.counterOf("Stanowisko 1")
			id, number, _ := e.issueTicket(counter.ServiceIDs[0])
			p := e.atCounter(t, lang, counter)

			p.key("n")
			p.waitFor("the ticket called", `document.getElementById('current-ticket').dataset.status === 'called' && document.getElementById('current-number').textContent.startsWith(`+jsString(number)+`)`)
			p.key("x")
			p.waitFor("the undo offered, focused", `!document.getElementById('undo').hidden && !document.getElementById('undo-noshow').disabled`+
				` && document.activeElement.id === 'undo-noshow' && /\d/.test(document.getElementById('undo-left').textContent)`+
				` && document.getElementById('undo-text').textContent.includes(`+jsString(number)+`) && !document.getElementById('current-empty').hidden`)
			if st, _ := e.ticketRow(id); st != "no_show" {
				t.Fatalf("after X the ticket is %s", st)
			}
			p.axeAt("/clerk offering to take back a no-show", desktop, phone)
			p.do(chromedp.EmulateViewport(int64(desktop.width), int64(desktop.height)))

			p.do(chromedp.KeyEvent(kb.Enter))
			p.waitFor("the ticket called again", `document.getElementById('undo').hidden && document.getElementById('current-ticket').dataset.status === 'called'`+
				` && document.getElementById('current-number').textContent.startsWith(`+jsString(number)+`) && document.activeElement.id === 'act-start'`)
			if st, _ := e.ticketRow(id); st != "called" {
				t.Fatalf("after Cofnij the ticket is %s", st)
			}

			// Too late by the server's clock: refused, the ticket stays absent.
			p.key("x")
			p.waitFor("the undo offered again", `!document.getElementById('undo').hidden && document.activeElement.id === 'undo-noshow'`)
			e.clock.Advance(queue.UndoNoShowWindow + time.Second)
			p.key("u")
			p.waitFor("the late undo refused", `document.getElementById('undo').hidden && document.getElementById('alert').textContent.includes(`+jsString(number)+`)`+
				` && !document.getElementById('current-empty').hidden`)
			if st, _ := e.ticketRow(id); st != "no_show" {
				t.Fatalf("after a late undo the ticket is %s", st)
			}
		})
	}
}
