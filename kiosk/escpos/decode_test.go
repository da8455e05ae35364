package escpos

import (
	"bytes"
	"testing"
)

func TestDecode(t *testing.T) {
	pc852 := func(s string) []byte {
		b, err := EncodeText(s, CodeTablePC852)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		b     []byte
		table int
		want  string
	}{
		{"plain", cat(pc852("Łódź\n")), 18, "Łódź\n"},
		{"commands skipped", cat(
			[]byte{0x1b, '@', 0x1c, '.', 0x1b, 't', 18, 0x1b, 'a', 1, 0x1b, 'E', 1, 0x1d, '!', 0x22},
			pc852("gęś"),
			[]byte{0x1b, 'E', 0, 0x1d, '!', 0, '\n', 0x1b, 'd', 2},
			pc852("żółw"),
			[]byte{0x1d, 'V', 66, 30},
		), 18, "gęś\n\n\nżółw"},
		{"native QR skipped", cat(
			[]byte{0x1d, '(', 'k', 4, 0, 49, 65, 50, 0},
			[]byte{0x1d, '(', 'k', 6, 0, 49, 80, 48, 'a', '\n', 'b'},
			[]byte{0x1d, '(', 'k', 3, 0, 49, 81, 48},
			pc852("ok"),
		), 18, "ok"},
		{"raster skipped", cat(
			[]byte{0x1d, 'v', '0', 0, 2, 0, 2, 0, 0x0a, 0x1b, '?', 0x1a},
			pc852("ok"),
		), 18, "ok"},
		{"other commands skipped", cat(
			[]byte{0x1d, 'V', 0, 0x1d, 'V', 65, 3, 0x10, 0x04, 1, 0x1b, 'p', 0, 25, 250, 0x1d, 'k', 4},
			[]byte("1234"), []byte{0, 0x1d, 'k', 73, 3, 'a', 'b', 'c', 0x1b, '3', 40, 0x1b, '2', '\r'},
			pc852("ok"),
		), 18, "ok"},
		{"bit images skipped", cat(
			[]byte{0x1b, '*', 0, 3, 0, 'x', 'y', 'z', 0x1b, '*', 33, 1, 0, 'x', 'y', 'z'},
			[]byte{0x1d, '8', 'L', 4, 0, 0, 0, 48, 'x', 'y', 'z'},
			pc852("ok"),
		), 18, "ok"},
		{"ESC t switches table", cat(
			[]byte{0x1b, 't', 45, 0xb9, 0x1b, 't', 18, 0xa5, 0x1b, 't', 99, 0xa5},
		), 18, "ąąą"},
		{"unsupported table decodes as PC852", pc852("ą"), 7, "ą"},
		{"stray control bytes stay visible", []byte{'a', 0x1a, 'b', 0x07}, 18, "a\x1ab\x07"},
		{"command cut short", []byte{'a', 0x1d, '(', 'k', 200, 0, 49, 80}, 18, "a"},
		{"raster cut short", []byte{'a', 0x1d, 'v', '0', 0, 10, 0, 10, 0, 1, 2}, 18, "a"},
		{"lone escape", []byte{'a', 0x1b}, 18, "a"},
	}
	for _, tt := range tests {
		if got := Decode(tt.b, tt.table); got != tt.want {
			t.Errorf("%s: Decode = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// Preview tolerates anything Decode does.
func TestPreviewToleratesGarbage(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0x1b},
		{0x1d, '(', 'k', 3, 0, 49, 81, 48}, // print with nothing stored
		{0x1d, '(', 'k', 5, 0, 49, 80, 48, 'x', 'y', 0x1d, '(', 'k', 3, 0, 49, 81, 48}, // tiny symbol
		{0x1d, '!', 0x77, 'W', 'W', 'W', 'W', 'W', 'W', 'W', 'W', 'W', 'W'},            // wraps at 8× width
		{0x1b, 'd', 255, 0x1b, 'J', 200, 0x1d, 'v', '0', 0, 100, 0, 1, 0},
	} {
		img, err := Preview(b, Profile58)
		if err != nil || img.Bounds().Dx() != Profile58.Dots {
			t.Errorf("Preview(% x) = %v, %v", b, img, err)
		}
	}
	endless := bytes.Repeat([]byte{0x1b, 'd', 255, 'x', '\n'}, 1000)
	img, err := Preview(endless, Profile58)
	if err != nil || img.Bounds().Dy() > maxPreviewDots+100 {
		t.Errorf("endless paper: %v, %v", img.Bounds(), err)
	}
}
