package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

//go:embed openapi.yaml
var openAPI []byte

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

func staticFiles() fiber.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	return filesystem.New(filesystem.Config{Root: http.FS(sub), MaxAge: 3600})
}

// serveOpenAPI: GET /api/openapi.yaml
func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(openAPI)
}

// render writes the named page template as HTML.
func render(c *fiber.Ctx, name string, data any) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return pages.ExecuteTemplate(c.Response().BodyWriter(), name, data)
}
