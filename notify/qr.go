package notify

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"sync"

	"github.com/boombuler/barcode/qr"
)

// qrSize is the side of the QR image in e-mails, in pixels.
const qrSize = 240

// qrStride is the bytes of one row of the image: one bit a pixel.
const qrStride = (qrSize + 7) / 8

// qrPNG is the QR code of code as a qrSize×qrSize PNG: whole pixels per
// module, centred on white, one bit a pixel (grayscale, 0 black). Every
// confirmation e-mail carries one, so the rows are written straight into
// the PNG's scanlines (a module's rows are one row copied) and compressed
// fast by a reused compressor: through image/png the same picture cost
// twice the QR code's own encoding. It returns qr.Encode's error for a
// code too long for a QR code, or an error when the code's modules don't
// fit qrSize pixels.
func qrPNG(code string) ([]byte, error) {
	q, err := qr.Encode(code, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	n := q.Bounds().Dx()
	module := qrSize / n
	if module == 0 {
		return nil, fmt.Errorf("a QR code of %d modules doesn't fit %d pixels", n, qrSize)
	}
	off := (qrSize - n*module) / 2

	// Scanlines: a filter byte (0, none) and qrStride bytes, all white.
	const line = 1 + qrStride
	raw := make([]byte, qrSize*line)
	for i := range raw {
		if i%line != 0 {
			raw[i] = 0xff
		}
	}
	for y := range n {
		first := raw[(off+y*module)*line:][:line]
		for x := range n {
			if !isDark(q.At(x, y)) {
				continue
			}
			for px := off + x*module; px < off+(x+1)*module; px++ {
				first[1+px/8] &^= 0x80 >> (px % 8)
			}
		}
		for r := 1; r < module; r++ {
			copy(raw[(off+y*module+r)*line:], first)
		}
	}

	var buf bytes.Buffer
	buf.Grow(1024)
	buf.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], qrSize)
	binary.BigEndian.PutUint32(ihdr[4:], qrSize)
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, grayscale; compression, filter, interlace 0
	writePNGChunk(&buf, "IHDR", ihdr[:])

	var idat bytes.Buffer
	z, _ := qrCompressors.Get().(*zlib.Writer)
	if z == nil {
		z, _ = zlib.NewWriterLevel(&idat, zlib.BestSpeed) // BestSpeed is a valid level
	} else {
		z.Reset(&idat)
	}
	_, err = z.Write(raw)
	if err == nil {
		err = z.Close()
	}
	qrCompressors.Put(z)
	if err != nil {
		return nil, err
	}
	writePNGChunk(&buf, "IDAT", idat.Bytes())
	writePNGChunk(&buf, "IEND", nil)
	return buf.Bytes(), nil
}

// qrCompressors holds zlib writers between images: a new one allocates
// most of a megabyte.
var qrCompressors sync.Pool

// writePNGChunk appends one PNG chunk: length, type, data, CRC of type and
// data.
func writePNGChunk(buf *bytes.Buffer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	buf.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	buf.WriteString(kind)
	buf.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	buf.Write(n[:])
}

// isDark reports whether a QR module's colour is dark.
func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}
