package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The staff's pages keep their Polish texts in MESSAGES.pl of their script
// and English and Ukrainian in static/i18n/PAGE.LANG.json. Every Polish key
// has a translation in both, with the same {placeholders}; a plural message
// is plural in every language, with the CLDR categories the language needs;
// a translation names no key Polish lacks.
func TestStaffDictionariesComplete(t *testing.T) {
	// CLDR cardinal categories of integers, which the pages count.
	needs := map[string][]string{
		"pl": {"one", "few", "many", "other"},
		"en": {"one", "other"},
		"uk": {"one", "few", "many", "other"},
	}
	for _, page := range []string{"clerk", "admin"} {
		src, err := os.ReadFile("static/" + page + ".js")
		if err != nil {
			t.Fatal(err)
		}
		pl, dups, err := polishMessages(string(src))
		if err != nil {
			t.Fatalf("%s.js: MESSAGES.pl: %v", page, err)
		}
		// A key given twice means two texts share it: the page shows the
		// last one everywhere. Not failed here (admin.js has lang.en and
		// lang.uk twice), but said.
		for _, k := range dups {
			t.Logf("%s.js: MESSAGES.pl has %q twice; the last one counts", page, k)
		}
		if len(pl) < 50 {
			t.Fatalf("%s.js: MESSAGES.pl has only %d keys: is the parser lost?", page, len(pl))
		}
		for key, v := range pl {
			if forms, ok := v.(map[string]any); ok {
				for _, c := range needs["pl"] {
					if _, ok := forms[c]; !ok {
						t.Errorf("%s pl %q: no plural form %q", page, key, c)
					}
				}
			}
		}
		for _, lang := range []string{"en", "uk"} {
			name := "static/i18n/" + page + "." + lang + ".json"
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var dict map[string]any
			if err := json.Unmarshal(raw, &dict); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var missing []string
			for key, want := range pl {
				got, ok := dict[key]
				if !ok {
					missing = append(missing, key)
					continue
				}
				checkTranslation(t, name, key, want, got, needs[lang])
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				t.Errorf("%s lacks %d keys of MESSAGES.pl in %s.js:\n%s", name, len(missing), page, strings.Join(missing, "\n"))
			}
			for key := range dict {
				if _, ok := pl[key]; !ok {
					t.Errorf("%s: %q is not a key of MESSAGES.pl", name, key)
				}
			}
		}
	}
}

// The printers' words (printers.js), which both staff pages show, are
// complete in every language too.
func TestPrinterWordsComplete(t *testing.T) {
	src, err := os.ReadFile("static/printers.js")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "const TEXTS = ")
	if i < 0 {
		t.Fatal("printers.js: no const TEXTS")
	}
	p := &jsLiteral{src: string(src), pos: i + len("const TEXTS = ")}
	texts, err := p.object()
	if err != nil {
		t.Fatalf("printers.js: TEXTS: %v", err)
	}
	pl, _ := texts["pl"].(map[string]any)
	if len(pl) < 10 {
		t.Fatalf("printers.js: TEXTS.pl has %d keys", len(pl))
	}
	needs := map[string][]string{"en": {"one", "other"}, "uk": {"one", "few", "many", "other"}}
	for _, lang := range []string{"en", "uk"} {
		dict, _ := texts[lang].(map[string]any)
		for key, want := range pl {
			if got, ok := dict[key]; !ok {
				t.Errorf("printers.js TEXTS.%s lacks %q", lang, key)
			} else {
				checkTranslation(t, "printers.js TEXTS."+lang, key, want, got, needs[lang])
			}
		}
	}
	if len(p.dups) > 0 {
		t.Errorf("printers.js TEXTS: keys given twice: %v", p.dups)
	}
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// placeholders are the {names} a message uses, in all its plural forms.
func placeholders(v any) string {
	set := map[string]bool{}
	var add func(v any)
	add = func(v any) {
		switch v := v.(type) {
		case string:
			for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
				set[m[1]] = true
			}
		case map[string]any:
			for _, f := range v {
				add(f)
			}
		}
	}
	add(v)
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func checkTranslation(t *testing.T, file, key string, pl, got any, categories []string) {
	t.Helper()
	switch g := got.(type) {
	case string:
		if _, plural := pl.(map[string]any); plural {
			t.Errorf("%s %q: a string, but Polish has plural forms", file, key)
			return
		}
		if strings.TrimSpace(g) == "" && strings.TrimSpace(pl.(string)) != "" {
			t.Errorf("%s %q: empty", file, key)
		}
	case map[string]any:
		if _, plural := pl.(map[string]any); !plural {
			t.Errorf("%s %q: plural forms, but Polish has one text", file, key)
			return
		}
		for _, c := range categories {
			if _, ok := g[c]; !ok {
				t.Errorf("%s %q: no plural form %q", file, key, c)
			}
		}
		for c, f := range g {
			if _, ok := f.(string); !ok {
				t.Errorf("%s %q: form %q is not a string", file, key, c)
			}
		}
	default:
		t.Errorf("%s %q: neither a string nor plural forms: %v", file, key, got)
		return
	}
	if a, b := placeholders(pl), placeholders(got); a != b {
		t.Errorf("%s %q: placeholders {%s}, Polish has {%s}", file, key, b, a)
	}
}

// polishMessages parses the object literal MESSAGES.pl of a page's script:
// string keys to strings or to objects of strings (plural forms).
func polishMessages(src string) (map[string]any, []string, error) {
	i := strings.Index(src, "const MESSAGES = {")
	if i < 0 {
		return nil, nil, fmt.Errorf("no const MESSAGES")
	}
	p := &jsLiteral{src: src, pos: i + len("const MESSAGES = {")}
	if k, err := p.key(); err != nil || k != "pl" {
		return nil, nil, fmt.Errorf("MESSAGES does not start with pl: %q %v", k, err)
	}
	if err := p.expect(':'); err != nil {
		return nil, nil, err
	}
	pl, err := p.object()
	return pl, p.dups, err
}

// jsLiteral reads the subset of JavaScript the dictionaries are written in:
// objects, quoted or bare keys, quoted strings, comments, trailing commas.
type jsLiteral struct {
	src  string
	pos  int
	dups []string // keys given twice in one object
}

func (p *jsLiteral) fail(format string, args ...any) error {
	line := strings.Count(p.src[:p.pos], "\n") + 1
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (p *jsLiteral) skip() {
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		switch {
		case unicode.IsSpace(r):
			p.pos += n
		case strings.HasPrefix(p.src[p.pos:], "//"):
			if e := strings.IndexByte(p.src[p.pos:], '\n'); e >= 0 {
				p.pos += e + 1
			} else {
				p.pos = len(p.src)
			}
		case strings.HasPrefix(p.src[p.pos:], "/*"):
			if e := strings.Index(p.src[p.pos+2:], "*/"); e >= 0 {
				p.pos += e + 4
			} else {
				p.pos = len(p.src)
			}
		default:
			return
		}
	}
}

func (p *jsLiteral) peek() byte {
	p.skip()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *jsLiteral) expect(c byte) error {
	if p.peek() != c {
		return p.fail("want %q", c)
	}
	p.pos++
	return nil
}

func (p *jsLiteral) key() (string, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				p.pos++
				continue
			}
			break
		}
		return p.src[start:p.pos], nil
	default:
		return "", p.fail("want a key, have %q", c)
	}
}

// str reads a quoted string, its escapes decoded.
func (p *jsLiteral) str() (string, error) {
	quote := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\n':
			return "", p.fail("a line break in a string")
		case c == '\\' && p.pos+1 < len(p.src):
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if p.pos+4 > len(p.src) {
					return "", p.fail("a short \\u escape")
				}
				r, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
				if err != nil {
					return "", p.fail("a bad \\u escape")
				}
				b.WriteRune(rune(r))
				p.pos += 4
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.fail("an unterminated string")
}

// object reads the entries of an object after its opening brace.
func (p *jsLiteral) object() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for {
		if p.peek() == '}' {
			p.pos++
			return out, nil
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		var v any
		switch p.peek() {
		case '\'', '"':
			v, err = p.str()
		case '{':
			v, err = p.object()
		default:
			err = p.fail("want a string or an object for %q", k)
		}
		if err != nil {
			return nil, err
		}
		if _, dup := out[k]; dup {
			p.dups = append(p.dups, k)
		}
		out[k] = v // as in JavaScript, the last of twice the same key wins
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, p.fail("want , or } after %q", k)
		}
	}
}
