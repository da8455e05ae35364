package escpos

import "strings"

// Wrap transliterates text to the characters every supported code table
// prints (so one rune is one printed column) and breaks it into lines of at
// most columns runes: at spaces, splitting a word longer than a line, and at
// every '\n'. No word is lost; runs of spaces collapse to one; blank text
// gives no lines.
func Wrap(text string, columns int) []string {
	return wrapWith(text, columns, portable)
}

// WrapScaled is Wrap for text printed widthMultiplier times as wide (GS !),
// which fits columns/widthMultiplier characters on a line.
func WrapScaled(text string, columns, widthMultiplier int) []string {
	return wrapWith(text, columns/max(widthMultiplier, 1), portable)
}

// wrapWith wraps text transliterated to the character set ok.
func wrapWith(text string, width int, ok charset) []string {
	width = max(width, 1)
	text = transliterate(text, ok)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		var line []rune
		flush := func() {
			lines = append(lines, string(line))
			line = line[:0]
		}
		words := strings.FieldsFunc(para, func(r rune) bool { return r == ' ' })
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		for _, w := range words {
			word := []rune(w)
			if len(line) > 0 && len(line)+1+len(word) <= width {
				line = append(append(line, ' '), word...)
				continue
			}
			if len(line) > 0 {
				flush()
			}
			for len(word) > width {
				line = append(line, word[:width]...)
				flush()
				word = word[width:]
			}
			line = append(line, word...)
		}
		if len(line) > 0 {
			flush()
		}
	}
	return lines
}
