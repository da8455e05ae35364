package web

import (
	"embed"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The resident's site speaks Polish (the default), English and Ukrainian. Its
// texts are go-i18n messages in locales/{pl,en,uk}.toml, with CLDR plural
// forms (Polish and Ukrainian: one, few, many, other).

//go:embed locales/*.toml
var localeFS embed.FS

// siteLangs are the site's languages, the first the default, each with its
// own name for the language switch.
var siteLangs = []struct {
	Code string
	Tag  language.Tag
	Name string
}{
	{"pl", language.Polish, "Polski"},
	{"en", language.English, "English"},
	{"uk", language.Ukrainian, "Українська"},
}

// langCookie remembers the language chosen with ?lang=.
const langCookie = "lang"

var (
	siteBundle  = loadSiteBundle()
	siteLocales = func() map[string]*locale {
		m := map[string]*locale{}
		for _, l := range siteLangs {
			m[l.Code] = &locale{Lang: l.Code, loc: i18n.NewLocalizer(siteBundle, l.Code)}
		}
		return m
	}()
	langMatcher = func() language.Matcher {
		tags := make([]language.Tag, len(siteLangs))
		for i, l := range siteLangs {
			tags[i] = l.Tag
		}
		return language.NewMatcher(tags)
	}()
)

// loadSiteBundle reads the embedded message files; a broken file is a
// programming error found at start.
func loadSiteBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.Polish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range siteLangs {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+l.Code+".toml"); err != nil {
			panic("web: locale " + l.Code + ": " + err.Error())
		}
	}
	return b
}

// locale is one language of the site with its translations. Templates call
// its methods: {{.L.T "home.title"}}, {{.L.N "calendar.free" .Free}}.
type locale struct {
	Lang string
	loc  *i18n.Localizer
}

// T returns message id in the locale's language, filled with args given as
// name, value pairs ("Name", "Anna"). A message missing in the language falls
// back to Polish, a message missing everywhere to its id.
func (l *locale) T(id string, args ...any) string {
	return l.localize(id, nil, args)
}

// N is T for a message with plural forms, chosen by n, which the message
// reads as {{.Count}}.
func (l *locale) N(id string, n int, args ...any) string {
	return l.localize(id, n, append([]any{"Count", n}, args...))
}

// Has reports whether message id exists in the locale's language.
func (l *locale) Has(id string) bool {
	_, tag, err := l.loc.LocalizeWithTag(&i18n.LocalizeConfig{MessageID: id})
	return err == nil && tag.String() == l.Lang
}

func (l *locale) localize(id string, count any, args []any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			if k, ok := args[i].(string); ok {
				data[k] = args[i+1]
			}
		}
	}
	msg, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if msg == "" && err != nil {
		return id
	}
	return msg
}

// siteLocale chooses the language of a site request: ?lang= (remembered in
// the lang cookie), else the cookie, else the browser's Accept-Language,
// else Polish.
func (s *Server) siteLocale(c *fiber.Ctx) *locale {
	if l, ok := siteLocales[c.Query("lang")]; ok {
		if c.Cookies(langCookie) != l.Lang {
			c.Cookie(&fiber.Cookie{
				Name: langCookie, Value: l.Lang, Path: "/", MaxAge: 365 * 24 * 3600,
				Secure: s.secureCookie, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
			})
		}
		return l
	}
	if l, ok := siteLocales[c.Cookies(langCookie)]; ok {
		return l
	}
	if h := c.Get(fiber.HeaderAcceptLanguage); h != "" {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			if _, i, conf := langMatcher.Match(tags...); conf != language.No {
				return siteLocales[siteLangs[i].Code]
			}
		}
	}
	return siteLocales[siteLangs[0].Code]
}

// langLink is one entry of the language switch.
type langLink struct {
	Code, Name, Href string
	Current          bool
}

// langLinks are the language switch of a page: the same path and query with
// lang set to each language.
func langLinks(c *fiber.Ctx, current string) []langLink {
	out := make([]langLink, 0, len(siteLangs))
	for _, l := range siteLangs {
		args := fiber.AcquireArgs()
		c.Context().QueryArgs().CopyTo(args)
		args.Set("lang", l.Code)
		href := utils.CopyString(c.Path()) + "?" + string(args.QueryString())
		fiber.ReleaseArgs(args)
		out = append(out, langLink{Code: l.Code, Name: l.Name, Href: href, Current: l.Code == current})
	}
	return out
}

// knownError is an English message of the domain (an okienko.Error's
// message or field message) the site says in the resident's language:
// pattern matches the whole message, its named groups fill message id.
type knownError struct {
	pattern *regexp.Regexp
	id      string
}

func knownMessage(pattern, id string) knownError {
	return knownError{regexp.MustCompile(`^` + pattern + `$`), id}
}

// knownErrors are the booking engine's messages a resident can meet on the
// site. A message not listed is shown as it is, in English.
var knownErrors = []knownError{
	// PESEL
	knownMessage(`must be 11 digits`, "err.pesel.digits"),
	knownMessage(`the check digit does not match`, "err.pesel.check"),
	knownMessage(`the birth date encoded in it does not exist`, "err.pesel.birthDate"),
	knownMessage(`the birth date encoded in it lies in the future`, "err.pesel.future"),
	// name
	knownMessage(`is not valid text`, "err.text.invalid"),
	knownMessage(`must not contain control characters such as tabs or line breaks`, "err.name.control"),
	knownMessage(`must not contain an accent mark that is not on a letter`, "err.name.strayMark"),
	knownMessage(`must not have more than (?P<Count>\d+) accent marks on one letter`, "err.name.marks"),
	knownMessage(`must not contain digits`, "err.name.digits"),
	knownMessage(`must not contain (?P<Char>.+): only letters, spaces, hyphens, apostrophes and periods are allowed`, "err.name.char"),
	knownMessage(`must contain letters`, "err.name.letters"),
	knownMessage(`must be at least (?P<Count>\d+) characters`, "err.text.min"),
	knownMessage(`must be at most (?P<Count>\d+) characters`, "err.text.max"),
	// e-mail
	knownMessage(`must not contain spaces`, "err.email.spaces"),
	knownMessage(`must be just the address, like name@example.com, without a name or < >`, "err.email.angle"),
	knownMessage(`must contain exactly one @, like name@example.com`, "err.email.at"),
	knownMessage(`must have a name before the @`, "err.email.local"),
	knownMessage(`the part before the @ must be at most 64 characters`, "err.email.localLong"),
	knownMessage(`is not a valid e-mail address, like name@example.com`, "err.email.invalid"),
	knownMessage(`must have a valid domain after the @, like example.com`, "err.email.domain"),
	knownMessage(`must have a domain after the @, like example.com`, "err.email.noDomain"),
	knownMessage(`must have a dot in the domain after the @, like example.com`, "err.email.dot"),
	// phone
	knownMessage(`must be a Polish mobile number`, "err.phone.mobile"),
	knownMessage(`may contain only digits, spaces, dashes, dots, parentheses and a leading \+`, "err.phone.chars"),
	// consent
	knownMessage(`consent to the processing of personal data is required to book`, "err.consent"),
	// start: the chosen time
	knownMessage(`required: the start time of a free slot, RFC 3339 with offset`, "err.start.required"),
	knownMessage(`this time has already passed`, "err.start.past"),
	knownMessage(`visits can be booked up to (?P<Count>\d+) days ahead: the last bookable day is (?P<Date>[0-9-]+)`, "err.start.tooFar"),
	knownMessage(`this day is not in the calendar`, "err.start.noDay"),
	knownMessage(`the office is closed on (?P<Date>[0-9-]+): (?P<Reason>.+)`, "err.start.closed"),
	knownMessage(`the department does not receive visitors on (?P<Date>[0-9-]+) \(.+\)`, "err.start.noHours"),
	knownMessage(`bookings for a time close (?P<Minutes>\d+) minutes before it starts`, "err.start.lead"),
	knownMessage(`(?P<Time>[0-9:]+) is not a start time of this matter's (?P<Minutes>\d+)-minute slots`, "err.start.grid"),
	knownMessage(`there is no matter with id \d+`, "err.service.unknown"),
	// a visit of several matters
	knownMessage(`list 2 to 4 matters of one department; for one matter give service_id`, "err.visit.count"),
	knownMessage(`give service_id for one matter or service_ids for several, not both`, "err.visit.count"),
	knownMessage(`at most (?P<Max>\d+) matters in one visit`, "err.visit.tooMany"),
	knownMessage(`the same matter as service_ids\[\d+\]; list each matter once`, "err.visit.duplicate"),
	knownMessage(`a matter of another department; one visit is at one department`, "err.visit.department"),
	knownMessage(`this matter asks residents to confirm by e-mail and can't be combined with others in one visit; book it alone`, "err.visit.confirm"),
	knownMessage(`a visit of several matters can't be moved; cancel it and book the matters again`, "err.visit.move"),
	// the remote queue
	knownMessage(`a phone number or an e-mail address is required`, "remote.contactRequired"),
	// dates typed by the resident
	knownMessage(`not a date`, "err.date.invalid"),
	knownMessage(`must lie between 2000-01-01 and 2100-12-31`, "err.date.bounds"),
	// codes
	knownMessage(`must be 8 characters, like ABCD-EFGH`, "err.code.length"),
	knownMessage(`must not contain 0, 1, I or O, which codes never use`, "err.code.lookAlike"),
	knownMessage(`may contain only letters and digits 2–9, with one dash in the middle`, "err.code.chars"),
	// conflicts
	knownMessage(`this time is already fully booked; please choose another`, "err.full"),
	knownMessage(`this PESEL already has a booking for this matter on (?P<Date>[0-9-]+)`, "err.sameDay"),
	knownMessage(`this PESEL already has (?P<Count>\d+) upcoming bookings, the most allowed; cancel one to book another`, "err.tooMany"),
	knownMessage(`this e-mail address already has (?P<Count>\d+) upcoming bookings, the most allowed; cancel one or give another address`, "err.tooManyEmail"),
	knownMessage(`this booking has been checked in and can no longer be cancelled`, "err.cancel.checkedIn"),
	knownMessage(`this booking is already cancelled`, "err.cancel.already"),
	knownMessage(`the visit has already begun; it can no longer be cancelled`, "err.cancel.begun"),
	knownMessage(`this booking has been checked in and can no longer be moved`, "err.move.checkedIn"),
	knownMessage(`this booking is cancelled and can no longer be moved; please book a new visit`, "err.move.cancelled"),
	knownMessage(`only a booked visit can be moved`, "err.move.notBooked"),
	knownMessage(`the visit has already begun; it can no longer be moved`, "err.move.begun"),
	knownMessage(`this is already the time of the visit; choose another`, "err.start.same"),
	knownMessage(`this booking changed meanwhile; please try again`, "err.changed"),
	// not found
	knownMessage(`no booking matches this code and PESEL`, "err.noBooking"),
	knownMessage(`no booking for this PESEL, matter and day`, "err.noBookingOnDay"),
	knownMessage(`no booking with code (?P<Code>.+)`, "err.noCode"),
	// requests
	knownMessage(`(?P<Method>\S+) is not allowed here; this address takes .+`, "err.method"),
}

// Message says a domain message in the locale's language: a known message
// translated, any other as it is.
func (l *locale) Message(msg string) string {
	for _, k := range knownErrors {
		m := k.pattern.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		var args []any
		count, counted := 0, false
		for i, name := range k.pattern.SubexpNames() {
			switch {
			case name == "Count":
				count, counted = atoiOr(m[i], 0), true
			case name != "":
				args = append(args, name, m[i])
			}
		}
		if counted {
			return l.N(k.id, count, args...)
		}
		return l.T(k.id, args...)
	}
	return msg
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// FieldError says the domain's message about field in the locale's
// language; "required" and "is required" name what is missing.
func (l *locale) FieldError(field, msg string) string {
	if msg == "required" || msg == "is required" || strings.HasPrefix(msg, "required:") && field != "start" {
		if id := "err.required." + field; l.Has(id) {
			return l.T(id)
		}
		return l.T("err.requiredField")
	}
	return l.Message(msg)
}
