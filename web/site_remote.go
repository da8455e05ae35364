package web

import (
	"maps"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// The remote queue on the resident's site: from a matter's page, while its
// department issues tickets and the matter allows it, "Dołącz do kolejki"
// shows the people ahead and the estimated wait, then a form (phone or
// e-mail, consent) that joins the queue and leads to the ticket's live page.

// remoteFieldOrder are the remote queue form's fields in page order.
var remoteFieldOrder = []string{"phone", "email", "consent"}

// remoteData is what the remote queue's page shows.
type remoteData struct {
	Service      *office.Service
	Department   *office.Department
	Offer        *queue.RemoteOffer
	WaitMinutes  int
	OpensAt      string // when a closed department issues tickets again, in words
	Action       string
	Fields       []formField
	Consent      bool
	ConsentError string
	Errors       *formErrors
}

// remotePath is the remote queue's page of matter id.
func remotePath(id int64) string { return matterPath(id) + "/kolejka" }

// remotePage starts the remote queue's page of the matter in the path: 404
// for a matter that takes no remote tickets.
func (s *Server) remotePage(c *fiber.Ctx) (*sitePage, *remoteData, error) {
	id, err := pathServiceID(c)
	if err != nil {
		return nil, nil, err
	}
	svc, dep, err := s.matterOf(c, id)
	if err != nil {
		return nil, nil, err
	}
	if svc.RemoteTicketsPerDay <= 0 {
		return nil, nil, okienko.Errorf(okienko.ENOTFOUND, "no such page")
	}
	p, err := s.page(c, "remote.title")
	if err != nil {
		return nil, nil, err
	}
	p.Title = p.L.T("remote.title", "Name", svc.NameIn(p.L.Lang))
	offer, err := s.Queue.OfferRemote(c.UserContext(), svc)
	if err != nil {
		return nil, nil, err
	}
	d := &remoteData{Service: svc, Department: dep, Offer: offer, Action: remotePath(id),
		WaitMinutes: int((offer.Wait + 59e9) / 6e10)}
	if at := offer.OpensAt; at != nil {
		local := at.In(p.Office.Location())
		d.OpensAt = p.L.LongDate(office.DateOf(local)) + ", " + local.Format("15:04")
	}
	return p, d, nil
}

// remoteFields are the form's fields with what was typed and their errors.
func remoteFields(l *locale, values map[string]string, fe *formErrors) []formField {
	fs := l.Fields(
		formField{ID: "phone", Label: l.T("form.phone"), Hint: l.T("remote.phoneHint"), Value: values["phone"], Type: "tel", Autocomplete: "tel", MaxLength: 20, Optional: true, Error: fe.Error("phone"), Class: "short"},
		formField{ID: "email", Label: l.T("form.email"), Hint: l.T("remote.emailHint"), Value: values["email"], Type: "email", Autocomplete: "email", MaxLength: booking.EmailMaxLen, Optional: true, Error: fe.Error("email")},
	)
	for i := range fs {
		fs[i].Note = l.T("remote.either")
	}
	return fs
}

// remoteForm: GET /sprawy/{id}/kolejka — the people ahead, the estimated
// wait and, while the matter can be joined, the form.
func (s *Server) remoteForm(c *fiber.Ctx) error {
	p, d, err := s.remotePage(c)
	if err != nil {
		return err
	}
	p.CSRF = s.csrfToken(c)
	d.Fields = remoteFields(p.L, nil, nil)
	p.Data = d
	return showSite(c, fiber.StatusOK, "site_remote", p)
}

// remoteSubmit: POST /sprawy/{id}/kolejka {phone, email, consent} — joins
// the queue and sees the resident to the ticket's live page; the form again
// with its errors (a phone or e-mail that already has a remote ticket today
// on its field), or the page saying the places are taken or the department
// closed meanwhile.
func (s *Server) remoteSubmit(c *fiber.Ctx) error {
	p, d, err := s.remotePage(c)
	if err != nil {
		return err
	}
	values := map[string]string{"phone": utils.CopyString(c.FormValue("phone")), "email": utils.CopyString(c.FormValue("email"))}
	consent := c.FormValue("consent") != ""
	var fe *formErrors
	if !consent {
		fe = &formErrors{Fields: map[string]string{"consent": p.L.T("remote.consentError")}, Status: http.StatusUnprocessableEntity}
		fe.Summary = []errorItem{{Href: "#consent", Text: p.L.T("remote.consentLabel") + ": " + fe.Fields["consent"]}}
	} else {
		t, err := s.Queue.IssueRemote(c.UserContext(), queue.RemoteSpec{ServiceID: d.Service.ID, Phone: values["phone"], Email: values["email"], Lang: p.L.Lang})
		if err == nil {
			to := "/t/" + t.PublicID
			if p.L.Lang != "pl" {
				to += "?lang=" + p.L.Lang // the live page in the resident's language
			}
			return c.Redirect(to, fiber.StatusSeeOther)
		}
		ae := okienko.AsError(err)
		switch reason := ae.Fields["reason"]; {
		case reason == "already_queued":
			fe = &formErrors{Fields: map[string]string{}, Status: http.StatusConflict}
			for _, id := range []string{"phone", "email"} {
				if ae.Fields[id] != "" {
					fe.Fields[id] = p.L.T("remote.already")
					fe.Summary = append(fe.Summary, errorItem{Href: "#" + id, Text: p.L.T("form."+id) + ": " + fe.Fields[id]})
				}
			}
		case ae.Code == okienko.ECONFLICT:
			// Full or closed meanwhile: the page says which, without the form.
			if d.Offer, err = s.Queue.OfferRemote(c.UserContext(), d.Service); err != nil {
				return err
			}
			if d.Offer.Open { // a conflict the offer doesn't explain
				d.Offer.Open, d.Offer.Reason = false, queue.RemoteFull
			}
			p.Data = d
			return showSite(c, fiber.StatusConflict, "site_remote", p)
		default:
			bare := &okienko.Error{Code: ae.Code, Message: ae.Message, Fields: maps.Clone(ae.Fields)}
			delete(bare.Fields, "reason")
			labels := map[string]string{"phone": p.L.T("form.phone"), "email": p.L.T("form.email"), "consent": p.L.T("remote.consentLabel")}
			var ok bool
			if fe, ok = fieldErrorsOf(p.L, bare, remoteFieldOrder, labels); !ok {
				return err
			}
		}
	}
	p.Invalid = true
	p.CSRF = s.csrfToken(c)
	d.Fields, d.Consent, d.Errors = remoteFields(p.L, values, fe), consent, fe
	d.ConsentError = fe.Error("consent")
	p.Data = d
	return showSite(c, fe.Status, "site_remote", p)
}
