package web_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/okienko/okienko/database/databasetest"
)

// brokenWords is a script listing the words of main and the footer that a
// phone's narrow screen breaks across lines ("nieczyn/ne", "00-/950"),
// leaving out text hidden for screen readers only.
const brokenWords = `(() => {
  const hidden = (el) => { for (; el; el = el.parentElement) { const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || (cs.clip && cs.clip !== 'auto')) return true; } return false; };
  const bad = [];
  for (const root of document.querySelectorAll('main, footer')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n; (n = walker.nextNode());) {
      if (hidden(n.parentElement)) continue;
      const re = /\S+/g;
      for (let m; (m = re.exec(n.data));) {
        const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.bottom)));
        if (lines.size > 1) bad.push(m[0]);
      }
    }
  }
  return bad.join(' | ');
})()`

// At 390 px, as on a phone, no word of the calendar or the footer is broken
// mid-word, in each language, and the confirmation's QR code sits in the
// middle of the page.
func TestSiteBrowserPhoneLayout(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	serviceID, _ := e.firstFreeSlot()
	b := e.siteBrowser(t, 390)
	for _, lang := range []string{"pl", "en", "uk"} {
		for _, month := range []string{e.week.Date(0)[:7], e.week.Date(14)[:7]} {
			b.open("/sprawy/"+strconv.FormatInt(serviceID, 10)+"/termin?month="+month+"&lang="+lang, 200)
			if broken := b.text(brokenWords); broken != "" {
				t.Errorf("%s, %s: words broken across lines at 390 px: %s", lang, month, broken)
			}
			if !b.is(`[...document.querySelectorAll('.calendar td')].every((td) => td.scrollWidth <= td.clientWidth)`) {
				t.Errorf("%s, %s: a calendar cell overflows at 390 px", lang, month)
			}
		}
	}
	b.open("/?lang=pl", 200)
	b.fillForm(e, validPESEL)
	b.navigate("the confirmation", 200, chromedp.Click(chromedp.CSS("#book-submit")))
	if broken := b.text(brokenWords); broken != "" {
		t.Errorf("the confirmation: words broken across lines at 390 px: %s", broken)
	}
	off := b.text(`(() => { const q = document.querySelector('img.qr').getBoundingClientRect(), m = document.querySelector('main .wrap, main').getBoundingClientRect();
		return String(Math.round(Math.abs((q.left + q.right) / 2 - (m.left + m.right) / 2))); })()`)
	if n, _ := strconv.Atoi(off); n > 4 {
		t.Errorf("the QR code is %s px off the middle of the page at 390 px", off)
	}
}

// On a 360 px phone with the text at 200% (the browser's default font
// size doubled, as a phone's text-size setting does), no day number of
// the calendar breaks ("1/0"), the page never scrolls sideways (the
// calendar, a data table, may scroll inside its own box), and the
// confirmation with its QR code fits the screen.
func TestSiteBrowserPhoneLargeText(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	serviceID, _ := e.firstFreeSlot()
	b := e.siteBrowser(t, 360)
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: 32, Fixed: 26}})
		return err
	}))
	const pageWidth = `document.documentElement.scrollWidth <= document.documentElement.clientWidth`
	const numbersWhole = `[...document.querySelectorAll('.calendar .day-number')].every((n) => {
		const r = document.createRange(); r.selectNodeContents(n);
		return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.bottom))).size <= 1; })`
	for _, lang := range []string{"pl", "en", "uk"} {
		b.open("/sprawy/"+strconv.FormatInt(serviceID, 10)+"/termin?month="+e.week.Date(0)[:7]+"&lang="+lang, 200)
		if !b.is(`getComputedStyle(document.documentElement).fontSize === '32px'`) {
			t.Fatal("the text is not at 200%")
		}
		if !b.is(numbersWhole) {
			t.Errorf("%s: a day number of the calendar breaks across lines at 360 px and 200%% text", lang)
		}
		if !b.is(pageWidth) {
			t.Errorf("%s: the calendar page scrolls sideways at 360 px and 200%% text (%s > %s)", lang,
				b.text(`String(document.documentElement.scrollWidth)`), b.text(`String(document.documentElement.clientWidth)`))
		}
	}
	b.open("/?lang=pl", 200)
	b.fillForm(e, validPESEL)
	b.navigate("the confirmation", 200, chromedp.Click(chromedp.CSS("#book-submit")))
	if !b.is(pageWidth) {
		t.Errorf("the confirmation scrolls sideways at 360 px and 200%% text (%s > %s)",
			b.text(`String(document.documentElement.scrollWidth)`), b.text(`String(document.documentElement.clientWidth)`))
	}
	if !b.is(`document.querySelector('img.qr').getBoundingClientRect().right <= document.documentElement.clientWidth`) {
		t.Error("the QR code reaches past the screen")
	}
}
