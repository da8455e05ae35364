package escpos

// TestPage is the ESC/POS test page for profile p: the title, Polish
// letters in both cases, the details (one line each, left-aligned, wrapped
// to the column count) and a QR code of qrData; a page that prints whole
// shows the printer, its code table and its QR support work.
func TestPage(p Profile, qrData string, details ...string) ([]byte, error) {
	e, err := NewEncoder(p)
	if err != nil {
		return nil, err
	}
	e.Init().Align(AlignCenter).Bold(true).Size(2, 2).Line("Okienko").Size(1, 1).Bold(false).
		Line("Wydruk testowy / Test page").Feed(1).
		Line("Zażółć gęślą jaźń").
		Line("ZAŻÓŁĆ GĘŚLĄ JAŹŃ").Feed(1).
		Align(AlignLeft)
	for _, d := range details {
		for _, l := range Wrap(d, p.Columns) {
			e.Line(l)
		}
	}
	e.Feed(1).Align(AlignCenter)
	if err := e.QR(qrData, max(3, min(8, p.Dots/96)), 'M'); err != nil {
		return nil, err
	}
	e.Feed(1).Line("Jeśli widać kod QR i polskie litery,").Line("drukarka jest gotowa.").Cut(0)
	return e.Bytes(), nil
}
