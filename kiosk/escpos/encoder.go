package escpos

import (
	"bytes"
	"fmt"
	"image/color"

	"github.com/boombuler/barcode/qr"

	"github.com/okienko/okienko"
)

// Control bytes that start ESC/POS commands.
const (
	ht  = 0x09
	lf  = 0x0a
	cr  = 0x0d
	dle = 0x10
	esc = 0x1b
	fs  = 0x1c
	gs  = 0x1d
)

// Alignment is the justification of the following lines (ESC a n).
type Alignment byte

// Alignments.
const (
	AlignLeft   Alignment = 0
	AlignCenter Alignment = 1
	AlignRight  Alignment = 2
)

// maxNativeQR is the most data GS ( k stores for one symbol (model 2).
const maxNativeQR = 7089

// tearFeedLines is how many lines a printer without a cutter feeds so the
// last printed line clears the tear bar.
const tearFeedLines = 4

// lineDots is the default line spacing of font A, in dots.
const lineDots = 30

// Encoder builds ESC/POS bytes for one profile. Its methods append to an
// in-memory buffer; nothing is sent anywhere. The zero value is not usable:
// call NewEncoder.
type Encoder struct {
	p   Profile
	t   codeTable
	buf bytes.Buffer
}

// NewEncoder returns an empty encoder for p, or EINVALID when p is not a
// usable profile (see Profile.Validate).
func NewEncoder(p Profile) (*Encoder, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	t, _ := p.table()
	return &Encoder{p: p, t: t}, nil
}

// Bytes returns a copy of everything encoded so far.
func (e *Encoder) Bytes() []byte { return bytes.Clone(e.buf.Bytes()) }

// Init resets the printer (ESC @), leaves Chinese mode when the profile says
// so (FS .) and selects the profile's code table (ESC t n).
func (e *Encoder) Init() *Encoder {
	e.buf.Write([]byte{esc, '@'})
	if e.p.ChineseOff {
		e.buf.Write([]byte{fs, '.'})
	}
	e.buf.Write([]byte{esc, 't', byte(e.p.CodeTable)})
	return e
}

// Align sets the justification of the lines that follow (ESC a n). It takes
// effect at the start of a line.
func (e *Encoder) Align(a Alignment) *Encoder {
	if a > AlignRight {
		a = AlignLeft
	}
	e.buf.Write([]byte{esc, 'a', byte(a)})
	return e
}

// Bold turns emphasized printing on or off (ESC E n).
func (e *Encoder) Bold(on bool) *Encoder {
	n := byte(0)
	if on {
		n = 1
	}
	e.buf.Write([]byte{esc, 'E', n})
	return e
}

// Size sets character width and height multipliers (GS ! n); each is clamped
// to 1..8.
func (e *Encoder) Size(w, h int) *Encoder {
	w, h = clamp(w, 1, 8), clamp(h, 1, 8)
	e.buf.Write([]byte{gs, '!', byte((w-1)<<4 | (h - 1))})
	return e
}

// Text appends s in the profile's code table. Characters the table lacks are
// transliterated (see Transliterate); '\n' becomes LF and no other control
// byte is ever written, so text can not smuggle in commands.
func (e *Encoder) Text(s string) *Encoder {
	e.buf.Write(encodeText(s, e.t))
	return e
}

// Line appends s and a line feed.
func (e *Encoder) Line(s string) *Encoder {
	e.Text(s)
	e.buf.WriteByte(lf)
	return e
}

// Feed prints the buffer and feeds n lines (ESC d n); n is clamped to 0..255.
func (e *Encoder) Feed(n int) *Encoder {
	e.buf.Write([]byte{esc, 'd', byte(clamp(n, 0, 255))})
	return e
}

// Cut feeds the paper to the cutter plus n motion units and cuts as the
// profile says: partially (GS V 66 n) or through (GS V 65 n). A profile
// without a cutter (CutFeed) feeds to the tear bar instead.
func (e *Encoder) Cut(n int) *Encoder {
	m := byte(66)
	switch e.p.Cut {
	case CutFeed:
		return e.Feed(tearFeedLines + clamp(n, 0, 255)/lineDots)
	case CutFull:
		m = 65
	}
	e.buf.Write([]byte{gs, 'V', m, byte(clamp(n, 0, 255))})
	return e
}

// Wrapped appends text word-wrapped at the profile's column count divided
// by widthMultiplier (the GS ! width it is printed at), one Line each.
func (e *Encoder) Wrapped(text string, widthMultiplier int) *Encoder {
	for _, l := range wrapWith(text, e.p.Columns/max(widthMultiplier, 1), e.t.printable) {
		e.Line(l)
	}
	return e
}

// QR appends a QR code (model 2) of data with modules moduleSize dots wide
// (clamped to 1..16) and error correction level 'L', 'M', 'Q' or 'H'. A native
// profile sends GS ( k and lets the printer draw it; a raster profile draws it
// here and sends a GS v 0 bit image as wide as the paper with the symbol
// centred, shrinking the modules when the symbol would not fit. Call it at the
// start of a line. Returns EINVALID naming qr for empty or too long data or an
// unknown level.
func (e *Encoder) QR(data string, moduleSize int, level byte) error {
	native, ecl, ok := qrLevel(level)
	if !ok {
		return okienko.Invalid("qr", fmt.Sprintf("unknown error correction level %q", level))
	}
	if data == "" {
		return okienko.Invalid("qr", "nothing to encode")
	}
	moduleSize = clamp(moduleSize, 1, 16)
	if e.p.QR == QRNative {
		if len(data) > maxNativeQR {
			return okienko.Invalid("qr", "too much data for a QR code")
		}
		e.buf.Write([]byte{gs, '(', 'k', 4, 0, 49, 65, 50, 0})               // 165: model 2
		e.buf.Write([]byte{gs, '(', 'k', 3, 0, 49, 67, byte(moduleSize)})    // 167: module size
		e.buf.Write([]byte{gs, '(', 'k', 3, 0, 49, 69, native})              // 169: error level
		n := len(data) + 3                                                   // cn fn m + data
		e.buf.Write([]byte{gs, '(', 'k', byte(n), byte(n >> 8), 49, 80, 48}) // 180: store
		e.buf.WriteString(data)
		e.buf.Write([]byte{gs, '(', 'k', 3, 0, 49, 81, 48}) // 181: print
		return nil
	}
	img, err := qrRaster(data, ecl, moduleSize, e.p.Dots)
	if err != nil {
		return err
	}
	e.buf.Write(img.command())
	return nil
}

// qrLevel maps 'L', 'M', 'Q', 'H' to the GS ( k byte and the encoder level.
func qrLevel(level byte) (byte, qr.ErrorCorrectionLevel, bool) {
	switch level {
	case 'L', 'l':
		return 48, qr.L, true
	case 'M', 'm':
		return 49, qr.M, true
	case 'Q', 'q':
		return 50, qr.Q, true
	case 'H', 'h':
		return 51, qr.H, true
	}
	return 0, 0, false
}

// raster is a 1-bit image in GS v 0 layout: rows of width/8 (rounded up)
// bytes, most significant bit first, 1 = black.
type raster struct {
	width, height int
	data          []byte
}

func newRaster(width, height int) *raster {
	return &raster{width: width, height: height, data: make([]byte, (width+7)/8*height)}
}

func (r *raster) rowBytes() int { return (r.width + 7) / 8 }

func (r *raster) set(x, y int) {
	r.data[y*r.rowBytes()+x/8] |= 0x80 >> (x % 8)
}

func (r *raster) black(x, y int) bool {
	return r.data[y*r.rowBytes()+x/8]&(0x80>>(x%8)) != 0
}

// draw copies the black dots of src onto r with src's corner at (x, y),
// clipping what falls outside.
func (r *raster) draw(src *raster, x, y int) {
	for sy := 0; sy < src.height; sy++ {
		for sx := 0; sx < src.width; sx++ {
			if src.black(sx, sy) && x+sx >= 0 && x+sx < r.width && y+sy >= 0 && y+sy < r.height {
				r.set(x+sx, y+sy)
			}
		}
	}
}

// command returns GS v 0 0 xL xH yL yH followed by the image.
func (r *raster) command() []byte {
	xb, h := r.rowBytes(), r.height
	out := make([]byte, 0, 8+len(r.data))
	out = append(out, gs, 'v', '0', 0, byte(xb), byte(xb>>8), byte(h), byte(h>>8))
	return append(out, r.data...)
}

// qrRaster draws the QR symbol of data, modules moduleSize dots wide (fewer
// when it would not fit), centred on an image width dots wide.
func qrRaster(data string, ecl qr.ErrorCorrectionLevel, moduleSize, width int) (*raster, error) {
	sym, err := qrSymbol(data, ecl, moduleSize, width)
	if err != nil {
		return nil, err
	}
	img := newRaster(width, sym.height)
	img.draw(sym, (width-sym.width)/2, 0)
	return img, nil
}

// qrSymbol draws the QR symbol of data with modules moduleSize dots wide,
// shrinking them until the symbol is at most maxWidth dots wide. The image is
// exactly as wide as the symbol, without a quiet zone.
func qrSymbol(data string, ecl qr.ErrorCorrectionLevel, moduleSize, maxWidth int) (*raster, error) {
	code, err := qr.Encode(data, ecl, qr.Auto)
	if err != nil {
		return nil, okienko.Invalid("qr", "too much data for a QR code")
	}
	n := code.Bounds().Dx()
	moduleSize = max(moduleSize, 1)
	for moduleSize > 1 && n*moduleSize > maxWidth {
		moduleSize--
	}
	if n*moduleSize > maxWidth {
		return nil, okienko.Invalid("qr", "the QR code is wider than the paper")
	}
	img := newRaster(n*moduleSize, n*moduleSize)
	for my := 0; my < n; my++ {
		for mx := 0; mx < n; mx++ {
			if !isDark(code.At(mx, my)) {
				continue
			}
			for dy := 0; dy < moduleSize; dy++ {
				for dx := 0; dx < moduleSize; dx++ {
					img.set(mx*moduleSize+dx, my*moduleSize+dy)
				}
			}
		}
	}
	return img, nil
}

// isDark reports whether c is closer to black than to white.
func isDark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}

// EncodeText returns s in code table n as Encoder.Text writes it, or EINVALID
// naming code_table for an unsupported table.
func EncodeText(s string, n int) ([]byte, error) {
	t, err := lookupTable(n)
	if err != nil {
		return nil, err
	}
	return encodeText(s, t), nil
}

func encodeText(s string, t codeTable) []byte {
	s = transliterate(s, t.printable)
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch r {
		case '\n':
			out = append(out, lf)
		case '\u00a0':
			out = append(out, ' ')
		default:
			if b, ok := t.cm.EncodeRune(r); ok {
				out = append(out, b)
			}
		}
	}
	return out
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
