package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// The administrator chooses a department's call order in Polish and
// English: ratio shows its number (and hides aging's), a number out of
// bounds is named next to its field in the page's words and nothing is
// stored, a good one is stored; axe finds nothing serious on the way.
func TestBrowserAdminDepartmentPolicy(t *testing.T) {
	for _, tc := range []struct{ lang, legend, tooMany string }{
		{"pl", "Kolejność wzywania", "Od 1 do 20 (jest 25)."},
		{"en", "Call order", "must be between 1 and 20 tickets, got 25"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			e := newEnv(t, databasetest.SQLite(t))
			deps, err := e.offices.Departments(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			dep := deps[0]
			p := adminSignInAt(t, e, tc.lang, "#wydzialy", desktop.width, desktop.height)
			p.waitFor("the departments", `!document.getElementById('sec-departments').hidden && document.querySelectorAll('#departments-list tbody tr').length > 0`)
			p.do(chromedp.Click(chromedp.CSS("#departments-list tbody tr:first-child button")))
			p.waitFor("the department form", `document.querySelector('#department-form fieldset.policy') !== null`)
			if got := p.text(`document.querySelector('#department-form fieldset.policy legend').textContent`); got != tc.legend {
				t.Fatalf("legend %q, want %q", got, tc.legend)
			}
			every := `document.querySelector('#department-form [name="priority_policy.every"]')`
			maxWait := `document.querySelector('#department-form [name="priority_policy.max_wait_minutes"]')`
			if p.text(`String(`+every+`.closest('.field').hidden && `+maxWait+`.closest('.field').hidden)`) != "true" {
				t.Fatal("strict shows a number")
			}
			p.do(chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#department-form [name="priority_policy.mode"]'); s.value = 'ratio'; s.dispatchEvent(new Event('change')); })()`))
			p.waitFor("the ratio's number", `!`+every+`.closest('.field').hidden && `+maxWait+`.closest('.field').hidden`)
			p.axeAt("/admin#wydzialy call order ratio ("+tc.lang+")", desktop)

			p.do(chromedp.SetValue(chromedp.CSS(`#department-form [name="priority_policy.every"]`), "25"), chromedp.Click(chromedp.CSS(`#department-form button[type=submit]`)))
			field := `document.querySelector('#department-form [name="priority_policy.every"]').closest('.field')`
			p.waitFor("the error", field+`.querySelector('.field-error') !== null`)
			if msg := p.text(field + `.querySelector('.field-error').textContent`); msg != tc.tooMany {
				t.Fatalf("error %q, want %q", msg, tc.tooMany)
			}
			p.axeAt("/admin#wydzialy call order refused ("+tc.lang+")", desktop)
			if got, _ := e.offices.Department(t.Context(), dep.ID); got.PriorityPolicy.Mode != office.PolicyStrict {
				t.Fatalf("a refused policy was stored: %+v", got.PriorityPolicy)
			}

			p.do(chromedp.SetValue(chromedp.CSS(`#department-form [name="priority_policy.every"]`), "3"), chromedp.Click(chromedp.CSS(`#department-form button[type=submit]`)))
			// Saved: the list is drawn again and its heading takes the focus.
			p.waitFor("saved", `document.getElementById('department-form') === null && document.activeElement === document.getElementById('departments-heading')`)
			got, err := e.offices.Department(t.Context(), dep.ID)
			if err != nil || got.PriorityPolicy != (office.PriorityPolicy{Mode: office.PolicyRatio, Every: 3}) || got.BookingGraceMinutes != 10 {
				t.Fatalf("stored %+v grace %d (%v)", got.PriorityPolicy, got.BookingGraceMinutes, err)
			}
			// Opened again, the form shows the ratio.
			p.do(chromedp.Click(chromedp.CSS("#departments-list tbody tr:first-child button")))
			p.waitFor("the department form", `document.querySelector('#department-form fieldset.policy') !== null`)
			if v := p.text(`document.querySelector('#department-form [name="priority_policy.mode"]').value + ' ' + ` + every + `.value`); v != "ratio 3" {
				t.Fatalf("the form shows %q", v)
			}
		})
	}
}
