package escpos

import (
	"fmt"
	"strings"
)

// TestPage is the ESC/POS test page for profile p: the title, Polish
// letters in both cases, the profile's settings, a ruler exactly as many
// columns wide as the profile says and a bar exactly as many dots wide (a
// ruler that breaks, or a bar whose right end is missing, means the profile
// is wider than the printer), the details (one line each, left-aligned) and
// a QR code of qrData. Every line is wrapped to the column count; a page
// that prints whole shows the printer, its code table and its QR support
// work.
func TestPage(p Profile, qrData string, details ...string) ([]byte, error) {
	e, err := NewEncoder(p)
	if err != nil {
		return nil, err
	}
	e.Init().Align(AlignCenter).Bold(true).Size(2, 2).Wrapped("Okienko", 2).Size(1, 1).Bold(false).
		Wrapped("Wydruk testowy / Test page", 1).Feed(1).
		Wrapped("Zażółć gęślą jaźń", 1).
		Wrapped("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", 1).Feed(1).
		Align(AlignLeft)
	t, _ := p.table()
	cut := map[string]string{CutPartial: "częściowe (GS V 66)", CutFull: "pełne (GS V 65)", CutFeed: "brak, wysuw do urwania"}[p.Cut]
	chinese := "nie"
	if p.ChineseOff {
		chinese = "tak"
	}
	for _, d := range append([]string{
		fmt.Sprintf("Papier: %d mm, kolumny: %d, punkty: %d", p.PaperMM, p.Columns, p.Dots),
		fmt.Sprintf("Strona kodowa: ESC t %d (%s)", p.CodeTable, strings.ToUpper(t.name)),
		"Kod QR: " + map[string]string{QRNative: "drukarki (GS ( k)", QRRaster: "obraz (GS v 0)"}[p.QR],
		"Cięcie: " + cut,
		"Wyłącz tryb chiński (FS .): " + chinese,
	}, details...) {
		e.Wrapped(d, 1)
	}
	e.Feed(1).Line(ruler(p.Columns))
	e.buf.Write(dotBar(p.Dots).command())
	e.Feed(1).Align(AlignCenter)
	if err := e.QR(qrData, qrModuleSize(p), 'M'); err != nil {
		return nil, err
	}
	e.Feed(1).Wrapped("Jeśli widać kod QR i polskie litery, a linijka i pasek mieszczą się w jednym wierszu, drukarka jest gotowa.", 1).Cut(0)
	return e.Bytes(), nil
}

// ruler is a line of exactly columns characters: the column number's last
// digit, with "|" at every tenth column.
func ruler(columns int) string {
	b := make([]byte, columns)
	for i := range b {
		b[i] = byte('0' + (i+1)%10)
		if (i+1)%10 == 0 {
			b[i] = '|'
		}
	}
	return string(b)
}

// dotBar is an image exactly dots wide: a line along its whole width with
// ticks every 64 dots and solid blocks at both ends.
func dotBar(dots int) *raster {
	const h = 16
	r := newRaster(dots, h)
	for x := 0; x < dots; x++ {
		r.set(x, h/2)
		if x%64 == 0 {
			for y := h / 4; y < h*3/4; y++ {
				r.set(x, y)
			}
		}
		if x < 8 || x >= dots-8 {
			for y := 0; y < h; y++ {
				r.set(x, y)
			}
		}
	}
	return r
}
