package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// publicDepartments: GET /api/v1/departments — departments with their
// services, for residents and kiosks.
func (s *Server) publicDepartments(c *fiber.Ctx) error {
	deps, err := s.Offices.Departments(c.UserContext(), true)
	if err != nil {
		return err
	}
	return c.JSON(deps)
}

// publicService: GET /api/v1/services/{id} — one service with its
// instructions and form templates.
func (s *Server) publicService(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	svc, err := s.Offices.Service(c.UserContext(), id)
	if err != nil {
		return err
	}
	if svc.Archived() {
		return okienko.Errorf(okienko.ENOTFOUND, "service %d not found", id)
	}
	atts, err := s.Offices.Attachments(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(publicServiceView{Service: svc, Attachments: atts})
}

// publicServiceView is a service with its form templates.
type publicServiceView struct {
	*office.Service
	Attachments []office.Attachment `json:"attachments"`
}
