package escpos

import (
	"bytes"
	"image"
	"image/color"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Warsaw without relying on the system's zoneinfo

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

const testStatusURL = "https://okienko.example.pl/t/7f3a9c2e5b1d"

// polishLetters are the 18 letters of Polish outside ASCII.
const polishLetters = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"

// fixedTicket is the ticket of the golden files.
func fixedTicket(t *testing.T) Ticket {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return Ticket{
		Office:      "Urząd Miasta Okienkowo",
		Department:  "Wydział Spraw Obywatelskich i Rejestracji Pojazdów — Dowody osobiste",
		Service:     "Zażółć gęślą jaźń — wymiana dowodu osobistego",
		Number:      "D017",
		Issued:      time.Date(2026, 11, 23, 9, 15, 0, 0, time.UTC),
		Loc:         loc,
		PeopleAhead: 3,
		WaitMinutes: 12,
		StatusURL:   testStatusURL,
		Note:        "Przygotuj dowód osobisty. Gdy Twój numer pojawi się na ekranie, podejdź do wskazanego okienka. ŻÓŁĆ: „ĄĘŚŹŃ”.",
		Lang:        "pl",
	}
}

// rasterImages finds every GS v 0 image in b without the package's parser:
// GS 'v' '0' m xL xH yL yH, then xL+256xH bytes per row for yL+256yH rows.
func rasterImages(t *testing.T, b []byte) []image.Image {
	t.Helper()
	var out []image.Image
	for {
		i := bytes.Index(b, []byte{0x1d, 'v', '0'})
		if i < 0 {
			return out
		}
		if len(b) < i+8 {
			t.Fatalf("GS v 0 header cut short")
		}
		xb := int(b[i+4]) | int(b[i+5])<<8
		h := int(b[i+6]) | int(b[i+7])<<8
		data := b[i+8:]
		if len(data) < xb*h {
			t.Fatalf("GS v 0 of %d×%d bytes has only %d bytes", xb, h, len(data))
		}
		img := image.NewGray(image.Rect(0, 0, xb*8, h))
		for y := 0; y < h; y++ {
			for x := 0; x < xb*8; x++ {
				c := uint8(255)
				if data[y*xb+x/8]&(0x80>>(x%8)) != 0 {
					c = 0
				}
				img.SetGray(x, y, color.Gray{Y: c})
			}
		}
		out = append(out, img)
		b = data[xb*h:]
	}
}

// withQuietZone returns img on a white border of pad dots.
func withQuietZone(img image.Image, pad int) image.Image {
	r := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, r.Dx()+2*pad, r.Dy()+2*pad))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x-r.Min.X+pad, y-r.Min.Y+pad, img.At(x, y))
		}
	}
	return out
}

// decodeQR reads the QR code in img with gozxing.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER: true,
	})
	if err != nil {
		t.Fatalf("no QR code found: %v", err)
	}
	return res.GetText()
}
