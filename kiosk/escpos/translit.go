package escpos

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// charset reports whether a rune can be printed as it is.
type charset func(r rune) bool

// portable is the set of characters both supported code tables print. Wrap
// transliterates to it, so its lines print the same on every profile.
func portable(r rune) bool {
	return charsets[CharsetPC852].printable(r) && charsets[CharsetWPC1250].printable(r)
}

// asciiOnly is the set the preview font draws.
func asciiOnly(r rune) bool { return r >= 0x20 && r < 0x7f }

// Transliterate returns s with every character the code table lacks replaced
// by its nearest printable spelling: typographic quotes and dashes by ASCII
// ones, € by EUR, Cyrillic by its Latin transliteration (the Ukrainian
// national system), other accented letters by their base letter. Newlines
// stay, tabs become spaces, other control characters and symbols with no
// spelling are dropped; the result never gains a '?'. It returns EINVALID
// naming code_table for an unsupported table.
func Transliterate(s string, table int) (string, error) {
	t, err := lookupTable(table)
	if err != nil {
		return "", err
	}
	return transliterate(s, t.printable), nil
}

// ASCII is Transliterate to printable ASCII: "Wniosek o dowód" becomes
// "Wniosek o dowod", for places that take nothing else.
func ASCII(s string) string { return transliterate(s, asciiOnly) }

// transliterate is Transliterate for any character set.
func transliterate(s string, ok charset) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	rs := []rune(norm.NFC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch {
		case r == '\n':
			b.WriteRune('\n')
		case r == '\t':
			b.WriteRune(' ')
		case r == '\r':
		case isApostrophe(r) && isCyrillic(prevLetter(rs, i)) && i+1 < len(rs) && isCyrillic(rs[i+1]):
			// The Ukrainian system drops the apostrophe: Знам'янка → Znamianka.
		case ok(r):
			b.WriteRune(r)
		case isCyrillic(r):
			b.WriteString(cyrillicLatin(rs, i))
		default:
			b.WriteString(fallback(r, ok))
		}
	}
	return b.String()
}

// fallback spells one rune the character set lacks, or returns "".
func fallback(r rune, ok charset) string {
	if s, found := specials[r]; found {
		return s
	}
	if unicode.IsSpace(r) {
		return " "
	}
	if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
		return ""
	}
	d := norm.NFKD.String(string(r))
	if d == string(r) {
		return ""
	}
	var b strings.Builder
	for _, c := range d {
		switch {
		case unicode.Is(unicode.Mn, c), c == '?':
			// A '?' on a ticket always means "unprintable"; never make one.
		case ok(c):
			b.WriteRune(c)
		default:
			if s, found := specials[c]; found {
				b.WriteString(s)
			} else if unicode.IsSpace(c) {
				b.WriteRune(' ')
			}
		}
	}
	return b.String()
}

// specials spells characters whose decomposition does not help. Every value is
// printable ASCII.
var specials = map[rune]string{
	// Quotes.
	'„': `"`, '“': `"`, '”': `"`, '‟': `"`, '″': `"`, '〝': `"`, '〞': `"`, '«': `"`, '»': `"`,
	'‚': "'", '‘': "'", '’': "'", '‛': "'", '′': "'", 'ʼ': "'", 'ʹ': "'", '‹': "'", '›': "'", '´': "'",
	// Dashes and hyphens.
	'–': "-", '—': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-", '⁃': "-", '﹘': "-", '﹣': "-", '－': "-",
	// Dots and bullets.
	'…': "...", '·': "-", '∙': "-", '⋅': "-", '‧': "-", '•': "*", '◦': "*", '▪': "*", '●': "*",
	// Currency and signs.
	'€': "EUR", '£': "GBP", '₴': "UAH", '¢': "c", '¤': "", '№': "No",
	'×': "x", '÷': ":", '±': "+/-", '©': "(c)", '®': "(R)", '™': "TM", '°': "o",
	'⁄': "/", '∕': "/", '≤': "<=", '≥': ">=", '≠': "!=", '≈': "~",
	'→': "->", '←': "<-", '⇒': "=>", '↔': "<->", '§': "S.", '¶': "P.",
	// Letters without a decomposition.
	'ß': "ss", 'ẞ': "SS", 'Æ': "AE", 'æ': "ae", 'Œ': "OE", 'œ': "oe", 'Ø': "O", 'ø': "o",
	'Đ': "D", 'đ': "d", 'Ð': "D", 'ð': "d", 'Ħ': "H", 'ħ': "h", 'ı': "i", 'ĸ': "k",
	'Ŀ': "L", 'ŀ': "l", 'Ł': "L", 'ł': "l", 'Ŋ': "N", 'ŋ': "n", 'Þ': "Th", 'þ': "th",
	'Ə': "E", 'ə': "e", 'Ɨ': "I", 'ɨ': "i", 'Ƶ': "Z", 'ƶ': "z",
	// Marks standing alone.
	'˝': `"`, '˛': "", 'ˇ': "", '˘': "", '¨': "", '˙': "", '¸': "",
}

// cyrillic spells lower-case Cyrillic letters in Latin letters (Ukrainian
// national transliteration, 2010; Russian, Belarusian and South Slavic
// letters by the nearest Ukrainian-style spelling). initial is the spelling at
// the start of a word, when it differs.
var cyrillic = map[rune]struct{ plain, initial string }{
	'а': {"a", ""}, 'б': {"b", ""}, 'в': {"v", ""}, 'г': {"h", ""}, 'ґ': {"g", ""},
	'д': {"d", ""}, 'е': {"e", ""}, 'є': {"ie", "ye"}, 'ж': {"zh", ""}, 'з': {"z", ""},
	'и': {"y", ""}, 'і': {"i", ""}, 'ї': {"i", "yi"}, 'й': {"i", "y"}, 'к': {"k", ""},
	'л': {"l", ""}, 'м': {"m", ""}, 'н': {"n", ""}, 'о': {"o", ""}, 'п': {"p", ""},
	'р': {"r", ""}, 'с': {"s", ""}, 'т': {"t", ""}, 'у': {"u", ""}, 'ф': {"f", ""},
	'х': {"kh", ""}, 'ц': {"ts", ""}, 'ч': {"ch", ""}, 'ш': {"sh", ""}, 'щ': {"shch", ""},
	'ь': {"", ""}, 'ю': {"iu", "yu"}, 'я': {"ia", "ya"},
	// Russian.
	'ё': {"io", "yo"}, 'ъ': {"", ""}, 'ы': {"y", ""}, 'э': {"e", ""},
	// Belarusian and South Slavic.
	'ў': {"u", ""}, 'ј': {"j", ""}, 'љ': {"lj", ""}, 'њ': {"nj", ""}, 'ћ': {"c", ""},
	'ђ': {"dj", ""}, 'џ': {"dz", ""}, 'ѕ': {"dz", ""}, 'ѓ': {"gj", ""}, 'ќ': {"kj", ""},
}

// isCyrillic reports whether r is a Cyrillic letter.
func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r) }

// isApostrophe reports whether r is one of the apostrophes used in Ukrainian.
func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' || r == '`' }

// prevLetter returns the rune before rs[i], skipping apostrophes, or 0.
func prevLetter(rs []rune, i int) rune {
	for j := i - 1; j >= 0; j-- {
		if !isApostrophe(rs[j]) {
			return rs[j]
		}
	}
	return 0
}

// cyrillicLatin spells the Cyrillic letter rs[i], which may depend on its
// neighbours: word-initial forms (Юрій → Yurii), зг → zgh, and the case of
// multi-letter spellings (Щука → Shchuka, ЩУКА → SHCHUKA).
func cyrillicLatin(rs []rune, i int) string {
	r := rs[i]
	lower := unicode.ToLower(r)
	m, found := cyrillic[lower]
	if !found {
		// Letters with marks (ѐ, ӣ) spell like their base letter.
		if d := []rune(norm.NFD.String(string(lower))); len(d) > 0 {
			m, found = cyrillic[d[0]]
		}
	}
	if !found {
		return ""
	}
	s := m.plain
	if m.initial != "" && !unicode.IsLetter(prevLetter(rs, i)) {
		s = m.initial
	}
	if lower == 'г' && i > 0 && unicode.ToLower(rs[i-1]) == 'з' {
		s = "gh"
	}
	if !unicode.IsUpper(r) || s == "" {
		return s
	}
	allCaps := false
	if i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
		allCaps = unicode.IsUpper(rs[i+1])
	} else if p := prevLetter(rs, i); unicode.IsLetter(p) {
		allCaps = unicode.IsUpper(p)
	}
	if allCaps {
		return strings.ToUpper(s)
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
