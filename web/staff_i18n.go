package web

import (
	"encoding/json"
	"html/template"
	"io/fs"

	"github.com/gofiber/fiber/v2"
)

// The staff's pages (/clerk, /admin) keep their Polish texts in their
// scripts' MESSAGES.pl and the other languages of the site in
// static/i18n/PAGE.LANG.json: one JSON object per page and language, a
// message key to a string with {placeholders} or an object of plural forms
// keyed by CLDR category. The server puts the dictionary of the page's
// language into the page, so the script has it before it runs.

// staffPages are the pages with dictionaries in static/i18n.
var staffPages = []string{"clerk", "admin"}

// staffMessages holds, for page and language, the dictionary as JSON ready
// for a <script type="application/json"> block; Polish has none.
var staffMessages = loadStaffMessages(staticFS)

// loadStaffMessages reads every page's dictionaries; a missing or broken
// file is a programming error found at start.
func loadStaffMessages(fsys fs.FS) map[string]template.JS {
	out := map[string]template.JS{}
	for _, page := range staffPages {
		for _, l := range siteLangs[1:] {
			raw, err := fs.ReadFile(fsys, "static/i18n/"+page+"."+l.Code+".json")
			if err != nil {
				panic("web: staff messages: " + err.Error())
			}
			var dict map[string]any
			if err := json.Unmarshal(raw, &dict); err != nil {
				panic("web: staff messages " + page + "." + l.Code + ": " + err.Error())
			}
			// Marshal escapes <, > and &, so the JSON is safe inside <script>.
			compact, err := json.Marshal(dict)
			if err != nil {
				panic(err)
			}
			out[page+"."+l.Code] = template.JS(compact)
		}
	}
	return out
}

// staffPageData is what the clerk's and the administrator's page templates
// are given: the page's language (?lang=, remembered in the lang cookie, else
// the cookie, else Accept-Language, as on the site), the language switch and
// the language's dictionary, and the button of the office's sign-in
// provider, if any (SignInWith: Href and Label, "" for the page's own).
func (s *Server) staffPageData(c *fiber.Ctx, page string, off officeView) map[string]any {
	l := s.siteLocale(c)
	msgs, ok := staffMessages[page+"."+l.Lang]
	if !ok {
		msgs = template.JS("null")
	}
	return map[string]any{
		"Lang": l.Lang, "Langs": langLinks(c, l.Lang), "Messages": msgs,
		"Office": off.Name, "Zone": off.Zone, "Today": off.Today, "Version": s.Version,
		"SignInWith": s.signinButton(page),
	}
}
