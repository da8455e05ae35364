package web

import (
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/office"
)

// Several matters in one visit on the resident's site: the booking form of
// a matter offers the other matters of its department ("more"); chosen,
// the form shows the times they follow each other at from the chosen
// start, and booking it books them all under one code
// (booking.Request.ServiceIDs).

// visitLine is one matter of a visit with its time, for the pages.
type visitLine struct {
	Name, NameLang string
	Time           string // "09:00–09:10"
}

// matterChoice is a matter the booking form offers to add to the visit.
type matterChoice struct {
	ID             int64
	Name, NameLang string
	Checked        bool
}

// visitLines are b's matters with their times in loc and lang; nil for a
// booking of one matter.
func (s *Server) visitLines(c *fiber.Ctx, items []booking.Item, loc *time.Location, lang string) ([]visitLine, error) {
	if len(items) < 2 {
		return nil, nil
	}
	out := make([]visitLine, len(items))
	for i, it := range items {
		svc, err := s.Offices.Service(c.UserContext(), it.ServiceID)
		if err != nil {
			return nil, err
		}
		out[i] = visitLine{Name: svc.NameIn(lang), NameLang: svc.NameLang(lang), Time: booking.ItemTime(it, loc)}
	}
	return out, nil
}

// combinableMatters are the matters that a visit beginning with svc may
// add: the others of its department that ask neither for e-mail
// confirmation nor for proof of work; none when svc asks for either.
func (s *Server) combinableMatters(c *fiber.Ctx, svc *office.Service) ([]office.Service, error) {
	if svc.ConfirmMinutes > 0 || svc.ProofOfWork {
		return nil, nil
	}
	all, err := s.Offices.Services(c.UserContext(), svc.DepartmentID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(o office.Service) bool {
		return o.ID == svc.ID || o.ConfirmMinutes > 0 || o.ProofOfWork
	}), nil
}

// moreMatters reads the matters a form chose to add (its "more" values):
// those of offered, in the order offered, at most booking.MaxMatters-1;
// anything else is ignored.
func moreMatters(values [][]byte, offered []office.Service) []int64 {
	chosen := map[int64]bool{}
	for _, v := range values[:min(len(values), 2*booking.MaxMatters)] {
		if id, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			chosen[id] = true
		}
	}
	var out []int64
	for _, o := range offered {
		if chosen[o.ID] && len(out) < booking.MaxMatters-1 {
			out = append(out, o.ID)
		}
	}
	return out
}

// withVisit adds to the booking form d of svc at start the matters it may
// add (with more checked) and, when more is not empty, the visit's matters
// one after another with their times. It answers the form's errors when
// the visit can't be booked as chosen (nil when it can, or for one matter).
func (s *Server) withVisit(c *fiber.Ctx, p *sitePage, d *bookingFormData, svc *office.Service, start time.Time, offered []office.Service, more []int64) (*formErrors, error) {
	lang := p.L.Lang
	for _, o := range offered {
		d.Others = append(d.Others, matterChoice{ID: o.ID, Name: o.NameIn(lang), NameLang: o.NameLang(lang), Checked: slices.Contains(more, o.ID)})
	}
	d.Path, d.More = matterPath(svc.ID)+"/rezerwacja", more
	if len(more) == 0 {
		return nil, nil
	}
	items, err := s.Bookings.PlanVisit(c.UserContext(), append([]int64{svc.ID}, more...), start)
	if err != nil {
		fe, ok := fieldErrorsOf(p.L, err, bookingFieldOrder, nil)
		if !ok {
			return nil, err
		}
		return fe, nil
	}
	loc := p.Office.Location()
	if d.Visit, err = s.visitLines(c, items, loc, lang); err != nil {
		return nil, err
	}
	d.End = items[len(items)-1].EndsAt.In(loc).Format("15:04")
	return nil, nil
}
