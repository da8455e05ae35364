// Package escpos builds the bytes a receipt printer speaks (ESC/POS): printer
// profiles, an encoder that only ever sends characters the printer's code
// table has (everything else is transliterated, never printed as '?'), the
// queue ticket layout, and a decoder and image preview of such bytes for tests
// and for the administrator. It does no I/O.
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

// Code tables (the n of ESC t n) this package can encode for.
const (
	CodeTablePC852   = 18 // PC852 (Latin 2), the table every Epson and clone has for Polish
	CodeTableWPC1250 = 45 // WPC1250 (Windows Central European)
)

// DefaultCodeTable is the code table used when none is chosen.
const DefaultCodeTable = CodeTablePC852

// Profile describes one printer: paper, character table, how it prints QR
// codes and whether it cuts.
type Profile struct {
	Name       string
	PaperMM    int    // 80 or 58
	Dots       int    // printable dots per line
	Columns    int    // characters per line in font A at normal size
	CodeTable  int    // ESC t n
	QR         string // QRNative or QRRaster
	Cutter     bool   // has an auto-cutter (GS V)
	ChineseOff bool   // send FS . at init, for clones that boot in Chinese mode
}

// Profile80 is an 80 mm printer (576 dots, 48 columns) with native QR and a cutter.
var Profile80 = Profile{
	Name: "80mm-pc852-native", PaperMM: 80, Dots: 576, Columns: 48,
	CodeTable: DefaultCodeTable, QR: QRNative, Cutter: true,
}

// Profile58 is a 58 mm printer (384 dots, 32 columns) without native QR and
// without a cutter, as most 58 mm printers are.
var Profile58 = Profile{
	Name: "58mm-pc852-raster", PaperMM: 58, Dots: 384, Columns: 32,
	CodeTable: DefaultCodeTable, QR: QRRaster, Cutter: false,
}

// ProfileFor returns the profile for a kiosk's printer settings. codeTable 0
// means DefaultCodeTable and an empty qr means native on 80 mm and raster on
// 58 mm. It returns EINVALID naming paper_mm, code_table or qr.
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
	if _, ok := codeTables[codeTable]; !ok {
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
	p.Cutter = cutter
	p.Name = fmt.Sprintf("%dmm-%s-%s", paperMM, codeTables[codeTable].name, qr)
	return p, nil
}

// Validate reports whether the profile can be printed with: EINVALID naming
// paper_mm, dots, columns, code_table or qr.
func (p Profile) Validate() error {
	fe := okienko.FieldErrors{}
	if p.PaperMM <= 0 {
		fe.Add("paper_mm", "must be positive")
	}
	if p.Dots < 8 || p.Dots > 0xffff {
		fe.Add("dots", "must be between 8 and 65535")
	}
	if p.Columns < 1 {
		fe.Add("columns", "must be positive")
	}
	if _, ok := codeTables[p.CodeTable]; !ok {
		fe.Add("code_table", fmt.Sprintf("must be %d (PC852) or %d (WPC1250)", CodeTablePC852, CodeTableWPC1250))
	}
	if p.QR != QRNative && p.QR != QRRaster {
		fe.Add("qr", "must be native or raster")
	}
	return fe.Err()
}

// codeTable is one supported ESC t table.
type codeTable struct {
	n    int
	name string
	cm   *charmap.Charmap
}

var codeTables = map[int]codeTable{
	CodeTablePC852:   {CodeTablePC852, "pc852", charmap.CodePage852},
	CodeTableWPC1250: {CodeTableWPC1250, "wpc1250", charmap.Windows1250},
}

// lookupTable returns the code table n or EINVALID naming code_table.
func lookupTable(n int) (codeTable, error) {
	t, ok := codeTables[n]
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
