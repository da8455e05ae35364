package notify

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// The e-mail's QR image is the code's QR code: 240×240, every module's
// pixels the module's colour, the margin white.
func TestQRPNGIsTheCode(t *testing.T) {
	for _, code := range []string{"ABCD2345", "https://urzad.example/rezerwacja/ABCD2345", "ZZZZ-9999-ZZZZ-9999-ZZZZ-9999-ZZZZ-9999"} {
		b, err := qrPNG(code)
		if err != nil {
			t.Fatalf("%q: %v", code, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%q: not a PNG: %v", code, err)
		}
		if img.Bounds() != image.Rect(0, 0, qrSize, qrSize) {
			t.Fatalf("%q: %v, want %d×%d", code, img.Bounds(), qrSize, qrSize)
		}
		q, err := qr.Encode(code, qr.M, qr.Auto)
		if err != nil {
			t.Fatal(err)
		}
		n := q.Bounds().Dx()
		module, off := qrSize/n, (qrSize-qrSize/n*n)/2
		if module < 2 {
			t.Fatalf("%q: %d modules, %d px each", code, n, module)
		}
		for y := range qrSize {
			for x := range qrSize {
				mx, my := (x-off)/module, (y-off)/module
				want := false
				if x >= off && y >= off && mx < n && my < n {
					want = isDark(q.At(mx, my))
				}
				if got := isDark(img.At(x, y)); got != want {
					t.Fatalf("%q: pixel (%d,%d) dark=%v, want %v (module %d,%d of %d)", code, x, y, got, want, mx, my, n)
				}
			}
		}
	}
}

// BenchmarkQRPNG: one confirmation e-mail's QR image.
func BenchmarkQRPNG(b *testing.B) {
	for b.Loop() {
		if _, err := qrPNG("ABCD2345"); err != nil {
			b.Fatal(err)
		}
	}
}
