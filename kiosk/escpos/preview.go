package escpos

import (
	"image"
	"image/color"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Preview geometry, in printer dots: a font A cell is 12×24 dots at normal
// size; the 5×7 font is drawn with 2×2 dots per pixel inside it.
const (
	cellW        = 12
	cellH        = 24
	lineGap      = lineDots - cellH
	glyphLeft    = 1 // cell column of font column 0, in pixel halves
	glyphTop     = 5 // cell row of font row 0, in dots at normal size
	marginDots   = 12
	cutLineDots  = 16
	defaultQRMod = 3
	// maxPreviewDots stops the preview of endless paper (about 2.5 m).
	maxPreviewDots = 20000
)

// Preview draws what the printer would print for b on paper of profile p: a
// black-and-white image p.Dots wide. Text bytes are read through the code
// table the printer uses and drawn with a built-in 5×7 font (letters the
// font lacks as their base letter with the Polish and Central European marks
// drawn on, € … „ ” and other common symbols as themselves, anything else by
// transliteration); sizes, bold and alignment are honoured, raster images
// are copied, native QR codes are drawn from their stored data, a cut is a
// dashed line; paper past about 2.5 m is not drawn. It returns EINVALID when
// p is not a usable profile.
func Preview(b []byte, p Profile) (image.Image, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t, _ := p.table()
	pv := &preview{p: p, table: t, canvas: &canvas{width: p.Dots}}
	pv.reset()
	pv.y = marginDots
	for _, t := range parse(b) {
		if pv.y > maxPreviewDots {
			break
		}
		pv.apply(t)
	}
	pv.flush(false)
	return pv.canvas.image(min(pv.y, maxPreviewDots) + marginDots), nil
}

// preview is the state of the simulated printer.
type preview struct {
	p      Profile
	table  codeTable
	canvas *canvas
	y      int // top of the next line

	align     Alignment
	bold      bool
	w, h      int
	line      []glyph
	lineAlign Alignment
	lineWidth int

	qrModule int
	qrLevel  byte
	qrData   string
}

// glyph is one character waiting on the current line.
type glyph struct {
	r    rune
	w, h int
	bold bool
}

func (pv *preview) reset() {
	pv.align, pv.bold, pv.w, pv.h = AlignLeft, false, 1, 1
	pv.qrModule, pv.qrLevel, pv.qrData = defaultQRMod, 'L', ""
}

func (pv *preview) apply(t token) {
	switch t.op {
	case opText:
		pv.add(pv.table.cm.DecodeByte(byte(t.n)))
	case opLF:
		pv.flush(true)
	case opInit:
		pv.reset()
	case opTable:
		if nt, ok := pv.p.tableFor(t.n); ok {
			pv.table = nt
		}
	case opAlign:
		if a := Alignment(t.n % 48); a <= AlignRight {
			pv.align = a
		}
	case opBold:
		pv.bold = t.n&1 == 1
	case opPrintMode:
		pv.bold = t.n&0x08 != 0
		pv.w, pv.h = 1+t.n>>5&1, 1+t.n>>4&1
	case opSize:
		pv.w, pv.h = 1+t.n>>4&7, 1+t.n&7
	case opFeed:
		n := t.n
		if len(pv.line) > 0 {
			pv.flush(true)
			n--
		}
		pv.y += max(n, 0) * lineDots
	case opFeedDots:
		if len(pv.line) > 0 {
			pv.flush(false)
		}
		pv.y += t.n
	case opCut:
		pv.flush(false)
		pv.y += t.n + cutLineDots/2
		for x := 0; x < pv.p.Dots; x += 8 {
			for dx := 0; dx < 4 && x+dx < pv.p.Dots; dx++ {
				pv.canvas.set(x+dx, pv.y)
			}
		}
		pv.y += cutLineDots / 2
	case opRaster:
		pv.flush(false)
		pv.image(t.img)
	case opQR:
		pv.qr(t.n, t.data)
	}
}

// qr follows the GS ( k functions of QR model 2.
func (pv *preview) qr(fn int, data []byte) {
	switch {
	case fn == 67 && len(data) > 0: // module size
		pv.qrModule = clamp(int(data[0]), 1, 16)
	case fn == 69 && len(data) > 0: // error correction level
		if int(data[0]) >= 48 && int(data[0]) <= 51 {
			pv.qrLevel = "LMQH"[data[0]-48]
		}
	case fn == 80 && len(data) > 0: // store the data
		pv.qrData = string(data[1:])
	case fn == 81: // print the stored symbol
		pv.flush(false)
		_, ecl, _ := qrLevel(pv.qrLevel)
		if sym, err := qrSymbol(pv.qrData, ecl, pv.qrModule, pv.p.Dots); err == nil {
			pv.image(sym)
		}
	}
}

// image copies img at the current position, aligned as the current line.
func (pv *preview) image(img *raster) {
	pv.canvas.draw(img, pv.offset(pv.align, img.width), pv.y)
	pv.y += img.height
}

// offset is the left edge of something width dots wide under alignment a.
func (pv *preview) offset(a Alignment, width int) int {
	switch a {
	case AlignCenter:
		return max((pv.p.Dots-width)/2, 0)
	case AlignRight:
		return max(pv.p.Dots-width, 0)
	}
	return 0
}

// add puts a character on the current line, starting a new line when it
// would not fit, as the printer does.
func (pv *preview) add(r rune) {
	if r == '\t' {
		r = ' '
	}
	if len(pv.line) == 0 {
		pv.lineAlign = pv.align
	}
	if pv.lineWidth+cellW*pv.w > pv.p.Dots && len(pv.line) > 0 {
		pv.flush(false)
		pv.lineAlign = pv.align
	}
	pv.line = append(pv.line, glyph{r: r, w: pv.w, h: pv.h, bold: pv.bold})
	pv.lineWidth += cellW * pv.w
}

// flush prints the current line. An empty line only moves the paper when
// feed is set (a line feed on an empty buffer).
func (pv *preview) flush(feed bool) {
	if len(pv.line) == 0 {
		if feed {
			pv.y += lineDots
		}
		return
	}
	height := 0
	for _, g := range pv.line {
		height = max(height, cellH*g.h)
	}
	x := pv.offset(pv.lineAlign, pv.lineWidth)
	for _, g := range pv.line {
		pv.drawGlyph(g, x, pv.y+height-cellH*g.h)
		x += cellW * g.w
	}
	pv.y += height + lineGap
	pv.line, pv.lineWidth = pv.line[:0], 0
}

// mark is a diacritic drawn onto a base letter, as font pixels (column,
// row). Marks above are placed for a small letter and raised two rows over
// capitals and tall letters.
type mark struct {
	pix   [][2]int
	above bool
}

var (
	markAcute   = mark{[][2]int{{3, 0}, {2, 1}}, true}
	markDot     = mark{[][2]int{{2, 0}}, true}
	markCaron   = mark{[][2]int{{1, 0}, {3, 0}, {2, 1}}, true}
	markDiaer   = mark{[][2]int{{1, 0}, {3, 0}}, true}
	markDouble  = mark{[][2]int{{2, 0}, {1, 1}, {4, 0}, {3, 1}}, true}
	markRing    = mark{[][2]int{{2, 0}, {1, 1}, {3, 1}}, true}
	markOgonek  = mark{[][2]int{{3, 7}, {4, 8}}, false}
	markCedilla = mark{[][2]int{{2, 7}, {1, 8}}, false}
	markStroke  = mark{[][2]int{{1, 4}, {3, 2}}, false} // ł
	markStrokeL = mark{[][2]int{{1, 3}, {2, 2}}, false} // Ł
)

var combiningMarks = map[rune]mark{
	0x0301: markAcute, 0x0307: markDot, 0x030C: markCaron, 0x0306: markCaron,
	0x0308: markDiaer, 0x030B: markDouble, 0x030A: markRing, 0x0328: markOgonek,
	0x0327: markCedilla,
}

// drawGlyph draws one character with its cell's top-left corner at (x, y).
func (pv *preview) drawGlyph(g glyph, x, y int) {
	base, marks := glyphParts(g.r)
	extra := 0
	if g.bold {
		extra = 1
	}
	px := func(col, row int) {
		x0, y0 := x+g.w*(glyphLeft+2*col), y+g.h*(glyphTop+2*row)
		for dy := 0; dy < 2*g.h; dy++ {
			for dx := 0; dx < 2*g.w+extra; dx++ {
				pv.canvas.set(x0+dx, y0+dy)
			}
		}
	}
	if base == 0 { // nothing to draw it with: an empty box
		for i := 0; i < 7; i++ {
			px(0, i)
			px(4, i)
		}
		for i := 1; i < 4; i++ {
			px(i, 0)
			px(i, 6)
		}
		return
	}
	for col, b := range glyphBitmap(base) {
		for row := 0; row < 7; row++ {
			if b&(1<<row) != 0 {
				px(col, row)
			}
		}
	}
	lift := 0
	if unicode.IsUpper(base) || base == 'l' || base == 'd' || base == 't' || base == 'b' || base == 'h' || base == 'k' {
		lift = 2
	}
	for _, m := range marks {
		for _, p := range m.pix {
			if m.above {
				px(p[0], p[1]-lift)
			} else {
				px(p[0], p[1])
			}
		}
	}
}

// glyphParts returns the ASCII letter or symbol the font draws for r and the
// marks to add to it; base 0 when there is nothing sensible to draw.
func glyphParts(r rune) (rune, []mark) {
	if asciiOnly(r) {
		return r, nil
	}
	if _, ok := symbols[r]; ok {
		return r, nil
	}
	switch r {
	case 'ł':
		return 'l', []mark{markStroke}
	case 'Ł':
		return 'L', []mark{markStrokeL}
	}
	d := []rune(norm.NFD.String(string(r)))
	if len(d) > 1 && asciiOnly(d[0]) {
		var marks []mark
		for _, c := range d[1:] {
			if m, ok := combiningMarks[c]; ok {
				marks = append(marks, m)
			}
		}
		return d[0], marks
	}
	if unicode.IsSpace(r) {
		return ' ', nil
	}
	for _, c := range transliterate(string(r), asciiOnly) {
		if c != ' ' {
			return c, nil
		}
	}
	return 0, nil
}

// glyphBitmap returns the font columns of r, which is printable ASCII or
// one of symbols.
func glyphBitmap(r rune) [5]byte {
	if b, ok := symbols[r]; ok {
		return b
	}
	return font5x7[r-0x20]
}

// canvas is a white sheet, one bit per dot, that grows downwards.
type canvas struct {
	width int
	rows  [][]bool
}

func (c *canvas) set(x, y int) {
	if x < 0 || x >= c.width || y < 0 {
		return
	}
	for len(c.rows) <= y {
		c.rows = append(c.rows, make([]bool, c.width))
	}
	c.rows[y][x] = true
}

func (c *canvas) draw(img *raster, x, y int) {
	for sy := 0; sy < img.height; sy++ {
		for sx := 0; sx < img.width; sx++ {
			if img.black(sx, sy) {
				c.set(x+sx, y+sy)
			}
		}
	}
}

// image returns the sheet cut to height dots (at least everything drawn).
func (c *canvas) image(height int) *image.Paletted {
	height = max(height, len(c.rows))
	img := image.NewPaletted(image.Rect(0, 0, c.width, height), color.Palette{color.White, color.Black})
	for y, row := range c.rows {
		for x, black := range row {
			if black {
				img.Pix[y*img.Stride+x] = 1
			}
		}
	}
	return img
}
