package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// homeData is what the home page shows: the departments with their matters,
// only those matching Query when the resident searched.
type homeData struct {
	Query       string
	Searching   bool
	Matches     int
	Departments []office.Department
}

// homePage: GET /?q= — the departments and their matters, only those the
// search words in q find (office.Search: word forms, keywords, every
// language; q is bounded by office.ParseQuery).
func (s *Server) homePage(c *fiber.Ctx) error {
	p, err := s.page(c, "home.title")
	if err != nil {
		return err
	}
	deps, err := s.Offices.Departments(c.UserContext(), true)
	if err != nil {
		return err
	}
	d := homeData{Query: strings.TrimSpace(utils.CopyString(c.Query("q")))}
	if r := []rune(d.Query); len(r) > office.MaxQueryRunes {
		d.Query = string(r[:office.MaxQueryRunes])
	}
	if d.Query == "" {
		d.Departments = deps
	} else {
		d.Searching = true
		d.Departments, d.Matches = office.Search(deps, office.ParseQuery(d.Query))
		p.Title = p.L.T("home.searchTitle", "Query", d.Query)
	}
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_home", p)
}

// textBlock is a paragraph or a bulleted list of a matter's instructions.
type textBlock struct {
	Text  string
	Items []string
}

// textBlocks splits plain text into paragraphs (one per line) and lists
// (consecutive lines starting with "- ", "* " or "• ").
func textBlocks(s string) []textBlock {
	var out []textBlock
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		item, isItem := "", false
		for _, bullet := range []string{"- ", "* ", "• "} {
			if strings.HasPrefix(line, bullet) {
				item, isItem = strings.TrimSpace(line[len(bullet):]), true
				break
			}
		}
		switch {
		case isItem && len(out) > 0 && out[len(out)-1].Items != nil:
			out[len(out)-1].Items = append(out[len(out)-1].Items, item)
		case isItem:
			out = append(out, textBlock{Items: []string{item}})
		default:
			out = append(out, textBlock{Text: line})
		}
	}
	return out
}

// matterData is what a matter's page shows.
type matterData struct {
	Service      *office.Service
	Department   *office.Department
	Description  []textBlock
	Instructions []textBlock
	BookHref     string
	Forms        []formLink
	// Remote is the remote queue's offer while the matter can be joined
	// from the phone now; nil otherwise (the link is not shown).
	Remote     *queue.RemoteOffer
	RemoteHref string
}

// formLink is a form template on a matter's page.
type formLink struct{ Title, URL, Size string }

// matterPage: GET /sprawy/{id} — a matter's description and instructions
// and the way to book it. 404 page for an unknown matter.
func (s *Server) matterPage(c *fiber.Ctx) error {
	id, err := pathServiceID(c)
	if err != nil {
		return err
	}
	svc, dep, err := s.offeredMatter(c, id)
	if err != nil {
		return err
	}
	p, err := s.page(c, "matter.title")
	if err != nil {
		return err
	}
	lang := p.L.Lang
	p.Title = p.L.T("matter.title", "Name", svc.NameIn(lang))
	atts, err := s.Offices.Attachments(c.UserContext(), id)
	if err != nil {
		return err
	}
	forms := make([]formLink, len(atts))
	for i, a := range atts {
		size := office.FormatSize(a.Size)
		if p.L.Lang != "en" {
			size = strings.Replace(size, ".", ",", 1) // 1,4 MB in Polish and Ukrainian
		}
		forms[i] = formLink{Title: a.Title, URL: a.URL, Size: size}
	}
	p.Data = matterData{
		Service: svc, Department: dep,
		Description:  textBlocks(svc.DescriptionIn(lang)),
		Instructions: textBlocks(svc.InstructionsIn(lang)),
		BookHref:     matterPath(id) + "/termin", Forms: forms,
	}
	if svc.RemoteTicketsPerDay > 0 {
		offer, err := s.Queue.OfferRemote(c.UserContext(), svc)
		if err != nil {
			return err
		}
		if offer.Open {
			d := p.Data.(matterData)
			d.Remote, d.RemoteHref = offer, remotePath(id)
			p.Data = d
		}
	}
	return showSite(c, fiber.StatusOK, "site_matter", p)
}

func matterPath(id int64) string { return "/sprawy/" + itoa64(id) }
