package escpos

import (
	"image"
	"testing"
)

// The raster QR of the 58 mm ticket, cut out of the bytes, reads back as the
// status URL.
func TestTicketRasterQRDecodes(t *testing.T) {
	b, err := Render(Profile58, fixedTicket(t))
	if err != nil {
		t.Fatal(err)
	}
	imgs := rasterImages(t, b)
	if len(imgs) != 1 {
		t.Fatalf("%d raster images; want 1", len(imgs))
	}
	if w := imgs[0].Bounds().Dx(); w != Profile58.Dots {
		t.Errorf("raster %d dots wide; want %d", w, Profile58.Dots)
	}
	if got := decodeQR(t, withQuietZone(imgs[0], 32)); got != testStatusURL {
		t.Errorf("raster QR = %q; want %q", got, testStatusURL)
	}
}

// The preview draws the ticket: the QR code in it reads back for native and
// raster profiles alike.
func TestPreviewQRDecodes(t *testing.T) {
	for name, p := range goldenProfiles(t) {
		t.Run(name, func(t *testing.T) {
			b, err := Render(p, fixedTicket(t))
			if err != nil {
				t.Fatal(err)
			}
			img, err := Preview(b, p)
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w != p.Dots {
				t.Errorf("preview %d dots wide; want %d", w, p.Dots)
			}
			region := qrRegion(t, img)
			if got := decodeQR(t, withQuietZone(region, 32)); got != testStatusURL {
				t.Errorf("preview QR = %q; want %q", got, testStatusURL)
			}
			if got := decodeQR(t, img); got != testStatusURL {
				t.Errorf("whole preview QR = %q; want %q", got, testStatusURL)
			}
		})
	}
}

// qrRegion cuts the QR code out of a ticket preview: the blocks of ink are
// separated by ten or more white rows, and the QR code is the square one.
func qrRegion(t *testing.T, img image.Image) image.Image {
	t.Helper()
	r := img.Bounds()
	type block struct{ x0, x1, y0, y1 int }
	var blocks []block
	blank := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		x0, x1 := -1, -1
		for x := r.Min.X; x < r.Max.X; x++ {
			if isDark(img.At(x, y)) {
				if x0 < 0 {
					x0 = x
				}
				x1 = x
			}
		}
		if x0 < 0 {
			blank++
			continue
		}
		if len(blocks) == 0 || blank >= 10 {
			blocks = append(blocks, block{x0, x1, y, y})
		} else {
			b := &blocks[len(blocks)-1]
			b.x0, b.x1, b.y1 = min(b.x0, x0), max(b.x1, x1), y
		}
		blank = 0
	}
	for _, b := range blocks {
		w, h := b.x1-b.x0+1, b.y1-b.y0+1
		if h < 40 || w*10 < h*9 || w*9 > h*10 {
			continue
		}
		sub := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sub.Set(x, y, img.At(b.x0+x, b.y0+y))
			}
		}
		return sub
	}
	t.Fatalf("no square block of ink in the preview: %+v", blocks)
	return nil
}

func TestPreviewLayout(t *testing.T) {
	e := newTestEncoder(t, Profile80)
	e.Init().Align(AlignRight).Line("AB").Align(AlignCenter).Size(2, 2).Line("C").Size(1, 1).Align(AlignLeft).Line("ż").Cut(0)
	img, err := Preview(e.Bytes(), Profile80)
	if err != nil {
		t.Fatal(err)
	}
	// Bounding boxes of the black dots of each printed line.
	type box struct{ x0, x1, y0, y1 int }
	var boxes []box
	in := false
	for y := 0; y < img.Bounds().Dy(); y++ {
		x0, x1 := -1, -1
		for x := 0; x < img.Bounds().Dx(); x++ {
			if isDark(img.At(x, y)) {
				if x0 < 0 {
					x0 = x
				}
				x1 = x
			}
		}
		switch {
		case x0 >= 0 && !in:
			boxes = append(boxes, box{x0, x1, y, y})
			in = true
		case x0 >= 0:
			b := &boxes[len(boxes)-1]
			b.x0, b.x1, b.y1 = min(b.x0, x0), max(b.x1, x1), y
		default:
			in = false
		}
	}
	// "AB", "C", the dot of ż, ż, the cut line.
	if len(boxes) != 5 {
		t.Fatalf("%d blocks of ink: %+v", len(boxes), boxes)
	}
	ab, c, dot, z, cut := boxes[0], boxes[1], boxes[2], boxes[3], boxes[4]
	if ab.x1 < Profile80.Dots-cellW || ab.x0 < Profile80.Dots-2*cellW {
		t.Errorf("right-aligned AB at %+v", ab)
	}
	if mid := (c.x0 + c.x1) / 2; mid < Profile80.Dots/2-cellW || mid > Profile80.Dots/2+cellW {
		t.Errorf("centred C at %+v", c)
	}
	if h, w := c.y1-c.y0, c.x1-c.x0; h < 2*(ab.y1-ab.y0)-4 || w < 8 {
		t.Errorf("double-size C %+v is not twice as tall as AB %+v", c, ab)
	}
	if z.x0 > cellW || dot.x0 > cellW || dot.y1 >= z.y0 {
		t.Errorf("ż not drawn left with its dot above: dot %+v, z %+v", dot, z)
	}
	if cut.x1-cut.x0 < Profile80.Dots*9/10 || cut.y1 != cut.y0 {
		t.Errorf("cut line %+v", cut)
	}
}

// ink counts the black dots of img.
func ink(img image.Image) int {
	n := 0
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if isDark(img.At(x, y)) {
				n++
			}
		}
	}
	return n
}

// The preview draws what the printer gets: on WPC1250, which has "€" and
// "…", one cell with that symbol (each font pixel is 2×2 dots), not "E" or
// "."; on PC852, which has neither, the "EUR" and "..." the printer is sent.
func TestPreviewSymbols(t *testing.T) {
	wpc := Profile80
	wpc.CodeTable = CodeTableWPC1250
	pixels := func(g [5]byte) int {
		n := 0
		for _, c := range g {
			for ; c != 0; c &= c - 1 {
				n++
			}
		}
		return n
	}
	draw := func(p Profile, s string) image.Image {
		t.Helper()
		e := newTestEncoder(t, p)
		img, err := Preview(e.Init().Line(s).Bytes(), p)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	for _, tt := range []struct {
		p    Profile
		s    string
		want int
	}{
		{wpc, "€", 4 * pixels(symbols['€'])},
		{wpc, "…", 4 * pixels(symbols['…'])},
		{wpc, "„”", 4 * (pixels(symbols['„']) + pixels(symbols['”']))},
		{Profile80, "€", ink(draw(Profile80, "EUR"))},
		{Profile80, "…", ink(draw(Profile80, "..."))},
	} {
		if got := ink(draw(tt.p, tt.s)); got != tt.want {
			t.Errorf("%s %q: %d dots of ink; want %d", tt.p.Name, tt.s, got, tt.want)
		}
	}
	if ink(draw(wpc, "€")) == ink(draw(wpc, "E")) || ink(draw(wpc, "…")) == ink(draw(wpc, ".")) {
		t.Errorf("€ or … drawn as E or .")
	}
}
