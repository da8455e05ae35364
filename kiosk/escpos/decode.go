package escpos

import (
	"strings"
)

// op is the kind of one parsed piece of ESC/POS.
type op int

const (
	opText      op = iota // data: one text byte
	opLF                  // LF
	opInit                // ESC @
	opTable               // ESC t n
	opAlign               // ESC a n
	opBold                // ESC E n, ESC G n
	opPrintMode           // ESC ! n
	opSize                // GS ! n
	opFeed                // ESC d n: n lines
	opFeedDots            // ESC J n: n dots
	opCut                 // GS V m [n]: n is the extra feed
	opRaster              // GS v 0: img
	opQR                  // GS ( k with cn 49: n is fn, data the parameters
	opOther               // a command that does not change what is printed
)

// token is one parsed piece of ESC/POS.
type token struct {
	op   op
	n    int
	data []byte
	img  *raster
}

// parse splits ESC/POS bytes into tokens. It knows the length of the common
// commands and skips unknown ones by their prefix; a command cut short ends
// the input. Control bytes that start no command come back as text, so a
// stray 0x1A stays visible.
func parse(b []byte) []token {
	var out []token
	for i := 0; i < len(b); {
		c := b[i]
		var t token
		size := 1
		switch c {
		case lf:
			t.op = opLF
		case cr:
			t.op = opOther
		case esc, gs, fs, dle:
			t, size = parseCommand(b[i:])
			if size == 0 {
				return out
			}
		default:
			t = token{op: opText, n: int(c)}
		}
		out = append(out, t)
		i += size
	}
	return out
}

// parseCommand parses the command at the start of b (which begins with ESC,
// GS, FS or DLE) and returns it with its length, or length 0 when b ends
// inside it.
func parseCommand(b []byte) (token, int) {
	if len(b) < 2 {
		return token{}, 0
	}
	other := token{op: opOther}
	arg := func(i int) (int, bool) {
		if i < len(b) {
			return int(b[i]), true
		}
		return 0, false
	}
	// withArg returns a token of kind o with the byte after the command.
	withArg := func(o op) (token, int) {
		n, ok := arg(2)
		if !ok {
			return token{}, 0
		}
		return token{op: o, n: n}, 3
	}
	skip := func(n int) (token, int) {
		if n > len(b) {
			return token{}, 0
		}
		return other, n
	}
	switch b[0] {
	case esc:
		switch b[1] {
		case '@':
			return token{op: opInit}, 2
		case 't':
			return withArg(opTable)
		case 'a':
			return withArg(opAlign)
		case 'E', 'G':
			return withArg(opBold)
		case '!':
			return withArg(opPrintMode)
		case 'd':
			return withArg(opFeed)
		case 'J':
			return withArg(opFeedDots)
		case '2', '<', 'S', 'L', 0x0c:
			return other, 2
		case 'p':
			return skip(5)
		case '$', '\\':
			return skip(4)
		case 'c':
			return skip(4)
		case '*': // ESC * m nL nH, then n columns of 1 or 3 bytes
			if len(b) < 5 {
				return token{}, 0
			}
			n := int(b[3]) | int(b[4])<<8
			if b[2] == 32 || b[2] == 33 {
				n *= 3
			}
			return skip(5 + n)
		default: // ESC - 3 M R U V e r { SP T and the like take one byte
			return skip(3)
		}
	case gs:
		switch b[1] {
		case '!':
			return withArg(opSize)
		case 'V':
			m, ok := arg(2)
			if !ok {
				return token{}, 0
			}
			if m == 0 || m == 1 || m == '0' || m == '1' {
				return token{op: opCut}, 3
			}
			n, ok := arg(3)
			if !ok {
				return token{}, 0
			}
			return token{op: opCut, n: n}, 4
		case '(':
			if len(b) < 5 {
				return token{}, 0
			}
			n := int(b[3]) | int(b[4])<<8
			if 5+n > len(b) {
				return token{}, 0
			}
			data := b[5 : 5+n]
			if b[2] == 'k' && n >= 2 && data[0] == 49 {
				return token{op: opQR, n: int(data[1]), data: data[2:]}, 5 + n
			}
			return other, 5 + n
		case 'v':
			if len(b) < 8 {
				return token{}, 0
			}
			xb := int(b[4]) | int(b[5])<<8
			h := int(b[6]) | int(b[7])<<8
			if 8+xb*h > len(b) {
				return token{}, 0
			}
			img := &raster{width: xb * 8, height: h, data: b[8 : 8+xb*h]}
			return token{op: opRaster, img: img}, 8 + xb*h
		case 'L', 'W', 'P', '$', '\\':
			return skip(4)
		case '8': // GS 8 L p1 p2 p3 p4 and that many bytes
			if len(b) < 7 {
				return token{}, 0
			}
			n := int(b[3]) | int(b[4])<<8 | int(b[5])<<16 | int(b[6])<<24
			if n < 0 || n > len(b) {
				return token{}, 0
			}
			return skip(7 + n)
		case 'k':
			m, ok := arg(2)
			if !ok {
				return token{}, 0
			}
			if m <= 6 { // NUL-terminated data
				for i := 3; i < len(b); i++ {
					if b[i] == 0 {
						return other, i + 1
					}
				}
				return token{}, 0
			}
			n, ok := arg(3)
			if !ok {
				return token{}, 0
			}
			return skip(4 + n)
		default: // GS B H I a b f h r w and the like take one byte
			return skip(3)
		}
	case fs:
		switch b[1] {
		case '.', '&':
			return other, 2
		case 'p', 'S':
			return skip(4)
		default:
			return skip(3)
		}
	default: // DLE
		switch b[1] {
		case 0x14: // DLE DC4 fn a b
			return skip(5)
		default: // DLE EOT n, DLE ENQ n
			return skip(3)
		}
	}
}

// Decode returns the text in ESC/POS bytes, for tests and previews: commands
// are skipped, LF and ESC d n become newlines, and text bytes are decoded
// through the code table (the given one, then whatever ESC t selects, both
// as Epson numbers them; PC852 when the table is not supported). It never
// fails: a command cut short ends the text.
func Decode(b []byte, table int) string {
	t, err := lookupTable(table)
	if err != nil {
		t = charsets[CharsetPC852]
	}
	return decode(b, t, func(n int) (codeTable, bool) { return charsets[EpsonCharset(n)], EpsonCharset(n) != "" })
}

// DecodeProfile is Decode for the printer of profile p: ESC t with p's code
// table number selects p's character set (also where a clone numbers it
// differently from Epson), any other number Epson's table.
func DecodeProfile(b []byte, p Profile) string {
	t, ok := p.table()
	if !ok {
		t = charsets[CharsetPC852]
	}
	return decode(b, t, p.tableFor)
}

func decode(b []byte, t codeTable, table func(n int) (codeTable, bool)) string {
	var s strings.Builder
	for _, tok := range parse(b) {
		switch tok.op {
		case opText:
			s.WriteRune(t.cm.DecodeByte(byte(tok.n)))
		case opLF:
			s.WriteByte('\n')
		case opFeed:
			s.WriteString(strings.Repeat("\n", tok.n))
		case opTable:
			if nt, ok := table(tok.n); ok {
				t = nt
			}
		}
	}
	return s.String()
}
