package web_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// svgRect is a <rect> of the QR code's SVG, in modules.
type svgRect struct {
	X      int    `xml:"x,attr"`
	Y      int    `xml:"y,attr"`
	Width  int    `xml:"width,attr"`
	Height int    `xml:"height,attr"`
	Fill   string `xml:"fill,attr"`
}

type svgDoc struct {
	XMLName xml.Name  `xml:"svg"`
	ViewBox string    `xml:"viewBox,attr"`
	Rects   []svgRect `xml:"rect"`
	Groups  []struct {
		Fill  string    `xml:"fill,attr"`
		Rects []svgRect `xml:"rect"`
	} `xml:"g"`
}

// rasterSVG paints the QR code's SVG the way a browser would, scale pixels a
// module: rectangles filled with their own or their group's colour, in
// document order.
func rasterSVG(t *testing.T, body []byte, scale int) image.Image {
	t.Helper()
	var doc svgDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the SVG does not parse: %v\n%s", err, body)
	}
	var x0, y0, w, h int
	if _, err := fmt.Sscanf(doc.ViewBox, "%d %d %d %d", &x0, &y0, &w, &h); err != nil || x0 != 0 || y0 != 0 || w != h || w < 21 {
		t.Fatalf("viewBox %q: want a square of at least 21 modules", doc.ViewBox)
	}
	img := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 0x80}), image.Point{}, draw.Src) // unpainted is neither
	paint := func(r svgRect, fill string) {
		var c color.Gray
		switch fill {
		case "#fff", "#ffffff", "white":
			c = color.Gray{Y: 0xff}
		case "#000", "#000000", "black":
			c = color.Gray{Y: 0}
		default:
			t.Fatalf("rect %+v with fill %q", r, fill)
		}
		if r.Width <= 0 || r.Height <= 0 || r.X < 0 || r.Y < 0 || r.X+r.Width > w || r.Y+r.Height > h {
			t.Fatalf("rect %+v outside the %dx%d view box", r, w, h)
		}
		draw.Draw(img, image.Rect(r.X*scale, r.Y*scale, (r.X+r.Width)*scale, (r.Y+r.Height)*scale), image.NewUniform(c), image.Point{}, draw.Src)
	}
	if len(doc.Rects) != 1 || doc.Rects[0].Width != w || doc.Rects[0].Height != h {
		t.Fatalf("want one background rect over the whole view box, got %+v", doc.Rects)
	}
	paint(doc.Rects[0], doc.Rects[0].Fill)
	dark := 0
	for _, g := range doc.Groups {
		for _, r := range g.Rects {
			fill := r.Fill
			if fill == "" {
				fill = g.Fill
			}
			paint(r, fill)
			dark++
		}
	}
	if dark == 0 {
		t.Fatal("the SVG has no dark modules")
	}
	// The quiet zone: four light modules on every side.
	for i := 0; i < w*scale; i++ {
		for _, p := range []image.Point{{i, 0}, {i, 4*scale - 1}, {0, i}, {4*scale - 1, i}, {i, h*scale - 1}, {w*scale - 1, i}} {
			if img.GrayAt(p.X, p.Y).Y != 0xff {
				t.Fatalf("the quiet zone is not light at %v", p)
			}
		}
	}
	return img
}

// decodeQR reads the QR code in img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

// The kiosk shows a ticket's QR code from /api/v1/tickets/{public_id}/qr.svg:
// an SVG of rectangles naming no other host, cacheable for a day, that
// decodes to the ticket's status URL. Unknown tickets are 404.
func TestTicketQR(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		_, _, publicID := e.issueTicket(e.counterOf("Stanowisko 1").ServiceIDs[0])

		resp, body := e.do("GET", "/api/v1/tickets/"+publicID, nil)
		var status struct {
			StatusURL string `json:"status_url"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &status) != nil || !strings.HasSuffix(status.StatusURL, "/t/"+publicID) {
			t.Fatalf("ticket status: %d %s", resp.StatusCode, body)
		}

		resp, body = e.do("GET", "/api/v1/tickets/"+publicID+"/qr.svg", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("qr.svg: %d %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
			t.Errorf("Content-Type = %q, want image/svg+xml", ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=86400" {
			t.Errorf("Cache-Control = %q, want public, max-age=86400", cc)
		}
		// Nothing is fetched from anywhere: the only URL is the SVG namespace.
		svg := strings.ReplaceAll(string(body), `xmlns="http://www.w3.org/2000/svg"`, "")
		for _, bad := range []string{"http:", "https:", "href", "<image", "<script", "url(", "<style", "//"} {
			if strings.Contains(svg, bad) {
				t.Errorf("the SVG contains %q", bad)
			}
		}
		if got := decodeQR(t, rasterSVG(t, body, 4)); got != status.StatusURL {
			t.Fatalf("the QR code reads %q, want the status URL %q", got, status.StatusURL)
		}

		// The same ticket always has the same picture.
		if _, again := e.do("GET", "/api/v1/tickets/"+publicID+"/qr.svg", nil); string(again) != string(body) {
			t.Error("a second request answered a different SVG")
		}

		for _, id := range []string{"no-such-ticket", strings.ToUpper(publicID) + "X"} {
			resp, body = e.do("GET", "/api/v1/tickets/"+id+"/qr.svg", nil)
			if resp.StatusCode != 404 {
				t.Fatalf("qr.svg of %q: %d, want 404", id, resp.StatusCode)
			}
			problemOf(t, resp, body)
			if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "max-age=86400") {
				t.Errorf("a 404 is cacheable for a day: %q", cc)
			}
		}
	})
}
