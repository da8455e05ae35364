package web

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

// resource is one admin object type served as list, create, read, change
// (PATCH: the body is applied onto the current object) and delete (unless
// remove is nil). S is the writable part (the "spec"), T the stored object.
type resource[T, S any] struct {
	list     func(ctx context.Context) ([]T, error)
	get      func(ctx context.Context, id int64) (*T, error)
	defaults func() S
	create   func(ctx context.Context, spec S) (*T, error)
	update   func(ctx context.Context, id int64, patch func(*S) error) (*T, error)
	remove   func(ctx context.Context, id int64) error
}

func (r resource[T, S]) mount(g fiber.Router, path string) {
	g.Get(path, func(c *fiber.Ctx) error {
		items, err := r.list(c.UserContext())
		if err != nil {
			return err
		}
		if items == nil {
			items = []T{}
		}
		return c.JSON(items)
	})
	g.Post(path, func(c *fiber.Ctx) error {
		spec := r.defaults()
		if err := decodeJSON(c, &spec); err != nil {
			return err
		}
		item, err := r.create(c.UserContext(), spec)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(item)
	})
	g.Get(path+"/:id", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		item, err := r.get(c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(item)
	})
	g.Patch(path+"/:id", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		// Read the body before the store's transaction begins, so a bad body
		// costs no transaction.
		var probe map[string]any
		if err := decodeJSON(c, &probe); err != nil {
			return err
		}
		if probe == nil {
			return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the request body must be a JSON object"}
		}
		body := c.Body()
		item, err := r.update(c.UserContext(), id, func(spec *S) error { return decodeJSONBytes(body, spec) })
		if err != nil {
			return err
		}
		return c.JSON(item)
	})
	if r.remove == nil {
		return // deleted by a route of its own
	}
	g.Delete(path+"/:id", func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if err := r.remove(c.UserContext(), id); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	})
}

// pathID reads the :id path parameter: a positive integer, else 404 (an id
// that can't exist names nothing).
func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, okienko.Errorf(okienko.ENOTFOUND, "no object with id %q", c.Params("id"))
	}
	return id, nil
}

func (s *Server) adminRoutes(g fiber.Router) {
	s.adminOps(g) // first: /closures/impact before /closures/:id
	o := s.Offices
	resource[office.Department, office.DepartmentSpec]{
		list:     func(ctx context.Context) ([]office.Department, error) { return o.Departments(ctx, false) },
		get:      o.Department,
		defaults: office.DefaultDepartmentSpec,
		create:   o.CreateDepartment,
		update:   o.UpdateDepartment,
		remove:   o.DeleteDepartment,
	}.mount(g, "/departments")
	resource[office.Service, office.ServiceSpec]{
		list: func(ctx context.Context) ([]office.Service, error) { return o.Services(ctx, 0) },
		get: func(ctx context.Context, id int64) (*office.Service, error) {
			sv, err := o.Service(ctx, id)
			if err == nil && sv.Archived() { // withdrawn from the panel too
				return nil, okienko.Errorf(okienko.ENOTFOUND, "service %d not found", id)
			}
			return sv, err
		},
		defaults: office.DefaultServiceSpec,
		create:   o.CreateService,
		update: func(ctx context.Context, id int64, patch func(*office.ServiceSpec) error) (*office.Service, error) {
			svc, err := o.UpdateService(ctx, id, patch)
			if err == nil {
				// A capacity raised or a slot length changed may free seats
				// of days residents wait for: offered now; the change stands
				// whatever this answers (the waitlist job scans again).
				_, _ = s.Bookings.OfferFreeService(ctx, id)
			}
			return svc, err
		},
	}.mount(g, "/services")
	g.Delete("/services/:id", s.deleteService)
	resource[office.Closure, office.ClosureSpec]{
		list: func(ctx context.Context) ([]office.Closure, error) {
			return o.Closures(ctx, office.Date{}, office.Date{})
		},
		get:      o.Closure,
		defaults: func() office.ClosureSpec { return office.ClosureSpec{} },
		create:   o.CreateClosure,
		update:   o.UpdateClosure,
		remove:   o.DeleteClosure,
	}.mount(g, "/closures")
	resource[office.Counter, office.CounterSpec]{
		list:     o.Counters,
		get:      o.Counter,
		defaults: func() office.CounterSpec { return office.CounterSpec{} },
		create:   o.CreateCounter,
		update:   o.UpdateCounter,
		remove:   o.DeleteCounter,
	}.mount(g, "/counters")
	a := s.Auth
	resource[auth.User, auth.UserSpec]{
		list:     a.Users,
		get:      a.User,
		defaults: func() auth.UserSpec { return auth.UserSpec{} },
		create:   a.CreateUser,
		update:   a.UpdateUser,
		remove:   a.DeleteUser,
	}.mount(g, "/users")
	s.adminKiosks(g)
	s.adminWebhooks(g)
	s.displayRoutes(g)
	s.attachmentRoutes(g)
	s.adminStats(g)
	s.adminStaff(g)
	g.Get("/audit", s.auditLog)
	g.Get("/holidays", s.holidays)
	g.Get("/outbox", s.outboxList)
	g.Get("/office", s.officeSettings)
	g.Patch("/office", s.updateOfficeSettings)
}

// holidays: GET /api/v1/admin/holidays?year= — the Polish public holidays
// of a year (default: this year), for the closures calendar.
func (s *Server) holidays(c *fiber.Ctx) error {
	year := s.Clock.Now().Year()
	if v := c.Query("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2200 {
			return okienko.Invalid("year", "must be a year from 2000 to 2200")
		}
		year = n
	}
	return c.JSON(office.Holidays(year))
}

// outboxList: GET /api/v1/admin/outbox?state=&limit= — notification
// messages with masked recipients, newest first.
func (s *Server) outboxList(c *fiber.Ctx) error {
	limit := 0
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return okienko.Invalid("limit", "must be a positive whole number")
		}
		limit = n
	}
	items, err := outbox.List(c.UserContext(), s.DB, c.Query("state"), limit)
	if err != nil {
		return err
	}
	if items == nil {
		items = []outbox.Message{}
	}
	return c.JSON(items)
}

// auditLog: GET /api/v1/admin/audit?user_id=&object_type=&object_id=&limit=
// — entries newest first, each with its object's name and the fields that
// changed (audit.View).
func (s *Server) auditLog(c *fiber.Ctx) error {
	var f audit.Filter
	fe := okienko.FieldErrors{}
	num := func(name string) int64 {
		v := c.Query(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fe.Add(name, "must be a positive whole number")
		}
		return n
	}
	f.UserID = num("user_id")
	f.ObjectID = num("object_id")
	f.Limit = int(num("limit"))
	f.ObjectType = c.Query("object_type")
	if err := fe.Err(); err != nil {
		return err
	}
	entries, err := audit.List(c.UserContext(), s.DB, f)
	if err != nil {
		return err
	}
	views, err := audit.Describe(c.UserContext(), s.DB, entries)
	if err != nil {
		return err
	}
	return c.JSON(views)
}
