package web

import (
	"fmt"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
)

// qrQuietZone is the light margin around a QR code, in modules; the
// standard asks for four.
const qrQuietZone = 4

// ticketQR: GET /api/v1/tickets/{public_id}/qr.svg — the QR code of the
// ticket's status URL (the status_url of GET /api/v1/tickets/{public_id}) as
// an SVG of plain rectangles, for the kiosk's screen. It names no other host
// and never changes, so browsers may keep it for a day. 404 for an unknown
// ticket.
func (s *Server) ticketQR(c *fiber.Ctx) error {
	t, err := s.Queue.ByPublicID(c.UserContext(), c.Params("public_id"))
	if err != nil {
		return err
	}
	svg, err := qrSVG(s.BaseURL + "/t/" + t.PublicID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.SendString(svg)
}

// qrSVG draws content as a QR code (error correction level M) in SVG: one
// module is one user unit, a white background with the quiet zone, and a
// black <rect> for every horizontal run of dark modules. EINTERNAL when the
// content doesn't fit a QR code.
func qrSVG(content string) (string, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", okienko.Internal(fmt.Errorf("qr code of %q: %w", content, err))
	}
	n := code.Bounds().Dx()
	size := n + 2*qrQuietZone
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		size, size, size*8, size*8)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`, size, size)
	b.WriteString(`<g fill="#000">`)
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(code, x, y) {
				x++
				continue
			}
			run := 1
			for x+run < n && dark(code, x+run, y) {
				run++
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="1"/>`, x+qrQuietZone, y+qrQuietZone, run)
			x += run
		}
	}
	b.WriteString(`</g></svg>`)
	return b.String(), nil
}

// dark tells whether the module at x, y (from the code's origin) is dark.
func dark(code barcode.Barcode, x, y int) bool {
	o := code.Bounds().Min
	return color.GrayModel.Convert(code.At(o.X+x, o.Y+y)).(color.Gray).Y < 128
}
