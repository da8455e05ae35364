package escpos

import (
	"bytes"
	"testing"

	"github.com/boombuler/barcode/qr"

	"github.com/okienko/okienko"
)

func newTestEncoder(t *testing.T, p Profile) *Encoder {
	t.Helper()
	e, err := NewEncoder(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEncoderCommands(t *testing.T) {
	chinese := Profile58
	chinese.ChineseOff = true
	wpc := Profile80
	wpc.CodeTable = CodeTableWPC1250
	tests := []struct {
		name string
		p    Profile
		do   func(e *Encoder)
		want []byte
	}{
		{"init", Profile80, func(e *Encoder) { e.Init() }, []byte{0x1b, '@', 0x1b, 't', 18}},
		{"init 1250", wpc, func(e *Encoder) { e.Init() }, []byte{0x1b, '@', 0x1b, 't', 45}},
		{"init chinese off", chinese, func(e *Encoder) { e.Init() }, []byte{0x1b, '@', 0x1c, '.', 0x1b, 't', 18}},
		{"align", Profile80, func(e *Encoder) { e.Align(AlignLeft).Align(AlignCenter).Align(AlignRight) },
			[]byte{0x1b, 'a', 0, 0x1b, 'a', 1, 0x1b, 'a', 2}},
		{"bold", Profile80, func(e *Encoder) { e.Bold(true).Bold(false) }, []byte{0x1b, 'E', 1, 0x1b, 'E', 0}},
		{"size", Profile80, func(e *Encoder) { e.Size(1, 1).Size(2, 2).Size(3, 1).Size(8, 8).Size(0, 9) },
			[]byte{0x1d, '!', 0x00, 0x1d, '!', 0x11, 0x1d, '!', 0x20, 0x1d, '!', 0x77, 0x1d, '!', 0x07}},
		{"line", Profile80, func(e *Encoder) { e.Line("Łódź") }, []byte{0x9d, 0xa2, 'd', 0xab, '\n'}},
		{"line 1250", wpc, func(e *Encoder) { e.Line("Łódź – €") }, []byte{0xa3, 0xf3, 'd', 0x9f, ' ', 0x96, ' ', 0x80, '\n'}},
		{"feed", Profile80, func(e *Encoder) { e.Feed(3).Feed(300).Feed(-1) }, []byte{0x1b, 'd', 3, 0x1b, 'd', 255, 0x1b, 'd', 0}},
		{"cut", Profile80, func(e *Encoder) { e.Cut(30) }, []byte{0x1d, 'V', 66, 30}},
		{"cut without cutter feeds", Profile58, func(e *Encoder) { e.Cut(30) }, []byte{0x1b, 'd', tearFeedLines + 1}},
		{"text drops control bytes", Profile80, func(e *Encoder) { e.Text("a\x1b@b\x1dV\x00c\r\nd\te\x1a") },
			[]byte{'a', '@', 'b', 'V', 'c', '\n', 'd', ' ', 'e'}},
	}
	for _, tt := range tests {
		e := newTestEncoder(t, tt.p)
		tt.do(e)
		if got := e.Bytes(); !bytes.Equal(got, tt.want) {
			t.Errorf("%s: % x; want % x", tt.name, got, tt.want)
		}
	}
}

func TestEncoderQRNative(t *testing.T) {
	e := newTestEncoder(t, Profile80)
	if err := e.QR("HELLO", 6, 'Q'); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x1d, '(', 'k', 4, 0, 49, 65, 50, 0, // model 2
		0x1d, '(', 'k', 3, 0, 49, 67, 6, // module size
		0x1d, '(', 'k', 3, 0, 49, 69, 50, // level Q
		0x1d, '(', 'k', 8, 0, 49, 80, 48, 'H', 'E', 'L', 'L', 'O', // store
		0x1d, '(', 'k', 3, 0, 49, 81, 48, // print
	}
	if got := e.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("native QR:\n% x\nwant\n% x", got, want)
	}

	long := bytes.Repeat([]byte("x"), 300)
	e = newTestEncoder(t, Profile80)
	if err := e.QR(string(long), 3, 'L'); err != nil {
		t.Fatal(err)
	}
	b := e.Bytes()
	store := 9 + 8 + 8 // after model, module size and level
	if b[store+3] != byte(303&0xff) || b[store+4] != byte(303>>8) || !bytes.Equal(b[store+8:store+8+300], long) {
		t.Errorf("store % x; want pL pH of 303 and the data", b[store:store+10])
	}
}

func TestEncoderQRErrors(t *testing.T) {
	for _, p := range []Profile{Profile80, Profile58} {
		e := newTestEncoder(t, p)
		for name, err := range map[string]error{
			"empty":    e.QR("", 4, 'M'),
			"level":    e.QR("x", 4, 'X'),
			"too long": e.QR(string(bytes.Repeat([]byte("x"), 8000)), 4, 'M'),
		} {
			e := okienko.AsError(err)
			if e.Code != okienko.EINVALID || e.Fields["qr"] == "" {
				t.Errorf("%s %s: %v; want EINVALID on qr", p.Name, name, err)
			}
		}
		if len(e.Bytes()) != 0 {
			t.Errorf("%s: a failed QR wrote % x", p.Name, e.Bytes())
		}
	}
}

// No valid profile is narrower than the largest QR symbol (177 modules), so
// the check is tested on the drawing itself.
func TestEncoderQRWiderThanPaper(t *testing.T) {
	img, err := qrRaster(testStatusURL, qr.M, 4, 16)
	if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields["qr"] == "" || img != nil {
		t.Errorf("QR wider than the paper: %v", err)
	}
}

func TestEncoderQRRaster(t *testing.T) {
	for _, p := range []Profile{Profile58, {Name: "80 raster", PaperMM: 80, Dots: 576, Columns: 48, CodeTable: 18, QR: QRRaster, Cut: CutPartial}} {
		for _, module := range []int{1, 4, 8, 16} {
			e := newTestEncoder(t, p)
			if err := e.QR(testStatusURL, module, 'M'); err != nil {
				t.Fatal(err)
			}
			b := e.Bytes()
			if !bytes.HasPrefix(b, []byte{0x1d, 'v', '0', 0}) {
				t.Fatalf("raster starts % x", b[:8])
			}
			xb, h := int(b[4])|int(b[5])<<8, int(b[6])|int(b[7])<<8
			if xb != p.Dots/8 || len(b) != 8+xb*h {
				t.Fatalf("%s: %d bytes a row, %d rows, %d bytes; want %d a row", p.Name, xb, h, len(b), p.Dots/8)
			}
			imgs := rasterImages(t, b)
			img := imgs[0]
			// The symbol is centred: as many white columns on each side.
			left, right := -1, -1
			for x := 0; x < img.Bounds().Dx() && left < 0; x++ {
				for y := 0; y < h; y++ {
					if isDark(img.At(x, y)) {
						left = x
						break
					}
				}
			}
			for x := img.Bounds().Dx() - 1; x >= 0 && right < 0; x-- {
				for y := 0; y < h; y++ {
					if isDark(img.At(x, y)) {
						right = img.Bounds().Dx() - 1 - x
						break
					}
				}
			}
			if d := left - right; d < -1 || d > 1 {
				t.Errorf("%s module %d: %d white dots left, %d right", p.Name, module, left, right)
			}
			if got := decodeQR(t, withQuietZone(img, 40)); got != testStatusURL {
				t.Errorf("%s module %d: QR says %q", p.Name, module, got)
			}
			if h > p.Dots {
				t.Errorf("%s module %d: %d rows, taller than the paper is wide", p.Name, module, h)
			}
		}
	}
}
