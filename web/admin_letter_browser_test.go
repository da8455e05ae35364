package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// letterLabel is the label of the matter's letter field, per language.
var letterLabel = map[string]string{
	"pl": "Litera numerków sprawy (literaGrupy)",
	"en": "Matter's ticket letter (literaGrupy)",
}

// letterRefused is what the panel says of the letter DE, per language.
var letterRefused = map[string]string{
	"pl": "„DE” kończy się na E, a tak oznaczamy kolejkę zdalną (E) i rezerwacje (R) litery przed nią; wybierz inną.",
	"en": `"DE" ends in E, which marks remote tickets (E) and bookings (R) of the letter before it; choose another`,
}

// The administrator gives a matter a ticket letter of its own in the
// matter's form: one that ends in E past one letter is refused at the
// field and nothing is stored; "pj" is stored as PJ; emptied, the matter
// takes its department's letter again (NULL). Polish and English, axe
// clean in each state.
func TestBrowserAdminMatterLetter(t *testing.T) {
	for _, lang := range []string{"pl", "en"} {
		t.Run(lang, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				e := newEnv(t, db)
				svcs, err := e.offices.Services(t.Context(), 0)
				if err != nil || len(svcs) == 0 {
					t.Fatalf("services: %v", err)
				}
				svc := svcs[0]
				stored := func() (p *string) {
					db.Table("services").Select("ticket_prefix").Where("id = ?", svc.ID).Scan(&p)
					return p
				}
				p := adminSignInAt(t, e, lang, "#sprawy", desktop.width, desktop.height)
				open := func() {
					p.waitFor("the matters", `!document.getElementById('sec-services').hidden && document.querySelectorAll('#services-list tbody tr').length > 0`)
					p.do(chromedp.Evaluate[chromedp.Void](rowButton("services-list", svc.Name, "edit-service") + `.click()`))
					p.waitFor("the matter's form", `document.getElementById('service-letter') !== null`)
				}
				open()
				if got := p.text(`document.querySelector('label[for=service-letter]').textContent`); got != letterLabel[lang] {
					t.Fatalf("the letter's label %q, want %q", got, letterLabel[lang])
				}
				if got := p.text(`document.getElementById('service-letter').value`); got != "" {
					t.Fatalf("the letter starts as %q, want empty (the department's)", got)
				}
				p.axeAt("/admin#sprawy matter letter ("+lang+")", desktop)

				p.do(chromedp.SendKeys(chromedp.CSS("#service-letter"), "de"), chromedp.Click(chromedp.CSS(`#service-form button[type=submit]`)))
				p.waitFor("DE refused at its field", `document.getElementById('service-letter').getAttribute('aria-invalid') === 'true' && document.getElementById('service-letter').closest('.field').querySelector('.field-error') !== null`)
				if got := p.text(`document.getElementById('service-letter').closest('.field').querySelector('.field-error').textContent`); got != letterRefused[lang] {
					t.Errorf("the field says %q, want %q", got, letterRefused[lang])
				}
				if got := stored(); got != nil {
					t.Fatalf("stored %q after a refused letter", *got)
				}
				p.axeAt("/admin#sprawy matter letter refused ("+lang+")", desktop)

				p.do(chromedp.SetValue(chromedp.CSS("#service-letter"), "pj"), chromedp.Click(chromedp.CSS(`#service-form button[type=submit]`)))
				p.waitFor("the form closed, the list reloaded", `document.getElementById('service-form') === null && document.activeElement.id === 'services-heading'`)
				if got := stored(); got == nil || *got != "PJ" {
					t.Fatalf("stored %v, want PJ", got)
				}

				open()
				if got := p.text(`document.getElementById('service-letter').value`); got != "PJ" {
					t.Fatalf("the letter reads %q, want PJ", got)
				}
				p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('service-letter').value = ''`), chromedp.Click(chromedp.CSS(`#service-form button[type=submit]`)))
				p.waitFor("the form closed, the list reloaded", `document.getElementById('service-form') === null && document.activeElement.id === 'services-heading'`)
				if got := stored(); got != nil {
					t.Fatalf("stored %q, want NULL (the department's letter)", *got)
				}
			})
		})
	}
}
