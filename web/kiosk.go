package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// kioskMe: GET /api/v1/kiosk/me — the kiosk the token belongs to, its
// printer's state and screen settings, the office's name, zone, today and now, and which
// departments issue walk-in tickets now (and until or from when), for the
// kiosk page's first screen.
func (s *Server) kioskMe(c *fiber.Ctx) error {
	ctx := c.UserContext()
	k, err := s.Kiosks.Get(ctx, okienko.ActorFrom(ctx).KioskID)
	if err != nil {
		return err
	}
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	deps, err := s.Offices.Departments(ctx, false)
	if err != nil {
		return err
	}
	walkIns, err := s.Queue.WalkInsNow(ctx, deps)
	if err != nil {
		return err
	}
	loc, err := office.LoadZone(off.Zone)
	if err != nil {
		loc = time.UTC
	}
	return c.JSON(fiber.Map{
		"kiosk": fiber.Map{"id": k.ID, "name": k.Name, "printer_state": k.PrinterState,
			"idle_seconds": k.IdleSeconds, "input_idle_seconds": k.InputIdleSeconds, "warn_seconds": k.WarnSeconds, "layout": k.Layout},
		"office":      fiber.Map{"name": off.Name, "time_zone": off.Zone, "today": off.Today, "now": s.Clock.Now().In(loc).Format(time.RFC3339)},
		"departments": walkIns,
	})
}

// printTicket renders t in lang (pl, en or uk; "" is pl) for the calling
// kiosk's printer and prints it; a failure to print never fails the
// request: the ticket exists and is shown.
func (s *Server) printTicket(ctx context.Context, t *queue.Ticket, view publicTicket, lang string) printResult {
	kioskID := okienko.ActorFrom(ctx).KioskID
	k, err := s.Kiosks.Get(ctx, kioskID)
	if err != nil {
		s.Log.Error("print: kiosk", "kiosk", kioskID, "err", err)
		return printResult{State: kiosk.Failed, Reason: "unknown_kiosk"}
	}
	if k.Printer.URI == "none" {
		return printResult{State: kiosk.NoPrint}
	}
	et, err := s.escposTicket(ctx, t, view, lang)
	if err == nil {
		var payload []byte
		if payload, err = kiosk.Render(k, et); err == nil {
			var r kiosk.Result
			if r, err = s.Kiosks.PrintTicket(ctx, k.ID, t.ID, et.Lang, payload); err == nil {
				return printResult{State: r.State, Reason: r.Reason}
			}
		}
	}
	s.Log.Error("print: ticket", "ticket", t.ID, "kiosk", k.ID, "err", err)
	return printResult{State: kiosk.Failed, Reason: "render_failed"}
}

// escposTicket is the printed form of a ticket in lang: pl, en or uk ("" is
// pl). The labels and the note are in that language; the office's own
// names (office, department, service) are as the office wrote them in lang,
// in Polish where it wrote none.
func (s *Server) escposTicket(ctx context.Context, t *queue.Ticket, view publicTicket, lang string) (escpos.Ticket, error) {
	off, err := s.Offices.Office(ctx)
	if err != nil {
		return escpos.Ticket{}, err
	}
	dep, err := s.Offices.Department(ctx, t.DepartmentID)
	if err != nil {
		return escpos.Ticket{}, err
	}
	l, ok := siteLocales[lang]
	if !ok {
		lang, l = "pl", siteLocales["pl"]
	}
	var then []string // a visit's further matters
	for _, id := range t.Remaining {
		svc, err := s.Offices.Service(ctx, id)
		if err != nil {
			return escpos.Ticket{}, err
		}
		then = append(then, svc.NameIn(lang))
	}
	return escpos.Ticket{
		Office: off.Name, Department: dep.NameIn(lang), Service: serviceIn(view, lang), Then: then, Number: t.Number,
		Issued: t.IssuedAt, Loc: off.Location(), PeopleAhead: view.PeopleAhead, WaitMinutes: view.EstimatedWaitMinutes,
		StatusURL: view.StatusURL, Note: l.T("printedTicket.note"), Lang: lang,
	}, nil
}

// serviceIn is the ticket's matter's name in lang, the Polish one where the
// office wrote none.
func serviceIn(v publicTicket, lang string) string {
	if n := v.ServiceNames[lang]; n != "" {
		return n
	}
	return v.Service
}

// reprintTicket: POST /api/v1/tickets/{id}/reprint (clerk) — print a
// ticket's last job again, as a duplicate.
func (s *Server) reprintTicket(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	j, err := s.Kiosks.JobOf(c.UserContext(), id)
	if err != nil {
		return err
	}
	r, err := s.reprint(c.UserContext(), j.ID)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// reprint prints print job jobID again, asked by a person: a ticket's job
// as the ticket's duplicate (marked DUPLIKAT, with the people ahead now and
// the reprint's time, the issue time kept) in the language the job was
// printed in and for the kiosk's printer profile as it is now, any other
// (a test page) as it was. Errors as kiosk.Store.Reprint's.
func (s *Server) reprint(ctx context.Context, jobID int64) (kiosk.Result, error) {
	j, err := s.Kiosks.Job(ctx, jobID)
	if err != nil {
		return kiosk.Result{}, err
	}
	var payload []byte
	if j.TicketID != nil {
		k, err := s.Kiosks.Get(ctx, j.KioskID)
		if err != nil {
			return kiosk.Result{}, err
		}
		t, err := s.Queue.Ticket(ctx, *j.TicketID)
		if err != nil {
			return kiosk.Result{}, err
		}
		view, err := s.publicTicket(ctx, t)
		if err != nil {
			return kiosk.Result{}, err
		}
		et, err := s.escposTicket(ctx, t, view, j.Lang)
		if err != nil {
			return kiosk.Result{}, err
		}
		et.Reprinted = s.Clock.Now()
		if payload, err = kiosk.Render(k, et); err != nil {
			return kiosk.Result{}, err
		}
	}
	return s.Kiosks.Reprint(ctx, jobID, payload)
}

// adminKiosks mounts the kiosks and their print jobs on the admin API.
func (s *Server) adminKiosks(g fiber.Router) {
	k := s.Kiosks
	resource[kiosk.Kiosk, kiosk.Spec]{
		list:     k.List,
		get:      k.Get,
		defaults: kiosk.DefaultSpec,
		create: func(ctx context.Context, spec kiosk.Spec) (*kiosk.Kiosk, error) {
			off, err := s.Offices.Office(ctx)
			if err != nil {
				return nil, err
			}
			return k.Create(ctx, off.ID, spec)
		},
		update: k.Update,
		remove: k.Delete,
	}.mount(g, "/kiosks")
	g.Get("/kiosks/:id/jobs", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if _, err := k.Get(c.UserContext(), id); err != nil {
			return err
		}
		jobs, err := k.Jobs(c.UserContext(), id, 100)
		if err != nil {
			return err
		}
		return c.JSON(jobs)
	})
	g.Post("/kiosks/:id/test-print", noBody, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		site := s.BaseURL
		if site == "" {
			site = c.BaseURL()
		}
		r, err := k.TestPrint(c.UserContext(), id, site)
		if err != nil {
			return err
		}
		return c.JSON(r)
	})
	g.Post("/print-jobs/:id/reprint", noBody, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		r, err := s.reprint(c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(r)
	})
	g.Get("/print-jobs/:id/preview.png", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		png, err := k.Preview(c.UserContext(), id)
		if err != nil {
			return err
		}
		return sendPNG(c, png)
	})
	g.Get("/tickets/:id/preview.png", s.ticketPreview)
	g.Get("/printer-presets", func(c *fiber.Ctx) error { return c.JSON(kiosk.Presets()) })
}

func sendPNG(c *fiber.Ctx, png []byte) error {
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age="+strconv.Itoa(3600))
	return c.Send(png)
}

// ticketPreview: GET /api/v1/admin/tickets/{id}/preview.png?kiosk=ID&lang=
// — the ticket as the kiosk's printer (default: the first kiosk's, else an
// 80 mm printer) would print it in lang (pl, en, uk; default pl), also where
// no printer is attached.
func (s *Server) ticketPreview(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	lang := c.Query("lang")
	if err := checkTicketLang(lang); err != nil {
		return err
	}
	t, err := s.Queue.Ticket(ctx, id)
	if err != nil {
		return err
	}
	var k *kiosk.Kiosk
	if q := c.Query("kiosk"); q != "" {
		kid, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return okienko.Invalid("kiosk", "must be a kiosk id")
		}
		if k, err = s.Kiosks.Get(ctx, kid); err != nil {
			return err
		}
	} else if ks, err := s.Kiosks.List(ctx); err == nil && len(ks) > 0 {
		k = &ks[0]
	} else {
		d := kiosk.DefaultSpec()
		k = &kiosk.Kiosk{Printer: d.Printer}
	}
	view, err := s.publicTicket(ctx, t)
	if err != nil {
		return err
	}
	et, err := s.escposTicket(ctx, t, view, lang)
	if err != nil {
		return err
	}
	payload, err := kiosk.Render(k, et)
	if err != nil {
		return err
	}
	png, err := kiosk.PreviewPNG(k, payload)
	if err != nil {
		return err
	}
	return sendPNG(c, png)
}
