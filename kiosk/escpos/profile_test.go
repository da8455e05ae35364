package escpos

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/okienko/okienko"
)

func TestProfileFor(t *testing.T) {
	tests := []struct {
		paper, table int
		qr           string
		cutter       bool
		want         Profile
		badFields    []string
	}{
		{80, 18, "native", true, Profile{PaperMM: 80, Dots: 576, Columns: 48, CodeTable: 18, QR: "native", Cut: CutPartial}, nil},
		{58, 18, "raster", false, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 18, QR: "raster", Cut: CutFeed}, nil},
		{58, 45, "native", true, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 45, QR: "native", Cut: CutPartial}, nil},
		{80, 0, "", false, Profile{PaperMM: 80, Dots: 576, Columns: 48, CodeTable: 18, QR: "native", Cut: CutFeed}, nil},
		{58, 0, "", false, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 18, QR: "raster", Cut: CutFeed}, nil},
		{76, 18, "native", true, Profile{}, []string{"paper_mm"}},
		{80, 0x10, "native", true, Profile{}, []string{"code_table"}},
		{80, 18, "bitmap", true, Profile{}, []string{"qr"}},
		{57, 437, "x", true, Profile{}, []string{"paper_mm", "code_table", "qr"}},
	}
	for _, tt := range tests {
		got, err := ProfileFor(tt.paper, tt.table, tt.qr, tt.cutter)
		if len(tt.badFields) > 0 {
			e := okienko.AsError(err)
			if e.Code != okienko.EINVALID || len(e.Fields) != len(tt.badFields) {
				t.Errorf("ProfileFor(%d, %d, %q) error = %v; want EINVALID on %v", tt.paper, tt.table, tt.qr, err, tt.badFields)
				continue
			}
			for _, f := range tt.badFields {
				if e.Fields[f] == "" {
					t.Errorf("ProfileFor(%d, %d, %q): no message for %s in %v", tt.paper, tt.table, tt.qr, f, e.Fields)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("ProfileFor(%d, %d, %q) = %v", tt.paper, tt.table, tt.qr, err)
			continue
		}
		if got.Name == "" {
			t.Errorf("ProfileFor(%d, %d, %q) has no name", tt.paper, tt.table, tt.qr)
		}
		got.Name = ""
		if got != tt.want {
			t.Errorf("ProfileFor(%d, %d, %q) = %+v; want %+v", tt.paper, tt.table, tt.qr, got, tt.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("profile %+v does not validate: %v", got, err)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	for _, p := range []Profile{Profile80, Profile58} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	bad := Profile80
	bad.Columns, bad.CodeTable = 0, 99
	e := okienko.AsError(bad.Validate())
	if e.Code != okienko.EINVALID || e.Fields["columns"] == "" || e.Fields["charset"] == "" {
		t.Errorf("invalid profile: %v", e)
	}
	if _, err := NewEncoder(bad); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("NewEncoder(invalid) = %v", err)
	}
	if _, err := Render(bad, fixedTicket(t)); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("Render(invalid profile) = %v", err)
	}
	if _, err := Preview(nil, bad); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("Preview(invalid profile) = %v", err)
	}
}

// Every profile field is checked, and a refusal names it.
func TestProfileValidateFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Profile)
		field  string // "" when valid
	}{
		{"80 mm", func(p *Profile) {}, ""},
		{"24 columns", func(p *Profile) { p.Columns = 24 }, ""},
		{"64 columns", func(p *Profile) { p.Columns = 64 }, ""},
		{"23 columns", func(p *Profile) { p.Columns = 23 }, "columns"},
		{"65 columns", func(p *Profile) { p.Columns = 65 }, "columns"},
		{"more columns than dots hold", func(p *Profile) { p.Dots, p.Columns = 256, 29 }, "columns"},
		{"256 dots", func(p *Profile) { p.Dots, p.Columns = 256, 28 }, ""},
		{"640 dots on 80 mm", func(p *Profile) { p.Dots = 640 }, ""},
		{"248 dots", func(p *Profile) { p.Dots = 248 }, "dots"},
		{"840 dots", func(p *Profile) { p.Dots = 840 }, "dots"},
		{"dots not a multiple of 8", func(p *Profile) { p.Dots = 510 }, "dots"},
		{"more dots than the paper", func(p *Profile) { p.Dots = 648 }, "dots"},
		{"576 dots on 58 mm", func(p *Profile) { p.PaperMM = 58 }, "dots"},
		{"76 mm paper", func(p *Profile) { p.PaperMM = 76 }, "paper_mm"},
		{"code table 0 with a charset", func(p *Profile) { p.CodeTable, p.Charset = 0, CharsetPC852 }, ""},
		{"a clone's WPC1250 at 72", func(p *Profile) { p.CodeTable, p.Charset = 72, CharsetWPC1250 }, ""},
		{"code table 255", func(p *Profile) { p.CodeTable, p.Charset = 255, CharsetPC852 }, ""},
		{"code table 256", func(p *Profile) { p.CodeTable, p.Charset = 256, CharsetPC852 }, "code_table"},
		{"code table -1", func(p *Profile) { p.CodeTable, p.Charset = -1, CharsetPC852 }, "code_table"},
		{"a number Epson does not use without a charset", func(p *Profile) { p.CodeTable, p.Charset = 72, "" }, "charset"},
		{"unknown charset", func(p *Profile) { p.Charset = "cp437" }, "charset"},
		{"cut full", func(p *Profile) { p.Cut = CutFull }, ""},
		{"cut feed", func(p *Profile) { p.Cut = CutFeed }, ""},
		{"no cut", func(p *Profile) { p.Cut = "" }, "cut"},
		{"cut half", func(p *Profile) { p.Cut = "half" }, "cut"},
		{"qr", func(p *Profile) { p.QR = "pdf417" }, "qr"},
	}
	for _, tt := range tests {
		p := Profile80
		tt.change(&p)
		err := p.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields[tt.field] == "" || len(e.Fields) != 1 {
			t.Errorf("%s: %v; want EINVALID on %s only", tt.name, err, tt.field)
		}
	}
}

// A clone that numbers WPC1250 72: ESC t 72 selects it, the Polish letters
// are WPC1250 bytes, and the decoder that knows the profile reads them back.
func TestCloneCodeTableNumber(t *testing.T) {
	p := Profile58
	p.CodeTable, p.Charset = 72, CharsetWPC1250
	e := newTestEncoder(t, p)
	e.Init().Line("Zażółć gęślą jaźń €")
	want := []byte{0x1b, '@', 0x1b, 't', 72, 'Z', 'a', 0xbf, 0xf3, 0xb3, 0xe6, ' ', 'g', 0xea, 0x9c, 'l', 0xb9, ' ', 'j', 'a', 0x9f, 0xf1, ' ', 0x80, '\n'}
	if got := e.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("% x; want % x", got, want)
	}
	if got := DecodeProfile(want, p); got != "Zażółć gęślą jaźń €\n" {
		t.Errorf("decoded %q", got)
	}
	// Read as Epson numbers its tables, 72 is unknown and the default PC852
	// gives other letters.
	if got := Decode(want, CodeTablePC852); strings.Contains(got, "Zażółć") {
		t.Errorf("Epson's numbering decoded a clone's table: %q", got)
	}
}

func TestCutCommands(t *testing.T) {
	for cut, want := range map[string][]byte{
		CutPartial: {0x1d, 'V', 66, 30},
		CutFull:    {0x1d, 'V', 65, 30},
		CutFeed:    {0x1b, 'd', tearFeedLines + 1},
	} {
		p := Profile80
		p.Cut = cut
		e := newTestEncoder(t, p)
		if got := e.Cut(30).Bytes(); !bytes.Equal(got, want) {
			t.Errorf("%s: % x; want % x", cut, got, want)
		}
	}
}

// The test page fits the narrowest paper a profile may have and 58 mm
// (finding: a 36-column line on 32 columns).
func TestTestPageFits(t *testing.T) {
	narrow := Profile{PaperMM: 58, Columns: 24, Dots: 256, CodeTable: 18, QR: QRRaster, Cut: CutFeed}
	for _, p := range []Profile{Profile80, Profile58, narrow} {
		b, err := TestPage(p, testStatusURL, "Czas: 2026-11-23 09:15:00 UTC")
		if err != nil {
			t.Fatal(err)
		}
		text := DecodeProfile(b, p)
		for _, l := range strings.Split(text, "\n") {
			if n := utf8.RuneCountInString(l); n > p.Columns {
				t.Errorf("%d columns: line %q has %d", p.Columns, l, n)
			}
		}
		if !containsLine(strings.Split(text, "\n"), ruler(p.Columns)) {
			t.Errorf("%d columns: no ruler in\n%s", p.Columns, text)
		}
		for _, img := range rasterImages(t, b) {
			if img.Bounds().Dx() > p.Dots {
				t.Errorf("%d dots: an image %d wide", p.Dots, img.Bounds().Dx())
			}
		}
	}
}
