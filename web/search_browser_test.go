package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// A resident searches the site in each of its languages the way they type:
// Polish without its letters and in another word form, English, Ukrainian.
// The results name the matters in the page's language; axe-core finds no
// serious violation on the results. Then the administrator gives a matter a
// new keyword and an English name in the panel, and the English search finds
// it by that word under that name.
func TestSiteBrowserSearchInThreeLanguages(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		b := e.siteBrowser(t, 1280)
		p := &tab{t: t, ctx: b.ctx}
		for _, c := range []struct {
			lang, query, count string
			names              []string
		}{
			{"pl", "meldunek", "Znaleziono 3 sprawy", []string{"Zameldowanie na pobyt stały lub czasowy", "Wymeldowanie z pobytu stałego lub czasowego", "Zaświadczenie o zameldowaniu"}},
			{"pl", "dowodu osobistego", "Znaleziono 3 sprawy", []string{"Wniosek o wydanie dowodu osobistego", "Odbiór dowodu osobistego", "Zgłoszenie utraty lub uszkodzenia dowodu osobistego"}},
			{"en", "ID card", "3", []string{"Applying for an ID card", "Collecting an ID card", "Reporting a lost or damaged ID card"}},
			{"en", "residence", "3", []string{"Registering your residence (permanent or temporary)", "Deregistering your residence (permanent or temporary)", "Certificate of registered residence"}},
			{"uk", "посвідчення особи", "3", []string{"Заява на видачу посвідчення особи (dowód osobisty)", "Отримання посвідчення особи (dowód osobisty)", "Заява про втрату або пошкодження посвідчення особи (dowód osobisty)"}},
		} {
			b.open("/?lang="+c.lang, 200)
			b.do(chromedp.SendKeys(chromedp.CSS("#q"), c.query))
			b.enter("search "+c.query, 200)
			got := run(t, b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.matters a')].map(a => a.textContent + '|' + a.lang)`))
			var want []string
			for _, n := range c.names {
				want = append(want, n+"|"+c.lang)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %q shows %q, want %q", c.lang, c.query, got, want)
			}
			if r := b.text(`document.getElementById('search-result').textContent`); !strings.Contains(r, c.count) {
				t.Errorf("%s %q: the result says %q", c.lang, c.query, r)
			}
			if v := b.text(`document.getElementById('q').value`); v != c.query {
				t.Errorf("the search field keeps %q, want %q", v, c.query)
			}
			browsertest.RequireNoSeriousViolations(t, b.ctx, "search results "+c.lang+" "+c.query)
		}

		// The administrator adds a keyword and an English name.
		a := adminSignIn(t, e, "#sprawy")
		name := "Potwierdzenie Profilu Zaufanego"
		edit := `#services-list button[aria-label=` + jsString("Edytuj: "+name) + `]`
		a.waitFor("the services", `document.querySelector(`+jsString(edit)+`) !== null`)
		a.do(chromedp.Click(chromedp.CSS(edit)))
		a.waitFor("the service form", `document.querySelector('#service-form [name=keywords]') !== null`)
		if lang := a.text(`document.querySelector('#service-form [name=name_uk]').lang`); lang != "uk" {
			t.Errorf("the Ukrainian name's field is lang %q", lang)
		}
		a.do(
			chromedp.SetValue(chromedp.CSS(`#service-form [name=name_en]`), "Trusted Profile (ePUAP) confirmation"),
			chromedp.SetValue(chromedp.CSS(`#service-form [name=keywords]`), "profil zaufany, epuap, mobywatel"),
			chromedp.Click(chromedp.CSS("#service-save")),
		)
		a.waitFor("saved", `document.getElementById('notice').textContent === 'Zapisano.'`)
		b.open("/?lang=en", 200)
		b.do(chromedp.SendKeys(chromedp.CSS("#q"), "mObywatel"), chromedp.KeyEvent(kb.Enter))
		p.waitFor("the matter found by its new keyword", `[...document.querySelectorAll('.matters a')].map(a => a.textContent).join() === 'Trusted Profile (ePUAP) confirmation'`)
	})
}
