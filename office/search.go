package office

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Bounds of a resident's search: longer queries are cut at MaxQueryRunes
// characters, and words past MaxQueryWords are dropped.
const (
	MaxQueryRunes = 200
	MaxQueryWords = 8
)

// Matching of word forms: words shorter than minStem letters match only
// themselves; longer ones match a word they are the beginning of ("rejestr"
// finds "rejestracja"), or one sharing at least minStem first letters where
// the rest of each is no longer than an inflectional ending ("dowodu
// osobistego" finds "dowód osobisty", "licence" finds "license").
const (
	minStem        = 4
	maxQueryEnding = 3
	maxWordEnding  = 5
)

// Query is a resident's search, parsed by ParseQuery: its folded words,
// without the little words (prepositions, articles) of the three languages
// unless nothing else was typed.
type Query struct {
	Words []string
}

// Empty reports whether the query has no words: everything matches.
func (q Query) Empty() bool { return len(q.Words) == 0 }

// stopWords are the little words a query ignores, folded: Polish, English,
// Ukrainian.
var stopWords = map[string]bool{
	"w": true, "we": true, "z": true, "ze": true, "na": true, "do": true, "i": true, "o": true,
	"od": true, "po": true, "dla": true, "sie": true, "lub": true, "albo": true, "oraz": true,
	"a": true, "an": true, "the": true, "of": true, "for": true, "to": true, "in": true,
	"on": true, "and": true, "or": true, "my": true, "with": true,
	"і": true, "и": true, "в": true, "у": true, "з": true, "до": true, "для": true, "та": true,
	"або": true, "на": true, "про": true,
}

// ParseQuery reads what a resident typed into a Query: cut to MaxQueryRunes
// characters, folded (Fold), split into words at anything that is not a
// letter or digit, little words dropped, at most MaxQueryWords words. It
// never fails: invalid UTF-8 is dropped.
func ParseQuery(s string) Query {
	if utf8.RuneCountInString(s) > MaxQueryRunes {
		s = string([]rune(s)[:MaxQueryRunes])
	}
	all := Words(s)
	kept := make([]string, 0, len(all))
	for _, w := range all {
		if !stopWords[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		kept = all
	}
	if len(kept) > MaxQueryWords {
		kept = kept[:MaxQueryWords]
	}
	return Query{Words: kept}
}

// Fold lowers s and strips its diacritics (the combining marks of its
// canonical decomposition), so that "Dowód", "DOWOD" and "dowod" compare
// equal and "ї" is "і"; ł and the Ukrainian ґ, which do not decompose,
// become l and г (as many type them). Invalid UTF-8 is dropped. Safe for
// concurrent use.
func Fold(s string) string {
	s = norm.NFD.String(strings.ToLower(strings.ToValidUTF8(s, "")))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case unicode.Is(unicode.Mn, r):
		case r == 'ł':
			b.WriteByte('l')
		case r == 'ґ':
			b.WriteRune('г')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Words returns the folded words of s: its runs of letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// WordMatches reports whether the folded query word q finds the folded word
// w, by the rules of minStem, maxQueryEnding and maxWordEnding.
func WordMatches(q, w string) bool {
	if q == w {
		return true
	}
	nq := utf8.RuneCountInString(q)
	if nq < minStem {
		return false
	}
	p := 0 // runes in common at the start
	qi, wi := 0, 0
	for qi < len(q) && wi < len(w) {
		rq, sq := utf8.DecodeRuneInString(q[qi:])
		rw, sw := utf8.DecodeRuneInString(w[wi:])
		if rq != rw {
			break
		}
		p++
		qi += sq
		wi += sw
	}
	if p == nq {
		return true
	}
	return p >= minStem && nq-p <= maxQueryEnding && utf8.RuneCountInString(w[wi:]) <= maxWordEnding
}

// matchesAll reports whether every word of q finds some word of words.
func (q Query) matchesAll(words []string) bool {
	for _, qw := range q.Words {
		found := false
		for _, w := range words {
			if WordMatches(qw, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Search keeps the matters of deps that q finds, in their order, and
// returns the departments with any left and how many matters were kept.
// A matter is found when every word of q finds a word of its names in every
// language, its keywords or its department's names; only when no matter is
// found that way are the descriptions searched too. An empty query keeps
// everything.
func Search(deps []Department, q Query) ([]Department, int) {
	if q.Empty() {
		n := 0
		for _, d := range deps {
			n += len(d.Services)
		}
		return deps, n
	}
	if out, n := search(deps, q, false); n > 0 {
		return out, n
	}
	return search(deps, q, true)
}

func search(deps []Department, q Query, descriptions bool) ([]Department, int) {
	var out []Department
	n := 0
	for _, d := range deps {
		depWords := Words(d.Name + " " + d.NameEN + " " + d.NameUK)
		var kept []Service
		for _, sv := range d.Services {
			words := append(depWords[:len(depWords):len(depWords)], sv.searchWords(descriptions)...)
			if q.matchesAll(words) {
				kept = append(kept, sv)
			}
		}
		if len(kept) > 0 {
			d.Services = kept
			out = append(out, d)
			n += len(kept)
		}
	}
	return out, n
}

// searchWords returns the folded words a search looks for in the matter:
// its names and keywords, and its descriptions when descriptions is true.
func (s *ServiceSpec) searchWords(descriptions bool) []string {
	text := s.Name + " " + s.NameEN + " " + s.NameUK + " " + s.Keywords
	if descriptions {
		text += " " + s.Description + " " + s.DescriptionEN + " " + s.DescriptionUK
	}
	return Words(text)
}
