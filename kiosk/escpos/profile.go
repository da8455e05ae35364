// Package escpos builds the bytes a receipt printer speaks (ESC/POS): printer
// profiles and presets for the models offices buy, an encoder that only ever
// sends characters the printer's code table has (everything else is
// transliterated, never printed as '?'), the queue ticket layout, and a
// decoder and image preview of such bytes for tests and for the
// administrator. It does no I/O.
package escpos

import (
	"fmt"

	"golang.org/x/text/encoding/charmap"

	"github.com/okienko/okienko"
)

// QR printing modes of a profile.
const (
	QRNative = "native" // the printer draws the symbol itself (GS ( k)
	QRRaster = "raster" // the symbol is sent as a bit image (GS v 0)
)

// Character sets a code table may hold, by the names the settings use.
const (
	CharsetPC852   = "pc852"   // PC852 (Latin 2)
	CharsetWPC1250 = "wpc1250" // WPC1250 (Windows Central European)
)

// Code tables as Epson numbers them (the n of ESC t n). Clones may number
// the same tables differently: a profile names both the number and the
// character set.
const (
	CodeTablePC852   = 18 // PC852, the table every Epson and clone has for Polish
	CodeTableWPC1250 = 45 // WPC1250
)

// DefaultCodeTable is the code table used when none is chosen.
const DefaultCodeTable = CodeTablePC852

// How a profile ends a ticket.
const (
	CutPartial = "partial" // GS V 66 n: feed and cut, leaving a hinge
	CutFull    = "full"    // GS V 65 n: feed and cut through
	CutFeed    = "feed"    // no cutter: feed the last line past the tear bar
)

// Limits of a profile's paper geometry. Dots are a whole number of bytes of
// a raster line; at 9 dots a character (font B) a line holds at most
// dots/9 columns.
const (
	MinColumns = 24
	MaxColumns = 64
	MinDots    = 256
	MaxDots    = 832
	dotsPerMM  = 8 // 203 dpi
)

// Profile describes one printer: paper, character table, how it prints QR
// codes and how it cuts.
type Profile struct {
	Name       string
	PaperMM    int    // 80 or 58
	Dots       int    // printable dots per line (the width of a raster image)
	Columns    int    // characters per line in the printer's default font at normal size
	CodeTable  int    // n of ESC t n
	Charset    string // what table n holds: CharsetPC852 or CharsetWPC1250; "" as Epson numbers it
	QR         string // QRNative or QRRaster
	Cut        string // CutPartial, CutFull or CutFeed
	ChineseOff bool   // send FS . at init, for clones that boot in Chinese mode
}

// Profile80 is an 80 mm printer (576 dots, 48 columns) with native QR and a cutter.
var Profile80 = Profile{
	Name: "80mm-pc852-native", PaperMM: 80, Dots: 576, Columns: 48,
	CodeTable: DefaultCodeTable, QR: QRNative, Cut: CutPartial,
}

// Profile58 is a 58 mm printer (384 dots, 32 columns) without native QR and
// without a cutter, as most 58 mm printers are.
var Profile58 = Profile{
	Name: "58mm-pc852-raster", PaperMM: 58, Dots: 384, Columns: 32,
	CodeTable: DefaultCodeTable, QR: QRRaster, Cut: CutFeed,
}

// PaperDefaults returns the columns and dots of paper paperMM wide (48 and
// 576 on 80 mm, 32 and 384 on 58 mm), and false for another width.
func PaperDefaults(paperMM int) (columns, dots int, ok bool) {
	switch paperMM {
	case 80:
		return Profile80.Columns, Profile80.Dots, true
	case 58:
		return Profile58.Columns, Profile58.Dots, true
	}
	return 0, 0, false
}

// EpsonCharset returns the character set of code table n as Epson numbers
// it (18 PC852, 45 WPC1250), or "" for another number.
func EpsonCharset(n int) string {
	switch n {
	case CodeTablePC852:
		return CharsetPC852
	case CodeTableWPC1250:
		return CharsetWPC1250
	}
	return ""
}

// ProfileFor returns the profile for a printer given by paper width, Epson
// code table number, QR mode and cutter, with the paper's columns and dots.
// codeTable 0 means DefaultCodeTable and an empty qr means native on 80 mm
// and raster on 58 mm; a cutter cuts partially. It returns EINVALID naming
// paper_mm, code_table or qr.
func ProfileFor(paperMM, codeTable int, qr string, cutter bool) (Profile, error) {
	fe := okienko.FieldErrors{}
	var p Profile
	switch paperMM {
	case 80:
		p = Profile80
	case 58:
		p = Profile58
	default:
		fe.Add("paper_mm", "must be 58 or 80")
	}
	if codeTable == 0 {
		codeTable = DefaultCodeTable
	}
	if EpsonCharset(codeTable) == "" {
		fe.Add("code_table", fmt.Sprintf("must be %d (PC852) or %d (WPC1250)", CodeTablePC852, CodeTableWPC1250))
	}
	switch qr {
	case "":
		qr = p.QR
	case QRNative, QRRaster:
	default:
		fe.Add("qr", "must be native or raster")
	}
	if err := fe.Err(); err != nil {
		return Profile{}, err
	}
	p.CodeTable = codeTable
	p.QR = qr
	p.Cut = CutFeed
	if cutter {
		p.Cut = CutPartial
	}
	p.Name = fmt.Sprintf("%dmm-%s-%s", paperMM, EpsonCharset(codeTable), qr)
	return p, nil
}

// Validate reports whether the profile can be printed with: EINVALID naming
// paper_mm, dots, columns, code_table, charset, qr or cut. Dots lie between
// MinDots and MaxDots, a multiple of 8, at most as many as the paper is
// wide (8 a millimetre); columns between MinColumns and MaxColumns, at most
// dots/9; code_table 0–255 with a known charset.
func (p Profile) Validate() error {
	fe := okienko.FieldErrors{}
	if p.PaperMM != 58 && p.PaperMM != 80 {
		fe.Add("paper_mm", "must be 58 or 80")
	}
	switch {
	case p.Dots == 0 && p.Columns == 0 && fe["paper_mm"] != "":
		// Left to follow a paper that is wrong: that is the one mistake.
	case p.Dots < MinDots || p.Dots > MaxDots || p.Dots%8 != 0:
		fe.Add("dots", fmt.Sprintf("must be a multiple of 8 from %d to %d", MinDots, MaxDots))
	case p.PaperMM > 0 && p.Dots > p.PaperMM*dotsPerMM:
		fe.Add("dots", fmt.Sprintf("%d dots do not fit on %d mm paper (at most %d)", p.Dots, p.PaperMM, p.PaperMM*dotsPerMM))
	}
	switch {
	case p.Dots == 0 && p.Columns == 0 && fe["paper_mm"] != "":
	case p.Columns < MinColumns || p.Columns > MaxColumns:
		fe.Add("columns", fmt.Sprintf("must be from %d to %d", MinColumns, MaxColumns))
	case p.Dots >= MinDots && p.Columns > p.Dots/9:
		fe.Add("columns", fmt.Sprintf("%d columns do not fit in %d dots (at most %d)", p.Columns, p.Dots, p.Dots/9))
	}
	if p.CodeTable < 0 || p.CodeTable > 255 {
		fe.Add("code_table", "must be from 0 to 255 (the n of ESC t n)")
	}
	if _, ok := p.table(); !ok {
		if p.Charset == "" {
			fe.Add("charset", fmt.Sprintf("must be given for code table %d: pc852 or wpc1250", p.CodeTable))
		} else {
			fe.Add("charset", "must be pc852 or wpc1250")
		}
	}
	if p.QR != QRNative && p.QR != QRRaster {
		fe.Add("qr", "must be native or raster")
	}
	if p.Cut != CutPartial && p.Cut != CutFull && p.Cut != CutFeed {
		fe.Add("cut", "must be partial, full or feed")
	}
	return fe.Err()
}

// table returns the character set the profile's code table holds.
func (p Profile) table() (codeTable, bool) {
	cs := p.Charset
	if cs == "" {
		cs = EpsonCharset(p.CodeTable)
	}
	t, ok := charsets[cs]
	return t, ok
}

// tableFor returns the character set that ESC t n selects on the profile's
// printer: its own table for its number, else Epson's numbering.
func (p Profile) tableFor(n int) (codeTable, bool) {
	if n == p.CodeTable {
		return p.table()
	}
	t, ok := charsets[EpsonCharset(n)]
	return t, ok
}

// codeTable is one character set a code table may hold.
type codeTable struct {
	name string
	cm   *charmap.Charmap
}

var charsets = map[string]codeTable{
	CharsetPC852:   {CharsetPC852, charmap.CodePage852},
	CharsetWPC1250: {CharsetWPC1250, charmap.Windows1250},
}

// lookupTable returns the character set of Epson's code table n or
// EINVALID naming code_table.
func lookupTable(n int) (codeTable, error) {
	t, ok := charsets[EpsonCharset(n)]
	if !ok {
		return codeTable{}, okienko.Invalid("code_table", fmt.Sprintf("unsupported code table %d", n))
	}
	return t, nil
}

// printable reports whether the table prints r as a character: control
// characters are commands to the printer and never count as text.
func (t codeTable) printable(r rune) bool {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xad || r == 0xfffd {
		return false
	}
	b, ok := t.cm.EncodeRune(r)
	return ok && b >= 0x20 && b != 0x7f
}
