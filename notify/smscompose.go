package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"

	"github.com/okienko/okienko/notify/outbox"
)

// An SMS of a kind has variants in each language's templates: KIND.sms,
// KIND.sms.2, KIND.sms.3, … from the fullest to the minimal. Only names
// (the matter or the document, then the office) are ever shortened, at a word boundary
// with "…"; everything else in a variant (the code, the link, the date and
// time, the ticket number) goes whole or, in a shorter variant, not at all.
// The last variant holds only what may never be dropped.
//
// composeSMS takes the first variant that fits. A variant that does not fit
// with its names whole has them shortened before the next variant drops
// one — unless the next variant keeps every name it has (it only drops
// wording, a polite phrase say): then that goes first.

// smsNames are the view's names an SMS may shorten or drop, in the order
// they are shortened.
var smsNames = []func(v *view) *string{
	func(v *view) *string { return &v.Service },
	func(v *view) *string { return &v.What },
	func(v *view) *string { return &v.Office },
}

// errNoSMSTemplate fails a kind without SMS templates.
var errNoSMSTemplate = errors.New("no SMS template")

// composeSMS returns kind's SMS in t's language for v, within l: the
// first variant that fits, its names shortened if needed. When even the
// minimal variant does not fit it returns that variant whole and over =
// true; nothing essential is ever cut. Errors: errNoSMSTemplate, or a
// template's failure.
func composeSMS(t *template.Template, kind string, v view, l SMSLimits) (text string, over bool, err error) {
	variants := smsVariants(t, kind)
	if len(variants) == 0 {
		return "", false, errNoSMSTemplate
	}
	for _, field := range smsNames {
		*field(&v) = smsName(*field(&v))
	}
	uses := make([][]bool, len(variants))
	for i, name := range variants {
		if uses[i], err = smsNamesUsed(t, name, v); err != nil {
			return "", false, err
		}
	}
	last := len(variants) - 1
	for i, name := range variants[:last] {
		if usesEmpty(uses[i], v) {
			continue
		}
		text, err := smsExecute(t, name, v)
		if err != nil || l.Fits(text) {
			return text, false, err
		}
		if covers(uses[i+1], uses[i]) {
			continue // the next variant drops wording only: before any name is cut
		}
		if text, ok, err := shortenToFit(t, name, v, uses[i], l); ok || err != nil {
			return text, false, err
		}
	}
	text, err = smsExecute(t, variants[last], v)
	if err != nil {
		return "", false, err
	}
	return text, !l.Fits(text), nil
}

// smsExecute executes template name for v as an SMS: a name shortened with
// "…" swallows the full stop after it.
func smsExecute(t *template.Template, name string, v view) (string, error) {
	text, err := execute(t, name, v)
	return strings.ReplaceAll(text, "….", "…"), err
}

// smsVariants are the names of kind's SMS templates in t, the fullest first.
func smsVariants(t *template.Template, kind string) []string {
	var out []string
	for i := 1; ; i++ {
		name := kind + ".sms"
		if i > 1 {
			name += "." + strconv.Itoa(i)
		}
		if t.Lookup(name) == nil {
			return out
		}
		out = append(out, name)
	}
}

// smsNamesUsed reports, for each of smsNames, whether template name shows
// it. Errors: the template's.
func smsNamesUsed(t *template.Template, name string, v view) ([]bool, error) {
	probe := v
	marks := make([]string, len(smsNames))
	for i, field := range smsNames {
		marks[i] = "\x00name" + strconv.Itoa(i) + "\x00"
		*field(&probe) = marks[i]
	}
	text, err := execute(t, name, probe)
	if err != nil {
		return nil, err
	}
	used := make([]bool, len(smsNames))
	for i, mark := range marks {
		used[i] = strings.Contains(text, mark)
	}
	return used, nil
}

// usesEmpty reports whether a variant using these names shows one that is
// empty in v (it would read "…: wizyta").
func usesEmpty(used []bool, v view) bool {
	for i, field := range smsNames {
		if used[i] && *field(&v) == "" {
			return true
		}
	}
	return false
}

// covers reports whether a uses every name b does.
func covers(a, b []bool) bool {
	for i := range b {
		if b[i] && !a[i] {
			return false
		}
	}
	return true
}

// shortenToFit shortens the names template name uses, one after another
// in the order of smsNames, each to the longest of its shortenings that
// lets the text fit l, or, when none does, to its shortest before the next
// name is shortened. It returns the text and true when one fits. Errors:
// the template's.
func shortenToFit(t *template.Template, name string, v view, used []bool, l SMSLimits) (string, bool, error) {
	for i, field := range smsNames {
		if !used[i] {
			continue
		}
		cuts := shortenings(*field(&v), SMSLimit(l.MaxParts(), false))
		if len(cuts) == 0 {
			continue
		}
		var failed error
		render := func(k int) string {
			w := v
			*field(&w) = cuts[k]
			text, err := smsExecute(t, name, w)
			if err != nil && failed == nil {
				failed = err
			}
			return text
		}
		// cuts are shortest first, and a longer one never fits where a
		// shorter one doesn't: find the first that doesn't fit.
		k := sort.Search(len(cuts), func(k int) bool { return !l.Fits(render(k)) })
		if failed != nil {
			return "", false, failed
		}
		if k > 0 {
			if text := render(k - 1); l.Fits(text) {
				return text, true, nil
			}
		}
		*field(&v) = cuts[0]
	}
	return "", false, nil
}

// shortenings are name's shortenings at word boundaries, shortest first:
// its first word, the first two, …, each ending in "…" (a trailing comma,
// colon, dash and the like dropped); never name whole, one longer than
// max characters, or the same one twice. None for a name of one word.
func shortenings(name string, max int) []string {
	words := strings.Fields(name)
	var out []string
	n := 0
	for k := 1; k < len(words); k++ {
		n += len([]rune(words[k-1])) + 1
		if n > max {
			break
		}
		cut := strings.TrimRight(strings.Join(words[:k], " "), " ,;:-–—/(„\"")
		if cut == "" || len(out) > 0 && out[len(out)-1] == cut+"…" {
			continue
		}
		out = append(out, cut+"…")
	}
	return out
}

// smsName is a name as an SMS shows it: valid UTF-8, on one line, spaces
// collapsed.
func smsName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

// smsText composes m's SMS for v within c.SMS (see composeSMS) and logs a
// warning when even the minimal text needs more parts than allowed: it is
// sent whole. Errors are permanent: no SMS template, a template's failure.
func (c *Messages) smsText(t *template.Template, m *outbox.Message, v view) (string, error) {
	text, over, err := composeSMS(t, m.Kind, v, c.SMS)
	if err != nil {
		return "", Permanent(fmt.Errorf("sms %s: %w", m.Kind, err))
	}
	if over {
		enc, unicode := c.SMS.Encode(text)
		log := c.Log
		if log == nil {
			log = slog.Default()
		}
		log.Warn("the shortest SMS needs more parts than OKIENKO_SMS_PARTS allows; sending it whole",
			"key", m.Key, "kind", m.Kind, "lang", m.Lang, "parts", SMSParts(enc, unicode), "allowed", c.SMS.MaxParts(), "unicode", unicode)
	}
	return text, nil
}
